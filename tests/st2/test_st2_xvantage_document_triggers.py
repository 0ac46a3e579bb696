"""xvantage_invoice_created, xvantage_renewal_due and xvantage_stock_update through
StackStorm's own dispatcher.

The sensors run in this process on st2's base classes against the emulator; every payload
they dispatch goes through st2's TriggerDispatcherService validation against the trigger
type st2's registrar stored (tests/conftest.py), and the strict sensor service raises on a
payload st2 would drop. Each test also hands one payload, spoiled the way an API drifts, to
st2: it must refuse it, so the check that passed the real ones is live."""

import copy

import pytest

pytest.importorskip("st2common")
pytest.importorskip("st2common.bootstrap.sensorsregistrar")

from runner import loader  # noqa: E402

from ingram_lib.core import payloads as trigger_payloads  # noqa: E402
from payload_corpus import PACK_CASES  # noqa: E402

from emulator.xvantage import renewals as emu_renewals  # noqa: E402
from test_sensor_xvantage_invoices import invoices, new_sensor as invoice_sensor  # noqa: E402
from test_sensor_xvantage_invoices import place  # noqa: E402
from test_sensor_xvantage_renewals import new_sensor as renewal_sensor  # noqa: E402
from test_sensor_xvantage_stock import Receiver, stock_event  # noqa: E402

INVOICE = "ingram_micro.xvantage_invoice_created"
RENEWAL = "ingram_micro.xvantage_renewal_due"
STOCK = "ingram_micro.xvantage_stock_update"
HOUR = 3600.0


def _accepted(st2, service, trigger):
    payloads = [p for t, p in service.dispatched if t == trigger]
    assert payloads and service.dropped == []
    for payload in payloads:
        assert st2.dispatch_verdict(trigger, copy.deepcopy(payload)) is None, payload
    return payloads


def test_the_three_trigger_types_are_registered_as_the_pack_declares_them(st2):
    from st2common.persistence.trigger import TriggerType
    declared = loader.trigger_types()
    for ref in (INVOICE, RENEWAL, STOCK):
        stored = TriggerType.get_by_ref(ref)
        assert stored is not None, ref
        assert stored.payload_schema == declared[ref]["payload_schema"]


@pytest.mark.parametrize("ref,schema,payload", [
    case for case in PACK_CASES if case[0] in (INVOICE, RENEWAL, STOCK)])
def test_the_packs_own_check_gives_st2s_verdict_on_these_triggers(st2, ref, schema, payload):
    """The sensors dispatch only what the pack's check passes; it must judge these three
    schemas as st2 does (the shared corpus: each field missing, null and mistyped)."""
    try:
        trigger_payloads.mirror_validate(copy.deepcopy(payload), schema)
        ours = True
    except Exception:
        ours = False
    assert ours == (st2.dispatch_verdict(ref, copy.deepcopy(payload)) is None), payload


def test_invoice_payloads_pass_st2_once_each_across_a_restart(st2, server, datastore):
    emulator = server.emulator
    emulator.clock.freeze()
    sensor, service = invoice_sensor(server, datastore, page_size=3,
                                     max_search_pages_per_poll=2)
    sensor.poll()
    baseline = invoices(emulator)
    place(emulator, 6, "ST2")
    emulator.clock.advance(7 * HOUR)
    sensor.poll()
    sensor.cleanup()
    again, again_service = invoice_sensor(server, datastore, page_size=3,
                                          max_search_pages_per_poll=2)
    for _ in range(4):
        again.poll()
    payloads = (_accepted(st2, service, INVOICE) +
                [p for t, p in again_service.dispatched if t == INVOICE])
    numbers = [p["invoice_number"] for p in payloads]
    assert sorted(numbers) == sorted(invoices(emulator) - baseline)
    spoiled = dict(payloads[0], invoiced_amount_due="N/A")
    assert st2.dispatch_verdict(INVOICE, spoiled) is not None


def test_renewal_payloads_pass_st2_once_per_renewal_and_date(st2, server, datastore):
    emulator = server.emulator
    emulator.clock.freeze()
    sensor, service = renewal_sensor(server, datastore)
    sensor.poll()
    renewal = emu_renewals.book(emulator.xvantage.store).add(9)
    sensor.poll()
    renewal.expires += 3 * 86400
    sensor.poll()
    sensor.poll()
    payloads = _accepted(st2, service, RENEWAL)
    assert [(p["renewal_id"], p["previous_due_date"] is None) for p in payloads] == [
        (str(renewal.id), True), (str(renewal.id), False)]
    spoiled = dict(payloads[0], days_left="9")
    assert st2.dispatch_verdict(RENEWAL, spoiled) is not None


def test_stock_update_payloads_pass_st2(st2, datastore):
    rec = Receiver(datastore)
    try:
        assert rec.post(stock_event("ST2-STOCK-1")).status_code == 200
        messy = stock_event("ST2-STOCK-2")
        messy["resource"][0].update(totalAvailability="N/A", backOrderFlag=None,
                                    upcCode=886734869201, links={"href": "/x"})
        assert rec.post(messy).status_code == 200
        payloads = _accepted(st2, rec.service, STOCK)
        assert len(payloads) == 4
        spoiled = dict(payloads[0], total_availability="120")
        assert st2.dispatch_verdict(STOCK, spoiled) is not None
    finally:
        rec.stop()
