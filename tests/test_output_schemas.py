"""Every python action declares the shape of its success result (``output_schema``), and
real results fit it under StackStorm's rules.

With ``[system] validate_output_schema = True`` st2 validates each succeeded result against
the action's output_schema (``st2common.util.output_schema.validate_output``) and turns a
result that does not fit into a FAILED execution -- after the action did its work. So a
schema must accept every real success: here each action runs against the emulator and its
result is checked as st2 checks it:

* the schema counts only if it passes st2's output meta-schema and has a top-level ``type``
  (otherwise st2 logs a warning and validates nothing);
* ``CustomValidator`` semantics: draft-3 ``properties`` (``required`` is a boolean on each
  property), draft-4 keywords otherwise;
* unlike action parameters and trigger payloads, output validation does NOT let optional
  properties be ``null``: a field the result may leave null must say so (``anyOf`` with
  ``null``).

The st2 tier (tests/st2/test_st2_output_schemas.py) runs st2's own ``validate_output`` on
the same results.
"""

import copy

import pytest

from runner import loader, metadata, pack_module
from test_order_actions import customer as _customer_id, office_line, \
    subscription as _subscription
from test_secret_canary import HOLD_LINES, RESELLER, SHIP_TO, VARIANTS, success_params

ACTIONS = sorted(n for n in loader.action_names()
                 if loader.action_meta(n).get("runner_type") == "python-script")

# api_request returns the API's body as it is, an object or a list; an st2 output_schema has
# exactly one top-level type, so any schema would fail one of them.
WITHOUT_SCHEMA = {"api_request"}


def _year(emulator):
    return _subscription(emulator, "year")


def _switchable(emulator):
    """An active subscription whose plan offers a switch, and the first plan it allows."""
    state = emulator.marketplace.state
    for sub in state.subscriptions.values():
        plan = state.plans.get(str(sub.get("planId"))) or {}
        if sub["status"] == "active" and plan.get("planSwitches"):
            return {"subscriptionId": sub["id"],
                    "planId": str(plan["planSwitches"][0]["planId"])}
    raise AssertionError("the emulator seeds no subscription whose plan can switch")


# Actions the shared success table (tests/test_secret_canary.py) does not cover yet.
OWN_SUCCESS = {
    "true_up_subscription": lambda em: {
        "subscriptionId": _year(em)["id"],
        "target_quantity": int(_year(em)["products"][0]["quantity"]) + 1},
    "switch_subscription_plan": _switchable,
}

# Result shapes the success table does not reach: all pages, a truncated page, dry runs,
# CSV content, a search with no match.
EXTRA = {
    "list_customers:all_pages": lambda em: ("list_customers", {"all_pages": True}),
    "list_products:truncated": lambda em: ("list_products", {"limit": 2}),
    "create_order:dry_run": lambda em: ("create_order", {
        "customerId": _customer_id(em), "products": [office_line(em)], "dry_run": True}),
    "cancel_subscription:dry_run": lambda em: ("cancel_subscription", {
        "subscriptionId": _subscription(em, "month")["id"], "dry_run": True}),
    "change_subscription_quantity:dry_run": lambda em: ("change_subscription_quantity", {
        "subscriptionId": _subscription(em, "year")["id"], "dry_run": True,
        "quantity": int(_subscription(em, "year")["products"][0]["quantity"]) + 2}),
    "download_report:csv": lambda em: ("download_report", {
        "name": "Orders report", "startDate": "2024-01-01", "format": "csv",
        "wait_seconds": 30, "poll_interval": 0.1}),
    "xvantage_search_orders:all_pages": lambda em: ("xvantage_search_orders",
                                                    {"all_pages": True}),
    "xvantage_search_renewals:all_pages": lambda em: ("xvantage_search_renewals",
                                                      {"all_pages": True}),
    "xvantage_search_products:no_match": lambda em: ("xvantage_search_products",
                                                     {"keyword": ["zzzz-nothing"]}),
    "true_up_subscription:dry_run": lambda em: ("true_up_subscription", dict(
        OWN_SUCCESS["true_up_subscription"](em), dry_run=True)),
    "switch_subscription_plan:dry_run": lambda em: ("switch_subscription_plan", dict(
        _switchable(em), dry_run=True)),
    "xvantage_create_order_async:dry_run": lambda em: ("xvantage_create_order_async", {
        "customerOrderNumber": "OS-DRY", "lines": HOLD_LINES, "shipToInfo": SHIP_TO,
        "resellerInfo": RESELLER, "dry_run": True}),
}


def output_schema(action):
    return loader.action_meta(action).get("output_schema")


def st2_output_errors(schema, result, where="action"):
    """What st2's ``validate_output`` finds wrong with a succeeded ``result`` ([] = the
    execution stays succeeded); a schema st2 would not enforce is reported as such."""
    problems = metadata.output_schema_errors(schema, where)
    if problems:
        return ["not enforced by st2: %s" % p for p in problems]
    validator = pack_module("core.payloads").MirrorValidator(schema)
    return ["%s: %s" % (".".join(str(p) for p in e.absolute_path) or "(result)", e.message)
            for e in validator.iter_errors(result)]


def run_case(case, server, run_action):
    """``(action, result)`` of one successful run of ``case`` against the emulator."""
    emulator = server.emulator
    # Reports complete at once, so download_report succeeds without waiting.
    emulator.marketplace.state.report_seconds = 0
    if case in EXTRA:
        action, params = EXTRA[case](emulator)
    else:
        action = case.split(":")[0]
        try:
            params = success_params(case, emulator, run_action)
        except AssertionError:
            if case not in OWN_SUCCESS:
                raise
            params = OWN_SUCCESS[case](emulator)
    outcome = run_action(action, **params)
    assert outcome.succeeded, (case, outcome.result)
    return action, outcome.result


def test_every_python_action_with_a_structured_result_has_an_output_schema():
    missing = [n for n in ACTIONS if n not in WITHOUT_SCHEMA and not output_schema(n)]
    assert missing == []
    for name in ACTIONS:
        schema = output_schema(name)
        if schema is None:
            continue
        assert schema["type"] == "object", name
        assert metadata.output_schema_errors(schema, name) == []
        assert schema.get("additionalProperties", True) is not False, name


@pytest.mark.parametrize("case", ACTIONS + VARIANTS + sorted(EXTRA))
def test_result_fits_the_output_schema(case, server, run_action):
    action, result = run_case(case, server, run_action)
    schema = output_schema(action)
    if action in WITHOUT_SCHEMA:
        assert schema is None
        return
    assert st2_output_errors(schema, result, action) == []
    # Each field a schema marks required is really there.
    for name, prop in schema["properties"].items():
        if prop.get("required"):
            assert name in result, (case, name)


def test_a_result_that_breaks_the_schema_is_caught(server, run_action):
    _, result = run_case("list_customers", server, run_action)
    schema = output_schema("list_customers")
    assert st2_output_errors(schema, result) == []
    wrong = copy.deepcopy(result)
    wrong["count"] = str(wrong["count"])
    assert any(e.startswith("count:") for e in st2_output_errors(schema, wrong))
    missing = {k: v for k, v in result.items() if k != "truncated"}
    assert any("'truncated' is a required property" in e
               for e in st2_output_errors(schema, missing))
    # st2 does not relax null on output: a typed field must declare null to get it.
    nulled = dict(result, truncated=None)
    assert any(e.startswith("truncated:") for e in st2_output_errors(schema, nulled))


def test_schemas_st2_would_not_enforce_are_reported():
    legacy = {"properties": {"id": {"type": "string"}}}
    type_list = {"type": "object", "properties": {"id": {"type": ["string", "null"]}}}
    list_required = {"type": "object", "properties": {"a": {"type": "object",
                                                            "required": ["id"]}}}
    for schema in (legacy, type_list, list_required):
        assert st2_output_errors(schema, {"id": 5})[0].startswith("not enforced by st2")
