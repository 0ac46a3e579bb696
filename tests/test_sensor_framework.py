"""The reusable sensor framework: state in the datastore, checkpoints, settings, and a
poll() that never raises."""

import json
import logging

import pytest

from runner import config as pack_config, loader
from runner.services import SensorService

from ingram_lib.core import times
from ingram_lib.sensing import order_watch, polling, subscription_watch
from ingram_lib.sensing.state import StateParts, StateStore, StateTooLarge, trim_oldest

from sensor_support import make_sensor, names, place, poll, sensor_config

# A payload st2 accepts for ingram_micro.order_created (dispatch checks it first).
CREATED_PAYLOAD = {"account": "default", "id": "1", "status": "submitted",
                   "detected_at": "2026-01-01T00:00:00Z", "first_run": False}


def kv(datastore):
    return SensorService(datastore, "OrderSensor", {})


def test_state_is_json_strings_under_account_keys(datastore):
    store = StateStore(kv(datastore), "orders", "emea")
    store.save("head", {"n": 42, "ids": ["1"]})
    raw = datastore.get("ingram_micro.sensor.orders.emea.head")
    assert isinstance(raw, str) and json.loads(raw) == {"ids": ["1"], "n": 42}
    assert store.load("head") == {"ids": ["1"], "n": 42}
    assert store.load("missing", {"x": 1}) == {"x": 1}


def test_corrupt_state_starts_afresh_and_oversized_state_is_refused(datastore, caplog):
    datastore.set("ingram_micro.sensor.orders.default.head", "{not json")
    store = StateStore(kv(datastore), "orders", "default", logger=logging.getLogger("t"))
    with caplog.at_level(logging.WARNING):
        assert store.load("head", {}) == {}
    assert "not JSON" in caplog.text
    small = StateStore(kv(datastore), "orders", "default", max_chars=20)
    with pytest.raises(StateTooLarge):
        small.save("open", {str(i): i for i in range(50)})


def test_dispatch_checkpoints_after_the_trigger_is_out(datastore):
    service = kv(datastore)
    sent = []
    service.dispatch = lambda trigger, payload: sent.append(
        datastore.get("ingram_micro.sensor.orders.default.seen"))
    parts = StateParts(StateStore(service, "orders", "default"), {"seen": []})
    assert parts.fresh == {"seen"}
    parts["seen"].append("1")
    parts.dispatch(service, "ingram_micro.order_created", CREATED_PAYLOAD, "seen")
    assert sent == [None]  # not yet written while dispatching
    # Written once at the end of the poll, not after each event...
    assert datastore.get("ingram_micro.sensor.orders.default.seen") is None
    parts.flush()
    assert json.loads(datastore.get("ingram_micro.sensor.orders.default.seen")) == ["1"]


def test_a_failed_poll_keeps_what_was_accepted_and_nothing_after_it(datastore):
    service = kv(datastore)
    service.dispatch = lambda trigger, payload: None
    parts = StateParts(StateStore(service, "orders", "default"), {"seen": []})
    parts["seen"].append("1")
    parts.dispatch(service, "ingram_micro.order_created", CREATED_PAYLOAD, "seen")
    parts["seen"].append("2")  # changed in memory, its event never went out
    parts.write_accepted()
    assert json.loads(datastore.get("ingram_micro.sensor.orders.default.seen")) == ["1"]


def test_trim_oldest_bounds_a_mapping():
    data = {str(i): i for i in range(10)}
    assert trim_oldest(data, 4, lambda v: v) == ["0", "1", "2", "3", "4", "5"]
    assert sorted(data) == ["6", "7", "8", "9"]


@pytest.mark.parametrize("text, expected", [
    ("2021-10-14T17:46:10Z", 1634233570.0),
    ("2021-10-14 17:46:10", 1634233570.0),
    ("2021-10-14T19:46:10+02:00", 1634233570.0),
    ("2021-10-14T17:46:10.500Z", 1634233570.5),
    ("2021-10-14", 1634169600.0),
    ("yesterday", None), (None, None), ("2021-13-40", None),
])
def test_parse_time_reads_every_format_the_api_uses(text, expected):
    assert times.parse_time(text) == expected


def test_code_defaults_match_config_schema():
    sensors = pack_config.load_schema()["sensors"]
    for key, value in polling.COMMON_DEFAULTS.items():
        assert pack_config.field_schema(sensors, key)["default"] == value, key
    checked = []
    for meta in loader.sensor_metas().values():
        cls = loader.sensor_class(meta)
        section = getattr(cls, "SECTION", None)
        if section is None:
            continue
        # Defaults live with the watcher, not in the sensor module, so the library's own
        # readers and the schema cannot drift apart unnoticed.
        assert cls.DEFAULTS is not polling.IngramPollingSensor.DEFAULTS, section
        props = pack_config.field_schema(sensors, section)["properties"]
        assert set(cls.DEFAULTS) <= set(props), section
        # A section may override a common key (sensors.max_requests_per_poll, ...), with
        # no default of its own so that the common value still applies.
        for key in set(props) - set(cls.DEFAULTS):
            assert key in polling.COMMON_DEFAULTS and "default" not in props[key], (section, key)
        for key, value in cls.DEFAULTS.items():
            assert props[key]["default"] == value, (section, key)
        checked.append(section)
    assert {"orders", "subscriptions", "xvantage_orders"} <= set(checked)


def test_poll_interval_comes_from_config_and_respects_st2_minimum(
        server, emulator, datastore):
    config = sensor_config(server, sensors={"orders": {"poll_interval": 45}})
    sensor, _ = make_sensor("order_sensor", config, datastore, emulator)
    assert sensor.get_poll_interval() == 45
    config = sensor_config(server)
    config["sensors"]["orders"] = {"poll_interval": 1}
    sensor, _ = make_sensor("order_sensor", config, datastore, emulator)
    assert sensor.get_poll_interval() == 4


@pytest.mark.parametrize("name", ["order_sensor", "subscription_sensor"])
def test_missing_config_is_logged_not_raised(name, server, emulator, datastore, caplog):
    sensor, service = make_sensor(name, {}, datastore, emulator, fast_retries=False)
    with caplog.at_level(logging.ERROR):
        sensor.poll()
    assert "no 'accounts'" in caplog.text
    assert service.dispatched == []


def test_server_errors_fail_the_poll_softly_and_the_next_poll_catches_up(
        server, emulator, datastore):
    emulator.clock.freeze()
    sensor, service = make_sensor("order_sensor", sensor_config(server, read_timeout=0.2),
                                  datastore, emulator)
    poll(sensor, service)
    new = place(emulator)
    emulator.faults.add(kind="status", status=500, api="marketplace", path="/orders")
    sensor.poll()  # must not raise
    assert not sensor.last_poll["default"]["ok"]
    assert "500" in sensor.last_poll["default"]["error"]
    assert service.dispatched == []
    emulator.faults.clear()
    emulator.faults.add(kind="status", status=429, retry_after=0.01, count=2)
    emulator.faults.add(kind="timeout", delay=0.5, count=1, path="/orders")
    assert names(poll(sensor, service)) == [new["id"]]


def test_one_broken_account_does_not_stop_the_others(server, emulator, datastore):
    emulator.clock.freeze()
    config = sensor_config(server, accounts=["good", "broken"])
    del config["accounts"]["broken"]["password"]
    sensor, service = make_sensor("order_sensor", config, datastore, emulator,
                                  fast_retries=False)
    sensor.poll()
    place(emulator)
    sensor.poll()
    assert not sensor.last_poll["broken"]["ok"]
    assert "password" in sensor.last_poll["broken"]["error"]
    assert [p["account"] for _, p in service.dispatched] == ["good"]


def test_a_body_that_is_not_a_list_fails_the_poll_instead_of_ending_the_walk(
        server, emulator, datastore):
    # A proxy answering 200 with its maintenance page: read as an empty list, it would end
    # the walk and take every open order for vanished.
    emulator.faults.add(kind="html200", api="marketplace", method="GET", path="/orders")
    config = sensor_config(server)
    sensor, service = make_sensor("order_sensor", config, datastore, emulator,
                                  fast_retries=False)
    sensor.poll()
    outcome = sensor.last_poll["default"]
    assert not outcome["ok"] and "not JSON" in outcome["error"]
    assert datastore.names("ingram_micro.sensor.orders.") == []


def test_crash_between_events_resumes_with_the_next_event(server, emulator, datastore):
    emulator.clock.freeze()
    config = sensor_config(server)
    sensor, service = make_sensor("order_sensor", config, datastore, emulator)
    poll(sensor, service)
    placed = [place(emulator)["id"] for _ in range(3)]
    real = service.dispatch
    calls = []

    def dispatch_then_die(trigger, payload=None, trace_tag=None):
        if len(calls) == 2:
            raise SystemError("sensor process killed")
        calls.append(payload["id"])
        return real(trigger, payload)
    service.dispatch = dispatch_then_die
    sensor.poll()
    assert len(calls) == 2
    again, service2 = make_sensor("order_sensor", config, datastore, emulator)
    rest = names(poll(again, service2))
    assert sorted(calls + rest) == sorted(placed)


def test_unchanged_state_is_not_written_again(datastore):
    store = StateStore(kv(datastore), "orders", "default")
    store.save("head", {"a": 1})
    store.save("head", {"a": 1})
    assert store.writes == 1
    again = StateStore(kv(datastore), "orders", "default")
    assert again.load("head") == {"a": 1}
    again.save("head", {"a": 1})
    again.save("head", {"a": 2})
    assert again.writes == 1 and json.loads(
        datastore.get("ingram_micro.sensor.orders.default.head")) == {"a": 2}


def test_quiet_polls_write_nothing(server, emulator, datastore):
    emulator.clock.freeze()
    sensor, service = make_sensor("order_sensor", sensor_config(server), datastore, emulator)
    poll(sensor, service)
    place(emulator)
    poll(sensor, service)
    writes = datastore.writes
    poll(sensor, service)
    poll(sensor, service)
    assert datastore.writes == writes


def test_sensor_yaml_poll_intervals_match_the_defaults():
    from runner import loader
    metas = loader.sensor_metas()
    assert metas["order_sensor"]["poll_interval"] == order_watch.DEFAULTS["poll_interval"]
    assert metas["subscription_sensor"]["poll_interval"] == \
        subscription_watch.DEFAULTS["poll_interval"]


def test_single_active_lets_one_copy_poll_and_another_take_over(server, emulator):
    from runner.datastore import Datastore
    now = [1000.0]
    store = Datastore(":memory:", clock=lambda: now[0])
    emulator.clock.freeze()
    config = sensor_config(server, sensors={"single_active": True})
    first, service1 = make_sensor("order_sensor", config, store, emulator)
    second, service2 = make_sensor("order_sensor", config, store, emulator)
    poll(first, service1)
    poll(second, service2)
    assert first.active and not second.active and second.last_poll == {}

    a = place(emulator)
    assert names(poll(first, service1)) == [a["id"]]
    assert poll(second, service2) == []

    first.cleanup()  # a clean stop hands over at once
    b = place(emulator)
    assert names(poll(second, service2)) == [b["id"]] and second.active

    # A copy that dies without cleanup holds the lease until its TTL runs out.
    third, service3 = make_sensor("order_sensor", config, store, emulator)
    c = place(emulator)
    assert poll(third, service3) == [] and not third.active
    now[0] += 3 * 30 + 61
    assert names(poll(third, service3)) == [c["id"]] and third.active
