"""Each shipped rule, enabled, matches a payload its sensor really produced against the
emulator (StackStorm's RuleFilter) and renders its action parameters (StackStorm's rule
enforcer); the workflows' inspection is in test_st2_workflows.py. The payloads come from the pack's
sensors running in this process on st2's base classes, each dispatched through st2's own
dispatcher (tests/conftest.py), so they are payloads st2 published."""

import datetime
import glob
import os

import pytest

from runner import PACK_ROOT

from sensor_support import make_sensor, place, poll, sensor_config

pytest.importorskip("st2common")

FAILED_ORDER_RULES = ["notify_failed_order", "report_failed_order"]
EXPIRY_RULES = ["notify_expiring_subscription", "renew_expiring_subscription"]


def _rules_on_disk():
    return sorted(os.path.splitext(os.path.basename(p))[0]
                  for p in glob.glob(os.path.join(PACK_ROOT, "rules", "*.yaml")))


@pytest.fixture(scope="module")
def chatops(st2):
    """StackStorm's own chatops pack (its post_message action), which two rules and the
    workflow use, registered from the StackStorm source tree."""
    import st2common
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
        st2common.__file__))))
    pack = os.path.join(root, "contrib", "chatops")
    if not os.path.isdir(pack):
        pytest.skip("no StackStorm source tree with contrib/chatops here")
    st2.register_actions_of(pack, "chatops")
    return pack


@pytest.fixture
def failed_order_payload(server, emulator, datastore):
    emulator.clock.freeze()
    sensor, service = make_sensor("order_sensor", sensor_config(server), datastore, emulator)
    poll(sensor, service)
    bad = place(emulator, po="EMU-ERROR")       # the emulator's order that ends in error
    fired = []
    for step in (0, 5, 60):
        emulator.clock.advance(step)
        fired += poll(sensor, service)
    changes = [p for t, p in fired if t == "ingram_micro.order_status_changed"]
    [payload] = [p for p in changes if p["status"] == "error"]
    assert payload["id"] == bad["id"]
    return payload


@pytest.fixture
def expiring_payload(server, emulator, datastore):
    emulator.clock.freeze()
    subs = list(emulator.marketplace.state.subscriptions.values())
    today = emulator.clock.utcnow().date()
    for sub in subs:
        sub["expirationDate"] = sub["renewalDate"] = (
            today + datetime.timedelta(days=300)).isoformat()
    target = subs[0]
    target["status"], target["renewalStatus"] = "active", False
    target["expirationDate"] = (today + datetime.timedelta(days=10)).isoformat()
    config = sensor_config(server, sensors={"subscriptions": {
        "expiry_horizon_days": 30, "emit_existing_on_first_run": True}})
    sensor, service = make_sensor("subscription_sensor", config, datastore, emulator)
    fired = poll(sensor, service)
    [payload] = [p for t, p in fired if t == "ingram_micro.subscription_expiring"]
    assert payload["id"] == target["id"] and payload["renewalStatus"] is False
    return payload


def _enabled_rule(name):
    from st2common.persistence.rule import Rule
    rule = Rule.get_by_ref("ingram_micro." + name)
    assert rule.enabled is False          # shipped disabled
    rule.enabled = True
    return rule


def _instance(rule, payload):
    """The trigger instance st2's rules engine stores for a published payload."""
    from st2common.util import date as date_utils
    from st2reactor.container.utils import create_trigger_instance
    return create_trigger_instance(rule.trigger, payload, date_utils.get_datetime_utc_now(),
                                   raise_on_no_trigger=True)


def _matches(rule, payload):
    from st2reactor.rules.filter import RuleFilter
    trigger = {"name": rule.trigger.split(".", 1)[1], "pack": "ingram_micro",
               "type": rule.trigger}
    return RuleFilter(_instance(rule, payload), trigger, rule).filter()


def _rendered(rule, payload):
    from st2common.persistence.action import Action
    from st2common.persistence.runner import RunnerType
    from st2reactor.rules.enforcer import RuleEnforcer
    action = Action.get_by_ref(rule.action.ref)
    assert action is not None, rule.action.ref
    runner = RunnerType.get_by_name(action.runner_type["name"])
    enforcer = RuleEnforcer(_instance(rule, payload), rule)
    context, extra = enforcer.get_action_execution_context(action)
    return enforcer.get_resolved_parameters(action, runner, rule.action.parameters,
                                            context=context, additional_contexts=extra)


def test_every_shipped_rule_is_covered():
    assert sorted(FAILED_ORDER_RULES + EXPIRY_RULES) == _rules_on_disk()


@pytest.mark.parametrize("name", FAILED_ORDER_RULES)
def test_failed_order_rules_match_a_real_payload_and_render(st2, chatops, name,
                                                            failed_order_payload):
    rule = _enabled_rule(name)
    assert _matches(rule, failed_order_payload)
    assert not _matches(rule, dict(failed_order_payload, status="completed"))
    params = _rendered(rule, failed_order_payload)
    if rule.action.ref == "ingram_micro.report_failed_order":
        assert params["orderId"] == failed_order_payload["id"]
        assert params["account"] == "default" and params["channel"] == "cloud-orders"
    else:
        assert failed_order_payload["orderNumber"] in params["message"]
        assert "-> error" in params["message"] and params["channel"] == "cloud-orders"


@pytest.mark.parametrize("name", EXPIRY_RULES)
def test_expiry_rules_match_a_real_payload_and_render(st2, chatops, name, expiring_payload):
    rule = _enabled_rule(name)
    assert _matches(rule, expiring_payload)
    assert not _matches(rule, dict(expiring_payload, renewalStatus=True))
    params = _rendered(rule, expiring_payload)
    if rule.action.ref == "ingram_micro.update_subscription":
        assert params == {"account": "default", "subscriptionId": expiring_payload["id"],
                          "renewalStatus": True}
        assert not _matches(rule, dict(expiring_payload, status="hold"))
    else:
        assert expiring_payload["expirationDate"] in params["message"]
        assert "%d day(s)" % expiring_payload["days_left"] in params["message"]
