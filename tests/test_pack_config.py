"""Pack config as st2 hands it over: validated, defaults applied, strict on missing keys."""

import pytest

from runner import config as pack_config


def test_defaults_from_schema_reach_nested_named_accounts():
    cfg = pack_config.prepare({"accounts": {"emea": {
        "api_url": "https://x", "marketplace": "uk", "username": "u", "password": "p",
        "subscription_key": "k", "xvantage": {"client_id": "c"}}}})
    account = cfg["accounts"]["emea"]
    assert account["order_timeout"] == 180 and account["max_retries"] == 5
    assert account["xvantage"]["country_code"] == "US"


def test_reading_a_missing_key_raises_with_its_path():
    cfg = pack_config.prepare({"accounts": {"default": {"api_url": "https://x"}}})
    with pytest.raises(ValueError) as info:
        cfg["accounts"]["default"]["password"]
    assert "config.accounts.default.password" in str(info.value)
    assert cfg["accounts"]["default"].get("password") is None


@pytest.mark.parametrize("raw, where", [
    ({"accounts": {"default": {"api_url": 5}}}, "accounts.default.api_url"),
    ({"accounts": {"bad-name": {}}}, "accounts"),
    ({"accounts": {"default": {"read_timeout": "slow"}}}, "accounts.default.read_timeout"),
    ({"accounts": {"default": {"xvantage": {"read_timeout": "slow"}}}},
     "accounts.default.xvantage.read_timeout"),
    ({"api_url": 5}, "api_url"),
    ({"read_timeout": "slow"}, "read_timeout"),
    ({"xvantage": {"sandbox": "yes"}}, "xvantage.sandbox"),
    ({"xvantage": {"max_retries": 1.5}}, "xvantage.max_retries"),
    ({"xvantage": {"clientid": "typo"}}, "xvantage"),
    # Settings that the interactive form does not ask for are still validated.
    ({"sensors": {"orders": {"poll_interval": 1}}}, "sensors.orders.poll_interval"),
    ({"xvantage_webhook": {"port": 70000}}, "xvantage_webhook.port"),
    ({"activation_rules": {"names": {"dropbox_admin_email": 5}}},
     "activation_rules.names.dropbox_admin_email"),
])
def test_invalid_configs_are_refused_naming_the_field(raw, where):
    with pytest.raises(pack_config.ConfigValidationError) as info:
        pack_config.prepare(raw)
    assert str(info.value).startswith(where)
