"""Each of the pack's sensors in its own process, started as StackStorm 3.9.0's sensor
container starts it (``sensor_wrapper.py``'s command line, environment and PYTHONPATH, st2's
loader, config from the database, the real ``SensorService`` and datastore through st2api),
against the emulator: every trigger type the sensor YAMLs declare gets payloads that st2's
dispatcher accepts. Only RabbitMQ (and MongoDB, by mongomock) is replaced; see
``sensor_boot.py``.
"""

import datetime
import os
import sys

import pytest

pytest.importorskip("st2common")
# The fast tier's stand-ins provide st2common and st2reactor modules too; these do not.
pytest.importorskip("st2common.bootstrap.sensorsregistrar")
pytest.importorskip("st2reactor.container.process_container")
pytest.importorskip("st2api")
pytest.importorskip("mongomock")

import sensor_harness as harness  # noqa: E402

PACK = harness.PACK
ALL_TRIGGERS = sorted(ref for meta in harness.sensor_definitions().values()
                      for ref in harness.trigger_refs(meta))
# What the pack is known to declare: the declared set may grow, never lose one of these.
KNOWN_SENSORS = {"OrderSensor", "SubscriptionSensor", "XvantageOrderSensor",
                 "XvantageWebhookSensor", "XvantageInvoiceSensor", "XvantageRenewalSensor"}
KNOWN_TRIGGERS = {PACK + "." + name for name in (
    "order_created", "order_status_changed", "subscription_status_changed",
    "subscription_expiring", "xvantage_order_created", "xvantage_order_status_changed",
    "xvantage_order_event", "xvantage_stock_update", "xvantage_invoice_created",
    "xvantage_renewal_due")}
POLLING_SENSORS = sorted(name for name, meta in harness.sensor_definitions().items()
                         if meta.get("poll_interval"))


@pytest.fixture(scope="module")
def run():
    return harness.shared_run()


def payloads(run, trigger, **match):
    return [p for p in run.payloads.get(PACK + "." + trigger, [])
            if all(p.get(k) == v for k, v in match.items())]


def test_each_declared_sensor_ran_in_a_process_of_its_own(run):
    declared = set(harness.sensor_definitions())
    assert KNOWN_SENSORS <= declared
    assert set(ALL_TRIGGERS) >= KNOWN_TRIGGERS and len(ALL_TRIGGERS) == len(set(ALL_TRIGGERS))
    assert set(run.processes) == declared
    assert set(POLLING_SENSORS) == declared - {"XvantageWebhookSensor"}


def test_every_trigger_type_gets_payloads_past_st2s_dispatcher(run):
    missing = [ref for ref in ALL_TRIGGERS if not run.payloads.get(ref)]
    assert missing == [], "no payload reached the publisher for %s" % missing


def test_st2_dropped_nothing_and_the_sensors_logged_no_warning(run):
    for name, proc in run.processes.items():
        lines = proc.log.splitlines()
        dropped = [line for line in lines if any(m in line for m in harness.DROP_MARKERS)]
        assert dropped == [], (name, dropped)
        # The pack's own pre-dispatch check and its poll errors log warnings too.
        bad = [line for line in lines
               if " WARNING " in line or " ERROR " in line or "Traceback" in line]
        assert bad == [], (name, bad)


def test_every_poll_succeeded(run):
    for name in POLLING_SENSORS:
        polls = run.processes[name].of_kind("poll")
        assert len(polls) >= 2, name
        for poll in polls:
            assert poll["last_poll"] and all(
                outcome["ok"] for outcome in poll["last_poll"].values()), (name, poll)


def test_started_with_the_containers_command_line_and_environment(run):
    import st2reactor.container
    wrapper = os.path.join(os.path.dirname(st2reactor.container.__file__), "sensor_wrapper.py")
    for name, meta in harness.sensor_definitions().items():
        proc = run.processes[name]
        refs = ",".join("%s.%s" % (PACK, t["name"]) for t in meta["trigger_types"])
        expected = [
            sys.executable, harness.BOOT_SCRIPT,
            "--pack=%s" % PACK,
            "--file-path=%s" % os.path.join(os.path.dirname(proc.conf), "packs", PACK,
                                            "sensors", meta["entry_point"]),
            "--class-name=%s" % meta["class_name"],
            "--trigger-type-refs=%s" % refs,
            '--parent-args=["--config-file", "%s"]' % proc.conf,
        ]
        if meta.get("poll_interval"):
            expected.append("--poll-interval=%s" % meta["poll_interval"])
        assert proc.args == expected
        # sensor_boot checked these against the registered sensor, then handed them over.
        [boot] = proc.of_kind("boot")
        assert boot["argv"] == [wrapper] + expected[2:]
        assert boot["sys_path"][0] == os.path.dirname(wrapper)
        # get_sandbox_python_path: "" (the cwd) first, then the parent's site-packages.
        assert proc.pythonpath.startswith(":")
        assert "site-packages" in proc.pythonpath


def test_sensor_modules_load_with_only_sensors_on_the_path(run):
    for name, meta in harness.sensor_definitions().items():
        proc = run.processes[name]
        [loading] = proc.of_kind("loading")
        [loaded] = proc.of_kind("loaded")
        pack_dir = os.path.dirname(os.path.dirname(loading["file_path"]))
        lib = os.path.join(pack_dir, "actions", "lib")
        repo_lib = os.path.join(harness.PACK_ROOT, "actions", "lib")
        # The checkout may hold the st2 virtualenv (.st2venv); its pack code must not be
        # on the path, nor the installed pack's.
        checkout_code = [harness.PACK_ROOT + os.sep + d for d in ("actions", "sensors")]
        for path in loading["sys_path"]:
            assert not path.startswith(pack_dir), (name, path)
            assert path.rstrip(os.sep) != harness.PACK_ROOT, (name, path)
            assert not any(path.startswith(code) for code in checkout_code), (name, path)
        assert repo_lib not in loaded["sys_path"]
        # st2's loader adds the sensor's directory; the module itself adds actions/lib.
        added = [p for p in loaded["sys_path"] if p not in loading["sys_path"]]
        assert added == [os.path.join(pack_dir, "sensors"), lib], (name, added)
        assert loaded["class_name"] == meta["class_name"]


def test_the_datastore_went_through_st2api(run):
    for name in POLLING_SENSORS:
        api_log = run.processes[name].api_log
        assert "PUT /v1/keys/%s.sensor." % PACK in api_log, name
    # Webhook event ids are remembered there, so a redelivery is not dispatched again.
    assert "PUT /v1/keys/%s.sensor.xvantage_webhook.event." % PACK in \
        run.processes["XvantageWebhookSensor"].api_log


def test_order_payloads_carry_the_scenario_order(run):
    [created] = payloads(run, "order_created", id=run.ids["order_id"])
    assert created["orderNumber"] == run.ids["order_number"]
    assert created["first_run"] is True and created["account"] == "default"
    assert created["status"] in ("submitted", "processing")
    [cancelled] = payloads(run, "order_status_changed", id=run.ids["order_id"],
                           status="cancelled")
    assert cancelled["statusCode"] == "CL" and cancelled["final"] is True
    assert cancelled["previous_status"] in ("submitted", "processing")
    assert cancelled["status_changed"] is True


def test_subscription_payloads_carry_the_scenario_subscriptions(run):
    [expiring] = payloads(run, "subscription_expiring", id=run.ids["expiring_subscription"])
    assert expiring["first_run"] is True and expiring["horizon_days"] == 30
    detected = datetime.date.fromisoformat(expiring["detected_at"][:10])
    expires = datetime.date.fromisoformat(expiring["expirationDate"])
    assert expiring["days_left"] == (expires - detected).days
    assert 0 < expiring["days_left"] <= 30
    [held] = payloads(run, "subscription_status_changed", id=run.ids["held_subscription"])
    assert (held["previous_status"], held["status"]) == ("active", "hold")


def test_xvantage_order_payloads_carry_the_scenario_order(run):
    number = run.ids["xvantage_order"]
    [created] = payloads(run, "xvantage_order_created", order_number=number)
    assert created["customer_order_number"] == "ST2TIER-000001"
    assert created["details_read"] is True and created["lines"]
    changes = payloads(run, "xvantage_order_status_changed", order_number=number)
    assert changes
    change = changes[0]
    assert change["line_baseline"] is True
    assert change["status_changed"] or change["sub_order_changes"] or change["line_changes"]


def test_webhook_deliveries_become_xvantage_order_events(run):
    assert run.webhook_answers and all(status == 200 for _, status in run.webhook_answers)
    events = payloads(run, "xvantage_order_event")
    assert sorted({p["event_id"] for p in events}) == sorted(
        run.ids["webhook_events"] + [run.ids["async_create_event"]])
    [created] = payloads(run, "xvantage_order_event", event_id=run.ids["async_create_event"])
    assert created["kind"] == "async_order_create"
    assert created["order_numbers"] == ["20-ST201"]
    assert created["customer_order_number"] == "ST2TIER-PO-1"
    assert created["rejected_lines"][0]["rejectCode"] == "EN"


def test_the_shipped_order_is_invoiced_once_and_earlier_invoices_stay_silent(run):
    invoices = payloads(run, "xvantage_invoice_created")
    numbers = [p["invoice_number"] for p in invoices]
    assert numbers.count(run.ids["invoice"]) == 1
    # The emulator's seeded orders had shipped and been invoiced before the sensor started.
    assert run.ids["invoices_before"]
    assert set(numbers).isdisjoint(run.ids["invoices_before"])
    [invoice] = payloads(run, "xvantage_invoice_created", invoice_number=run.ids["invoice"])
    assert invoice["account"] == "default"
    # erpOrderNumber: the sub-order the invoice bills.
    assert invoice["order_number"].startswith(run.ids["xvantage_order"] + "-")
    assert invoice["customer_order_number"] == "ST2TIER-000001"
    assert isinstance(invoice["invoiced_amount_due"], float)


def test_the_renewal_fires_when_due_and_again_for_its_new_date(run):
    first, moved = payloads(run, "xvantage_renewal_due", renewal_id=run.ids["renewal"])
    assert first["previous_due_date"] is None and first["account"] == "default"
    assert 0 < first["days_left"] <= 30
    assert first["expiration_date"].startswith(first["due_date"])
    assert moved["previous_due_date"] == first["due_date"]
    first_due = datetime.date.fromisoformat(first["due_date"])
    assert datetime.date.fromisoformat(moved["due_date"]) == first_due + datetime.timedelta(5)
    assert moved["days_left"] - first["days_left"] in (4, 5)   # a day may pass meanwhile


def test_a_stock_change_becomes_one_stock_update_for_the_part(run):
    updates = payloads(run, "xvantage_stock_update")
    assert {p["event_id"] for p in updates} == set(run.ids["stock_events"])
    [part] = payloads(run, "xvantage_stock_update", ingram_part_number=harness.STOCK_PART)
    assert part["kind"] == "stock_update" and part["topic"] == "resellers/catalog"
    assert part["total_availability"] == run.ids["stock_level"] > 0
    assert part["total_availability_raw"] == str(run.ids["stock_level"])
    assert part["account"] == "default"
