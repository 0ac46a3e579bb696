"""Term-aware subscription changes (Microsoft NCE) against the emulator over real HTTP:
reductions and cancellations inside and outside the cancellation window, changes scheduled
for the renewal, plan switches, co-terming and migration orders."""

import datetime
import importlib

import httpx
import pytest

import clock_support
from emulator.marketplace import subscriptions as emu_subs
from runner import loader

DAY = 86400


class EmulatorWall(object):
    """The pack's wall clock reads the emulator's: the machine and the platform agree on
    the time, even after a test has moved the emulator's clock forward."""

    def __init__(self, emulator):
        self.emulator = emulator

    def time(self):
        return self.emulator.clock.now()


@pytest.fixture(autouse=True)
def same_clock(monkeypatch, emulator):
    pinned = clock_support.PinnedTime(EmulatorWall(emulator))
    monkeypatch.setattr(importlib.import_module("ingram_lib.marketplace.nce"), "time", pinned)
    monkeypatch.setattr(importlib.import_module("ingram_lib.marketplace.orders"), "time",
                        pinned)


def fast_orders(server):
    httpx.post(server.url + "/_emulator/marketplace/orders/timing",
               json={"submit_seconds": 0.05, "sales_seconds": 0.2, "change_seconds": 0.2,
                     "cancellation_seconds": 0.2})


def product(emulator, name):
    return next(p for p in emulator.marketplace.state.products.values() if p["name"] == name)


BASIC_MONTHLY = "Microsoft 365 Business Basic (NCE, monthly term)"
BASIC_ANNUAL = "Microsoft 365 Business Basic (NCE, annual term, monthly billing)"
PREMIUM_ANNUAL = "Microsoft 365 Business Premium (NCE, annual term, monthly billing)"
LEGACY_E3 = "Office 365 E3 (legacy CSP)"


def customer(emulator, index=3):
    return list(emulator.marketplace.state.customers.values())[index]["id"]


def subscription(emulator, name, quantity=10, days_ago=0):
    """A subscription bought ``days_ago`` days ago (now when 0) with its term untouched."""
    state = emulator.marketplace.state
    if days_ago:
        created = datetime.date.fromisoformat(emulator.clock.date()) - \
            datetime.timedelta(days=days_ago)
        return emu_subs.new_subscription(state, customer(emulator), product(emulator, name),
                                         quantity, created=created)
    return emu_subs.new_subscription(state, customer(emulator), product(emulator, name),
                                     quantity)


def order_posts(emulator):
    return emulator.request_count(method="POST", route="/orders")


def wait(run_action, order_id):
    done = run_action("wait_for_order", orderId=order_id, poll_interval=0.1, wait_seconds=20)
    assert done.succeeded and done.result["finished"], done.result
    return done.result["order"]


def past_renewal(emulator, sub):
    renews = emu_subs.day_start(sub["renewalDate"])
    emulator.clock.advance(renews - emulator.clock.now() + 3600)


def _draft4(schema):
    """st2's output_schema marks required properties draft-3 style (``required: true``);
    the same schema in draft 4 terms, to validate with jsonschema here."""
    if not isinstance(schema, dict):
        return schema
    out = {k: _draft4(v) for k, v in schema.items() if k not in ("required", "properties")}
    props = schema.get("properties")
    if isinstance(props, dict):
        out["properties"] = {k: _draft4(v) for k, v in props.items()}
        wanted = [k for k, v in props.items() if isinstance(v, dict) and v.get("required")]
        if wanted:
            out["required"] = wanted
    if isinstance(schema.get("items"), dict):
        out["items"] = _draft4(schema["items"])
    return out


def assert_output_schema(action, result):
    import jsonschema
    jsonschema.Draft4Validator(_draft4(loader.action_meta(action)["output_schema"])).validate(
        result)


# -- quantity changes against the term ------------------------------------------------------------


def test_reduction_inside_the_window_is_placed_and_refused_once_it_closed(server, emulator,
                                                                         run_action):
    fast_orders(server)
    sub = subscription(emulator, BASIC_ANNUAL, quantity=10)
    inside = run_action("change_subscription_quantity", subscriptionId=sub["id"], quantity=8)
    assert inside.succeeded, inside.result
    assert inside.result["term"]["nce"] and inside.result["term"]["inWindow"]
    assert_output_schema("change_subscription_quantity", inside.result)
    # Annual-term change orders stay processing for months on the platform: let it finish.
    httpx.post(server.url + "/_emulator/marketplace/orders/%s/transition"
               % inside.result["order"]["id"], json={"status": "completed"})
    assert emulator.marketplace.state.subscriptions.get(sub["id"])["products"][0][
        "quantity"] == 8

    emulator.clock.advance(8 * DAY)
    posts = order_posts(emulator)
    late = run_action("change_subscription_quantity", subscriptionId=sub["id"], quantity=6)
    assert not late.succeeded
    assert late.result["error"] == "change_not_allowed"
    assert "168 hours" in late.result["message"] and "scheduledOn=renewal" in \
        late.result["message"]
    assert late.result["may_have_happened"] is False
    assert order_posts(emulator) == posts  # refused before anything was sent


def test_increase_is_placed_at_any_time(server, emulator, run_action):
    fast_orders(server)
    sub = subscription(emulator, BASIC_MONTHLY, quantity=4, days_ago=20)
    result = run_action("change_subscription_quantity", subscriptionId=sub["id"], quantity=9)
    assert result.succeeded, result.result
    wait(run_action, result.result["order"]["id"])
    assert run_action("get_subscription", subscriptionId=sub["id"]).result[
        "products"][0]["quantity"] == 9


def test_a_legacy_subscription_is_reduced_at_any_time(server, emulator, run_action):
    fast_orders(server)
    sub = subscription(emulator, LEGACY_E3, quantity=12, days_ago=20)
    result = run_action("change_subscription_quantity", subscriptionId=sub["id"], quantity=3)
    assert result.succeeded, result.result
    assert result.result["term"]["nce"] is False
    wait(run_action, result.result["order"]["id"])
    assert emulator.marketplace.state.subscriptions.get(sub["id"])["products"][0][
        "quantity"] == 3


def test_reduction_scheduled_for_renewal_applies_when_the_clock_passes_it(emulator,
                                                                         run_action):
    sub = subscription(emulator, BASIC_ANNUAL, quantity=10, days_ago=360)
    result = run_action("change_subscription_quantity", subscriptionId=sub["id"], quantity=7,
                        scheduledOn="renewal", poNumber="PO-AT-RENEWAL")
    assert result.succeeded, result.result
    order = result.result["order"]
    assert order["scheduledOn"] == "renewal" and result.result["scheduledOn"] == "renewal"
    assert order["products"][0]["quantity"] == 7  # the target total, not the delta
    assert_output_schema("change_subscription_quantity", result.result)

    emulator.clock.advance(3600)  # long past any processing time, still before renewal
    mid = run_action("get_order", orderId=order["id"]).result
    assert mid["status"] == "processing"
    assert run_action("get_subscription", subscriptionId=sub["id"]).result[
        "products"][0]["quantity"] == 10

    past_renewal(emulator, sub)
    done = run_action("get_order", orderId=order["id"]).result
    assert done["status"] == "completed"
    assert done["details"][0]["quantity"] == -3.0
    after = run_action("get_subscription", subscriptionId=sub["id"]).result
    assert after["products"][0]["quantity"] == 7


def test_mid_term_reduction_sent_anyway_is_refused_by_the_api(emulator, run_action):
    sub = subscription(emulator, BASIC_ANNUAL, quantity=10, days_ago=100)
    line = {"subscriptionId": sub["id"], "mpn": sub["products"][0]["mpn"],
            "id": sub["products"][0]["id"], "quantity": 6}
    # create_order sends what it is given: the platform itself applies the NCE rule.
    result = run_action("create_order", customerId=sub["customerId"], type="change",
                        products=[line])
    assert not result.succeeded
    assert result.result["status"] == 500 and "168 hours" in result.result["message"]
    assert result.result["may_have_happened"] is False
    assert emulator.marketplace.state.subscriptions.get(sub["id"])["products"][0][
        "quantity"] == 10


# -- cancellation --------------------------------------------------------------------------------


def test_cancel_now_outside_the_window_is_refused_and_at_term_end_waits(emulator,
                                                                       run_action):
    sub = subscription(emulator, BASIC_ANNUAL, quantity=5, days_ago=300)
    now = run_action("cancel_subscription", subscriptionId=sub["id"])
    assert not now.succeeded and now.result["error"] == "change_not_allowed"
    assert "at_term_end=true" in now.result["message"]
    assert order_posts(emulator) == 0
    forced = run_action("create_order", customerId=sub["customerId"], type="cancellation",
                        subscriptionId=sub["id"])
    assert forced.result["status"] == 500 and "168 hours" in forced.result["message"]

    later = run_action("cancel_subscription", subscriptionId=sub["id"], at_term_end=True)
    assert later.succeeded, later.result
    assert later.result["order"]["scheduledOn"] == "renewal"
    assert_output_schema("cancel_subscription", later.result)
    emulator.clock.advance(3 * DAY)
    assert run_action("get_subscription", subscriptionId=sub["id"]).result[
        "status"] == "active"
    past_renewal(emulator, sub)
    assert run_action("get_subscription", subscriptionId=sub["id"]).result[
        "status"] == "terminated"


def test_cancel_inside_the_window_is_immediate(server, emulator, run_action):
    fast_orders(server)
    sub = subscription(emulator, BASIC_MONTHLY, quantity=5)
    result = run_action("cancel_subscription", subscriptionId=sub["id"])
    assert result.succeeded, result.result
    assert result.result["scheduledOn"] is None
    wait(run_action, result.result["order"]["id"])
    assert emulator.marketplace.state.subscriptions.get(sub["id"])["status"] == "terminated"


# -- plan switches -------------------------------------------------------------------------------


def test_service_plan_lists_its_switches(emulator, run_action):
    sub = subscription(emulator, BASIC_MONTHLY)
    plan = run_action("get_service_plan", planId=str(sub["planId"])).result
    periods = {(s["planId"], s["subscriptionPeriod"]["type"]) for s in plan["planSwitches"]}
    assert (sub["planId"], "year") in periods


def test_switch_to_an_allowed_plan_term(server, emulator, run_action):
    fast_orders(server)
    sub = subscription(emulator, BASIC_MONTHLY, quantity=6, days_ago=10)
    dry = run_action("switch_subscription_plan", subscriptionId=sub["id"],
                     planId=str(sub["planId"]),
                     subscriptionPeriod={"type": "year", "duration": 1}, dry_run=True)
    assert dry.succeeded, dry.result
    assert dry.result["placed"] is False and "total" in dry.result["estimate"]
    assert order_posts(emulator) == 0

    result = run_action("switch_subscription_plan", subscriptionId=sub["id"],
                        planId=str(sub["planId"]),
                        subscriptionPeriod={"type": "year", "duration": 1},
                        upgradeStartType="FROM_DATE_OF_UPGRADE")
    assert result.succeeded, result.result
    assert_output_schema("switch_subscription_plan", result.result)
    sent = emulator.sent("POST", "/orders")[-1]
    assert sent["planId"] == sub["planId"] and sent["subscriptionPeriod"]["type"] == "year"
    assert sent["upgradeStartType"] == "FROM_DATE_OF_UPGRADE"
    wait(run_action, result.result["order"]["id"])
    after = run_action("get_subscription", subscriptionId=sub["id"]).result
    assert after["subscriptionPeriod"] == {"type": "year", "duration": 1}
    assert after["products"][0]["name"] == BASIC_ANNUAL
    assert after["products"][0]["quantity"] == 6
    # A new one-year term from the switch (the monthly term would end within a month).
    today = datetime.date.fromisoformat(emulator.clock.date())
    ends = datetime.date.fromisoformat(after["expirationDate"])
    assert 360 <= (ends - today).days <= 366


def test_switch_to_a_plan_not_offered_is_refused(emulator, run_action):
    sub = subscription(emulator, BASIC_MONTHLY, days_ago=10)
    premium = product(emulator, PREMIUM_ANNUAL)["_planId"]
    refused = run_action("switch_subscription_plan", subscriptionId=sub["id"],
                         planId=str(premium))
    assert not refused.succeeded
    assert refused.result["error"] == "change_not_allowed"
    assert "allows plan %s, 1 year term" % sub["planId"] in refused.result["message"]
    assert refused.result["allowed_switches"]
    assert order_posts(emulator) == 0
    forced = run_action("create_order", customerId=sub["customerId"], type="change",
                        subscriptionId=sub["id"], order_fields={"planId": premium})
    assert forced.result["status"] == 500 and "not allowed" in forced.result["message"]


# -- co-terming and migration -------------------------------------------------------------------


def test_co_termed_subscription_ends_with_its_target(server, emulator, run_action):
    fast_orders(server)
    target = subscription(emulator, BASIC_ANNUAL, days_ago=100)
    premium = product(emulator, PREMIUM_ANNUAL)
    result = run_action(
        "create_order", customerId=target["customerId"],
        products=[{"mpn": premium["mpn"], "id": premium["id"], "quantity": 3}],
        alignExpirationDate={"alignmentType": "CO_TERM_ON_SUBSCRIPTION",
                             "subscriptionId": target["id"]})
    assert result.succeeded, result.result
    assert emulator.sent("POST", "/orders")[-1]["alignExpirationDate"]["subscriptionId"] == \
        target["id"]
    order = wait(run_action, result.result["order"]["id"])
    new = run_action("get_subscription", subscriptionId=order["subscriptionId"]).result
    assert new["expirationDate"] == target["expirationDate"]
    assert new["renewalDate"] == target["renewalDate"]


def test_co_terming_needs_a_subscription_and_a_product_that_allows_it(emulator, run_action):
    target = subscription(emulator, BASIC_ANNUAL, days_ago=100)
    legacy = product(emulator, LEGACY_E3)
    missing = run_action("create_order", customerId=target["customerId"],
                         products=[{"mpn": legacy["mpn"], "quantity": 1}],
                         alignExpirationDate={"alignmentType": "CO_TERM_ON_SUBSCRIPTION"})
    assert missing.result["parameter"] == "alignExpirationDate"
    restricted = run_action(
        "create_order", customerId=target["customerId"],
        products=[{"mpn": legacy["mpn"], "quantity": 1,
                   "parameters": [{"name": "domain", "value": "cotermco"}]}],
        alignExpirationDate={"alignmentType": "CO_TERM_ON_SUBSCRIPTION",
                             "subscriptionId": target["id"]})
    assert restricted.result["status"] == 500
    assert "does not allow co-terming" in restricted.result["message"]


def test_migration_order_keeps_the_term_it_had(server, emulator, run_action):
    fast_orders(server)
    annual = product(emulator, BASIC_ANNUAL)
    today = datetime.date.fromisoformat(emulator.clock.date())
    start = today - datetime.timedelta(days=100)
    end = start.replace(year=start.year + 1)
    result = run_action(
        "create_order", customerId=customer(emulator), type="migration",
        products=[{"mpn": annual["mpn"], "id": annual["id"], "quantity": 15}],
        startDate=start.isoformat(), expirationDate=end.isoformat(),
        migrationDate=today.isoformat(), autorenewal=False,
        migrationProgram="Microsoft NCE transfer")
    assert result.succeeded, result.result
    sent = emulator.sent("POST", "/orders")[-1]
    assert sent["type"] == "migration" and sent["migrationProgram"] == \
        "Microsoft NCE transfer"
    order = wait(run_action, result.result["order"]["id"])
    assert order["type"] == "migration" and order["autorenewal"] is False
    sub = run_action("get_subscription", subscriptionId=order["subscriptionId"]).result
    assert sub["expirationDate"] == end.isoformat()
    assert sub["creationDate"] == start.isoformat()
    assert sub["renewalStatus"] is False
    assert sub["products"][0]["quantity"] == 15


def test_migration_fields_are_checked_before_sending(emulator, run_action):
    annual = product(emulator, BASIC_ANNUAL)
    line = [{"mpn": annual["mpn"], "id": annual["id"], "quantity": 1}]
    stray = run_action("create_order", customerId=customer(emulator), products=line,
                       migrationDate="2026-01-01")
    assert stray.result["parameter"] == "migrationDate"
    # order_fields no longer silently loses its type to the type parameter's default.
    hidden = run_action("create_order", customerId=customer(emulator), products=line,
                        order_fields={"type": "migration"})
    assert hidden.result["parameter"] == "order_fields"
    backwards = run_action("create_order", customerId=customer(emulator), type="migration",
                           products=line, startDate="2026-05-01",
                           expirationDate="2026-04-01")
    assert backwards.result["parameter"] == "expirationDate"
    assert order_posts(emulator) == 0
