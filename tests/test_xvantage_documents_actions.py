"""The Xvantage document actions (quotes, invoices, renewals, deals, returns) and ordering
from a quote, through real HTTP against the emulator, as st2 would run them."""

import copy
import datetime

import pytest

HOUR, DAY = 3600, 86400
SHIP_FROM = {"companyName": "ABC TECH", "contact": "Stark", "addressLine1": "1 Main St",
             "city": "Lenexa", "state": "KS", "postalCode": "66219", "countryCode": "US",
             "email": "stark@example.com"}


def ok(out):
    assert out.succeeded, out.result
    return out.result


def shipped_invoice(run_action, emulator, number, part="DF4128", quantity=3):
    ok(run_action("xvantage_create_order", customerOrderNumber=number,
                  lines=[{"ingramPartNumber": part, "quantity": quantity}]))
    emulator.clock.advance(5 * HOUR)
    found = ok(run_action("xvantage_search_invoices", customerOrderNumber=number))
    assert found["count"] == 1
    return found["invoices"][0]


def day(emulator, offset=0):
    return datetime.datetime.fromtimestamp(emulator.clock.now() + offset * DAY,
                                           tz=datetime.timezone.utc).strftime("%Y-%m-%d")


def posts(emulator, route):
    return emulator.request_count(api="xvantage", method="POST", route=route)


# -- quotes and quote to order -----------------------------------------------------------

def test_search_get_validate_and_order_a_quote(run_action, emulator):
    found = ok(run_action("xvantage_search_quotes", customerContact="buyer@reseller.example",
                          vendorName="LOGITECH"))
    quote = found["quotes"][0]["quoteNumber"]
    details = ok(run_action("xvantage_get_quote", quoteNumber=quote))
    assert details["status"] == "Ready to Order"
    valid = ok(run_action("xvantage_validate_quote", quoteNumber=quote))
    assert [line["ingramPartNumber"] for line in valid["lines"]] == [
        p["ingramPartNumber"] for p in details["products"]]
    ordered = ok(run_action("xvantage_create_order_async", customerOrderNumber="PO-QUOTE",
                            quoteNumber=quote))
    assert ordered["confirmationNumber"]
    order = emulator.xvantage.store.by_customer_order_number("PO-QUOTE")[0]
    assert order.total == details["extendedQuotePriceTotal"]
    again = run_action("xvantage_validate_quote", quoteNumber=quote)
    assert not again.succeeded and "Ready to Order" in again.result["message"]


def test_quote_search_with_no_match_is_empty_and_needs_a_contact(run_action):
    empty = ok(run_action("xvantage_search_quotes", customerContact="buyer@reseller.example",
                          quoteNumber="NOTHING"))
    assert empty["quotes"] == [] and empty["count"] == 0
    out = run_action("xvantage_search_quotes", customerContact="  ")
    assert not out.succeeded and out.result["parameter"] == "customerContact"


def test_an_async_order_needs_lines_or_a_quote(run_action, emulator):
    out = run_action("xvantage_create_order_async", customerOrderNumber="PO-NOTHING")
    assert not out.succeeded and out.result["parameter"] == "lines"
    assert posts(emulator, "/resellers/v7/orders") == 0


# -- invoices ----------------------------------------------------------------------------

def test_invoices_all_pages_in_the_order_asked(run_action, emulator):
    now = emulator.clock.now()
    emulator.xvantage.bulk_create(120, start=now - 4 * DAY, end=now - 3 * DAY, prefix="AI")
    result = ok(run_action("xvantage_search_invoices", all_pages=True, orderby="invoiceNumber",
                           direction="asc", max_items=150))
    numbers = [i["invoiceNumber"] for i in result["invoices"]]
    assert result["count"] == 150 and result["truncated"] is True
    assert numbers == sorted(numbers) and len(set(numbers)) == 150
    assert emulator.request_count(api="xvantage", route="/resellers/v6/invoices") == 2
    page = ok(run_action("xvantage_search_invoices", pageSize=10, pageNumber=2,
                         orderby="invoiceNumber", direction="asc"))
    assert [i["invoiceNumber"] for i in page["invoices"]] == numbers[10:20]


def test_get_invoice_with_serial_numbers(run_action, emulator):
    invoice = shipped_invoice(run_action, emulator, "PO-IPAD", part="6YC337", quantity=2)
    details = ok(run_action("xvantage_get_invoice", invoiceNumber=invoice["invoiceNumber"],
                            includeSerialNumbers=True))
    assert len(details["lines"][0]["serialNumbers"]) == 2
    by_order = ok(run_action("xvantage_get_invoice", invoiceNumber=invoice["erpOrderNumber"],
                             customerType="order"))
    assert by_order["invoiceNumber"] == invoice["invoiceNumber"]


@pytest.mark.parametrize("params,parameter", [
    ({"invoiceNumber": "1" * 12}, "invoiceNumber"),
    ({"invoiceToDueDate": "tomorrow"}, "invoiceToDueDate"),
    ({"invoiceFromDate": "01/02/2026"}, "invoiceFromDate"),
])
def test_invoice_search_parameters_are_checked_before_sending(run_action, emulator, params,
                                                              parameter):
    emulator.reset_counts()
    out = run_action("xvantage_search_invoices", **params)
    assert not out.succeeded and out.result["parameter"] == parameter
    assert emulator.request_count(api="xvantage") == 0


# -- renewals and deals ------------------------------------------------------------------

def test_renewals_coming_due_in_30_60_90_days(run_action, emulator):
    counts = [ok(run_action("xvantage_search_renewals", expirationDateFrom=day(emulator),
                            expirationDateTo=day(emulator, days)))["count"]
              for days in (30, 60, 90)]
    assert counts == [1, 2, 3]
    due = ok(run_action("xvantage_search_renewals", expirationDateFrom=day(emulator),
                        expirationDateTo=day(emulator, 90), sort="expirationDate,desc",
                        status="Open"))
    dates = [r["expirationDate"] for r in due["renewals"]]
    assert dates == sorted(dates, reverse=True)
    one = ok(run_action("xvantage_get_renewal", renewalId=str(due["renewals"][0]["renewalId"])))
    assert one["vendor"] == due["renewals"][0]["vendor"]
    out = run_action("xvantage_search_renewals", expirationDateFrom="2026-02-30")
    assert not out.succeeded and out.result["parameter"] == "expirationDateFrom"


def test_deals_search_and_details(run_action):
    deals = ok(run_action("xvantage_search_deals", all_pages=True))
    assert deals["count"] == 4
    deal = next(d for d in deals["deals"] if d["vendor"] == "LENOVO")
    details = ok(run_action("xvantage_get_deal", dealId=deal["dealId"],
                            vendorName=deal["vendor"]))
    assert details["products"][0]["ingramPartNumber"] == "CD9807"
    missing = run_action("xvantage_get_deal", dealId="NOPE", vendorName="LENOVO")
    assert not missing.succeeded and missing.result["status"] == 404


# -- returns -----------------------------------------------------------------------------

def create_return(run_action, invoice, reference, _config=None, **extra):
    params = dict(invoiceNumber=invoice["invoiceNumber"], invoiceDate=invoice["invoiceDate"],
                  ingramPartNumber="DF4128", quantity=1, referenceNumber=reference,
                  primaryReason="Product is defective", secondaryReason="Does not power on",
                  shipFromInfo=SHIP_FROM)
    params.update(extra)
    if _config is not None:
        return run_action("xvantage_create_return", _config=_config, **params)
    return run_action("xvantage_create_return", **params)


def test_create_search_and_get_a_return(run_action, emulator):
    invoice = shipped_invoice(run_action, emulator, "PO-RET")
    created = ok(create_return(run_action, invoice, "RMA-A", quantity=2))
    assert created["reconciled"] is False and created["caseRequestNumber"]
    emulator.clock.advance(3 * DAY)
    today = day(emulator)
    approved_on = day(emulator, -1)
    found = ok(run_action("xvantage_search_returns",
                          **{"modifiedOnBt": [approved_on, today]}))
    assert [r["caseRequestNumber"] for r in found["returnsClaims"]] == [
        created["caseRequestNumber"]]
    details = ok(run_action("xvantage_get_return",
                            caseRequestNumber=created["caseRequestNumber"]))
    assert details["status"] == "Approved" and details["products"][0]["quantity"] == 2
    too_many = create_return(run_action, invoice, "RMA-B", quantity=5)
    assert not too_many.succeeded and too_many.result["status"] == 400
    assert too_many.result["may_have_happened"] is False


def test_return_parameters_are_checked_before_sending(run_action, emulator):
    invoice = {"invoiceNumber": "123", "invoiceDate": "2026-01-01"}
    out = create_return(run_action, invoice, "RMA-C", shipFromInfo={"companyName": "X"})
    assert not out.succeeded and out.result["parameter"] == "shipFromInfo"
    out = create_return(run_action, invoice, "RMA-C", ingramPartNumber=None)
    assert not out.succeeded and out.result["parameter"] == "ingramPartNumber"
    assert posts(emulator, "/resellers/v6/returns/create") == 0


def test_lost_answer_of_a_return_create_is_reconciled_not_resent(run_action, config,
                                                                 emulator):
    invoice = shipped_invoice(run_action, emulator, "PO-LOSTRMA")
    emulator.faults.add(kind="timeout", api="xvantage", method="POST",
                        path="/resellers/v6/returns/create$", delay=3, count=1)
    fast = copy.deepcopy(config)
    fast["accounts"]["default"]["xvantage"]["order_timeout"] = 0.5
    out = create_return(run_action, invoice, "RMA-LOST", _config=fast)
    result = ok(out)
    assert result["reconciled"] is True
    cases = list(emulator.xvantage.store._documents_returns.cases.values())
    assert [c.number for c in cases] == [result["caseRequestNumber"]]
    assert posts(emulator, "/resellers/v6/returns/create") == 1


def test_return_create_lost_before_processing_is_unknown_with_its_lookup(run_action,
                                                                         emulator):
    invoice = shipped_invoice(run_action, emulator, "PO-503RMA")
    emulator.faults.add(kind="status", status=503, api="xvantage", method="POST",
                        path="/resellers/v6/returns/create$", count=1)
    out = create_return(run_action, invoice, "RMA-503")
    assert not out.succeeded and out.result["error"] == "outcome_unknown"
    assert out.result["may_have_happened"] is True
    assert out.result["lookup"] == {"referenceNumber": "RMA-503"}
    assert "NOT resubmitted" in out.result["message"]
    assert posts(emulator, "/resellers/v6/returns/create") == 1
