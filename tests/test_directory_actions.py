"""Reseller, catalog and plan actions, run as st2 would, over HTTP against the emulator."""

import pytest

from emulator.marketplace.customers import make_customer_body
from emulator.marketplace.resellers import make_reseller_body
from runner.params import ParameterValidationError

from spec_check import assert_matches

OWN = "1000000"


def _ok(outcome):
    assert outcome.succeeded, outcome.result
    return outcome.result


def _not_found(outcome, emulator=None):
    assert not outcome.succeeded
    error = outcome.result
    assert error["error"] == "not_found" and error["status"] == 404
    assert error["message"] and error["correlation_id"].startswith("a8n-")
    return error


def _reseller_params(name, **extra):
    body = make_reseller_body(name, "EXT-" + name[:3].upper())
    return dict({"name": name, "currency": body["currency"], "address": body["address"],
                 "contactPersons": body["contactPersons"], "externalId": body["externalId"],
                 "taxationProviderName": "Avalara", "customerClass": "Gold"}, **extra)


# -- resellers ------------------------------------------------------------------------------

def test_list_resellers_filters_and_pages(run_action):
    page = _ok(run_action("list_resellers", limit=2))
    assert (page["count"], page["total"], page["truncated"]) == (2, 4, True)
    assert_matches("Reseller", page["data"][0])
    found = _ok(run_action("list_resellers", name="kiwi"))
    assert [r["name"] for r in found["data"]] == ["Kiwi Managed Services"]
    assert _ok(run_action("list_resellers", externalId="BW-100"))["total"] == 1
    by_mail = _ok(run_action("list_resellers",
                             email="isaiah.langer@northernlightscloud.example"))
    assert [r["externalId"] for r in by_mail["data"]] == ["NLC-7"]


def test_list_resellers_all_pages_respects_max_items(run_action, emulator):
    everything = _ok(run_action("list_resellers", all_pages=True))
    assert everything["count"] == 4 and not everything["truncated"]
    capped = _ok(run_action("list_resellers", all_pages=True, max_items=3))
    assert capped["count"] == 3 and capped["truncated"]


def test_get_reseller_and_404(run_action):
    own = _ok(run_action("get_reseller", resellerId=OWN))
    assert own["id"] == OWN and own["currency"] == "USD"
    assert_matches("Reseller", own)
    error = _not_found(run_action("get_reseller", resellerId="4242"))
    assert error["path"].endswith("/resellers/4242")


def test_create_reseller_sends_one_post_and_hides_passwords(run_action, emulator):
    params = _reseller_params("Coral Reef IT")
    params["contactPersons"][0]["password"] = "initial-pass"
    created = _ok(run_action("create_reseller", **params))
    assert_matches("Reseller", created)
    assert created["customerClass"] == "Gold" and created["language"] == "en_US"
    assert emulator.request_count(method="POST", route="/resellers") == 1
    assert emulator.marketplace.state.resellers.get(created["id"])["name"] == "Coral Reef IT"


def test_create_reseller_refuses_a_bad_currency_before_any_request(run_action, emulator):
    with pytest.raises(ParameterValidationError) as info:
        run_action("create_reseller", **_reseller_params("Bad Money", currency="usd"))
    assert "currency" in str(info.value)
    assert emulator.request_count() == 0


def test_create_reseller_failure_is_not_retried(run_action, emulator):
    emulator.faults.add(kind="status", status=503, method="POST", path="/resellers$", count=1)
    outcome = run_action("create_reseller", **_reseller_params("Flaky Partner"))
    assert not outcome.succeeded and outcome.result["status"] == 503
    assert emulator.request_count(method="POST", route="/resellers") == 1


def test_update_reseller(run_action):
    updated = _ok(run_action("update_reseller", resellerId="1000001", status="creditHold",
                             address={"city": "Dallas"}))
    assert_matches("Reseller", updated)
    assert (updated["status"], updated["address"]["city"]) == ("creditHold", "Dallas")
    assert updated["address"]["postalCode"] == "78701"


def test_update_reseller_needs_a_field_and_a_known_reseller(run_action, emulator):
    nothing = run_action("update_reseller", resellerId="1000001")
    assert not nothing.succeeded and nothing.result["error"] == "parameter_error"
    assert emulator.request_count() == 0
    _not_found(run_action("update_reseller", resellerId="999", name="Ghost"))


# -- reseller customers ---------------------------------------------------------------------

def test_list_reseller_customers_filters_and_pages(run_action):
    own = _ok(run_action("list_reseller_customers", resellerId=OWN, limit=2))
    assert (own["count"], own["total"]) == (2, 3)
    assert all(c["resellerId"] == OWN for c in own["data"])
    sub = _ok(run_action("list_reseller_customers", resellerId="1000003", all_pages=True))
    assert [c["name"] for c in sub["data"]] == ["Tailspin Toys"]
    assert _ok(run_action("list_reseller_customers", resellerId=OWN,
                          name="north"))["data"][0]["name"] == "Northwind Traders"
    assert _ok(run_action("list_reseller_customers", resellerId=OWN,
                          externalId="FAB-7"))["total"] == 1
    assert _ok(run_action("list_reseller_customers", resellerId=OWN,
                          email="megan.bowen@contosoltd.example"))["total"] == 1


def test_list_reseller_customers_404_and_bad_id(run_action, emulator):
    _not_found(run_action("list_reseller_customers", resellerId="31337"))
    before = emulator.request_count()
    dots = run_action("list_reseller_customers", resellerId="..")
    assert not dots.succeeded and dots.result["parameter"] == "resellerId"
    assert emulator.request_count() == before


def test_create_reseller_customer(run_action, emulator):
    body = make_customer_body("Wingtip Toys", "WT-9")
    created = _ok(run_action("create_reseller_customer", resellerId="1000002",
                             name=body["name"], address=body["address"],
                             contactPersons=body["contactPersons"], externalId="WT-9"))
    assert_matches("Customer", created)
    assert created["resellerId"] == "1000002"
    listed = _ok(run_action("list_reseller_customers", resellerId="1000002"))
    assert "Wingtip Toys" in [c["name"] for c in listed["data"]]
    error = _not_found(run_action("create_reseller_customer", resellerId="777",
                                  name="Nobody", address=body["address"],
                                  contactPersons=body["contactPersons"]))
    assert "777" in error["message"]


# -- catalog and plans ----------------------------------------------------------------------

def test_list_products_filters(run_action):
    basic = _ok(run_action("list_products", name="Business Basic", vendor="Microsoft"))
    assert basic["total"] == 3 and {p["mpn"] for p in basic["data"]} == {"CFQ7TTC0LH18:0001"}
    for product in basic["data"]:
        assert_matches("Product", product)
    azure = _ok(run_action("list_products", mpn="MS-AZR-0145P"))
    assert azure["data"][0]["serviceName"] == "AZURE_CSP"
    dropbox = _ok(run_action("list_products", serviceName="DROPBOX", all_pages=True))
    assert dropbox["count"] == 2 and not dropbox["truncated"]


def test_list_products_all_pages_walks_past_one_page(run_action, emulator):
    everything = _ok(run_action("list_products", all_pages=True))
    assert everything["count"] == everything["total"] == len(emulator.marketplace.state.products)
    first = _ok(run_action("list_products", offset=5, limit=5))
    assert first["offset"] == 5 and first["count"] == 5
    assert [p["id"] for p in first["data"]] == [p["id"] for p in everything["data"][5:10]]


def test_list_service_plans_and_get_service_plan(run_action):
    plans = _ok(run_action("list_service_plans", limit=500))
    assert plans["total"] == 14
    everything = _ok(run_action("list_service_plans", all_pages=True, max_items=20))
    assert everything["count"] == 14 and not everything["truncated"]
    plan_id = next(p["id"] for p in plans["data"] if p["name"].startswith("Microsoft Azure plan"))
    plan = _ok(run_action("get_service_plan", planId=plan_id))
    assert_matches("ServicePlanDetailed", plan)
    assert plan["billingModel"] == "chargeExternalRating"


def test_get_service_plan_404(run_action):
    _not_found(run_action("get_service_plan", planId="9"))


def test_plan_id_must_be_text_as_st2_requires(run_action, emulator):
    with pytest.raises(ParameterValidationError):
        run_action("get_service_plan", planId=101)
    assert emulator.request_count() == 0


@pytest.mark.parametrize("action,params,parameter", [
    ("get_customer", {"customerId": ".."}, "customerId"),
    ("update_customer", {"customerId": " ", "name": "x"}, "customerId"),
    ("get_reseller", {"resellerId": "."}, "resellerId"),
    ("update_reseller", {"resellerId": "..", "name": "x"}, "resellerId"),
    ("create_reseller_customer", {"resellerId": "..", "name": "x", "address": {
        "streetAddress": "1", "postalCode": "1", "city": "c", "countryCode": "US"},
        "contactPersons": [{"type": "admin", "firstName": "a", "lastName": "b", "email": "e",
                            "phoneNumber": "p"}]}, "resellerId"),
    ("get_service_plan", {"planId": ".."}, "planId"),
])
def test_bad_ids_name_the_action_parameter_before_any_request(run_action, emulator, action,
                                                              params, parameter):
    outcome = run_action(action, **params)
    assert not outcome.succeeded
    assert outcome.result["error"] == "parameter_error"
    assert outcome.result["parameter"] == parameter
    assert emulator.request_count() == 0
