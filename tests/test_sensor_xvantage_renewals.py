"""XvantageRenewalSensor over real HTTP against the emulator, on the emulator's clock:
``xvantage_renewal_due`` fires once per renewal and due date (again when the date moves,
never twice for one date), across restarts and under 5xx and 429.

The emulator's renewal book (seeded contracts expiring 20, 50, 80 and 200 days out, and
those added with ``book.add``) is the ground truth; moving a contract's ``expires`` is a
renewal whose date changed."""

import collections
import random

import pytest


from emulator.xvantage import renewals as emu_renewals
from ingram_lib.sensing.xvantage_order_watch import day_string

import clock_support
from clock_support import at_times_of_day
from sensor_support import make_sensor, sensor_config

# conftest's emulator, started at the instant of each @at_times_of_day run.
server, time_of_day = clock_support.server, clock_support.time_of_day

DAY = 86400.0
TRIGGER = "ingram_micro.xvantage_renewal_due"
SEARCH = "/resellers/v6/renewals/search"


def new_sensor(server, datastore, **settings):
    config = sensor_config(server, sensors={"xvantage_renewals": settings})
    return make_sensor("xvantage_renewal_sensor", config, datastore, server.emulator,
                       fast_retries=False)


def book(emulator):
    return emu_renewals.book(emulator.xvantage.store)


def fired(*services):
    return [(p["renewal_id"], p["due_date"]) for s in services for t, p in s.dispatched
            if t == TRIGGER]


def due_now(emulator, days_ahead=30):
    """``(renewal id, due date)`` of every renewal inside the window now."""
    now = emulator.clock.now()
    low, high = day_string(now), day_string(now + days_ahead * DAY)
    return {(str(r.id), day_string(r.expires)) for r in book(emulator).all(now)
            if low <= day_string(r.expires) <= high}


def move(emulator, renewal, days):
    renewal.expires += days * DAY


@at_times_of_day
def test_a_renewal_fires_when_it_comes_due_and_again_only_for_a_new_date(server, datastore):
    emulator = server.emulator
    emulator.clock.freeze()
    sensor, service = new_sensor(server, datastore)
    sensor.poll()
    assert service.dispatched == []               # the seeded 20-day contract: recorded
    renewal = book(emulator).add(45, end_user={"companyName": "GLOBEX"},
                                 customer_order_number="PO-REN-1")
    ident = str(renewal.id)
    for _ in range(20):                           # a day at a time into the window
        emulator.clock.advance(DAY)
        sensor.poll()
    mine = [p for _, p in service.dispatched if p["renewal_id"] == ident]
    assert len(mine) == 1
    payload = mine[0]
    assert payload["due_date"] == day_string(renewal.expires)
    assert payload["days_left"] == 30 and payload["previous_due_date"] is None
    assert payload["end_user"] == "GLOBEX" and payload["customer_order_number"] == "PO-REN-1"
    assert payload["vendor"] == "MICROSOFT" and payload["renewal_value"] == 1500.0
    assert payload["expiration_date"].startswith(payload["due_date"])

    first_date = payload["due_date"]
    move(emulator, renewal, 5)                    # extended by five days
    sensor.poll()
    sensor.poll()
    moved = [p for _, p in service.dispatched if p["renewal_id"] == ident][1:]
    assert [(p["due_date"], p["previous_due_date"]) for p in moved] == [
        (day_string(renewal.expires), first_date)]
    move(emulator, renewal, -5)                   # and back: that date already fired
    sensor.poll()
    assert len([1 for _, p in service.dispatched if p["renewal_id"] == ident]) == 2


def test_days_ahead_and_emit_existing_on_first_run_are_honoured(server, datastore):
    emulator = server.emulator
    emulator.clock.freeze()
    sensor, service = new_sensor(server, datastore, days_ahead=60,
                                 emit_existing_on_first_run=True)
    sensor.poll()
    assert sorted(fired(service)) == sorted(due_now(emulator, 60))
    days = sorted(p["days_left"] for _, p in service.dispatched)
    assert 20 in days and 50 in days and max(days) <= 60      # not the 80- or 200-day ones
    sensor.poll()
    assert len(fired(service)) == len(due_now(emulator, 60))


@at_times_of_day
def test_restart_neither_repeats_nor_misses(server, datastore):
    emulator = server.emulator
    emulator.clock.freeze()
    first, first_service = new_sensor(server, datastore)
    first.poll()
    a = book(emulator).add(10)
    first.poll()
    assert fired(first_service) == [(str(a.id), day_string(a.expires))]
    first.cleanup()
    b = book(emulator).add(12)                    # came due while the sensor was down
    second, second_service = new_sensor(server, datastore)
    second.poll()
    second.poll()
    assert fired(second_service) == [(str(b.id), day_string(b.expires))]


def test_429_with_retry_after_pauses_polling_without_losing_a_renewal(server, datastore):
    emulator = server.emulator
    emulator.clock.freeze()
    sensor, service = new_sensor(server, datastore, max_retries=0)
    sensor.poll()
    renewal = book(emulator).add(7)
    emulator.faults.add(kind="status", status=429, retry_after=90, api="xvantage",
                        path="/renewals/search", count=1)
    sensor.poll()
    assert sensor.last_stats["default"]["rate_limited"] == 90
    emulator.reset_counts()
    sensor.poll()
    assert emulator.request_count(api="xvantage") == 0
    emulator.clock.advance(91)
    sensor.poll()
    assert fired(service) == [(str(renewal.id), day_string(renewal.expires))]


@pytest.mark.parametrize("kind,status", [("status", 503), ("status", 500), ("html504", 504)])
def test_server_errors_are_survived_and_the_next_poll_catches_up(server, datastore, kind,
                                                                 status):
    emulator = server.emulator
    emulator.clock.freeze()
    sensor, service = new_sensor(server, datastore)
    sensor.poll()
    renewal = book(emulator).add(3)
    emulator.faults.add(kind=kind, status=status, api="xvantage", path="/renewals/",
                        count=10)
    sensor.poll()
    assert sensor.last_poll["default"]["ok"] is False and service.dispatched == []
    emulator.faults.clear()
    sensor.poll()
    assert fired(service) == [(str(renewal.id), day_string(renewal.expires))]


def test_only_renewals_stackstorm_accepted_are_checkpointed(server, datastore):
    emulator = server.emulator
    emulator.clock.freeze()
    sensor, service = new_sensor(server, datastore)
    sensor.poll()
    for days in (2, 4, 6, 8):
        book(emulator).add(days)
    real = service.dispatch
    calls = []

    def flaky(trigger, payload=None, trace_tag=None):
        calls.append(payload["renewal_id"])
        if len(calls) == 3:
            raise RuntimeError("message bus unavailable")
        return real(trigger, payload=payload, trace_tag=trace_tag)
    service.dispatch = flaky
    sensor.poll()
    assert sensor.last_poll["default"]["ok"] is False and len(fired(service)) == 2
    del service.dispatch
    restarted, again = new_sensor(server, datastore)
    restarted.poll()
    counts = collections.Counter(fired(service, again))
    assert len(counts) == 4 and max(counts.values()) == 1


def test_search_asks_for_the_window_by_expiration_date(server, datastore):
    emulator = server.emulator
    sensor, _ = new_sensor(server, datastore, days_ahead=14)
    sensor.poll()
    [body] = emulator.sent("POST", SEARCH)
    window = body["dateType"]["expirationDate"]
    now = emulator.clock.now()
    assert window == {"customStartDate": _us(now), "customEndDate": _us(now + 14 * DAY)}


def _us(epoch):
    day = day_string(epoch)
    return "%s/%s/%s" % (day[5:7], day[8:10], day[:4])


def catch_up(sensor, limit=40):
    """Polls until a sweep completed in a poll that succeeded; a 429 pause is waited out."""
    emulator_clock = sensor.clock.__self__
    for _ in range(limit):
        sensor.poll()
        stats = sensor.last_stats["default"]
        if sensor.last_poll["default"]["ok"] and stats["sweep_complete"] and \
                "rate_limited" not in stats:
            return
        emulator_clock.advance(31 if "rate_limited" in stats or "paused" in stats else 1)
    raise AssertionError("the sensor did not catch up: %r" % sensor.last_poll)


@pytest.mark.slow
@pytest.mark.parametrize("time_of_day", ["2026-06-15T12:00:00Z"], indirect=True)
def test_soak_faults_moves_and_restarts_give_each_renewal_date_once(server, datastore):
    """A month of days: contracts are added, extended and brought forward while a fifth of
    searches fail (503, some 429) and the sensor restarts every few days; every (renewal,
    due date) inside the window at the end of a day's sweep fired exactly once. (Pinned to
    noon so that a day of the test is a day of the window.)"""
    emulator = server.emulator
    emulator.clock.freeze()
    rnd = random.Random(3)
    settings = dict(page_size=3, max_search_pages_per_poll=2, max_retries=0)
    sensor, service = new_sensor(server, datastore, **settings)
    services = [service]
    catch_up(sensor)
    baseline = due_now(emulator)
    expected = set()
    emulator.faults.add(kind="status", status=503, api="xvantage", path="/renewals/",
                        probability=0.2)
    emulator.faults.add(kind="status", status=429, retry_after=30, api="xvantage",
                        path="/renewals/", probability=0.05)
    for day in range(30):
        for _ in range(rnd.randint(0, 3)):
            book(emulator).add(rnd.randint(1, 45))
        contracts = list(book(emulator).contracts.values())
        for renewal in rnd.sample(contracts, min(2, len(contracts))):
            move(emulator, renewal, rnd.choice((-3, -1, 2, 7, 30)))
        emulator.clock.advance(DAY)
        catch_up(sensor)
        expected |= due_now(emulator)
        if day % 6 == 5:
            sensor.cleanup()
            sensor, service = new_sensor(server, datastore, **settings)
            services.append(service)
    hits = sum(f["hits"] for f in emulator.faults.list())
    counts = collections.Counter(fired(*services))
    expected -= baseline
    assert hits >= 10 and len(expected) >= 40
    assert [k for k, n in counts.items() if n > 1] == []          # 0 duplicate
    assert expected - set(counts) == set()                        # 0 lost
    assert set(counts) == expected
    moved = [p for s in services for t, p in s.dispatched if p["previous_due_date"]]
    assert moved, "date moves are part of the run"
