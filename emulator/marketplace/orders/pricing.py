"""Prices on orders: money amounts, a product's unit price, the lines of ``details``."""


def money(amount, currency="USD"):
    return {"amount": "%.2f" % amount, "currency": currency}


def unit_price(product):
    for price in product.get("prices") or []:
        if price.get("type", "recurring") == "recurring":
            return float(price["amount"]), price.get("currency", "USD")
    return 0.0, "USD"


def detail_line(kind, product, quantity, price, currency):
    return {"type": kind, "mpn": product["mpn"], "productId": product["id"],
            "description": "%s for %s" % (kind.capitalize(), product["name"]),
            "quantity": float(quantity), "unitPrice": money(price, currency),
            "extendedPrice": money(price * quantity, currency),
            "duration": {"type": (product.get("billingPeriod") or {}).get("type", "month"),
                         "duration": (product.get("billingPeriod") or {}).get("duration", 1)}}
