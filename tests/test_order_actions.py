"""Order, subscription and report actions against the emulator over real HTTP."""

import copy

import httpx
import pytest

from spec_check import errors as spec_errors

import clock_support
from clock_support import at_times_of_day
from conftest import make_config
from runner import execute

# conftest's emulator, started at the instant of each @at_times_of_day run.
server, time_of_day = clock_support.server, clock_support.time_of_day


def product_of(emulator, family, name_part=""):
    for product in emulator.marketplace.state.products.values():
        if product.get("_family") == family and name_part in product["name"]:
            return product
    raise AssertionError(family)


def customer(emulator, index=3):
    return list(emulator.marketplace.state.customers.values())[index]["id"]


def office_line(emulator, quantity=2, domain="advworks"):
    product = product_of(emulator, "office365", "legacy CSP")
    return {"mpn": product["mpn"], "quantity": quantity,
            "parameters": [{"name": "domain", "value": domain}]}


def subscription(emulator, term):
    return next(s for s in emulator.marketplace.state.subscriptions.values()
                if s["subscriptionPeriod"]["type"] == term and s["status"] == "active")


def fast_orders(server, **timing):
    values = {"submit_seconds": 0.05, "sales_seconds": 0.2, "change_seconds": 0.2,
              "cancellation_seconds": 0.2}
    values.update(timing)
    httpx.post(server.url + "/_emulator/marketplace/orders/timing", json=values)


def order_posts(emulator):
    return emulator.request_count(method="POST", route="/orders")


def assert_spec(name, body):
    # The spec types ParameterValue.value as an object, yet its own examples and every
    # observed body carry strings ("domain": "example.org"); only that is tolerated.
    problems = [e for e in spec_errors(name, body)
                if not ("/value:" in e and "is not of type 'object'" in e)]
    assert problems == []


# -- placing orders -------------------------------------------------------------------------------


def test_create_order_generates_and_returns_a_po_number(run_action, emulator):
    result = run_action("create_order", customerId=customer(emulator),
                        products=[office_line(emulator)])
    assert result.succeeded, result.result
    order = result.result["order"]
    assert result.result["poNumber"].startswith("st2-") and len(result.result["poNumber"]) == 12
    assert order["poNumber"] == result.result["poNumber"]
    assert result.result["reconciled"] is False
    assert order["status"] == "submitted" and order["orderNumber"].startswith("SO")
    assert_spec("OrderDetailed", order)


def test_dry_run_validates_and_estimates_but_places_nothing(run_action, emulator):
    before = len(emulator.marketplace.state.orders)
    result = run_action("create_order", customerId=customer(emulator), poNumber="PO-DRY",
                        products=[office_line(emulator, quantity=4)], dry_run=True)
    assert result.succeeded and result.result["placed"] is False
    assert result.result["poNumber"] == "PO-DRY" and result.result["dry_run"] is True
    assert result.result["validation"]["valid"] is True
    assert result.result["estimate"]["total"] == {"amount": "80.00", "currency": "USD"}
    assert order_posts(emulator) == 0
    assert len(emulator.marketplace.state.orders) == before
    assert emulator.request_count(route="/validation/parameters") == 1
    assert emulator.request_count(route="/orders/estimate") == 1


def test_dry_run_fails_when_the_api_rejects_a_parameter(run_action, emulator):
    result = run_action("create_order", customerId=customer(emulator), dry_run=True,
                        products=[office_line(emulator, domain="contoso")])
    assert not result.succeeded
    assert result.result["error"] == "activation_parameter_error"
    assert "Domain is not available" in result.result["message"]
    assert result.result["validation"]["remote_called"] is True
    assert order_posts(emulator) == 0
    assert emulator.request_count(route="/orders/estimate") == 0


def test_local_parameter_error_stops_the_order_before_any_request(run_action, emulator):
    result = run_action("create_order", customerId=customer(emulator),
                        products=[office_line(emulator, domain="advworks.onmicrosoft.com")])
    assert not result.succeeded
    assert result.result["error"] == "activation_parameter_error"
    assert "must not include '.onmicrosoft.com'" in result.result["message"]
    assert order_posts(emulator) == 0
    assert emulator.request_count(route="/validation/parameters") == 0


def test_api_business_rejection_is_not_retried(run_action, emulator):
    line = dict(office_line(emulator), quantity=100000)
    result = run_action("create_order", customerId=customer(emulator), products=[line])
    assert not result.succeeded and result.result["status"] == 500
    assert "out of the allowed range" in result.result["message"]
    assert order_posts(emulator) == 1


@pytest.mark.parametrize("kind", ["timeout", "drop", "html504"])
def test_lost_answer_is_reconciled_without_a_second_order(server, emulator, run_action, kind):
    config = make_config(server, order_timeout=0.5)
    emulator.faults.add(kind=kind, method="POST", path="/orders$", delay=3, count=1)
    before = len(emulator.marketplace.state.orders)
    result = run_action("create_order", _config=config, customerId=customer(emulator),
                        poNumber="PO-LOST-1", products=[office_line(emulator)])
    assert result.succeeded, result.result
    assert result.result["reconciled"] is True
    assert result.result["order"]["poNumber"] == "PO-LOST-1"
    assert len(emulator.marketplace.state.orders) == before + 1  # 0 duplicates
    assert order_posts(emulator) == 1
    stored = list(emulator.marketplace.state.orders.newest_first())[0]
    assert result.result["order"]["id"] == stored["id"]


@pytest.fixture
def quick_reconcile(monkeypatch):
    monkeypatch.setattr("ingram_lib.marketplace.orders.RECONCILE_WAITS", (0, 0.3))


def test_lost_order_that_does_not_exist_is_reported_not_resubmitted(run_action, emulator,
                                                                    quick_reconcile):
    # The gateway fails before the platform sees the request: no order exists.
    emulator.faults.add(kind="status", status=504, method="POST", path="/orders$", count=1)
    before = len(emulator.marketplace.state.orders)
    result = run_action("create_order", customerId=customer(emulator), poNumber="PO-GONE",
                        products=[office_line(emulator)])
    assert not result.succeeded
    assert result.result["error"] == "order_outcome_unknown"
    assert result.result["poNumber"] == "PO-GONE"
    assert "not resubmitted" in result.result["message"]
    assert order_posts(emulator) == 1
    assert len(emulator.marketplace.state.orders) == before


@at_times_of_day
def test_order_that_shows_up_late_is_found_by_a_repeated_lookup(run_action, emulator,
                                                                quick_reconcile):
    import threading
    from emulator.marketplace import orders as emu_orders
    emulator.faults.add(kind="status", status=504, method="POST", path="/orders$", count=1)
    body = {"type": "sales", "customerId": customer(emulator), "poNumber": "PO-LATE",
            "products": [office_line(emulator)]}
    # The platform finishes creating the order after the gateway has given up.
    later = threading.Timer(0.15, emu_orders.create, (emulator.marketplace.state, body))
    later.start()
    result = run_action("create_order", customerId=body["customerId"], poNumber="PO-LATE",
                        products=body["products"])
    later.join()
    assert result.succeeded and result.result["reconciled"] is True
    assert result.result["order"]["poNumber"] == "PO-LATE"
    assert order_posts(emulator) == 1


def test_reconcile_reads_a_bounded_number_of_orders(server, emulator, run_action,
                                                    quick_reconcile):
    httpx.post(server.url + "/_emulator/marketplace/orders/bulk", json={"count": 300})
    emulator.faults.add(kind="status", status=504, method="POST", path="/orders$", count=1)
    run_action("create_order", customerId=customer(emulator, 0), poNumber="PO-NONE",
               products=[office_line(emulator)])
    # two lookups (waits 0 and 0.3 s), each at most 2 pages; details read once per order
    assert emulator.request_count(method="GET", route="/orders") <= 4
    assert emulator.request_count(method="GET", route="/orders/{id}") <= 50


def test_estimate_order(run_action, emulator):
    result = run_action("estimate_order", customerId=customer(emulator),
                        products=[office_line(emulator, quantity=3)])
    assert result.succeeded and result.result["total"]["amount"] == "60.00"
    assert result.result["products"][0]["extendedPrice"]["amount"] == "60.00"
    assert_spec("OrderDetailed", result.result)
    assert order_posts(emulator) == 0


# -- reading and following orders -----------------------------------------------------------------


def test_get_list_update_orders(run_action, emulator):
    placed = run_action("create_order", customerId=customer(emulator),
                        products=[office_line(emulator)]).result["order"]
    got = run_action("get_order", orderId=placed["id"])
    assert got.result["poNumber"] == placed["poNumber"]
    listed = run_action("list_orders", customerId=customer(emulator), status="submitted")
    assert [r["id"] for r in listed.result["data"]] == [placed["id"]]
    assert "poNumber" not in listed.result["data"][0]
    for row in listed.result["data"]:
        assert_spec("Order", row)
    by_number = run_action("list_orders", orderNumber=placed["orderNumber"])
    assert by_number.result["total"] == 1
    updated = run_action("update_order", orderId=placed["id"], statusCode="CL")
    assert updated.result["status"] == "cancelled"
    assert run_action("update_order", orderId=placed["id"]).result["error"] == "parameter_error"


def test_list_filters_are_checked_before_the_call(run_action, emulator):
    bad = run_action("list_orders", status="processing,submitted")
    assert not bad.succeeded and bad.result["parameter"] == "status"
    bad_time = run_action("list_orders", creationTimeFrom="yesterday")
    assert bad_time.result["parameter"] == "creationTimeFrom"
    bad_sub = run_action("list_subscriptions", status="active,hold")
    assert bad_sub.result["parameter"] == "status"
    assert emulator.request_count(route="/orders") == 0
    assert emulator.request_count(route="/subscriptions") == 0


def test_list_orders_time_window_and_reseller_orders(run_action, emulator):
    all_orders = run_action("list_orders", all_pages=True).result
    assert all_orders["total"] == len(emulator.marketplace.state.orders)
    recent = run_action("list_orders", creationTimeFrom=emulator.clock.iso(
        emulator.clock.now() - 200 * 86400)).result
    assert 0 < recent["total"] < all_orders["total"]
    state = emulator.marketplace.state
    owner = state.customers.get(state.orders.get(next(iter(
        state.orders._items)))["customerId"])["resellerId"]
    mine = run_action("list_reseller_orders", resellerId=owner).result
    assert mine["total"] >= 1
    assert all(state.customers.get(r["customerId"])["resellerId"] == owner
               for r in mine["data"])
    missing = run_action("list_reseller_orders", resellerId="999")
    assert not missing.succeeded and missing.result["status"] == 404


def test_wait_for_order_follows_the_life_cycle(server, run_action, emulator):
    fast_orders(server)
    placed = run_action("create_order", customerId=customer(emulator),
                        products=[office_line(emulator)]).result["order"]
    done = run_action("wait_for_order", orderId=placed["id"], poll_interval=0.1)
    assert done.succeeded and done.result["status"] == "completed"
    assert done.result["order"]["provisioningDate"]
    assert done.result["polls"] >= 2
    assert_spec("OrderDetailed", done.result["order"])


def test_wait_for_order_reports_error_and_timeouts(server, run_action, emulator):
    fast_orders(server)
    failing = run_action("create_order", customerId=customer(emulator), poNumber="EMU-ERROR-7",
                         products=[office_line(emulator)]).result["order"]
    outcome = run_action("wait_for_order", orderId=failing["id"], poll_interval=0.1)
    assert not outcome.succeeded and outcome.result["error"] == "order_error"
    tolerant = run_action("wait_for_order", orderId=failing["id"], fail_on_error=False)
    assert tolerant.succeeded and tolerant.result["status"] == "error"
    held = run_action("create_order", customerId=customer(emulator), poNumber="EMU-HOLD-1",
                      products=[office_line(emulator)]).result["order"]
    waited = run_action("wait_for_order", orderId=held["id"], wait_seconds=1, poll_interval=0.2)
    assert not waited.succeeded and waited.result["error"] == "wait_timeout"
    assert waited.result["status"] in ("submitted", "processing")


# -- subscription orders --------------------------------------------------------------------------


def test_change_quantity_places_a_change_order_with_the_new_total(server, run_action, emulator):
    fast_orders(server)
    sub = subscription(emulator, "month")
    before = sub["products"][0]["quantity"]
    result = run_action("change_subscription_quantity", subscriptionId=sub["id"],
                        quantity=before + 2)
    assert result.succeeded, result.result
    order = result.result["order"]
    assert order["type"] == "change" and order["orderNumber"].startswith("CH")
    assert order["products"][0]["quantity"] == before + 2
    assert result.result["previous_quantity"] == before
    run_action("wait_for_order", orderId=order["id"], poll_interval=0.1)
    detail = run_action("get_order", orderId=order["id"]).result
    assert detail["details"][0]["quantity"] == 2.0  # change details carry the signed delta
    after = run_action("get_subscription", subscriptionId=sub["id"]).result
    assert after["products"][0]["quantity"] == before + 2


def test_change_quantity_refuses_while_a_change_order_is_open(run_action, emulator):
    sub = subscription(emulator, "year")  # annual-term changes stay processing for months
    first = run_action("change_subscription_quantity", subscriptionId=sub["id"], quantity=11)
    assert first.succeeded
    emulator.clock.advance(7 * 86400)
    second = run_action("change_subscription_quantity", subscriptionId=sub["id"], quantity=12)
    assert not second.succeeded
    assert second.result["error"] == "order_conflict"
    assert second.result["open_order"]["orderNumber"] == first.result["order"]["orderNumber"]
    assert order_posts(emulator) == 1  # the LO conflict was never provoked


def test_create_order_refuses_a_change_order_while_another_is_open(run_action, emulator):
    sub = subscription(emulator, "year")
    line = {"subscriptionId": sub["id"], "mpn": sub["products"][0]["mpn"],
            "id": sub["products"][0]["id"], "quantity": 15}
    first = run_action("create_order", customerId=sub["customerId"], type="change",
                       products=[line])
    assert first.succeeded, first.result
    second = run_action("create_order", customerId=sub["customerId"], type="change",
                        products=[dict(line, quantity=16)])
    assert second.result["error"] == "order_conflict"
    assert order_posts(emulator) == 1


def test_change_quantity_dry_run_and_same_quantity(run_action, emulator):
    sub = subscription(emulator, "month")
    same = run_action("change_subscription_quantity", subscriptionId=sub["id"],
                      quantity=sub["products"][0]["quantity"])
    assert same.result["error"] == "parameter_error"
    dry = run_action("change_subscription_quantity", subscriptionId=sub["id"], quantity=9,
                     dry_run=True)
    assert dry.succeeded and dry.result["placed"] is False
    assert float(dry.result["estimate"]["details"][0]["quantity"]) == \
        9 - sub["products"][0]["quantity"]
    assert order_posts(emulator) == 0


def test_cancel_subscription(server, run_action, emulator):
    fast_orders(server)
    sub = subscription(emulator, "month")
    dry = run_action("cancel_subscription", subscriptionId=sub["id"], dry_run=True)
    assert dry.succeeded and order_posts(emulator) == 0
    result = run_action("cancel_subscription", subscriptionId=sub["id"], poNumber="PO-CXL")
    order = result.result["order"]
    assert order["type"] == "cancellation" and order["orderNumber"].startswith("CL")
    assert "products" not in order
    run_action("wait_for_order", orderId=order["id"], poll_interval=0.1)
    after = run_action("get_subscription", subscriptionId=sub["id"]).result
    assert after["status"] == "terminated"
    again = run_action("cancel_subscription", subscriptionId=sub["id"])
    assert not again.succeeded and "already terminated" in again.result["message"]


# -- subscriptions --------------------------------------------------------------------------------


def test_list_and_get_subscriptions(run_action, emulator):
    listed = run_action("list_subscriptions", status="active", limit=50).result
    assert listed["total"] == len(emulator.marketplace.state.subscriptions)
    for row in listed["data"]:
        assert "products" not in row and "orderParameters" not in row
        assert_spec("Subscription", row)
    sub = subscription(emulator, "year")
    mine = run_action("list_subscriptions", customerId=sub["customerId"]).result
    assert sub["id"] in [r["id"] for r in mine["data"]]
    detail = run_action("get_subscription", subscriptionId=sub["id"]).result
    assert detail["products"][0]["quantity"] == sub["products"][0]["quantity"]
    assert detail["fulfillmentParameters"][0]["name"] == "ms_customer_id"
    assert detail["orderParameters"][0]["name"] == "domain"
    assert len(detail["lastModifiedDate"]) == 10
    assert_spec("SubscriptionDetailed", detail)
    plan = run_action("get_service_plan", planId=str(detail["planId"]))
    assert plan.succeeded and plan.result["id"] == str(detail["planId"])
    created = detail["creationDate"]
    window = run_action("list_subscriptions", creationDateFrom=created,
                        creationDateTo=created).result
    assert sub["id"] in [r["id"] for r in window["data"]]


@at_times_of_day
def test_a_seeded_subscription_expires_soon(run_action, emulator):
    import datetime
    today = datetime.date.fromisoformat(emulator.clock.date())
    soon = [s for s in emulator.marketplace.state.subscriptions.values()
            if datetime.date.fromisoformat(s["expirationDate"]) - today <=
            datetime.timedelta(days=7)]
    assert soon


def test_update_subscription_renewal_attributes_and_prices(run_action, emulator):
    sub = subscription(emulator, "year")
    mpn = sub["products"][0]["mpn"]
    result = run_action("update_subscription", subscriptionId=sub["id"], renewalStatus=False,
                        attributes={"psa": "T-1"},
                        products=[{"mpn": mpn, "unitPrice": {"amount": "11.00",
                                                             "currency": "USD"}}])
    assert result.succeeded, result.result
    assert result.result["renewalStatus"] is False
    assert result.result["attributes"] == {"psa": "T-1"}
    assert result.result["products"][0]["unitPrice"]["amount"] == "11.00"
    refused = run_action("update_subscription", subscriptionId=sub["id"],
                         products=[{"mpn": mpn, "quantity": 3}])
    assert not refused.succeeded and "change_subscription_quantity" in refused.result["message"]
    nothing = run_action("update_subscription", subscriptionId=sub["id"])
    assert nothing.result["error"] == "parameter_error"
    assert emulator.request_count(method="PATCH") == 1


def test_special_pricing(run_action, emulator):
    sub = subscription(emulator, "month")
    result = run_action("update_subscription_special_pricing", subscriptionId=sub["id"],
                        products=[{"id": sub["products"][0]["id"],
                                   "unitCost": {"amount": "5.50", "currency": "USD"}}])
    assert result.succeeded
    assert result.result["products"][0]["unitCost"]["amount"] == "5.50"
    bad = run_action("update_subscription_special_pricing", subscriptionId=sub["id"],
                     products=[{"mpn": "x"}])
    assert bad.result["error"] == "parameter_error"


def test_emulator_rejects_quantity_and_status_in_patch(config, emulator):
    from ingram_lib.core.config import marketplace_settings
    from ingram_lib.core.errors import ApiError
    from ingram_lib.marketplace.client import MarketplaceClient
    client = MarketplaceClient(marketplace_settings(config, "default"))
    sub = subscription(emulator, "month")
    for body in ({"status": "terminated"}, {"quantity": 3}):
        with pytest.raises(ApiError) as info:
            client.patch(client.path("/subscriptions/{id}", id=sub["id"]), body)
        assert info.value.status == 400


# -- reports --------------------------------------------------------------------------------------


@pytest.fixture
def run_report(config, datastore):
    """Like run_action, for actions with a parameter called ``name``."""
    def run(action, **params):
        return execute.run_action(action, params, config, datastore)
    return run


@at_times_of_day
def test_schedule_get_and_list_reports(run_action, run_report, emulator):
    emulator.clock.advance(2 * 86400)  # the seeded reports are from an earlier day
    scheduled = run_report("schedule_report", name="Orders report",
                           startDate="2024-01-01", format="json")
    assert scheduled.succeeded and scheduled.result["status"] == "submitted"
    assert scheduled.result["type"] == "onetime"
    assert_spec("Report", scheduled.result)
    emulator.clock.advance(60)
    got = run_action("get_report", reportId=scheduled.result["id"]).result
    assert got["status"] == "completed" and got["downloadUrl"].startswith("http://")
    listed = run_action("list_reports", type="onetime", status="completed").result
    assert [r["id"] for r in listed["data"]] == [scheduled.result["id"]]
    # The report's own day: the clock has moved on since, possibly past midnight.
    day = scheduled.result["creationDate"][:10]
    assert run_action("list_reports", from_date=day, to_date=day).result["total"] == 1
    assert run_action("list_reports", status="a,b").result["parameter"] == "status"


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_download_report_waits_and_parses(run_report, emulator, fmt):
    emulator.marketplace.state.report_seconds = 0.3
    result = run_report("download_report", name="Orders report", startDate="2020-01-01",
                        format=fmt, poll_interval=0.1)
    assert result.succeeded, result.result
    rows = result.result["content"]
    assert len(rows) == len(emulator.marketplace.state.orders)
    assert {"orderNumber", "status", "customerId"} <= set(rows[0])


def test_download_report_that_fails(run_report, emulator):
    emulator.marketplace.state.report_seconds = 0.2
    result = run_report("download_report", name="EMU-ERROR report", startDate="2020-01-01",
                        poll_interval=0.1)
    assert not result.succeeded and result.result["error"] == "report_failed"


def test_validation_response_matches_the_spec(config, emulator):
    from ingram_lib.core.config import marketplace_settings
    from ingram_lib.marketplace.client import MarketplaceClient
    client = MarketplaceClient(marketplace_settings(copy.deepcopy(config), "default"))
    office = product_of(emulator, "office365", "legacy CSP")
    body = client.post("/validation/parameters", {
        "customerId": customer(emulator), "products": [
            {"mpn": office["mpn"], "parameters": [{"name": "domain",
                                                   "value": "x1.onmicrosoft.com"}]}]})
    assert_spec("ResultListParameterValidationResult", body)
    assert body["data"][0]["parameters"][0]["result"] == "success"


@pytest.mark.parametrize("kind", ["timeout", "html504"])
def test_cancel_by_patch_is_sent_once_when_the_answer_is_lost(server, run_action, emulator,
                                                              kind):
    placed = run_action("create_order", customerId=customer(emulator),
                        products=[office_line(emulator)]).result["order"]
    config = make_config(server, read_timeout=0.3)
    emulator.faults.add(kind=kind, method="PATCH", path="/orders/", delay=1, count=1)
    updated = run_action("update_order", _config=config, orderId=placed["id"],
                         statusCode="CL")
    assert emulator.request_count(method="PATCH") == 1
    assert updated.succeeded, updated.result
    assert updated.result["status"] == "cancelled"
    assert updated.result["reconciled"] is True


def test_lost_patch_that_did_not_apply_is_reported(server, run_action, emulator):
    placed = run_action("create_order", customerId=customer(emulator),
                        products=[office_line(emulator)]).result["order"]
    config = make_config(server, read_timeout=0.3)
    # The gateway refuses the request before the order service sees it.
    emulator.faults.add(kind="status", status=504, method="PATCH", path="/orders/", count=1)
    updated = run_action("update_order", _config=config, orderId=placed["id"],
                         statusCode="CL")
    assert emulator.request_count(method="PATCH") == 1  # not repeated
    assert not updated.succeeded
    # A 504 may come after the change was made: the order is read back, and since it does
    # not show the change the outcome is unknown -- said so, with the key to check it by.
    assert updated.result["error"] == "outcome_unknown"
    assert updated.result["may_have_happened"] is True
    assert updated.result["lookup"] == {"orderId": placed["id"]}
    assert "504" in updated.result["message"]
    assert emulator.marketplace.state.orders.get(placed["id"])["status"] != "cancelled"


def test_set_to_value_patches_are_still_retried(run_action, emulator):
    target = customer(emulator)
    emulator.faults.add(kind="status", status=503, method="PATCH", path="/customers/", count=1)
    updated = run_action("update_customer", customerId=target, name="Renamed Ltd")
    assert updated.succeeded, updated.result
    assert updated.result["name"] == "Renamed Ltd"


@pytest.mark.parametrize("body", [{}, {"id": "1", "status": "active", "products": [
    {"mpn": "X", "quantity": 1}]}, [], ""])
def test_odd_subscription_answer_is_a_readable_error(run_action, emulator, body):
    sub = subscription(emulator, "month")
    emulator.faults.add(kind="status", status=200, body=body, method="GET",
                        path="/subscriptions/%s$" % sub["id"])
    for action, extra in (("change_subscription_quantity", {"quantity": 7}),
                          ("cancel_subscription", {})):
        result = run_action(action, subscriptionId=sub["id"], **extra)
        assert not result.succeeded, result.result
        assert result.result["error"] == "bad_response"
        assert "subscription" in result.result["message"]
        assert result.result["may_have_happened"] is False
    assert emulator.request_count(method="POST", route="/orders") == 0


def test_empty_order_answer_while_waiting_is_a_readable_error(run_action, emulator):
    placed = run_action("create_order", customerId=customer(emulator),
                        products=[office_line(emulator)]).result["order"]
    emulator.faults.add(kind="status", status=200, body="", method="GET",
                        path="/orders/%s$" % placed["id"])
    waited = run_action("wait_for_order", orderId=placed["id"], wait_seconds=1)
    assert not waited.succeeded
    assert waited.result["error"] == "bad_response"
    assert "not JSON" in waited.result["message"] or "empty" in waited.result["message"]


@pytest.mark.parametrize("method, path", [("POST", "/reports$"), ("GET", "/reports/")])
def test_odd_report_answer_is_a_readable_error(run_report, emulator, method, path):
    emulator.faults.add(kind="status", status=200, body="", method=method, path=path)
    result = run_report("download_report", name="Orders report", startDate="2020-01-01",
                        poll_interval=0.1)
    assert not result.succeeded
    assert result.result["error"] == "bad_response"
    assert result.result["path"].startswith("/reports")
    # Scheduling a report is a write: a POST answered with nothing may still have created it.
    assert result.result["may_have_happened"] is True
    assert result.result["lookup"] == {"name": "Orders report", "startDate": "2020-01-01"}


def test_download_report_stops_past_max_bytes(run_report, emulator):
    emulator.marketplace.state.report_seconds = 0.2
    result = run_report("download_report", name="Orders report", startDate="2020-01-01",
                        poll_interval=0.1, max_bytes=64)
    assert not result.succeeded
    assert result.result["error"] == "too_large" and result.result["max_bytes"] == 64
    assert "se=" not in str(result.result)


def test_download_report_xml_comes_back_as_text(run_report, emulator):
    emulator.marketplace.state.report_seconds = 0.2
    result = run_report("download_report", name="Orders report", startDate="2020-01-01",
                        format="xml", poll_interval=0.1)
    assert result.succeeded, result.result
    assert result.result["text"].startswith("<?xml") and "content" not in result.result


def test_download_report_large_xml_gives_only_the_url(run_report, emulator, monkeypatch):
    monkeypatch.setattr("ingram_lib.marketplace.reports.XML_TEXT_LIMIT", 64)
    emulator.marketplace.state.report_seconds = 0.2
    result = run_report("download_report", name="Orders report", startDate="2020-01-01",
                        format="xml", poll_interval=0.1)
    assert result.succeeded, result.result
    assert "text" not in result.result and result.result["downloadUrl"]
    assert "downloadUrl" in result.result["note"]


def test_download_report_xlsx_is_never_decoded_as_text(run_report, emulator):
    import base64
    import io
    import zipfile
    emulator.marketplace.state.report_seconds = 0.2
    plain = run_report("download_report", name="Orders report", startDate="2020-01-01",
                       format="xlsx", poll_interval=0.1)
    assert plain.succeeded, plain.result
    assert not {"content", "text", "content_base64"} & set(plain.result)
    assert plain.result["downloadUrl"] and "content_base64" in plain.result["note"]
    asked = run_report("download_report", name="Orders report", startDate="2020-01-01",
                       format="xlsx", poll_interval=0.1, content_base64=True)
    data = base64.b64decode(asked.result["content_base64"])
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    first = next(iter(emulator.marketplace.state.orders.values()))
    assert first["orderNumber"] in sheet
    too_big = run_report("download_report", name="Orders report", startDate="2020-01-01",
                         format="xlsx", poll_interval=0.1, content_base64=True, max_bytes=100)
    assert too_big.result["error"] == "too_large"


@at_times_of_day
def test_list_reports_period_days_are_inclusive(run_action, emulator):
    emulator.clock.advance(2 * 86400)  # the seeded reports are from an earlier day
    report = run_action("api_request", path="/reports", method="POST",
                        body={"name": "Orders report", "startDate": "2024-01-01",
                              "format": "csv"}).result
    day = report["creationDate"][:10]
    assert run_action("list_reports", from_date=day).result["total"] == 1
    assert run_action("list_reports", to_date=day, type="onetime").result["total"] == 1
    before = run_action("list_reports", from_date="2020-01-01", to_date="2020-01-31")
    assert before.result["total"] == 0
