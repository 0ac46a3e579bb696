"""The Xvantage catalog actions through real HTTP against the emulator, as st2 runs them:
product search and details, price and availability, vendor-required info, freight."""

import pytest

PA = "/resellers/v6/catalog/priceandavailability"


def ok(out):
    assert out.succeeded, out.result
    return out.result


def failed(out, kind=None, parameter=None):
    assert not out.succeeded, out.result
    if kind is not None:
        assert out.result["error"] == kind, out.result
    if parameter is not None:
        assert out.result["parameter"] == parameter, out.result
    return out.result


def xv_requests(emulator):
    return [(m, p) for m, p in emulator.received() if "/resellers/" in p]


def last_query(emulator, route):
    """The decoded query of the latest request to ``route``: {name: [values]}."""
    return [r for r in emulator.journal if r.route == route][-1].query


# -- search ------------------------------------------------------------------------------

def test_search_one_page_with_list_filters_and_boolean_flags(run_action, emulator):
    result = ok(run_action("xvantage_search_products", keyword=["notebook", "ipad"],
                           vendor=["LENOVO", "APPLE"]))
    assert [r["ingramPartNumber"] for r in result["catalog"]] == ["6YC337", "CD9807"]
    ipad = result["catalog"][0]
    # The API's "true"/"false" strings become booleans a rule can test.
    assert ipad["endUserRequired"] is True and ipad["discontinued"] is False
    assert result["recordsFound"] == 2 and result["truncated"] is False
    # Arrays went out as repeated keys.
    query = last_query(emulator, "/resellers/v6/catalog")
    assert query["keyword"] == ["notebook", "ipad"] and query["vendor"] == ["LENOVO", "APPLE"]


def test_search_walks_every_page_up_to_max_items(run_action, emulator):
    everything = ok(run_action("xvantage_search_products", type="IM::any", all_pages=True))
    total = everything["recordsFound"]
    assert everything["count"] == total and everything["truncated"] is False
    assert len({r["ingramPartNumber"] for r in everything["catalog"]}) == total
    some = ok(run_action("xvantage_search_products", type="IM::any", all_pages=True,
                         max_items=3))
    assert some["count"] == 3 and some["truncated"] is True
    page = ok(run_action("xvantage_search_products", pageSize=4, pageNumber=2))
    assert page["count"] == 4 and page["truncated"] is True


def test_search_without_a_match_is_an_empty_result(run_action):
    result = ok(run_action("xvantage_search_products", keyword=["no-such-thing"]))
    assert result["catalog"] == [] and result["recordsFound"] == 0


def test_search_subscription_plans(run_action):
    result = ok(run_action("xvantage_search_products", type="IM::subscription",
                           showGroupInfo=False))
    plans = [p["planId"] for group in result["catalog"] for p in group["plans"]]
    assert sorted(plans) == ["438292", "471490"]


def test_search_parameter_checks_come_before_http(run_action, emulator):
    emulator.clear_received()
    failed(run_action("xvantage_search_products", keyword=["x" * 1001]), "parameter_error",
           "keyword[0]")
    assert xv_requests(emulator) == []


# -- details -----------------------------------------------------------------------------

def test_get_product_with_indicators_in_one_case(run_action):
    result = ok(run_action("xvantage_get_product", ingramPartNumber="EOL512"))
    assert result["indicators"]["isBackOrderAllowed"] is False
    assert result["indicators"]["hasReturnLimits"] is False
    assert result["productAuthorized"] is True
    licence = ok(run_action("xvantage_get_product", ingramPartNumber="MS365B"))
    assert licence["subscriptionDetails"][0]["planId"] == "438292"


def test_get_product_errors(run_action, emulator):
    missing = failed(run_action("xvantage_get_product", ingramPartNumber="NOPE99"))
    assert missing["status"] == 404
    emulator.clear_received()
    failed(run_action("xvantage_get_product", ingramPartNumber="ABCDEFG"), "parameter_error",
           "ingramPartNumber")
    assert xv_requests(emulator) == []


def test_find_product_by_vendor_part_or_plan(run_action, emulator):
    by_vpn = ok(run_action("xvantage_find_product", vendorPartNumber="920-008671"))
    assert by_vpn["ingramPartNumber"] == "DF4128"
    name = "Microsoft Defender for Endpoint P2 (NCE COM ANN)"
    by_plan = ok(run_action("xvantage_find_product", planName=name))
    assert by_plan["subscriptionDetails"][0]["planId"] == "471490"
    emulator.clear_received()
    failed(run_action("xvantage_find_product"), "parameter_error", "vendorPartNumber")
    assert xv_requests(emulator) == []


# -- price and availability --------------------------------------------------------------

def test_price_and_availability_shows_stock_per_warehouse(run_action, emulator):
    result = ok(run_action("xvantage_price_and_availability", products=[
        {"ingramPartNumber": "DF4128", "quantity": 2},
        {"vendorPartNumber": "SLM3-24", "quantity": 100}, {"ingramPartNumber": "EOL512"},
        {"ingramPartNumber": "NOPE99"}]))
    mouse, surge, eol, unknown = result["products"]
    assert mouse["customerPrice"] == 61.22 and mouse["extendedPrice"] == 122.44
    assert mouse["totalAvailable"] == 155 and mouse["enoughStock"] is True
    assert [(w["warehouseId"], w["quantityAvailable"]) for w in mouse["warehouses"]] == [
        ("10", 120), ("20", 35), ("30", 0)]
    assert surge["ingramPartNumber"] == "TXSLM3" and surge["enoughStock"] is False
    assert eol["totalAvailable"] == 0 and eol["acceptBackOrder"] is False
    assert unknown["found"] is False and "not found" in unknown["message"]
    assert result["notFound"] == ["NOPE99"]
    body = emulator.sent("POST", PA)[-1]
    assert body["products"][0] == {"ingramPartNumber": "DF4128", "quantityRequested": "2"}


def test_price_and_availability_flags_and_warehouses(run_action, emulator):
    result = ok(run_action("xvantage_price_and_availability",
                           products=[{"ingramPartNumber": "DF4128"}],
                           includePricing=False, warehouses=["20"],
                           showAvailableDiscounts=True))
    row = result["products"][0]
    assert "customerPrice" not in row and row["totalAvailable"] == 35
    assert [w["warehouseId"] for w in row["warehouses"]] == ["20"]
    assert row["discounts"][0]["quantityDiscounts"]
    query = last_query(emulator, PA)
    assert query["includeAvailability"] == ["true"] and query["includePricing"] == ["false"]


def test_price_and_availability_batches_of_fifty(run_action, emulator):
    result = ok(run_action("xvantage_price_and_availability",
                           products=[{"ingramPartNumber": "DF4128"}] * 120))
    assert result["count"] == 120
    assert [len(b["products"]) for b in emulator.sent("POST", PA)] == [50, 50, 20]


@pytest.mark.parametrize("products,parameter", [
    ([], "products"),
    ([{"quantity": 1}], "products[0]"),
    ([{"ingramPartNumber": "DF4128", "quantity": 0}], "products[0].quantity"),
    ([{"ingramPartNumber": "DF4128", "quantity": True}], "products[0].quantity"),
    ([{"ingramPartNumber": "DF4128"}] * 501, "products"),
])
def test_price_and_availability_checks_parameters_first(run_action, emulator, products,
                                                        parameter):
    emulator.clear_received()
    failed(run_action("xvantage_price_and_availability", products=products),
           "parameter_error", parameter)
    assert xv_requests(emulator) == []


# -- vendor-required info ----------------------------------------------------------------

def test_vendor_required_info_lists_fields_per_product(run_action):
    result = ok(run_action("xvantage_vendor_required_info", products=[
        {"ingramPartNumber": "5DV320"}, {"planID": "438292"}, {"ingramPartNumber": "DF4128"},
        {"ingramPartNumber": "NOPE99"}]))
    software, licence, mouse, unknown = result["products"]
    assert software["required"] == ["HEADER_ENDUSER", "VEUD_AUTH_NBR_FLG"]
    assert software["fields"][0]["kind"] == "vmf"
    assert software["fields"][0]["vendorName"] == "OMNISSA WS1"
    assert "email_address_agreement" in licence["required"]
    assert licence["fields"][0]["kind"] == "vri"
    assert mouse["required"] == [] and unknown["messages"]
    assert "tier1_mpn" not in result["required"]
    assert "HEADER_ENDUSER" in result["required"]


def test_vendor_required_info_needs_products_or_a_quote(run_action, emulator):
    emulator.clear_received()
    failed(run_action("xvantage_vendor_required_info"), "parameter_error", "products")
    assert xv_requests(emulator) == []


# -- freight -----------------------------------------------------------------------------

def test_freight_estimate(run_action, emulator):
    result = ok(run_action("xvantage_freight_estimate", customerContact="buyer@example.com",
                           shipToAddressId="200", lines=[
                               {"ingramPartNumber": "DF4128", "quantity": 2},
                               {"ingramPartNumber": "CD9807", "quantity": 1,
                                "carrierCode": "UG"}]))
    branches = {d["shipFromBranchNumber"]: d for d in result["distribution"]}
    assert sorted(branches) == ["10", "30"] and branches["30"]["carrierCode"] == "UG"
    assert isinstance(branches["10"]["carriers"][0]["estimatedFreightCharge"], float)
    assert result["grossAmount"] == round(result["totalNetAmount"] +
                                          result["totalFreightAmount"], 2)
    journal = [r for r in emulator.journal if r.route == "/resellers/v6/freightestimate"]
    assert journal[-1].headers.get("IM-CustomerContact") == "buyer@example.com"


def test_freight_estimate_errors(run_action, emulator):
    emulator.clear_received()
    failed(run_action("xvantage_freight_estimate", customerContact="x" * 65,
                      shipToAddressId="200", lines=[{"ingramPartNumber": "DF4128",
                                                     "quantity": 1}]),
           "parameter_error", "customerContact")
    failed(run_action("xvantage_freight_estimate", customerContact="a@b.c",
                      lines=[{"ingramPartNumber": "DF4128", "quantity": 1}]),
           "parameter_error", "shipToAddressId")
    assert xv_requests(emulator) == []
    unknown = failed(run_action("xvantage_freight_estimate", customerContact="a@b.c",
                                shipToAddressId="200",
                                lines=[{"ingramPartNumber": "NOPE99", "quantity": 1}]))
    assert unknown["status"] == 400 and "lines[0].ingramPartNumber" in unknown["message"]


# -- orders placed with eyes open: dry run and check -------------------------------------

ORDERS = "/resellers/v6/orders"
SHIP_TO = {"companyName": "Contoso", "addressLine1": "1 Main St", "city": "Irvine",
           "state": "CA", "postalCode": "92612", "countryCode": "US"}
RESELLER = {"contact": "Jane Buyer", "companyName": "Reseller Inc",
            "email": "jane@reseller.example"}
MIXED = [{"customerLineNumber": "1", "ingramPartNumber": "DF4128", "quantity": 2},
         {"customerLineNumber": "2", "ingramPartNumber": "5DV320", "quantity": 1,
          "vmfAdditionalAttributesLines": [{"attributeName": "VEUD_AUTH_NBR_FLG",
                                            "attributeValue": "AUTH-778"}]},
         {"customerLineNumber": "3", "ingramPartNumber": "MS365B", "quantity": 5}]


def creates(emulator, route=ORDERS):
    return emulator.request_count(api="xvantage", method="POST", route=route)


def test_dry_run_reports_price_stock_vendor_fields_and_freight(run_action, emulator):
    result = ok(run_action("xvantage_create_order", customerOrderNumber="PO-DRY", lines=MIXED,
                           shipToInfo=SHIP_TO, resellerInfo=RESELLER, dry_run=True))
    assert creates(emulator) == 0
    assert result["dryRun"] is True and result["passed"] is False
    mouse, software, licence = result["lines"]
    assert (mouse["unitPrice"], mouse["extendedPrice"]) == (61.22, 122.44)
    assert mouse["totalAvailable"] == 155 and mouse["enoughStock"] is True
    assert {w["warehouseId"]: w["quantityAvailable"] for w in mouse["warehouses"]} == {
        "10": 120, "20": 35, "30": 0}
    assert mouse["problems"] == [] and mouse["missingVendorFields"] == []
    # The authorisation number is on the line; the end user is not on the order.
    assert software["vendorRequiredFields"] == ["HEADER_ENDUSER", "VEUD_AUTH_NBR_FLG"]
    assert software["missingVendorFields"] == ["HEADER_ENDUSER"]
    assert software["missingEndUserInfo"] is True
    assert "email_address_agreement" in licence["missingVendorFields"]
    freight = result["freight"]
    assert [d["shipFromBranchNumber"] for d in freight["distribution"]] == ["10"]
    assert result["merchandiseTotal"] == round(122.44 + 42.0 + 5 * 150.0, 2)
    assert result["estimatedTotal"] == round(result["merchandiseTotal"] +
                                             freight["totalFreightAmount"], 2)
    journal = [r for r in emulator.journal if r.route == "/resellers/v6/freightestimate"]
    assert journal[-1].headers.get("IM-CustomerContact") == "jane@reseller.example"
    assert [f["customerLineNumber"] for f in result["failingLines"]] == ["2", "3"]


def test_dry_run_without_a_contact_still_reports_and_says_why_no_freight(run_action,
                                                                        emulator):
    result = ok(run_action("xvantage_create_order_async", customerOrderNumber="PO-DRY7",
                           lines=MIXED[:1], shipToInfo=SHIP_TO, dry_run=True))
    assert result["freight"] is None and "IM-CustomerContact" in result["freightNote"]
    assert result["passed"] is True and result["lines"][0]["unitPrice"] == 61.22
    assert creates(emulator, "/resellers/v7/orders") == 0


def test_check_refuses_an_unavailable_line_and_sends_no_create(run_action, emulator):
    out = run_action("xvantage_create_order", customerOrderNumber="PO-EOL", check=True,
                     lines=[{"customerLineNumber": "1", "ingramPartNumber": "DF4128",
                             "quantity": 1},
                            {"customerLineNumber": "2", "ingramPartNumber": "EOL512",
                             "quantity": 3}])
    result = failed(out, "order_check_failed")
    assert "line 2 (EOL512): out of stock everywhere (3 requested)" in result["message"]
    assert result["check"]["failingLines"] == [{"customerLineNumber": "2",
                                                "ingramPartNumber": "EOL512",
                                                "problems": ["out of stock everywhere "
                                                             "(3 requested)"]}]
    assert result["may_have_happened"] is False
    assert creates(emulator) == 0 and emulator.sent("POST", ORDERS) == []
    # It looked before refusing: stock came from price and availability.
    assert emulator.sent("POST", PA)[-1]["products"][1] == {"ingramPartNumber": "EOL512",
                                                            "quantityRequested": "3"}


def test_check_back_order_needs_both_the_order_and_the_product_to_allow_it(run_action,
                                                                          emulator):
    # The switch's vendor wants an authorisation number, given here on the line.
    lines = [{"customerLineNumber": "1", "ingramPartNumber": "BO0001", "quantity": 2,
              "vmfAdditionalAttributesLines": [{"attributeName": "VEUD_AUTH_NBR_FLG",
                                                "attributeValue": "AUTH-1"}]}]
    refused = failed(run_action("xvantage_create_order", customerOrderNumber="PO-BO1",
                                lines=lines, check=True), "order_check_failed")
    assert refused["check"]["failingLines"][0]["problems"] == [
        "out of stock everywhere (2 requested)"]
    placed = ok(run_action("xvantage_create_order", customerOrderNumber="PO-BO2",
                           lines=lines, check=True, acceptBackOrder=True))
    assert placed["check"]["passed"] is True and creates(emulator) == 1
    eol = [{"customerLineNumber": "1", "ingramPartNumber": "EOL512", "quantity": 1}]
    failed(run_action("xvantage_create_order", customerOrderNumber="PO-BO3", lines=eol,
                      check=True, acceptBackOrder=True), "order_check_failed")
    assert creates(emulator) == 1


def test_ceilings_turn_the_check_on(run_action, emulator):
    lines = [{"customerLineNumber": "1", "ingramPartNumber": "CD9807", "quantity": 1},
             {"customerLineNumber": "2", "ingramPartNumber": "DF4128", "quantity": 1}]
    result = failed(run_action("xvantage_create_order", customerOrderNumber="PO-CEIL",
                               lines=lines, max_unit_price=500), "order_check_failed")
    assert "line 1 (CD9807): unit price 849.50 is over max_unit_price 500.00" in \
        result["message"]
    assert [f["customerLineNumber"] for f in result["check"]["failingLines"]] == ["1"]
    over = failed(run_action("xvantage_create_order", customerOrderNumber="PO-TOTAL",
                             lines=lines, max_total=900), "order_check_failed")
    assert over["check"]["problems"] == ["estimated total 910.72 is over max_total 900.00"]
    assert creates(emulator) == 0


def test_check_passes_then_places_the_order_which_takes_stock(run_action, emulator):
    software = dict(MIXED[1], quantity=4)
    placed = ok(run_action("xvantage_create_order", customerOrderNumber="PO-OK",
                           lines=[software], check=True, max_unit_price=50,
                           endUserInfo={"companyName": "End User Co", "city": "Austin",
                                        "state": "TX", "countryCode": "US"},
                           additionalAttributes=[{"attributeName": "HEADER_ENDUSER",
                                                  "attributeValue": "End User Co"}]))
    assert placed["httpStatus"] == 201 and placed["check"]["passed"] is True
    assert creates(emulator) == 1
    after = ok(run_action("xvantage_price_and_availability",
                          products=[{"ingramPartNumber": "5DV320"}]))
    assert after["products"][0]["warehouses"][0]["quantityAvailable"] == 896


def test_check_refuses_a_licence_without_its_vendor_fields_async(run_action, emulator):
    licence = {"customerLineNumber": "1", "ingramPartNumber": "MS365B", "quantity": 5}
    result = failed(run_action("xvantage_create_order_async", customerOrderNumber="PO-LIC",
                               lines=[licence], check=True), "order_check_failed")
    assert "missing vendor-required fields: microsoft_domain" in result["message"]
    assert creates(emulator, "/resellers/v7/orders") == 0
    fields = [{"attributeName": name, "attributeValue": value} for name, value in (
        ("microsoft_domain", "contoso.onmicrosoft.com"), ("first_name_agreement", "Ada"),
        ("last_name_agreement", "Lovelace"), ("email_address_agreement", "ada@contoso.com"),
        ("agreement_date", "11-29-2026"))]
    licence["vriAdditionalAttributes"] = [{"vendorName": "MICROSOFT",
                                           "additionalAttributes": fields}]
    placed = ok(run_action("xvantage_create_order_async", customerOrderNumber="PO-LIC2",
                           lines=[licence], check=True))
    assert placed["check"]["passed"] is True
    assert creates(emulator, "/resellers/v7/orders") == 1


def test_dry_run_of_a_quote_order_is_a_parameter_error(run_action, emulator):
    failed(run_action("xvantage_create_order_async", customerOrderNumber="PO-Q",
                      quoteNumber="QUO-1", dry_run=True), "parameter_error", "dry_run")
    assert xv_requests(emulator) == []
