"""Completed sales orders (and their subscriptions) a fresh emulator starts with."""

import datetime

from .. import subscriptions
from .book import book, iso, store
from .placing import line_view
from .pricing import detail_line, money, unit_price

SEED = [
    # (customer index, product family hint, quantity, days ago, parameters)
    (0, "Office 365 E3 (legacy CSP)", 25, 400, [{"name": "domain", "value": "contosoltd"}]),
    (0, "Microsoft 365 Business Standard (NCE, annual term, monthly billing)", 10, 360,
     [{"name": "domain", "value": "contosoltd"}]),
    (1, "Office 365 E3 (legacy CSP)", 5, 26, [{"name": "domain", "value": "fabrikaminc"}]),
    (1, "Dropbox Business Standard", 3, 45, []),
    (2, "Microsoft 365 Business Basic (NCE, annual term, monthly billing)", 8, 120,
     [{"name": "domain", "value": "northwind"}]),
]


def _seed_product(state, hint):
    for product in state.products.values():
        if hint.lower() in (product.get("name") or "").lower():
            return product
    return None


def seed(state):
    """Completed sales orders and their subscriptions for the first seeded customers; the
    yearly one bought 360 days ago expires within a week."""
    customers = list(state.customers.values())
    ob = book(state)
    now = state.clock.now()
    # One reading of the clock for the whole seed: a second one could fall on the next day.
    today = state.clock.date(now)
    for index, hint, quantity, days, params in sorted(SEED, key=lambda row: -row[3]):
        product = _seed_product(state, hint)
        if product is None or index >= len(customers):
            continue
        created = now - days * 86400
        customer_id = customers[index]["id"]
        day = datetime.datetime.fromtimestamp(created, tz=datetime.timezone.utc).date()
        sub = subscriptions.new_subscription(state, customer_id, product, quantity, params,
                                             created=day)
        while sub["expirationDate"] <= today:
            subscriptions.renew(state, sub, now)
        line = line_view({"parameters": params, "subscriptionId": sub["id"]}, product,
                         quantity)
        price, currency = unit_price(product)
        line["extendedPrice"] = money(price * quantity, currency)
        order = {"id": state.orders.new_id(), "orderNumber": ob.next_number("sales"),
                 "type": "sales", "customerId": customer_id, "poNumber": "SEED-%s" % sub["id"],
                 "creationDate": iso(created), "provisioningDate": iso(created + 120),
                 "status": "completed", "statusCode": "CP", "creditCheck": True,
                 "subscriptionId": sub["id"], "products": [line], "_lines": [product],
                 "total": money(price * quantity, currency),
                 "details": [detail_line("recurring", product, quantity, price, currency)],
                 "_created": created, "_version": 0, "_history": []}
        store(state, order, schedule=False)
