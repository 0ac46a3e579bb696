"""The shared Xvantage client: retries, rate limits, error shapes, lenient parsing."""

import pytest

from ingram_lib.xvantage import results
from ingram_lib.core.config import xvantage_settings
from ingram_lib.core.errors import ApiError, RateLimitError
from ingram_lib.core.http import RetryPolicy
from ingram_lib.xvantage.client import XvantageClient, parse_error, token_lifetime


def client_for(config, sleep=None):
    settings = xvantage_settings(config)
    retry = RetryPolicy(max_retries=3, max_wait=120, sleep=sleep or (lambda s: None))
    return XvantageClient(settings, retry=retry)


def test_get_waits_out_the_rate_limit_and_succeeds(config, emulator):
    emulator.xvantage.rate_limit.configure(enabled=True, limit=3)
    waits = []

    def sleep(seconds):
        waits.append(seconds)
        emulator.clock.advance(seconds)
    client = client_for(config, sleep)
    number = emulator.xvantage.store.all()[0].number
    for _ in range(4):
        assert client.get_order(number)["ingramOrderNumber"] == number
    assert len(waits) == 1 and 0 < waits[0] <= 60
    route = "/resellers/v6.1/orders/{ordernumber}"
    assert emulator.request_count(api="xvantage", method="GET", route=route) == 5


def test_rate_limit_is_per_endpoint(config, emulator):
    emulator.xvantage.rate_limit.configure(enabled=True, limit=2)
    client = client_for(config)
    number = emulator.xvantage.store.all()[0].number
    client.get_order(number)
    client.get_order(number)
    client.search_page({})  # another endpoint, another budget
    with pytest.raises(RateLimitError) as info:
        client_for(config, sleep=lambda s: None).get_order(number)
    assert info.value.status == 429 and "too many requests" in info.value.message


def test_create_is_not_retried_on_429(config, emulator):
    emulator.faults.add(kind="status", status=429, retry_after=1, api="xvantage",
                        method="POST", path="/resellers/v6/orders$", count=1)
    with pytest.raises(RateLimitError):
        client_for(config).create_order({"customerOrderNumber": "PO-429", "lines": [
            {"ingramPartNumber": "DF4128", "quantity": 1}]})
    assert emulator.request_count(api="xvantage", method="POST",
                                  route="/resellers/v6/orders") == 1


def test_errors_carry_the_correlation_id_of_the_call(config, emulator):
    with pytest.raises(ApiError) as info:
        client_for(config).get_order("20-NOPE1")
    error = info.value
    assert error.status == 404 and error.message.startswith("Order not found.")
    assert len(error.correlation_id) == 32
    assert "[error id " in error.message


@pytest.mark.parametrize("body,expected", [
    ({"errors": [{"id": "123-bw", "type": "/errors/validation-failed",
                  "message": "Validation failed",
                  "fields": [{"field": "Country Code", "message": "Country Code is missing."}]}]},
     "Validation failed: Country Code: Country Code is missing. [error id 123-bw]"),
    ({"errors": [{"traceid": "t-1", "1ype": "x", "messaage": "typo"}]}, "typo [error id t-1]"),
    ({"traceid": "t-2", "type": "/errors/validation-error", "message": "v7 flat"},
     "v7 flat [error id t-2]"),
    ({"message": "Unsupported grant type"}, "Unsupported grant type"),
    ({"fault": {"faultstring": "Invalid access token",
                "detail": {"errorcode": "oauth.v2.InvalidAccessToken"}}},
     "Invalid access token (oauth.v2.InvalidAccessToken)"),
    ({"faultcode": "Server", "faultstring": "Invalid customer number."},
     "Invalid customer number."),
    ({"errors": [{"field": None, "message": "too many requests"}]}, "too many requests"),
])
def test_every_documented_error_shape_is_understood(body, expected):
    assert parse_error(body) == (expected, None)


@pytest.mark.parametrize("value,seconds", [("86399", 86399 - 240), (2592000, 86400 - 240),
                                           (None, 3600 - 240), ("abc", 3600 - 240)])
def test_token_lifetime_accepts_strings_and_numbers_capped_at_a_day(value, seconds):
    assert token_lifetime(value) == seconds


def test_create_result_from_the_spec_example_shape():
    # The spec's 207 example: shipmentDetails an object, the "customerLinenumber" key,
    # an im:: status.
    body = {"customerOrderNumber": "TESTING_APR08", "orders": [{
        "ingramOrderNumber": "20-RFDMQ", "orderTotal": "7.13",
        "lines": [{"lineStatus": "im::backordered", "quantityOrdered": "1",
                   "shipmentDetails": {"carrierCode": "4M"}}],
        "rejectedLineItems": [{"customerLinenumber": "1", "ingramPartNumber": "DF4128MW",
                               "quantityOrdered": 1, "rejectCode": "EN",
                               "rejectReason": "SKU-NOTFOUND    DF4128MW"}]}]}
    result = results.create_result(207, body)
    assert result["outcome"] == "partial"
    assert result["rejectedLines"][0]["customerLineNumber"] == "1"
    order = result["orders"][0]
    assert order["orderTotal"] == 7.13
    assert order["lines"][0]["lineStatus"] == "BACKORDERED"
    assert order["lines"][0]["shipmentDetails"] == [{"carrierCode": "4M"}]
    assert order["lines"][0]["quantityOrdered"] == 1


def test_search_page_from_the_spec_example_shape():
    body = {"recordsFound": "123", "pageSize": "25", "pageNumber": "1", "orders": [{
        "ingramOrderNumber": "20-RD128", "orderTotal": "120.00", "orderStatus": "OPEN",
        "subOrders": [{"subOrderNumber": "20-RD128-11", "subOrderTotal": "100.00",
                       "subOrderStatus": "SHIPPED",
                       "links": {"topic": "orders", "href": "/x", "type": "GET"}}]}]}
    page = results.search_page(200, body, 1, 25)
    assert page["recordsFound"] == 123 and page["truncated"] is True
    order = page["orders"][0]
    assert order["orderTotal"] == 120.0 and order["orderStatus"] == "SHIPPED"
    assert order["orderStatusRaw"] == "OPEN"
    assert order["subOrders"][0]["subOrderTotal"] == 100.0
    assert order["subOrders"][0]["links"][0]["href"] == "/x"


def test_modify_result_from_the_spec_example_shape():
    body = {"orderNumber": "20-RF9N6", "orderStatus": "im::hold",
            "lines": [{"lineNumber": 5, "shipmentDetails": {"carrierCode": "OT"}}],
            "rejectedLineItems": [{"customerLineNumber": "1", "ingramPartNumber": "DF4128",
                                   "rejectCode": "EQ", "rejectReason": "ERROR-INVALID-QTY"}]}
    result = results.modify_result(200, body)
    assert result["ingramOrderNumber"] == "20-RF9N6"
    assert result["orderStatus"] == "ON HOLD" and result["outcome"] == "partial"
    assert result["lines"][0]["ingramLineNumber"] == "5"
    assert "ERROR-INVALID-QTY" in result["summary"]


@pytest.mark.parametrize("raw,canonical", [
    ("IM::SHIPPED", "SHIPPED"), ("Canceled", "CANCELLED"), ("voided", "CANCELLED"),
    ("In Progress", "PROCESSING"), ("im::open", "PROCESSING"), ("On Hold", "ON HOLD"),
    ("im::hold", "ON HOLD"), ("Backordered", "BACKORDERED"), ("delivered", "DELIVERED")])
def test_statuses_are_normalised(raw, canonical):
    assert results.status(raw) == canonical


def test_modify_that_adds_or_deletes_lines_is_sent_once(config, emulator):
    client = client_for(config)
    created = client.create_order({"customerOrderNumber": "PO-M1", "lines": [
        {"ingramPartNumber": "DF4128", "quantity": 1}], "additionalAttributes": [
        {"attributeName": "allowOrderOnCustomerHold", "attributeValue": "true"}]})
    number = created["ingramOrderNumbers"][0]
    emulator.faults.add(kind="status", status=503, api="xvantage", method="PUT", count=2)
    with pytest.raises(ApiError):
        client.modify_order(number, {"lines": [{"addUpdateDeleteLine": "ADD",
                                                "ingramPartNumber": "2GZ200", "quantity": 1}]})
    route = "/resellers/v6/orders/{orderNumber}"
    assert emulator.request_count(api="xvantage", method="PUT", route=route) == 1
    result = client.modify_order(number, {"notes": "retried safely"})
    assert result["notes"] == "retried safely"
    assert emulator.request_count(api="xvantage", method="PUT", route=route) == 3
