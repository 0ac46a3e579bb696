"""The emulated Marketplace gateway's rate limit (a sliding window per subscription key),
over real HTTP, and the shared client waiting it out."""

import base64

import httpx
import pytest

from emulator.marketplace.auth import Credentials
from ingram_lib.core.config import marketplace_settings
from ingram_lib.core.errors import RateLimitError
from ingram_lib.core.http import RetryPolicy
from ingram_lib.marketplace.client import MarketplaceClient, parse_error

from test_marketplace_client import client_for

KEY = Credentials().subscription_key
OTHER_KEY = "fedcba9876543210fedcba9876543210"


class Gateway(object):
    """Raw calls with one subscription key: a token first, then bearer calls."""

    def __init__(self, server, key=KEY):
        self.http = httpx.Client(base_url=server.marketplace_url, timeout=10)
        self.key = key
        self.token = None

    def login(self):
        creds = Credentials()
        basic = base64.b64encode(("%s:%s" % (creds.username, creds.password)).encode())
        response = self.http.post("/token", json={"marketplace": "us"}, headers={
            "Authorization": "Basic " + basic.decode(), "X-Subscription-Key": self.key})
        assert response.status_code == 200, response.text
        self.token = response.json()["token"]
        return response

    def get(self, path="/customers"):
        return self.http.get(path, headers={"Authorization": "Bearer " + self.token,
                                            "X-Subscription-Key": self.key})

    def close(self):
        self.http.close()


@pytest.fixture
def gateway(server, emulator):
    emulator.clock.freeze()
    gw = Gateway(server)
    yield gw
    gw.close()


def limit(server, **settings):
    response = httpx.post(server.url + "/_emulator/marketplace/ratelimit", json=settings)
    assert response.status_code == 200, response.text
    return response.json()


def test_off_by_default_and_sixty_a_minute_per_key_once_switched_on(server, gateway):
    gateway.login()
    assert [gateway.get().status_code for _ in range(70)] == [200] * 70
    settings = limit(server, enabled=True)
    assert settings["enabled"] and settings["sliding"]
    assert (settings["limit"], settings["window"]) == (60, 60.0)
    codes = [gateway.get().status_code for _ in range(61)]
    assert codes == [200] * 60 + [429]


def test_the_call_after_the_limit_gets_429_with_retry_after_and_the_gateway_body(
        server, gateway):
    limit(server, enabled=True, limit=5, window=60)
    gateway.login()  # the token call counts too
    assert [gateway.get().status_code for _ in range(4)] == [200] * 4
    refused = gateway.get()
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "60"
    body = refused.json()
    assert body == {"statusCode": 429,
                    "message": "Rate limit is exceeded. Try again in 60 seconds."}
    assert parse_error(body) == (body["message"], None)
    seen = httpx.get(server.url + "/_emulator/marketplace/ratelimit").json()
    assert seen["refused"] == 1 and seen["limit"] == 5


def test_the_window_slides_with_the_emulator_clock(server, emulator, gateway):
    limit(server, enabled=True, limit=5, window=60)
    gateway.login()
    gateway.get()
    gateway.get()  # three calls at t0
    emulator.clock.advance(40)
    gateway.get()
    gateway.get()  # two at t0 + 40
    refused = gateway.get()
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "20"
    emulator.clock.advance(19)
    assert gateway.get().status_code == 429
    emulator.clock.advance(1)
    # The three calls of t0 have left the window, the two of t0 + 40 have not.
    assert [gateway.get().status_code for _ in range(4)] == [200, 200, 200, 429]
    assert gateway.get().headers["Retry-After"] == "40"


def test_each_subscription_key_has_its_own_window(server, emulator, gateway):
    emulator.marketplace.auth.credentials.other_keys = (OTHER_KEY,)
    limit(server, enabled=True, limit=3)
    gateway.login()
    gateway.get()
    gateway.get()
    assert gateway.get().status_code == 429
    other = Gateway(server, key=OTHER_KEY)
    try:
        other.login()
        assert [other.get().status_code for _ in range(3)] == [200, 200, 429]
    finally:
        other.close()
    assert gateway.get().status_code == 429
    # An unknown key is turned away by the key check, not counted against anyone.
    stranger = gateway.http.get("/customers", headers={"X-Subscription-Key": "0" * 32})
    assert stranger.status_code == 401


def test_switching_off_or_retuning_starts_afresh(server, gateway):
    limit(server, enabled=True, limit=2)
    gateway.login()
    assert [gateway.get().status_code for _ in range(2)] == [200, 429]
    limit(server, limit=4)
    assert [gateway.get().status_code for _ in range(5)] == [200] * 4 + [429]
    limit(server, enabled=False)
    assert gateway.get().status_code == 200
    bad = httpx.post(server.url + "/_emulator/marketplace/ratelimit", json={"limit": 0})
    assert bad.status_code == 400


def test_the_client_waits_out_retry_after_and_every_read_succeeds(config, emulator):
    emulator.clock.freeze()
    emulator.marketplace.rate_limit.configure(enabled=True, limit=4, window=60)
    waits = []

    def sleep(seconds):
        waits.append(seconds)
        emulator.clock.advance(seconds)
    client = MarketplaceClient(marketplace_settings(config, "default"),
                               retry=RetryPolicy(max_retries=3, max_wait=120, sleep=sleep))
    pages = [client.get("/customers")["pagination"]["total"] for _ in range(7)]
    assert pages == [5] * 7
    # token + 3 reads fill the first window; the 4th read waits the full minute
    assert waits == [60.0]
    assert emulator.marketplace.rate_limit.refused == 1
    assert emulator.request_count(api="marketplace", method="GET", route="/customers") == 8


def test_a_window_that_stays_full_ends_in_a_rate_limit_error_after_the_retries(
        config, emulator):
    emulator.clock.freeze()  # waiting does not move it: the window never frees up
    emulator.marketplace.rate_limit.configure(enabled=True, limit=2, window=60)
    client = client_for(config)
    client.get("/customers")
    with pytest.raises(RateLimitError) as info:
        client.get("/customers")
    error = info.value
    assert error.status == 429 and error.retry_after == 60
    assert "Rate limit is exceeded" in error.message
    retries = client.settings.max_retries
    assert emulator.request_count(api="marketplace", method="GET",
                                  route="/customers") == 2 + retries


def test_a_write_is_refused_like_a_read_and_not_repeated(config, emulator):
    emulator.clock.freeze()
    emulator.marketplace.rate_limit.configure(enabled=True, limit=2, window=60)
    client = client_for(config)
    customer = client.get("/customers")["data"][0]["id"]
    with pytest.raises(RateLimitError):
        client.post("/orders", {"type": "sales", "customerId": customer, "products": []})
    assert emulator.request_count(api="marketplace", method="POST", route="/orders") == 1
