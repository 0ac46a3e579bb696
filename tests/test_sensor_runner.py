"""``python -m runner sensor ...`` runs a sensor for N polls against the emulator and prints
each trigger as a readable line plus its payload."""

import yaml

from runner.__main__ import describe_trigger, main
from runner.emulated import emulator_config

from sensor_support import place


def test_sensor_command_prints_triggers_and_poll_summaries(server, emulator, tmp_path,
                                                           capsys):
    new = place(emulator, po="EMU-HOLD")
    config = emulator_config(server.url, region=emulator.marketplace.region)
    config["sensors"] = {"orders": {"emit_existing_on_first_run": True}}
    path = tmp_path / "ingram_micro.yaml"
    path.write_text(yaml.safe_dump(config))
    store = str(tmp_path / "store.sqlite3")
    argv = ["--config", str(path), "--datastore", store, "sensor", "order_sensor",
            "--polls", "2", "--interval", "0"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert "ingram_micro.order_created" in out and new["orderNumber"] in out
    assert "poll 2/2, account default: 3 request(s), 0 trigger(s), ok" in err
    # A second run resumes from the datastore file: nothing is repeated.
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert out == "" and "0 trigger(s) dispatched" in err


def test_trigger_lines_name_the_object_and_the_change():
    changed = describe_trigger("ingram_micro.order_status_changed", {
        "account": "emea", "id": "7", "orderNumber": "CH000001", "previous_status":
        "processing", "previous_statusCode": "AS", "status": "completed",
        "statusCode": "CP"})
    assert changed.endswith("emea 7 CH000001: processing/AS -> completed/CP")
    expiring = describe_trigger("ingram_micro.subscription_expiring", {
        "account": "default", "id": "9", "name": "Office 365 E3", "status": "active",
        "expirationDate": "2026-12-01", "days_left": 9})
    assert expiring.endswith("Office 365 E3: expires 2026-12-01 (in 9 days)")


def test_sensor_command_prints_how_far_a_sweep_is_behind(server, emulator, tmp_path, capsys,
                                                        caplog):
    # 1 000 Xvantage orders in the window at 4 pages of 100 a poll: a sweep of 3 polls.
    now = emulator.clock.now()
    emulator.xvantage.bulk_create(1000, start=now - 5 * 86400, end=now - 60, prefix="LAG")
    config = emulator_config(server.url, region=emulator.marketplace.region)
    config["sensors"] = {"xvantage_orders": {"max_search_pages_per_poll": 4}}
    path = tmp_path / "ingram_micro.yaml"
    path.write_text(yaml.safe_dump(config))
    argv = ["--config", str(path), "--datastore", ":memory:", "sensor",
            "xvantage_order_sensor", "--polls", "2", "--interval", "0"]
    assert main(argv) == 0
    err = capsys.readouterr()[1]
    assert "    xvantage_order_sweep: pass needs 3 poll(s), 1 poll(s) behind, " in err
    assert "    xvantage_order_sweep: pass needs 3 poll(s), 2 poll(s) behind, " in err
    behind = [r.getMessage() for r in caplog.records if "is behind" in r.getMessage()]
    assert behind and "xvantage_order_sweep" in behind[0]
