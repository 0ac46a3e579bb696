"""A payload StackStorm would drop is never recorded as delivered.

st2's dispatch() returns nothing whether it published a payload or dropped it, so the
sensors check each payload with st2's rules first: a rejected event is logged with its
trigger and field, not checkpointed, and met again on the next poll; the webhook receiver
answers 500 so that Ingram delivers it again. The schemas are made stricter for a moment
here (an extra required field) to produce such an event from real emulator data.
"""

import copy
import logging

import pytest

from ingram_lib.core import payloads as trigger_payloads

from sensor_support import make_sensor, place, sensor_config
from test_sensor_xvantage_webhook import Receiver, status_event, webhook_config

CREATED = "ingram_micro.order_created"
EVENT = "ingram_micro.xvantage_order_event"


@pytest.fixture
def stricter(monkeypatch):
    """Makes ``trigger`` demand a field its payloads never carry, until the test undoes it."""
    gate = trigger_payloads.default_gate()
    original = gate.trigger_types

    def demand(trigger, field="never_sent"):
        types = copy.deepcopy(original)
        types[trigger]["payload_schema"]["properties"][field] = {
            "type": "string", "required": True, "description": "test only"}
        monkeypatch.setattr(gate, "trigger_types", types)

    def relax():
        monkeypatch.setattr(gate, "trigger_types", original)

    demand.relax = relax
    return demand


def test_rejected_order_event_is_logged_kept_and_dispatched_once_when_it_passes(
        server, emulator, datastore, stricter, caplog):
    emulator.clock.freeze()
    config = sensor_config(server)
    sensor, service = make_sensor("order_sensor", config, datastore, emulator)
    sensor.poll()                                  # first run: history recorded, silent
    new = place(emulator, po="PO-GATE")
    stricter(CREATED)
    with caplog.at_level(logging.ERROR):
        for _ in range(2):
            sensor.poll()
            outcome = sensor.last_poll["default"]
            assert outcome["ok"] is False and outcome["dispatched"] == 0
            assert "payload rejected at never_sent" in outcome["error"]
    assert service.dispatched == []
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any(CREATED in m and "never_sent" in m and "kept for the next poll" in m
               for m in errors), errors

    stricter.relax()
    sensor.poll()
    assert [(t, p["id"]) for t, p in service.dispatched] == [(CREATED, new["id"])]
    sensor.poll()
    assert len(service.dispatched) == 1


def test_rejected_order_event_survives_a_restart(server, emulator, datastore, stricter):
    emulator.clock.freeze()
    config = sensor_config(server)
    sensor, service = make_sensor("order_sensor", config, datastore, emulator)
    sensor.poll()
    new = place(emulator)
    stricter(CREATED)
    sensor.poll()
    sensor.cleanup()
    stricter.relax()
    again, service = make_sensor("order_sensor", config, datastore, emulator)
    again.poll()
    assert [p["id"] for _, p in service.dispatched] == [new["id"]]


def test_webhook_event_st2_would_drop_is_answered_500_and_accepted_on_redelivery(
        datastore, stricter):
    receiver = Receiver(datastore, webhook_config())
    try:
        stricter(EVENT)
        refused = receiver.post(status_event("GATE-1"))
        assert refused.status_code == 500
        assert "deliver again" in refused.json()["error"]
        assert receiver.service.dispatched == []
        stricter.relax()
        redelivered = receiver.post(status_event("GATE-1"))
        assert redelivered.status_code == 200
        assert redelivered.json()["accepted"] == ["GATE-1"]
        assert [p["event_id"] for _, p in receiver.service.dispatched] == ["GATE-1"]
    finally:
        receiver.stop()


def test_gate_names_trigger_and_field():
    gate = trigger_payloads.PayloadGate(validate=trigger_payloads.mirror_validate)
    good = {"account": "default", "id": "1", "status": "submitted",
            "detected_at": "2026-01-01T00:00:00Z", "first_run": False}
    gate.check(CREATED, good)
    with pytest.raises(trigger_payloads.PayloadRejected) as info:
        gate.check(CREATED, dict(good, id=7))
    assert (info.value.trigger, info.value.field) == (CREATED, "id")
    with pytest.raises(trigger_payloads.PayloadRejected) as info:
        gate.check(CREATED, {k: v for k, v in good.items() if k != "status"})
    assert info.value.field == "status"
    with pytest.raises(trigger_payloads.PayloadRejected) as info:
        gate.check("ingram_micro.no_such_trigger", good)
    assert "no such trigger type" in str(info.value)
