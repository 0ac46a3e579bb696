"""Every Xvantage action through real HTTP against the emulator, as st2 would run it."""

import copy
import datetime
import json

import pytest

from ingram_lib.core.tokens import TokenCache

import clock_support
from clock_support import at_times_of_day

# conftest's emulator, started at the instant of each @at_times_of_day run.
server, time_of_day = clock_support.server, clock_support.time_of_day

HOLD_LINES = [{"customerLineNumber": "1", "ingramPartNumber": "DF4128", "quantity": 2},
              {"customerLineNumber": "2", "ingramPartNumber": "6YC337", "quantity": 1}]


def xv_posts(emulator, route="/resellers/v6/orders"):
    return emulator.request_count(api="xvantage", method="POST", route=route)


def create(run_action, number="PO-1001", lines=None, **kwargs):
    out = run_action("xvantage_create_order", customerOrderNumber=number,
                     lines=lines or HOLD_LINES, **kwargs)
    assert out.succeeded, out.result
    return out.result


def test_create_201_lists_the_order_and_every_accepted_line(run_action, emulator):
    result = create(run_action, shipToInfo={"companyName": "Contoso", "city": "Irvine",
                                            "state": "CA", "postalCode": "92612",
                                            "countryCode": "US"})
    assert result["httpStatus"] == 201 and result["outcome"] == "accepted"
    assert result["rejectedLines"] == [] and result["acceptedLineCount"] == 2
    assert result["summary"] == "all 2 line(s) accepted"
    number = result["ingramOrderNumbers"][0]
    assert emulator.xvantage.store.get(number).customer_order_number == "PO-1001"
    line = result["orders"][0]["lines"][0]
    assert isinstance(line["unitPrice"], float) and isinstance(line["quantityOrdered"], int)


def test_create_207_says_which_lines_were_rejected_and_why(run_action):
    lines = HOLD_LINES + [{"customerLineNumber": "3", "ingramPartNumber": "DF41281",
                           "quantity": 1}]
    result = create(run_action, "PO-207", lines=lines)
    assert result["httpStatus"] == 207 and result["outcome"] == "partial"
    assert result["rejectedLineCount"] == 1 and result["acceptedLineCount"] == 2
    rejected = result["rejectedLines"][0]
    assert rejected["customerLineNumber"] == "3"
    assert rejected["ingramPartNumber"] == "DF41281"
    assert rejected["rejectReason"] == "SKU-NOTFOUND DF41281"
    assert "line 3 (DF41281): SKU-NOTFOUND DF41281" in result["summary"]


def test_create_with_only_unknown_parts_fails_with_the_api_reason(run_action):
    out = run_action("xvantage_create_order", customerOrderNumber="PO-400",
                     lines=[{"ingramPartNumber": "NOPE01", "quantity": 1}])
    assert not out.succeeded
    assert out.result["status"] == 400
    assert "SKU-NOTFOUND" in out.result["message"]
    assert out.result["correlation_id"]


def test_bad_parameters_fail_before_any_request(run_action, emulator):
    emulator.reset_counts()
    out = run_action("xvantage_create_order", customerOrderNumber="P" * 36, lines=HOLD_LINES)
    assert not out.succeeded and out.result["parameter"] == "customerOrderNumber"
    out = run_action("xvantage_create_order", customerOrderNumber="PO-1",
                     lines=[{"ingramPartNumber": "DF4128", "quantity": 0}])
    assert out.result["parameter"] == "lines[0].quantity"
    out = run_action("xvantage_create_order_async", customerOrderNumber="P" * 19,
                     lines=HOLD_LINES)
    assert "at most 18" in out.result["message"]
    out = run_action("xvantage_get_order", ingramOrderNumber="20-ABCDEFGHIJK")
    assert out.result["parameter"] == "ingramOrderNumber"
    out = run_action("xvantage_search_orders", ingramOrderDateBt=["2025-01-31"])
    assert out.result["parameter"] == "ingramOrderDateBt"
    out = run_action("xvantage_modify_order", ingramOrderNumber="20-A0001",
                     lines=[{"addUpdateDeleteLine": "CHANGE", "ingramLineNumber": "001"}])
    assert out.result["parameter"] == "lines[0].addUpdateDeleteLine"
    assert emulator.request_count(api="xvantage") == 0


@at_times_of_day
def test_hold_release_then_status_progression_with_tracking_serials_invoices(
        run_action, emulator):
    number = create(run_action, customer_hold=True)["ingramOrderNumbers"][0]
    details = run_action("xvantage_get_order", ingramOrderNumber=number).result
    assert details["orderStatus"] == "ON HOLD"
    released = run_action("xvantage_release_order", ingramOrderNumber=number)
    assert released.succeeded and released.result["released"] is True
    assert run_action("xvantage_get_order", ingramOrderNumber=number).result[
        "orderStatus"] == "PROCESSING"
    emulator.clock.advance(5 * 3600)  # sub-orders -11 and -21 ship 2 h and 4 h after release
    details = run_action("xvantage_get_order", ingramOrderNumber=number).result
    assert details["orderStatus"] == "SHIPPED"
    assert details["subOrderNumbers"] == [number + "-11", number + "-21"]
    ipad = [li for li in details["lines"] if li["ingramPartNumber"] == "6YC337"][0]
    assert ipad["trackingNumbers"] and ipad["invoiceNumbers"]
    assert len(ipad["serialNumbers"]) == 1
    emulator.clock.advance(3 * 86400)
    details = run_action("xvantage_get_order", ingramOrderNumber=number).result
    assert details["orderStatus"] == "DELIVERED"
    assert {li["lineStatus"] for li in details["lines"]} == {"DELIVERED"}


def test_unreleased_hold_order_is_voided_after_24_hours(run_action, emulator):
    number = create(run_action, customer_hold=True)["ingramOrderNumbers"][0]
    emulator.clock.advance(24 * 3600 + 1)
    assert run_action("xvantage_get_order", ingramOrderNumber=number).result[
        "orderStatus"] == "CANCELLED"
    out = run_action("xvantage_release_order", ingramOrderNumber=number)
    assert not out.succeeded and out.result["status"] == 400
    assert "not placed on Customer Hold" in out.result["message"]


def test_cancel_a_held_order_and_405_with_a_clear_message_otherwise(run_action, emulator):
    held = create(run_action, "PO-H", customer_hold=True)["ingramOrderNumbers"][0]
    out = run_action("xvantage_cancel_order", ingramOrderNumber=held)
    assert out.succeeded and out.result["cancelled"] is True
    assert run_action("xvantage_get_order", ingramOrderNumber=held).result[
        "orderStatus"] == "CANCELLED"
    normal = create(run_action, "PO-N")["ingramOrderNumbers"][0]
    out = run_action("xvantage_cancel_order", ingramOrderNumber=normal)
    assert not out.succeeded and out.result["status"] == 405
    assert "cannot be cancelled" in out.result["message"]
    assert "not on hold" in out.result["message"]
    out = run_action("xvantage_cancel_order", ingramOrderNumber="20-ZZZZZ")
    assert out.result["status"] == 404 and out.result["error"] == "not_found"


def test_modify_adds_updates_and_deletes_lines_and_reports_rejections(run_action):
    number = create(run_action, customer_hold=True)["ingramOrderNumbers"][0]
    out = run_action("xvantage_modify_order", ingramOrderNumber=number, notes="rush", lines=[
        {"addUpdateDeleteLine": "ADD", "ingramPartNumber": "2GZ200", "quantity": 2},
        {"addUpdateDeleteLine": "UPDATE", "ingramLineNumber": "001", "quantity": 5},
        {"addUpdateDeleteLine": "DELETE", "ingramLineNumber": "002"},
        {"addUpdateDeleteLine": "ADD", "ingramPartNumber": "NOSUCH", "quantity": 1}])
    assert out.succeeded, out.result
    result = out.result
    assert result["outcome"] == "partial"
    assert result["rejectedLineItems"][0]["rejectReason"] == "ERROR-PART-NOT-FOUND"
    assert result["orderStatus"] == "ON HOLD"
    details = run_action("xvantage_get_order", ingramOrderNumber=number).result
    parts = {li["ingramPartNumber"]: li["quantityOrdered"] for li in details["lines"]}
    assert parts == {"DF4128": 5, "2GZ200": 2}
    assert details["notes"] == "rush"


def test_modify_of_a_released_order_is_refused(run_action):
    number = create(run_action)["ingramOrderNumbers"][0]
    out = run_action("xvantage_modify_order", ingramOrderNumber=number, notes="late")
    assert not out.succeeded and out.result["status"] == 400
    assert "already released" in out.result["message"]


def test_async_create_returns_the_confirmation_number(run_action, emulator):
    out = run_action("xvantage_create_order_async", customerOrderNumber="PO-V7",
                     lines=HOLD_LINES)
    assert out.succeeded, out.result
    assert out.result["confirmationNumber"].startswith("US-I-T-")
    found = run_action("xvantage_search_orders", customerOrderNumber="PO-V7").result
    assert found["count"] == 1


def test_search_filters_paging_and_all_pages(run_action, emulator):
    emulator.xvantage.bulk_create(230, prefix="PAGE")
    page = run_action("xvantage_search_orders", pageSize=100, pageNumber=3,
                      vendorName="").result
    assert page["pageNumber"] == 3 and page["recordsFound"] >= 230
    everything = run_action("xvantage_search_orders", all_pages=True).result
    assert everything["count"] == everything["recordsFound"] >= 230
    assert everything["truncated"] is False and everything["pages"] == 3
    numbers = [o["ingramOrderNumber"] for o in everything["orders"]]
    assert len(set(numbers)) == len(numbers)
    capped = run_action("xvantage_search_orders", all_pages=True, max_items=150).result
    assert capped["count"] == 150 and capped["truncated"] is True
    held = run_action("xvantage_search_orders", orderStatusIn=["ON HOLD"], all_pages=True)
    assert held.succeeded
    assert {o["subOrders"][0]["subOrderStatus"] for o in held.result["orders"]} == {"ON HOLD"}


def test_search_with_no_match_is_an_empty_result(run_action, emulator):
    out = run_action("xvantage_search_orders", customerOrderNumber="NO-SUCH-PO")
    assert out.succeeded
    assert out.result["orders"] == [] and out.result["recordsFound"] == 0
    out = run_action("xvantage_search_orders", customerOrderNumber="NO-SUCH-PO",
                     all_pages=True)
    assert out.succeeded and out.result["count"] == 0


@at_times_of_day
def test_search_by_shipping_data(run_action, emulator):
    number = create(run_action, "PO-SHIP")["ingramOrderNumbers"][0]
    emulator.clock.advance(5 * 3600)
    details = run_action("xvantage_get_order", ingramOrderNumber=number).result
    ipad = [li for li in details["lines"] if li["ingramPartNumber"] == "6YC337"][0]
    for key, value in (("serialNumber", ipad["serialNumbers"][0]),
                       ("trackingNumber", ipad["trackingNumbers"][0]),
                       ("ingramPartNumber", "6YC337"), ("orderStatus", "SHIPPED")):
        found = run_action("xvantage_search_orders", customerOrderNumber="PO-SHIP",
                           **{key: value}).result
        assert [o["ingramOrderNumber"] for o in found["orders"]] == [number], key
    # The days the order reports, not the clock's today: 5 h after an evening order the
    # clock shows the next day, and the shipment was on the day before.
    shipment = ipad["shipmentDetails"][0]
    shipped, invoiced = shipment["shippedDate"], shipment["invoiceDate"]
    found = run_action("xvantage_search_orders", shipDateBt=[shipped, shipped],
                       invoiceDateBt=[invoiced, invoiced]).result
    assert number in [o["ingramOrderNumber"] for o in found["orders"]]
    ordered = datetime.date.fromisoformat(details["ingramOrderDate"][:10])
    before = (ordered - datetime.timedelta(days=1)).isoformat()
    found = run_action("xvantage_search_orders", shipDateBt=[before, before]).result
    assert number not in [o["ingramOrderNumber"] for o in found["orders"]]


def test_timed_out_create_is_reconciled_not_resubmitted(run_action, config, emulator):
    emulator.faults.add(kind="timeout", api="xvantage", method="POST",
                        path="/resellers/v6/orders$", delay=3, count=1)
    fast = copy.deepcopy(config)
    fast["accounts"]["default"]["xvantage"]["order_timeout"] = 0.5
    out = run_action("xvantage_create_order", _config=fast, customerOrderNumber="PO-SLOW",
                     lines=HOLD_LINES)
    assert out.succeeded, out.result
    assert out.result["reconciled"] is True
    assert len(emulator.xvantage.store.by_customer_order_number("PO-SLOW")) == 1
    assert out.result["ingramOrderNumbers"] == [
        emulator.xvantage.store.by_customer_order_number("PO-SLOW")[0].number]
    assert xv_posts(emulator) == 1


def test_timed_out_create_with_duplicates_allowed_stays_unknown(run_action, config,
                                                                emulator):
    create(run_action, "PO-DUP")
    emulator.faults.add(kind="timeout", api="xvantage", method="POST",
                        path="/resellers/v7/orders$", delay=3, count=1)
    fast = copy.deepcopy(config)
    fast["accounts"]["default"]["xvantage"]["order_timeout"] = 0.5
    out = run_action("xvantage_create_order_async", _config=fast, customerOrderNumber="PO-DUP",
                     lines=HOLD_LINES, additionalAttributes=[
                         {"attributeName": "allowDuplicateCustomerOrderNumber",
                          "attributeValue": "true"}])
    assert not out.succeeded and out.result["error"] == "outcome_unknown"
    assert "may be older" in out.result["message"]
    assert xv_posts(emulator, "/resellers/v7/orders") == 1


def test_create_lost_before_processing_is_reported_unknown_not_resubmitted(
        run_action, emulator):
    emulator.faults.add(kind="status", status=503, api="xvantage", method="POST",
                        path="/resellers/v6/orders$", count=1)
    out = run_action("xvantage_create_order", customerOrderNumber="PO-LOST", lines=HOLD_LINES)
    assert not out.succeeded
    assert out.result["error"] == "outcome_unknown" and out.result["resubmitted"] is False
    assert "NOT resubmitted" in out.result["message"]
    assert xv_posts(emulator) == 1
    assert emulator.xvantage.store.by_customer_order_number("PO-LOST") == []


def test_token_is_reused_across_runs_via_the_datastore(run_action, emulator, datastore):
    run_action("xvantage_search_orders")
    TokenCache._memory.clear()  # a new st2 action process
    run_action("xvantage_search_orders")
    assert emulator.xvantage.auth.issued == 1
    stored = [n for n in datastore.names() if ".token.xvantage." in n]
    assert len(stored) == 1
    assert "emulator-client-secret" not in str(datastore.get(stored[0]))


def test_expired_token_in_the_datastore_is_replaced_once(run_action, emulator):
    run_action("xvantage_search_orders")
    emulator.xvantage.auth.revoke_all()
    TokenCache._memory.clear()
    out = run_action("xvantage_search_orders")
    assert out.succeeded and emulator.xvantage.auth.issued == 2


def test_header_limits_are_checked_before_sending(run_action, config, emulator):
    for setting, value, header in (("customer_number", "20-2222222222", "IM-CustomerNumber"),
                                   ("country_code", "USA", "IM-CountryCode"),
                                   ("sender_id", "s" * 33, "IM-SenderID")):
        bad = copy.deepcopy(config)
        bad["accounts"]["default"]["xvantage"][setting] = value
        out = run_action("xvantage_search_orders", _config=bad)
        assert not out.succeeded and out.result["error"] == "config_error"
        assert setting in out.result["message"] and header in out.result["message"]
    assert emulator.request_count(api="xvantage") == 0


def test_secrets_never_appear_in_results_or_logs(run_action, config, emulator, caplog):
    secret = config["accounts"]["default"]["xvantage"]["client_secret"]
    emulator.faults.add(kind="status", status=500, api="xvantage", path="/oauth/", count=1,
                        message="bad secret %s" % secret)
    out = run_action("xvantage_search_orders")
    assert not out.succeeded
    text = json.dumps(out.result) + caplog.text
    assert secret not in text and "********" in text
    ok = run_action("xvantage_search_orders")
    token = [t for t in emulator.xvantage.auth._tokens][0]
    assert token not in json.dumps(ok.result) + caplog.text


def test_api_request_reaches_any_path(run_action):
    out = run_action("xvantage_api_request", path="/resellers/v6/orders/search",
                     query={"orderStatus-in": ["ON HOLD", "PROCESSING"], "pageSize": 5})
    assert out.succeeded and out.result["httpStatus"] == 200
    assert out.result["body"]["pageSize"] == 5
    out = run_action("xvantage_api_request", path="/resellers/v6/../x")
    assert out.result["parameter"] == "path"


def test_sandbox_config_uses_the_sandbox_paths(run_action, config, emulator):
    sandbox = copy.deepcopy(config)
    sandbox["accounts"]["default"]["xvantage"]["sandbox"] = True
    from runner import config as pack_config
    sandbox = pack_config.prepare(sandbox)
    out = run_action("xvantage_get_order", _config=sandbox,
                     ingramOrderNumber=emulator.xvantage.store.all()[0].number,
                     simulateStatus="IM::SHIPPED")
    assert out.succeeded and out.result["orderStatus"] == "SHIPPED"


@pytest.mark.parametrize("simulate,expected", [("IM::HOLD", "ON HOLD"),
                                               ("IM::INVOICED", "SHIPPED")])
def test_simulate_status(run_action, emulator, simulate, expected):
    number = create(run_action, "PO-SIM")["ingramOrderNumbers"][0]
    out = run_action("xvantage_get_order", ingramOrderNumber=number, simulateStatus=simulate)
    assert out.result["orderStatus"] == expected
