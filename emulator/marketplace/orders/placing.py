"""Checking an order body and placing the order; platform-generated renewal orders.

Besides sales, change and cancellation orders the API takes:

- ``scheduledOn: "renewal"`` on change and cancellation orders: the order stays open until
  the subscription's renewal date and takes effect then (the line carries the target total);
- a seat reduction or cancellation of a Microsoft NCE subscription outside its cancellation
  window is refused (HTTP 500 with the API's error body) unless it is scheduled so; see
  ``subscriptions`` for the rule;
- plan switches: a change order with ``planId`` (and ``subscriptionPeriod``,
  ``upgradeStartType``) must name one of the ``planSwitches`` of the subscription's plan;
- ``alignExpirationDate`` on sales and migration orders: ``CO_TERM_ON_SUBSCRIPTION`` (the
  new subscriptions end with ``subscriptionId``) or ``MATCH_END_OF_CALENDAR_MONTH``;
- migration orders: sales-like lines plus ``autorenewal``, ``startDate``,
  ``migrationDate``, ``expirationDate`` and ``migrationProgram``; the subscription keeps the
  term it had before the migration.
"""

import datetime

from ...http import HttpError
from .. import subscriptions, validation
from ..catalog import find_product
from .book import OPEN, book, iso, store

TYPES = ("sales", "change", "renewal", "cancellation", "migration", "unknown")
CREATABLE = ("sales", "change", "cancellation", "migration")
# Order-level fields kept on the order as sent (the detail echoes them).
ECHOED = ("scheduledOn", "upgradeStartType", "alignExpirationDate", "planId",
          "subscriptionPeriod", "placementType", "billingModel", "autorenewal", "startDate",
          "migrationDate", "expirationDate", "migrationProgram")
MIGRATION_FIELDS = ("autorenewal", "startDate", "migrationDate", "expirationDate",
                    "migrationProgram")
START_TYPES = ("FROM_DATE_OF_UPGRADE", "FROM_OLD_START_DATE")
ALIGNMENTS = ("CO_TERM_ON_SUBSCRIPTION", "MATCH_END_OF_CALENDAR_MONTH",
              "CO_TERM_PARTIAL_UPGRADE")

LO_MESSAGE = ("Cannot Upgrade/Downgrade Resources for Subscription #%s: there is already an "
              "Upgrade/Downgrade Order #%s in status Provisioning is in progress(LO). Please "
              "wait until the order is completed or cancel it.")


def _quantity(line, product, where):
    quantity = line.get("quantity")
    if quantity is None:
        quantity = int(float(product.get("minimumQuantity") or 1))
    try:
        quantity = int(quantity)
        if quantity != line.get("quantity", quantity):
            raise ValueError
    except (TypeError, ValueError):
        raise HttpError(400, "%s.quantity must be a whole number" % where)
    low = int(float(product.get("minimumQuantity") or 0))
    high = float(product.get("maximumQuantity") or "inf")
    if quantity < low or quantity > high:
        raise HttpError(500, "Quantity %d of product %s is out of the allowed range %s-%s"
                        % (quantity, product["mpn"], product.get("minimumQuantity"),
                           product.get("maximumQuantity")))
    return quantity


def _product_for(state, line, where):
    if not isinstance(line, dict):
        raise HttpError(400, "%s must be an object" % where)
    if not (line.get("mpn") or line.get("id")):
        raise HttpError(400, "%s: mpn or id is required" % where)
    return find_product(state, mpn=line.get("mpn"), id=line.get("id"),
                        vendor=line.get("vendor"), billing_period=line.get("billingPeriod"),
                        subscription_period=line.get("subscriptionPeriod"))


def line_view(line, product, quantity):
    out = {"mpn": product["mpn"], "vendor": product["vendor"], "id": product["id"],
           "name": product["name"], "quantity": quantity,
           "billingPeriod": dict(product.get("billingPeriod") or {}),
           "subscriptionPeriod": dict(product.get("subscriptionPeriod") or {})}
    if line.get("parameters"):
        out["parameters"] = [dict(p) for p in line["parameters"]]
    if line.get("subscriptionId"):
        out["subscriptionId"] = str(line["subscriptionId"])
    return out


def open_change_order(state, subscription_id):
    for order_id in reversed(book(state).by_subscription.get(str(subscription_id), [])):
        order = state.orders.get(order_id)
        if order["type"] == "change" and order["status"] in OPEN:
            return order
    return None


def _subscription_for(state, customer_id, subscription_id, where):
    if not subscription_id:
        raise HttpError(400, "%s: subscriptionId is required" % where)
    sub = state.subscriptions.get(str(subscription_id))
    if sub is None or sub["customerId"] != customer_id:
        raise HttpError(404, "Subscription with id %s not found" % subscription_id)
    if sub["status"] != "active":
        raise HttpError(500, "Subscription #%s is in status '%s'; the operation is not "
                        "allowed" % (sub["id"], sub["status"]))
    return sub


def _same_period(a, b):
    try:
        return a.get("type") == b.get("type") and int(a.get("duration")) == \
            int(b.get("duration"))
    except (AttributeError, TypeError, ValueError):
        return False


def _date(body, name):
    value = body.get(name)
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise HttpError(400, "%s must be a date YYYY-MM-DD, got '%s'" % (name, value))


def _common_fields(body, kind):
    scheduled = body.get("scheduledOn")
    if scheduled is not None and scheduled != "renewal":
        raise HttpError(400, "scheduledOn must be 'renewal'")
    if scheduled is not None and kind not in ("change", "cancellation"):
        raise HttpError(400, "scheduledOn applies to change and cancellation orders only")
    start_type = body.get("upgradeStartType")
    if start_type is not None and start_type not in START_TYPES:
        raise HttpError(400, "upgradeStartType must be one of %s" % ", ".join(START_TYPES))
    stray = [k for k in MIGRATION_FIELDS if body.get(k) is not None]
    if stray and kind != "migration":
        raise HttpError(400, "%s: fields of migration orders only" % ", ".join(stray))
    return {k: body[k] for k in ECHOED if body.get(k) is not None}


def _alignment(state, body, customer_id, lines):
    """The date the new subscriptions' first term ends on, from ``alignExpirationDate``."""
    align = body.get("alignExpirationDate")
    if align is None:
        return None
    if not isinstance(align, dict) or align.get("alignmentType") not in ALIGNMENTS:
        raise HttpError(400, "alignExpirationDate.alignmentType must be one of %s"
                        % ", ".join(ALIGNMENTS))
    for product in lines:
        if (product.get("coterming") or {}).get("required") == "RESTRICTED":
            raise HttpError(500, "Product %s does not allow co-terming" % product["mpn"])
    kind = align["alignmentType"]
    if kind == "CO_TERM_ON_SUBSCRIPTION":
        target = state.subscriptions.get(str(align.get("subscriptionId") or ""))
        if target is None or target["customerId"] != customer_id:
            raise HttpError(404, "Subscription with id %s not found"
                            % align.get("subscriptionId"))
        if target["status"] != "active":
            raise HttpError(500, "Subscription #%s is in status '%s' and cannot be co-termed "
                            "with" % (target["id"], target["status"]))
        return {"subscriptionId": target["id"]}
    if kind == "MATCH_END_OF_CALENDAR_MONTH":
        return {"endOfMonth": True}
    raise HttpError(400, "alignmentType %s applies to change orders only" % kind)


def _migration(state, body):
    start, end = _date(body, "startDate"), _date(body, "expirationDate")
    _date(body, "migrationDate")
    today = datetime.date.fromisoformat(state.clock.date())
    if end is not None and end <= today:
        raise HttpError(500, "expirationDate %s of a migrated subscription must be in the "
                        "future" % end)
    if start is not None and end is not None and start >= end:
        raise HttpError(400, "startDate must be before expirationDate")
    if start is not None and start > today:
        raise HttpError(400, "startDate of a migrated subscription cannot be in the future")
    renews = body.get("autorenewal", True)
    if not isinstance(renews, bool):
        raise HttpError(400, "autorenewal must be a boolean")
    return {"start": start, "end": end, "renews": renews}


def _refuse_locked(state, sub, scheduled, what):
    reason = None if scheduled else subscriptions.term_locked(state, sub)
    if reason:
        raise HttpError(500, "%s refused: %s" % (what, reason))


def _plan_switch(state, body, sub, line):
    """The product a change order with ``planId`` switches the subscription to."""
    try:
        plan_id = int(body["planId"])
    except (TypeError, ValueError):
        raise HttpError(400, "planId must be a plan id")
    source = state.plans.get(str(sub.get("planId")))
    target = state.plans.get(str(plan_id))
    if target is None:
        raise HttpError(404, "Service plan with id %s not found" % body["planId"])
    period = body.get("subscriptionPeriod") or line.get("subscriptionPeriod")
    allowed = [s for s in (source or {}).get("planSwitches") or []
               if s["planId"] == plan_id and
               _same_period(s["sourceSubscriptionPeriod"], sub["subscriptionPeriod"]) and
               (period is None or _same_period(s["subscriptionPeriod"], period))]
    if len(allowed) != 1:
        raise HttpError(500, "Plan switch of subscription #%s from plan %s (%s) to plan %s%s "
                        "is not allowed" % (
                            sub["id"], sub.get("planId"), _period_text(
                                sub["subscriptionPeriod"]), plan_id,
                            " (%s)" % _period_text(period) if period else ""))
    rule = allowed[0]
    candidates = [p for p in state.products.values()
                  if str(p.get("_planId")) == str(plan_id) and
                  _same_period(p["subscriptionPeriod"], rule["subscriptionPeriod"])]
    candidates.sort(key=lambda p: not _same_period(p["billingPeriod"], sub["billingPeriod"]))
    if not candidates:
        raise HttpError(500, "Plan %s sells no product for a %s term"
                        % (plan_id, _period_text(rule["subscriptionPeriod"])))
    return rule, candidates[0]


def _period_text(period):
    period = period or {}
    return "%s %s" % (period.get("duration"), period.get("type"))


def prepare(state, body, marketplace, phase="order"):
    """Checks an order body; returns ``(order fields, products)`` or raises ``HttpError``."""
    kind = body.get("type") or "sales"
    if kind not in TYPES:
        raise HttpError(400, "type must be one of %s" % ", ".join(TYPES))
    if kind not in CREATABLE:
        raise HttpError(400, "Orders of type '%s' cannot be placed through the API" % kind)
    customer_id = str(body.get("customerId") or "")
    if not customer_id:
        raise HttpError(400, "customerId is required")
    state.customers.require(customer_id, "Customer")
    lines = body.get("products") or []
    if not isinstance(lines, list):
        raise HttpError(400, "products must be an array")
    order = {"type": kind, "customerId": customer_id, "products": [], "_lines": []}
    order.update(_common_fields(body, kind))
    scheduled = body.get("scheduledOn") == "renewal"
    if kind == "cancellation":
        sub_id = body.get("subscriptionId") or (lines[0].get("subscriptionId") if lines and
                                                isinstance(lines[0], dict) else None)
        sub = _subscription_for(state, customer_id, sub_id, "order")
        _refuse_locked(state, sub, scheduled, "Cancellation")
        order["subscriptionId"] = sub["id"]
        if scheduled:
            order["_effective"] = subscriptions.renewal_instant(sub)
        return order
    if kind == "change" and body.get("planId") is not None:
        return _prepare_switch(state, body, order, lines, customer_id, scheduled)
    if not lines:
        raise HttpError(400, "products: at least one product is required")
    problems = []
    for i, line in enumerate(lines):
        where = "products[%d]" % i
        if not isinstance(line, dict):
            raise HttpError(400, "%s must be an object" % where)
        if kind == "change":
            sub = _subscription_for(state, customer_id, line.get("subscriptionId") or
                                    body.get("subscriptionId"), where)
            blocking = open_change_order(state, sub["id"])
            if blocking is not None:
                raise HttpError(500, LO_MESSAGE % (sub["id"], blocking["orderNumber"]))
            line = dict(line, subscriptionId=sub["id"])
            current = subscriptions.product_line(sub, line.get("mpn"), line.get("id"))
            if not line.get("id") and line.get("mpn", current["mpn"]) == current["mpn"]:
                # The subscription pins the product, even when its MPN is shared by terms.
                line.update(mpn=current["mpn"], id=current["id"])
            if line.get("quantity") is None:
                raise HttpError(400, "%s.quantity (the new total) is required" % where)
            try:
                reduced = int(line["quantity"]) < int(current["quantity"])
            except (TypeError, ValueError):
                raise HttpError(400, "%s.quantity must be a whole number" % where)
            if reduced:
                _refuse_locked(state, sub, scheduled, "Seat reduction from %s to %s"
                               % (current["quantity"], line["quantity"]))
            order["subscriptionId"] = sub["id"]
            if scheduled:
                order["_effective"] = subscriptions.renewal_instant(sub)
        product = _product_for(state, line, where)
        quantity = _quantity(line, product, where)
        if kind == "sales":
            problems.extend(validation.order_problems(state, product, line.get("parameters"),
                                                      marketplace, phase))
        order["products"].append(line_view(line, product, quantity))
        order["_lines"].append(product)
    if problems:
        raise HttpError(500, "Product activation parameters are not valid: " +
                        "; ".join(problems))
    if kind in ("sales", "migration"):
        align = _alignment(state, body, customer_id, order["_lines"])
        if align:
            order["_align"] = align
    if kind == "migration":
        order["_migration"] = _migration(state, body)
    return order


def _prepare_switch(state, body, order, lines, customer_id, scheduled):
    line = lines[0] if lines else {}
    if not isinstance(line, dict):
        raise HttpError(400, "products[0] must be an object")
    sub = _subscription_for(state, customer_id, line.get("subscriptionId") or
                            body.get("subscriptionId"), "order")
    blocking = open_change_order(state, sub["id"])
    if blocking is not None:
        raise HttpError(500, LO_MESSAGE % (sub["id"], blocking["orderNumber"]))
    rule, product = _plan_switch(state, body, sub, line)
    quantity = line.get("quantity", sub["products"][0]["quantity"])
    view = line_view(dict(line, subscriptionId=sub["id"]), product,
                     _quantity(dict(line, quantity=quantity), product, "products[0]"))
    view["type"] = "CHANGE_PLAN_PERIOD" if str(rule["planId"]) == str(sub.get("planId")) \
        else "UPGRADE"
    order["products"].append(view)
    order["_lines"].append(product)
    order["subscriptionId"] = sub["id"]
    order["_switch"] = {"planId": rule["planId"], "startType": body.get("upgradeStartType")}
    if scheduled or rule.get("whenEffective") == "next_subscription_period":
        order["_effective"] = subscriptions.renewal_instant(sub)
    return order


def create(state, body, marketplace="us"):
    ob = book(state)
    with ob.lock:
        order = prepare(state, body, marketplace)
        now = state.clock.now()
        order.update({
            "id": state.orders.new_id(), "orderNumber": ob.next_number(order["type"]),
            "poNumber": body.get("poNumber"), "creationDate": iso(now), "status": "submitted",
            "creditCheck": True, "attributes": dict(body.get("attributes") or {}),
            "_created": now, "_version": 0, "_history": []})
        if order.get("_effective") is not None:
            order["_effective"] = max(order["_effective"], now)
        if order["poNumber"] is None:
            del order["poNumber"]
        return store(state, order, schedule=True)


def renewal(state, sub):
    """A platform-generated renewal order (no products) for subscription ``sub``."""
    ob = book(state)
    with ob.lock:
        now = state.clock.now()
        order = {"id": state.orders.new_id(), "orderNumber": ob.next_number("renewal"),
                 "type": "renewal", "customerId": sub["customerId"],
                 "subscriptionId": sub["id"], "creationDate": iso(now),
                 "status": "submitted", "creditCheck": False, "_created": now,
                 "_version": 0, "_history": [], "_lines": []}
        return store(state, order, schedule=True)
