"""Customer actions and the generic api_request, run as st2 would, over HTTP against the
emulator."""

import pytest

from emulator.marketplace.customers import make_customer_body

from spec_check import assert_matches


def _customer_params(name, **extra):
    body = make_customer_body(name, "EXT-" + name[:3].upper(), region="CA")
    body["contactPersons"][0].update(login="jdoe", password="S3cret-pass-1")
    params = {k: body[k] for k in ("name", "address", "contactPersons", "externalId")}
    params.update(extra)
    return params


def _some_customer(emulator):
    return list(emulator.marketplace.state.customers.values())[0]["id"]


# -- create_customer ------------------------------------------------------------------------

def test_create_customer_sends_a_spec_conforming_body_once(run_action, emulator):
    before = len(emulator.marketplace.state.customers)
    created = run_action("create_customer", **_customer_params("Fabrikam Ltd",
                                                               taxRegId="US-123"))
    assert created.succeeded, created.result
    assert created.result["name"] == "Fabrikam Ltd" and created.result["id"]
    assert "password" not in created.result["contactPersons"][0]
    sent = emulator.sent("POST", "/customers")
    assert len(sent) == 1
    assert sent[0]["language"] == "en_US" and sent[0]["taxRegId"] == "US-123"
    assert sent[0]["contactPersons"][0]["password"] == "S3cret-pass-1"
    assert_matches("Customer", sent[0], direction="request")
    assert len(emulator.marketplace.state.customers) == before + 1


def test_create_customer_missing_field_is_a_structured_400(run_action, emulator):
    params = _customer_params("Blank City Inc")
    params["address"]["city"] = ""  # st2 accepts an empty string; the API does not
    failed = run_action("create_customer", **params)
    assert not failed.succeeded
    assert failed.result["error"] == "api_error" and failed.result["status"] == 400
    assert "city" in failed.result["message"]
    assert failed.result["correlation_id"]
    assert emulator.request_count(method="POST", route="/customers") == 1


# -- update_customer ------------------------------------------------------------------------

def test_update_customer_changes_only_given_fields(run_action, emulator):
    target = _some_customer(emulator)
    before = dict(emulator.marketplace.state.customers.get(target))
    updated = run_action("update_customer", customerId=target, name="Renamed Ltd",
                         taxRegId="TAX-9")
    assert updated.succeeded, updated.result
    assert updated.result["name"] == "Renamed Ltd" and updated.result["taxRegId"] == "TAX-9"
    assert updated.result["address"] == before["address"]
    assert emulator.sent("PATCH", "/customers/{id}") == [{"name": "Renamed Ltd",
                                                          "taxRegId": "TAX-9"}]
    got = run_action("get_customer", customerId=target)
    assert got.result["name"] == "Renamed Ltd"


def test_update_customer_needs_a_field_before_any_request(run_action, emulator):
    refused = run_action("update_customer", customerId=_some_customer(emulator))
    assert not refused.succeeded and refused.result["error"] == "parameter_error"
    assert "at least one field" in refused.result["message"]
    assert emulator.request_count() == 0


def test_update_unknown_customer_is_not_found(run_action):
    missing = run_action("update_customer", customerId="9999999", name="Nobody")
    assert not missing.succeeded and missing.result["status"] == 404


# -- api_request ----------------------------------------------------------------------------

def test_api_request_get_with_query(run_action, emulator):
    page = run_action("api_request", path="/customers", query={"limit": 2, "offset": 1})
    assert page.succeeded, page.result
    assert len(page.result["data"]) == 2
    assert page.result["pagination"]["offset"] == 1
    request = emulator.journal[-1]
    assert request.arg("limit") == "2" and request.arg("offset") == "1"


def test_api_request_post_and_patch_send_their_body(run_action, emulator):
    body = make_customer_body("Generic Post Co")
    created = run_action("api_request", path="/customers", method="POST", body=body)
    assert created.succeeded and created.result["name"] == "Generic Post Co"
    assert emulator.sent("POST", "/customers") == [body]
    path = "/customers/%s" % created.result["id"]
    patched = run_action("api_request", path=path, method="PATCH",
                         body={"name": "Generic Co"})
    assert patched.succeeded and patched.result["name"] == "Generic Co"
    assert emulator.sent("PATCH", "/customers/{id}") == [{"name": "Generic Co"}]


@pytest.mark.parametrize("method,retry,sent", [("GET", None, 2), ("POST", None, 1),
                                               ("GET", False, 1), ("POST", True, 2)])
def test_api_request_retry_flag(run_action, emulator, method, retry, sent):
    emulator.faults.add(kind="status", status=503, method=method, path="/customers$", count=1)
    body = make_customer_body("Retry Co") if method == "POST" else None
    outcome = run_action("api_request", path="/customers", method=method, body=body,
                         retry=retry)
    assert emulator.request_count(method=method, route="/customers") == sent
    assert outcome.succeeded is (sent == 2)
    if sent == 1:
        assert outcome.result["status"] == 503


@pytest.mark.parametrize("path", ["/customers/../token", "/customers?limit=1",
                                  "http://evil.example/customers", "customers",
                                  "/x/https://evil.example"])
def test_api_request_refuses_paths_that_leave_the_api(run_action, emulator, path):
    refused = run_action("api_request", path=path)
    assert not refused.succeeded
    assert refused.result["error"] == "parameter_error" and refused.result["parameter"] == "path"
    assert emulator.request_count() == 0
