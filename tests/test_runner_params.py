"""runner.params: command-line casting and st2's parameter validation."""

import pytest

from runner import loader
from runner.params import ParameterValidationError, parse_cli, resolve

SPEC = {
    "account": {"type": "string", "default": "default"},
    "count": {"type": "integer", "minimum": 1, "default": 10},
    "ratio": {"type": "number"},
    "flag": {"type": "boolean", "default": False},
    "tags": {"type": "array", "items": {"type": "string"}},
    "ids": {"type": "array", "items": {"type": "integer"}},
    "contacts": {"type": "array", "items": {"type": "object"}},
    "address": {"type": "object", "properties": {
        "city": {"type": "string", "required": True}, "state": {"type": "string"}}},
    "status": {"type": "string", "enum": ["active", "creditHold"]},
    "code": {"type": "string", "pattern": "^[A-Z]{3}$"},
    "key": {"type": "string", "required": True},
    "fixed": {"type": "string", "default": "x", "immutable": True},
}


@pytest.mark.parametrize("pair,expected", [
    ("count=5", 5), ("count= 7 ", 7), ("ratio=2", 2), ("ratio=2.5", 2.5), ("ratio=1e3", 1000.0),
    ("flag=true", True), ("flag=YES", True), ("flag=0", False), ("flag=off", False),
    ("tags=a, b,,c", ["a", "b", "c"]), ('tags=["a,b"]', ["a,b"]), ("ids=1,2", [1, 2]),
    ('contacts=[{"a": 1}]', [{"a": 1}]), ('address={"city": "Irvine"}', {"city": "Irvine"}),
    ("key=a=b", "a=b"), ("key=", ""),
])
def test_cli_values_are_cast_to_the_parameter_type(pair, expected):
    name = pair.split("=", 1)[0]
    assert parse_cli([pair], SPEC) == {name: expected}


@pytest.mark.parametrize("pair,message", [
    ("count=five", "cannot read 'five' as integer"),
    ("count=1.5", "cannot read '1.5' as integer"),
    ("flag=maybe", "as boolean"),
    ("ids=1,x", "cannot read '1,x' as array"),
    ('address={"city": ', "as object"),
    ("contacts=a,b", "as array"),
    ("nope=1", "'nope' is not a parameter"),
    ("count", "expected key=value"),
])
def test_cli_values_that_cannot_be_cast_are_refused(pair, message):
    with pytest.raises(ParameterValidationError) as info:
        parse_cli([pair], SPEC)
    assert message in str(info.value)


def test_resolve_applies_defaults_and_keeps_unset_optionals_out():
    assert resolve(SPEC, {"key": "k"}) == {"account": "default", "count": 10, "flag": False,
                                           "fixed": "x", "key": "k"}


def test_optional_parameters_may_be_null_as_in_st2():
    values = resolve(SPEC, {"key": "k", "ratio": None, "address": None})
    assert values["ratio"] is None and values["address"] is None


def test_null_for_a_parameter_with_a_default_gets_the_default_as_in_st2():
    values = resolve(SPEC, {"key": "k", "count": None, "flag": None})
    assert values["count"] == 10 and values["flag"] is False


def test_null_is_not_an_enum_value():
    # st2 adds "null" to the type of an optional parameter, not to its enum.
    with pytest.raises(ParameterValidationError):
        resolve(SPEC, {"key": "k", "status": None})


@pytest.mark.parametrize("given,message", [
    ({}, "'key' is a required property"),
    ({"key": None}, "parameter 'key'"),
    ({"key": 5}, "parameter 'key': 5 is not of type 'string'"),
    ({"key": "k", "count": 0}, "parameter 'count': 0 is less than the minimum of 1"),
    ({"key": "k", "count": "5"}, "parameter 'count'"),
    ({"key": "k", "status": "deleted"}, "parameter 'status'"),
    ({"key": "k", "code": "usd"}, "parameter 'code': 'usd' does not match"),
    ({"key": "k", "address": {"state": "CA"}},
     "parameter 'address.city': 'city' is a required property"),
    ({"key": "k", "fixed": "y"}, "Override of immutable parameter(s) ['fixed'] is unsupported."),
    ({"key": "k", "extra": 1}, "unknown parameter(s): extra"),
])
def test_resolve_refuses_what_st2_refuses(given, message):
    with pytest.raises(ParameterValidationError) as info:
        resolve(SPEC, given)
    assert message in str(info.value)


@pytest.mark.parametrize("value", ["x", "y", None])
def test_an_immutable_parameter_given_at_all_is_refused_as_st2_refuses_it(value):
    # st2's create_request refuses the run even when the value given is the default.
    with pytest.raises(ParameterValidationError) as info:
        resolve(SPEC, {"key": "k", "fixed": value})
    assert str(info.value) == "Override of immutable parameter(s) ['fixed'] is unsupported."
    assert info.value.parameter == "fixed"


def test_an_immutable_parameter_of_the_wrong_type_is_a_schema_error_first():
    # st2 validates the parameters against the schema before it looks for immutables.
    with pytest.raises(ParameterValidationError) as info:
        resolve(SPEC, {"key": "k", "fixed": 5})
    assert "parameter 'fixed': 5 is not of type 'string'" in str(info.value)


def test_a_declared_read_refuses_its_operation_even_spelled_as_the_default(run_action):
    meta = loader.action_meta("get_customer")["parameters"]
    assert resolve(meta, {"customerId": "1000001"})["operation"] == "get_customer"
    with pytest.raises(ParameterValidationError) as info:
        run_action("get_customer", operation="get_customer", customerId="1000001")
    assert "Override of immutable parameter(s) ['operation']" in str(info.value)


def test_defaults_are_not_shared_between_runs():
    meta = loader.action_meta("list_customers")
    first = resolve(meta["parameters"], {})
    second = resolve(loader.action_meta("list_customers")["parameters"], {})
    assert first == second and first["limit"] == 10 and first["all_pages"] is False
