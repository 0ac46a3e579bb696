"""Licence true-up against the emulator over real HTTP: every decision, the dry run's
estimate, and each refusal (ambiguous product, too large a change, an open change order)."""

import httpx
import pytest

from test_nce_changes import BASIC_ANNUAL, BASIC_MONTHLY, LEGACY_E3, assert_output_schema, \
    order_posts, past_renewal, product, same_clock, subscription, wait  # noqa: F401

DAY = 86400


@pytest.fixture
def fast(server):
    httpx.post(server.url + "/_emulator/marketplace/orders/timing",
               json={"submit_seconds": 0.05, "change_seconds": 0.2})


def true_up(run_action, sub, target, **params):
    return run_action("true_up_subscription", subscriptionId=sub["id"],
                      target_quantity=target, **params)


def quantity(run_action, sub, index=0):
    """The quantity the API reports (due order transitions apply on each request)."""
    return run_action("get_subscription", subscriptionId=sub["id"]).result["products"][
        index]["quantity"]


def test_increase_now(fast, emulator, run_action):
    sub = subscription(emulator, BASIC_MONTHLY, quantity=5, days_ago=20)
    result = true_up(run_action, sub, 8)
    assert result.succeeded, result.result
    out = result.result
    assert (out["decision"], out["current_quantity"], out["change"]) == ("increase_now", 5, 3)
    assert out["scheduledOn"] is None and out["estimate"] is None
    assert out["order"]["type"] == "change" and out["order"]["products"][0]["quantity"] == 8
    assert_output_schema("true_up_subscription", out)
    wait(run_action, out["order"]["id"])
    assert quantity(run_action, sub) == 8


def test_decrease_now_inside_the_window(fast, emulator, run_action):
    sub = subscription(emulator, BASIC_MONTHLY, quantity=9)
    result = true_up(run_action, sub, 4)
    assert result.succeeded, result.result
    assert result.result["decision"] == "decrease_now"
    assert "cancellation window" in result.result["reason"]
    wait(run_action, result.result["order"]["id"])
    assert quantity(run_action, sub) == 4


def test_decrease_now_when_the_term_does_not_lock_seats(fast, emulator, run_action):
    sub = subscription(emulator, LEGACY_E3, quantity=9, days_ago=200)
    result = true_up(run_action, sub, 2)
    assert result.result["decision"] == "decrease_now", result.result
    assert "not an NCE subscription" in result.result["reason"]


def test_decrease_at_renewal_outside_the_window(emulator, run_action):
    sub = subscription(emulator, BASIC_ANNUAL, quantity=12, days_ago=355)
    result = true_up(run_action, sub, 10, poNumber="PO-TRUEUP-1")
    assert result.succeeded, result.result
    out = result.result
    assert out["decision"] == "decrease_at_renewal" and out["scheduledOn"] == "renewal"
    assert "168 hours" in out["reason"] and sub["renewalDate"] in out["reason"]
    assert out["order"]["scheduledOn"] == "renewal" and out["poNumber"] == "PO-TRUEUP-1"
    assert quantity(run_action, sub) == 12
    past_renewal(emulator, sub)
    assert quantity(run_action, sub) == 10


def test_no_change(emulator, run_action):
    sub = subscription(emulator, BASIC_ANNUAL, quantity=7, days_ago=100)
    result = true_up(run_action, sub, 7)
    assert result.succeeded and result.result["decision"] == "no_change"
    assert result.result["order"] is None and order_posts(emulator) == 0


def test_dry_run_shows_the_decision_and_the_price_effect(emulator, run_action):
    sub = subscription(emulator, BASIC_ANNUAL, quantity=12, days_ago=100)
    unit = float(product(emulator, BASIC_ANNUAL)["prices"][0]["amount"])
    result = true_up(run_action, sub, 9, dry_run=True)
    assert result.succeeded, result.result
    out = result.result
    assert out["decision"] == "decrease_at_renewal" and out["dry_run"] is True
    assert out["order"] is None and order_posts(emulator) == 0
    assert float(out["estimate"]["total"]["amount"]) == pytest.approx(-3 * unit)
    assert emulator.sent("POST", "/orders/estimate")[-1]["scheduledOn"] == "renewal"
    assert_output_schema("true_up_subscription", out)


def test_refused_when_the_change_exceeds_max_change(emulator, run_action):
    sub = subscription(emulator, BASIC_MONTHLY, quantity=10)
    result = true_up(run_action, sub, 80)
    assert not result.succeeded
    out = result.result
    assert out["error"] == "true_up_refused" and out["decision"] == "refused"
    assert "max_change=50" in out["reason"] and out["change"] == 70
    assert out["may_have_happened"] is False and order_posts(emulator) == 0
    assert true_up(run_action, sub, 80, max_change=100, dry_run=True).succeeded


def test_refused_when_the_product_is_ambiguous(emulator, run_action):
    sub = subscription(emulator, LEGACY_E3, quantity=10, days_ago=30)
    storage = product(emulator, "Office 365 Extra File Storage (legacy CSP, per GB)")
    # A subscription with an add-on on its own line, as the platform keeps them.
    sub["products"].append(dict(sub["products"][0], mpn=storage["mpn"], id=storage["id"],
                                name=storage["name"], quantity=200))
    ambiguous = true_up(run_action, sub, 12)
    assert ambiguous.result["decision"] == "refused"
    assert "2 product lines" in ambiguous.result["reason"]
    unknown = true_up(run_action, sub, 12, mpn="NO-SUCH-MPN")
    assert unknown.result["decision"] == "refused" and "has no product" in \
        unknown.result["reason"]
    assert order_posts(emulator) == 0

    named = true_up(run_action, sub, 190, mpn=storage["mpn"])
    assert named.succeeded, named.result
    assert named.result["decision"] == "decrease_now" and named.result["current_quantity"] == 200
    emulator.clock.advance(DAY)  # change orders on monthly terms finish within minutes
    assert quantity(run_action, sub, 1) == 190
    assert quantity(run_action, sub, 0) == 10


def test_refused_while_a_change_order_is_open(emulator, run_action):
    sub = subscription(emulator, BASIC_ANNUAL, quantity=20, days_ago=300)
    first = true_up(run_action, sub, 15)
    assert first.result["decision"] == "decrease_at_renewal"
    posts = order_posts(emulator)
    again = true_up(run_action, sub, 14)
    assert again.result["decision"] == "refused"
    assert first.result["order"]["orderNumber"] in again.result["reason"]
    # The open order already brings the line to the target: nothing more to do.
    same = true_up(run_action, sub, 15)
    assert same.succeeded and same.result["decision"] == "no_change"
    assert same.result["open_order"]["orderNumber"] == first.result["order"]["orderNumber"]
    assert order_posts(emulator) == posts
