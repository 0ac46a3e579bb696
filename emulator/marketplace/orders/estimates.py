"""``POST /orders/estimate``: the order a body would place, priced, nothing stored."""

from .. import subscriptions
from .placing import prepare
from .pricing import detail_line, money, unit_price


def estimate(state, body, marketplace="us"):
    order = prepare(state, dict(body, type=body.get("type") or "sales"), marketplace)
    total, currency, details = 0.0, "USD", []
    for line, product in zip(order["products"], order["_lines"]):
        price, currency = unit_price(product)
        quantity = line["quantity"]
        kind = "recurring"
        if order.get("_switch"):
            # A switch costs the new product's price less the old one's, per period.
            sub = state.subscriptions.get(line["subscriptionId"])
            old, _ = subscriptions.period_price(sub)
            line["extendedPrice"] = money(price * quantity, currency)
            details.append(detail_line("switch", product, quantity, price, currency))
            total += price * quantity - old
            continue
        if order["type"] == "change":
            sub = state.subscriptions.get(line["subscriptionId"])
            current = subscriptions.product_line(sub, line.get("mpn"), line.get("id"))
            quantity = line["quantity"] - int(current["quantity"])
            kind = "recurring" if quantity >= 0 else "recurringRefund"
        line["extendedPrice"] = money(price * line["quantity"], currency)
        details.append(detail_line(kind, product, quantity, price, currency))
        total += price * quantity
    out = {"type": order["type"], "customerId": order["customerId"],
           "status": "submitted", "total": money(total, currency), "details": details,
           "products": order["products"]}
    for key in ("poNumber", "subscriptionId", "scheduledOn", "planId", "subscriptionPeriod",
                "upgradeStartType", "alignExpirationDate", "placementType"):
        if body.get(key) is not None or order.get(key) is not None:
            out[key] = order.get(key) or body.get(key)
    return out
