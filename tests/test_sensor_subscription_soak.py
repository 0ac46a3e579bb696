"""Soak for SubscriptionSensor: hundreds of subscriptions changing status and renewing
while the emulator injects 5xx, 429 and timeouts, with a small request budget (so each
sweep cycle spans several polls) and a restart half-way. Every status change and every
(subscription, expiry date) inside the horizon is dispatched exactly once."""

import collections
import datetime
import json
import random

import pytest

from emulator.marketplace import subscriptions as emu_subs

from ratelimit_support import LimitedGateway
from sensor_support import poll, sensor_config

ROUNDS = 24
HORIZON = 20
LIVE = ("pending", "active", "hold")
NEXT = {"pending": ["active"], "active": ["hold", "terminated"],
        "hold": ["active", "removed"]}


def snapshot(emulator):
    return {s["id"]: (s["status"], s["expirationDate"])
            for s in emulator.marketplace.state.subscriptions.values()}


def cycle_of(datastore):
    raw = datastore.get("ingram_micro.sensor.subscriptions.default.head")
    return json.loads(raw)["cycle"] if raw else 0


def catch_up(sensor, service, datastore, limit=60):
    """Polls until a whole sweep cycle has run after the latest changes."""
    fired, start = [], cycle_of(datastore)
    for _ in range(limit):
        fired += poll(sensor, service, expect_ok=False)
        if cycle_of(datastore) >= start + 2:
            return fired
    raise AssertionError("no full cycle: %r" % sensor.last_poll)


@pytest.fixture
def gateway(emulator):
    # The Marketplace gateway's own limit (60 calls a minute per key) is on throughout.
    return LimitedGateway(emulator)


@pytest.mark.slow
def test_subscription_events_are_dispatched_exactly_once_under_faults(
        server, emulator, datastore, gateway):
    rng = random.Random(3)
    emulator.clock.freeze()
    state = emulator.marketplace.state
    product = [p for p in state.products.values()
               if p["name"].startswith("Office 365 E3 (legacy")][0]
    customers = [c["id"] for c in state.customers.values()]
    today = emulator.clock.utcnow().date()
    for i in range(620):
        sub = emu_subs.new_subscription(state, customers[i % len(customers)], product, 1,
                                        status=rng.choice(LIVE))
        sub["expirationDate"] = (today + datetime.timedelta(days=rng.randint(1, 90))).isoformat()

    config = sensor_config(server, read_timeout=0.15, sensors={
        "max_requests_per_poll": 5, "subscriptions": {"expiry_horizon_days": HORIZON}})
    sensor, service = gateway.start("subscription_sensor", config, datastore)
    expected = collections.Counter()
    seen = collections.Counter()

    def expiring_now(snap):
        now = emulator.clock.utcnow().date()
        return {(sid, exp) for sid, (status, exp) in snap.items()
                if status in ("active", "hold") and
                0 <= (datetime.date.fromisoformat(exp) - now).days <= HORIZON}

    def record(round_no, fired):
        for trigger, p in fired:
            if trigger.endswith("subscription_expiring"):
                seen[(round_no, "expiring", p["id"], p["expirationDate"])] += 1
            else:
                seen[(round_no, "changed", p["id"], p["previous_status"], p["status"])] += 1

    before = snapshot(emulator)
    # The first cycle records what is already inside the horizon without firing it.
    record(-1, catch_up(sensor, service, datastore))
    fired_dates = expiring_now(before)
    assert fired_dates

    emulator.faults.add(kind="status", status=503, probability=0.08, retry_after=0.01)
    emulator.faults.add(kind="status", status=500, probability=0.02)
    emulator.faults.add(kind="status", status=429, probability=0.05, retry_after=0.01)
    emulator.faults.add(kind="timeout", probability=0.03, delay=0.3)

    for round_no in range(ROUNDS):
        emulator.clock.advance(86400)
        subs = [s for s in state.subscriptions.values() if s["status"] in LIVE]
        for sub in rng.sample(subs, 12):
            sub["status"] = rng.choice(NEXT[sub["status"]])
        for sub in rng.sample([s for s in subs if s["status"] in LIVE], 8):
            emu_subs.renew(state, sub)
        after = snapshot(emulator)
        for sid, (status, _) in after.items():
            if before[sid][0] != status:
                expected[(round_no, "changed", sid, before[sid][0], status)] += 1
        for key in expiring_now(after) - fired_dates:
            expected[(round_no, "expiring") + key] += 1
            fired_dates.add(key)
        before = after
        if round_no == ROUNDS // 2:
            sensor.cleanup()
            sensor, service = gateway.start("subscription_sensor", config, datastore)
        record(round_no, catch_up(sensor, service, datastore))

    kinds = collections.Counter(k[1] for k in expected.elements())
    assert kinds["changed"] >= 250 and kinds["expiring"] >= 100, kinds
    assert [k for k, n in seen.items() if n > 1] == []
    assert seen == expected
    assert sum(f["hits"] for f in emulator.faults.list()) >= 20
