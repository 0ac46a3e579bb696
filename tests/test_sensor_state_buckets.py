"""Sensor state that grows with the account: spread over sixteen datastore values, checked
for size before an event is dispatched, and read from the single value earlier versions
kept."""

import datetime
import json
import logging

from emulator.marketplace import subscriptions as emu_subs
from ingram_lib.sensing import state as sensor_state

from sensor_support import make_sensor, order, place, poll, sensor_config, settle

SUBS = "ingram_micro.sensor.subscriptions.default."
ORDERS = "ingram_micro.sensor.orders.default."
EXPIRING = "ingram_micro.subscription_expiring"

# A payload st2 accepts for ingram_micro.order_created (dispatch checks it first).
CREATED_PAYLOAD = {"account": "default", "id": "1", "status": "submitted",
                   "detected_at": "2026-01-01T00:00:00Z", "first_run": False}


def add_subscriptions(emulator, count, days):
    state = emulator.marketplace.state
    product = [p for p in state.products.values()
               if p["name"].startswith("Office 365 E3 (legacy")][0]
    customers = [c["id"] for c in state.customers.values()]
    for i in range(count):
        sub = emu_subs.new_subscription(state, customers[i % len(customers)], product, 1)
        set_expiry(emulator, sub, days)


def set_expiry(emulator, sub, days):
    """``days`` from the emulator's today. Its clock stops first: a running one could pass
    midnight before the sensor counts the days left."""
    emulator.clock.freeze()
    when = emulator.clock.utcnow().date() + datetime.timedelta(days=days)
    sub["expirationDate"] = sub["renewalDate"] = when.isoformat()


def start(server, emulator, datastore, section, name, **settings):
    emulator.clock.freeze()
    config = sensor_config(server, sensors={section: settings} if settings else None)
    return make_sensor(name, config, datastore, emulator)


def record_writes(service):
    """Every datastore write of the sensor, as ``(key, length)``, in order."""
    writes = []
    real_set = service.set_value

    def set_value(name, value, **kw):
        writes.append((name, len(value)))
        return real_set(name, value, **kw)
    service.set_value = set_value
    return writes


def values(datastore, prefix):
    return {k[len(prefix):]: json.loads(datastore.get(k)) for k in datastore.names(prefix)}


def merged(datastore, prefix, name):
    out = {}
    for part, value in values(datastore, prefix).items():
        if part.startswith(name + "_"):
            out.update(value)
    return out


def test_each_dispatch_rewrites_one_sixteenth_of_the_subscriptions(server, emulator,
                                                                   datastore):
    for sub in emulator.marketplace.state.subscriptions.values():
        set_expiry(emulator, sub, 300)
    add_subscriptions(emulator, 800, 300)
    sensor, service = start(server, emulator, datastore, "subscriptions",
                            "subscription_sensor")
    assert poll(sensor, service) == []
    stored = values(datastore, SUBS)
    assert sorted(stored) == ["head"] + ["live_%x" % i for i in range(16)]
    live = merged(datastore, SUBS, "live")
    total = sum(len(datastore.get(SUBS + p)) for p in stored if p != "head")
    assert len(live) == len(emulator.marketplace.state.subscriptions)
    # A fair hash: no part holds much more than its share.
    assert max(len(v) for p, v in stored.items() if p != "head") < len(live) / 16 * 1.6

    # A burst: 300 subscriptions enter the horizon at once.
    soon = list(emulator.marketplace.state.subscriptions.values())[:300]
    for sub in soon:
        set_expiry(emulator, sub, 10)
    writes = record_writes(service)
    fired = poll(sensor, service)
    assert len(fired) == 300
    dispatch_writes = [w for w in writes if ".live_" in w[0]]
    # One write per event (plus the end-of-page writes), each a part, not the whole map.
    assert len(dispatch_writes) <= 300 + 16
    assert max(length for _, length in dispatch_writes) < total / 16 * 1.6
    assert poll(sensor, service) == []


def test_a_state_value_over_the_limit_stops_the_event_instead_of_repeating_it(
        server, emulator, datastore, monkeypatch, caplog):
    add_subscriptions(emulator, 400, 300)
    subs = list(emulator.marketplace.state.subscriptions.values())
    for sub in subs:
        set_expiry(emulator, sub, 300)
    sensor, service = start(server, emulator, datastore, "subscriptions",
                            "subscription_sensor")
    assert poll(sensor, service) == []
    set_expiry(emulator, subs[0], 10)
    # The head still fits, but no part of the subscription map does.
    sizes = {k: len(datastore.get(k)) for k in datastore.names(SUBS)}
    assert sizes.pop(SUBS + "head") < 400 < min(sizes.values())
    monkeypatch.setattr(sensor_state, "MAX_VALUE_CHARS", 400)
    with caplog.at_level(logging.ERROR):
        for _ in range(4):
            assert poll(sensor, service, expect_ok=False) == []
            assert not sensor.last_poll["default"]["ok"]
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert errors and "ingram_micro.sensor.subscriptions.default.live_" in errors[0].message
    assert "limit 400" in errors[0].message and EXPIRING in errors[0].message
    # Once the state fits again, the event goes out exactly once.
    monkeypatch.setattr(sensor_state, "MAX_VALUE_CHARS", 2 * 1024 * 1024)
    fired = poll(sensor, service)
    assert [(t, p["id"]) for t, p in fired] == [(EXPIRING, subs[0]["id"])]
    assert poll(sensor, service) == []


def to_legacy(datastore, prefix, name):
    """Rewrites bucketed state as the single value earlier versions kept."""
    legacy = merged(datastore, prefix, name)
    for key in datastore.names(prefix + name + "_"):
        datastore.delete(key)
    datastore.set(prefix + name, json.dumps(legacy))
    return legacy


def test_subscription_state_of_an_earlier_version_is_adopted_without_a_flood(
        server, emulator, datastore):
    subs = list(emulator.marketplace.state.subscriptions.values())
    for sub in subs:
        set_expiry(emulator, sub, 300)
    sensor, service = start(server, emulator, datastore, "subscriptions",
                            "subscription_sensor")
    assert poll(sensor, service) == []
    for sub in subs[1:]:
        set_expiry(emulator, sub, 10)
    assert len(poll(sensor, service)) == len(subs) - 1
    legacy = to_legacy(datastore, SUBS, "live")
    assert len(legacy) == len(subs)

    sensor.cleanup()
    again, service2 = make_sensor("subscription_sensor", sensor.pack_config, datastore,
                                  emulator)
    assert poll(again, service2) == []
    assert datastore.get(SUBS + "live") is None
    # The same entries (only the sweep cycle each was last seen in moves on).
    adopted = merged(datastore, SUBS, "live")
    assert {k: v[:3] + v[4:] for k, v in adopted.items()} == {
        k: v[:3] + v[4:] for k, v in legacy.items()}
    subs[0]["status"] = "hold"
    fired = poll(again, service2)
    assert [(p["id"], p["previous_status"]) for _, p in fired] == [(subs[0]["id"], "active")]


def test_order_state_of_an_earlier_version_is_adopted(server, emulator, datastore):
    placed = [place(emulator, po="PO-MIG-%d" % i) for i in range(5)]
    sensor, service = start(server, emulator, datastore, "orders", "order_sensor")
    assert poll(sensor, service) == []
    legacy = to_legacy(datastore, ORDERS, "open")
    assert {o["id"] for o in placed} <= set(legacy)

    sensor.cleanup()
    again, service2 = make_sensor("order_sensor", sensor.pack_config, datastore, emulator)
    assert poll(again, service2) == []
    assert datastore.get(ORDERS + "open") is None
    assert merged(datastore, ORDERS, "open") == legacy
    # The adopted open orders are still followed: their next change fires.
    emulator.clock.advance(3600)
    settle(emulator)
    fired = poll(again, service2)
    changed = {p["id"]: p["previous_status"] for t, p in fired
               if t.endswith("order_status_changed")}
    assert {o["id"] for o in placed} <= set(changed)
    assert all(order(emulator, oid)["status"] != "submitted" for oid in changed)
    assert not [p for t, p in fired if t.endswith("order_created")]


def test_dispatch_checks_the_size_before_the_trigger_goes_out(datastore):
    from runner.services import SensorService
    service = SensorService(datastore, "OrderSensor", {})
    sent = []
    service.dispatch = lambda trigger, payload: sent.append(trigger)
    store = sensor_state.StateStore(service, "orders", "default", max_chars=40)
    parts = sensor_state.StateParts(store, {"seen": {}})
    parts["seen"].update({str(i): i for i in range(20)})
    try:
        parts.dispatch(service, "ingram_micro.order_created", CREATED_PAYLOAD, "seen")
    except sensor_state.StateTooLarge as exc:
        assert "ingram_micro.sensor.orders.default.seen" in str(exc)
        assert "ingram_micro.order_created not dispatched" in str(exc)
    else:
        raise AssertionError("an oversized part was accepted")
    assert sent == [] and datastore.get("ingram_micro.sensor.orders.default.seen") is None


def test_a_leftover_single_value_is_ignored_once_buckets_exist(datastore):
    from runner.services import SensorService
    service = SensorService(datastore, "SubscriptionSensor", {})
    defaults = sensor_state.bucket_parts("live")
    store = sensor_state.StateStore(service, "subscriptions", "default")
    parts = sensor_state.StateParts(store, defaults)
    live = sensor_state.BucketedMap(parts, "live")
    live["1"] = ["active"]
    parts.save(*live.parts)
    datastore.set(SUBS + "live", json.dumps({"1": ["hold"], "2": ["active"]}))
    again = sensor_state.StateParts(store, defaults)
    live = sensor_state.BucketedMap(again, "live")
    assert live.adopt_legacy() == 0
    assert dict(live) == {"1": ["active"]} and len(live) == 1 and "2" not in live
