"""The Xvantage emulator's catalog side on the wire: product search and details, price and
availability (with stock that orders consume), vendor-required info, freight estimate."""

import uuid

import httpx
import pytest

CUSTOMER = "20-222222"
PA = "/resellers/v6/catalog/priceandavailability"
BOTH = {"includeAvailability": "true", "includePricing": "true"}


@pytest.fixture
def http(server):
    with httpx.Client(base_url=server.url) as client:
        yield client


@pytest.fixture
def hdrs(http):
    form = {"grant_type": "client_credentials", "client_id": "emulator-client",
            "client_secret": "emulator-client-secret"}
    token = http.post("/oauth/oauth20/token", data=form).json()["access_token"]

    def make(**overrides):
        out = {"Authorization": "Bearer " + token, "IM-CustomerNumber": CUSTOMER,
               "IM-CountryCode": "US", "IM-CorrelationID": uuid.uuid4().hex,
               "IM-SenderID": "tests"}
        for key, value in overrides.items():
            key = key.replace("_", "-")
            if value is None:
                out.pop(key)
            else:
                out[key] = value
        return out
    return make


def search(http, hdrs, **params):
    return http.get("/resellers/v6/catalog", params=params, headers=hdrs())


def parts_of(response):
    assert response.status_code == 200, response.text
    return [row["ingramPartNumber"] for row in response.json()["catalog"]]


def price(http, hdrs, products, params=BOTH, **body):
    return http.post(PA, params=params, json=dict(body, products=products), headers=hdrs())


def stock_of(http, hdrs, part):
    row = price(http, hdrs, [{"ingramPartNumber": part}]).json()[0]
    return {w["warehouseId"]: (w["quantityAvailable"], w["quantityBackordered"])
            for w in row["availability"]["availabilityByWarehouse"]}


# -- search ------------------------------------------------------------------------------

def test_search_filters_each_narrow_the_catalog(http, hdrs):
    assert parts_of(search(http, hdrs, keyword="notebook")) == ["CD9807"]
    # Repeated keys widen: a part matching any keyword.
    assert parts_of(search(http, hdrs, keyword=["DF4128", "yealink"])) == ["2GZ200", "DF4128"]
    assert parts_of(search(http, hdrs, keyword="097855070340")) == ["DF4128"]  # a UPC
    assert parts_of(search(http, hdrs, vendor=["Microsoft"])) == ["MS365B", "MSDEF2"]
    assert parts_of(search(http, hdrs, vendorPartNumber=["SLM3-24", "mk2e3ll/a"])) == [
        "6YC337", "TXSLM3"]
    assert parts_of(search(http, hdrs, vendorNumber="0000500082")) == ["CD9807"]
    assert parts_of(search(http, hdrs, category="notebooks & tablets")) == [
        "6YC337", "CD9807"]
    assert parts_of(search(http, hdrs, hasDiscounts="true")) == ["DF4128"]
    digital = parts_of(search(http, hdrs, type="IM::digital"))
    physical = parts_of(search(http, hdrs, type="IM::physical", pageSize=100))
    assert digital == ["MS365B", "MSDEF2"] and not set(digital) & set(physical)
    everything = parts_of(search(http, hdrs, type="IM::any", pageSize=100))
    assert sorted(everything) == sorted(digital + physical)
    assert parts_of(search(http, hdrs, keyword="switch", skipAuthorisation="true")) == [
        "BO0001"]


def test_search_rows_are_strings_with_a_details_link(http, hdrs):
    row = search(http, hdrs, keyword="6YC337").json()["catalog"][0]
    assert row["endUserRequired"] == "true" and row["type"] == "IM::Physical"
    assert row["links"] == [{"topic": "catalog", "type": "GET",
                             "href": "/resellers/v6/catalog/details/6YC337"}]
    assert http.get(row["links"][0]["href"], headers=hdrs()).status_code == 200


def test_search_pages_and_clamps_page_size(http, hdrs):
    seen, number = [], 1
    while True:
        body = search(http, hdrs, pageSize=4, pageNumber=number).json()
        seen += [row["ingramPartNumber"] for row in body["catalog"]]
        if number * body["pageSize"] >= body["recordsFound"]:
            break
        number += 1
    assert len(seen) == len(set(seen)) == body["recordsFound"] and number > 1
    assert search(http, hdrs, pageSize=150).json()["pageSize"] == 100
    past = search(http, hdrs, pageSize=4, pageNumber=99).json()
    assert past["catalog"] == [] and past["recordsFound"] == len(seen)
    assert search(http, hdrs, pageSize=0).status_code == 400


def test_search_without_a_match_is_a_404_and_a_bad_type_a_400(http, hdrs):
    response = search(http, hdrs, keyword="no-such-thing")
    assert response.status_code == 404
    assert response.json()["errors"][0]["message"] == "No Records Found"
    assert search(http, hdrs, type="IM::vapour").status_code == 400


def test_subscription_search_lists_plans_or_groups(http, hdrs):
    body = search(http, hdrs, type="IM::subscription").json()
    plans = [p for entry in body["subscriptionCatalog"] for p in entry["plans"]]
    assert {p["planId"] for p in plans} == {"438292", "471490"}
    assert "catalog" not in body
    one = search(http, hdrs, planID="438292").json()["subscriptionCatalog"]
    assert [p["planName"] for p in one[0]["plans"]] == [
        "Microsoft 365 Business Standard (NCE COM ANN)"]
    groups = search(http, hdrs, showGroupInfo="true").json()["subscriptionCatalog"]
    assert all("plans" not in g and g["numberOfPlans"] == "1" for g in groups)
    named = search(http, hdrs, groupName="NCE Microsoft 365 (Commercial)").json()
    assert len(named["subscriptionCatalog"]) == 1


def test_catalog_routes_check_headers_and_take_faults(http, hdrs, emulator):
    response = http.get("/resellers/v6/catalog", headers=hdrs(IM_CountryCode=None))
    assert response.status_code == 400
    assert response.json()["errors"][0]["fields"][0]["message"] == "Country Code is missing."
    emulator.faults.add(kind="status", status=503, api="xvantage", path="/catalog", count=1)
    assert search(http, hdrs).status_code == 503
    assert search(http, hdrs).status_code == 200


# -- details -----------------------------------------------------------------------------

def test_details_by_part_number(http, hdrs):
    body = http.get("/resellers/v6/catalog/details/BO0001", headers=hdrs()).json()
    assert body["vendorName"] == "CISCO" and body["productAuthorized"] == "True"
    # Spelt as the SDK's model spells them.
    assert body["indicators"]["IsBackOrderAllowed"] is True
    assert "HasReturnLimits" in body["indicators"]
    assert body["additionalInformation"]["productWeight"][0]["weight"] == 14.0
    eol = http.get("/resellers/v6/catalog/details/EOL512", headers=hdrs()).json()
    assert eol["indicators"]["IsBackOrderAllowed"] is False
    assert eol["indicators"]["isDiscontinuedProduct"] is True
    licence = http.get("/resellers/v6/catalog/details/MS365B", headers=hdrs()).json()
    plan = licence["subscriptionDetails"][0]
    assert plan["subscriptionPeriod"] == [{"subscriptionPeriodUnit": "YEAR",
                                           "subscriptionPeriod": "1"}]
    assert licence["indicators"]["isLicenseProduct"] is True


def test_details_errors(http, hdrs):
    assert http.get("/resellers/v6/catalog/details/NOPE99",
                    headers=hdrs()).status_code == 404
    long = http.get("/resellers/v6/catalog/details/ABCDEFG", headers=hdrs())
    assert long.status_code == 400 and "6 characters" in long.text


def test_details_by_plan_or_vendor_part(http, hdrs):
    url = "/resellers/v6/catalog/details"
    assert http.get(url, headers=hdrs()).status_code == 400
    by_plan = http.get(url, params={"planId": "471490"}, headers=hdrs()).json()
    assert [p["planName"] for p in by_plan["subscriptionDetails"]] == [
        "Microsoft Defender for Endpoint P2 (NCE COM ANN)"]
    name = "microsoft 365 business standard (nce com ann)"
    by_name = http.get(url, params={"planName": name}, headers=hdrs()).json()
    assert by_name["subscriptionDetails"][0]["planId"] == "438292"
    by_vpn = http.get(url, params={"vendorPartNumber": "920-008671"}, headers=hdrs()).json()
    assert by_vpn["ingramPartNumber"] == "DF4128"
    assert http.get(url, params={"planId": "999"}, headers=hdrs()).status_code == 404


# -- price and availability --------------------------------------------------------------

def test_price_and_availability_per_warehouse(http, hdrs):
    response = price(http, hdrs, [{"ingramPartNumber": "DF4128"},
                                  {"vendorPartNumber": "SLM3-24", "quantityRequested": "500"}])
    assert response.status_code == 200
    mouse, surge = response.json()
    assert mouse["pricing"]["customerPrice"] == 61.22
    assert mouse["availability"]["totalAvailability"] == 155
    assert [(w["warehouseId"], w["location"], w["quantityAvailable"])
            for w in mouse["availability"]["availabilityByWarehouse"]] == [
        ("10", "Mira Loma, CA", 120), ("20", "Millington, TN", 35),
        ("30", "Carol Stream, IL", 0)]
    # 69 on hand cannot cover the 500 asked for.
    assert surge["ingramPartNumber"] == "TXSLM3" and surge["availability"]["available"] is False


def test_out_of_stock_everywhere_and_backorder_eta(http, hdrs, emulator):
    eol, switch = price(http, hdrs, [{"ingramPartNumber": "EOL512"},
                                     {"ingramPartNumber": "BO0001"}]).json()
    assert eol["availability"]["available"] is False
    assert eol["availability"]["totalAvailability"] == 0
    assert [w["quantityAvailable"] for w in eol["availability"]["availabilityByWarehouse"]] == [
        0, 0, 0]
    assert eol["acceptBackOrder"] is False
    carol = switch["availability"]["availabilityByWarehouse"][2]
    assert carol["quantityOnOrder"] == 40
    assert carol["backOrderInfo"][0]["etaDate"] == emulator.clock.date(
        emulator.clock.now() + 72 * 3600)


def test_unknown_parts_get_the_per_item_error_and_a_207(http, hdrs):
    response = price(http, hdrs, [{"ingramPartNumber": "DF4128"},
                                  {"ingramPartNumber": "12351211"},
                                  {"vendorPartNumber": "NOPE-1"}])
    assert response.status_code == 207
    good, bad_ipn, bad_vpn = response.json()
    assert "pricing" in good
    assert bad_ipn == {"productStatusCode": "E", "ingramPartNumber": "12351211",
                       "productStatusMessage": "Product not found for IngramPartNumber:  "
                                               "12351211"}
    assert bad_vpn["productStatusCode"] == "E" and bad_vpn["vendorPartNumber"] == "NOPE-1"


def test_fifty_parts_at_most(http, hdrs):
    fifty = [{"ingramPartNumber": "DF4128"}] * 50
    assert price(http, hdrs, fifty).status_code == 200
    response = price(http, hdrs, fifty + [{"ingramPartNumber": "DF4128"}])
    assert response.status_code == 400
    assert "50" in response.json()["errors"][0]["fields"][0]["message"]
    assert price(http, hdrs, []).status_code == 400


def test_flags_choose_what_comes_back(http, hdrs):
    assert price(http, hdrs, [{"ingramPartNumber": "DF4128"}],
                 params={"includePricing": "true"}).status_code == 400
    bare = price(http, hdrs, [{"ingramPartNumber": "DF4128"}],
                 params={"includeAvailability": "false", "includePricing": "false"}).json()[0]
    assert "availability" not in bare and "pricing" not in bare and "upc" not in bare
    full = price(http, hdrs, [{"ingramPartNumber": "DF4128"}],
                 params=dict(BOTH, includeProductAttributes="true"),
                 showAvailableDiscounts=True).json()[0]
    assert full["upc"] == "097855070340" and full["uom"] == "EA"
    assert full["discounts"][0]["quantityDiscounts"][0]["quantity"] == 10
    one = price(http, hdrs, [{"ingramPartNumber": "DF4128"}],
                availabilityByWarehouse=[{"availabilityByWarehouseId": "20"}]).json()[0]
    assert one["availability"]["totalAvailability"] == 35
    assert [w["warehouseId"] for w in one["availability"]["availabilityByWarehouse"]] == ["20"]
    totals = price(http, hdrs, [{"ingramPartNumber": "DF4128"}], availabilityByWarehouse=[
        {"availabilityForAllLocation": False}]).json()[0]
    assert "availabilityByWarehouse" not in totals["availability"]


def order(http, hdrs, number, lines, hold=False):
    body = {"customerOrderNumber": number, "lines": lines}
    if hold:
        body["additionalAttributes"] = [{"attributeName": "allowOrderOnCustomerHold",
                                         "attributeValue": "true"}]
    response = http.post("/resellers/v6/orders", json=body, headers=hdrs())
    assert response.status_code == 201, response.text
    return response.json()["orders"][0]["ingramOrderNumber"]


def test_orders_consume_the_stock_of_the_warehouse_that_ships_them(http, hdrs):
    order(http, hdrs, "PO-STOCK-1", [{"ingramPartNumber": "DF4128", "quantity": 5}])
    assert stock_of(http, hdrs, "DF4128")["10"] == (115, 0)
    # A held order takes nothing until it is released; a cancelled one never does.
    held = order(http, hdrs, "PO-STOCK-2", [{"ingramPartNumber": "TXSLM3", "quantity": 4}],
                 hold=True)
    assert stock_of(http, hdrs, "TXSLM3")["20"] == (64, 0)
    http.put("/resellers/v6/orders/%s" % held, params={"actionCode": "release"}, json={},
             headers=hdrs())
    assert stock_of(http, hdrs, "TXSLM3")["20"] == (60, 0)
    voided = order(http, hdrs, "PO-STOCK-3", [{"ingramPartNumber": "2GZ200", "quantity": 2}],
                   hold=True)
    http.delete("/resellers/v6/orders/%s" % voided, headers=hdrs())
    assert stock_of(http, hdrs, "2GZ200")["10"] == (40, 0)
    # More than the shipping warehouse holds: the rest is back-ordered there.
    order(http, hdrs, "PO-STOCK-4", [{"ingramPartNumber": "1C6094", "quantity": 5}])
    assert stock_of(http, hdrs, "1C6094") == {"10": (0, 2), "20": (500, 0), "30": (210, 0)}


def test_each_emulator_has_its_own_stock(server, http, hdrs):
    from emulator import EmulatorServer
    order(http, hdrs, "PO-OWN", [{"ingramPartNumber": "CD9807", "quantity": 3}])
    other = EmulatorServer(port=0).start()
    try:
        assert other.emulator.xvantage is not server.emulator.xvantage
        from emulator.xvantage import catalog
        assert catalog.stock(other.emulator.xvantage.store).available("CD9807", "30") == 18
        assert catalog.stock(server.emulator.xvantage.store).available("CD9807", "30") == 15
    finally:
        other.stop()


# -- vendor-required info ----------------------------------------------------------------

def vri(http, hdrs, products, **overrides):
    return http.post("/resellers/v7/vendorrequiredinfo", json={"products": products},
                     headers=hdrs(**overrides))


def test_vendor_required_info_names_the_fields_per_part(http, hdrs):
    response = vri(http, hdrs, [{"ingramPartNumber": "5DV320"}, {"planID": "438292"},
                                {"vendorPartNumber": "920-008671"}])
    assert response.status_code == 200
    software, licence, mouse = response.json()
    assert [a["attributeName"] for a in
            software["vmfAdditionalAttributes"][0]["additionalAttributes"]] == [
        "HEADER_ENDUSER", "VEUD_AUTH_NBR_FLG"]
    assert software["vriAdditionalAttributes"] == []
    assert licence["ingramPartNumber"] == "MS365B"
    assert "email_address_agreement" in [a["attributeName"]
                                         for a in licence["vriAdditionalAttributes"]]
    assert mouse["vmfAdditionalAttributes"] == [] and mouse["vriAdditionalAttributes"] == []


def test_vendor_required_info_unknown_part_and_sender_header(http, hdrs):
    unknown = vri(http, hdrs, [{"ingramPartNumber": "NOPE99"}]).json()[0]
    assert unknown["ingramPartNumber"] == "NOPE99"
    assert "not found" in unknown["responseMessages"][0]["message"]
    # This operation declares IM-SenderID required.
    response = vri(http, hdrs, [{"ingramPartNumber": "5DV320"}], IM_SenderID=None)
    assert response.status_code == 400
    assert response.json()["errors"][0]["fields"][0]["message"] == "Sender ID is missing."
    assert vri(http, hdrs, []).status_code == 400


# -- freight -----------------------------------------------------------------------------

def freight(http, hdrs, lines, contact="buyer@example.com", **body):
    headers = hdrs() if contact is None else hdrs(IM_CustomerContact=contact)
    payload = dict({"shipToAddress": {"companyName": "ABC TECH", "city": "LENEXA",
                                      "state": "KS", "postalCode": "66219",
                                      "countryCode": "US"}, "lines": lines}, **body)
    return http.post("/resellers/v6/freightestimate", json=payload, headers=headers)


def test_freight_estimate_per_shipping_warehouse(http, hdrs):
    response = freight(http, hdrs, [
        {"customerLineNumber": "001", "ingramPartNumber": "DF4128", "quantity": "2"},
        {"customerLineNumber": "002", "ingramPartNumber": "CD9807", "quantity": "1",
         "carrierCode": "UG"},
        {"customerLineNumber": "003", "ingramPartNumber": "MS365B", "quantity": "10"}])
    assert response.status_code == 200
    body = response.json()["freightEstimateResponse"]
    by_branch = {d["shipFromBranchNumber"]: d for d in body["distribution"]}
    assert sorted(by_branch) == ["10", "30"]  # the licence ships no box
    assert by_branch["30"]["carrierCode"] == "UG" and by_branch["10"]["carrierCode"] == "RG"
    assert by_branch["10"]["totalWeight"] == 6.2
    assert body["totalFreightAmount"] == round(sum(d["freightRate"]
                                                   for d in body["distribution"]), 2)
    assert body["totalNetAmount"] == round(2 * 61.22 + 849.5 + 10 * 150.0, 2)
    assert body["grossAmount"] == round(body["totalNetAmount"] + body["totalFreightAmount"], 2)
    assert [line["quantity"] for line in body["lines"]] == [2, 1, 10]


def test_freight_errors_are_flat(http, hdrs):
    missing = freight(http, hdrs, [{"ingramPartNumber": "DF4128", "quantity": "1"}],
                      contact=None)
    assert missing.status_code == 400
    assert missing.json()["fields"][0]["field"] == "IM-CustomerContact"
    unknown = freight(http, hdrs, [{"ingramPartNumber": "NOPE99", "quantity": "1"}])
    assert unknown.status_code == 400 and set(unknown.json()) == {"traceid", "type", "fields"}
    assert unknown.json()["fields"][0]["value"] == "NOPE99"
    assert freight(http, hdrs, []).status_code == 400
