"""Every path parameter of every action, and the ``path`` of the two ``api_request``
actions, stays on the path it was meant for.

What the emulator received (``Emulator.received``: method and path exactly as they arrived,
still percent-encoded) is checked, not what the client meant to send: no dot segment after
any number of decodings, no ``%2e`` sent as-is, no CR/LF, the same number of segments as
the route, and the value inside its own segment. Values that cannot be made safe (a dot
segment in any encoding, a control character, a ``#fragment`` or ``?query`` in an API
path) must be a parameter error naming the parameter, with nothing sent.
"""

import re
from urllib.parse import quote, unquote

import pytest

import fuzz_support as fs
from conftest import make_config
from emulator import EmulatorServer
from runner.datastore import Datastore


@pytest.fixture(scope="module")
def bench():
    server = EmulatorServer(port=0).start()
    config = make_config(server)
    datastore = Datastore(":memory:")

    def run(action, params):
        return fs.run(server.emulator, config, datastore, action, params)
    run.emulator = server.emulator
    run.config = config
    run.datastore = datastore
    yield run
    datastore.close()
    server.stop()


def decodings(path):
    seen = [path]
    for _ in range(4):
        path = unquote(path)
        seen.append(path)
    return seen


def assert_path_is_safe(raw):
    assert "\r" not in raw and "\n" not in raw, raw
    assert not re.search(r"%2e", raw, re.I), "a percent-encoded dot was sent: %s" % raw
    for decoded in decodings(raw):
        assert not any(p in (".", "..") for p in re.split(r"[/\\]", decoded)), (
            "a dot segment after decoding: %s" % raw)


def test_the_path_parameter_list_is_where_ids_really_travel(bench):
    found = fs.placements(bench.emulator, bench.config, bench.datastore)
    in_path = {key for key, places in found.items() if "path" in places}
    assert in_path == fs.PATH_PARAMS


SAFE_ODD = ["1?x=y", "a#b", "1/2", "a b", "\u00e9t\u00e9", "1;x", "%41", "~1", "a+b"]
REFUSED = ["..", ".", "%2e%2e", "%2E.", "%252e%252e", "a/../b", "..%2F..%2Ftoken",
           "x\r\ny", "x\x00", "a" * 1001]


@pytest.mark.parametrize("action,name", sorted(fs.PATH_PARAMS),
                         ids=["%s.%s" % p for p in sorted(fs.PATH_PARAMS)])
def test_an_id_stays_inside_its_own_segment(bench, action, name):
    marker = "Qz7m"
    params = dict(fs.BASELINE[action], **{name: marker})
    intended = [r for r in bench(action, params).requests if marker in r[1]]
    assert intended, "%s.%s: the id never reached a path" % (action, name)
    template = intended[0][1]
    for value in SAFE_ODD:
        params = dict(fs.BASELINE[action], **{name: value})
        run = bench(action, params)
        assert run.kind in ("ok", "failed"), run
        if run.result.get("parameter") == name and not run.requests:
            continue    # refused as an id this API never issues: nothing was sent
        expected = template.replace(marker, quote(value, safe=""))
        sent = [r[1] for r in run.requests]
        assert expected in sent, "%s.%s=%r: expected %s, the emulator saw %s" % (
            action, name, value, expected, sent)
        for raw in sent:
            assert_path_is_safe(raw)
    for value in REFUSED:
        run = bench(action, dict(fs.BASELINE[action], **{name: value}))
        assert run.requests == [], "%s.%s=%r: sent %s" % (action, name, value, run.requests)
        assert run.kind == "failed" and run.result.get("parameter") == name, (
            "%s.%s=%r: %r" % (action, name, value, run))


API_REFUSED = ["/customers/../token", "/customers/%2e%2e/orders", "/customers/%2E%2E/orders",
               "/..%2F..%2Ftoken", "/customers/%252e%252e/x", "/customers/.%2e/x",
               "/customers#fragment", "/customers/1#/../../token", "/customers?limit=1",
               "/customers\r\nX-Injected: 1", "/customers\n", "/customers\x00",
               "/customers/./x", "//evil.example/customers", "http://evil.example/customers",
               "customers", "/customers/%0d%0aX: 1", "/customers/..\\x",
               "/" + "a" * 70000, ""]


@pytest.mark.parametrize("action", fs.API_PATH_ACTIONS)
@pytest.mark.parametrize("path", API_REFUSED, ids=[repr(p[:30]) for p in API_REFUSED])
def test_api_request_refuses_paths_that_would_not_be_sent_as_given(bench, action, path):
    run = bench(action, dict(fs.BASELINE[action], path=path))
    assert run.kind == "failed", run
    assert run.result.get("error") == "parameter_error", run
    assert run.result.get("parameter") == "path", run
    assert run.requests == []


@pytest.mark.parametrize("action,path,sent", [
    ("api_request", "/customers/1%2F2", "/marketplace/eu/customers/1%2F2"),
    ("api_request", "/customers/%C3%A9", "/marketplace/eu/customers/%C3%A9"),
    ("api_request", "/customers", "/marketplace/eu/customers"),
    ("xvantage_api_request", "/resellers/v6/orders/search", "/resellers/v6/orders/search"),
    ("xvantage_api_request", "/resellers/v6/orders/20-A%2FB", "/resellers/v6/orders/20-A%2FB"),
])
def test_api_request_sends_the_path_exactly_as_given(bench, action, path, sent):
    run = bench(action, dict(fs.BASELINE[action], path=path))
    assert run.kind in ("ok", "failed"), run
    paths = [r[1] for r in run.requests if not r[1].endswith("/token")]
    assert paths == [sent], paths
    assert_path_is_safe(paths[0])
