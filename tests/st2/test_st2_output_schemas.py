"""StackStorm's own output validation (``st2common.util.output_schema.validate_output``, what
the action runner applies with ``[system] validate_output_schema = True``) keeps every real
success result of the pack's python actions a success, with the output_schema st2
registered for the action; and the pack's checks (runner/metadata.py, the fast tier's mirror
of the validator) give st2's verdicts."""

import copy
import json

import pytest

pytest.importorskip("st2common")
pytest.importorskip("python_runner")

from runner import loader, metadata  # noqa: E402
import python_runner_support as support  # noqa: E402
import test_output_schemas as fast  # noqa: E402

CASES = fast.ACTIONS + fast.VARIANTS + sorted(fast.EXTRA)


def _registered(action):
    from st2common.util.action_db import get_action_by_ref, get_runnertype_by_name
    action_db = get_action_by_ref("ingram_micro." + action)
    return action_db, get_runnertype_by_name(action_db.runner_type["name"])


def st2_verdict(action, result):
    """``(status, output)`` as st2's action runner stores a succeeded python run whose
    ``run()`` returned ``result``."""
    from st2common.util import output_schema
    action_db, runner_db = _registered(action)
    # What the wrapper process hands back: the result through JSON, and the process output.
    output = {"result": json.loads(json.dumps(result)), "stdout": "", "stderr": "",
              "exit_code": 0}
    return output_schema.validate_output(runner_db.output_schema, action_db.output_schema,
                                         output, "succeeded", runner_db.output_key)


def test_st2_registers_each_output_schema_as_written(st2):
    for action in fast.ACTIONS:
        action_db, runner_db = _registered(action)
        assert runner_db.output_key == "result"
        declared = loader.action_meta(action).get("output_schema") or {}
        assert action_db.output_schema == declared, action


def test_st2_enforces_every_output_schema(st2):
    """A schema st2 cannot use is skipped with a warning: validation would silently do
    nothing."""
    from st2common.util import output_schema
    for action in fast.ACTIONS:
        if action in fast.WITHOUT_SCHEMA:
            continue
        action_db, _ = _registered(action)
        assert output_schema._output_schema_is_valid(action_db.output_schema), (
            action, metadata.output_schema_errors(action_db.output_schema, action))


@pytest.mark.parametrize("case", CASES)
def test_st2_keeps_each_real_success_a_success(st2, case, server, run_action):
    action, result = fast.run_case(case, server, run_action)
    output, status = st2_verdict(action, result)
    assert status == "succeeded", (case, output)
    assert output["result"] == json.loads(json.dumps(result))


def _mutations(schema, result):
    """Results that differ from a real one where the schema is precise."""
    out = [result]
    for name, prop in schema.get("properties", {}).items():
        if prop.get("required"):
            out.append({k: v for k, v in result.items() if k != name})
        if prop.get("type") in ("integer", "boolean", "array") and name in result:
            out.append(dict(result, **{name: "x"}))
            out.append(dict(result, **{name: None}))
    return out


@pytest.mark.parametrize("case", ["list_customers", "xvantage_search_orders",
                                  "wait_for_order", "xvantage_create_return",
                                  "validate_activation_parameters"])
def test_the_fast_tier_mirror_gives_st2s_verdicts(st2, case, server, run_action):
    action, result = fast.run_case(case, server, run_action)
    schema = loader.action_meta(action)["output_schema"]
    verdicts = []
    for candidate in _mutations(schema, result):
        _, status = st2_verdict(action, candidate)
        verdicts.append((status == "succeeded",
                         fast.st2_output_errors(schema, candidate) == []))
    assert len(verdicts) > 3 and verdicts[0] == (True, True)
    assert all(st2_ok == mirror_ok for st2_ok, mirror_ok in verdicts), verdicts
    assert any(not st2_ok for st2_ok, _ in verdicts)


SCHEMA_CORPUS = [
    {"type": "object", "properties": {"a": {"type": "string", "required": True}}},
    {"type": "object", "properties": {"a": {"anyOf": [{"type": "integer"},
                                                      {"type": "null"}]}}},
    {"type": "object", "properties": {"a": {"type": ["string", "null"]}}},
    {"type": "object", "properties": {"a": {"type": "object", "required": ["b"]}}},
    {"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}},
    {"properties": {"a": {"type": "string"}}},
    {"type": "object", "properties": {"a": {"type": "strin"}}},
    {"type": "object", "x-note": "unknown keywords are allowed",
     "properties": {"a": {"format": "date-time", "type": "string"}}},
    {"type": "array", "items": {"type": "object"}},
]


def test_the_pack_lint_agrees_with_st2_on_which_schemas_it_enforces(st2):
    from st2common.util import output_schema
    corpus = SCHEMA_CORPUS + [loader.action_meta(n)["output_schema"] for n in loader.action_names()
                              if loader.action_meta(n).get("output_schema")]
    for schema in corpus:
        assert output_schema._output_schema_is_valid(copy.deepcopy(schema)) == (
            metadata.output_schema_errors(schema) == []), schema


def test_an_execution_stays_succeeded_with_output_validation_on(st2, server):
    """End to end: st2's action runner, output validation switched on, runs actions in the
    wrapper process and stores them as succeeded with their result."""
    from oslo_config import cfg
    previous = cfg.CONF.system.validate_output_schema
    cfg.CONF.set_override("validate_output_schema", True, group="system")
    try:
        with support.refused_url() as url:
            raw = fast_raw_config(server)
            with support.ActionRunnerNode(raw, url) as node:
                runs = node.run([("list_customers", {"limit": 2}),
                                 ("xvantage_search_orders", {"all_pages": True})])
    finally:
        cfg.CONF.set_override("validate_output_schema", previous, group="system")
    for execution in runs:
        assert execution.status == "succeeded", execution
        assert execution.result["count"] >= 1, execution


def fast_raw_config(server):
    from runner.emulated import emulator_config
    raw = emulator_config(server.url, region=server.emulator.marketplace.region)
    raw["accounts"]["default"].update({"max_retry_wait": 0.01, "read_timeout": 10})
    return raw
