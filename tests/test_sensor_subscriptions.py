"""SubscriptionSensor against the emulator: status changes and expiry warnings that fire
once per subscription and expiry date, also across restarts."""

import datetime

import pytest

from emulator.marketplace import subscriptions as emu_subs

import clock_support
from clock_support import at_times_of_day
from sensor_support import make_sensor, names, poll, sensor_config

# conftest's emulator, started at the instant of each @at_times_of_day run.
server, time_of_day = clock_support.server, clock_support.time_of_day

CHANGED = "ingram_micro.subscription_status_changed"
EXPIRING = "ingram_micro.subscription_expiring"


def start(server, emulator, datastore, sensors=None):
    emulator.clock.freeze()
    config = sensor_config(server, sensors=sensors)
    return make_sensor("subscription_sensor", config, datastore, emulator)


def subs(emulator):
    return emulator.marketplace.state.subscriptions


def days_until(emulator, sub):
    today = emulator.clock.utcnow().date()
    return (datetime.date.fromisoformat(sub["expirationDate"]) - today).days


def set_expiry(emulator, sub, days):
    """``days`` from the emulator's today. Its clock stops first: a running one could pass
    midnight before the sensor counts the days left."""
    emulator.clock.freeze()
    when = emulator.clock.utcnow().date() + datetime.timedelta(days=days)
    sub["expirationDate"] = sub["renewalDate"] = when.isoformat()


@at_times_of_day
def test_expiring_fires_once_per_subscription_and_date(server, emulator, datastore):
    all_subs = list(subs(emulator).values())
    soon, later = all_subs[0], all_subs[1]
    set_expiry(emulator, soon, 10)
    set_expiry(emulator, later, 45)
    for other in all_subs[2:]:
        set_expiry(emulator, other, 200)
    sensor, service = start(server, emulator, datastore, sensors={"subscriptions": {
        "expiry_horizon_days": 30, "emit_existing_on_first_run": True}})
    fired = poll(sensor, service)
    assert [(t, p["id"], p["days_left"]) for t, p in fired] == [(EXPIRING, soon["id"], 10)]
    assert fired[0][1]["expirationDate"] == soon["expirationDate"]
    assert fired[0][1]["horizon_days"] == 30 and fired[0][1]["renewalStatus"] is True
    assert fired[0][1]["first_run"] is True
    assert poll(sensor, service) == []

    emulator.clock.advance(16 * 86400)  # later is now 29 days out
    fired = poll(sensor, service)
    assert names(fired, "subscription_expiring") == [later["id"]]
    assert fired[0][1]["first_run"] is False

    # A restarted sensor remembers what it fired.
    sensor.cleanup()
    again, service2 = make_sensor("subscription_sensor", sensor.pack_config, datastore,
                                  emulator)
    assert poll(again, service2) == []

    # Renewal moves the date: the warning is armed again for the new date.
    emu_subs.renew(emulator.marketplace.state, soon)
    set_expiry(emulator, soon, 60)
    assert poll(again, service2) == []
    emulator.clock.advance((days_until(emulator, soon) - 5) * 86400)
    fired = poll(again, service2)
    assert soon["id"] in names(fired, "subscription_expiring")


@pytest.mark.parametrize("emit", [False, True])
def test_first_run_reports_what_is_already_due_only_when_asked(server, emulator, datastore,
                                                               emit):
    all_subs = list(subs(emulator).values())
    due = all_subs[:3]
    for sub in due:
        set_expiry(emulator, sub, 5)
    for sub in all_subs[3:]:
        set_expiry(emulator, sub, 200)
    settings = {"expiry_horizon_days": 30}
    if emit:
        settings["emit_existing_on_first_run"] = True
    sensor, service = start(server, emulator, datastore, sensors={"subscriptions": settings})
    fired = poll(sensor, service)
    if emit:
        assert sorted(names(fired, "subscription_expiring")) == sorted(s["id"] for s in due)
        assert all(p["first_run"] is True for _, p in fired)
    else:
        assert fired == []
    # Neither setting repeats them, also after a restart.
    assert poll(sensor, service) == []
    sensor.cleanup()
    sensor, service = make_sensor("subscription_sensor", sensor.pack_config, datastore,
                                  emulator)
    assert poll(sensor, service) == []
    # What enters the horizon later fires in both cases, as does a renewed date.
    set_expiry(emulator, all_subs[3], 20)
    set_expiry(emulator, due[0], 25)
    fired = poll(sensor, service)
    assert sorted(names(fired, "subscription_expiring")) == sorted(
        [all_subs[3]["id"], due[0]["id"]])
    assert all(p["first_run"] is False for _, p in fired)


def test_status_changes_fire_once(server, emulator, datastore):
    for sub in subs(emulator).values():
        set_expiry(emulator, sub, 300)
    sensor, service = start(server, emulator, datastore)
    assert poll(sensor, service) == []
    first, second = list(subs(emulator).values())[:2]
    first["status"] = "hold"
    fired = poll(sensor, service)
    assert [(t, p["id"], p["previous_status"], p["status"]) for t, p in fired] == [
        (CHANGED, first["id"], "active", "hold")]
    assert poll(sensor, service) == []

    first["status"] = "active"
    emu_subs.terminate(emulator.marketplace.state, second)
    fired = poll(sensor, service)
    assert sorted((p["id"], p["previous_status"], p["status"]) for _, p in fired) == sorted(
        [(first["id"], "hold", "active"), (second["id"], "active", "terminated")])
    assert sensor.last_stats["default"]["detail_gets"] == 1
    assert poll(sensor, service) == []


def test_sweep_cycle_spreads_over_polls_within_budget(server, emulator, datastore):
    for sub in subs(emulator).values():
        set_expiry(emulator, sub, 300)
    sensor, service = start(server, emulator, datastore,
                            sensors={"max_requests_per_poll": 4})
    # The first poll also fetches a token.
    for _ in range(3):
        poll(sensor, service)
        assert sensor.last_poll["default"]["requests"] <= 4
    target = list(subs(emulator).values())[0]
    target["status"] = "hold"
    fired = []
    for _ in range(3):
        fired += poll(sensor, service)
    assert [(p["id"], p["status"]) for _, p in fired] == [(target["id"], "hold")]
