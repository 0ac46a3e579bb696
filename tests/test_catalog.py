"""The emulator's product catalog: GET /products filters and find_product identification."""

import pytest

from emulator.http import HttpError
from emulator.marketplace import catalog

from test_marketplace_client import client_for


def test_products_filter_by_name_substring_case_insensitively(config):
    page = client_for(config).get("/products", params={"name": "business BASIC", "limit": 50})
    names = [p["name"] for p in page["data"]]
    assert len(names) == 3 and all("Microsoft 365 Business Basic" in n for n in names)
    assert page["pagination"]["total"] == 3


@pytest.mark.parametrize("params,expected", [
    ({"mpn": "MS-AZR-0145P"}, ["Azure CSP (legacy)"]),
    ({"vendor": "Dropbox", "serviceName": "DROPBOX"},
     ["Dropbox Business Advanced", "Dropbox Business Standard"]),
    ({"serviceName": "AZURE_PLAN", "unknownFilter": "x"}, ["Microsoft Azure plan"]),
])
def test_products_filters_combine_and_unknown_parameters_are_ignored(config, params, expected):
    page = client_for(config).get("/products", params=params)
    assert [p["name"] for p in page["data"]] == expected


def test_product_rows_are_typed_as_the_spec_says(config):
    rows = client_for(config).get("/products", params={"limit": 500})["data"]
    assert len(rows) >= 20
    for row in rows:
        assert isinstance(row["minimumQuantity"], str) and isinstance(row["id"], str)
        assert row["id"].isdigit()
        assert all(isinstance(p["amount"], str) for p in row["prices"] + row["costs"])
        assert not any(key.startswith("_") for key in row)


def test_find_product_needs_periods_for_a_shared_nce_mpn(emulator):
    state = emulator.marketplace.state
    with pytest.raises(HttpError) as info:
        catalog.find_product(state, mpn="CFQ7TTC0LH18:0001")
    assert info.value.status == 500 and "specify vendor, id or periods" in info.value.message
    monthly = catalog.find_product(state, mpn="CFQ7TTC0LH18:0001",
                                   subscription_period={"type": "month", "duration": 1})
    assert monthly["name"].endswith("(NCE, monthly term)")
    annual_billing = catalog.find_product(state, mpn="cfq7ttc0lh18:0001",
                                          billing_period={"type": "year", "duration": "1"},
                                          subscription_period={"type": "year", "duration": 1})
    assert annual_billing["billingPeriod"] == {"type": "year", "duration": 1}
    assert catalog.find_product(state, id=monthly["id"]) is monthly


def test_find_product_reports_unknown_products_as_404(emulator):
    state = emulator.marketplace.state
    with pytest.raises(HttpError) as info:
        catalog.find_product(state, mpn="NOPE-1")
    assert info.value.status == 404
    with pytest.raises(HttpError) as info:
        catalog.find_product(state, mpn="MS-AZR-0145P", vendor="Dropbox")
    assert info.value.status == 404
    assert catalog.find_product(state, mpn="MS-AZR-0145P", vendor="microsoft")["id"]


def test_dependent_product_points_at_its_base_product(config, emulator):
    rows = client_for(config).get("/products", params={"name": "Extra File Storage"})["data"]
    (storage,) = rows
    (base,) = storage["dependsOn"]
    found = catalog.find_product(emulator.marketplace.state, id=base["id"])
    assert found["mpn"] == base["mpn"] == catalog.LEGACY_E3_MPN


def test_find_product_accepts_numbers_from_a_json_body(emulator):
    state = emulator.marketplace.state
    product = catalog.find_product(state, mpn="MS-AZR-0145P")
    assert catalog.find_product(state, id=int(product["id"])) is product
    with pytest.raises(HttpError) as info:
        catalog.find_product(state, mpn=12345, vendor=7)
    assert info.value.status == 404
