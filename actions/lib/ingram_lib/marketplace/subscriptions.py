"""Checks of subscription update bodies, before any HTTP call."""

from ..core.errors import ParameterError

PRICE_FIELDS = ("unitPrice", "unitCost", "unitProviderCost")


def _money(where, value):
    if not isinstance(value, dict) or "amount" not in value:
        raise ParameterError("products", "%s must be {\"amount\": \"11.00\", \"currency\": "
                             "\"USD\"}" % where)
    try:
        float(value["amount"])
    except (TypeError, ValueError):
        raise ParameterError("products", "%s.amount must be a number, got %r"
                             % (where, value["amount"]))
    out = {"amount": str(value["amount"])}
    if value.get("currency"):
        out["currency"] = value["currency"]
    return out


def price_updates(products, required=False):
    """Validated ``SubscriptionProductUpdate`` items: mpn or id plus at least one price.

    Quantity cannot be changed by PATCH /subscriptions (the API wants a change order), so
    it is refused here with a pointer to the right action.
    """
    if not products:
        if required:
            raise ParameterError("products", "give at least one product with a price")
        return None
    out = []
    for index, item in enumerate(products):
        where = "products[%d]" % index
        if not isinstance(item, dict):
            raise ParameterError("products", "%s must be an object" % where)
        if "quantity" in item:
            raise ParameterError("products", "%s: quantity cannot be changed here; use "
                                 "change_subscription_quantity" % where)
        unknown = set(item) - set(PRICE_FIELDS) - {"mpn", "id"}
        if unknown:
            raise ParameterError("products", "%s: unknown field(s) %s; only mpn, id, %s"
                                 % (where, ", ".join(sorted(unknown)), ", ".join(PRICE_FIELDS)))
        if not (item.get("mpn") or item.get("id")):
            raise ParameterError("products", "%s needs mpn or id" % where)
        update = {k: item[k] for k in ("mpn", "id") if item.get(k)}
        for field in PRICE_FIELDS:
            if item.get(field) is not None:
                update[field] = _money("%s.%s" % (where, field), item[field])
        if len(update) == len([k for k in ("mpn", "id") if item.get(k)]):
            raise ParameterError("products", "%s gives no price (%s)"
                                 % (where, ", ".join(PRICE_FIELDS)))
        out.append(update)
    return out
