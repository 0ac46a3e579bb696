"""How every action ends: one path from an exception to a failed result, a success that
always has a body StackStorm can store, and the one rule for writes whose answer was lost.

Through real HTTP against the emulator; faults are the emulator's own.
"""

import json
import logging

import pytest

from emulator.marketplace.customers import make_customer_body
from ingram_lib.core import errors, limits
from runner.params import ParameterValidationError
from test_order_actions import customer as a_customer, office_line


# -- the error tree and the lost-answer rule ------------------------------------------------

def test_transport_and_api_errors_are_siblings_under_request_error():
    assert not issubclass(errors.TransportError, errors.ApiError)
    for cls in (errors.ApiError, errors.TransportError, errors.BadResponse):
        assert issubclass(cls, errors.RequestError)


@pytest.mark.parametrize("exc, lost", [
    (errors.TransportError("refused", request_sent=False), False),
    (errors.TransportError("timed out", timed_out=True), True),
    (errors.BadResponse("html page", status=200), True),
    (errors.ApiError(502, "bad gateway"), True),
    (errors.ApiError(503, "unavailable"), True),
    (errors.ApiError(504, "gateway timeout"), True),
    (errors.ApiError(500, "Internal Server Error", body=None), True),
    (errors.ApiError(500, "LO conflict", body={"message": "LO conflict"}), False),
    (errors.ApiError(429, "slow down"), False),
    (errors.ApiError(400, "bad"), False),
    (errors.ApiError(404, "gone"), False),
])
def test_one_rule_says_whether_a_write_may_have_happened(exc, lost):
    assert errors.answer_may_be_lost(exc) is lost


# -- a 2xx that is not an answer ----------------------------------------------------------------

@pytest.mark.parametrize("kind", ["html200", "empty200"])
@pytest.mark.parametrize("action, params", [
    ("list_customers", {}),
    ("list_customers", {"all_pages": True}),
    ("get_customer", {"customerId": None}),
])
def test_a_read_answered_with_no_json_fails(run_action, emulator, kind, action, params):
    params = {k: (a_customer(emulator) if v is None else v) for k, v in params.items()}
    emulator.faults.add(kind=kind, api="marketplace", method="GET", path="/customers")
    result = run_action(action, **params)
    assert not result.succeeded, result.result
    assert result.result["error"] == "bad_response"
    assert result.result["status"] == 200 and result.result["path"].startswith("/customers")
    assert "may_have_happened" not in result.result  # a read changes nothing


def test_a_list_answered_with_json_but_no_envelope_fails(run_action, emulator):
    emulator.faults.add(kind="status", status=200, body={"unexpected": True},
                        api="marketplace", method="GET", path="/customers")
    result = run_action("list_customers")
    assert not result.succeeded
    assert result.result["error"] == "bad_response" and "list envelope" in \
        result.result["message"]


def test_an_order_whose_answer_was_a_proxy_page_is_found_not_placed_twice(
        run_action, emulator, monkeypatch):
    monkeypatch.setattr("ingram_lib.marketplace.orders.RECONCILE_WAITS", (0,))
    emulator.faults.add(kind="html200", api="marketplace", method="POST", path="/orders$",
                        count=1)
    result = run_action("create_order", customerId=a_customer(emulator),
                        products=[office_line(emulator)], poNumber="PO-HTML-1")
    assert result.succeeded, result.result
    assert result.result["reconciled"] is True
    assert result.result["order"]["id"] and result.result["order"]["poNumber"] == "PO-HTML-1"
    assert emulator.request_count(method="POST", route="/orders") == 1


def test_a_lost_order_with_failing_lookups_is_outcome_unknown_with_its_po_number(
        run_action, emulator, monkeypatch):
    monkeypatch.setattr("ingram_lib.marketplace.orders.RECONCILE_WAITS", (0, 0))
    emulator.faults.add(kind="drop", api="marketplace", method="POST", path="/orders$",
                        count=1)
    emulator.faults.add(kind="status", status=503, api="marketplace", method="GET",
                        path="/orders")
    result = run_action("create_order", customerId=a_customer(emulator),
                        products=[office_line(emulator)], poNumber="PO-LOST-1")
    assert not result.succeeded
    assert result.result["error"] == "order_outcome_unknown"
    assert result.result["poNumber"] == "PO-LOST-1"
    assert result.result["may_have_happened"] is True
    assert result.result["lookup"]["poNumber"] == "PO-LOST-1"
    assert "503" in result.result["message"]
    assert emulator.request_count(method="POST", route="/orders") == 1


def test_a_generated_po_number_is_the_lookup_key_when_none_was_given(
        run_action, emulator, monkeypatch):
    monkeypatch.setattr("ingram_lib.marketplace.orders.RECONCILE_WAITS", (0,))
    emulator.faults.add(kind="status", status=503, api="marketplace", method="POST",
                        path="/orders$", count=1)
    emulator.faults.add(kind="status", status=503, api="marketplace", method="GET",
                        path="/orders")
    result = run_action("create_order", customerId=a_customer(emulator),
                        products=[office_line(emulator)])
    assert result.result["error"] == "order_outcome_unknown"
    assert result.result["lookup"]["poNumber"].startswith("st2-")


def test_a_refused_write_says_it_did_not_happen(run_action, emulator):
    emulator.faults.add(kind="status", status=429, retry_after=30, api="marketplace",
                        method="POST", path="/customers$")
    body = make_customer_body("Refused Ltd", "EXT-REF", region="CA")
    result = run_action("create_customer", name="Refused Ltd", address=body["address"],
                        contactPersons=body["contactPersons"])
    assert not result.succeeded
    assert result.result["error"] == "rate_limited" and result.result["retry_after"] == 30
    assert result.result["may_have_happened"] is False and "lookup" not in result.result


def test_a_write_that_failed_before_sending_says_it_did_not_happen(run_action, emulator):
    result = run_action("update_order", orderId="1", account="default")
    assert result.result["error"] == "parameter_error"
    assert result.result["parameter"] == "statusCode"
    assert result.result["may_have_happened"] is False


# -- anything unforeseen ------------------------------------------------------------------------

def test_an_unforeseen_exception_is_a_result_and_its_traceback_goes_to_the_log(
        run_action, emulator, monkeypatch, caplog):
    def broken(self, *args, **kwargs):
        raise KeyError("surprise")
    monkeypatch.setattr("ingram_lib.marketplace.client.MarketplaceClient.list", broken)
    with caplog.at_level(logging.ERROR):
        result = run_action("list_customers")
    assert not result.succeeded
    assert result.result["error"] == "internal_error"
    assert result.result["exception"] == "KeyError" and "surprise" in result.result["message"]
    assert "Traceback" not in json.dumps(result.result)
    assert any("Traceback" in r.getMessage() for r in caplog.records)


def test_an_action_that_returns_nothing_is_not_a_success(run_action, monkeypatch):
    monkeypatch.setattr("ingram_lib.action.IngramAction.get_object",
                        lambda self, *a, **k: None)
    result = run_action("get_customer", customerId="1")
    assert not result.succeeded and result.result["error"] == "bad_response"


# -- results StackStorm can store ---------------------------------------------------------------

def test_all_pages_stops_at_the_result_ceiling_and_says_where_to_go_on(
        run_action, emulator, monkeypatch):
    total = len(emulator.marketplace.state.customers)
    one_row = max(len(json.dumps(row)) for row in
                  run_action("list_customers", limit=50).result["data"])
    monkeypatch.setattr(limits, "MAX_RESULT_BYTES", 64 * 1024 + one_row * 4)
    first = run_action("list_customers", all_pages=True)
    assert first.succeeded, first.result
    assert first.result["truncated"] is True and 0 < first.result["count"] < total
    assert len(json.dumps(first.result)) <= limits.MAX_RESULT_BYTES
    assert first.result["next_offset"] == first.result["count"]
    second = run_action("list_customers", all_pages=True,
                        offset=first.result["next_offset"])
    ids = [r["id"] for r in first.result["data"] + second.result["data"]]
    assert len(ids) == len(set(ids))


def test_a_result_over_the_ceiling_is_a_clear_error(run_action, emulator, monkeypatch):
    monkeypatch.setattr(limits, "MAX_RESULT_BYTES", 50)
    result = run_action("get_customer", customerId=a_customer(emulator))
    assert not result.succeeded
    assert result.result["error"] == "result_too_large"
    assert result.result["max_result_bytes"] == 50 and result.result["size"] > 50


@pytest.mark.parametrize("action", ["list_customers", "list_orders", "xvantage_search_orders"])
def test_max_items_has_a_ceiling(run_action, emulator, config, action):
    # The YAML's maximum lets StackStorm refuse it before the action starts; the client
    # refuses it too, for callers that do not go through StackStorm's validation.
    with pytest.raises(ParameterValidationError) as info:
        run_action(action, all_pages=True, max_items=limits.MAX_ITEMS + 1)
    assert info.value.parameter == "max_items"
    assert emulator.request_count() == 0


def test_the_client_refuses_max_items_over_the_ceiling(config, emulator):
    from ingram_lib.core.config import marketplace_settings
    from ingram_lib.marketplace.client import MarketplaceClient
    client = MarketplaceClient(marketplace_settings(config, "default"))
    with pytest.raises(errors.ParameterError) as info:
        client.list("/customers", all_pages=True, max_items=limits.MAX_ITEMS + 1)
    assert info.value.parameter == "max_items"
    assert emulator.request_count() == 0


def test_the_largest_result_fits_a_stackstorm_result_document():
    # MongoDB refuses documents over 16 MiB; StackStorm keeps the result with the rest of
    # the execution record, so the ceiling leaves half of it for the rest.
    assert limits.MAX_RESULT_BYTES <= 16 * 1024 * 1024 // 2
