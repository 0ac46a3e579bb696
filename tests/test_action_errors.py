"""Every action turns a broken account into a failed structured result, never a traceback."""

import pytest

import fuzz_support as fs
from conftest import make_config
from runner import loader

ACTIONS = [n for n in loader.action_names()
           if loader.action_meta(n).get("runner_type") == "python-script"]

# Values that pass each action's own parameter checks, so the account is what fails.
DUMMY_BY_TYPE = {"string": "1000001", "integer": 1, "number": 1, "boolean": False}
DUMMY_BY_NAME = {
    "startDate": "2026-01-01", "endDate": "2026-01-31", "path": "/customers",
    "email": "a@example.com", "quantity": 2, "countryCode": "US", "currency": "USD",
}
# Actions that refuse to run without one of their optional parameters.
EXTRA = {
    "create_order": {"products": [{"mpn": "MPN-1", "quantity": 1}]},
    "update_customer": {"name": "Acme"},
    "update_reseller": {"name": "Acme"},
    "update_order": {"statusCode": "CL"},
    "update_subscription": {"renewalStatus": True},
    "update_subscription_special_pricing": {
        "products": [{"mpn": "MPN-1", "unitPrice": {"amount": "1.00", "currency": "USD"}}]},
    "xvantage_create_order": {"lines": [{"ingramPartNumber": "DF4128", "quantity": 1}]},
    "xvantage_create_order_async": {"lines": [{"ingramPartNumber": "DF4128", "quantity": 1}]},
    "xvantage_modify_order": {"notes": "call first"},
}


def _dummy(name, schema):
    if name in DUMMY_BY_NAME:
        return DUMMY_BY_NAME[name]
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties") or {}
        return {key: _dummy(key, sub) for key, sub in props.items() if sub.get("required")}
    if kind == "array":
        return [_dummy(name, schema.get("items") or {"type": "string"})
                for _ in range(schema.get("minItems") or 0)]
    return DUMMY_BY_TYPE.get(kind, "x")


def _dummy_params(action):
    meta = loader.action_meta(action)
    params = {name: _dummy(name, schema)
              for name, schema in (meta.get("parameters") or {}).items()
              if schema.get("required") and "default" not in schema}
    params.update(EXTRA.get(action, {}))
    return params


@pytest.mark.parametrize("action", ACTIONS)
def test_unknown_account_is_a_structured_failure(run_action, action):
    # Valid parameters, so that the account is the only thing wrong.
    params = dict(fs.BASELINE.get(action) or _dummy_params(action))
    outcome = run_action(action, account="nope", **params)
    assert outcome.succeeded is False
    assert outcome.result["error"] == "config_error"
    assert "'nope'" in outcome.result["message"]


def test_an_account_without_xvantage_section_is_a_structured_failure(server, run_action):
    config = make_config(server)
    del config["accounts"]["default"]["xvantage"]
    outcome = run_action("xvantage_get_order", _config=config, ingramOrderNumber="20-RD3QV")
    assert outcome.succeeded is False
    assert outcome.result["error"] == "config_error"
    assert "xvantage" in outcome.result["message"]
