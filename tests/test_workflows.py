"""The Orquesta workflows as far as they can be checked without orquesta: what their tasks
give the pack's actions, the approval step they share, and what python -m runner says when
orquesta is not importable. They run end to end in tests/st2/test_st2_workflows.py."""

import os

import pytest
import yaml

from runner import PACK_ROOT, loader, workflow

WORKFLOWS = sorted(n for n in loader.action_names()
                   if loader.action_meta(n).get("runner_type") == "orquesta")
APPROVING = ["provision_subscription", "true_up", "cancel_subscription_safely"]


def _definition(name):
    with open(os.path.join(PACK_ROOT, "actions", loader.action_meta(name)["entry_point"])) \
            as handle:
        return yaml.safe_load(handle)


def test_the_workflows_are_shipped():
    assert set(APPROVING + ["renewal_review", "report_failed_order"]) <= set(WORKFLOWS)


@pytest.mark.parametrize("name", WORKFLOWS)
def test_every_pack_action_a_task_calls_gets_its_required_parameters(name):
    for task_name, task in _definition(name)["tasks"].items():
        ref = task.get("action", "")
        if not ref.startswith("ingram_micro."):
            continue
        params = loader.action_meta(ref.split(".", 1)[1])["parameters"]
        required = {p for p, spec in params.items() if spec.get("required")}
        assert required <= set(task.get("input") or {}), (name, task_name)
        assert "account" in task["input"], (name, task_name)


@pytest.mark.parametrize("name", APPROVING)
def test_the_approval_step_is_an_inquiry_with_a_boolean_answer(name):
    meta = loader.action_meta(name)
    assert "require_approval" in meta["parameters"]
    assert meta["parameters"]["approval_ttl"]["default"] == 1440
    approve = _definition(name)["tasks"]["approve"]
    assert approve["action"] == "core.ask"
    schema = approve["input"]["schema"]
    assert schema["properties"]["approved"] == dict(
        schema["properties"]["approved"], type="boolean", required=True)
    # Rejected and unanswered inquiries both lead to the report, never to the change.
    targets = [t["do"] for t in approve["next"]]
    assert targets.count("summarize") == 2


@pytest.mark.parametrize("name", WORKFLOWS)
def test_notify_is_optional_and_names_no_pack_that_may_be_missing(name):
    meta = loader.action_meta(name)
    if name == "report_failed_order":
        return
    assert meta["parameters"]["notify_action"]["default"] == ""
    tasks = _definition(name)["tasks"]
    refs = {t.get("action") for t in tasks.values()}
    assert {r.split(".")[0] for r in refs if not r.startswith("<%")} <= {"ingram_micro", "core"}


def test_without_orquesta_a_workflow_is_refused_plainly(config, datastore):
    if workflow.available():
        pytest.skip("orquesta is importable here; tests/st2/test_st2_workflows.py runs them")
    with pytest.raises(workflow.OrquestaMissing) as caught:
        workflow.run_workflow("renewal_review", {}, config, datastore)
    assert "orquesta library" in str(caught.value)
    assert "st2 run ingram_micro.renewal_review" in str(caught.value)
