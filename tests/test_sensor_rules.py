"""The shipped rules use what the sensors' triggers really carry."""

import glob
import os
import re

import pytest
import yaml

from runner import PACK_ROOT, loader

RULES = sorted(glob.glob(os.path.join(PACK_ROOT, "rules", "*.yaml")))
TRIGGER_FIELD = re.compile(r"trigger\.(\w+)")


def _rule(path):
    with open(path) as handle:
        return yaml.safe_load(handle)


def test_rules_are_shipped():
    assert len(RULES) >= 3


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
