"""The shipped rules use what the sensors' triggers really carry."""

import glob
import os
import re

import pytest
import yaml

from runner import PACK_ROOT, loader

MARKETPLACE_TRIGGERS = ["ingram_micro.order_created", "ingram_micro.order_status_changed",
                        "ingram_micro.subscription_status_changed",
                        "ingram_micro.subscription_expiring"]
TRIGGER_FIELD = re.compile(r"trigger\.(\w+)")


def _rule(path):
    with open(path) as handle:
        return yaml.safe_load(handle)


RULES = sorted(p for p in glob.glob(os.path.join(PACK_ROOT, "rules", "*.yaml"))
               if _rule(p)["trigger"]["type"] in MARKETPLACE_TRIGGERS)


def test_rules_are_shipped():
    assert len(RULES) >= 4


@pytest.mark.parametrize("path", RULES, ids=os.path.basename)
def test_rule_refers_only_to_payload_fields_and_action_parameters(path):
    rule = _rule(path)
    assert rule["enabled"] is False
    schema = loader.trigger_types()[rule["trigger"]["type"]]["payload_schema"]
    fields = set(schema["properties"])
    for key in rule.get("criteria") or {}:
        assert TRIGGER_FIELD.match(key).group(1) in fields, key
    text = yaml.safe_dump(rule["action"].get("parameters") or {})
    for used in TRIGGER_FIELD.findall(text):
        assert used in fields, used
    ref = rule["action"]["ref"]
    if ref.startswith("ingram_micro."):
        params = loader.action_meta(ref.split(".", 1)[1])["parameters"]
        assert set(rule["action"]["parameters"]) <= set(params)
        for name, spec in params.items():
            if spec.get("required"):
                assert name in rule["action"]["parameters"], name


@pytest.mark.parametrize("trigger", MARKETPLACE_TRIGGERS)
def test_trigger_schemas_are_closed_and_describe_every_field(trigger):
    schema = loader.trigger_types()[trigger]["payload_schema"]
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    # st2's meta-schema takes ``required`` only as a boolean on each property.
    assert "required" not in schema
    assert any(prop.get("required") is True for prop in schema["properties"].values())
    for name, prop in schema["properties"].items():
        assert prop.get("description"), "%s.%s" % (trigger, name)
        if not prop.get("required"):
            # st2 lets optional fields be null; saying so keeps any validator in step.
            assert "null" in prop["type"], "%s.%s" % (trigger, name)
