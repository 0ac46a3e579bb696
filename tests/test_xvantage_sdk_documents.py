"""Contract check of the emulator's quotes, invoices, renewals, deals and returns: every
operation of the official SDK's ``QuotesApi``, ``InvoicesApi``, ``RenewalsApi``,
``DealsApi`` and ``ReturnsApi``, over real HTTP, reads back exactly what the emulator sent
(the SDK drops unknown fields and refuses wrong types, so equality means the emulator's
bodies are typed as the SDK's models say).

Error bodies are checked as each operation declares them: quotes and invoices answer the
wrapped ``ErrorResponse``; validate-quote, renewals, deals and returns a flat
``{traceid, type, fields}`` that the SDK parses into its own models; an unknown id on a
details operation (not in the SDK's response maps) reaches the caller as the raw body.
"""

import datetime
import json
import uuid

import pytest
import xi.sdk.resellers as sdk
from xi.sdk.resellers.exceptions import BadRequestException, NotFoundException

CUSTOMER, COUNTRY, SENDER, APP = "20-222222", "US", "sdk-tests", "sdk-app"


def _without_none(value):
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


def assert_lossless(response):
    """The SDK model holds exactly what the emulator sent (dates compared as text)."""
    sent = _without_none(json.loads(response.raw_data))
    # Nullable fields come back as None from to_dict(); they were not sent.
    got = _without_none(json.loads(json.dumps(response.data.to_dict(), default=str)))
    assert got == sent
    return sent


def new_token(server):
    token_api = sdk.AccesstokenApi(sdk.ApiClient(sdk.Configuration(host=server.url)))
    return token_api.get_accesstoken("client_credentials", "emulator-client",
                                     "emulator-client-secret").access_token


@pytest.fixture
def client(server):
    return sdk.ApiClient(sdk.Configuration(host=server.url, access_token=new_token(server)))


def ids(**extra):
    out = dict(im_customer_number=CUSTOMER, im_country_code=COUNTRY,
               im_correlation_id=uuid.uuid4().hex)
    out.update(extra)
    return out


def shipped_order(client, emulator, number, lines):
    """A v6 order placed and shipped (the clock moved past its ship time)."""
    body = sdk.OrderCreateRequest.from_dict({"customerOrderNumber": number, "lines": lines})
    created = sdk.OrdersApi(client).post_createorder_v6(
        order_create_request=body, **ids(im_sender_id=SENDER))
    emulator.clock.advance(5 * 3600)
    return created.orders[0].ingram_order_number


# -- quotes ------------------------------------------------------------------------------

def test_quote_search_details_and_validate(client):
    quotes = sdk.QuotesApi(client)
    found = quotes.get_quotessearch_v6_with_http_info(
        im_customer_contact="buyer@reseller.example", sort_by="quoteNumber",
        sorting_order="asc", page_size=2, **ids())
    sent = assert_lossless(found)
    assert sent["recordsFound"] == 3 and len(sent["quotes"]) == 2 and "nextPage" in sent
    numbers = [q.quote_number for q in found.data.quotes]
    assert numbers == sorted(numbers)
    ready = quotes.get_quotessearch_v6_with_http_info(
        im_customer_contact="buyer@reseller.example", status="Ready to Order",
        vendor_name="logitech", **ids())
    assert_lossless(ready)
    quote = ready.data.quotes[0]
    assert quote.links.href.endswith(quote.quote_number)
    details = quotes.get_resellers_v6_quotes_with_http_info(
        quote_number=quote.quote_number, **ids(im_sender_id=SENDER))
    assert_lossless(details)
    assert details.data.products[0].price.quote_price < details.data.products[0].price.msrp
    assert details.data.extended_quote_price_total == quote.quote_total
    valid = quotes.get_reseller_v6_validate_quote_with_http_info(quote.quote_number, **ids())
    assert_lossless(valid)
    assert [line.quantity for line in valid.data.lines] == [
        p.quantity for p in details.data.products]


def test_quote_errors(client):
    quotes = sdk.QuotesApi(client)
    with pytest.raises(NotFoundException) as info:
        quotes.get_quotessearch_v6(im_customer_contact="buyer@reseller.example",
                                   quote_number="NOPE", **ids())
    assert info.value.data.errors[0].message == "No records found for the provided criteria."
    with pytest.raises(NotFoundException) as info:
        quotes.get_resellers_v6_quotes(quote_number="QUO-1-NOPE", **ids())
    assert info.value.data is None and "not found" in json.loads(info.value.body)[
        "errors"][0]["message"]
    with pytest.raises(BadRequestException) as info:
        quotes.get_reseller_v6_validate_quote("QUO-1-NOPE", **ids())
    error = info.value.data  # the flat model of validate-quote's 400
    assert error.traceid and error.fields[0].var_field == "quoteNumber"
    assert "not found" in error.fields[0].message


# -- invoices ----------------------------------------------------------------------------

def test_invoice_search_ordering_and_details(client, emulator):
    number = shipped_order(client, emulator, "SDK-INV", [
        {"customerLineNumber": "1", "ingramPartNumber": "6YC337", "quantity": 2}])
    invoices = sdk.InvoicesApi(client)
    found = invoices.get_resellers_v6_invoicesearch_with_http_info(
        APP, customer_order_number="SDK-INV", **ids())
    sent = assert_lossless(found)
    assert sent["recordsFound"] == 1
    invoice = found.data.invoices[0]
    assert invoice.erp_order_number == number + "-21" and invoice.invoice_status == "Open"
    everything = invoices.get_resellers_v6_invoicesearch_with_http_info(
        APP, orderby="invoiceAmount", direction="asc", page_size=100, **ids())
    assert_lossless(everything)
    amounts = [i.invoice_amount_incl_tax for i in everything.data.invoices]
    assert len(amounts) >= 2 and amounts == sorted(amounts)
    details = invoices.get_invoicedetails_v6_1_with_http_info(
        invoice.invoice_number, **ids(im_application_id=APP), include_serial_numbers=True)
    assert_lossless(details)
    line = details.data.lines[0]
    assert line.quantity_shipped == 2 and len(line.serial_numbers) == 2
    assert details.data.summary.totals.invoiced_amount_due == invoice.invoiced_amount_due


def test_invoice_errors(client):
    invoices = sdk.InvoicesApi(client)
    with pytest.raises(BadRequestException) as info:
        invoices.get_resellers_v6_invoicesearch(APP, invoice_date="2024/01/01", **ids())
    assert "yyyy-MM-dd" in info.value.data.errors[0].fields[0].message
    with pytest.raises(NotFoundException) as info:
        invoices.get_invoicedetails_v6_1("99999999911", **ids(im_application_id=APP))
    assert info.value.data is None and json.loads(info.value.body)["errors"]


# -- renewals ----------------------------------------------------------------------------

def test_renewal_search_and_details(client, emulator):
    renewals = sdk.RenewalsApi(client)
    today = datetime.datetime.fromtimestamp(emulator.clock.now(), tz=datetime.timezone.utc)
    window = {"customStartDate": today.strftime("%m/%d/%Y"),
              "customEndDate": (today + datetime.timedelta(days=60)).strftime("%m/%d/%Y")}
    body = sdk.RenewalsSearchRequest.from_dict({"dateType": {"expirationDate": window}})
    found = renewals.post_renewalssearch_with_http_info(
        renewals_search_request=body, sort="expirationDate", **ids(im_sender_id=SENDER))
    sent = assert_lossless(found)
    assert sent["recordsFound"] == 2
    first = found.data.renewals[0]
    assert isinstance(first.renewal_id, int) and first.status == "Quote pending"
    details = renewals.get_resellers_v6_renewalsdetails_with_http_info(
        renewal_id=str(first.renewal_id), **ids())
    assert_lossless(details)
    assert details.data.renewal_id == str(first.renewal_id)
    assert float(details.data.renewal_value) == first.renewal_value


def test_renewal_errors(client):
    renewals = sdk.RenewalsApi(client)
    with pytest.raises(BadRequestException) as info:
        renewals.post_renewalssearch(sort="color", **ids())
    assert info.value.data.type and info.value.data.fields[0].var_field == "sort"
    with pytest.raises(NotFoundException) as info:
        renewals.get_resellers_v6_renewalsdetails(renewal_id="1", **ids())
    assert info.value.data is None and json.loads(info.value.body)["traceid"]


# -- deals -------------------------------------------------------------------------------

def test_deal_search_and_details(client):
    deals = sdk.DealsApi(client)
    found = deals.get_resellers_v6_dealssearch_with_http_info(size=2, page=1, **ids())
    sent = assert_lossless(found)
    assert sent["recordsFound"] == 4 and len(sent["deals"]) == 2
    deal = found.data.deals[0]
    details = deals.get_resellers_v6_dealsdetails_with_http_info(
        deal_id=deal.deal_id, vendor_name=deal.vendor, **ids(im_application_id=APP))
    assert_lossless(details)
    assert details.data.products[0].days_remaining >= 0
    assert details.data.deal_expiry_date == deal.deal_expiry_date


def test_deal_errors(client):
    deals = sdk.DealsApi(client)
    with pytest.raises(BadRequestException) as info:
        deals.get_resellers_v6_dealssearch(**ids(_headers={"IM-SenderID": "S" * 40}))
    assert info.value.data.fields[0].var_field == "IM-SenderID"
    with pytest.raises(NotFoundException) as info:
        deals.get_resellers_v6_dealsdetails(deal_id="DL-20417", vendor_name="NOT THE VENDOR",
                                            **ids(im_application_id=APP))
    assert info.value.data is None and "not found" in json.loads(info.value.body)["message"]


# -- returns -----------------------------------------------------------------------------

def return_request(invoice, part, reference, quantity=1):
    return sdk.ReturnsCreateRequest.from_dict({"list": [{
        "invoiceNumber": invoice.invoice_number, "invoiceDate": invoice.invoice_date,
        "ingramPartNumber": part, "quantity": quantity,
        "primaryReason": "I have not received part or all of my order",
        "secondaryReason": "Received only partial shipment.", "referenceNumber": reference,
        "notes": "sdk", "numberOfBoxes": 1,
        "shipFromInfo": [{"companyName": "ABC TECH", "contact": "STARK",
                          "addressLine1": "1 MAIN ST", "city": "LENEXA", "state": "KS",
                          "postalCode": "66219", "countryCode": "US",
                          "email": "stark@example.com"}]}]})


def test_return_create_search_and_details(client, server, emulator):
    shipped_order(client, emulator, "SDK-RET", [
        {"customerLineNumber": "1", "ingramPartNumber": "DF4128", "quantity": 3}])
    invoice = sdk.InvoicesApi(client).get_resellers_v6_invoicesearch(
        APP, customer_order_number="SDK-RET", **ids()).invoices[0]
    returns = sdk.ReturnsApi(client)
    created = returns.post_returnscreate_with_http_info(
        returns_create_request=return_request(invoice, "DF4128", "SDK-RMA-1", 2),
        **ids(im_sender_id=SENDER))
    assert_lossless(created)
    claim = created.data.returns_claims[0]
    assert isinstance(claim.created_on, datetime.date) and claim.status == "Open"
    assert claim.return_reason == "(SS) Short Shipment"
    emulator.clock.advance(49 * 3600)
    client.configuration.access_token = new_token(server)  # tokens last 24 h
    today = datetime.datetime.fromtimestamp(emulator.clock.now(), tz=datetime.timezone.utc)
    found = returns.get_resellers_v6_returnssearch_with_http_info(
        reference_number="SDK-RMA-1", modified_on_bt="%s,%s" % (
            today.date(), today.date()), sorting_column_name="modifiedOn", sort="desc",
        **ids())
    assert_lossless(found)
    row = found.data.returns_claims[0]
    assert row.case_request_number == claim.case_request_number
    assert row.status == "Approved" and row.credit == claim.estimated_total_value
    details = returns.get_resellers_v6_returnsdetails_with_http_info(
        case_request_number=claim.case_request_number, **ids())
    assert_lossless(details)
    assert details.data.products[0].invoice_number == invoice.invoice_number


def test_return_errors(client, emulator):
    shipped_order(client, emulator, "SDK-RET2", [
        {"customerLineNumber": "1", "ingramPartNumber": "DF4128", "quantity": 1}])
    invoice = sdk.InvoicesApi(client).get_resellers_v6_invoicesearch(
        APP, customer_order_number="SDK-RET2", **ids()).invoices[0]
    returns = sdk.ReturnsApi(client)
    with pytest.raises(BadRequestException) as info:
        returns.post_returnscreate(
            returns_create_request=return_request(invoice, "DF4128", "R", quantity=2), **ids())
    assert info.value.data.fields[0].var_field == "list[0].quantity"
    with pytest.raises(NotFoundException) as info:
        returns.get_resellers_v6_returnsdetails(case_request_number="CAS-0-NOPE-1", **ids())
    assert info.value.data is None and json.loads(info.value.body)["traceid"]
