"""The webhook receiver over real HTTP on an ephemeral loopback port."""

import base64
import json
import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest
import yaml

from runner import PACK_ROOT
from runner import config as pack_config, execute
from runner.datastore import Datastore
from runner.emulated import emulator_config

from ingram_lib.core.times import parse_time
from ingram_lib.xvantage.webhook import normalize_status, sign

import clock_support
from clock_support import at_times_of_day

# conftest's emulator, started at the instant of each @at_times_of_day run.
server, time_of_day = clock_support.server, clock_support.time_of_day

SECRET = "webhook-secret-from-portal"
PATH = "/xvantage/webhook"


def iso(epoch):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + ".369Z"


def status_event(event_id="N01CIB9VVFYKR9J6ZW", when=None):
    """The spec's order-status example (including its key drift), stamped ``when``."""
    return {
        "topic": "resellers/orders", "event": "im::updated",
        "eventTimeStamp": iso(time.time() if when is None else when),
        "eventId": event_id,
        "resource": [{
            "eventType": "im::order_shipped", "orderNumber": "20-RD128",
            "customerOrderNumber": "ZENPO", "orderEntryTimeStamp": "2020-04-03T08:54:39-07:00",
            "lines": [{
                "ingramLineNumber": "001", "subOrderNumber": "20-RD128-21",
                "lineStatus": "IM::shipped", "ingramPartNumber": "5CX895",
                "vendorPartNumber": "TC57HO-1PEZU4P-NA", "requestedQuantity": 3,
                "shippedQuantity": 2, "backOrderedQuantity": 1,
                "shipmentDetails": [{"shipmentDate": "2019-11-06", "shipFromWarehouseId": "10",
                                     "carrierCode": "4M", "carrierName": "SMARTPOST-BM",
                                     "packageDetails": [{"cartonNumber": "",
                                                         "trackingNumber": "1Z999"}]}],
                "serialNumberDetails": [{"serialNumber": "123123123"}]}],
            "links": [{"topic": "orders", "href": "/resellers/v5/orders/20-RD128",
                       "type": "GET"}]}],
    }


def create_result_events(event_id="NYNNHS5UMGAK0X3L4E"):
    """The spec's v7 async-create example: a list of events, resource an object."""
    return [{
        "topic": "resellers/orders", "event": "IM::created",
        "eventTimeStamp": iso(time.time()), "eventId": event_id,
        "resource": {
            "eventType": "IM::async_order_create", "customerOrderNumber": "TESTCASE41E111",
            "orderSplit": True, "processedPartially": True, "purchaseOrderTotal": 290,
            "orders": [
                {"ingramOrderNumber": "29-02738", "ingramOrderDate": "2024-04-23",
                 "orderTotal": 290, "currencyCode": "EUR",
                 "lines": [{"subOrderNumber": "29-02738-11", "customerLineNumber": "001",
                            "ingramLineNumber": "008", "lineStatus": "Backordered",
                            "ingramPartNumber": "CD9807", "quantityOrdered": 1,
                            "quantityBackOrdered": 1,
                            "shipmentDetails": {"carrierCode": "GN"}}]},
                {"ingramOrderNumber": "29-02739", "lines": [
                    {"subOrderNumber": "29-02739-11", "ingramLineNumber": "001",
                     "lineStatus": "im::open", "ingramPartNumber": "DF4128"}]}],
            "rejectedLineItems": [{"customerLinenumber": "003", "ingramPartNumber": "XX0000",
                                   "rejectCode": "EN", "rejectReason": "SKU-NOTFOUND"}]},
    }]


def webhook_config(**overrides):
    raw = emulator_config("http://127.0.0.1:9")
    raw["xvantage_webhook"] = dict({"enabled": True, "port": 0, "secret": SECRET}, **overrides)
    return pack_config.prepare(raw)


class Receiver(object):
    """A started webhook sensor and a client that POSTs to it."""

    def __init__(self, store, config, settings=None):
        self.sensor, self.service = execute.make_sensor("xvantage_webhook_sensor", config,
                                                        store, strict=True)
        self.sensor.setup()
        # Settings the config schema bounds (e.g. deadlines below 0.1 s), set directly.
        self.sensor.receiver.settings.update(settings or {})
        self.thread = threading.Thread(target=self.sensor.run, daemon=True)
        self.thread.start()
        deadline = time.time() + 5
        while self.sensor.receiver.address is None and time.time() < deadline:
            time.sleep(0.01)
        assert self.sensor.receiver.address is not None, "receiver did not start"
        self.url = "http://%s:%d" % self.sensor.receiver.address
        self.http = httpx.Client(timeout=5)

    def post(self, body, signature=None, path=PATH, event_id=None, raw=None, headers=None):
        if signature is None:
            first = body[0] if isinstance(body, list) else body
            signature = sign(SECRET, event_id or first["eventId"])
        hdrs = {"Content-Type": "application/json", "x-hub-signature": signature}
        hdrs.update(headers or {})
        data = raw if raw is not None else json.dumps(body).encode("utf-8")
        return self.http.post(self.url + path, content=data, headers=hdrs)

    def stop(self):
        self.http.close()
        started = time.time()
        self.sensor.cleanup()
        self.thread.join(5)
        assert not self.thread.is_alive()
        return time.time() - started


@pytest.fixture
def receiver(datastore):
    rec = Receiver(datastore, webhook_config())
    yield rec
    rec.stop()


def test_signed_order_status_event_dispatches_one_valid_trigger(receiver):
    started = time.time()
    response = receiver.post(status_event())
    elapsed = time.time() - started
    assert response.status_code == 200
    assert response.json() == {"accepted": ["N01CIB9VVFYKR9J6ZW"], "duplicates": []}
    assert elapsed < 1.0
    [(trigger, payload)] = receiver.service.dispatched
    assert trigger == "ingram_micro.xvantage_order_event"
    assert payload["event_id"] == "N01CIB9VVFYKR9J6ZW"
    assert payload["kind"] == "order_shipped"
    assert payload["event_type"] == "im::order_shipped"
    assert payload["order_number"] == "20-RD128"
    assert payload["order_numbers"] == ["20-RD128"]
    assert payload["customer_order_number"] == "ZENPO"
    assert payload["account"] == "default"
    assert payload["statuses"] == ["SHIPPED"]
    assert payload["line_statuses"][0]["line_number"] == "001"
    assert payload["line_statuses"][0]["status"] == "IM::shipped"
    assert payload["lines"][0]["shippedQuantity"] == 2     # as given, not coerced
    assert payload["resource"]["links"][0]["href"] == "/resellers/v5/orders/20-RD128"


def test_v7_async_create_result_list_becomes_one_trigger_per_resource(receiver):
    response = receiver.post(create_result_events())
    assert response.status_code == 200
    [(_, payload)] = receiver.service.dispatched
    assert payload["kind"] == "async_order_create"
    assert payload["customer_order_number"] == "TESTCASE41E111"
    assert payload["order_numbers"] == ["29-02738", "29-02739"]
    assert payload["statuses"] == ["BACKORDERED", "PROCESSING"]
    assert payload["sub_order_numbers"] == ["29-02738-11", "29-02739-11"]
    assert payload["rejected_lines"][0]["rejectCode"] == "EN"


def test_schema_drift_event_type_at_top_level_and_lowercase_keys(receiver):
    event = {"topic": "resellers/orders", "event": "IM::created", "eventType":
             "IM::async_order_create", "eventid": "LOWER1", "eventtimestamp": iso(time.time()),
             "resource": {"customerOrderNumber": "PO-9",
                          "orders": [{"ingramOrderNumber": "20-AB123", "lines": []}]}}
    assert receiver.post(event, event_id="LOWER1").status_code == 200
    [(_, payload)] = receiver.service.dispatched
    assert payload["kind"] == "async_order_create" and payload["order_numbers"] == ["20-AB123"]


@pytest.mark.parametrize("signature", [
    "AAAA", sign("another-secret", "N01CIB9VVFYKR9J6ZW"), sign(SECRET, "OTHER-EVENT-ID"), ""])
def test_bad_or_missing_signature_is_refused_401(receiver, signature):
    response = receiver.post(status_event(), signature=signature)
    assert response.status_code == 401
    assert receiver.service.dispatched == []


def test_signature_covers_event_id_so_a_resent_signature_cannot_pass_a_new_id(receiver):
    good = receiver.post(status_event("EVT-A"))
    forged = receiver.post(status_event("EVT-B"), signature=sign(SECRET, "EVT-A"))
    assert (good.status_code, forged.status_code) == (200, 401)
    assert len(receiver.service.dispatched) == 1


def test_duplicate_event_id_is_acknowledged_but_not_dispatched_again(receiver):
    first = receiver.post(status_event("DUP-1"))
    again = receiver.post(status_event("DUP-1"))
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == {"accepted": [], "duplicates": ["DUP-1"]}
    assert len(receiver.service.dispatched) == 1


def test_concurrent_redeliveries_dispatch_once(receiver):
    results = []
    body = status_event("RACE-1")

    def send():
        with httpx.Client(timeout=5) as client:
            results.append(client.post(receiver.url + PATH, content=json.dumps(body),
                                       headers={"x-hub-signature": sign(SECRET, "RACE-1")}))
    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.status_code for r in results) == [200] * 8
    assert len(receiver.service.dispatched) == 1


def test_stale_and_future_events_are_refused(receiver):
    old = receiver.post(status_event("OLD-1", when=time.time() - 3600))
    future = receiver.post(status_event("FUT-1", when=time.time() + 3600))
    no_stamp = status_event("NOSTAMP")
    del no_stamp["eventTimeStamp"]
    missing = receiver.post(no_stamp)
    assert [old.status_code, future.status_code, missing.status_code] == [400, 400, 400]
    assert "replay window" in old.json()["error"]
    assert receiver.service.dispatched == []


def test_bad_json_wrong_path_wrong_method_and_oversize(receiver):
    bad = receiver.post(None, event_id="X", raw=b"{not json")
    wrong_path = receiver.post(status_event("P-1"), path="/other")
    get = receiver.http.get(receiver.url + PATH)
    not_object = receiver.post(None, event_id="X", raw=b"[1, 2]")
    assert bad.status_code == 400 and bad.json() == {"error": "body is not JSON"}
    assert wrong_path.status_code == 404
    assert get.status_code == 405
    assert not_object.status_code == 400
    assert receiver.service.dispatched == []


def test_oversize_body_is_refused_413(datastore):
    rec = Receiver(datastore, webhook_config(max_body_bytes=1000))
    try:
        big = rec.post(None, event_id="X", raw=b"{" + b" " * 2000 + b"}")
        assert big.status_code == 413
        assert rec.service.dispatched == []
    finally:
        rec.stop()


def test_restart_does_not_redispatch_known_event_ids(datastore):
    first = Receiver(datastore, webhook_config())
    try:
        assert first.post(status_event("RESTART-1")).status_code == 200
    finally:
        first.stop()
    second = Receiver(datastore, webhook_config())
    try:
        assert second.post(status_event("RESTART-1")).json()["duplicates"] == ["RESTART-1"]
        assert second.post(status_event("RESTART-2")).json()["accepted"] == ["RESTART-2"]
        assert [p["event_id"] for _, p in second.service.dispatched] == ["RESTART-2"]
    finally:
        second.stop()


def test_event_ids_are_kept_as_strings_with_a_ttl(datastore):
    now = [1000000.0]
    store = Datastore(":memory:", clock=lambda: now[0])
    rec = Receiver(store, webhook_config(dedupe_ttl=3600))
    try:
        assert rec.post(status_event("TTL-1")).status_code == 200
        [name] = store.names(prefix="ingram_micro.sensor.xvantage_webhook.event.")
        assert "TTL-1" not in name                        # hashed, not attacker-shaped
        assert json.loads(store.get(name))["event_id"] == "TTL-1"
        now[0] += 3601
        assert store.names(prefix="ingram_micro.sensor.xvantage_webhook.") == []
    finally:
        rec.stop()
        store.close()


def test_failed_dispatch_answers_500_and_a_redelivery_succeeds(receiver):
    real = receiver.service.dispatch
    calls = []

    def flaky(trigger, payload=None, trace_tag=None):
        calls.append(payload["event_id"])
        if len(calls) == 1:
            raise RuntimeError("message bus unavailable")
        return real(trigger, payload=payload, trace_tag=trace_tag)
    receiver.service.dispatch = flaky
    assert receiver.post(status_event("FLAKY-1")).status_code == 500
    assert receiver.post(status_event("FLAKY-1")).status_code == 200
    assert len(receiver.service.dispatched) == 1


def test_cleanup_stops_quickly_and_frees_the_port(datastore):
    rec = Receiver(datastore, webhook_config())
    host, port = rec.sensor.receiver.address
    assert rec.stop() < 2
    again = Receiver(datastore, webhook_config(port=port))
    try:
        assert again.sensor.receiver.address[1] == port
    finally:
        again.stop()


def test_disabled_receiver_idles_until_cleanup(datastore):
    sensor, _ = execute.make_sensor("xvantage_webhook_sensor", webhook_config(enabled=False),
                                    datastore)
    sensor.setup()
    thread = threading.Thread(target=sensor.run, daemon=True)
    thread.start()
    time.sleep(0.1)
    assert thread.is_alive() and sensor.receiver.address is None
    sensor.cleanup()
    thread.join(2)
    assert not thread.is_alive()


def test_spec_example_signature_decodes_to_a_sha512_digest():
    example = ("3LeaTfLE5FLj1FcYflwdwFosH4ADHmMbds6thtirGC3e9lEkF9/1pt4T2fQQGlxf40EznDBER0b60"
               "M75K6ZW0A==")
    assert len(base64.b64decode(example)) == len(base64.b64decode(sign("k", "e"))) == 64


def test_timestamp_and_status_normalisation():
    assert parse_time("2021-11-01T13:02:06.369Z") == pytest.approx(1635771726.369)
    assert parse_time("2020-04-03T08:54:39-07:00") == parse_time("2020-04-03T15:54:39Z")
    assert parse_time("yesterday") is None
    assert [normalize_status(s) for s in ("IM::shipped", "CANCELLED", "Voided", "In Progress",
                                          "im::open", "ON HOLD", "im::hold")] == [
        "SHIPPED", "CANCELLED", "CANCELLED", "PROCESSING", "PROCESSING", "ON HOLD", "ON HOLD"]


def test_runner_serves_the_passive_sensor_for_n_seconds(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    raw = emulator_config("http://127.0.0.1:9")
    raw["xvantage_webhook"] = {"enabled": True, "port": port, "secret": SECRET}
    config_file = tmp_path / "config.yaml"
    config_file.write_text(yaml.safe_dump(raw))
    proc = subprocess.Popen(
        [sys.executable, "-m", "runner", "--config", str(config_file), "--datastore",
         ":memory:", "sensor", "xvantage_webhook_sensor", "--seconds", "3"],
        cwd=PACK_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 10
        response = None
        while response is None and time.time() < deadline:
            try:
                response = httpx.post("http://127.0.0.1:%d%s" % (port, PATH),
                                      content=json.dumps(status_event("RUNNER-1")),
                                      headers={"x-hub-signature": sign(SECRET, "RUNNER-1")})
            except httpx.TransportError:
                time.sleep(0.05)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert response is not None and response.status_code == 200
    assert proc.returncode == 0, err
    assert '"event_id": "RUNNER-1"' in out
    assert "1 trigger(s) dispatched, 0 dropped" in err


def test_chunked_body_is_accepted_and_head_gets_no_body(receiver):
    body = json.dumps(status_event("CHUNKED-1")).encode("utf-8")
    parts = iter([body[:50], body[50:]])
    response = receiver.http.post(receiver.url + PATH, content=parts,
                                  headers={"x-hub-signature": sign(SECRET, "CHUNKED-1")})
    assert response.status_code == 200
    assert response.json()["accepted"] == ["CHUNKED-1"]
    head = receiver.http.head(receiver.url + PATH)
    assert head.status_code == 405 and head.content == b""
    assert head.headers["Allow"] == "POST"


@at_times_of_day
def test_emulator_webhooks_end_to_end_v7_result_then_shipments(server, datastore, run_action):
    """A v7 order placed through the pack; the emulator then delivers the async create
    result and the shipment webhooks, signed, to the receiver on the emulator's clock."""
    emulator = server.emulator
    emulator.clock.freeze()
    rec = Receiver(datastore, webhook_config())
    try:
        emulator.xvantage.webhooks.configure(rec.url + PATH, SECRET)
        placed = run_action("xvantage_create_order_async", customerOrderNumber="PO-HOOK",
                            lines=[{"customerLineNumber": "1", "ingramPartNumber": "DF4128",
                                    "quantity": 2}])
        assert placed.succeeded, placed.result
        sent = emulator.xvantage.webhooks.flush()
        assert [r["status"] for r in sent] == [200]
        [(_, created)] = rec.service.dispatched
        assert created["kind"] == "async_order_create"
        assert created["customer_order_number"] == "PO-HOOK"
        [number] = created["order_numbers"]

        emulator.clock.advance(7 * 3600)
        sent = emulator.xvantage.webhooks.flush()
        assert sent and all(r["status"] == 200 for r in sent)
        shipped = [p for _, p in rec.service.dispatched if p["kind"] == "order_shipped"]
        assert [p["order_number"] for p in shipped] == [number]
        assert shipped[0]["statuses"] == ["SHIPPED"]
        assert shipped[0]["line_statuses"][0]["line_number"] == "001"   # schema's LineNumber
        assert emulator.xvantage.webhooks.flush() == []                  # nothing new

        again = emulator.xvantage.webhooks.post(sent[0]["event"])      # a redelivery
        assert again["status"] == 200
        assert len([p for _, p in rec.service.dispatched if p["kind"] == "order_shipped"]) == 1
    finally:
        rec.stop()


def test_emulator_webhook_with_the_wrong_secret_is_refused(server, datastore):
    emulator = server.emulator
    rec = Receiver(datastore, webhook_config())
    try:
        emulator.xvantage.webhooks.configure(rec.url + PATH, "not-the-secret")
        now = emulator.clock.now()
        [held] = emulator.xvantage.bulk_create(1, start=now, end=now, hold_every=1,
                                               prefix="HELD")
        emulator.clock.advance(25 * 3600)                              # voided unreleased
        sent = emulator.xvantage.webhooks.flush()
        mine = [r for r in sent if r["event"]["resource"][0]["orderNumber"] == held]
        assert [r["event"]["resource"][0]["eventType"] for r in mine] == [
            "im::order_hold", "im::order_voided"]
        assert {r["status"] for r in sent} == {401}
        assert rec.service.dispatched == []
    finally:
        rec.stop()


def test_per_account_secrets_tell_which_account_an_event_belongs_to(datastore):
    raw = emulator_config("http://127.0.0.1:9")
    base = raw["accounts"]["default"]
    raw["accounts"] = {
        "emea": dict(base, xvantage=dict(base["xvantage"], webhook_secret="emea-secret")),
        "us": dict(base, xvantage=dict(base["xvantage"], webhook_secret="us-secret"))}
    raw["xvantage_webhook"] = {"enabled": True, "port": 0}     # no top-level secret
    rec = Receiver(datastore, pack_config.prepare(raw))
    try:
        assert rec.post(status_event("US-1"), signature=sign("us-secret", "US-1")) \
            .status_code == 200
        assert rec.post(status_event("EU-1"), signature=sign("emea-secret", "EU-1")) \
            .status_code == 200
        assert rec.post(status_event("X-1"), signature=sign(SECRET, "X-1")).status_code == 401
        assert [(p["event_id"], p["account"]) for _, p in rec.service.dispatched] == [
            ("US-1", "us"), ("EU-1", "emea")]
    finally:
        rec.stop()


def test_runner_summary_line_names_the_order_and_what_happened():
    from runner.__main__ import describe_trigger
    line = describe_trigger("ingram_micro.xvantage_order_event",
                            {"account": "default", "order_number": "20-RD128",
                             "kind": "order_shipped"})
    assert line.endswith("default  20-RD128: order_shipped")


def test_event_ids_are_remembered_for_400_days_by_default(datastore):
    """Only the event id is signed: a replay after the id was forgotten would pass with a
    forged body, so the default memory is long."""
    now = [1000000.0]
    store = Datastore(":memory:", clock=lambda: now[0])
    rec = Receiver(store, webhook_config())
    try:
        assert rec.post(status_event("LONG-1")).status_code == 200
        now[0] += 399 * 86400
        assert store.names(prefix="ingram_micro.sensor.xvantage_webhook.event.")
        replay = status_event("LONG-1", when=now[0])        # a fresh timestamp, forged body
        replay["resource"][0]["orderNumber"] = "20-FORGED"
        rec.sensor.receiver.clock = lambda: now[0]
        answer = rec.post(replay, signature=sign(SECRET, "LONG-1"))
        assert answer.json() == {"accepted": [], "duplicates": ["LONG-1"]}
        assert len(rec.service.dispatched) == 1
        now[0] += 2 * 86400
        assert store.names(prefix="ingram_micro.sensor.xvantage_webhook.event.") == []
    finally:
        rec.stop()
        store.close()


def test_a_batch_is_accepted_only_when_every_event_verifies(receiver, caplog):
    batch = create_result_events("BATCH-OK") + create_result_events("BATCH-BAD")
    caplog.set_level("WARNING")
    response = receiver.post(batch, signature=sign(SECRET, "BATCH-OK"))
    assert response.status_code == 401
    message = response.json()["error"]
    assert "1 of 2 events" in message and "BATCH-BAD" in message
    assert "BATCH-OK:" not in message
    assert "BATCH-BAD" in caplog.text
    assert receiver.service.dispatched == []
    # Events sharing the signed id (one event, several resources) pass.
    same = create_result_events("BATCH-1") + create_result_events("BATCH-1")
    assert receiver.post(same).status_code == 200


@pytest.mark.parametrize("messy", [
    {"topic": 7, "event": ["x"]},
    {"resource": [{"eventType": 5, "orderNumber": 2041, "customerOrderNumber": 12.5,
                   "lines": [{"lineStatus": 3, "LineNumber": 1, "subOrderNumber": 204111,
                              "ingramPartNumber": None}, "not-a-line", None]}, None, 4]},
    {"resource": {"orders": [{"ingramOrderNumber": 12345, "lines": {"lineStatus": None}},
                             "junk"], "rejectedLineItems": "none"}},
    {"resource": []},
])
def test_messy_webhook_values_give_valid_payloads(receiver, messy):
    """Numbers for strings, nulls, objects for lists: the strict SensorService validates
    every payload against the trigger schema (st2 would drop an invalid one)."""
    event = dict(status_event("MESSY-%d" % len(json.dumps(messy))), **messy)
    response = receiver.post(event)
    assert response.status_code == 200, response.text
    assert len(receiver.service.dispatched) == (0 if messy.get("resource") == [] else 1)
    for _, payload in receiver.service.dispatched:
        assert isinstance(payload["order_numbers"], list)
        assert all(isinstance(n, str) for n in payload["order_numbers"])


def test_a_taken_port_is_retried_until_it_is_free(datastore, monkeypatch):
    """The sensor container gives up on a sensor whose run() keeps crashing, so a port held
    by another process must be waited for, not raised."""
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    port = holder.getsockname()[1]
    sensor, _ = execute.make_sensor("xvantage_webhook_sensor", webhook_config(port=port),
                                    datastore, strict=True)
    monkeypatch.setattr(sys.modules[type(sensor).__module__], "BIND_RETRY_SECONDS", 0.05)
    sensor.setup()
    thread = threading.Thread(target=sensor.run, daemon=True)
    thread.start()
    try:
        time.sleep(0.2)
        assert thread.is_alive() and sensor.receiver.address is None
        holder.close()
        deadline = time.time() + 5
        while sensor.receiver.address is None and time.time() < deadline:
            time.sleep(0.01)
        assert sensor.receiver.address == ("127.0.0.1", port)
    finally:
        holder.close()
        sensor.cleanup()
        thread.join(5)
    assert not thread.is_alive()
