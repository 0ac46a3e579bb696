"""XvantageOrderSensor sweeps that span polls: the lag each poll reports, the sweep position
kept across restarts (no page read twice, no order missed or reported twice, also when new
orders push rows to later pages), and state writes limited to the parts that changed."""

import collections
import math

from runner import config as pack_config, execute

from conftest import make_config

DAY = 86400.0
SEARCH = "/resellers/v6/orders/search"
CREATED = "ingram_micro.xvantage_order_created"
META = "ingram_micro.sensor.xvantage_orders.default.meta"


def new_sensor(server, datastore, **settings):
    config = make_config(server)
    config["sensors"] = {"xvantage_orders": dict({"baseline_details_per_poll": 0},
                                                 **settings)}
    sensor, service = execute.make_sensor("xvantage_order_sensor", pack_config.prepare(config),
                                          datastore, strict=True)
    sensor.clock = server.emulator.clock.now
    sensor.setup()
    return sensor, service


def place(emulator, count, prefix, ago):
    now = emulator.clock.now()
    return emulator.xvantage.bulk_create(count, start=now - ago, end=now - 1, prefix=prefix)


def searches(emulator):
    return emulator.request_count(api="xvantage", method="GET", route=SEARCH)


def lag(sensor):
    return sensor.last_poll["default"]["lag"]["xvantage_order_sweep"]


def sweep(sensor, emulator, limit=10):
    """Polls a minute apart until the current sweep completes; the lag of each poll."""
    lags = []
    for _ in range(limit):
        emulator.clock.advance(61)
        sensor.poll()
        assert sensor.last_poll["default"]["ok"], sensor.last_poll
        lags.append(lag(sensor))
        if sensor.last_stats["default"]["sweep_complete"]:
            return lags
    raise AssertionError("the sweep did not complete in %d polls" % limit)


def test_a_sweep_over_several_polls_reports_its_lag(server, datastore):
    emulator = server.emulator
    emulator.clock.freeze()
    place(emulator, 1000, "BULK", 20 * DAY)
    in_window = len(emulator.xvantage.store.all())
    pages = int(math.ceil(in_window / 100.0))
    sensor, _ = new_sensor(server, datastore, max_search_pages_per_poll=4)
    needed = int(math.ceil(pages / 4.0))
    assert needed >= 3
    lags = sweep(sensor, emulator)
    assert len(lags) == needed
    assert [x["polls_needed"] for x in lags] == [needed] * needed
    assert [x["polls_behind"] for x in lags] == list(range(1, needed)) + [0]
    assert [x["pending"] for x in lags] == [in_window - 400 * n
                                            for n in range(1, needed)] + [0]
    # The second sweep knows its size from the start.
    assert sweep(sensor, emulator)[0] == {"polls_needed": needed, "polls_behind": 1,
                                          "pending": in_window - 400}


def test_default_settings_sweep_1900_orders_a_poll(server, datastore):
    emulator = server.emulator
    emulator.clock.freeze()
    place(emulator, 2000, "BULK", 20 * DAY)
    in_window = len(emulator.xvantage.store.all())
    sensor, _ = new_sensor(server, datastore)
    sweep(sensor, emulator)                             # the first poll also gets a token
    emulator.reset_counts()
    lags = sweep(sensor, emulator)
    assert len(lags) == int(math.ceil(in_window / 1900.0)) == 2
    assert lags[0] == {"polls_needed": 2, "polls_behind": 1, "pending": in_window - 1900}
    # 19 searches a poll (two requests of the budget of 20 kept spare), a poll a minute.
    assert searches(emulator) == int(math.ceil(in_window / 100.0))
    assert sensor.last_poll["default"]["requests"] <= 20


def test_a_restart_mid_sweep_goes_on_from_its_page_and_misses_nothing(server, datastore):
    emulator = server.emulator
    emulator.clock.freeze()
    place(emulator, 1000, "BULK", 20 * DAY)
    sensor, service = new_sensor(server, datastore, max_search_pages_per_poll=4)
    services = [service]
    sweep(sensor, emulator)                             # the baseline
    emulator.reset_counts()
    emulator.clock.advance(61)
    sensor.poll()                                       # pages 1-4 of the next sweep
    assert searches(emulator) == 4
    # New orders arrive (newest first, so every row moves to a later place) while the
    # sensor is down.
    placed = place(emulator, 30, "MID", 30)
    pages = int(math.ceil(len(emulator.xvantage.store.all()) / 100.0))
    sensor.cleanup()
    sensor, service = new_sensor(server, datastore, max_search_pages_per_poll=4)
    services.append(service)
    lags = sweep(sensor, emulator)
    # Went on from page 5: the pages left of the sweep, not a new one from page 1.
    assert searches(emulator) == pages
    assert lags[0]["polls_behind"] == 2
    more = place(emulator, 5, "LATE", 30)
    # Details beyond a poll's budget are read when a later sweep meets the order again.
    for _ in range(4):
        sweep(sensor, emulator)
    events = [(t, p) for s in services for t, p in s.dispatched]
    created = collections.Counter(p["order_number"] for t, p in events if t == CREATED)
    assert created == {number: 1 for number in placed + more}
    # Orders moving on meanwhile: each change once, each starting where the last ended.
    last = {}
    for trigger, payload in events:
        number = payload["order_number"]
        if trigger != CREATED and number in last:
            assert payload["previous_status"] == last[number]
        last[number] = payload["status"]


def test_only_changed_parts_are_written_once_a_poll(server, datastore):
    emulator = server.emulator
    emulator.clock.freeze()
    place(emulator, 1000, "BULK", 20 * DAY)
    sensor, service = new_sensor(server, datastore, max_search_pages_per_poll=4)
    sweep(sensor, emulator)
    real_set, real_dispatch = service.set_value, service.dispatch
    events = []

    def set_value(name, value, **kw):
        events.append(("set", name, len(value)))
        return real_set(name, value, **kw)

    def dispatch(trigger, payload=None, trace_tag=None):
        result = real_dispatch(trigger, payload)
        events.append(("dispatch", trigger, payload))
        return result
    service.set_value, service.dispatch = set_value, dispatch

    # Quiet polls in the middle of a sweep: the position only, one small value.
    for _ in range(2):
        del events[:]
        emulator.clock.advance(61)
        sensor.poll()
        assert not sensor.last_stats["default"]["sweep_complete"]
        assert [(e[0], e[1]) for e in events] == [("set", META)]
        assert events[0][2] < 1024
    # The poll that completes it: the position moves back to page 1 and is written once.
    del events[:]
    sweep(sensor, emulator)
    assert [(e[0], e[1]) for e in events] == [("set", META)]

    # Busy: new orders on the first page. Nothing is written while the events go out; then
    # each changed part once, the position last.
    placed = place(emulator, 12, "NEW", 30)
    del events[:]
    emulator.clock.advance(61)
    sensor.poll()
    dispatched = [e for e in events if e[0] == "dispatch"]
    assert sorted(e[2]["order_number"] for e in dispatched if e[1] == CREATED) == sorted(
        placed)
    last_dispatch = max(i for i, e in enumerate(events) if e[0] == "dispatch")
    assert all(e[0] != "set" for e in events[:last_dispatch])
    others = [e[1] for e in events if e[0] == "set"]
    assert any(".orders_" in name for name in others)
    assert len(others) == len(set(others)) and others[-1] == META
    assert len(events) - len(dispatched) <= len(set(others)) + 1
