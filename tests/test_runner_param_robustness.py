"""Parameter values the runner cannot cast or StackStorm could not store are refused with an
error that names the parameter, before any request: never a traceback."""

import subprocess
import sys

import pytest

from runner import PACK_ROOT
from runner.params import MAX_DEPTH, ParameterValidationError, parse_cli, resolve

SPEC = {
    "count": {"type": "integer"},
    "ratio": {"type": "number"},
    "ids": {"type": "array", "items": {"type": "integer"}},
    "body": {"type": "object"},
    "address": {"type": "object", "properties": {
        "city": {"type": "string"}, "password": {"type": "string", "secret": True}}},
    "token": {"type": "string", "secret": True},
    "name": {"type": "string"},
}


def _nested(depth, leaf=1):
    value = leaf
    for _ in range(depth):
        value = {"a": value}
    return value


def _refused(call, *args):
    with pytest.raises(ParameterValidationError) as info:
        call(*args)
    return info.value


@pytest.mark.parametrize("text", [
    "\u0661",            # ARABIC-INDIC DIGIT ONE: int() reads it as 1
    "\u0967\u0968",      # Devanagari 12
    "\uff15",            # FULLWIDTH DIGIT FIVE
    "1_000", "0x10", "\u00a05", "5\u2003", "", "+", "1e3",
])
def test_integers_are_ascii_decimal_digits_only(text):
    err = _refused(parse_cli, ["count=" + text], SPEC)
    assert err.parameter == "count" and "as integer" in str(err)
    assert err.to_dict() == {"error": "parameter_error", "message": str(err),
                             "parameter": "count"}


@pytest.mark.parametrize("text", ["\u0661.5", "nan", "inf", "-Infinity", "1e999", "1_0.5",
                                  "\uff11e3"])
def test_numbers_are_finite_ascii_literals(text):
    assert _refused(parse_cli, ["ratio=" + text], SPEC).parameter == "ratio"


@pytest.mark.parametrize("pair,expected", [
    ("count=-12", -12), ("count=+7", 7), ("count=\t3 ", 3), ("ratio=.5", 0.5),
    ("ratio=-2E-3", -0.002), ("ratio=10", 10), ("ids=1, 2", [1, 2]),
])
def test_ordinary_numbers_still_cast(pair, expected):
    assert list(parse_cli([pair], SPEC).values()) == [expected]


def test_array_items_follow_the_same_rule():
    assert _refused(parse_cli, ["ids=1,\u0662"], SPEC).parameter == "ids"


@pytest.mark.parametrize("text", [
    "[" * 100000 + "]" * 100000,
    '{"a":' * 100000 + "1" + "}" * 100000,
    "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1),
])
def test_deeply_nested_json_on_the_command_line_is_a_parameter_error(text):
    for name in ("body", "ids") if text.startswith("[") else ("body",):
        err = _refused(parse_cli, [name + "=" + text], SPEC)
        assert err.parameter == name and "nested more than" in str(err)
        assert len(str(err)) < 400  # the value is not echoed in full


def test_json_nested_to_the_limit_is_accepted():
    text = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert parse_cli(["body=" + text], {"body": {"type": "array"}})


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 5000, 100000])
def test_deeply_nested_values_passed_directly_are_a_parameter_error(depth):
    err = _refused(resolve, SPEC, {"name": "x", "body": _nested(depth)})
    assert err.parameter == "body" and "nested more than %d" % MAX_DEPTH in str(err)


def test_nan_and_infinity_are_refused_anywhere_in_a_value():
    assert _refused(resolve, SPEC, {"ratio": float("nan")}).parameter == "ratio"
    assert _refused(resolve, SPEC, {"body": {"x": [float("inf")]}}).parameter == "body"


def test_a_long_value_is_not_echoed_in_full():
    err = _refused(resolve, SPEC, {"count": "9" * 70000})
    assert err.parameter == "count" and len(str(err)) < 400


@pytest.mark.parametrize("given", [
    {"token": 12345678},
    {"address": {"city": "x", "password": 12345678}},
    {"address": ["12345678"]},
])
def test_a_refused_secret_is_not_quoted(given):
    err = _refused(resolve, SPEC, given)
    assert "12345678" not in str(err) and err.parameter in given


def test_a_secret_that_cannot_be_cast_is_not_quoted():
    err = _refused(parse_cli, ['address={"password": "12345678"'], SPEC)
    assert "12345678" not in str(err) and err.parameter == "address"


def test_errors_name_the_parameter_as_the_yaml_spells_it():
    assert _refused(resolve, SPEC, {"count": "5"}).parameter == "count"
    assert _refused(resolve, SPEC, {"address": {"city": 5}}).parameter == "address"
    assert _refused(resolve, {"key": {"type": "string", "required": True}},
                    {}).parameter == "key"
    assert _refused(resolve, SPEC, {"nope": 1}).parameter == "nope"


def test_no_request_is_sent_for_a_refused_value(run_action, emulator):
    with pytest.raises(ParameterValidationError) as info:
        run_action("api_request", path="/customers", body=_nested(100000))
    assert info.value.parameter == "body"
    assert emulator.request_count() == 0


@pytest.mark.parametrize("pair,parameter", [
    ("body=" + "[" * 50000, "body"),
    ("limit=\u0661", "limit"),
])
def test_the_command_line_prints_one_error_line_and_no_traceback(pair, parameter):
    action = "api_request" if pair.startswith("body") else "list_customers"
    args = [pair] if action == "list_customers" else ["path=/customers", pair]
    done = subprocess.run(
        [sys.executable, "-m", "runner", "--datastore", ":memory:", "action", action] + args,
        cwd=PACK_ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith("error: parameter '%s'" % parameter)
    assert done.stdout == ""
