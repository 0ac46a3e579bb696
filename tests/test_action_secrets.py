"""Contact credentials in action parameters are marked secret, so st2 masks them in
execution records, also on updates."""

import pytest

from runner import loader


def _credential_fields(schema, where):
    """(where, schema) of every nested property that holds a contact's credentials."""
    for name, sub in (schema.get("properties") or {}).items():
        if name in ("password", "login"):
            yield "%s.%s" % (where, name), sub
        yield from _credential_fields(sub, "%s.%s" % (where, name))
    if isinstance(schema.get("items"), dict):
        yield from _credential_fields(schema["items"], where + "[]")


@pytest.mark.parametrize("action", ["create_customer", "update_customer", "create_reseller",
                                    "update_reseller", "create_reseller_customer"])
def test_contact_credentials_are_masked_by_st2(action):
    params = loader.action_meta(action)["parameters"]
    found = dict(_credential_fields(params["contactPersons"], "contactPersons"))
    assert set(found) == {"contactPersons[].password", "contactPersons[].login"}
    assert all(sub.get("secret") is True for sub in found.values()), found
