"""XvantageOrderSensor over real HTTP against the emulator, on the emulator's clock."""

import collections
import json
import random
import subprocess
import sys

import pytest

from ingram_lib.sensing.xvantage_order_watch import day_epoch, day_string
from runner import PACK_ROOT, config as pack_config, execute

import clock_support
from clock_support import at_times_of_day
from conftest import make_config

# conftest's emulator, started at the instant of each @at_times_of_day run.
server, time_of_day = clock_support.server, clock_support.time_of_day

HOUR = 3600.0
DAY = 86400.0
SEARCH = "/resellers/v6/orders/search"
DETAILS = "/resellers/v6.1/orders/{ordernumber}"
CREATED = "ingram_micro.xvantage_order_created"
CHANGED = "ingram_micro.xvantage_order_status_changed"


def sensor_config(server, **settings):
    """The config as st2 hands it over: schema defaults applied (sensors.* included)."""
    config = make_config(server)
    config["sensors"] = {"xvantage_orders": dict({"baseline_details_per_poll": 0}, **settings)}
    return pack_config.prepare(config)


def new_sensor(server, datastore, **settings):
    sensor, service = execute.make_sensor("xvantage_order_sensor",
                                          sensor_config(server, **settings), datastore,
                                          strict=True)
    sensor.clock = server.emulator.clock.now
    sensor.setup()
    return sensor, service


def gets(emulator, route):
    return emulator.request_count(api="xvantage", method="GET", route=route)


def place(emulator, count=1, prefix="NEW", ago=60.0):
    now = emulator.clock.now()
    return emulator.xvantage.bulk_create(count, start=now - ago, end=now, prefix=prefix)


def fired(service, trigger=None):
    return [p for t, p in service.dispatched if trigger is None or t == trigger]


@at_times_of_day
def test_first_poll_records_history_silently_then_new_orders_fire_once(server, datastore):
    emulator = server.emulator
    sensor, service = new_sensor(server, datastore)
    sensor.poll()
    assert service.dispatched == []
    assert sensor.last_poll["default"]["ok"]
    [number] = place(emulator)
    sensor.poll()
    sensor.poll()
    [payload] = fired(service, CREATED)
    assert payload["order_number"] == number
    assert payload["account"] == "default"
    assert payload["customer_order_number"] == "NEW-000001"
    assert payload["details_read"] is True
    assert payload["lines"] and all(line["status"] for line in payload["lines"])
    assert payload["sub_orders"][0]["sub_order_number"].startswith(number + "-")
    assert fired(service, CHANGED) == []


@at_times_of_day
def test_status_changes_report_sub_order_and_line_changes(server, datastore):
    emulator = server.emulator
    sensor, service = new_sensor(server, datastore)
    sensor.poll()
    [number] = place(emulator)
    sensor.poll()
    [created] = fired(service, CREATED)
    emulator.clock.advance(7 * HOUR)            # released orders ship within hours
    sensor.poll()
    changed = [p for p in fired(service, CHANGED) if p["order_number"] == number]
    assert len(changed) == 1
    change = changed[0]
    assert change["line_baseline"] is True
    assert change["sub_order_changes"]
    assert {c["status"] for c in change["sub_order_changes"]} <= {"SHIPPED", "BACKORDERED"}
    assert change["line_changes"]
    for line in change["line_changes"]:
        before = [li for li in created["lines"] if li["key"] == line["key"]][0]
        assert line["previous_status"] == before["status"] != line["status"]
    detail_gets, changes_before = gets(emulator, DETAILS), len(fired(service, CHANGED))
    sensor.poll()                               # nothing moved: no details, no trigger
    assert gets(emulator, DETAILS) == detail_gets
    assert len(fired(service, CHANGED)) == changes_before


def test_orders_from_the_initial_sweep_get_a_line_baseline_from_spare_budget(server, datastore):
    emulator = server.emulator
    sensor, service = new_sensor(server, datastore, baseline_details_per_poll=50)
    sensor.poll()                                # baseline sweep, then line baselines
    assert sensor.last_stats["default"]["details"] > 0
    emulator.clock.advance(3 * DAY)
    sensor.poll()
    changes = fired(service, CHANGED)
    assert changes and all(p["line_baseline"] for p in changes)
    for payload in changes:
        for line in payload["line_changes"]:
            assert line["previous_status"] != line["status"]


@at_times_of_day
def test_restart_neither_repeats_nor_misses(server, datastore):
    emulator = server.emulator
    first, first_service = new_sensor(server, datastore)
    first.poll()
    place(emulator, 2, prefix="A")
    first.poll()
    assert len(fired(first_service, CREATED)) == 2
    first.cleanup()

    place(emulator, 1, prefix="B")               # placed while the sensor was down
    emulator.clock.advance(4 * DAY)              # and every order moved on
    second, second_service = new_sensor(server, datastore)
    second.poll()
    second.poll()
    created = fired(second_service, CREATED)
    assert [p["customer_order_number"] for p in created] == ["B-000001"]
    changed = [p["customer_order_number"] for p in fired(second_service, CHANGED)]
    assert sorted(c for c in changed if c.startswith("A-")) == ["A-000001", "A-000002"]
    assert len(changed) == len(set(changed))     # each change once


def test_state_is_json_strings_in_the_datastore(server, datastore):
    sensor, _ = new_sensor(server, datastore)
    sensor.poll()
    names = datastore.names(prefix="ingram_micro.sensor.xvantage_orders.default.")
    assert "ingram_micro.sensor.xvantage_orders.default.meta" in names
    orders = {}
    for name in names:
        value = json.loads(datastore.get(name))
        if ".orders_" in name:
            orders.update(value)
    assert len(orders) == len(server.emulator.xvantage.store)
    assert all(isinstance(r["fp"], str) for r in orders.values())


def test_quiet_poll_costs_one_search_per_page_and_no_details(server, datastore):
    emulator = server.emulator
    place(emulator, 250, prefix="BULK", ago=5 * DAY)     # 256 orders: three pages of 100
    sensor, service = new_sensor(server, datastore)
    sensor.poll()
    emulator.reset_counts()
    writes = datastore.writes
    sensor.poll()
    assert service.dispatched == []
    assert datastore.writes - writes == 0                # the sweep fits: nothing moved
    assert gets(emulator, SEARCH) == 3
    assert gets(emulator, DETAILS) == 0
    assert emulator.request_count(api="xvantage") == 3   # the token is reused


def test_a_large_sweep_is_spread_over_polls_within_the_per_poll_cap(server, datastore):
    emulator = server.emulator
    place(emulator, 1000, prefix="BULK", ago=20 * DAY)
    sensor, service = new_sensor(server, datastore, max_search_pages_per_poll=4)
    per_poll = []
    for _ in range(3):
        emulator.reset_counts()
        sensor.poll()
        per_poll.append(gets(emulator, SEARCH))
        assert not sensor.last_stats["default"]["sweep_complete"] or per_poll[-1] <= 4
    assert per_poll == [4, 4, 3]                 # 11 pages of 100
    assert sensor.last_stats["default"]["sweep_complete"]
    [number] = place(emulator, 1, prefix="LATE")
    for _ in range(3):
        sensor.poll()
    assert [p["order_number"] for p in fired(service, CREATED)] == [number]


def test_per_endpoint_rate_stays_under_the_api_limit(server, datastore):
    emulator = server.emulator
    emulator.xvantage.rate_limit.configure(enabled=True, limit=60)
    emulator.clock.freeze()
    place(emulator, 4000, prefix="BULK", ago=20 * DAY)   # 41 pages
    sensor, _ = new_sensor(server, datastore, requests_per_minute=30,
                           max_search_pages_per_poll=50, max_requests_per_poll=100)
    sensor.poll()
    sensor.poll()                                  # same minute: nothing left to spend
    assert gets(emulator, SEARCH) == 30
    assert "rate_limited" not in sensor.last_stats["default"]
    emulator.clock.advance(61)
    sensor.poll()
    assert gets(emulator, SEARCH) == 41
    assert sensor.last_stats["default"]["sweep_complete"]


def test_429_with_retry_after_pauses_polling_without_losing_events(server, datastore):
    emulator = server.emulator
    emulator.clock.freeze()
    sensor, service = new_sensor(server, datastore, max_retries=0)
    sensor.poll()
    [number] = place(emulator)
    emulator.faults.add(kind="status", status=429, retry_after=120, api="xvantage",
                        path="/orders/search", count=1)
    sensor.poll()                                  # must not raise
    assert sensor.last_stats["default"]["rate_limited"] == 120
    emulator.reset_counts()
    sensor.poll()                                  # still inside Retry-After: no calls
    assert emulator.request_count(api="xvantage") == 0
    emulator.clock.advance(121)
    sensor.poll()
    assert [p["order_number"] for p in fired(service, CREATED)] == [number]


@pytest.mark.parametrize("kind,status", [("status", 503), ("status", 500), ("html504", 504)])
def test_server_errors_are_survived_and_the_next_poll_catches_up(server, datastore, kind,
                                                                 status):
    emulator = server.emulator
    sensor, service = new_sensor(server, datastore)
    sensor.poll()
    [number] = place(emulator)
    emulator.faults.add(kind=kind, status=status, api="xvantage", path="/orders/",
                        count=10)
    sensor.poll()
    assert sensor.last_poll["default"]["ok"] is False
    assert service.dispatched == []
    emulator.faults.clear()
    sensor.poll()
    assert [p["order_number"] for p in fired(service, CREATED)] == [number]


def test_failing_details_defer_the_order_instead_of_dropping_it(server, datastore):
    emulator = server.emulator
    sensor, service = new_sensor(server, datastore)
    sensor.poll()
    [number] = place(emulator)
    emulator.faults.add(kind="status", status=503, api="xvantage", path="/v6.1/orders/",
                        count=10)
    sensor.poll()
    assert service.dispatched == []
    emulator.faults.clear()
    sensor.poll()
    assert [p["order_number"] for p in fired(service, CREATED)] == [number]


def test_unreachable_api_or_missing_xvantage_settings_never_raise(server, datastore):
    config = sensor_config(server)
    config["accounts"]["default"]["xvantage"]["api_url"] = "http://127.0.0.1:9"
    sensor, service = execute.make_sensor("xvantage_order_sensor", config, datastore)
    sensor.setup()
    sensor.poll()
    assert sensor.last_poll["default"]["ok"] is False
    del config["accounts"]["default"]["xvantage"]
    bare, _ = execute.make_sensor("xvantage_order_sensor", config, datastore)
    bare.setup()
    bare.poll()
    assert bare.last_poll == {}


@at_times_of_day
def test_state_stays_bounded_as_orders_age_out_of_the_window(server, datastore):
    emulator = server.emulator
    place(emulator, 50, prefix="OLD", ago=2 * DAY)
    sensor, _ = new_sensor(server, datastore, window_days=10)
    sensor.poll()

    def stored():
        out = {}
        for name in datastore.names(prefix="ingram_micro.sensor.xvantage_orders.default.orders_"):
            out.update(json.loads(datastore.get(name)))
        return out
    assert len(stored()) == 56
    emulator.clock.advance(5 * DAY)
    sensor.poll()
    finished_at = emulator.clock.now()
    # Finished in the last five days: remembered in full for now.
    finished = [n for n, r in stored().items()
                if r["terminal_at"] and r["terminal_at"] > finished_at - 60]
    assert finished and all(stored()[n]["subs"] for n in finished)
    emulator.clock.advance(4 * DAY)                # forget_finished_after_days is 3
    # Compacting happens when a sweep completes; orders whose details are still due hold
    # their page for the next poll, a minute later.
    for _ in range(5):
        sensor.poll()
        if sensor.last_stats["default"]["sweep_complete"]:
            break
        emulator.clock.advance(61)
    assert sensor.last_stats["default"]["sweep_complete"]
    old = [stored()[n] for n in finished]
    assert all(r["subs"] == {} and r["lines"] == {} for r in old)
    # Seeded orders (up to 5 days before the start) are past the window (+1 day) now.
    oldest = emulator.clock.now() - 11 * DAY
    kept = stored()
    assert 0 < len(kept) < 56
    assert all(day_epoch(r["date"]) >= oldest - DAY for r in kept.values())
    window_start = day_epoch(day_string(emulator.clock.now() - 10 * DAY))
    expected = [o.number for o in emulator.xvantage.store.all() if o.created >= window_start]
    assert set(expected) <= set(kept)
    emulator.clock.advance(10 * DAY)
    sensor.poll()
    # Out of the window: finished orders are gone; those last seen unfinished (their
    # change was deferred by the detail budget) are re-checked a few per poll, found
    # finished, and forgotten too.
    assert all(not r["terminal_at"] for r in stored().values())
    for _ in range(40):
        if not stored():
            break
        emulator.clock.advance(61)
        sensor.poll()
        assert sensor.last_stats["default"].get("stale_checked", 0) <= 2
    assert stored() == {}


def test_runner_polls_the_sensor_from_the_command_line():
    out = subprocess.run(
        [sys.executable, "-m", "runner", "--emulator", "http://127.0.0.1:9", "--datastore",
         ":memory:", "sensor", "xvantage_order_sensor", "--polls", "3", "--interval", "0"],
        cwd=PACK_ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "0 dropped as invalid" in out.stderr


def test_each_xvantage_account_is_watched_with_its_own_state(server, datastore):
    config = make_config(server)
    base = dict(config["accounts"]["default"])
    marketplace_only = {k: v for k, v in base.items() if k != "xvantage"}
    config["accounts"] = {"eu": base, "us": dict(base), "cloud_only": marketplace_only}
    config["sensors"] = {"xvantage_orders": {"baseline_details_per_poll": 0}}
    sensor, service = execute.make_sensor("xvantage_order_sensor",
                                          pack_config.prepare(config), datastore, strict=True)
    sensor.clock = server.emulator.clock.now
    sensor.setup()
    sensor.poll()
    assert sorted(sensor.last_poll) == ["eu", "us"]
    [number] = place(server.emulator)
    sensor.poll()
    assert sorted((p["account"], p["order_number"]) for p in fired(service, CREATED)) == [
        ("eu", number), ("us", number)]
    assert len(sensor._limiters) == 1            # one API app: one rate budget
    assert datastore.names(prefix="ingram_micro.sensor.xvantage_orders.eu.meta")
    assert datastore.names(prefix="ingram_micro.sensor.xvantage_orders.us.meta")


class _Transport(object):
    request_count = 0


class SpecShapedClient(object):
    """Answers shaped like the spec's examples (strings for numbers, an object for a list,
    im:: statuses, missing fields), which the emulator does not produce."""

    def __init__(self):
        self.transport = _Transport()
        self.row = {"ingramOrderNumber": "20-RD128", "ingramOrderDate": "2026-11-20",
                    "orderTotal": "1,012.50", "orderStatus": "OPEN",
                    "subOrders": [{"subOrderNumber": "20-RD128-11", "subOrderTotal": "12.5",
                                   "subOrderStatus": "im::processing",
                                   "links": {"topic": "orders", "href": "/x", "type": "GET"}}]}
        self.line_status = "In Progress"

    def search_page(self, filters, page, size):
        from ingram_lib.xvantage import results as xvantage_results
        self.transport.request_count += 1
        return xvantage_results.search_page(200, {"recordsFound": "1", "pageSize": "100",
                                                  "pageNumber": "1", "orders": [self.row]},
                                            page, size)

    def get_order(self, number):
        from ingram_lib.xvantage import results as xvantage_results
        self.transport.request_count += 1
        return xvantage_results.order_detail({"ingramOrderNumber": number, "lines": [
            {"subOrderNumber": "20-RD128-11", "ingramOrderLineNumber": "001",
             "lineStatus": self.line_status, "quantityOrdered": "3"},
            {"lineStatus": None}]})


def test_spec_shaped_answers_still_give_valid_payloads(server, datastore):
    config = sensor_config(server)
    sensor, service = execute.make_sensor("xvantage_order_sensor", config, datastore,
                                          strict=True)
    sensor.clock = lambda: 1795651200.0             # 2026-11-22
    client = SpecShapedClient()
    sensor._clients["default"] = client
    sensor.setup()
    sensor.poll()
    client.row = dict(client.row, orderStatus=None,
                      subOrders=[dict(client.row["subOrders"][0], subOrderStatus="IM::SHIPPED")])
    client.line_status = "IM::shipped"
    sensor.poll()
    [(trigger, payload)] = service.dispatched       # validated against payload_schema
    assert trigger == CHANGED
    # The header status is taken from the sub-orders when the row has none.
    assert payload["status"] == "SHIPPED" and payload["previous_status"] == "PROCESSING"
    assert payload["order_total"] == 1012.5
    assert payload["sub_order_changes"] == [{"sub_order_number": "20-RD128-11",
                                             "previous_status": "PROCESSING",
                                             "status": "SHIPPED"}]


@pytest.mark.slow
def test_soak_faults_and_restarts_give_each_order_and_each_change_once(server, datastore):
    """Orders arrive and move on the clock while 25% of Xvantage calls fail and the sensor
    is restarted every few polls; at the end every order was created once and its chain
    of status changes is unbroken and ends where the API says it is."""
    emulator = server.emulator
    rnd = random.Random(7)
    sensor, service = new_sensor(server, datastore, max_retries=0)
    services = [service]
    sensor.poll()                                       # baseline
    emulator.faults.add(kind="status", status=503, api="xvantage", probability=0.25)
    placed = []
    for step in range(60):
        if rnd.random() < 0.5:
            placed += place(emulator, rnd.randint(1, 4), prefix="S%02d" % step, ago=30)
        emulator.clock.advance(rnd.choice((600, 1800, 3600, 7200)))
        sensor.poll()
        if step % 7 == 6:                               # a restart
            sensor.cleanup()
            sensor, service = new_sensor(server, datastore, max_retries=0)
            services.append(service)
    emulator.faults.clear()
    for _ in range(10):                                 # catch up within the rate budget
        emulator.clock.advance(61)
        sensor.poll()
        stats = sensor.last_stats["default"]
        if not (stats["deferred"] or stats["created"] or stats["changed"]):
            break
    events = [(t, p) for s in services for t, p in s.dispatched]
    created = [p["order_number"] for t, p in events if t == CREATED]
    assert sorted(created) == sorted(placed)
    last = {}
    for trigger, payload in events:
        number = payload["order_number"]
        if trigger == CREATED:
            last[number] = payload["status"]
            continue
        if number in last:                              # chains start at creation
            assert payload["previous_status"] == last[number]
        last[number] = payload["status"]
    search = {o["ingramOrderNumber"]: o["orderStatus"] for o in emulator_search_all(server)}
    for number in placed:
        assert last[number] == search[number], number


def emulator_search_all(server):
    from ingram_lib.core.config import xvantage_settings
    from ingram_lib.xvantage.client import XvantageClient
    client = XvantageClient(xvantage_settings(make_config(server)))
    day = day_string(server.emulator.clock.now())
    start = day_string(server.emulator.clock.now() - 40 * DAY)
    return client.search_all({"ingramOrderDate-bt": [start, day]}, max_items=10000)["orders"]


def test_a_failed_checkpoint_repeats_at_most_that_polls_events(server, datastore):
    emulator = server.emulator
    sensor, service = new_sensor(server, datastore)
    sensor.poll()
    first, second = place(emulator, 2)
    real_set = service.set_value
    failures = []

    def set_value(name, value, **kwargs):
        # The datastore refuses the first write after a trigger was dispatched.
        if service.dispatched and not failures:
            failures.append(name)
            raise RuntimeError("datastore unavailable")
        return real_set(name, value, **kwargs)
    service.set_value = set_value
    sensor.poll()
    assert failures
    service.set_value = real_set
    restarted, again = new_sensor(server, datastore)
    restarted.poll()
    restarted.poll()
    numbers = collections.Counter(
        p["order_number"] for _, p in service.dispatched + again.dispatched)
    assert set(numbers) == {first, second} and max(numbers.values()) <= 2   # no loss
