"""The shared Marketplace client against the emulator over real HTTP."""

import logging

import httpx
import pytest

from ingram_lib.core.config import marketplace_settings
from ingram_lib.core.errors import ApiError, ConfigError, ParameterError, TransportError
from ingram_lib.core.http import RetryPolicy, parse_retry_after
from ingram_lib.marketplace.client import MarketplaceClient
from runner.services import ActionService

from conftest import make_config


class Sleeps(list):
    def __call__(self, seconds):
        self.append(seconds)


def client_for(config, datastore=None, sleeps=None, account="default"):
    settings = marketplace_settings(config, account)
    retry = RetryPolicy(max_retries=settings.max_retries, max_wait=30,
                        sleep=sleeps if sleeps is not None else Sleeps())
    kv = ActionService(datastore, "Test") if datastore is not None else None
    return MarketplaceClient(settings, kv=kv, retry=retry)


def test_get_retries_a_429_and_503_burst_honouring_retry_after(config, emulator):
    emulator.faults.add(kind="status", status=429, retry_after=7, method="GET",
                        path="/customers$", count=2)
    emulator.faults.add(kind="status", status=503, method="GET", path="/customers$", count=1)
    sleeps = Sleeps()
    page = client_for(config, sleeps=sleeps).get("/customers")
    assert page["pagination"]["total"] == 5
    assert sleeps[:2] == [7.0, 7.0]
    assert len(sleeps) == 3 and 2.0 <= sleeps[2] <= 4.0  # backoff: 2^2 s, half jittered
    assert emulator.request_count(method="GET", route="/customers") == 4


def test_get_gives_up_after_max_retries_with_the_last_error(config, emulator):
    emulator.faults.add(kind="status", status=503, method="GET", path="/customers$")
    sleeps = Sleeps()
    with pytest.raises(ApiError) as info:
        client_for(config, sleeps=sleeps).get("/customers")
    assert info.value.status == 503
    assert info.value.correlation_id.startswith("a8n-")
    assert len(sleeps) == 5


def test_post_is_never_retried(config, emulator):
    emulator.faults.add(kind="status", status=503, method="POST", path="/customers$", count=1)
    client = client_for(config)
    before = len(emulator.marketplace.state.customers)
    with pytest.raises(ApiError) as info:
        client.post("/customers", {"name": "x"})
    assert info.value.status == 503
    assert emulator.request_count(method="POST", route="/customers") == 1
    assert len(emulator.marketplace.state.customers) == before


def test_post_that_times_out_is_not_repeated(config, emulator):
    emulator.faults.add(kind="timeout", method="POST", path="/customers$", delay=3, count=1)
    fast = make_config_with_timeout(config, read_timeout=0.5)
    from emulator.marketplace.customers import make_customer_body
    with pytest.raises(TransportError) as info:
        client_for(fast).post("/customers", make_customer_body("Slow Co"))
    assert info.value.timed_out and info.value.request_sent
    assert emulator.request_count(method="POST", route="/customers") == 1


def make_config_with_timeout(config, read_timeout):
    import copy
    out = copy.deepcopy(config)
    out["accounts"]["default"]["read_timeout"] = read_timeout
    return out


@pytest.mark.parametrize("evil", ["1?x=y", "1#frag", "a/b", "100%"])
def test_path_parameters_cannot_leave_their_segment(config, emulator, evil):
    client = client_for(config)
    with pytest.raises(ApiError) as info:
        client.get(client.path("/customers/{id}", id=evil))
    assert info.value.status == 404
    assert emulator.request_count(route="/customers/{id}") == 1
    assert emulator.request_count(route="/orders") == 0


@pytest.mark.parametrize("bad", ["", "  ", ".", "..", "../orders", "1/../../orders", "%2e%2e",
                                 "..%2Forders", "1\r\n2"])
def test_empty_or_dot_ids_are_rejected_before_any_request(config, emulator, bad):
    client = client_for(config)
    with pytest.raises(ParameterError) as info:
        client.path("/customers/{id}", id=bad)
    assert "'id'" in str(info.value)
    assert emulator.request_count() == 0


def test_token_is_reused_across_processes_through_the_datastore(config, emulator, datastore):
    from ingram_lib.core.tokens import TokenCache
    client_for(config, datastore).get("/customers")
    TokenCache._memory.clear()  # a new action process
    client_for(config, datastore).get("/customers")
    assert emulator.marketplace.auth.issued == 1
    assert emulator.request_count(route="/token") == 1
    names = datastore.names()
    assert len(names) == 1 and names[0].startswith("ingram_micro.token.marketplace.default.")
    # stored encrypted: unreadable without decrypt=True
    assert "token" not in datastore.get(names[0])


def test_expired_or_revoked_token_reauthenticates_once(config, emulator, datastore):
    client = client_for(config, datastore)
    client.get("/customers")
    emulator.marketplace.auth.revoke_all()
    assert client.get("/customers")["pagination"]["total"] == 5
    assert emulator.marketplace.auth.issued == 2


def test_datastore_ttl_is_shorter_than_token_lifetime(config, emulator, datastore):
    client_for(config, datastore).get("/customers")
    name = datastore.names()[0]
    datastore.clock = lambda: __import__("time").time() + 1500 - 59
    assert datastore.get(name, decrypt=True) is None


def test_bad_credentials_fail_with_status_and_no_retry(server, emulator):
    config = make_config(server, password="wrong-password")
    with pytest.raises(ApiError) as info:
        client_for(config).get("/customers")
    assert info.value.status == 401
    assert emulator.request_count(route="/token") == 1


def test_html_gateway_page_becomes_a_readable_error(config, emulator):
    emulator.faults.add(kind="html504", method="PATCH", path="/customers/")
    client = client_for(config)
    cid = emulator.marketplace.state.customers.newest_first().__next__()["id"]
    with pytest.raises(ApiError) as info:
        client.patch(client.path("/customers/{id}", id=cid), {"name": "x"})
    assert info.value.status == 504
    assert "504 Gateway Time-out" in info.value.message


def test_error_body_fields_are_surfaced(config, emulator):
    client = client_for(config)
    with pytest.raises(ApiError) as info:
        client.get(client.path("/customers/{id}", id="999"))
    err = info.value.to_dict()
    assert err["status"] == 404 and "not found" in err["message"]
    assert err["correlation_id"].startswith("a8n-") and err["path"] == "/customers/999"


def test_alternative_error_body_shape_is_parsed():
    from ingram_lib.marketplace.client import parse_error
    assert parse_error({"timestamp": "x", "status": 500, "error": "boom",
                        "correlationId": "a8n-1"}) == ("boom", "a8n-1")
    assert parse_error({"statusCode": 429, "message": "Rate limit"}) == ("Rate limit", None)
    assert parse_error(None) == (None, None)


def test_retry_after_accepts_seconds_and_http_dates():
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470) == 10.0
    assert parse_retry_after("soon") is None


def test_paginate_all_walks_to_total_and_deduplicates_shifted_rows(config, emulator):
    from emulator.marketplace import customers
    customers.bulk(emulator.marketplace.state, 1200)
    client = client_for(config)
    seen = []
    for row in client.paginate("/customers"):
        seen.append(row["id"])
        if len(seen) == 10:  # a customer created mid-walk shifts every later offset by one
            customers.bulk(emulator.marketplace.state, 1, prefix="Late")
    assert len(seen) == len(set(seen)) == 1205
    assert emulator.request_count(route="/customers") == 3


def test_missing_account_and_field_are_named():
    with pytest.raises(ConfigError) as info:
        marketplace_settings({"accounts": {"default": {}}}, "emea")
    assert "'emea'" in str(info.value)
    with pytest.raises(ConfigError) as info:
        marketplace_settings({"accounts": {"default": {"api_url": "http://x"}}})
    assert "subscription_key" in str(info.value) and "password" in str(info.value)


def test_secrets_never_reach_results_logs_or_exceptions(server, caplog, datastore):
    from emulator.marketplace.auth import Credentials
    canary_pw, canary_key = "CANARY-PASSWORD-8f3e", "CANARYKEY0000000000000000000cafe"
    server.emulator.marketplace.auth.credentials = Credentials(password=canary_pw,
                                                               subscription_key=canary_key)
    caplog.set_level(logging.DEBUG)
    texts = []
    good = make_config(server, password=canary_pw, subscription_key=canary_key)
    from runner import execute
    for cfg, name, params in [
            (good, "list_customers", {}),
            (good, "get_customer", {"customerId": "nope"}),
            (make_config(server, password=canary_pw + "x", subscription_key=canary_key),
             "list_customers", {}),
            (make_config(server, password=canary_pw, subscription_key=canary_key + "0"),
             "list_customers", {})]:
        outcome = execute.run_action(name, params, cfg, datastore)
        texts.append(repr(outcome.result))
    server.emulator.faults.add(kind="status", status=500, message="echo " + canary_key)
    outcome = execute.run_action("list_customers", {}, good, datastore)
    texts.append(repr(outcome.result))
    assert "********" in texts[-1]
    texts.append(caplog.text)
    texts.extend(str(datastore.get(n)) for n in datastore.names())
    token = next(iter(server.emulator.marketplace.auth._tokens))
    for text in texts:
        assert canary_pw not in text and canary_key not in text and token not in text


def test_max_retry_wait_bounds_the_backoff_too():
    policy = RetryPolicy(base=1.0, cap=15.0, max_wait=2.0, rand=lambda: 1.0)
    assert [policy.delay(n) for n in range(6)] == [1.0, 2.0, 2.0, 2.0, 2.0, 2.0]
    assert policy.delay(0, retry_after=30) == 2.0
    roomy = RetryPolicy(base=1.0, cap=15.0, max_wait=60.0, rand=lambda: 1.0)
    assert roomy.delay(5) == 15.0


def test_account_max_retry_wait_bounds_backoff_between_503s(config, emulator):
    emulator.faults.add(kind="status", status=503, method="GET", path="/customers$", count=5)
    settings = marketplace_settings(config, "default")  # max_retry_wait 0.01 s
    sleeps = Sleeps()
    client = MarketplaceClient(settings, retry=RetryPolicy(
        max_retries=settings.max_retries, max_wait=settings.max_retry_wait, sleep=sleeps))
    assert client.get("/customers")["pagination"]["total"] == 5
    assert len(sleeps) == 5 and max(sleeps) <= 0.01


def test_paginate_walks_every_page_when_the_server_caps_limit(server, config, emulator):
    from emulator.marketplace import customers
    customers.bulk(emulator.marketplace.state, 1195)  # 1200 with the seeded five
    httpx.post(server.url + "/_emulator/marketplace/limits", json={"max_limit": 100})
    client = client_for(config)
    rows = list(client.paginate("/customers"))
    assert len(rows) == len({r["id"] for r in rows}) == 1200
    assert emulator.request_count(route="/customers") == 12


def test_paginate_all_pages_action_under_a_capped_limit(run_action, emulator):
    from emulator.marketplace import customers
    customers.bulk(emulator.marketplace.state, 295)
    emulator.marketplace.max_limit = 50
    listed = run_action("list_customers", all_pages=True, max_items=1000)
    assert listed.result["count"] == listed.result["total"] == 300
    assert listed.result["truncated"] is False


def test_paginate_without_total_stops_on_a_short_page(config, emulator):
    client = client_for(config)
    pages = iter([{"data": [{"id": str(n)} for n in range(3)]}, AssertionError])

    def get(path, params=None):
        page = next(pages)
        if page is AssertionError:
            raise AssertionError("walked past a short page with no total")
        return page
    client.get = get
    assert [r["id"] for r in client.paginate("/customers", page_size=5)] == ["0", "1", "2"]


@pytest.mark.slow
def test_ten_thousand_customers_take_twenty_requests_at_the_default_cap(config, emulator):
    from emulator.marketplace import customers
    customers.bulk(emulator.marketplace.state, 9995)
    rows = sum(1 for _ in client_for(config).paginate("/customers"))
    assert rows == 10000
    assert emulator.request_count(route="/customers") == 20


def test_download_stops_reading_a_stream_past_max_bytes():
    # The emulator always sends Content-Length; a chunked body without one needs a stub.
    from ingram_lib.core.errors import ResponseTooLarge
    from ingram_lib.core.http import Transport
    served = []

    def chunks():
        for _ in range(100):
            served.append(1)
            yield b"x" * 1000

    def handler(request):
        return httpx.Response(200, stream=_Chunks(chunks()))

    transport = Transport("http://storage.invalid", 1, 1,
                          client=httpx.Client(transport=httpx.MockTransport(handler)))
    with pytest.raises(ResponseTooLarge) as info:
        transport.download("/file.csv", 2500)
    assert info.value.max_bytes == 2500 and info.value.to_dict()["error"] == "too_large"
    assert len(served) <= 4  # stopped at the third kilobyte, not after all hundred
    body, _ = transport.download("/file.csv", 10 ** 6)
    assert len(body) == 100000


class _Chunks(httpx.SyncByteStream):
    def __init__(self, iterator):
        self._iterator = iterator

    def __iter__(self):
        return self._iterator
