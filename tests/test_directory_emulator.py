"""Resellers, plans, products, customers and the token on the emulator, over HTTP, each
response checked against the 1.15 spec's schemas."""

import base64

import httpx
import pytest

from emulator.marketplace.auth import Credentials
from emulator.marketplace.customers import make_customer_body
from emulator.marketplace.resellers import make_reseller_body
from ingram_lib.core.errors import ApiError

from spec_check import assert_matches, response_schema_name
from test_marketplace_client import client_for

OWN = "1000000"


@pytest.fixture
def client(config):
    return client_for(config)


def test_token_response_matches_token_info(server):
    creds = Credentials()
    basic = base64.b64encode(("%s:%s" % (creds.username, creds.password)).encode()).decode()
    response = httpx.post(server.url + "/marketplace/eu/token", json={"marketplace": "us"},
                          headers={"Authorization": "Basic " + basic,
                                   "X-Subscription-Key": creds.subscription_key})
    assert response.status_code == 200
    assert_matches(response_schema_name("POST", "/token"), response.json())


@pytest.mark.parametrize("template,path", [
    ("/customers", "/customers"),
    ("/resellers", "/resellers"),
    ("/resellers/{id}/customers", "/resellers/1000000/customers"),
    ("/products", "/products"),
    ("/plans", "/plans"),
])
def test_every_list_is_a_spec_conforming_envelope(client, template, path):
    page = client.get(path, params={"limit": 500})
    assert page["data"], path
    assert_matches(response_schema_name("GET", template), page)


def test_customer_detail_hides_write_only_login_and_password(client):
    body = make_customer_body("Secretive Co")
    body["contactPersons"][0].update(login="jane", password="hunter2")
    created = client.post("/customers", body)
    assert_matches("Customer", created)
    assert_matches("Customer", client.get("/customers/%s" % created["id"]))


def test_own_reseller_and_seeded_sub_resellers(client):
    own = client.get("/resellers/" + OWN)
    assert_matches("Reseller", own)
    assert own["currency"] == "USD"
    rows = client.get("/resellers")["data"]
    assert {r["id"] for r in rows} >= {OWN} and len(rows) == 4
    assert {r["currency"] for r in rows} == {"USD", "EUR", "NZD"}


def test_sub_reseller_customers_are_listed_under_their_reseller(client):
    nlc = client.get("/resellers", params={"externalId": "NLC-7"})["data"][0]
    customers = client.get("/resellers/%s/customers" % nlc["id"])["data"]
    assert [c["name"] for c in customers] == ["Adventure Works"]
    assert all(c["resellerId"] == nlc["id"] for c in customers)
    own = client.get("/resellers/%s/customers" % OWN, params={"limit": 50})["data"]
    assert "Adventure Works" not in [c["name"] for c in own]


@pytest.mark.parametrize("params,names", [
    ({"name": "northern"}, ["Northern Lights Cloud"]),
    ({"email": "nestor.wilke@bluewaveitservices.example"}, ["Bluewave IT Services"]),
    ({"externalId": "BW-100"}, ["Bluewave IT Services"]),
    ({"externalId": "nope"}, []),
])
def test_reseller_filters(client, params, names):
    assert [r["name"] for r in client.get("/resellers", params=params)["data"]] == names


def test_create_then_update_a_reseller(client, emulator):
    body = make_reseller_body("Harbour Cloud", "HC-1", currency="GBP", country="GB",
                              region=None, customer_class="Bronze")
    body["contactPersons"][0]["password"] = "p4ss"
    created = client.post("/resellers", body)
    assert_matches("Reseller", created)
    assert created["status"] == "active" and created["customerClass"] == "Bronze"
    updated = client.patch("/resellers/%s" % created["id"],
                           {"name": "Harbour Cloud Ltd", "status": "creditHold"})
    assert_matches("Reseller", updated)
    assert (updated["name"], updated["status"], updated["currency"]) == (
        "Harbour Cloud Ltd", "creditHold", "GBP")
    assert client.get("/resellers/%s" % created["id"]) == updated


@pytest.mark.parametrize("change,message", [
    ({"currency": None}, "currency"),
    ({"currency": "dollars"}, "ISO 4217"),
    ({"name": ""}, "name"),
])
def test_invalid_reseller_is_refused_with_400(client, change, message):
    body = dict(make_reseller_body("Broken Reseller"), **change)
    body = {k: v for k, v in body.items() if v is not None}
    with pytest.raises(ApiError) as info:
        client.post("/resellers", body)
    assert info.value.status == 400 and message in str(info.value)


def test_unknown_reseller_is_404(client):
    for call in (lambda: client.get("/resellers/999"),
                 lambda: client.patch("/resellers/999", {"name": "x"})):
        with pytest.raises(ApiError) as info:
            call()
        assert info.value.status == 404


def test_plans_list_rows_are_service_plans_without_switches(client):
    page = client.get("/plans", params={"limit": 3})
    assert page["pagination"] == {"offset": 0, "limit": 3, "total": 14}
    assert all("planSwitches" not in row for row in page["data"])
    everything = client.get("/plans", params={"limit": 500})["data"]
    assert any(not p["published"] for p in everything)


def test_plan_detail_has_switches_with_integer_plan_ids(client):
    plans = client.get("/plans", params={"limit": 500})["data"]
    basic = next(p for p in plans if p["name"] == "Microsoft 365 Business Basic (NCE)")
    detail = client.get("/plans/%s" % basic["id"])
    assert_matches("ServicePlanDetailed", detail)
    targets = {s["planId"] for s in detail["planSwitches"]}
    assert int(basic["id"]) in targets and all(isinstance(t, int) for t in targets)
    assert {p["type"] for p in detail["subscriptionPeriods"]} == {"month", "year"}


def test_unknown_plan_is_404(client):
    with pytest.raises(ApiError) as info:
        client.get("/plans/42")
    assert info.value.status == 404


def test_catalog_products_carry_their_plan_id_privately(emulator):
    products = list(emulator.marketplace.state.products.values())
    assert all(isinstance(p["_planId"], int) for p in products)
