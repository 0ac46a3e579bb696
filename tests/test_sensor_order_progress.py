"""OrderSensor work that spans polls: open-status sweeps and the resolving of orders that
left the open set resume where they stopped, share the request budget with new orders,
and report every change once, with the lag visible in ``last_poll``.

Small numbers stand in for big ones: the emulator serves 20 rows a page (as a gateway
capping ``limit`` would) and the sensor may spend 5 requests a poll, so a few hundred
orders need the multi-poll sweeps that hundreds of thousands need at full size.
"""

import collections
import json

from emulator.marketplace import orders as emu_orders

from sensor_support import make_sensor, names, order, place, poll, sensor_config

BUDGET = 5
PAGE = 20
CHANGED = "order_status_changed"
CREATED = "order_created"
HEAD = "ingram_micro.sensor.orders.default.head"


def start(server, emulator, datastore, history=300, open_count=200):
    emulator.clock.freeze()
    emulator.marketplace.max_limit = PAGE
    emu_orders.bulk(emulator.marketplace.state, history, open_count)
    config = sensor_config(server, sensors={"max_requests_per_poll": BUDGET})
    sensor, service = make_sensor("order_sensor", config, datastore, emulator)
    # The first run, spread over as many polls as the budget needs, reports nothing.
    for _ in range(20):
        assert poll(sensor, service) == []
        assert sensor.last_poll["default"]["requests"] <= BUDGET
        if json.loads(datastore.get(HEAD))["baselined"]:
            return sensor, service
    raise AssertionError("the first run did not end")


def open_ids(emulator):
    """Processing orders, oldest first."""
    book = emu_orders.book(emulator.marketplace.state)
    return sorted(book.by_status["processing"], key=int)


def complete(emulator, ids):
    for oid in ids:
        emu_orders.force(emulator.marketplace.state, order(emulator, oid), "completed")


def polls_until(sensor, service, wanted, limit, trigger=CHANGED, on_poll=None):
    """Polls until every id in ``wanted`` fired ``trigger``; returns (fired, polls)."""
    fired = []
    for count in range(1, limit + 1):
        if on_poll is not None:
            on_poll(count)
        fired += poll(sensor, service)
        assert sensor.last_poll["default"]["requests"] <= BUDGET, sensor.last_poll
        if set(wanted) <= set(names(fired, trigger)):
            return fired, count
    raise AssertionError("after %d polls %d of %d reported; lag %r" % (
        limit, len(set(wanted) & set(names(fired, trigger))), len(wanted),
        sensor.last_poll["default"].get("lag")))


def assert_once(fired):
    counts = collections.Counter((t, p["id"], p.get("status"), p.get("statusCode"))
                                 for t, p in fired)
    assert [k for k, n in counts.items() if n > 1] == []


def test_a_sweep_longer_than_a_poll_completes_and_finds_old_changes(
        server, emulator, datastore):
    sensor, service = start(server, emulator, datastore)
    # 200 open orders are 10 pages: more than one poll may read.
    oldest = open_ids(emulator)[0]
    complete(emulator, [oldest])
    fired, polls = polls_until(sensor, service, [oldest], limit=8)
    assert [(p["id"], p["status"], p["final"]) for _, p in fired] == [
        (oldest, "completed", True)]
    lag = sensor.last_poll["default"]["lag"]
    assert lag["open_sweeps"]["polls_needed"] >= 2
    assert set(lag) == {"new_orders", "open_sweeps", "vanished_orders"}
    # Quiet from here: nothing fires again, and no poll exceeds the budget.
    for _ in range(6):
        assert poll(sensor, service) == []
        assert sensor.last_poll["default"]["requests"] <= BUDGET


def test_old_orders_completing_together_are_reported_once_while_new_ones_arrive(
        server, emulator, datastore):
    sensor, service = start(server, emulator, datastore)
    old = open_ids(emulator)[:60]
    complete(emulator, old)
    new = []

    def arrivals(_poll):
        new.append(place(emulator)["id"])
    fired, polls = polls_until(sensor, service, old, limit=30, on_poll=arrivals)
    # Sweeping 10 pages and resolving 60 orders at 5 requests a poll; the arrivals took a
    # request of each poll and were reported as they came.
    assert polls <= 12
    assert_once(fired)
    assert sorted(names(fired, CHANGED)) == sorted(old)
    assert sorted(names(fired, CREATED)) == sorted(new)


def test_vanished_orders_are_resolved_across_polls_and_lag_is_reported(
        server, emulator, datastore):
    sensor, service = start(server, emulator, datastore, history=600, open_count=200)
    # Spread over the whole history: the terminal-status sweep over their creation times
    # costs more than a poll, and so do the GETs.
    ids = open_ids(emulator)
    spread = ids[::6][:30]
    complete(emulator, spread)
    pending_seen = []

    def watch(_poll):
        lag = sensor.last_poll["default"].get("lag") or {}
        pending_seen.append(lag.get("vanished_orders", {}).get("pending", 0))
    fired, polls = polls_until(sensor, service, spread, limit=30, on_poll=watch)
    assert_once(fired)
    assert sorted(names(fired)) == sorted(spread)
    assert max(pending_seen) > 0, "the orders waiting to be resolved were reported as lag"
    assert sensor.last_poll["default"]["lag"]["vanished_orders"]["pending"] == 0


def test_rows_moving_up_while_a_sweep_spans_polls_are_not_missed(
        server, emulator, datastore):
    sensor, service = start(server, emulator, datastore)
    poll(sensor, service)  # the pass is now part-way down the processing list
    ids = open_ids(emulator)
    # The newest 40 leave processing: every row below them moves up two pages, past
    # where the sweep stopped. Orders further down change their statusCode only.
    leaving, recoded = ids[-40:], ids[:150:10]
    complete(emulator, leaving)
    for oid in recoded:
        order(emulator, oid)["statusCode"] = "LO"
    fired, polls = polls_until(sensor, service, leaving + recoded, limit=20)
    assert_once(fired)
    assert sorted(names(fired)) == sorted(leaving + recoded)
    assert {p["statusCode"] for _, p in fired if p["id"] in recoded} == {"LO"}
    for _ in range(4):
        assert poll(sensor, service) == []


def test_restarts_mid_sweep_repeat_nothing_and_lose_nothing(server, emulator, datastore):
    sensor, service = start(server, emulator, datastore)
    config = sensor.pack_config
    old = open_ids(emulator)[:50]
    complete(emulator, old)
    fired = []
    for round_no in range(16):
        if round_no % 2:
            # A new sensor process on the same datastore, between any two polls.
            sensor.cleanup()
            sensor, service = make_sensor("order_sensor", config, datastore, emulator)
        if round_no < 6:
            place(emulator)
        fired += poll(sensor, service)
        assert sensor.last_poll["default"]["requests"] <= BUDGET
    assert_once(fired)
    assert sorted(names(fired, CHANGED)) == sorted(old)
    assert len(names(fired, CREATED)) == 6


def test_a_first_run_longer_than_a_poll_stays_in_budget_and_misses_nothing(
        server, emulator, datastore):
    emulator.clock.freeze()
    emulator.marketplace.max_limit = PAGE
    emu_orders.bulk(emulator.marketplace.state, 300, 200)
    config = sensor_config(server, sensors={"max_requests_per_poll": BUDGET})
    sensor, service = make_sensor("order_sensor", config, datastore, emulator)
    assert poll(sensor, service) == []
    assert not json.loads(datastore.get(HEAD))["baselined"]
    # Placed while the first run is under way: new, so reported once.
    during = place(emulator)["id"]
    fired = []
    for _ in range(10):
        fired += poll(sensor, service)
        assert sensor.last_poll["default"]["requests"] <= BUDGET
    assert json.loads(datastore.get(HEAD))["baselined"]
    assert [(t.rsplit(".", 1)[1], p["id"]) for t, p in fired] == [(CREATED, during)]
    # Every order open before the first run is watched.
    oldest = open_ids(emulator)[0]
    complete(emulator, [oldest])
    fired, _ = polls_until(sensor, service, [oldest], limit=8)
    assert names(fired) == [oldest]
