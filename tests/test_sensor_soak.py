"""Soak: more than a thousand order events under injected 5xx, 429 and timeouts, with the
sensor restarted half-way, against the emulator's own record of what happened.

Each round moves the emulator clock 5 s (one life-cycle step at most per order), places
orders, cancels some, fixes some error orders and flips statusCodes; then the sensor polls
until it has caught up. What it dispatched must equal, event for event, the differences
between consecutive snapshots of the emulator's orders -- no event missed, none repeated.
"""

import collections
import json
import random

import pytest

from emulator.marketplace import orders as emu_orders

from ratelimit_support import LimitedGateway
from sensor_support import place, poll, sensor_config, settle

ROUNDS = 40
NEW_PER_ROUND = 13
MARKS = ["EMU-ERROR", "EMU-CANCEL", "EMU-HOLD", None, None, None, None, None, None]


def snapshot(emulator):
    return {o["id"]: (o["status"], o.get("statusCode"))
            for o in emulator.marketplace.state.orders.values()}


def expected_events(before, after):
    events = []
    for oid, now in after.items():
        if oid not in before:
            events.append(("order_created", oid, None, now[0]))
        elif before[oid] != now:
            events.append(("order_status_changed", oid, before[oid], now))
    return events


def seen_events(fired):
    out = []
    for trigger, p in fired:
        kind = trigger.rsplit(".", 1)[1]
        if kind == "order_created":
            out.append((kind, p["id"], None, p["status"]))
        else:
            out.append((kind, p["id"], (p["previous_status"], p["previous_statusCode"]),
                        (p["status"], p["statusCode"])))
    return out


def catch_up(sensor, service, limit=25):
    fired = []
    for _ in range(limit):
        fired += poll(sensor, service, expect_ok=False)
        if sensor.last_poll["default"]["ok"] and sensor.last_stats["default"]["caught_up"]:
            return fired
    raise AssertionError("sensor did not catch up: %r" % sensor.last_poll)


def mutate(emulator, rng, before):
    """Cancels, fixes and re-codes orders that did not change in this round (statusCode
    flips are not in the emulator's history, so the snapshots are the ground truth)."""
    state = emulator.marketplace.state
    now = snapshot(emulator)
    unchanged = [oid for oid, value in now.items() if before.get(oid) == value]
    by_status = collections.defaultdict(list)
    for oid in unchanged:
        by_status[now[oid][0]].append(oid)
    for oid in rng.sample(by_status["submitted"], min(1, len(by_status["submitted"]))):
        emu_orders.update(state, state.orders.get(oid), {"statusCode": "CL"})
    for oid in by_status["error"][:1]:
        emu_orders.force(state, state.orders.get(oid), "processing")
    held = [oid for oid in by_status["processing"]
            if "EMU-HOLD" in (state.orders.get(oid).get("poNumber") or "")]
    for oid in rng.sample(held, min(3, len(held))):
        order = state.orders.get(oid)
        order["statusCode"] = "LO" if order.get("statusCode") != "LO" else "AS"


@pytest.fixture
def gateway(emulator):
    # The Marketplace gateway's own limit (60 calls a minute per key) is on throughout.
    return LimitedGateway(emulator)


@pytest.mark.slow
def test_every_order_event_is_dispatched_exactly_once_under_faults(
        server, emulator, datastore, gateway):
    rng = random.Random(7)
    emulator.clock.freeze()
    config = sensor_config(server, read_timeout=0.15, connect_timeout=1,
                           sensors={"max_requests_per_poll": 30,
                                    "orders": {"error_sweep_interval": 0}})
    sensor, service = gateway.start("order_sensor", config, datastore)
    poll(sensor, service)
    before = snapshot(emulator)

    faults = emulator.faults
    faults.add(kind="status", status=503, probability=0.06, retry_after=0.01)
    faults.add(kind="status", status=502, probability=0.02)
    faults.add(kind="status", status=500, probability=0.02, message="Internal error")
    faults.add(kind="status", status=429, probability=0.05, retry_after=0.01)
    faults.add(kind="timeout", probability=0.03, delay=0.3)

    expected, seen, restarted = [], [], False
    for round_no in range(ROUNDS):
        emulator.clock.advance(5)
        settle(emulator)
        if round_no < ROUNDS - 14:
            for i in range(NEW_PER_ROUND):
                place(emulator, po=MARKS[(round_no + i) % len(MARKS)],
                      customer=i % 5)
        mutate(emulator, rng, before)
        after = snapshot(emulator)
        expected += [(round_no,) + e for e in expected_events(before, after)]
        before = after
        if round_no == ROUNDS // 2:
            # A restart: a new sensor instance on the same datastore.
            sensor.cleanup()
            sensor, service = gateway.start("order_sensor", config, datastore)
            restarted = True
        seen += [(round_no,) + e for e in seen_events(catch_up(sensor, service))]

    assert restarted
    assert len(expected) >= 1000, len(expected)
    duplicates = [e for e, n in collections.Counter(seen).items() if n > 1]
    assert duplicates == []
    assert sorted(seen, key=repr) == sorted(expected, key=repr)
    events = [e[1:] for e in expected]
    kinds = collections.Counter(e[0] for e in events)
    assert kinds["order_created"] >= 200 and kinds["order_status_changed"] >= 600
    code_only = [e for e in events if e[0] == "order_status_changed" and e[2][0] == e[3][0]]
    assert code_only, "statusCode-only changes are part of the run"
    # The emulator's own history of status transitions agrees with the snapshots.
    created = {e[1] for e in events if e[0] == "order_created"}
    history = [h for h in emu_orders.history(emulator.marketplace.state)
               if h["orderId"] in created]
    status_events = [e for e in events if e[0] == "order_created" or e[2][0] != e[3][0]]
    assert len(history) == len(status_events)
    hits = sum(f["hits"] for f in faults.list())
    assert hits >= 30, faults.list()
    # The state holds exactly the orders that can still change, and little else.
    state = {part: json.loads(datastore.get("ingram_micro.sensor.orders.default." + part))
             for part in ["head", "closed"] + ["open_%x" % i for i in range(16)]}
    state["open"] = {}
    for i in range(16):
        state["open"].update(state.pop("open_%x" % i))
    still_open = {oid for oid, (status, _) in before.items()
                  if status in ("submitted", "processing", "error")}
    assert set(state["open"]) == still_open
    assert len(state["closed"]) <= 1000
    assert len(state["head"]["recent"]) <= NEW_PER_ROUND * 600 // 5
