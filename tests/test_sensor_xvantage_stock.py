"""Stock (availability) update webhooks: the receiver turns each part of a signed
``IM::STOCK_UPDATE`` event into one ``xvantage_stock_update`` trigger, once per event and
part, across redeliveries, failures and restarts; the emulator sends them as stock moves."""

import collections
import json
import random
import threading
import time

import httpx
import pytest

from runner import config as pack_config, execute
from runner.emulated import emulator_config

from emulator.xvantage import catalog
from ingram_lib.xvantage.webhook import sign

SECRET = "webhook-secret-from-portal"
PATH = "/xvantage/webhook"
STOCK = "ingram_micro.xvantage_stock_update"
ORDER = "ingram_micro.xvantage_order_event"


def iso(epoch):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + ".369Z"


def stock_event(event_id="AH7ESSIWSIO22Y77DD", parts=None):
    """The spec's stock-update example (two parts), stamped now."""
    resources = [
        {"eventType": "IM::STOCK_UPDATE", "ingramPartNumber": "5CX579",
         "vendorPartNumber": "710412-001-BTI", "vendorName": "BATTERY TECHNOLOGY INC.",
         "upcCode": "0886734869201", "skuStatus": None, "backOrderFlag": "Y",
         "totalAvailability": "120",
         "links": [{"topic": "orders", "href": "/resellers/v5/catalog/5CX579", "type": "GET"}]},
        {"eventType": "IM::STOCK_UPDATE", "ingramPartNumber": "5CT275",
         "vendorPartNumber": "AC-U90W-HP", "vendorName": "BATTERY TECHNOLOGY INC.",
         "upcCode": "0745473120182", "skuStatus": None, "backOrderFlag": "N",
         "totalAvailability": "1,200",
         "links": [{"topic": "orders", "href": "/resellers/v5/catalog/5CT275", "type": "GET"}]}]
    if parts is not None:
        resources = [dict(resources[0], ingramPartNumber=p, totalAvailability=str(q))
                     for p, q in parts]
    return {"topic": "resellers/catalog", "event": "im::updated",
            "eventTimeStamp": iso(time.time()), "eventId": event_id, "resource": resources}


def webhook_config(**overrides):
    raw = emulator_config("http://127.0.0.1:9")
    raw["xvantage_webhook"] = dict({"enabled": True, "port": 0, "secret": SECRET}, **overrides)
    return pack_config.prepare(raw)


class Receiver(object):
    """The webhook sensor serving on an ephemeral port, and a client that POSTs to it."""

    def __init__(self, store, config=None):
        self.sensor, self.service = execute.make_sensor(
            "xvantage_webhook_sensor", config or webhook_config(), store, strict=True)
        self.sensor.setup()
        self.thread = threading.Thread(target=self.sensor.run, daemon=True)
        self.thread.start()
        deadline = time.time() + 5
        while self.sensor.receiver.address is None and time.time() < deadline:
            time.sleep(0.01)
        assert self.sensor.receiver.address is not None, "receiver did not start"
        self.url = "http://%s:%d%s" % (self.sensor.receiver.address + (PATH,))
        self.http = httpx.Client(timeout=5)

    def post(self, body, signature=None):
        first = body[0] if isinstance(body, list) else body
        signature = sign(SECRET, first["eventId"]) if signature is None else signature
        return self.http.post(self.url, content=json.dumps(body).encode("utf-8"),
                              headers={"Content-Type": "application/json",
                                       "x-hub-signature": signature})

    def stock(self):
        return [p for t, p in self.service.dispatched if t == STOCK]

    def stop(self):
        self.http.close()
        self.sensor.cleanup()
        self.thread.join(5)
        assert not self.thread.is_alive()


@pytest.fixture
def receiver(datastore):
    rec = Receiver(datastore)
    yield rec
    rec.stop()


def test_signed_stock_update_gives_one_trigger_per_part(receiver):
    response = receiver.post(stock_event())
    assert response.status_code == 200
    assert response.json() == {"accepted": ["AH7ESSIWSIO22Y77DD"], "duplicates": []}
    assert [t for t, _ in receiver.service.dispatched] == [STOCK, STOCK]
    first, second = receiver.stock()
    assert first["event_id"] == second["event_id"] == "AH7ESSIWSIO22Y77DD"
    assert first["kind"] == "stock_update" and first["event_type"] == "IM::STOCK_UPDATE"
    assert first["topic"] == "resellers/catalog" and first["account"] == "default"
    assert (first["ingram_part_number"], first["total_availability"],
            first["total_availability_raw"]) == ("5CX579", 120, "120")
    assert (first["back_order_flag"], first["back_order"]) == ("Y", True)
    assert first["sku_status"] is None and first["upc_code"] == "0886734869201"
    assert first["links"][0]["href"] == "/resellers/v5/catalog/5CX579"
    assert (second["ingram_part_number"], second["total_availability"],
            second["back_order"]) == ("5CT275", 1200, False)
    assert [first["resource_index"], second["resource_index"]] == [0, 1]


@pytest.mark.parametrize("signature", ["AAAA", sign("another-secret", "AH7ESSIWSIO22Y77DD"),
                                       sign(SECRET, "OTHER-EVENT-ID")])
def test_a_stock_update_with_a_wrong_signature_is_refused(receiver, signature):
    assert receiver.post(stock_event(), signature=signature).status_code == 401
    assert receiver.service.dispatched == []


def test_a_redelivered_stock_update_is_acknowledged_once_even_after_a_restart(datastore):
    first = Receiver(datastore)
    try:
        assert first.post(stock_event("STK-1")).status_code == 200
        again = first.post(stock_event("STK-1"))
        assert again.json() == {"accepted": [], "duplicates": ["STK-1"]}
        assert len(first.stock()) == 2
    finally:
        first.stop()
    second = Receiver(datastore)
    try:
        assert second.post(stock_event("STK-1")).json()["duplicates"] == ["STK-1"]
        assert second.service.dispatched == []
    finally:
        second.stop()


def test_order_and_stock_events_in_one_delivery_reach_their_own_triggers(receiver):
    order = {"topic": "resellers/orders", "event": "im::updated",
             "eventTimeStamp": iso(time.time()), "eventId": "MIX-1",
             "resource": [{"eventType": "im::order_shipped", "orderNumber": "20-RD128",
                           "lines": [{"LineNumber": "001", "lineStatus": "Shipped"}]}]}
    stock = stock_event("MIX-1", parts=[("DF4128", 7)])
    assert receiver.post([order, stock]).status_code == 200
    # One event id signs the batch; the second event with that id is a duplicate.
    assert [t for t, _ in receiver.service.dispatched] == [ORDER]
    assert receiver.post(stock_event("MIX-2", parts=[("DF4128", 7)])).status_code == 200
    assert [t for t, _ in receiver.service.dispatched] == [ORDER, STOCK]


@pytest.mark.parametrize("messy", [
    {"totalAvailability": 55, "backOrderFlag": True, "ingramPartNumber": 123456},
    {"totalAvailability": "N/A", "backOrderFlag": None, "links": {"href": "/x"}},
    {"totalAvailability": "12.5", "upcCode": 886734869201, "vendorName": ["x"]},
])
def test_messy_stock_values_still_give_payloads_st2_accepts(receiver, messy):
    event = stock_event("MESSY-%d" % len(json.dumps(messy)))
    event["resource"] = [dict(event["resource"][0], **messy)]
    assert receiver.post(event).status_code == 200
    [payload] = receiver.stock()
    assert payload["total_availability"] in (55, None)
    assert payload["total_availability_raw"] == (None if messy["totalAvailability"] is None
                                                 else str(messy["totalAvailability"]))


def test_a_dispatch_failing_half_way_repeats_no_part_on_redelivery(receiver):
    """Three parts; the message bus fails on the second: 500, so Ingram delivers again, and
    the redelivery dispatches only the parts not yet out."""
    real = receiver.service.dispatch
    calls = []

    def flaky(trigger, payload=None, trace_tag=None):
        calls.append(payload["ingram_part_number"])
        if len(calls) == 2:
            raise RuntimeError("message bus unavailable")
        return real(trigger, payload=payload, trace_tag=trace_tag)
    receiver.service.dispatch = flaky
    event = stock_event("HALF-1", parts=[("AA0001", 1), ("AA0002", 2), ("AA0003", 3)])
    assert receiver.post(event).status_code == 500
    assert receiver.post(event).status_code == 200
    assert receiver.post(event).json()["duplicates"] == ["HALF-1"]
    assert [p["ingram_part_number"] for p in receiver.stock()] == ["AA0001", "AA0002",
                                                                  "AA0003"]


def test_emulator_sends_stock_updates_as_orders_consume_stock(server, datastore, run_action):
    emulator = server.emulator
    emulator.clock.freeze()
    stock = catalog.stock(emulator.xvantage.store)
    rec = Receiver(datastore)
    try:
        emulator.xvantage.webhooks.configure(rec.url, SECRET, stock=True)
        before = stock.total("DF4128")
        placed = run_action("xvantage_create_order", customerOrderNumber="PO-STOCK",
                            lines=[{"customerLineNumber": "1", "ingramPartNumber": "DF4128",
                                    "quantity": 3}])
        assert placed.succeeded, placed.result
        stock.set("TXSLM3", "20", 0)
        sent = emulator.xvantage.webhooks.flush()
        assert sent and all(r["status"] == 200 for r in sent)
        levels = {p["ingram_part_number"]: p["total_availability"] for p in rec.stock()}
        assert levels == {"DF4128": before - 3, "TXSLM3": stock.total("TXSLM3")}
        assert stock.total("DF4128") == before - 3
        assert emulator.xvantage.webhooks.flush() == []            # nothing moved since
        again = emulator.xvantage.webhooks.post(sent[-1]["event"])  # a redelivery
        assert again["status"] == 200 and len(rec.stock()) == 2
    finally:
        rec.stop()


def test_the_emulators_stock_event_reads_in_the_official_sdk(server):
    models = pytest.importorskip(
        "xi.sdk.resellers.models.availability_async_notification_request")
    webhooks = server.emulator.xvantage.webhooks
    event = webhooks.stock_event([("DF4128", 12), ("BO0001", 0)])
    model = models.AvailabilityAsyncNotificationRequest.from_dict(json.loads(json.dumps(event)))
    assert model.topic == "resellers/catalog" and model.event_id == event["eventId"]
    assert [(r.ingram_part_number, r.total_availability, r.back_order_flag)
            for r in model.resource] == [("DF4128", "12", "N"), ("BO0001", "0", "Y")]
    assert model.resource[0].event_type == "IM::STOCK_UPDATE"


@pytest.mark.slow
def test_soak_redeliveries_failures_and_a_restart_give_each_part_once(datastore):
    """60 stock events of 1-4 parts, each delivered 1-3 times (some at once from several
    threads), while a fifth of dispatches fail and the receiver is restarted half-way: every
    (event, part) is dispatched exactly once."""
    rnd = random.Random(11)
    events = []
    for n in range(60):
        parts = [("P%03d%02d" % (n, i), rnd.randint(0, 500))
                 for i in range(rnd.randint(1, 4))]
        events.append(stock_event("SOAK-%03d" % n, parts=parts))
    expected = collections.Counter((e["eventId"], r["ingramPartNumber"])
                                   for e in events for r in e["resource"])
    seen = collections.Counter()
    answers = collections.Counter()
    pending = list(events)
    rec = Receiver(datastore)

    def install_faults(receiver):
        real = receiver.service.dispatch

        def flaky(trigger, payload=None, trace_tag=None):
            if rnd.random() < 0.2:
                raise RuntimeError("message bus unavailable")
            return real(trigger, payload=payload, trace_tag=trace_tag)
        receiver.service.dispatch = flaky

    def collect(receiver):
        for payload in receiver.stock():
            seen[(payload["event_id"], payload["ingram_part_number"])] += 1

    install_faults(rec)
    try:
        for round_no in range(12):
            if round_no == 6:
                collect(rec)
                rec.stop()
                rec = Receiver(datastore)
                install_faults(rec)
            batch = pending[:10] + rnd.sample(events, 3)      # some already delivered
            results = {}

            def deliver(event):
                try:
                    with httpx.Client(timeout=10) as client:
                        status = client.post(rec.url, content=json.dumps(event), headers={
                            "x-hub-signature": sign(SECRET, event["eventId"])}).status_code
                except httpx.TransportError:
                    status = None                   # not delivered: Ingram tries again
                results.setdefault(event["eventId"], []).append(status)
            threads = [threading.Thread(target=deliver, args=(e,))
                       for e in batch for _ in range(rnd.randint(1, 3))]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            # Ingram delivers again what was not answered 2xx.
            for codes in results.values():
                answers.update(codes)
            done = {i for i, codes in results.items() if 200 in codes}
            pending = [e for e in pending if e["eventId"] not in done]
        del rec.service.dispatch                            # the faults end
        for event in pending:
            assert rec.post(event).status_code == 200
        collect(rec)
    finally:
        rec.stop()
    # Failures and redeliveries really happened: 500s, and more 200s than events.
    assert answers[500] >= 5 and answers[200] > len(events), answers
    assert [k for k, n in seen.items() if n > 1] == []
    assert set(expected) - set(seen) == set()
    assert seen == expected


def test_stock_webhooks_are_turned_on_over_the_control_endpoint(server, emulator):
    url = server.url + "/_emulator/xvantage/webhooks"
    answer = httpx.post(url, json={"url": "http://127.0.0.1:9/hook", "secret": "s",
                                   "stock": True})
    assert answer.status_code == 200 and answer.json()["stock"] is True
    assert emulator.xvantage.webhooks.stock_updates is True
    answer = httpx.post(url, json={"url": "http://127.0.0.1:9/hook", "secret": "s"})
    assert answer.json()["stock"] is False
