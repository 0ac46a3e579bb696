"""The pack's Orquesta workflows, end to end: orquesta's own WorkflowConductor conducts each
one (runner/workflow.py), every pack action runs over real HTTP against the emulator, and
core.ask is answered by a scripted responder (approve, reject, or nobody: timed out). The
workflow actions are registered by StackStorm's registrars and pass st2's inspection."""

import datetime
import glob
import os

import httpx
import pytest
import yaml

from runner import PACK_ROOT, loader, params, workflow

pytest.importorskip("st2common")
pytest.importorskip("orquesta")

WORKFLOWS = sorted(n for n in loader.action_names()
                   if loader.action_meta(n).get("runner_type") == "orquesta")
APPROVE = {"approved": True, "comment": "fine by finance"}
REJECT = {"approved": False}


class Responder(object):
    """Answers every inquiry with ``answer`` (None: nobody answers, the inquiry times out)
    and keeps the questions it was asked."""

    def __init__(self, answer):
        self.answer = answer
        self.asked = []

    def __call__(self, inquiry):
        self.asked.append(inquiry)
        return self.answer

    @property
    def question(self):
        [inquiry] = self.asked
        return inquiry["schema"]["properties"]["approved"]["description"]


@pytest.fixture
def fast(server):
    httpx.post(server.url + "/_emulator/marketplace/orders/timing",
               json={"submit_seconds": 0.05, "sales_seconds": 0.2, "change_seconds": 0.2,
                     "cancellation_seconds": 0.2})
    return server


@pytest.fixture
def run(config, datastore):
    def go(name, answer=None, actions=None, **given):
        responder = Responder(answer)
        result = workflow.run_workflow(name, given, config, datastore, responder=responder,
                                       actions=actions)
        return result, responder
    return go


def order_posts(emulator):
    return emulator.request_count(method="POST", route="/orders")


def office_line(emulator, domain="advworks"):
    product = next(p for p in emulator.marketplace.state.products.values()
                   if p.get("_family") == "office365" and "legacy CSP" in p["name"])
    return {"mpn": product["mpn"], "quantity": 2,
            "parameters": [{"name": "domain", "value": domain}]}


def a_customer(emulator):
    return list(emulator.marketplace.state.customers.values())[3]["id"]


def a_subscription(emulator, term):
    return next(s for s in emulator.marketplace.state.subscriptions.values()
                if s["subscriptionPeriod"]["type"] == term and s["status"] == "active" and
                len(s["products"]) == 1)


# -- StackStorm accepts them ---------------------------------------------------------------

def _st2_contrib(name):
    import st2common
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
        st2common.__file__))))
    path = os.path.join(root, "contrib", name)
    if not os.path.isdir(path):
        pytest.skip("no StackStorm source tree with contrib/%s here" % name)
    return path


def test_workflow_actions_register_and_pass_stackstorms_inspection(st2):
    from orquesta.specs import loader as specs_loader
    from st2common.persistence.action import Action
    from st2common.services import workflows as workflow_service
    # The workflows call StackStorm's core.ask/echo/noop and chatops.post_message; st2's
    # inspection checks that every action a task names is registered.
    for pack in ("core", "chatops"):
        st2.register_actions_of(_st2_contrib(pack), pack)
    assert {"provision_subscription", "true_up", "cancel_subscription_safely",
            "renewal_review", "report_failed_order"} <= set(WORKFLOWS)
    for name in WORKFLOWS:
        action = Action.get_by_ref("ingram_micro." + name)
        assert action is not None and action.runner_type["name"] == "orquesta", name
        with open(os.path.join(PACK_ROOT, "actions", action.entry_point)) as handle:
            spec = specs_loader.get_spec_module("native").instantiate(yaml.safe_load(handle))
        st2_ctx = {"st2": {"action_execution_id": "0" * 24, "user": "stanley"}}
        assert workflow_service.inspect(spec, st2_ctx, raise_exception=False) == [], name
    assert len(glob.glob(os.path.join(PACK_ROOT, "actions", "workflows", "*.yaml"))) == \
        len(WORKFLOWS)


# -- provision_subscription ----------------------------------------------------------------

def test_provision_without_approval_places_once_and_waits(fast, emulator, run):
    done, responder = run("provision_subscription", customerId=a_customer(emulator),
                          products=[office_line(emulator)], notify_action="core.echo")
    assert done.succeeded, done.result
    out = done.output
    assert out["outcome"] == "completed" and out["order"]["status"] == "completed"
    assert out["poNumber"].startswith("st2-") and out["order"]["poNumber"] == out["poNumber"]
    assert out["estimate"]["total"] == {"amount": "40.00", "currency": "USD"}
    assert responder.asked == [] and order_posts(emulator) == 1
    assert done.ran() == ["validate", "estimate", "place", "wait", "summarize", "deliver",
                          "notify"]
    [echo] = [r for task, _, _, r in done.tasks if task == "notify"]
    assert echo["stdout"] == out["summary"] and out["order"]["orderNumber"] in out["summary"]


def test_provision_of_one_mpn_and_quantity_as_chat_gives_it(fast, emulator, run):
    product = next(p for p in emulator.marketplace.state.products.values()
                   if not p.get("_family"))
    done, responder = run("provision_subscription", APPROVE, customerId=a_customer(emulator),
                          mpn=product["mpn"], quantity=3, require_approval=True)
    assert done.succeeded, done.result
    out = done.output
    assert out["outcome"] == "completed", out
    assert [(line["mpn"], line["quantity"]) for line in out["order"]["products"]] == \
        [(product["mpn"], 3)]
    assert len(responder.asked) == 1 and order_posts(emulator) == 1


def test_provision_without_lines_fails_before_ordering(emulator, run):
    done, _ = run("provision_subscription", customerId=a_customer(emulator))
    assert not done.succeeded
    assert order_posts(emulator) == 0


def test_provision_approved_shows_the_estimate_and_places(fast, emulator, run):
    done, responder = run("provision_subscription", APPROVE, customerId=a_customer(emulator),
                          products=[office_line(emulator)], poNumber="PO-WF-1",
                          require_approval=True)
    assert done.succeeded and done.output["outcome"] == "completed"
    assert "40.00 USD" in responder.question and "PO-WF-1" in responder.question
    assert "2 x Office 365 E3" in responder.question
    assert responder.asked[0]["route"] == "ingram_micro" and responder.asked[0]["ttl"] == 1440
    assert done.output["approval"] == APPROVE and "fine by finance" in done.output["summary"]
    assert done.output["order"]["poNumber"] == "PO-WF-1" and order_posts(emulator) == 1


@pytest.mark.parametrize("answer, outcome", [(REJECT, "rejected"),
                                             (None, "approval_timed_out")])
def test_provision_rejected_or_unanswered_places_nothing(emulator, run, answer, outcome):
    done, responder = run("provision_subscription", answer, customerId=a_customer(emulator),
                          products=[office_line(emulator)], require_approval=True,
                          notify_action="core.echo")
    assert done.succeeded and done.output["outcome"] == outcome
    assert len(responder.asked) == 1 and order_posts(emulator) == 0
    assert done.output["order"] is None and outcome in done.output["summary"]
    assert "place" not in done.ran() and done.ran()[-1] == "notify"


def test_provision_with_bad_activation_parameters_fails_before_ordering(emulator, run):
    done, responder = run("provision_subscription", APPROVE, customerId=a_customer(emulator),
                          products=[office_line(emulator, domain="not a domain!")],
                          require_approval=True)
    assert not done.succeeded and done.status == "failed"
    assert done.output["outcome"] == "invalid_parameters"
    assert "bare domain prefix" in done.output["summary"]
    assert responder.asked == [] and order_posts(emulator) == 0


def test_provision_order_ending_in_error_fails_the_workflow(fast, emulator, run):
    done, _ = run("provision_subscription", customerId=a_customer(emulator),
                  products=[office_line(emulator)], poNumber="EMU-ERROR-WF")
    assert not done.succeeded
    assert done.output["outcome"] == "order_error" and done.output["order"]["status"] == "error"


def test_a_task_input_st2_would_refuse_fails_the_workflow(emulator, run):
    done, _ = run("provision_subscription", customerId=a_customer(emulator),
                  products=[office_line(emulator)], notify_action="ingram_micro.no_such_action")
    assert not done.succeeded
    assert any("no_such_action" in e["message"] for e in done.result["errors"])


# -- true_up ---------------------------------------------------------------------------------

def _monthly(emulator):
    return a_subscription(emulator, "month")


def test_true_up_previews_asks_and_applies(fast, emulator, run):
    sub = _monthly(emulator)
    before = sub["products"][0]["quantity"]
    done, responder = run("true_up", APPROVE, subscriptionId=sub["id"],
                          target_quantity=before + 2, require_approval=True)
    assert done.succeeded, done.result
    assert done.ran()[:3] == ["preview", "approve", "apply"]
    assert done.output["preview"]["decision"] == "increase_now"
    assert "%d -> %d" % (before, before + 2) in responder.question
    assert done.output["outcome"] == "increase_now" and order_posts(emulator) == 1
    assert done.output["result"]["order"]["poNumber"] == done.output["poNumber"]


@pytest.mark.parametrize("answer, outcome", [(REJECT, "rejected"),
                                             (None, "approval_timed_out")])
def test_true_up_rejected_or_unanswered_changes_nothing(emulator, run, answer, outcome):
    sub = _monthly(emulator)
    done, _ = run("true_up", answer, subscriptionId=sub["id"],
                  target_quantity=sub["products"][0]["quantity"] + 1, require_approval=True)
    assert done.succeeded and done.output["outcome"] == outcome
    assert "apply" not in done.ran() and order_posts(emulator) == 0


def test_true_up_refused_or_not_needed_ends_with_the_reason(emulator, run):
    sub = _monthly(emulator)
    refused, responder = run("true_up", APPROVE, subscriptionId=sub["id"],
                             target_quantity=sub["products"][0]["quantity"] + 40,
                             max_change=5, require_approval=True)
    assert refused.succeeded and refused.output["outcome"] == "refused"
    assert "max_change" in refused.output["reason"] and responder.asked == []
    same, _ = run("true_up", subscriptionId=sub["id"],
                  target_quantity=sub["products"][0]["quantity"])
    assert same.succeeded and same.output["outcome"] == "no_change"
    assert same.ran()[0] == "preview" and "apply" not in same.ran()
    assert order_posts(emulator) == 0


# -- cancel_subscription_safely --------------------------------------------------------------

def test_cancel_of_an_annual_term_waits_for_the_renewal_even_if_asked_now(emulator, run):
    sub = a_subscription(emulator, "year")
    done, responder = run("cancel_subscription_safely", APPROVE, subscriptionId=sub["id"],
                          immediate=True)
    assert done.succeeded, done.result
    assert done.output["outcome"] == "cancels_at_term_end" and done.output["at_term_end"]
    assert "not now" in done.output["reason"] and "not now" in responder.question
    assert done.output["cancellation"]["scheduledOn"] == "renewal"


def test_cancel_of_a_monthly_term_now_when_asked(fast, emulator, run):
    sub = a_subscription(emulator, "month")
    done, _ = run("cancel_subscription_safely", APPROVE, subscriptionId=sub["id"],
                  immediate=True)
    assert done.succeeded and done.output["outcome"] == "cancelled"
    assert done.output["at_term_end"] is False


@pytest.mark.parametrize("answer, outcome", [(REJECT, "rejected"),
                                             (None, "approval_timed_out")])
def test_cancel_rejected_or_unanswered_cancels_nothing(emulator, run, answer, outcome):
    sub = a_subscription(emulator, "month")
    done, _ = run("cancel_subscription_safely", answer, subscriptionId=sub["id"])
    assert done.succeeded and done.output["outcome"] == outcome
    assert order_posts(emulator) == 0


# -- renewal_review --------------------------------------------------------------------------

def test_renewal_review_reports_what_renews_in_the_window(emulator, run, run_action):
    emulator.clock.freeze()
    today = emulator.clock.utcnow().date()
    subs = [s for s in emulator.marketplace.state.subscriptions.values()
            if s["status"] == "active"]
    for sub in subs:
        sub["renewalDate"] = sub["expirationDate"] = (
            today + datetime.timedelta(days=200)).isoformat()
    soon, later = subs[0], subs[1]
    soon["renewalDate"] = soon["expirationDate"] = (
        today + datetime.timedelta(days=10)).isoformat()
    soon["renewalStatus"] = False
    later["renewalDate"] = later["expirationDate"] = (
        today + datetime.timedelta(days=31)).isoformat()
    done, _ = run("renewal_review", days=30, as_of=today.isoformat(),
                  notify_action="core.echo")
    assert done.succeeded, done.result
    out = done.output
    assert out["count"] == 1 and out["failed_lookups"] == 0
    [row] = out["subscriptions"]
    assert row["id"] == soon["id"] and row["renewalStatus"] is False
    detail = run_action("get_subscription", subscriptionId=soon["id"]).result
    assert row["value"] == detail["totalPrice"] and row["value"]["amount"]
    assert row["quantity"] == sum(p["quantity"] for p in detail["products"])
    assert "auto-renew OFF" in out["summary"] and soon["name"] in out["summary"]
    wider, _ = run("renewal_review", days=31, as_of=today.isoformat())
    assert [r["id"] for r in wider.output["subscriptions"]] == [soon["id"], later["id"]]


# -- report_failed_order ---------------------------------------------------------------------

def _chatops_post_message(posted):
    """StackStorm's chatops.post_message, checked against its own parameters."""
    path = os.path.join(_st2_contrib("chatops"), "actions", "post_message.yaml")
    with open(path) as handle:
        spec = yaml.safe_load(handle)["parameters"]

    def post(given):
        posted.append(params.resolve(spec, given))
        return True, {"result": None, "stdout": "", "stderr": "", "exit_code": 0}
    return {"chatops.post_message": post}


def test_report_failed_order_posts_the_orders_details(fast, emulator, run, run_action):
    placed = run_action("create_order", customerId=a_customer(emulator),
                        products=[office_line(emulator)], poNumber="EMU-ERROR-R").result
    posted = []
    done, _ = run("report_failed_order", actions=_chatops_post_message(posted),
                  orderId=placed["order"]["id"])
    assert done.succeeded, done.result
    assert done.ran() == ["get_order", "post_details"]
    [message] = posted
    assert message["channel"] == "cloud-orders"
    assert placed["order"]["orderNumber"] in message["message"]
    assert "EMU-ERROR-R" in message["message"]


def test_report_failed_order_posts_what_is_known_when_the_lookup_fails(emulator, run):
    posted = []
    done, _ = run("report_failed_order", actions=_chatops_post_message(posted),
                  orderId="9999999")
    assert done.succeeded and done.ran() == ["get_order", "post_lookup_failed"]
    [message] = posted
    assert "9999999" in message["message"] and "looking it up failed" in message["message"]
