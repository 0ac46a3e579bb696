"""Contract check for the catalog side: the official ``xi.sdk.resellers`` SDK, over real HTTP
against the emulator, reads every catalog, vendor-required-info and freight body the
emulator sends, losslessly (see tests/test_xvantage_sdk.py for what that proves).

Where the emulator departs from the spec's examples to satisfy the SDK: ``warehouseId`` is a
string, ``HasReturnLimits``/``IsBackOrderAllowed`` are capitalised, ``vriAdditionalAttributes``
is a flat list of fields, and freight errors are flat ``{traceid, type, fields}``. Not
covered: P&A ``discounts[].specialPricing`` (its dates come back from the SDK as ``date``
objects, so a lossless comparison cannot hold) -- the emulator does not send it.
"""

import json
import uuid

import pytest
import xi.sdk.resellers as sdk
from xi.sdk.resellers.exceptions import BadRequestException, NotFoundException

from test_xvantage_sdk import new_token

CUSTOMER, COUNTRY, SENDER = "20-222222", "US", "sdk-tests"


def _without_none(value):
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


def assert_lossless(response):
    """The SDK model holds exactly what the emulator sent. Some catalog models write their
    nullable fields back as ``None`` even when they were never sent, so ``None`` counts as
    absent on both sides."""
    sent = _without_none(json.loads(response.raw_data))
    assert _without_none(response.data.to_dict()) == sent


def assert_list_lossless(response):
    sent = _without_none(json.loads(response.raw_data))
    assert [_without_none(item.to_dict()) for item in response.data] == sent


@pytest.fixture(params=["", "/sandbox"], ids=["production", "sandbox"])
def client(request, server):
    return sdk.ApiClient(sdk.Configuration(host=server.url + request.param,
                                           access_token=new_token(server)))


@pytest.fixture
def catalog(client):
    return sdk.ProductCatalogApi(client)


def ids(**extra):
    return dict(im_customer_number=CUSTOMER, im_country_code=COUNTRY,
                im_correlation_id=uuid.uuid4().hex, im_sender_id=SENDER, **extra)


def test_product_search_catalog_and_subscription_pages(catalog):
    response = catalog.get_reseller_v6_productsearch_with_http_info(
        page_size=3, page_number=2, type="IM::any", **ids())
    assert response.status_code == 200 and len(response.data.catalog) == 3
    assert_lossless(response)
    response = catalog.get_reseller_v6_productsearch_with_http_info(
        keyword=["notebook", "ipad"], vendor=["LENOVO", "APPLE"], has_discounts="false",
        category="Notebooks & Tablets", skip_authorisation="true", accept_language="en",
        **ids())
    assert [r.ingram_part_number for r in response.data.catalog] == ["6YC337", "CD9807"]
    assert_lossless(response)
    plans = catalog.get_reseller_v6_productsearch_with_http_info(
        type="IM::subscription", plan_id="438292", **ids())
    assert plans.data.subscription_catalog[0].plans[0].plan_id == "438292"
    assert_lossless(plans)
    groups = catalog.get_reseller_v6_productsearch_with_http_info(
        show_group_info=True, **ids())
    assert groups.data.subscription_catalog[0].number_of_plans == "1"
    assert_lossless(groups)


def test_product_search_no_match_is_a_parsed_404(catalog):
    with pytest.raises(NotFoundException) as info:
        catalog.get_reseller_v6_productsearch(keyword=["nothing-like-it"], **ids())
    assert info.value.data.errors[0].message == "No Records Found"


@pytest.mark.parametrize("part", ["DF4128", "BO0001", "EOL512", "MS365B", "5DV320"])
def test_product_details(catalog, part):
    response = catalog.get_reseller_v6_productdetail_with_http_info(part, **ids())
    assert response.data.ingram_part_number == part
    assert_lossless(response)


def test_product_details_flags_and_errors(catalog):
    eol = catalog.get_reseller_v6_productdetail("EOL512", **ids())
    assert eol.indicators.is_back_order_allowed is False
    assert eol.indicators.has_return_limits is False
    with pytest.raises(NotFoundException) as info:
        catalog.get_reseller_v6_productdetail("NOPE99", **ids())
    assert info.value.data.errors[0].message == "No Records Found"


def test_product_details_by_plan_or_vendor_part(catalog):
    by_plan = catalog.get_reseller_v6_productdetailcmp_with_http_info(plan_id="471490",
                                                                      **ids())
    assert by_plan.data.subscription_details[0].options[0].resource_id
    assert_lossless(by_plan)
    by_name = catalog.get_reseller_v6_productdetailcmp_with_http_info(
        plan_name="Microsoft 365 Business Standard (NCE COM ANN)", **ids())
    assert by_name.data.subscription_details[0].billing_period.billing_period_unit == "YEAR"
    assert_lossless(by_name)
    by_vpn = catalog.get_reseller_v6_productdetailcmp_with_http_info(
        vendor_part_number="NBX-9807", **ids())
    assert by_vpn.data.ingram_part_number == "CD9807"
    assert_lossless(by_vpn)
    with pytest.raises(BadRequestException) as info:
        catalog.get_reseller_v6_productdetailcmp(**ids())
    assert info.value.data.errors[0].fields[0].var_field == "vendorPartNumber"


def test_price_and_availability_200_207_and_51(catalog):
    body = sdk.PriceAndAvailabilityRequest.from_dict({
        "showAvailableDiscounts": True,
        "availabilityByWarehouse": [{"availabilityForAllLocation": True}],
        "products": [{"ingramPartNumber": "DF4128", "quantityRequested": "2"},
                     {"vendorPartNumber": "BO-0001"}, {"upc": "190781234512"},
                     {"planID": "438292"}]})
    response = catalog.post_priceandavailability_with_http_info(
        True, True, include_product_attributes=True, price_and_availability_request=body,
        **ids())
    assert response.status_code == 200
    mouse = response.data[0]
    assert mouse.availability.availability_by_warehouse[0].warehouse_id == "10"
    assert mouse.discounts[0].quantity_discounts[0].amount > 0
    assert response.data[2].ingram_part_number == "EOL512"
    assert_list_lossless(response)
    mixed = sdk.PriceAndAvailabilityRequest.from_dict({"products": [
        {"ingramPartNumber": "DF4128"}, {"ingramPartNumber": "12351211"},
        {"customerPartNumber": "MINE-1"}]})
    response = catalog.post_priceandavailability_with_http_info(
        False, True, price_and_availability_request=mixed, **ids())
    assert response.status_code == 207
    assert [r.product_status_code for r in response.data] == [None, "E", "E"]
    assert_list_lossless(response)
    many = sdk.PriceAndAvailabilityRequest.from_dict(
        {"products": [{"ingramPartNumber": "DF4128"}] * 51})
    with pytest.raises(BadRequestException) as info:
        catalog.post_priceandavailability(True, True, price_and_availability_request=many,
                                          **ids())
    assert info.value.data.errors[0].fields[0].var_field == "products"


def test_vendor_required_info(client):
    orders = sdk.OrdersApi(client)
    body = sdk.VendorRequiredInfoRequest.from_dict({"products": [
        {"ingramPartNumber": "5DV320"}, {"vendorPartNumber": "CFQ7TTC0LFK5:0001"},
        {"planID": "438292"}, {"ingramPartNumber": "DF4128"}, {"ingramPartNumber": "NOPE99"}]})
    response = orders.vendor_required_info_with_http_info(
        vendor_required_info_request=body, **ids())
    software, defender, licence, mouse, unknown = response.data
    names = [a.attribute_name for a in software.vmf_additional_attributes[0]
             .additional_attributes]
    assert names == ["HEADER_ENDUSER", "VEUD_AUTH_NBR_FLG"]
    assert [a.attribute_name for a in defender.vri_additional_attributes] == [
        "tier1_mpn", "email_address_agreement"]
    assert licence.plan_id == "438292" and mouse.vmf_additional_attributes == []
    assert unknown.response_messages[0].message
    assert_list_lossless(response)


def test_freight_estimate(client):
    freight = sdk.FreightEstimateApi(client)
    body = sdk.FreightRequest.from_dict({
        "billToAddressId": "000", "shipToAddressId": "200",
        "shipToAddress": {"companyName": "ABC TECH", "addressLine1": "17501 W 98TH ST",
                          "city": "LENEXA", "state": "KS", "postalCode": "662191736",
                          "countryCode": "US"},
        "lines": [{"customerLineNumber": "001", "ingramPartNumber": "TXSLM3",
                   "quantity": "1", "warehouseId": "20", "carrierCode": ""},
                  {"customerLineNumber": "002", "ingramPartNumber": "DF4128",
                   "quantity": "3", "warehouseId": "10", "carrierCode": "HD"}]})
    response = freight.post_freightestimate_with_http_info(
        im_customer_contact="buyer@example.com", freight_request=body, **ids())
    estimate = response.data.freight_estimate_response
    assert [d.ship_from_branch_number for d in estimate.distribution] == ["10", "20"]
    assert estimate.distribution[0].carrier_code == "HD"
    assert estimate.distribution[0].carrier_list[0].estimated_freight_charge
    assert_lossless(response)
    bad = sdk.FreightRequest.from_dict({"shipToAddressId": "200", "lines": [
        {"ingramPartNumber": "NOPE99", "quantity": "1"}]})
    with pytest.raises(BadRequestException) as info:
        freight.post_freightestimate(im_customer_contact="buyer@example.com",
                                     freight_request=bad, **ids())
    assert info.value.data.fields[0].value == "NOPE99"
