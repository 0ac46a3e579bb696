"""The two ways to write an account: top-level keys (the account "default", the shape
``st2 pack config ingram_micro`` writes) and named ``accounts``; which one wins, and what
the errors say. Actions run as st2 would, over HTTP against the emulator."""

import copy
import logging

import pytest

from runner import config as pack_config, execute
from runner.emulated import emulator_config

from ingram_lib.core import config as lib_config
from ingram_lib.core.config import account_names, marketplace_settings, xvantage_settings
from ingram_lib.core.errors import ConfigError
from ingram_lib.sensing.webhook_receiver import DEFAULTS as WEBHOOK_DEFAULTS, webhook_settings

from sensor_support import make_sensor


def emulator_account(server):
    account = copy.deepcopy(
        emulator_config(server.url, region=server.emulator.marketplace.region)
        ["accounts"]["default"])
    # Short waits keep failures fast, as in conftest.make_config.
    account.update(max_retry_wait=0.01, read_timeout=5, connect_timeout=2)
    account["xvantage"].update(max_retry_wait=0.01, read_timeout=5)
    return account


def top_level(server, **overrides):
    raw = emulator_account(server)
    raw.update(overrides)
    return raw


# What the interactive form writes when the user gives the Marketplace credentials and
# presses Enter for everything else (no defaults: null; hidden sections: empty).
def form_written(server):
    account = emulator_account(server)
    raw = {k: account[k] for k in lib_config.MARKETPLACE_REQUIRED}
    raw.update({k: None for k in lib_config.MARKETPLACE_DEFAULTS})
    raw["xvantage"] = {"client_id": None, "client_secret": None, "customer_number": None,
                       "country_code": "US", "sender_id": None, "sandbox": False}
    raw.update(accounts={}, xvantage_webhook={}, sensors={}, activation_rules={})
    return raw


def run(name, config, datastore, **params):
    return execute.run_action(name, params, config, datastore)


def failure_message(outcome):
    assert outcome.succeeded is False
    assert outcome.result["error"] == "config_error", outcome.result
    return outcome.result["message"]


# -- the top-level account ------------------------------------------------------------------

def test_top_level_keys_are_the_default_account_for_both_apis(server, emulator, datastore):
    config = pack_config.prepare(top_level(server))
    assert account_names(config) == ["default"]
    listed = run("list_customers", config, datastore)
    assert listed.succeeded, listed.result
    assert listed.result["total"] == len(emulator.marketplace.state.customers) > 0
    searched = run("xvantage_search_orders", config, datastore)
    assert searched.succeeded, searched.result
    assert emulator.request_count(api="xvantage") >= 1


def test_what_the_form_writes_runs_marketplace_actions(server, emulator, datastore):
    config = pack_config.prepare(form_written(server))
    assert account_names(config) == ["default"]
    listed = run("list_customers", config, datastore)
    assert listed.succeeded, listed.result
    assert listed.result["total"] > 0
    # Timeouts left empty in the form are the built-in defaults, not zero or an error.
    settings = marketplace_settings(config)
    assert (settings.read_timeout, settings.order_timeout, settings.max_retries,
            settings.verify_ssl) == (60.0, 180.0, 5, True)
    # An Xvantage section of empty answers is no section at all.
    message = failure_message(run("xvantage_search_orders", config, datastore))
    assert "'default' has no 'xvantage' section" in message
    assert emulator.request_count(api="xvantage") == 0


def test_top_level_timeouts_apply_to_the_default_account(server):
    config = pack_config.prepare(top_level(server, read_timeout=7, order_timeout=240,
                                           verify_ssl=False))
    settings = marketplace_settings(config)
    assert (settings.read_timeout, settings.order_timeout, settings.verify_ssl) == \
        (7.0, 240.0, False)
    assert settings.connect_timeout == 2.0
    assert xvantage_settings(config).read_timeout == 5.0


def test_polling_sensors_watch_the_top_level_account(server, emulator, datastore):
    config = pack_config.prepare(form_written(server))
    orders, _ = make_sensor("order_sensor", config, datastore, emulator)
    assert orders.accounts(orders.settings()) == ["default"]
    emulator.clock.freeze()
    orders.poll()
    assert orders.last_poll["default"]["ok"], orders.last_poll
    # The form's empty Xvantage answers: the Xvantage sensor has nothing to watch.
    xorders, _ = make_sensor("xvantage_order_sensor", config, datastore, emulator)
    assert xorders.accounts(xorders.settings()) == []
    full = pack_config.prepare(top_level(server))
    xorders, _ = make_sensor("xvantage_order_sensor", full, datastore, emulator)
    assert xorders.accounts(xorders.settings()) == ["default"]


# -- configs written with accounts only -----------------------------------------------------

def test_accounts_only_configs_mean_what_they_did(server, datastore):
    # st2 fills in the defaults of top-level objects (e.g. xvantage.country_code) for
    # every config; that must not invent an account "default".
    named = {"accounts": {"us": emulator_account(server)}}
    config = pack_config.prepare(named)
    assert config["xvantage"]["country_code"] == "US"
    assert account_names(config) == ["us"]
    assert run("list_customers", config, datastore, account="us").succeeded
    message = failure_message(run("list_customers", config, datastore))
    assert message == "account 'default' is not in the pack config (configured: us)"

    config = pack_config.load_file(pack_config.os.path.join(
        pack_config.PACK_ROOT, "ingram_micro.yaml.example"))
    assert account_names(config) == ["default", "us"]
    assert marketplace_settings(config).username == "reseller.API"
    assert marketplace_settings(config, "us").order_timeout == 240.0


def test_named_accounts_inherit_nothing_from_the_top_level(server, datastore):
    us = emulator_account(server)
    del us["password"]
    config = pack_config.prepare(dict(top_level(server, read_timeout=9), accounts={"us": us}))
    assert account_names(config) == ["default", "us"]
    assert run("list_customers", config, datastore).succeeded
    message = failure_message(run("list_customers", config, datastore, account="us"))
    assert message == ("account 'us' is missing Marketplace setting(s): password "
                       "(accounts.us)")
    us["password"] = emulator_account(server)["password"]
    config = pack_config.prepare(dict(top_level(server, read_timeout=9), accounts={"us": us}))
    assert run("list_customers", config, datastore, account="us").succeeded
    assert marketplace_settings(config, "us").read_timeout == 5.0


# -- precedence: the account "default" written both ways ----------------------------------

@pytest.mark.parametrize("top", [
    {"username": "someone.API"},
    {"order_timeout": 240},
    {"xvantage": {"client_id": "c"}},
])
def test_default_written_both_ways_fails_naming_both(server, datastore, top):
    raw = dict(top, accounts={"default": emulator_account(server),
                              "us": emulator_account(server)})
    config = pack_config.prepare(raw)
    assert account_names(config) == ["default", "us"]
    message = failure_message(run("list_customers", config, datastore))
    assert "configured twice" in message and "accounts.default" in message
    assert sorted(top)[0] in message
    # Other accounts are not affected.
    assert run("list_customers", config, datastore, account="us").succeeded


def test_a_conflicting_default_stops_only_its_own_sensor_polls(server, emulator, datastore):
    raw = {"username": "someone.API",
           "accounts": {"default": emulator_account(server), "us": emulator_account(server)}}
    config = pack_config.prepare(raw)
    sensor, _ = make_sensor("order_sensor", config, datastore, emulator, fast_retries=False)
    emulator.clock.freeze()
    sensor.poll()
    assert sensor.last_poll["us"]["ok"]
    assert not sensor.last_poll["default"]["ok"]
    assert "configured twice" in sensor.last_poll["default"]["error"]


# -- errors name what is missing --------------------------------------------------------

def test_an_empty_config_says_how_to_configure(datastore, caplog, server, emulator):
    config = pack_config.prepare({})
    message = failure_message(run("list_customers", config, datastore))
    assert "no 'accounts' and no top-level account settings" in message
    assert "api_url, marketplace, username, password, subscription_key" in message
    assert "st2 pack config ingram_micro" in message
    sensor, service = make_sensor("order_sensor", config, datastore, emulator,
                                  fast_retries=False)
    with caplog.at_level(logging.ERROR):
        sensor.poll()
    assert "no top-level account settings" in caplog.text


@pytest.mark.parametrize("drop, missing", [
    (("password",), "password"),
    (("api_url", "subscription_key"), "api_url, subscription_key"),
])
def test_a_missing_top_level_setting_is_named(server, datastore, drop, missing):
    raw = top_level(server)
    for key in drop:
        raw[key] = None if key == "password" else ""
    config = pack_config.prepare(raw)
    message = failure_message(run("list_customers", config, datastore))
    assert message == ("account 'default' is missing Marketplace setting(s): %s "
                       "(top-level keys of the pack config)" % missing)


def test_a_missing_top_level_xvantage_setting_is_named(server, datastore):
    raw = top_level(server)
    raw["xvantage"]["sender_id"] = None
    config = pack_config.prepare(raw)
    message = failure_message(run("xvantage_search_orders", config, datastore))
    assert message == ("account 'default' is missing Xvantage setting(s): sender_id "
                       "(xvantage at the top level of the pack config)")


def test_unknown_account_lists_the_top_level_one(server, datastore):
    config = pack_config.prepare(dict(top_level(server),
                                      accounts={"us": emulator_account(server)}))
    message = failure_message(run("list_customers", config, datastore, account="eu"))
    assert message == "account 'eu' is not in the pack config (configured: default, us)"


def test_errors_never_show_secrets(server, datastore):
    raw = dict(top_level(server), accounts={"default": emulator_account(server)})
    config = pack_config.prepare(raw)
    message = failure_message(run("list_customers", config, datastore))
    for secret in (raw["password"], raw["subscription_key"], raw["xvantage"]["client_secret"]):
        assert secret not in message


# -- webhooks ----------------------------------------------------------------------------

def test_webhook_secrets_come_from_the_top_level_and_named_accounts(server):
    us = emulator_account(server)
    us["xvantage"]["webhook_secret"] = "us-secret"
    raw = top_level(server, accounts={"us": us})
    raw["xvantage"]["webhook_secret"] = "default-secret"
    settings = webhook_settings(pack_config.prepare(raw))
    assert settings["secrets"] == [("default", "default-secret"), ("us", "us-secret")]
    # Only a webhook secret at the top level: still the account "default".
    settings = webhook_settings(pack_config.prepare({"xvantage": {"webhook_secret": "s"}}))
    assert settings["secrets"] == [("default", "s")]


def test_webhook_code_defaults_match_the_schema():
    section = pack_config.load_schema()["xvantage_webhook"]
    for key, value in WEBHOOK_DEFAULTS.items():
        assert pack_config.field_schema(section, key).get("default") == value, key


# -- the schema -------------------------------------------------------------------------

def test_top_level_secrets_are_marked_secret():
    schema = pack_config.load_schema()
    for key in ("password", "subscription_key"):
        assert schema[key]["secret"] is True, key
    for key in ("client_secret", "webhook_secret"):
        assert pack_config.field_schema(schema["xvantage"], key)["secret"] is True, key
    assert "required" not in schema["accounts"]


def test_a_named_account_and_the_top_level_take_the_same_xvantage_settings():
    schema = pack_config.load_schema()
    named = schema["accounts"]["patternProperties"]["^\\w+$"]["properties"]
    assert named["xvantage"] == schema["xvantage"]
    top_keys = set(lib_config.TOP_LEVEL_KEYS)
    assert top_keys == set(named) - {"xvantage"}
    for key in top_keys:
        # A default would make every config look as if it set the key.
        assert "default" not in schema[key], key
        assert schema[key]["type"] == named[key]["type"], key


def test_a_config_with_none_of_the_top_level_keys_stays_without_them(server):
    config = pack_config.prepare({"accounts": {"us": emulator_account(server)}})
    assert not set(lib_config.TOP_LEVEL_KEYS) & set(config)
    with pytest.raises(ConfigError):
        marketplace_settings(config)
