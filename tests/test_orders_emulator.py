"""The emulator's orders, subscriptions and reports over real HTTP (the shared client)."""

import time

import httpx
import pytest

from ingram_lib.core.config import marketplace_settings
from ingram_lib.core.errors import ApiError
from ingram_lib.marketplace.client import MarketplaceClient

from emulator.marketplace import orders as emu_orders

import clock_support
from clock_support import at_times_of_day

# conftest's emulator, started at the instant of each @at_times_of_day run.
server, time_of_day = clock_support.server, clock_support.time_of_day


def client_for(config):
    return MarketplaceClient(marketplace_settings(config, "default"))


def product_named(emulator, text):
    for product in emulator.marketplace.state.products.values():
        if text.lower() in product["name"].lower():
            return product
    raise AssertionError("no product named like %r" % text)


def customer_id(emulator, index=3):
    return list(emulator.marketplace.state.customers.values())[index]["id"]


def place(client, emulator, **extra):
    product = product_named(emulator, "Office 365 E3 (legacy CSP)")
    body = {"type": "sales", "customerId": customer_id(emulator), "poNumber": "PO-1",
            "products": [{"mpn": product["mpn"], "quantity": 3,
                          "parameters": [{"name": "domain", "value": "adventureworks"}]}]}
    body.update(extra)
    return client.post("/orders", body)


def test_sales_order_runs_its_life_cycle_on_the_clock(config, emulator):
    client = client_for(config)
    order = place(client, emulator)
    assert order["status"] == "submitted" and order["orderNumber"].startswith("SO")
    assert len(order["orderNumber"]) == 8 and order["poNumber"] == "PO-1"
    assert "provisioningDate" not in order and "total" not in order
    path = client.path("/orders/{id}", id=order["id"])
    emulator.clock.advance(5)
    step = client.get(path)
    assert (step["status"], step["statusCode"]) == ("processing", "AS")
    emulator.clock.advance(60)
    done = client.get(path)
    assert (done["status"], done["statusCode"]) == ("completed", "CP")
    assert done["provisioningDate"] and done["total"]["amount"] == "60.00"
    assert done["details"][0]["type"] == "recurring"
    sub = client.get(client.path("/subscriptions/{id}", id=done["subscriptionId"]))
    assert sub["products"][0]["quantity"] == 3 and sub["status"] == "active"
    assert {"name": "domain", "value": "adventureworks"} in sub["orderParameters"]
    assert sub["fulfillmentParameters"][0]["name"] == "ms_customer_id"
    history = [h["status"] for h in emu_orders.history(emulator.marketplace.state, order["id"])]
    assert history == ["submitted", "processing", "completed"]


def test_list_rows_are_thin_newest_first_and_filterable(config, emulator):
    client = client_for(config)
    first = place(client, emulator)
    second = place(client, emulator, poNumber="PO-2")
    page = client.get("/orders", {"customerId": customer_id(emulator)})
    assert [r["id"] for r in page["data"]] == [second["id"], first["id"]]
    assert all("poNumber" not in r and "products" not in r for r in page["data"])
    assert client.get("/orders", {"status": "submitted"})["pagination"]["total"] == 2
    assert client.get("/orders", {"orderNumber": first["orderNumber"]})["data"][0]["id"] == \
        first["id"]
    with pytest.raises(ApiError) as info:
        client.get("/orders", {"status": "submitted,processing"})
    assert info.value.status == 400


def test_change_order_on_subscription_with_open_change_is_the_lo_conflict(config, emulator):
    client = client_for(config)
    state = emulator.marketplace.state
    annual = next(s for s in state.subscriptions.values()
                  if s["subscriptionPeriod"]["type"] == "year" and s["status"] == "active")
    body = {"type": "change", "customerId": annual["customerId"],
            "products": [{"subscriptionId": annual["id"], "mpn": annual["products"][0]["mpn"],
                          "quantity": 12}]}
    change = client.post("/orders", body)
    assert change["orderNumber"].startswith("CH")
    emulator.clock.advance(30 * 86400)  # annual-term changes stay processing for months
    assert client.get(client.path("/orders/{id}", id=change["id"]))["status"] == "processing"
    with pytest.raises(ApiError) as info:
        client.post("/orders", dict(body, products=[dict(body["products"][0], quantity=13)]))
    assert info.value.status == 500
    assert info.value.message.startswith(
        "Cannot Upgrade/Downgrade Resources for Subscription #%s: there is already an "
        "Upgrade/Downgrade Order #%s in status Provisioning is in progress(LO)"
        % (annual["id"], change["orderNumber"]))


def test_cancellation_and_magic_error_and_patch_cancel(config, emulator):
    client = client_for(config)
    state = emulator.marketplace.state
    monthly = next(s for s in state.subscriptions.values()
                   if s["subscriptionPeriod"]["type"] == "month")
    cancel = client.post("/orders", {"type": "cancellation", "customerId": monthly["customerId"],
                                     "subscriptionId": monthly["id"]})
    assert cancel["orderNumber"].startswith("CL") and "products" not in cancel
    failing = place(client, emulator, poNumber="EMU-ERROR-1")
    withdrawn = place(client, emulator, poNumber="PO-3")
    patched = client.patch(client.path("/orders/{id}", id=withdrawn["id"]), {"statusCode": "CL"})
    assert patched["status"] == "cancelled"
    emulator.clock.advance(70)
    assert client.get(client.path("/subscriptions/{id}", id=monthly["id"]))["status"] == \
        "terminated"
    assert client.get(client.path("/orders/{id}", id=failing["id"]))["status"] == "error"


@at_times_of_day
def test_renewal_orders_are_generated_without_products(config, emulator, server):
    answer = httpx.post(server.url + "/_emulator/marketplace/orders/renewals",
                        json={"withinDays": 10}).json()
    assert answer["orders"] and all(o["type"] == "renewal" and "products" not in o
                                    for o in answer["orders"])
    assert all(o["orderNumber"].startswith("RN") for o in answer["orders"])


@pytest.mark.slow
def test_twenty_thousand_orders_stay_fast(config, emulator, server):
    httpx.post(server.url + "/_emulator/marketplace/orders/bulk",
               json={"count": 20000, "open_count": 20})
    client = client_for(config)
    started = time.monotonic()
    page = client.get("/orders", {"status": "processing", "limit": 500})
    assert page["pagination"]["total"] == 20
    first = client.get("/orders", {"limit": 500})
    elapsed = time.monotonic() - started
    assert first["pagination"]["total"] == 20005
    dates = [r["creationDate"] for r in first["data"]]
    assert dates == sorted(dates, reverse=True)
    assert elapsed < 2.0


@at_times_of_day
def test_renewal_order_completes_and_extends_the_subscription(config, emulator, server):
    client = client_for(config)
    state = emulator.marketplace.state
    sub = next(s for s in state.subscriptions.values()
               if s["subscriptionPeriod"]["type"] == "month")
    before = sub["expirationDate"]
    answer = httpx.post(server.url + "/_emulator/marketplace/orders/renewals",
                        json={"subscriptionIds": [sub["id"]]}).json()
    order = answer["orders"][0]
    emulator.clock.advance(40)
    done = client.get(client.path("/orders/{id}", id=order["id"]))
    assert done["status"] == "completed" and "products" not in done
    after = client.get(client.path("/subscriptions/{id}", id=sub["id"]))
    assert after["expirationDate"] > before
    again = httpx.post(server.url + "/_emulator/marketplace/orders/renewals",
                       json={"subscriptionIds": [sub["id"]]}).json()
    assert len(again["orders"]) == 1  # the first renewal is finished, so a new one is due


def test_history_and_forced_transitions_are_exposed(config, emulator, server):
    client = client_for(config)
    order = place(client, emulator, poNumber="EMU-ERROR-2")
    emulator.clock.advance(70)
    base = server.url + "/_emulator/marketplace/orders/%s" % order["id"]
    assert [h["status"] for h in httpx.get(base + "/history").json()] == [
        "submitted", "processing", "error"]
    fixed = httpx.post(base + "/transition", json={"status": "completed"}).json()
    assert fixed["status"] == "completed" and fixed["statusCode"] == "CP"


def test_control_endpoints_refuse_bad_requests_in_json_and_change_nothing(config, emulator,
                                                                          server):
    client = client_for(config)
    order = place(client, emulator, poNumber="EMU-HOLD-1")
    control = server.url + "/_emulator"
    bad = httpx.post(control + "/marketplace/orders/%s/transition" % order["id"],
                     json={"status": "shipped"})
    assert bad.status_code == 400 and "status must be one of" in bad.json()["message"]
    assert emulator.marketplace.state.orders.get(order["id"])["status"] == "submitted"
    kind = httpx.post(control + "/faults", json={"kind": "teapot"})
    assert kind.status_code == 400 and "fault kind" in kind.json()["message"]
    not_json = httpx.post(control + "/faults", content=b"{",
                          headers={"Content-Type": "application/json"})
    assert not_json.status_code == 400
    assert httpx.get(control + "/faults").json() == []
    assert httpx.put(control + "/faults", json={}).status_code == 405
    assert httpx.get(control + "/marketplace/nothing").json() == {
        "message": "unknown control endpoint /marketplace/nothing"}


def test_concurrent_orders_get_unique_ids_and_numbers(config, emulator):
    import concurrent.futures
    client = client_for(config)
    client.get("/orders", {"limit": 1})  # one token for all threads

    def one(i):
        return place(client, emulator, poNumber="PO-C-%d" % i)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        orders = list(pool.map(one, range(24)))
    assert len({o["id"] for o in orders}) == 24
    assert len({o["orderNumber"] for o in orders}) == 24
    assert client.get("/orders", {"status": "submitted"})["pagination"]["total"] == 24


def test_report_download_url_is_served_by_the_emulator(config, emulator):
    client = client_for(config)
    report = client.post("/reports", {"name": "Orders", "startDate": "2020-01-01T00:00:00Z"})
    assert client.get(client.path("/reports/{reportId}", reportId=report["id"]))["status"] == \
        "submitted"
    emulator.clock.advance(30)
    done = client.get(client.path("/reports/{reportId}", reportId=report["id"]))
    text = httpx.get(done["downloadUrl"]).text
    assert text.splitlines()[0] == "orderNumber,id,type,customerId,status,creationDate,total"
    assert len(text.splitlines()) == 1 + len(emulator.marketplace.state.orders)
