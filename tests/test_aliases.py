"""The ChatOps aliases in aliases/: StackStorm's alias rules, and each one runs an action
of the pack with parameters that action has.

How StackStorm parses a command with each format, and how it renders the ack and result
messages (Jinja, in st2's own environment), is tested in the st2 tier
(tests/st2/test_st2_aliases.py): this virtualenv has no Jinja.
"""

import glob
import os
import re

import pytest
import yaml

from runner import PACK_ROOT, PACK_REF, loader, metadata

ALIAS_FILES = sorted(glob.glob(os.path.join(PACK_ROOT, "aliases", "*.yaml")))
# ``{{ name }}`` or ``{{ name = default }}`` in a format, as st2's parser reads it.
FORMAT_PARAM = re.compile(r"{{\s*(\S+?)\s*(?:=\s*(.*?))?\s*}}")
# ``name=<...>`` in a display string: a parameter given as a trailing key=value pair.
DISPLAY_PAIR = re.compile(r"\b(\w+)=<")
# Writes run without an approval only from a workflow or the CLI, never from chat.
APPROVAL_GATED = {"true_up", "cancel_subscription_safely", "provision_subscription"}


def _load(path):
    with open(path) as handle:
        return yaml.safe_load(handle)


ALIASES = {os.path.basename(p): _load(p) for p in ALIAS_FILES}


def representations(alias):
    for item in alias.get("formats") or []:
        if isinstance(item, str):
            yield item
        else:
            for text in item.get("representation") or []:
                yield text


def displays(alias):
    for item in alias.get("formats") or []:
        yield item if isinstance(item, str) else item.get("display") or ""


def chat_can_give(spec):
    """Whether a value typed in chat can become this parameter: st2 casts an alias's array
    parameters by splitting the text on commas, so the items can only be strings (a
    provision_subscription ``products`` list of objects cannot be typed in chat: its alias
    gives ``mpn`` and ``quantity``)."""
    if spec.get("type") == "array":
        return (spec.get("items") or {}).get("type", "string") == "string"
    return True


def action_of(alias):
    pack, _, name = alias["action_ref"].partition(".")
    assert pack == PACK_REF, alias["action_ref"]
    return loader.action_meta(name)


def test_the_everyday_reads_and_the_gated_writes_have_aliases():
    refs = {a["action_ref"] for a in ALIASES.values()}
    for name in ("get_customer", "get_order", "get_subscription", "list_subscriptions",
                 "xvantage_get_order", "renewal_review") + tuple(sorted(APPROVAL_GATED)):
        assert "%s.%s" % (PACK_REF, name) in refs, name


@pytest.mark.parametrize("filename", sorted(ALIASES))
def test_alias_follows_st2_rules(filename):
    alias = ALIASES[filename]
    assert metadata.alias_errors(alias, filename) == []
    assert alias["pack"] == PACK_REF
    assert alias.get("description")
    assert alias.get("enabled", True) is True
    assert list(representations(alias)), filename


def test_alias_names_are_unique():
    names = [a["name"] for a in ALIASES.values()]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("filename", sorted(ALIASES))
def test_alias_runs_an_action_of_the_pack_with_its_parameters(filename):
    alias = ALIASES[filename]
    assert alias["action_ref"].split(".", 1)[1] in loader.action_names()
    params = action_of(alias).get("parameters") or {}
    fixed = set(alias.get("immutable_parameters") or {})
    assert fixed <= set(params), filename
    for text in representations(alias):
        named = [m.group(1) for m in FORMAT_PARAM.finditer(text)]
        assert named, text
        assert len(named) == len(set(named)), text
        assert set(named) <= set(params), (text, set(named) - set(params))
        assert not set(named) & fixed, text
        for name in named:
            assert not params[name].get("immutable"), (text, name)
            assert chat_can_give(params[name]), (text, name)
        # A required parameter without a default must come from the command.
        needed = {n for n, s in params.items() if s.get("required") and "default" not in s}
        assert needed <= set(named) | fixed, (text, needed - set(named) - fixed)
    for text in displays(alias):
        pairs = set(DISPLAY_PAIR.findall(text))
        assert pairs <= set(params), text
        assert all(chat_can_give(params[name]) for name in pairs), text


@pytest.mark.parametrize("filename", sorted(ALIASES))
def test_alias_answers_in_chat(filename):
    alias = ALIASES[filename]
    ack, result = alias.get("ack") or {}, alias.get("result") or {}
    assert ack.get("enabled", True) and "execution.id" in ack.get("format", "")
    assert result.get("enabled", True) and result.get("format")
    runner = action_of(alias)["runner_type"]
    # st2 stores a python action's return value under result.result, a workflow's output
    # under result.output.
    key = {"python-script": "execution.result.result", "orquesta": "execution.result.output"}
    assert key[runner] in result["format"], filename
    # A failed run is reported too, not only a success.
    assert "execution.status" in result["format"], filename


@pytest.mark.parametrize("name", sorted(APPROVAL_GATED))
def test_a_write_from_chat_always_asks_for_approval(name):
    alias = next(a for a in ALIASES.values() if a["action_ref"] == "%s.%s" % (PACK_REF, name))
    assert alias["immutable_parameters"]["require_approval"] is True
    assert action_of(alias)["parameters"]["require_approval"]["type"] == "boolean"


def test_alias_checker_rejects_what_st2_rejects():
    bad = {"name": "x", "action_ref": "ingram_micro.get_order", "format": "ingram x",
           "formats": [{"display": "x", "representation": "ingram x {{ orderId }}"}],
           "ack": {"format": ["x"]}, "result": "x", "enabled": "yes"}
    errors = "\n".join(metadata.alias_errors(bad, "x"))
    for needle in ("'pack' is required", "format)", "representation", "ack.format",
                   "result must", "enabled"):
        assert needle in errors, needle


def test_chat_cannot_give_a_list_of_objects():
    products = loader.action_meta("create_order")["parameters"]["products"]
    assert products["type"] == "array" and not chat_can_give(products)
    assert chat_can_give({"type": "array", "items": {"type": "string"}})
    assert chat_can_give({"type": "integer"})
