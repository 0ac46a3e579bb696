"""OrderSensor against the emulator over real HTTP: new orders, status changes, first run,
restarts, several accounts."""

import json

from emulator.marketplace import orders as emu_orders

import clock_support
from clock_support import at_times_of_day
from sensor_support import make_sensor, names, order, place, poll, sensor_config, settle

# conftest's emulator, started at the instant of each @at_times_of_day run.
server, time_of_day = clock_support.server, clock_support.time_of_day

CREATED = "ingram_micro.order_created"
CHANGED = "ingram_micro.order_status_changed"


def start(server, emulator, datastore, sensors=None, **kw):
    emulator.clock.freeze()
    config = sensor_config(server, sensors=sensors, **kw)
    return make_sensor("order_sensor", config, datastore, emulator)


def test_first_run_records_history_without_firing(server, emulator, datastore):
    place(emulator)  # open before the sensor ever ran
    sensor, service = start(server, emulator, datastore)
    assert poll(sensor, service) == []
    keys = datastore.names("ingram_micro.sensor.orders.default.")
    parts = {k.rsplit(".", 1)[1] for k in keys}
    # The head and the buckets holding the open order; parts still empty are not written.
    assert "head" in parts and len(parts) >= 2
    assert parts <= {"closed", "head", "pending"} | {"open_%x" % i for i in range(16)}
    for key in keys:
        assert isinstance(datastore.get(key), str)
        json.loads(datastore.get(key))
    assert poll(sensor, service) == []


def test_new_order_then_each_status_change_fires_once(server, emulator, datastore):
    sensor, service = start(server, emulator, datastore)
    poll(sensor, service)
    new = place(emulator, po="PO-77")
    fired = poll(sensor, service)
    assert [t for t, _ in fired] == [CREATED]
    payload = fired[0][1]
    assert payload["id"] == new["id"] and payload["orderNumber"] == new["orderNumber"]
    assert payload["status"] == "submitted" and payload["type"] == "sales"
    assert payload["account"] == "default" and payload["first_run"] is False
    assert poll(sensor, service) == []

    emulator.clock.advance(5)
    fired = poll(sensor, service)
    assert len(fired) == 1 and fired[0][0] == CHANGED
    change = fired[0][1]
    assert (change["previous_status"], change["status"]) == ("submitted", "processing")
    assert (change["previous_statusCode"], change["statusCode"]) == (None, "AS")
    assert change["status_changed"] is True and change["final"] is False

    emulator.clock.advance(60)
    fired = poll(sensor, service)
    assert len(fired) == 1
    done = fired[0][1]
    assert (done["previous_status"], done["status"], done["statusCode"]) == (
        "processing", "completed", "CP")
    assert done["final"] is True and done["provisioningDate"] and done["subscriptionId"]
    assert poll(sensor, service) == []


def test_status_code_only_change_fires(server, emulator, datastore):
    sensor, service = start(server, emulator, datastore)
    poll(sensor, service)
    new = place(emulator, po="EMU-HOLD")
    emulator.clock.advance(5)
    assert [t for t, _ in poll(sensor, service)] == [CREATED]
    fired = poll(sensor, service)
    assert fired == [] or fired[0][1]["status"] == "processing"
    settle(emulator)
    order(emulator, new["id"])["statusCode"] = "LO"
    fired = poll(sensor, service)
    assert len(fired) == 1
    assert fired[0][1]["status_changed"] is False
    assert (fired[0][1]["previous_statusCode"], fired[0][1]["statusCode"]) == ("AS", "LO")


def test_error_order_is_watched_until_fixed(server, emulator, datastore):
    sensor, service = start(server, emulator, datastore,
                            sensors={"orders": {"error_sweep_interval": 0}})
    poll(sensor, service)
    bad = place(emulator, po="EMU-ERROR")
    poll(sensor, service)
    emulator.clock.advance(5)
    poll(sensor, service)
    emulator.clock.advance(60)
    fired = poll(sensor, service)
    assert [(p["status"], p["statusCode"], p["final"]) for _, p in fired] == [
        ("error", "ER", True)]
    assert poll(sensor, service) == []
    emu_orders.force(emulator.marketplace.state, order(emulator, bad["id"]), "processing")
    fired = poll(sensor, service)
    assert [(p["previous_status"], p["status"]) for _, p in fired] == [
        ("error", "processing")]


def test_cancelled_order_fires_final_change(server, emulator, datastore):
    sensor, service = start(server, emulator, datastore)
    poll(sensor, service)
    new = place(emulator)
    poll(sensor, service)
    emu_orders.update(emulator.marketplace.state, order(emulator, new["id"]),
                      {"statusCode": "CL"})
    fired = poll(sensor, service)
    assert [(p["status"], p["statusCode"], p["final"]) for _, p in fired] == [
        ("cancelled", "CL", True)]


def test_emit_existing_on_first_run(server, emulator, datastore):
    first = place(emulator)
    second = place(emulator, po="EMU-HOLD")
    sensor, service = start(server, emulator, datastore,
                            sensors={"orders": {"emit_existing_on_first_run": True}})
    fired = poll(sensor, service)
    assert sorted(names(fired, "order_created")) == sorted([first["id"], second["id"]])
    assert all(p["first_run"] for _, p in fired)
    assert poll(sensor, service) == []


def test_restart_resumes_without_repeats_or_gaps(server, emulator, datastore):
    sensor, service = start(server, emulator, datastore)
    poll(sensor, service)
    a = place(emulator)
    assert names(poll(sensor, service)) == [a["id"]]
    sensor.cleanup()
    # While the sensor is down: a new order, and a's life cycle moves on.
    b = place(emulator)
    emulator.clock.advance(5)
    again, service2 = make_sensor("order_sensor", sensor.pack_config, datastore, emulator)
    fired = poll(again, service2)
    assert sorted((t.rsplit(".", 1)[1], p["id"]) for t, p in fired) == sorted(
        [("order_created", b["id"]), ("order_status_changed", a["id"])])
    assert poll(again, service2) == []


def test_orders_arriving_while_paging_are_reported_once(server, emulator, datastore):
    sensor, service = start(server, emulator, datastore)
    poll(sensor, service)
    placed = [place(emulator)["id"] for _ in range(150)]  # more than the first page
    client = sensor.client("default")
    real_get = client.get
    extra = []

    def get_and_insert(path, params=None):
        answer = real_get(path, params)
        if path == "/orders" and not (params or {}).get("status") and len(extra) < 3:
            # New orders push every row one place down between two page requests.
            extra.append(place(emulator)["id"])
        return answer
    client.get = get_and_insert
    fired = poll(sensor, service)
    client.get = real_get
    fired += poll(sensor, service)
    created = names(fired, "order_created")
    assert sorted(created) == sorted(placed + extra)
    assert len(created) == len(set(created))


def test_backlog_larger_than_budget_is_spread_over_polls(server, emulator, datastore):
    sensor, service = start(server, emulator, datastore,
                            sensors={"max_requests_per_poll": 4})
    poll(sensor, service)
    placed = {place(emulator)["id"] for _ in range(1300)}
    seen, polls = [], 0
    while len(seen) < len(placed) and polls < 10:
        fired = poll(sensor, service)
        polls += 1
        assert sensor.last_poll["default"]["requests"] <= 4
        seen += names(fired, "order_created")
    assert polls > 1
    assert sorted(seen) == sorted(placed)
    assert poll(sensor, service) == []


def test_many_orders_closing_at_once_are_found_with_few_requests(server, emulator, datastore):
    sensor, service = start(server, emulator, datastore)
    poll(sensor, service)
    ids = [place(emulator)["id"] for _ in range(40)]
    emulator.clock.advance(5)
    poll(sensor, service)
    poll(sensor, service)
    emulator.clock.advance(60)
    fired = poll(sensor, service)
    assert sorted(names(fired, "order_status_changed")) == sorted(ids)
    assert all(p["status"] == "completed" for _, p in fired)
    # Three requests to notice, a terminal-status sweep instead of 40 GETs.
    assert sensor.last_poll["default"]["requests"] <= 6
    assert sensor.last_stats["default"]["detail_gets"] == 0


def test_each_account_has_its_own_state_and_triggers(server, emulator, datastore):
    sensor, service = start(server, emulator, datastore, accounts=["emea", "us"])
    poll(sensor, service)
    new = place(emulator)
    fired = poll(sensor, service)
    assert sorted((p["account"], p["id"]) for _, p in fired) == [
        ("emea", new["id"]), ("us", new["id"])]
    assert datastore.names("ingram_micro.sensor.orders.emea.")
    assert datastore.names("ingram_micro.sensor.orders.us.")

    only, service2 = make_sensor(
        "order_sensor", sensor_config(server, sensors={"accounts": ["us"]},
                                      accounts=["emea", "us"]), datastore, emulator)
    place(emulator)
    assert {p["account"] for _, p in poll(only, service2)} == {"us"}


def test_order_listed_after_the_overlap_window_is_still_reported_as_new(
        server, emulator, datastore):
    sensor, service = start(server, emulator, datastore, sensors={"orders": {
        "overlap_seconds": 60}})
    poll(sensor, service)
    emulator.clock.advance(600)
    newest = place(emulator, po="EMU-HOLD")
    assert names(poll(sensor, service)) == [newest["id"]]
    # Listed only now, with a creation time long before the newest order seen (as when
    # placing it took minutes while other orders went in).
    late = place(emulator, po="EMU-HOLD")
    stored = order(emulator, late["id"])
    stored["_created"] -= 400
    stored["creationDate"] = emu_orders.iso(stored["_created"])
    fired = poll(sensor, service)
    assert [(t, p["id"], p["status"]) for t, p in fired] == [(CREATED, late["id"], "submitted")]
    assert poll(sensor, service) == []
    emulator.clock.advance(5)
    assert sorted(names(poll(sensor, service), "order_status_changed")) == sorted(
        [newest["id"], late["id"]])


@at_times_of_day
def test_new_orders_survive_a_server_that_reads_creation_time_as_local_time(
        server, emulator, datastore):
    sensor, service = start(server, emulator, datastore)
    poll(sensor, service)
    client = sensor.client("default")
    real_get = client.get

    def as_if_local_time_were_utc_minus_10(path, params=None):
        params = dict(params or {})
        if params.get("creationTimeFrom"):
            shifted = emu_orders.parse_time("t", params["creationTimeFrom"]) + 10 * 3600
            params["creationTimeFrom"] = emu_orders.iso(shifted)
        return real_get(path, params)
    client.get = as_if_local_time_were_utc_minus_10
    emulator.clock.advance(3600)
    first = place(emulator)
    assert names(poll(sensor, service), "order_created") == [first["id"]]
    emulator.clock.advance(120)
    second = place(emulator)
    assert names(poll(sensor, service), "order_created") == [second["id"]]
