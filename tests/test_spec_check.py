"""The spec-conformance helper itself: how OpenAPI 3.0 rules become JSON Schema rules."""

import pytest

import spec_check


@pytest.fixture(autouse=True)
def _spec():
    spec_check.load_spec()  # skips (or fails, when required) without the spec


CONTACT = {"type": "admin", "firstName": "Jane", "lastName": "Doe",
           "email": "jane@example.com", "phoneNumber": "1##5555550100#"}
CUSTOMER = {"id": "1000001", "name": "Contoso", "language": "en_US", "status": "active",
            "resellerId": "1000000", "contactPersons": [CONTACT],
            "address": {"streetAddress": "1 Main St", "postalCode": "92612", "city": "Irvine",
                        "countryCode": "US"}}


def test_a_conforming_customer_passes_and_allof_is_merged():
    spec_check.assert_matches("Customer", CUSTOMER)
    schema = spec_check.json_schema("Customer")
    assert "allOf" not in schema and "resellerId" in schema["properties"]


def test_write_only_fields_must_not_appear_in_responses_but_may_in_requests():
    leaked = dict(CUSTOMER, contactPersons=[dict(CONTACT, password="s3cret")])
    with pytest.raises(AssertionError) as info:
        spec_check.assert_matches("Customer", leaked)
    assert "contactPersons/0/password: must not appear in a response" in str(info.value)
    request = dict(leaked)
    for key in ("id", "status", "resellerId"):
        request.pop(key)
    spec_check.assert_matches("Customer", request, direction="request")


def test_read_only_fields_must_not_be_sent_in_requests():
    found = spec_check.errors("Customer", CUSTOMER, direction="request")
    assert "id: must not appear in a request (readOnly)" in found


def test_strict_mode_rejects_undeclared_properties_at_every_level():
    body = dict(CUSTOMER, _created=1.0, address=dict(CUSTOMER["address"], zip="x"))
    found = spec_check.errors("Customer", body)
    assert any("'_created' was unexpected" in f for f in found)
    assert any(f.startswith("address:") and "'zip' was unexpected" in f for f in found)
    assert spec_check.errors("Customer", body, strict=False) == []


def test_types_and_enums_come_from_the_spec():
    found = spec_check.errors("Product", {"minimumQuantity": 1, "billingModel": "monthly"})
    assert any(f.startswith("minimumQuantity:") for f in found)
    assert any(f.startswith("billingModel:") for f in found)
    assert spec_check.errors("Pagination", {"offset": 0, "limit": 10}) == [
        "(root): 'total' is a required property"]


def test_nullable_adds_null_to_type_and_enum(monkeypatch):
    components = dict(spec_check._components())
    components["ZzNullable"] = {"type": "object", "properties": {
        "note": {"type": "string", "nullable": True},
        "kind": {"type": "string", "enum": ["a", "b"], "nullable": True},
        "plain": {"type": "string"}}}
    monkeypatch.setattr(spec_check, "_components", lambda: components)
    assert spec_check.errors("ZzNullable", {"note": None, "kind": None}) == []
    assert spec_check.errors("ZzNullable", {"plain": None}) != []


def test_operation_schema_names_are_read_from_the_paths():
    assert spec_check.response_schema_name("GET", "/plans/{id}") == "ServicePlanDetailed"
    assert spec_check.response_schema_name("GET", "/resellers") == "ResultListReseller"
    assert spec_check.request_schema_name("PATCH", "/customers/{id}") == "CustomerUpdate"
    with pytest.raises(KeyError):
        spec_check.response_schema_name("DELETE", "/customers/{id}")
