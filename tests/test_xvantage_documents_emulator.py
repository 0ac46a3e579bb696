"""The emulator's quotes, invoices, renewals, deals and returns on the wire: what a client
relies on beyond the shapes the SDK contract test checks (tests/test_xvantage_sdk_documents.py):
documents that follow orders on the emulator clock, quote to order, filters, ordering and
the error shapes of each API group."""

import datetime
import uuid

import httpx
import pytest

CUSTOMER = "20-222222"
HOUR, DAY = 3600, 86400


@pytest.fixture
def http(server):
    with httpx.Client(base_url=server.url) as client:
        yield client


def token(http):
    return http.post("/oauth/oauth20/token", data={
        "grant_type": "client_credentials", "client_id": "emulator-client",
        "client_secret": "emulator-client-secret"}).json()["access_token"]


def headers(http, **extra):
    out = {"Authorization": "Bearer " + token(http), "IM-CustomerNumber": CUSTOMER,
           "IM-CountryCode": "US", "IM-CorrelationID": uuid.uuid4().hex,
           "IM-SenderID": "tests", "IM-ApplicationID": "tests",
           "IM-CustomerContact": "buyer@reseller.example"}
    for key, value in extra.items():
        key = key.replace("_", "-")
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def place(http, number, lines, path="/resellers/v6/orders", **body):
    body = dict(body, customerOrderNumber=number, lines=lines)
    response = http.post(path, json=body, headers=headers(http))
    assert response.status_code in (200, 201), response.text
    return response.json()


def invoices(http, **params):
    response = http.get("/resellers/v6/invoices", params=params, headers=headers(http))
    assert response.status_code == 200, response.text
    return response.json()


def us_day(ts):
    return datetime.datetime.fromtimestamp(ts, tz=datetime.timezone.utc).strftime("%m/%d/%Y")


def iso_day(ts):
    return datetime.datetime.fromtimestamp(ts, tz=datetime.timezone.utc).strftime("%Y-%m-%d")


# -- invoices follow orders --------------------------------------------------------------

def test_an_order_is_invoiced_when_it_ships_dated_the_ship_day(http, emulator):
    created = place(http, "PO-INV", [{"ingramPartNumber": "DF4128", "quantity": 1},
                                     {"ingramPartNumber": "TXSLM3", "quantity": 2}])
    number = created["orders"][0]["ingramOrderNumber"]
    assert invoices(http, customerOrderNumber="PO-INV")["recordsFound"] == 0
    emulator.clock.advance(2 * HOUR + 60)  # warehouse 10 ships after 2 h, 20 after 4 h
    first = invoices(http, customerOrderNumber="PO-INV")
    assert [i["erpOrderNumber"] for i in first["invoices"]] == [number + "-11"]
    emulator.clock.advance(2 * HOUR)
    both = invoices(http, customerOrderNumber="PO-INV", orderby="erpOrderNumber",
                    direction="asc")["invoices"]
    assert [i["erpOrderNumber"] for i in both] == [number + "-11", number + "-21"]
    detail = http.get("/resellers/v6.1/orders/%s" % number, headers=headers(http)).json()
    shipped = {line["subOrderNumber"]: line["shipmentDetails"][0] for line in detail["lines"]}
    for invoice in both:
        shipment = shipped[invoice["erpOrderNumber"]]
        assert invoice["invoiceNumber"] == shipment["invoiceNumber"]
        assert invoice["invoiceDate"] == shipment["shippedDate"]
    emulator.clock.advance(31 * DAY)
    late = invoices(http, customerOrderNumber="PO-INV", invoiceStatus="Past Due")
    assert late["recordsFound"] == 2


def test_held_and_cancelled_orders_are_never_invoiced(http, emulator):
    hold = [{"attributeName": "allowOrderOnCustomerHold", "attributeValue": "true"}]
    place(http, "PO-HOLD", [{"ingramPartNumber": "DF4128", "quantity": 1}],
          additionalAttributes=hold)
    emulator.clock.advance(30 * HOUR)  # voided after 24 h unreleased
    assert invoices(http, customerOrderNumber="PO-HOLD")["recordsFound"] == 0


def test_invoice_search_orders_pages_and_filters_by_date(http, emulator):
    now = emulator.clock.now()
    emulator.xvantage.bulk_create(30, start=now - 4 * DAY, end=now - 3 * DAY, prefix="INV")
    everything = invoices(http, pageSize=100)
    total = everything["recordsFound"]
    assert total >= 30
    dates = [i["invoiceDate"] for i in everything["invoices"]]
    assert dates == sorted(dates, reverse=True)  # newest first unless asked otherwise
    pages = [invoices(http, pageSize=7, pageNumber=n, orderby="invoiceNumber",
                      direction="asc") for n in range(1, total // 7 + 2)]
    numbers = [i["invoiceNumber"] for page in pages for i in page["invoices"]]
    assert numbers == sorted(numbers) and len(set(numbers)) == total
    assert "nextPage" in pages[0] and "nextPage" not in pages[-1]
    day = dates[-1]
    one_day = invoices(http, invoiceFromDate=day, invoiceToDate=day, pageSize=100)
    assert one_day["recordsFound"] == dates.count(day) and one_day["recordsFound"] > 0
    bad = http.get("/resellers/v6/invoices", params={"orderby": "color"},
                   headers=headers(http))
    assert bad.status_code == 400 and bad.json()["errors"][0]["fields"][0]["field"] == "orderby"


def test_invoices_require_the_application_id_header(http):
    response = http.get("/resellers/v6/invoices", headers=headers(http, IM_ApplicationID=None))
    assert response.status_code == 400
    assert response.json()["errors"][0]["fields"][0]["field"] == "IM-ApplicationID"


# -- quotes and quote to order -----------------------------------------------------------

def quote_search(http, **params):
    return http.get("/resellers/v6/quotes/search", params=params, headers=headers(http))


def test_order_from_a_quote_takes_its_lines_and_prices_and_closes_it(http, emulator):
    quote = quote_search(http, vendorName="LOGITECH").json()["quotes"][0]
    details = http.get("/resellers/v6/quotes/%s" % quote["quoteNumber"],
                       headers=headers(http)).json()
    answer = place(http, "PO-QTO", [{"ingramPartNumber": "CD9807", "quantity": 99}],
                   path="/resellers/v7/orders", quoteNumber=quote["quoteNumber"])
    assert answer["quoteNumber"] == quote["quoteNumber"] and answer["confirmationNumber"]
    order = emulator.xvantage.store.by_customer_order_number("PO-QTO")[0]
    assert [(li.part_number, li.quantity, li.unit_price) for li in order.lines] == [
        (p["ingramPartNumber"], p["quantity"], p["price"]["quotePrice"])
        for p in details["products"]]
    assert order.total == details["extendedQuotePriceTotal"]
    again = http.post("/resellers/v7/orders", headers=headers(http), json={
        "customerOrderNumber": "PO-QTO2", "quoteNumber": quote["quoteNumber"]})
    assert again.status_code == 400 and "Ready to Order" in again.text
    assert quote_search(http, quoteNumber=quote["quoteNumber"]).status_code == 404


@pytest.mark.parametrize("status,days,message", [
    ("Ready to Order", -1, "expired"), ("Active", 30, "not in Ready to Order status")])
def test_quotes_that_cannot_be_ordered_are_refused(http, emulator, status, days, message):
    made = http.post("/_emulator/xvantage/quotes", json={
        "products": [{"ingramPartNumber": "DF4128", "quantity": 2, "price": 50.0}],
        "status": status, "expiresInDays": days}).json()["quoteNumber"]
    response = http.post("/resellers/v7/orders", headers=headers(http), json={
        "customerOrderNumber": "PO-NO", "quoteNumber": made})
    assert response.status_code == 400 and message in response.text
    check = http.get("/resellers/v6/q2o/validatequote", params={"quoteNumber": made},
                     headers=headers(http))
    assert check.status_code == 400 and message in check.json()["fields"][0]["message"]
    unknown = http.post("/resellers/v7/orders", headers=headers(http), json={
        "customerOrderNumber": "PO-NO", "quoteNumber": "QUO-1-NOPE"})
    assert unknown.status_code == 400 and "not found" in unknown.text
    assert not emulator.xvantage.store.by_customer_order_number("PO-NO")


def test_quote_search_window_sorting_and_required_contact(http, emulator):
    recent = quote_search(http, sortBy="expiryDate", sortingOrder="asc").json()["quotes"]
    expiries = [q["ingramQuoteExpiryDate"] for q in recent]
    assert expiries == sorted(expiries) and len(recent) == 3  # 40-day-old quote left out
    now = emulator.clock.now()
    older = quote_search(http, **{"quoteCreateDate-bt": "%s,%s" % (
        iso_day(now - 60 * DAY), iso_day(now))}).json()
    assert older["recordsFound"] == 4
    missing = http.get("/resellers/v6/quotes/search",
                       headers=headers(http, IM_CustomerContact=None))
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["fields"][0]["field"] == "IM-CustomerContact"


# -- renewals ----------------------------------------------------------------------------

def renewals(http, body=None, **params):
    response = http.post("/resellers/v6/renewals/search", json=body or {}, params=params,
                         headers=headers(http))
    assert response.status_code == 200, response.text
    return response.json()


def due_within(http, now, days):
    return renewals(http, {"dateType": {"expirationDate": {
        "customStartDate": us_day(now), "customEndDate": us_day(now + days * DAY)}}})


def test_a_fresh_emulator_has_renewals_due_in_30_60_and_90_days(http, emulator):
    now = emulator.clock.now()
    assert [due_within(http, now, d)["recordsFound"] for d in (30, 60, 90)] == [1, 2, 3]
    closed = renewals(http, {"status": {"OpporutinyStatus": {"value": "Closed"}}})
    assert [r["status"] for r in closed["renewals"]] == ["Expired"]
    emulator.clock.advance(21 * DAY)
    assert due_within(http, emulator.clock.now(), 30)["recordsFound"] == 1  # the 50-day one
    assert len(renewals(http, {"status": {"OpporutinyStatus": {"value": "Closed"}}})[
        "renewals"]) == 2


def test_a_shipped_subscription_order_comes_up_for_renewal_a_term_later(http, emulator):
    place(http, "PO-SUB", [{"ingramPartNumber": "MS365B", "quantity": 30}])
    assert renewals(http, customerOrderNumber="PO-SUB")["recordsFound"] == 0
    emulator.clock.advance(3 * HOUR)
    found = renewals(http, customerOrderNumber="PO-SUB")["renewals"]
    assert len(found) == 1 and found[0]["status"] == "Active"
    assert found[0]["renewalValue"] == 30 * 150.0
    expires = datetime.datetime.strptime(found[0]["expirationDate"], "%Y-%m-%dT%H:%M:%S")
    started = datetime.datetime.fromtimestamp(emulator.clock.now() - HOUR)
    assert 360 <= (expires - started).days <= 366
    emulator.clock.advance(300 * DAY)
    assert renewals(http, customerOrderNumber="PO-SUB")["renewals"][0]["status"] == (
        "Quote pending")


def test_renewal_control_adds_one_coming_due(http, emulator):
    made = http.post("/_emulator/xvantage/renewals",
                     json={"expiresInDays": 5, "endUser": "GLOBEX"}).json()
    found = renewals(http, {"endUser": "globex"})["renewals"]
    assert [r["renewalId"] for r in found] == [made["renewalId"]]
    assert due_within(http, emulator.clock.now(), 7)["recordsFound"] == 1


def test_renewal_errors_are_flat_even_for_headers(http):
    response = http.post("/resellers/v6/renewals/search", json={},
                         headers=headers(http, IM_CountryCode=None))
    body = response.json()
    assert response.status_code == 400 and "errors" not in body
    assert body["traceid"] and body["fields"][0]["field"] == "Country Code"
    missing = http.get("/resellers/v6/renewals/123", headers=headers(http))
    assert missing.status_code == 404 and missing.json()["traceid"]


# -- deals -------------------------------------------------------------------------------

def test_deal_details_need_the_vendor_and_count_down(http, emulator):
    found = http.get("/resellers/v6/deals/search", params={"vendor": "lenovo"},
                     headers=headers(http)).json()["deals"]
    assert [d["dealId"] for d in found] == ["DL-20417"]
    path = "/resellers/v6/deals/DL-20417"
    missing = http.get(path, headers=headers(http))
    assert missing.status_code == 400 and missing.json()["fields"][0]["field"] == "vendorName"
    before = http.get(path, params={"vendorName": "LENOVO"}, headers=headers(http)).json()
    emulator.clock.advance(10 * DAY)
    after = http.get(path, params={"vendorName": "LENOVO"}, headers=headers(http)).json()
    assert before["products"][0]["daysRemaining"] - after["products"][0]["daysRemaining"] == 10
    header = http.get(path, params={"vendorName": "LENOVO"},
                      headers=headers(http, IM_ApplicationID=None))
    assert header.status_code == 400 and header.json()["fields"][0]["field"] == (
        "IM-ApplicationId")


# -- returns -----------------------------------------------------------------------------

def return_body(invoice, quantity, reference):
    return {"list": [{
        "invoiceNumber": invoice["invoiceNumber"], "invoiceDate": invoice["invoiceDate"],
        "ingramPartNumber": "DF4128", "quantity": quantity, "referenceNumber": reference,
        "primaryReason": "Product is defective", "secondaryReason": "Does not power on",
        "numberOfBoxes": 1, "shipFromInfo": [{
            "companyName": "ABC", "contact": "Stark", "addressLine1": "1 Main St",
            "city": "Lenexa", "state": "KS", "postalCode": "66219", "countryCode": "US",
            "email": "s@example.com"}]}]}


def test_returns_are_checked_against_the_invoice_and_approved_on_the_clock(http, emulator):
    emulator.clock.freeze()  # day boundaries below are computed from the clock
    place(http, "PO-RMA", [{"ingramPartNumber": "DF4128", "quantity": 3}])
    emulator.clock.advance(3 * HOUR)
    invoice = invoices(http, customerOrderNumber="PO-RMA")["invoices"][0]
    create = "/resellers/v6/returns/create"
    first = http.post(create, json=return_body(invoice, 2, "RMA-1"), headers=headers(http))
    assert first.status_code == 200
    case = first.json()["returnsClaims"][0]
    assert case["status"] == "Open" and case["returnReason"] == "(DF) Defective Items"
    too_many = http.post(create, json=return_body(invoice, 2, "RMA-2"), headers=headers(http))
    assert too_many.status_code == 400 and "Only 1 left" in too_many.json()["fields"][0][
        "message"]
    wrong_day = dict(invoice, invoiceDate="2001-01-01")
    assert http.post(create, json=return_body(wrong_day, 1, "RMA-3"),
                     headers=headers(http)).status_code == 400
    created_day = emulator.clock.now()
    emulator.clock.advance(3 * DAY)

    def search(**params):
        return http.get("/resellers/v6/returns/search", params=params,
                        headers=headers(http)).json()["returnsClaims"]
    today = iso_day(emulator.clock.now())
    assert search(**{"modifiedOn-bt": "%s,%s" % (today, today)}) == []
    approved_day = iso_day(created_day + 2 * DAY)
    rows = search(**{"modifiedOn-bt": "%s,%s" % (approved_day, approved_day)})
    assert [r["caseRequestNumber"] for r in rows] == [case["caseRequestNumber"]]
    assert rows[0]["status"] == "Approved" and rows[0]["returnClaimId"]
    assert search(referenceNumber="RMA-1")[0]["credit"] == case["estimatedTotalValue"]
    assert search(**{"returnStatus-in": "Open,Denied"}) == []
