"""XvantageInvoiceSensor over real HTTP against the emulator, on the emulator's clock: each
invoice fires once -- with many invoices of one day over small pages that shift as new
invoices arrive, across restarts, under 5xx and 429 -- and a poll stays within its budget.

The emulator invoices every sub-order the day it ships (2-6 h after release, backorders
72 h), so placing orders and moving the clock makes new invoices; its own list of invoices
is the ground truth."""

import collections
import json
import random

import pytest


from emulator.xvantage import invoices as emu_invoices
from ingram_lib.sensing.xvantage_order_watch import day_string

import clock_support
from clock_support import at_times_of_day
from sensor_support import make_sensor, sensor_config

# conftest's emulator, started at the instant of each @at_times_of_day run.
server, time_of_day = clock_support.server, clock_support.time_of_day

HOUR = 3600.0
DAY = 86400.0
TRIGGER = "ingram_micro.xvantage_invoice_created"
SEARCH = "/resellers/v6/invoices"
META = "ingram_micro.sensor.xvantage_invoices.default.meta"


def new_sensor(server, datastore, **settings):
    config = sensor_config(server, sensors={"xvantage_invoices": settings})
    return make_sensor("xvantage_invoice_sensor", config, datastore, server.emulator,
                       fast_retries=False)


def invoices(emulator):
    """Every invoice number the emulator's invoice search can return now."""
    now = emulator.clock.now()
    return {i.number for order in emulator.xvantage.store.all()
            for i in emu_invoices.invoices_of(order, now)}


def place(emulator, count, prefix):
    now = emulator.clock.now()
    return emulator.xvantage.bulk_create(count, start=now - 60, end=now, prefix=prefix)


def fired(*services):
    return [p["invoice_number"] for s in services for t, p in s.dispatched if t == TRIGGER]


def searches(emulator):
    return emulator.request_count(api="xvantage", method="GET", route=SEARCH)


@at_times_of_day
def test_existing_invoices_are_recorded_silently_then_each_new_one_fires_once(server,
                                                                             datastore):
    emulator = server.emulator
    emulator.clock.freeze()
    emulator.clock.advance(8 * HOUR)               # the seeded orders have shipped
    existing = invoices(emulator)
    assert existing
    sensor, service = new_sensor(server, datastore)
    sensor.poll()
    assert service.dispatched == [] and sensor.last_poll["default"]["ok"]
    place(emulator, 4, "NEW")
    emulator.clock.advance(7 * HOUR)
    sensor.poll()
    sensor.poll()
    new = invoices(emulator) - existing
    assert new and sorted(fired(service)) == sorted(new)
    payload = [p for _, p in service.dispatched][0]
    assert payload["account"] == "default" and payload["customer_order_number"].startswith(
        "NEW-")
    assert payload["invoice_status"] == "Open" and isinstance(payload["invoiced_amount_due"],
                                                              float)
    assert payload["order_number"].startswith("20-")


def test_many_invoices_of_one_day_over_shifting_pages_each_fire_once(server, datastore):
    """Pages of 5, two pages a poll: a sweep spans polls while new invoices of the same day
    keep arriving ahead of the page being read. Each invoice fires once, none is lost."""
    emulator = server.emulator
    emulator.clock.freeze()
    sensor, service = new_sensor(server, datastore, page_size=5, max_search_pages_per_poll=2)
    sensor.poll()
    baseline = invoices(emulator)
    behind = []
    for step in range(12):
        place(emulator, 6, "DAY%02d" % step)
        emulator.clock.advance(HOUR)
        sensor.poll()
        assert sensor.last_poll["default"]["ok"]
        behind.append(sensor.last_poll["default"]["lag"]["xvantage_invoice_sweep"]
                      ["polls_behind"])
    for _ in range(30):                            # catch up
        emulator.clock.advance(HOUR)
        sensor.poll()
        if sensor.last_stats["default"]["sweep_complete"] and len(
                fired(service)) == len(invoices(emulator) - baseline):
            break
    counts = collections.Counter(fired(service))
    assert [n for n, c in counts.items() if c > 1] == []
    assert set(counts) == invoices(emulator) - baseline
    assert len(counts) >= 40
    # The sweep really spanned polls, and said so.
    assert max(behind) >= 2
    dates = collections.Counter(p["invoice_date"] for _, p in service.dispatched)
    assert max(dates.values()) >= 20              # many invoices share a date


def test_invoices_of_one_day_in_a_new_order_on_every_request_each_fire_once(
        server, datastore, monkeypatch):
    """The API states no order among invoices of one date: here every request shuffles
    them, so a sweep over small pages misses some and reads others twice. Later sweeps
    find the missed ones; none fires twice."""
    emulator = server.emulator
    emulator.clock.freeze()
    shuffle = random.Random(9)
    monkeypatch.setitem(emu_invoices.SORTS, "invoicedate",
                        lambda i: (day_string(i.shipped_at), shuffle.random()))
    sensor, service = new_sensor(server, datastore, page_size=5, max_search_pages_per_poll=3)
    sensor.poll()
    baseline = invoices(emulator)
    place(emulator, 30, "TIE")
    emulator.clock.advance(7 * HOUR)
    expected = invoices(emulator) - baseline
    sweeps, missed = 0, []
    while sweeps < 40 and set(fired(service)) != expected:
        sensor.poll()
        if sensor.last_stats["default"]["sweep_complete"]:
            sweeps += 1
            missed.append(len(expected - set(fired(service))))
        emulator.clock.advance(61)
    counts = collections.Counter(fired(service))
    assert set(counts) == expected and max(counts.values()) == 1
    assert missed[0] > 0                           # the first sweep did miss some


@at_times_of_day
def test_restart_neither_repeats_nor_misses(server, datastore):
    emulator = server.emulator
    emulator.clock.freeze()
    first, first_service = new_sensor(server, datastore)
    first.poll()
    baseline = invoices(emulator)
    place(emulator, 3, "A")
    emulator.clock.advance(7 * HOUR)
    first.poll()
    before = set(fired(first_service))
    assert before == invoices(emulator) - baseline
    first.cleanup()
    place(emulator, 3, "B")                        # invoiced while the sensor was down
    emulator.clock.advance(7 * HOUR)
    second, second_service = new_sensor(server, datastore)
    second.poll()
    second.poll()
    assert sorted(fired(second_service)) == sorted(invoices(emulator) - baseline - before)


def test_state_is_json_strings_and_forgets_invoices_before_the_window(server, datastore):
    emulator = server.emulator
    emulator.clock.freeze()
    sensor, service = new_sensor(server, datastore, lookback_days=2)
    sensor.poll()
    place(emulator, 5, "OLD")
    emulator.clock.advance(8 * HOUR)
    sensor.poll()

    def remembered():
        out = {}
        prefix = "ingram_micro.sensor.xvantage_invoices.default.invoices_"
        for name in datastore.names(prefix=prefix):
            out.update(json.loads(datastore.get(name)))
        return out
    first = set(fired(service))
    assert first and first <= set(remembered())
    assert isinstance(json.loads(datastore.get(META)), dict)
    for _ in range(6):
        emulator.clock.advance(DAY)
        sensor.poll()
    place(emulator, 2, "LATE")
    emulator.clock.advance(7 * HOUR)
    sensor.poll()
    # Only invoices the two-day window can still return are remembered.
    oldest = day_string(emulator.clock.now() - 2 * DAY)
    assert remembered() and all(date >= oldest for date in remembered().values())
    assert first.isdisjoint(remembered())


def test_quiet_poll_costs_one_request_per_page_of_the_window(server, datastore):
    emulator = server.emulator
    emulator.clock.freeze()
    place(emulator, 30, "BULK")
    emulator.clock.advance(8 * HOUR)
    sensor, service = new_sensor(server, datastore, page_size=10)
    sensor.poll()
    records = json.loads(datastore.get(META))["records"]
    emulator.reset_counts()
    writes = datastore.writes
    sensor.poll()
    assert service.dispatched == []
    assert searches(emulator) == -(-records // 10)
    assert emulator.request_count(api="xvantage") == searches(emulator)   # token reused
    assert datastore.writes == writes              # nothing moved: nothing written


def test_per_poll_page_cap_and_per_minute_rate_hold(server, datastore):
    emulator = server.emulator
    emulator.clock.freeze()
    place(emulator, 60, "BULK")
    emulator.clock.advance(8 * HOUR)
    sensor, _ = new_sensor(server, datastore, page_size=5, max_search_pages_per_poll=50,
                           requests_per_minute=6, max_requests_per_poll=100)
    emulator.reset_counts()
    sensor.poll()
    sensor.poll()                                  # same minute: nothing left to spend
    assert searches(emulator) == 6
    emulator.clock.advance(61)
    sensor.poll()
    assert searches(emulator) == 12


def test_429_with_retry_after_pauses_polling_without_losing_invoices(server, datastore):
    emulator = server.emulator
    emulator.clock.freeze()
    sensor, service = new_sensor(server, datastore, max_retries=0)
    sensor.poll()
    baseline = invoices(emulator)
    place(emulator, 2, "RL")
    emulator.clock.advance(7 * HOUR)
    emulator.faults.add(kind="status", status=429, retry_after=120, api="xvantage",
                        path="/invoices", count=1)
    sensor.poll()
    assert sensor.last_stats["default"]["rate_limited"] == 120
    emulator.reset_counts()
    sensor.poll()                                  # inside Retry-After: no calls
    assert emulator.request_count(api="xvantage") == 0
    emulator.clock.advance(121)
    sensor.poll()
    assert sorted(fired(service)) == sorted(invoices(emulator) - baseline)


@pytest.mark.parametrize("kind,status", [("status", 503), ("status", 500), ("html504", 504)])
def test_server_errors_are_survived_and_the_next_poll_catches_up(server, datastore, kind,
                                                                 status):
    emulator = server.emulator
    emulator.clock.freeze()
    sensor, service = new_sensor(server, datastore)
    sensor.poll()
    baseline = invoices(emulator)
    place(emulator, 2, "ERR")
    emulator.clock.advance(7 * HOUR)
    emulator.faults.add(kind=kind, status=status, api="xvantage", path="/invoices", count=10)
    sensor.poll()
    assert sensor.last_poll["default"]["ok"] is False and service.dispatched == []
    emulator.faults.clear()
    sensor.poll()
    assert sorted(fired(service)) == sorted(invoices(emulator) - baseline)


def test_only_invoices_stackstorm_accepted_are_checkpointed(server, datastore):
    """The message bus fails on the third dispatch of a poll: the two before it are
    recorded, the rest are dispatched by the next poll, none twice."""
    emulator = server.emulator
    emulator.clock.freeze()
    sensor, service = new_sensor(server, datastore)
    sensor.poll()
    baseline = invoices(emulator)
    place(emulator, 5, "BUS")
    emulator.clock.advance(7 * HOUR)
    real = service.dispatch
    calls = []

    def flaky(trigger, payload=None, trace_tag=None):
        calls.append(payload["invoice_number"])
        if len(calls) == 3:
            raise RuntimeError("message bus unavailable")
        return real(trigger, payload=payload, trace_tag=trace_tag)
    service.dispatch = flaky
    sensor.poll()
    assert sensor.last_poll["default"]["ok"] is False and len(fired(service)) == 2
    del service.dispatch
    restarted, again = new_sensor(server, datastore)        # and across a restart
    restarted.poll()
    counts = collections.Counter(fired(service, again))
    assert set(counts) == invoices(emulator) - baseline and max(counts.values()) == 1


def test_invoice_search_sends_the_application_id_and_sorts_newest_first(server, datastore):
    emulator = server.emulator
    sensor, _ = new_sensor(server, datastore)
    sensor.poll()
    [request] = [r for r in emulator.journal if r.route == SEARCH]
    assert request.headers.get("IM-ApplicationID")
    assert request.arg("orderby") == "invoiceDate" and request.arg("direction") == "desc"
    assert request.arg("invoiceFromDate") and request.arg("invoiceToDate")


@pytest.mark.slow
def test_soak_faults_and_restarts_give_each_invoice_once(server, datastore):
    """Orders arrive and ship on the clock while a quarter of invoice searches fail (503,
    some 429) and the sensor restarts every few polls: at the end every invoice made after
    the first poll fired exactly once (0 lost, 0 duplicate)."""
    emulator = server.emulator
    emulator.clock.freeze()
    rnd = random.Random(5)
    sensor, service = new_sensor(server, datastore, page_size=10, max_search_pages_per_poll=3,
                                 max_retries=0)
    services = [service]
    sensor.poll()
    baseline = invoices(emulator)
    emulator.faults.add(kind="status", status=503, api="xvantage", path="/invoices",
                        probability=0.2)
    emulator.faults.add(kind="status", status=429, retry_after=30, api="xvantage",
                        path="/invoices", probability=0.05)
    for step in range(50):
        if rnd.random() < 0.6:
            place(emulator, rnd.randint(1, 5), "S%02d" % step)
        emulator.clock.advance(rnd.choice((300, 900, 1800, 3600)))
        sensor.poll()
        if step % 7 == 6:
            sensor.cleanup()
            sensor, service = new_sensor(server, datastore, page_size=10,
                                         max_search_pages_per_poll=3, max_retries=0)
            services.append(service)
    hits = sum(f["hits"] for f in emulator.faults.list())
    emulator.faults.clear()
    expected = invoices(emulator) - baseline
    for _ in range(20):
        emulator.clock.advance(61)
        sensor.poll()
        if set(fired(*services)) == expected and sensor.last_stats["default"][
                "sweep_complete"]:
            break
    counts = collections.Counter(fired(*services))
    assert hits >= 10
    assert len(expected) >= 60
    assert [n for n, c in counts.items() if c > 1] == []          # 0 duplicate
    assert expected - set(counts) == set()                        # 0 lost
    assert set(counts) == expected
