"""Contract check: the official ``xi.sdk.resellers`` SDK, pointed at the emulator over real
HTTP, deserializes every response type the emulator produces.

Beyond "it parsed", each body is compared with the SDK model's ``to_dict()``: the SDK drops
fields it does not know and fails on wrong types, so equality means every field the emulator
sends is in the schema and typed as the schema says.

Where SDK 1.3.0 is stricter than the spec: none of the operations used here. The spec's own
*examples* would fail it (numbers as strings, objects for arrays, ``expires_in`` as a
number), which is why the emulator emits schema-typed JSON and the pack's client, not the
SDK, is the lenient reader. Error bodies (header 400, unknown order 404, 429) are read from
the SDK's exceptions (``.body``, and ``.data`` where the operation declares the code) and
must parse as the documented error shape. Not covered: the v7 "201 webhook" response (it is
only sent by webhook) and the 401/404 bodies of modify, which the SDK maps to ``None``.
"""

import json
import uuid

import pytest
# Imported directly, not skipped when missing: it is in requirements-tests.txt, and a
# silently skipped contract check would pass CI without checking anything.
import xi.sdk.resellers as sdk
from xi.sdk.resellers.exceptions import (ApiException, BadRequestException,
                                         NotFoundException)

from ingram_lib.xvantage.client import parse_error

import clock_support
from clock_support import at_times_of_day

# conftest's emulator, started at the instant of each @at_times_of_day run.
server, time_of_day = clock_support.server, clock_support.time_of_day

CUSTOMER, COUNTRY, SENDER = "20-222222", "US", "sdk-tests"
LINES = [{"customerLineNumber": "1", "ingramPartNumber": "DF4128", "quantity": 2},
         {"customerLineNumber": "2", "ingramPartNumber": "6YC337", "quantity": 1}]
HOLD = [{"attributeName": "allowOrderOnCustomerHold", "attributeValue": "true"}]


def _without_none(value):
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


def assert_lossless(response):
    """The SDK model holds exactly what the emulator sent."""
    sent = _without_none(json.loads(response.raw_data))
    assert response.data.to_dict() == sent


def new_token(server):
    token_api = sdk.AccesstokenApi(sdk.ApiClient(sdk.Configuration(host=server.url)))
    token = token_api.get_accesstoken_with_http_info(
        "client_credentials", "emulator-client", "emulator-client-secret")
    assert isinstance(token.data.expires_in, str)
    assert_lossless(token)
    return token.data.access_token


@pytest.fixture(params=["", "/sandbox"], ids=["production", "sandbox"])
def apis(request, server):
    config = sdk.Configuration(host=server.url + request.param,
                               access_token=new_token(server))
    return sdk.OrdersApi(sdk.ApiClient(config))


def ids():
    return dict(im_customer_number=CUSTOMER, im_country_code=COUNTRY,
                im_correlation_id=uuid.uuid4().hex, im_sender_id=SENDER)


def create(orders, number, lines=LINES, attributes=None):
    body = sdk.OrderCreateRequest.from_dict({
        "customerOrderNumber": number, "lines": lines,
        "shipToInfo": {"companyName": "Contoso", "addressLine1": "1 Main St",
                       "city": "Irvine", "state": "CA", "postalCode": "92612",
                       "countryCode": "US"},
        "additionalAttributes": attributes or []})
    response = orders.post_createorder_v6_with_http_info(order_create_request=body, **ids())
    assert_lossless(response)
    return response


def test_create_v6_201_and_207(apis):
    created = create(apis, "SDK-201", attributes=HOLD)
    assert created.status_code == 201
    assert created.data.orders[0].lines[0].quantity_ordered == 2
    partial = create(apis, "SDK-207", LINES + [
        {"customerLineNumber": "3", "ingramPartNumber": "NOPE99", "quantity": 1}])
    assert partial.status_code == 207
    rejected = partial.data.orders[0].rejected_line_items[0]
    assert rejected.reject_code == "EN" and rejected.customer_linenumber == "3"


def test_create_v7(apis):
    body = sdk.OrderCreateV7Request.from_dict({"customerOrderNumber": "SDK-V7",
                                               "lines": LINES})
    response = apis.post_createorder_v7_with_http_info(order_create_v7_request=body, **ids())
    assert response.status_code == 200
    assert response.data.confirmation_number
    assert_lossless(response)


def test_details_in_every_status(apis, server, emulator):
    number = create(apis, "SDK-DET", attributes=HOLD).data.orders[0].ingram_order_number
    held = apis.get_orderdetails_v6_1_with_http_info(number, **ids())
    assert held.data.order_status == "On Hold"
    assert_lossless(held)
    for simulate in ("IM::SHIPPED", "IM::PARTIALLY_SHIPPED", "IM::HOLD", "IM::INVOICED"):
        response = apis.get_orderdetails_v6_1_with_http_info(number, simulate_status=simulate,
                                                             **ids())
        assert_lossless(response)
    release = apis.put_ordermodify_with_http_info(
        number, order_modify_request=sdk.OrderModifyRequest(), action_code="release", **ids())
    assert release.status_code == 200 and release.data.order_status == "PROCESSING"
    assert_lossless(release)
    for hours in (3, 3, 72):
        emulator.clock.advance(hours * 3600)
        apis.api_client.configuration.access_token = new_token(server)  # 24 h tokens
        response = apis.get_orderdetails_v6_1_with_http_info(number, **ids())
        assert_lossless(response)
    line = response.data.lines[1]
    tracking = line.shipment_details[0].carrier_details[0].tracking_details[0]
    assert response.data.order_status == "Delivered"
    assert tracking.tracking_number and tracking.serial_numbers[0].serial_number
    sub = apis.get_orderdetails_v6_1_with_http_info(number + "-21", **ids())
    assert_lossless(sub)


@at_times_of_day
def test_search_pages_filters_and_204(apis, emulator):
    emulator.clock.freeze()
    end = emulator.clock.now()
    start = end - 3600
    emulator.xvantage.bulk_create(40, hold_every=4, start=start, end=end)
    # The days the orders were placed on: two of them when the hour spans midnight.
    response = apis.get_resellers_v6_ordersearch_with_http_info(
        order_status_in=["ON HOLD", "PROCESSING", "BACKORDERED"],
        ingram_order_date_bt=[emulator.clock.date(start), emulator.clock.date(end)],
        page_size=101, page_number=1, **ids())
    assert response.status_code == 200 and response.data.page_size == 100
    assert response.data.records_found >= 40
    assert_lossless(response)
    response = apis.get_resellers_v6_ordersearch_with_http_info(
        order_status="ON HOLD", page_size=5, page_number=2, **ids())
    assert len(response.data.orders) == 5
    assert_lossless(response)
    empty = apis.get_resellers_v6_ordersearch_with_http_info(customer_order_number="NONE",
                                                             **ids())
    assert empty.status_code == 204 and empty.data is None


def test_modify_200_201_207_and_errors(apis):
    number = create(apis, "SDK-MOD", attributes=HOLD).data.orders[0].ingram_order_number

    def modify(body):
        response = apis.put_ordermodify_with_http_info(
            number, order_modify_request=sdk.OrderModifyRequest.from_dict(body), **ids())
        assert_lossless(response)
        return response
    added = modify({"lines": [{"addUpdateDeleteLine": "ADD", "ingramPartNumber": "2GZ200",
                               "quantity": 2},
                              {"addUpdateDeleteLine": "UPDATE", "ingramLineNumber": "001",
                               "quantity": 3}]})
    assert added.status_code == 201 and len(added.data.lines) == 2
    rejected = modify({"lines": [{"addUpdateDeleteLine": "DELETE",
                                  "ingramLineNumber": "009"}]})
    assert rejected.status_code == 200
    assert rejected.data.rejected_line_items[0].reject_reason == "ERROR-LINE-NOT-FOUND"
    address = modify({"notes": "x", "shipToInfo": {"postalCode": "ABCDE", "countryCode": "US"},
                      "lines": [{"addUpdateDeleteLine": "DELETE", "ingramLineNumber": "002"}]})
    assert address.status_code == 207 and "address" in address.data.change_description
    apis.delete_ordercancel(number, **ids())
    with pytest.raises(BadRequestException) as info:
        modify({"notes": "too late"})
    assert info.value.data.errors[0].fields[0].message.startswith("Order can not be modified")


def test_cancel_200_and_405(apis):
    held = create(apis, "SDK-CAN", attributes=HOLD).data.orders[0].ingram_order_number
    response = apis.delete_ordercancel_with_http_info(held, **ids())
    assert response.status_code == 200 and response.data is None
    normal = create(apis, "SDK-405").data.orders[0].ingram_order_number
    with pytest.raises(ApiException) as info:
        apis.delete_ordercancel(normal, **ids())
    assert info.value.status == 405
    assert info.value.data.errors[0].message.startswith("Order can not be deleted")


def error_messages(exc):
    """The messages of an SDK exception's raw body, read like the pack's client does."""
    body = json.loads(exc.body)
    assert isinstance(body["errors"], list) and body["errors"]
    message, _ = parse_error(body)
    assert message
    return body, message


def test_error_bodies_parse_through_the_sdk_exceptions(apis, emulator):
    # The SDK checks header lengths itself; the optional IM-SenderID, left out of its
    # parameters, can be sent too long through _headers.
    with pytest.raises(BadRequestException) as info:
        apis.get_orderdetails_v6_1_with_http_info(
            "20-NOPE1", **dict(ids(), im_sender_id=None, _headers={"IM-SenderID": "S" * 40}))
    body, message = error_messages(info.value)
    assert body["errors"][0]["fields"][0]["field"] == "IM-SenderID"
    assert "IM-SenderID" in message
    with pytest.raises(NotFoundException) as info:
        apis.get_orderdetails_v6_1_with_http_info("20-NOPE1", **ids())
    body, message = error_messages(info.value)
    assert "not found" in message.lower()
    # No Retry-After: urllib3 (under the SDK) would sleep it out and retry.
    emulator.faults.add(kind="status", status=429, api="xvantage", path="/orders/search",
                        count=1)
    with pytest.raises(ApiException) as info:
        apis.get_resellers_v6_ordersearch_with_http_info(customer_order_number="X", **ids())
    assert info.value.status == 429
    body, message = error_messages(info.value)
    assert body["errors"][0]["message"] == "too many requests"
