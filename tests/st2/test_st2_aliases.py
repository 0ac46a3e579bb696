"""The pack's ChatOps aliases under StackStorm's own code: registered by st2's registrar,
each chat command matched to exactly one alias (``get_matching_alias``, what st2api's
``/aliasexecution/match`` does), its parameters extracted by st2's alias parser, cast and
scheduled as st2api schedules an alias execution (so the action's parameter schema accepts
them), the ack rendered as st2api renders it (strict Jinja) and the result as StackStorm's
``chatops.format_execution_result`` renders it, with real results of the actions.
"""

import os

import pytest
import six
import yaml

pytest.importorskip("st2common")
pytest.importorskip("st2api.controllers.v1.aliasexecution")

from runner import PACK_ROOT  # noqa: E402

PACK = "ingram_micro"

# (command, alias, parameters st2 extracts)
EXAMPLES = [
    ("ingram customer 1000004", "customer", {"customerId": "1000004"}),
    ("ingram order 1000001", "order", {"orderId": "1000001"}),
    ("ingram subscription 1000002", "subscription", {"subscriptionId": "1000002"}),
    ("ingram subscriptions 1000001", "subscriptions", {"customerId": "1000001"}),
    ("ingram subscriptions 1000001 status=active limit=5", "subscriptions",
     {"customerId": "1000001", "status": "active", "limit": "5"}),
    ("ingram xvantage order 20-A0001", "xvantage_order", {"ingramOrderNumber": "20-A0001"}),
    ("ingram renewals", "renewals", {"days": "30"}),
    ("ingram renewals 60", "renewals", {"days": "60"}),
    ("ingram renewals 90 customerId=1000001", "renewals",
     {"days": "90", "customerId": "1000001"}),
    ("ingram true up 1000002 to 15", "true_up",
     {"subscriptionId": "1000002", "target_quantity": "15"}),
    ("ingram true up 1000002 to 8 mpn=CFQ7TTC0LDPB:0001", "true_up",
     {"subscriptionId": "1000002", "target_quantity": "8", "mpn": "CFQ7TTC0LDPB:0001"}),
    ("ingram cancel subscription 1000003", "cancel_subscription_safely",
     {"subscriptionId": "1000003"}),
    ("ingram provision 5 MPN-1 for 1000001", "provision_subscription",
     {"quantity": "5", "mpn": "MPN-1", "customerId": "1000001"}),
    ("ingram cancel subscription 1000003 immediate=true", "cancel_subscription_safely",
     {"subscriptionId": "1000003", "immediate": "true"}),
]
NO_MATCH = ["ingram customers", "ingram order", "ingram orders 1000001", "ingram true up 5",
            "ingram cancel 1000003", "ingram xvantage orders"]


def _alias_files():
    folder = os.path.join(PACK_ROOT, "aliases")
    return sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".yaml"))


def _alias_db(name):
    from st2common.persistence.actionalias import ActionAlias
    return ActionAlias.get_by_ref("%s.%s" % (PACK, name))


def schedule(command):
    """What st2api does with a chat command: the matching alias, the parameters it
    extracts, cast and completed with the alias's immutable parameters, and the execution
    it requests. Returns ``(alias_db, params, execution_api)``."""
    from st2api.controllers.v1.aliasexecution import CAST_OVERRIDES
    from st2common.models.api.execution import ActionExecutionAPI
    from st2common.models.db.liveaction import LiveActionDB
    from st2common.models.utils import action_param_utils
    from st2common.models.utils.action_alias_utils import (
        extract_parameters_for_action_alias_db, inject_immutable_parameters)
    from st2common.persistence.actionalias import ActionAlias
    from st2common.services import action as action_service
    from st2common.util.actionalias_matching import get_matching_alias

    match = get_matching_alias(command)
    alias_db = ActionAlias.get_by_ref(match["alias"].ref)
    params = extract_parameters_for_action_alias_db(
        action_alias_db=alias_db, format_str=match["representation"], param_stream=command)
    context = {"action_alias_ref": alias_db.ref, "api_user": "chat", "user": "stanley",
               "source_channel": "cloud-ops"}
    extracted = dict(params)
    [params] = inject_immutable_parameters(alias_db, [params], context)
    params = action_param_utils.cast_params(action_ref=alias_db.action_ref, params=params,
                                            cast_overrides=CAST_OVERRIDES)
    liveaction = LiveActionDB(action=alias_db.action_ref, context=context, parameters=params)
    _, execution_db = action_service.request(liveaction)
    return alias_db, extracted, ActionExecutionAPI.from_model(execution_db)


def render_ack(alias_db, execution_api):
    """st2api's rendering of ``ack.format``: undefined names are errors."""
    from st2common.models.api.action import ActionAliasAPI
    from st2common.util.jinja import render_values
    context = {"execution": execution_api, "actionalias": ActionAliasAPI.from_model(alias_db)}
    return render_values({"alias": alias_db.ack["format"]}, context)["alias"]


def render_result(alias_db, execution):
    """``chatops.format_execution_result``'s rendering of ``result.format``."""
    from st2common.models.api.action import ActionAliasAPI
    from st2common.util import jinja as jinja_utils
    env = jinja_utils.get_jinja_environment(allow_undefined=True)
    env.tests["in"] = lambda item, items: item in items
    context = {"six": six, "execution": execution,
               "alias": ActionAliasAPI.from_model(alias_db)}
    return env.from_string(alias_db.result["format"]).render(context)


def execution_dict(alias_db, params, status, result, output_key):
    """An execution as format_execution_result reads it back from st2api."""
    # A workflow's execution result is {output, errors}; a python action's is the
    # wrapper's output, with the value run() returned under "result".
    out = result if output_key == "output" else {
        "result": result, "stdout": "", "stderr": "", "exit_code": 0 if status ==
        "succeeded" else 1}
    return {"id": "5f0c0ffee0000000000000a1", "status": status, "parameters": params,
            "action": {"ref": alias_db.action_ref}, "result": out}


# -- registration and matching -------------------------------------------------------------

def test_st2_registers_every_alias(st2):
    from st2common.persistence.actionalias import ActionAlias
    files = _alias_files()
    assert st2.registered["aliases"] == (len(files), 0)
    registered = {a.name: a for a in ActionAlias.query(pack=PACK)}
    for path in files:
        with open(path) as handle:
            meta = yaml.safe_load(handle)
        alias = registered[meta["name"]]
        assert alias.enabled and alias.action_ref == meta["action_ref"]
        assert alias.formats == meta["formats"]


def test_st2_accepts_the_alias_files_the_pack_lint_accepts(st2):
    from st2common.models.api.action import ActionAliasAPI
    from runner import metadata
    bad = [{"name": "x", "pack": PACK, "action_ref": "ingram_micro.get_order",
            "format": "ingram x"},
           {"name": "x", "pack": PACK, "action_ref": "ingram_micro.get_order",
            "ack": {"format": ["x"]}},
           {"name": "x", "pack": PACK, "action_ref": "ingram_micro.get_order",
            "formats": [{"display": "x", "representation": [3]}]},
           {"pack": PACK, "action_ref": "ingram_micro.get_order"}]
    for meta in bad:
        assert metadata.alias_errors(meta) != []
        with pytest.raises(Exception):
            ActionAliasAPI(**meta).validate()
    for path in _alias_files():
        with open(path) as handle:
            meta = yaml.safe_load(handle)
        assert metadata.alias_errors(meta, path) == []
        ActionAliasAPI(**meta).validate()


@pytest.mark.parametrize("command,alias,expected", EXAMPLES,
                         ids=[c for c, _, _ in EXAMPLES])
def test_a_chat_command_runs_its_action_with_the_parameters_it_names(st2, command, alias,
                                                                     expected):
    alias_db, params, execution = schedule(command)
    assert alias_db.name == alias
    assert params == expected
    assert execution.action["ref"] == alias_db.action_ref
    given = execution.parameters
    for name, value in (alias_db.immutable_parameters or {}).items():
        assert given[name] == value
    ack = render_ack(alias_db, execution)
    assert execution.id in ack
    assert any(v in ack for v in expected.values()), ack


@pytest.mark.parametrize("command", NO_MATCH)
def test_a_command_no_alias_knows_matches_none(st2, command):
    from st2common.exceptions.actionalias import ActionAliasAmbiguityException
    from st2common.util.actionalias_matching import get_matching_alias
    with pytest.raises(ActionAliasAmbiguityException) as info:
        get_matching_alias(command)
    assert info.value.matches == []


def test_st2_refuses_a_value_of_the_wrong_type_before_anything_runs(st2):
    with pytest.raises(ValueError) as info:
        schedule("ingram true up 1000002 to many")
    assert "target_quantity" in str(info.value)


def test_a_chat_user_cannot_skip_the_approval(st2):
    with pytest.raises(ValueError) as info:
        schedule("ingram cancel subscription 1000003 require_approval=false")
    assert "require_approval" in str(info.value)


# -- what the chat shows ---------------------------------------------------------------------

def _python_runs(emulator):
    state = emulator.marketplace.state
    customer = list(state.customers.values())[3]["id"]
    order = list(state.orders.values())[0]
    subscription = next(s for s in state.subscriptions.values() if s["status"] == "active")
    xv_order = emulator.xvantage.store.all()[0]
    return [
        ("ingram customer %s" % customer, [customer]),
        ("ingram order %s" % order["id"], [order["id"], order["orderNumber"]]),
        ("ingram subscription %s" % subscription["id"],
         [subscription["id"], subscription["status"]]),
        ("ingram subscriptions %s" % subscription["customerId"], [subscription["id"]]),
        ("ingram xvantage order %s" % xv_order.number, [xv_order.number]),
    ]


def _run(run_action, alias_db, params):
    from st2common.util.action_db import get_action_by_ref
    name = alias_db.action_ref.split(".", 1)[1]
    action_db = get_action_by_ref(alias_db.action_ref)
    typed = {}
    for key, value in params.items():
        kind = (action_db.parameters.get(key) or {}).get("type")
        typed[key] = int(value) if kind == "integer" else value
    return run_action(name, **typed)


def test_python_results_read_well_in_chat(st2, emulator, run_action):
    for command, facts in _python_runs(emulator):
        alias_db, params, _ = schedule(command)
        outcome = _run(run_action, alias_db, params)
        assert outcome.succeeded, (command, outcome.result)
        text = render_result(alias_db, execution_dict(alias_db, params, "succeeded",
                                                      outcome.result, "result"))
        for fact in facts:
            assert str(fact) in text, (command, fact, text)
        assert "None" not in text and "Undefined" not in text, text
        assert len(text.strip().splitlines()) <= 25, text


@pytest.mark.parametrize("command,kind", [
    ("ingram customer 9999999", "not_found"),
    ("ingram order 9999999", "not_found"),
    ("ingram subscription 9999999", "not_found"),
    ("ingram xvantage order 20-Z9999", "not_found"),
])
def test_a_failed_read_says_why_in_chat(st2, run_action, command, kind):
    alias_db, params, _ = schedule(command)
    outcome = _run(run_action, alias_db, params)
    assert not outcome.succeeded
    text = render_result(alias_db, execution_dict(alias_db, params, "failed",
                                                  outcome.result, "result"))
    assert "failed" in text and kind in text and list(params.values())[0] in text, text


def _workflow_output(action_ref, **values):
    """A workflow output with every key its YAML declares (None unless given)."""
    from runner import loader
    meta = loader.action_meta(action_ref.split(".", 1)[1])
    with open(os.path.join(PACK_ROOT, "actions", meta["entry_point"])) as handle:
        declared = [list(item)[0] for item in yaml.safe_load(handle)["output"]]
    assert set(values) <= set(declared), set(values) - set(declared)
    return dict({key: None for key in declared}, **values)


@pytest.mark.parametrize("command", ["ingram true up 1000002 to 15",
                                     "ingram cancel subscription 1000003",
                                     "ingram renewals 30"])
def test_a_workflow_that_stopped_early_still_reports(st2, command):
    """A run that failed before any output was set (every output null, or no output at
    all) is still a readable message, with the reason and the execution to look at."""
    alias_db, params, _ = schedule(command)
    errors = [{"message": "task get_details failed", "task_id": "get_details"}]
    for result in ({"output": _workflow_output(alias_db.action_ref), "errors": errors},
                   {"errors": errors}):
        text = render_result(alias_db, execution_dict(alias_db, params, "failed", result,
                                                      "output"))
        assert "failed" in text and "5f0c0ffee0000000000000a1" in text, text
        assert "task get_details failed" in text, text
    text = render_result(alias_db, execution_dict(alias_db, params, "failed", None,
                                                  "output"))
    assert "failed" in text and "Undefined" not in text, text


@pytest.mark.parametrize("command", ["ingram true up 1000002 to 15",
                                     "ingram cancel subscription 1000003"])
def test_a_gated_write_reports_its_summary(st2, command):
    alias_db, params, _ = schedule(command)
    summary = "Subscription 1000002: rejected by ops (approval)."
    output = _workflow_output(alias_db.action_ref, outcome="rejected", summary=summary)
    text = render_result(alias_db, execution_dict(alias_db, params, "succeeded",
                                                  {"output": output}, "output"))
    assert summary in text and "succeeded" in text, text


def test_renewals_list_one_line_per_subscription(st2, emulator, run_action):
    alias_db, params, _ = schedule("ingram renewals 45")
    listed = run_action("list_subscriptions", status="active", limit=3)
    assert listed.succeeded and listed.result["data"]
    rows = [{"id": s["id"], "name": s.get("name"), "customerId": s.get("customerId"),
             "renewalDate": s.get("renewalDate") or s.get("expirationDate"),
             "expirationDate": s.get("expirationDate"), "renewalStatus": True,
             "value": {"amount": "12.00", "currency": "USD"}, "subscriptionValue": None,
             "quantity": 3} for s in listed.result["data"]]
    output = _workflow_output(alias_db.action_ref, **{
        "from": "2026-11-29", "until": "2027-01-13", "count": len(rows),
        "subscriptions": rows, "failed_lookups": 0, "summary": "(long summary)"})
    text = render_result(alias_db, execution_dict(alias_db, params, "succeeded",
                                                  {"output": output}, "output"))
    lines = text.strip().splitlines()
    assert "%d subscription(s)" % len(rows) in lines[0] and "2027-01-13" in lines[0]
    for row in rows:
        assert any(row["id"] in line and "12.00 USD" in line for line in lines), text
    assert "(long summary)" not in text
