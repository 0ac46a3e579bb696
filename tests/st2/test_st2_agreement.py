"""The fast tier's stand-ins can never again be looser (or stricter) than StackStorm.

One corpus (``tests/payload_corpus.py``) of trigger payload schemas, payloads and action
parameters, good and bad, goes to StackStorm -- each schema registered as a trigger type and
each payload dispatched as the sensor container dispatches it; each action's parameters
validated as st2 validates them before a run -- and to the stand-ins the fast tier uses
without st2: ``ingram_lib.core.payloads`` (the pack's pre-dispatch check and the
runner's ``SensorService``), ``runner.metadata`` (schema lint) and ``runner.params``
(action parameters). Every verdict must be the same. StackStorm's answers are also kept in
``tests/st2_verdicts.json`` for the fast tier, which runs another jsonschema.
"""

import copy
import json
import os

import pytest

from runner import loader, metadata, params

from payload_corpus import (CASES, CORPUS, PACK_CASES, VERDICTS, action_cases, case_key,
                            load_verdicts)

pytest.importorskip("st2common")

from ingram_lib.core import payloads as trigger_payloads  # noqa: E402


def _standin_accepts(schema, payload):
    try:
        trigger_payloads.mirror_validate(payload, schema)
    except Exception:
        return False
    return True


def _st2_refuses_schema(schema):
    from st2common.util import schema as st2_schema
    try:
        st2_schema.CustomValidator.check_schema(schema)
    except Exception:
        return True
    return False


def _st2_accepts_parameters(action, given):
    from st2common.persistence.action import Action
    from st2common.persistence.runner import RunnerType
    from st2common.util import schema as st2_schema
    action_db = Action.get_by_ref("ingram_micro." + action)
    runner_db = RunnerType.get_by_name(action_db.runner_type["name"])
    schema = st2_schema.get_schema_for_action_parameters(action_db, runner_db)
    try:
        st2_schema.validate(copy.deepcopy(given), schema, st2_schema.get_validator(),
                            use_default=True, allow_default_none=True)
    except Exception:
        return False
    return True


def _standin_accepts_parameters(action, given):
    try:
        params.resolve(loader.action_meta(action).get("parameters") or {},
                       copy.deepcopy(given))
    except params.ParameterValidationError:
        return False
    return True


@pytest.fixture(scope="module")
def corpus_types(st2):
    from st2common.models.api.trigger import TriggerTypeAPI
    from st2common.persistence.trigger import TriggerType
    refs = []
    for i, (schema, _) in enumerate(CORPUS):
        api = TriggerTypeAPI(name="corpus_%d" % i, pack="st2tier",
                             payload_schema=copy.deepcopy(schema))
        TriggerType.add_or_update(TriggerTypeAPI.to_model(api))
        refs.append("st2tier.corpus_%d" % i)
    return refs


def _dispatched(st2, ref, payload):
    return st2.dispatch_verdict(ref, copy.deepcopy(payload)) is None


@pytest.mark.parametrize("index,schema,payload", CASES)
def test_corpus_verdicts_agree(st2, corpus_types, index, schema, payload):
    assert _standin_accepts(schema, payload) == _dispatched(st2, corpus_types[index], payload)


@pytest.mark.parametrize("index,schema", list(enumerate(s for s, _ in CORPUS)))
def test_schema_lint_flags_exactly_the_schemas_st2_refuses(st2, index, schema):
    refused = _st2_refuses_schema(schema)
    lint = metadata.trigger_type_errors(
        {"name": "corpus", "payload_schema": schema, "description": "x"}, "corpus")
    assert bool(lint) == refused, lint
    assert (trigger_payloads.schema_problem(schema) is not None) == refused


@pytest.mark.parametrize("ref,schema,payload", PACK_CASES)
def test_pack_trigger_verdicts_agree(st2, ref, schema, payload):
    assert _standin_accepts(schema, payload) == _dispatched(st2, ref, payload), payload


@pytest.mark.parametrize("action,given", action_cases())
def test_action_parameter_verdicts_agree(st2, action, given):
    assert _standin_accepts_parameters(action, given) == _st2_accepts_parameters(action, given)


def test_the_corpus_has_both_verdicts(st2, corpus_types):
    corpus = {_dispatched(st2, corpus_types[i], p) for i, _, p in CASES}
    pack = {_dispatched(st2, r, p) for r, _, p in PACK_CASES}
    actions = {_st2_accepts_parameters(a, g) for a, g in action_cases()}
    assert corpus == pack == actions == {True, False}
    assert {r for r, _, _ in PACK_CASES} == set(loader.trigger_types())
    python_actions = [n for n in loader.action_names()
                      if loader.action_meta(n).get("runner_type") == "python-script"]
    assert {a for a, _ in action_cases()} == set(python_actions)


def test_recorded_verdicts_are_stackstorms(st2, corpus_types):
    """tests/st2_verdicts.json, which the fast tier checks its stand-ins against, holds
    what StackStorm answers today for every case it records. Cases the file lacks (a new
    action or trigger) are judged live by the tests above; refresh the file with
    INGRAM_MICRO_WRITE_VERDICTS=1 so that the fast tier checks them too."""
    live = {}
    for i, schema, payload in CASES:
        live[case_key("payload", i, payload)] = _dispatched(st2, corpus_types[i], payload)
    for i, (schema, _) in enumerate(CORPUS):
        live[case_key("schema", i, schema)] = not _st2_refuses_schema(schema)
    for ref, _, payload in PACK_CASES:
        live[case_key("trigger", ref, payload)] = _dispatched(st2, ref, payload)
    for action, given in action_cases():
        live[case_key("action", action, given)] = _st2_accepts_parameters(action, given)
    if os.environ.get("INGRAM_MICRO_WRITE_VERDICTS"):
        with open(VERDICTS, "w") as handle:
            json.dump(live, handle, indent=0, sort_keys=True)
            handle.write("\n")
    recorded = load_verdicts()
    changed = {k for k in recorded if k in live and recorded[k] != live[k]}
    assert changed == set(), "StackStorm's verdicts changed: refresh " + VERDICTS
