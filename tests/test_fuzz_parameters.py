"""Generated parameter fuzz: every action's YAML parameters, broken one at a time.

Each test changes one parameter of a call the action accepts (``fuzz_support.BASELINE``)
and runs the action as StackStorm would (``runner.execute``: parameters validated and
defaulted from the YAML) against one emulator for the whole module.

Invalid values, derived from the YAML (type, enum, minimum/maximum, pattern, required,
minItems, item types), and hostile values the YAML cannot rule out (empty or dot ids,
``%2e%2e``, CR/LF, NUL, ids over 1 000 characters, filters of 70 000 characters, JSON
nested 100 000 deep) must end one of two ways, and send NO request (the emulator's request
log, ``Emulator.received``, stays empty):

* refused by StackStorm's own parameter validation (the runner raises
  ``ParameterValidationError``, as st2 fails the execution before the action runs), with
  the parameter named in the message; or
* a failed structured result ``{"error": "parameter_error", "message", "parameter"}``
  whose ``parameter`` is the name as the YAML spells it (never a placeholder of the code
  such as ``id`` or ``OrderNumber``). An unknown ``account`` is a ``config_error``.

Hostile values an API could legitimately accept are sent, and the run must end in a
success or a structured failure, never a traceback:

* ids with ``?``, ``#``, ``/``, spaces, non-ASCII letters or digits (encoded into their one
  path segment; the path-safety suite checks the path that arrives);
* CR/LF or NUL inside a filter or a body field (percent-encoded in the query, escaped in
  JSON) and body fields of 70 000 characters (a JSON body has no URL length limit);
* integers at their documented bounds, and JSON nested 50 levels deep.

A 70 000-character value that would travel in a URL (an id or a query filter) cannot be
sent (URLs over 64 KB are refused by the HTTP client, gateways stop near 8 KB), so it must
be refused as a parameter error. Deterministic: hypothesis runs derandomized, a fixed
number of examples per parameter, and no test waits on a clock.
"""

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fuzz_support as fs
from conftest import make_config
from emulator import EmulatorServer
from runner.datastore import Datastore

FUZZ = settings(max_examples=4, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

PARAMS = [(action, name, spec) for action in fs.ACTIONS
          for name, spec in (fs.META[action].get("parameters") or {}).items()]


class Bench(object):
    def __init__(self):
        self.server = EmulatorServer(port=0).start()
        self.config = make_config(self.server)
        self.datastore = Datastore(":memory:")

    def run(self, action, params):
        return fs.run(self.server.emulator, self.config, self.datastore, action, params)

    def close(self):
        self.datastore.close()
        self.server.stop()


@pytest.fixture(scope="module")
def bench():
    bench = Bench()
    yield bench
    bench.close()


def with_value(action, name, value, drop=False):
    params = dict(fs.BASELINE[action])
    if drop:
        params.pop(name, None)
    else:
        params[name] = value
    return params


def names(message, name):
    """True if st2's validation message names the parameter (or a field inside it)."""
    return re.search(r"'%s[.']" % re.escape(name), message) is not None


def assert_refused(run, action, name, what):
    label = "%s.%s = %s" % (action, name, what)
    assert run.kind != "crashed", "%s: traceback instead of an error\n%s" % (label, run.result)
    assert run.kind != "ok", "%s: succeeded, but the value is invalid: %r" % (label, run)
    assert not run.requests, "%s: requests were sent before refusing it: %r" % (
        label, run.requests[:3])
    if run.kind == "refused":
        assert names(run.result, name), "%s: st2's refusal does not name %r: %s" % (
            label, name, run.result[:300])
        return
    result = run.result
    assert isinstance(result, dict) and result.get("error") and result.get("message"), (
        "%s: not a structured failure: %r" % (label, run))
    if name == "account" and result["error"] == "config_error":
        return
    assert result["error"] == "parameter_error", "%s: %r" % (label, run)
    assert result.get("parameter") == name, (
        "%s: the error names %r, not the action's parameter %r: %s"
        % (label, result.get("parameter"), name, result["message"][:200]))


def assert_answered(run, action, name, what):
    """A hostile but possible value: any ending except a traceback or a parameter error
    naming something else."""
    label = "%s.%s = %s" % (action, name, what)
    assert run.kind != "crashed", "%s: traceback instead of an error\n%s" % (label, run.result)
    if run.kind == "refused":
        assert names(run.result, name), "%s: %s" % (label, run.result[:300])
    elif run.kind == "failed":
        result = run.result
        assert isinstance(result, dict) and result.get("error") and result.get("message"), (
            "%s: not a structured failure: %r" % (label, run))
        if result["error"] == "parameter_error":
            # Some values can only be judged against the API's data (an mpn the
            # subscription does not have): reads may precede the error, writes may not.
            writes = [r for r in run.requests if r[0] != "GET" and not r[1].endswith("/token")]
            assert not writes, "%s: %r" % (label, run)
            assert result.get("parameter") in fs.META[action]["parameters"], (
                "%s: the error names %r, which is no parameter of the action"
                % (label, result.get("parameter")))
    else:
        assert isinstance(run.result, (dict, list)) and run.result, (
            "%s: a success without a body: %r" % (label, run))
    for request in run.journal:
        query = sum(len(k) + len(v) for k, vs in request.query.items() for v in vs)
        assert query < 8000, "%s: a %d-character query string was sent" % (label, query)


# -- values the YAML itself rules out ---------------------------------------------------------

WRONG_TYPE = {
    "string": st.one_of(st.integers(), st.booleans(), st.just(["a"]), st.just({"a": 1}),
                        st.floats(allow_nan=False, allow_infinity=False)),
    "integer": st.one_of(
        st.sampled_from(["1", "\u0661", "\uff11", "1e3", " 7 ", True, False, [1], {}]),
        st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not f.is_integer()),
        st.text(max_size=4)),
    "number": st.one_of(st.sampled_from(["1", "\u0661", True, [1], {}]),
                        st.text(max_size=4)),
    "boolean": st.one_of(st.sampled_from(["true", "false", "yes", 0, 1, [], {}]),
                         st.text(max_size=4)),
    "object": st.one_of(st.sampled_from([[], [1], "{}", 1, True]), st.text(max_size=4)),
    "array": st.one_of(st.sampled_from([{}, {"a": 1}, "[]", 1, True]), st.text(max_size=4)),
}


def invalid_values(spec):
    """Strategies of values that break ``spec`` (one parameter's YAML)."""
    kind = spec.get("type")
    out = [WRONG_TYPE[kind]] if kind in WRONG_TYPE else []
    if spec.get("enum"):
        enum = spec["enum"]
        out.append(st.one_of(st.sampled_from([e.lower() if e != e.lower() else e.upper()
                                              for e in enum if isinstance(e, str)] or ["x"]),
                             st.text(max_size=8)).filter(lambda v: v not in enum))
    if "pattern" in spec:
        pattern = re.compile(spec["pattern"])
        out.append(st.one_of(st.sampled_from(["usd", "US", "USDX", "", "US\n"]),
                             st.text(max_size=5)).filter(lambda v: not pattern.search(v)))
    if "minimum" in spec:
        low = spec["minimum"]
        if kind == "integer":
            out.append(st.one_of(st.sampled_from([low - 1, -1, -(10 ** 30)]),
                                 st.integers(max_value=low - 1)))
        else:
            out.append(st.one_of(st.sampled_from([-1e308, -1]), st.floats(
                max_value=low, exclude_max=True, allow_nan=False, allow_infinity=False)))
    if "maximum" in spec:
        high = spec["maximum"]
        if kind == "integer":
            out.append(st.one_of(st.sampled_from([high + 1, 10 ** 30]),
                                 st.integers(min_value=high + 1)))
        else:
            out.append(st.one_of(st.sampled_from([1e308, float("inf")]), st.floats(
                min_value=high, exclude_min=True, allow_nan=False)))
    if spec.get("minItems"):
        out.append(st.just([]))
    item_type = (spec.get("items") or {}).get("type")
    if kind == "array" and item_type in WRONG_TYPE:
        out.append(st.lists(WRONG_TYPE[item_type], min_size=1, max_size=2))
    props = spec.get("properties") or {}
    if kind == "object" and any(p.get("required") for p in props.values()):
        out.append(st.just({}))
    return out


@pytest.mark.parametrize("action,name,spec", PARAMS,
                         ids=["%s.%s" % (a, n) for a, n, _ in PARAMS])
def test_values_the_yaml_rules_out_are_refused_before_any_request(bench, action, name, spec):
    strategies = invalid_values(spec)
    if not strategies:
        pytest.skip("the YAML allows any value of any type for %s" % name)

    @FUZZ
    @given(value=st.one_of(strategies))
    def check(value):
        run = bench.run(action, with_value(action, name, value))
        assert_refused(run, action, name, "%s %r" % (type(value).__name__, value)[:80])
    check()


REQUIRED = [(a, n, s) for a, n, s in PARAMS if s.get("required") and "default" not in s]


@pytest.mark.parametrize("action,name,spec", REQUIRED,
                         ids=["%s.%s" % (a, n) for a, n, _ in REQUIRED])
def test_missing_required_parameters_are_refused_before_any_request(bench, action, name, spec):
    assert_refused(bench.run(action, with_value(action, name, None, drop=True)),
                   action, name, "missing")
    assert_refused(bench.run(action, with_value(action, name, None)), action, name, "null")
    if spec.get("type") == "string":
        for blank in ("", "   ", "\t\n"):
            assert_refused(bench.run(action, with_value(action, name, blank)),
                           action, name, repr(blank))


# -- hostile values the YAML lets through --------------------------------------------------

BAD_IDS = ["", "  ", ".", "..", "%2e%2e", "%2E%2e", ".%2e", "%252e%252e", "a/../b", "../x",
           "..%2F..%2Ftoken", "..\\x", "x\r\nHost: evil.example", "x\ny", "x\x00y", "x\x7f",
           "a" * 1001, "1" * 70000]
ODD_IDS = ["1?x=y", "a#b", "1/2", "a b", "\u00e9t\u00e9", "\u0661\u0662\u0663", "1;x", "~1",
           "a" * 1000]
PATH_PARAMS = sorted(fs.PATH_PARAMS)


@pytest.mark.parametrize("action,name", PATH_PARAMS, ids=["%s.%s" % p for p in PATH_PARAMS])
def test_ids_that_cannot_be_a_path_segment_are_refused(bench, action, name):
    @FUZZ
    @given(value=st.one_of(st.sampled_from(BAD_IDS), st.builds(
        lambda a, bad, b: a + bad + b, st.sampled_from(["", "1", "x/"]),
        st.sampled_from(["\r", "\n", "\x00", "/../", "/%2e%2e/", "/%2E./"]),
        st.sampled_from(["", "2", "/y"]))))
    def check(value):
        run = bench.run(action, with_value(action, name, value))
        assert_refused(run, action, name, "%r" % value[:40])
    check()


@pytest.mark.parametrize("action,name", PATH_PARAMS, ids=["%s.%s" % p for p in PATH_PARAMS])
def test_odd_but_possible_ids_are_sent_and_answered(bench, action, name):
    for value in ODD_IDS:
        run = bench.run(action, with_value(action, name, value))
        assert_answered(run, action, name, "%r" % value[:40])


TEXT = [(a, n, s) for a, n, s in PARAMS
        if s.get("type") == "string" and not s.get("enum") and "pattern" not in s
        if (a, n) not in fs.PATH_PARAMS and n not in ("path", "account")]


@pytest.mark.parametrize("action,name,spec", TEXT, ids=["%s.%s" % (a, n) for a, n, _ in TEXT])
def test_hostile_text_never_breaks_an_action(bench, action, name, spec):
    @FUZZ
    @given(value=st.one_of(
        st.sampled_from(["a\r\nb", "\r\n", "a\x00b", "..", "%2e%2e", "\u0661\u0662",
                         "\U0001f600", "x" * 70000]),
        st.text(max_size=30)))
    def check(value):
        run = bench.run(action, with_value(action, name, value))
        assert_answered(run, action, name, "%r" % value[:40])
    check()


@pytest.mark.parametrize("action,name,spec", TEXT, ids=["%s.%s" % (a, n) for a, n, _ in TEXT])
def test_a_70000_character_filter_is_refused_or_sent_in_a_body(bench, action, name, spec):
    run = bench.run(action, with_value(action, name, "x" * 70000))
    assert_answered(run, action, name, "70 000 characters")
    in_url = any("x" * 1000 in request.path or any(
        "x" * 1000 in v for vs in request.query.values() for v in vs) for request in run.journal)
    assert not in_url
    if run.kind == "failed" and run.result.get("error") == "parameter_error":
        assert run.result["parameter"] == name


def test_an_unknown_or_hostile_account_is_a_config_error(bench):
    for value in ("nope", "x" * 70000, "../default", "default\r\n"):
        for action in fs.ACTIONS:
            run = bench.run(action, with_value(action, "account", value))
            assert_refused(run, action, "account", "%r" % value[:20])


NUMBERS = [(a, n, s) for a, n, s in PARAMS if s.get("type") in ("integer", "number")]


@pytest.mark.parametrize("action,name,spec", NUMBERS,
                         ids=["%s.%s" % (a, n) for a, n, _ in NUMBERS])
def test_numbers_are_bounded_by_the_yaml(action, name, spec):
    """Every count, page, offset and interval has both bounds in the YAML, so StackStorm
    refuses 1e308, -1 and 0 before the action runs."""
    if name == "quantity":
        # A subscription's seat count may go to 0; anything shipped or returned starts at 1.
        assert spec.get("minimum") in (0, 1), "%s.quantity" % action
        return
    if name in ("wait_seconds", "max_bytes"):
        assert spec.get("minimum") == 1
        return
    assert "minimum" in spec and "maximum" in spec, "%s.%s has no bound" % (action, name)
    if name == "max_items":
        from ingram_lib.core import checks
        assert spec["maximum"] == checks.MAX_ITEMS
    if name in ("poll_interval", "max_interval"):
        from ingram_lib.core import checks
        assert spec["maximum"] == checks.MAX_POLL_INTERVAL


@pytest.mark.parametrize("action,name,spec", NUMBERS,
                         ids=["%s.%s" % (a, n) for a, n, _ in NUMBERS])
def test_numbers_at_their_bounds_are_answered(bench, action, name, spec):
    if action in ("wait_for_order", "download_report") and name != "max_bytes":
        pytest.skip("a bound of a wait is a wait: checked by the YAML bound test")
    for value in (spec.get("minimum"), spec.get("maximum")):
        if value is not None:
            run = bench.run(action, with_value(action, name, value))
            assert_answered(run, action, name, repr(value))


STRUCTURED = [(a, n, s) for a, n, s in PARAMS if s.get("type") in ("object", "array")]


@pytest.mark.parametrize("action,name,spec", STRUCTURED,
                         ids=["%s.%s" % (a, n) for a, n, _ in STRUCTURED])
def test_deeply_nested_json_is_refused_without_a_traceback(bench, action, name, spec):
    run = bench.run(action, with_value(action, name, fs.nested(100000, spec["type"])))
    assert_refused(run, action, name, "JSON nested 100 000 deep")


@pytest.mark.parametrize("action,name,spec", STRUCTURED,
                         ids=["%s.%s" % (a, n) for a, n, _ in STRUCTURED])
def test_moderately_nested_json_is_answered(bench, action, name, spec):
    run = bench.run(action, with_value(action, name, fs.nested(50, spec["type"])))
    assert_answered(run, action, name, "JSON nested 50 deep")
