"""Subscriptions: ``/subscriptions``, ``/subscriptions/{id}`` and its special pricing.

Subscriptions come from completed sales orders; change, cancellation and renewal orders
modify them (see ``orders``). Quantity and status are not editable here, as on the real
API. List rows are thin (no quantities, prices or parameters); the detail has them all.

Terms. Every subscription runs in terms of ``subscriptionPeriod``: the current one started
at the private ``_termStart`` (epoch seconds: the purchase, then each renewal) and ends on
``renewalDate`` (= ``expirationDate``). Microsoft NCE subscriptions (products of service
``MICROSOFT_NCE``) follow Microsoft's NCE rule: a seat reduction or a cancellation is only
accepted within the cancellation window, the first 168 hours (7 days) after the purchase or
a renewal; later it can only be scheduled for the renewal (``scheduledOn: "renewal"``).
Other products (legacy CSP, Dropbox, ...) can be reduced or cancelled at any time.
"""

import calendar
import datetime
import uuid

from ..http import HttpError, Response
from .common import body_of, envelope, single

STATUSES = ("pending", "active", "hold", "terminated", "removed", "unknown")
ROW_FIELDS = ("id", "name", "customerId", "status", "attributes", "renewalStatus",
              "creationDate", "renewalDate", "lastModifiedDate", "expirationDate",
              "billingModel", "billingPeriod", "subscriptionPeriod")
PRICE_FIELDS = ("unitPrice", "unitCost", "unitProviderCost")
UPDATABLE = ("renewalStatus", "attributes", "products")
# Microsoft's NCE rule (not Ingram Micro's): seats can be removed, or the subscription
# cancelled, only within 168 hours (7 days) of the purchase or of a renewal.
CANCELLATION_WINDOW_SECONDS = 168 * 3600
NCE_SERVICE = "MICROSOFT_NCE"


def add_period(day, period, times=1):
    kind = (period or {}).get("type", "month")
    count = int((period or {}).get("duration", 1)) * times
    if kind == "day":
        return day + datetime.timedelta(days=count)
    months = count * (12 if kind == "year" else 1)
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month,
                       day=min(day.day, calendar.monthrange(year, month)[1]))


def _months(period):
    kind = (period or {}).get("type", "month")
    count = int((period or {}).get("duration", 1))
    return {"year": 12 * count, "month": count}.get(kind, 1)


def _price(amount, currency="USD"):
    return {"amount": "%.2f" % float(amount), "currency": currency}


def _first(prices, currency="USD"):
    for price in prices or []:
        if price.get("type", "recurring") == "recurring":
            return _price(price["amount"], price.get("currency", currency))
    return _price(0, currency)


def quantity_of(sub):
    return int(sub["products"][0]["quantity"]) if sub and sub["products"] else 0


def period_price(sub):
    """Price of one billing period of the subscription, and its currency."""
    total = sum(float(p["unitPrice"]["amount"]) * p["quantity"] for p in sub["products"])
    currency = sub["products"][0]["unitPrice"]["currency"] if sub["products"] else "USD"
    return total, currency


def ms_customer_id(customer_id):
    # A stable tenant id per customer, as Microsoft keeps one tenant per customer.
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "emulator-tenant:%s" % customer_id))


def day_start(day):
    """Epoch seconds of 00:00 UTC on ``day`` (a date or ``YYYY-MM-DD``)."""
    if isinstance(day, str):
        day = datetime.date.fromisoformat(day[:10])
    return float(calendar.timegm(day.timetuple()))


def new_subscription(state, customer_id, product, quantity, parameters=None, created=None,
                     status="active", started=None, expires=None, renews=True):
    """``started``: when the first term began (epoch; default the start of ``created``, or
    now); ``expires``: a date ending the first term other than one period on (co-terming,
    migration)."""
    if created is None:
        started = state.clock.now() if started is None else started
        created = state.clock.utcnow(started).date()
    elif started is None:
        started = day_start(created)
    term = product.get("subscriptionPeriod") or {"type": "month", "duration": 1}
    expires = expires or add_period(created, term)
    sub = {
        "id": state.subscriptions.new_id(), "name": product["name"],
        "customerId": customer_id, "status": status, "attributes": {},
        "renewalStatus": bool(renews), "creationDate": created.isoformat(),
        "renewalDate": expires.isoformat(), "expirationDate": expires.isoformat(),
        "lastModifiedDate": created.isoformat(),
        "billingModel": product.get("billingModel") or "chargeBeforeBillingPeriod",
        "billingPeriod": dict(product.get("billingPeriod") or {"type": "month", "duration": 1}),
        "subscriptionPeriod": dict(term), "planId": _plan_id(product),
        "products": [{
            "mpn": product["mpn"], "vendor": product["vendor"], "id": product["id"],
            "name": product["name"], "quantity": int(quantity),
            "unitPrice": _first(product.get("prices")),
            "unitCost": _first(product.get("costs")),
            "unitProviderCost": _first(product.get("costs")),
            "vendorSubscriptionId": str(uuid.uuid5(uuid.NAMESPACE_URL, "emulator-sub:%s:%s"
                                                   % (customer_id, product["id"])))}],
        "orderParameters": [dict(p) for p in parameters or []],
        "fulfillmentParameters": [],
        "_created": state.clock.now(), "_termStart": float(started),
    }
    if (product.get("vendor") or "").lower() == "microsoft":
        sub["fulfillmentParameters"].append({"name": "ms_customer_id",
                                             "value": ms_customer_id(customer_id)})
    return state.subscriptions.add(sub)


def create_from_line(state, order, line, product, at=None, expires=None, started=None,
                     renews=True):
    created = None if at is None else state.clock.utcnow(at).date()
    if started is not None:
        created = state.clock.utcnow(started).date()
    elif at is not None:
        started = at
    return new_subscription(state, order["customerId"], product, line["quantity"],
                            line.get("parameters"), created=created, started=started,
                            expires=expires, renews=renews)


def product_line(sub, mpn=None, product_id=None):
    """The subscription's product line for ``mpn``/``product_id`` (default the first)."""
    for item in sub["products"]:
        if (product_id and str(item["id"]) == str(product_id)) or \
                (not product_id and mpn and item["mpn"].lower() == str(mpn).lower()):
            return item
    return sub["products"][0] if sub["products"] else None


def is_nce(state, sub):
    """Whether Microsoft's NCE term rules apply (the catalog's service name says so)."""
    for item in sub["products"]:
        product = state.products.get(item["id"])
        if product is not None and product.get("serviceName") == NCE_SERVICE:
            return True
    return False


def term_start(sub):
    return float(sub.get("_termStart") or day_start(sub["creationDate"]))


def in_cancellation_window(state, sub, now=None):
    now = state.clock.now() if now is None else now
    return now < term_start(sub) + CANCELLATION_WINDOW_SECONDS


def renewal_instant(sub):
    """When the current term ends: 00:00 UTC of ``renewalDate``."""
    return day_start(sub.get("renewalDate") or sub["expirationDate"])


def term_locked(state, sub, now=None):
    """Why a reduction or cancellation must wait for the renewal, or None if it need not."""
    if not is_nce(state, sub) or in_cancellation_window(state, sub, now):
        return None
    return ("Microsoft NCE subscription #%s can only be reduced or cancelled within 168 "
            "hours (7 days) of its purchase or renewal (this term started %s); schedule the "
            "change for the renewal on %s (scheduledOn: renewal)"
            % (sub["id"], state.clock.iso(term_start(sub)), sub["renewalDate"]))


def _touch(state, sub, at=None):
    sub["lastModifiedDate"] = state.clock.date(at)


# ``at``: when the order that makes the change completed, which may be before "now" once
# the clock has jumped forward (possibly past midnight): the dates follow the order.

def set_quantity(state, sub, quantity, at=None, mpn=None, product_id=None):
    """Sets the new total of one product line (default the first); returns the signed
    delta, as change-order details report it."""
    item = product_line(sub, mpn, product_id)
    delta = int(quantity) - int(item["quantity"])
    item["quantity"] = int(quantity)
    _touch(state, sub, at)
    return delta


def terminate(state, sub, at=None):
    sub["status"] = "terminated"
    sub["renewalStatus"] = False
    _touch(state, sub, at)


def renew(state, sub, at=None):
    # The new term starts when the old one ends, which opens a new cancellation window.
    sub["_termStart"] = day_start(sub["expirationDate"])
    expires = add_period(datetime.date.fromisoformat(sub["expirationDate"]),
                         sub["subscriptionPeriod"])
    sub["expirationDate"] = sub["renewalDate"] = expires.isoformat()
    _touch(state, sub, at)


def end_of_month(day):
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def switch_plan(state, sub, product, plan_id, start_type=None, at=None):
    """Moves the subscription to ``product`` (of plan ``plan_id``), keeping its quantity.

    ``FROM_DATE_OF_UPGRADE`` starts a new term at the switch; ``FROM_OLD_START_DATE`` keeps
    the term's start and runs the new period from it; without either a switch within the
    same period keeps the dates and one to another period starts a new term.
    """
    now = state.clock.now() if at is None else at
    old = sub["products"][0]
    period = dict(product.get("subscriptionPeriod") or sub["subscriptionPeriod"])
    same_period = period == sub["subscriptionPeriod"]
    sub["products"][0] = dict(old, mpn=product["mpn"], vendor=product["vendor"],
                              id=product["id"], name=product["name"],
                              unitPrice=_first(product.get("prices")),
                              unitCost=_first(product.get("costs")),
                              unitProviderCost=_first(product.get("costs")))
    sub.update(name=product["name"], planId=int(plan_id), subscriptionPeriod=period,
               billingPeriod=dict(product.get("billingPeriod") or sub["billingPeriod"]),
               billingModel=product.get("billingModel") or sub["billingModel"])
    if start_type == "FROM_OLD_START_DATE":
        start = term_start(sub)
    elif start_type == "FROM_DATE_OF_UPGRADE" or not same_period:
        start = now
    else:
        start = None
    if start is not None:
        sub["_termStart"] = float(start)
        expires = add_period(state.clock.utcnow(start).date(), period)
        sub["expirationDate"] = sub["renewalDate"] = expires.isoformat()
    _touch(state, sub, at)


def detail_view(sub):
    out = {k: v for k, v in sub.items() if not k.startswith("_")}
    per_period, currency = period_price(sub)
    periods = max(_months(sub["subscriptionPeriod"]) // max(_months(sub["billingPeriod"]), 1), 1)
    products = []
    cost = provider = 0.0
    for item in sub["products"]:
        item = dict(item)
        amount = float(item["unitPrice"]["amount"]) * item["quantity"]
        item["extendedPrice"] = _price(amount, currency)
        item["totalSubscriptionPrice"] = _price(amount * periods, currency)
        item["totalSubscriptionCost"] = _price(
            float(item["unitCost"]["amount"]) * item["quantity"] * periods, currency)
        item["totalSubscriptionProviderCost"] = _price(
            float(item["unitProviderCost"]["amount"]) * item["quantity"] * periods, currency)
        cost += float(item["totalSubscriptionCost"]["amount"])
        provider += float(item["totalSubscriptionProviderCost"]["amount"])
        products.append(item)
    out["products"] = products
    out["totalPrice"] = _price(per_period, currency)
    out["totalSubscriptionPrice"] = _price(per_period * periods, currency)
    out["totalSubscriptionCost"] = _price(cost, currency)
    out["totalSubscriptionProviderCost"] = _price(provider, currency)
    return out


def row_view(sub):
    return {k: sub[k] for k in ROW_FIELDS if k in sub}


def _date_arg(request, name):
    text = request.arg(name)
    if text is None:
        return None
    try:
        return datetime.date.fromisoformat(text[:10]) if len(text) >= 10 else \
            datetime.date.fromisoformat(text)
    except ValueError:
        raise HttpError(400, "Invalid value '%s' for parameter '%s': a date YYYY-MM-DD is "
                        "expected" % (text, name))


def _apply_prices(sub, updates, where):
    if not isinstance(updates, list):
        raise HttpError(400, "%s must be an array" % where)
    for i, update in enumerate(updates):
        if not isinstance(update, dict) or not (update.get("mpn") or update.get("id")):
            raise HttpError(400, "%s[%d]: mpn or id is required" % (where, i))
        if "quantity" in update:
            raise HttpError(400, "%s[%d]: quantity cannot be changed here; place a change "
                            "order" % (where, i))
        target = next((p for p in sub["products"]
                       if p["mpn"] == update.get("mpn") or p["id"] == update.get("id")), None)
        if target is None:
            raise HttpError(404, "%s[%d]: product %s is not in subscription #%s"
                            % (where, i, update.get("mpn") or update.get("id"), sub["id"]))
        for field in PRICE_FIELDS:
            value = update.get(field)
            if value is None:
                continue
            try:
                amount = float(value["amount"])
            except (KeyError, TypeError, ValueError):
                raise HttpError(400, "%s[%d].%s must be {amount, currency}" % (where, i, field))
            target[field] = _price(amount, value.get("currency") or target[field]["currency"])


def update(state, sub, body):
    refused = [k for k in ("quantity", "status") if k in body]
    if refused:
        raise HttpError(400, "%s cannot be changed with PATCH /subscriptions; use change or "
                        "cancellation orders" % " and ".join(refused))
    unknown = [k for k in body if k not in UPDATABLE]
    if unknown:
        raise HttpError(400, "Unknown field(s): %s" % ", ".join(sorted(unknown)))
    if sub["status"] == "pending":
        raise HttpError(500, "Subscription #%s is being provisioned and cannot be updated"
                        % sub["id"])
    if "renewalStatus" in body:
        if not isinstance(body["renewalStatus"], bool):
            raise HttpError(400, "renewalStatus must be a boolean")
        sub["renewalStatus"] = body["renewalStatus"]
    if "attributes" in body:
        attributes = body["attributes"]
        if not isinstance(attributes, dict) or any(not isinstance(v, str)
                                                   for v in attributes.values()):
            raise HttpError(400, "attributes must map names to strings")
        sub["attributes"] = dict(sub.get("attributes") or {}, **attributes)
    if "products" in body:
        _apply_prices(sub, body["products"], "products")
    _touch(state, sub)
    return sub


def register(router, state):
    def list_subscriptions(request):
        status = single(request, "status")
        customer = request.arg("customerId")
        low, high = _date_arg(request, "creationDateFrom"), _date_arg(request, "creationDateTo")
        rows = [s for s in state.subscriptions.newest_first()
                if (customer is None or s["customerId"] == customer) and
                (status is None or s["status"] == status) and
                (low is None or s["creationDate"] >= low.isoformat()) and
                (high is None or s["creationDate"] <= high.isoformat())]
        return Response(200, envelope(rows, request, row_view))

    def get_subscription(request):
        sub = state.subscriptions.require(request.params["id"], "Subscription")
        return Response(200, detail_view(sub))

    def update_subscription(request):
        sub = state.subscriptions.require(request.params["id"], "Subscription")
        return Response(200, detail_view(update(state, sub, body_of(request))))

    def special_pricing(request):
        sub = state.subscriptions.require(request.params["id"], "Subscription")
        body = body_of(request)
        if not body.get("products"):
            raise HttpError(400, "products is required")
        _apply_prices(sub, body["products"], "products")
        _touch(state, sub)
        return Response(200, detail_view(sub))

    router.add("GET", "/subscriptions", list_subscriptions)
    router.add("GET", "/subscriptions/{id}", get_subscription)
    router.add("PATCH", "/subscriptions/{id}", update_subscription)
    router.add("POST", "/subscriptions/{id}/specialPricing", special_pricing)


def _plan_id(product):
    # The catalog stamps each product with its service plan, so GET /plans/{planId} of a
    # subscription resolves; a product added without one gets a stable stand-in.
    plan_id = product.get("_planId")
    return int(plan_id) if plan_id is not None else 10000 + int(product["id"]) % 1000
