"""How an order moves on the clock, and what completion does to subscriptions.

``submitted -> processing (AS) -> completed (CP)``, or ``error``/``cancelled``. Durations
come from the book's ``timing`` (seconds unless named ``*_days``):

- ``submit_seconds``: submitted -> processing;
- ``<type>_seconds`` (sales, change, cancellation, renewal): processing -> terminal;
- ``hold_days``: how long a held order stays processing. Held: change orders on a
  subscription with a yearly term (as annual-term changes do in production), orders whose
  poNumber contains ``EMU-HOLD``, and products flagged ``_hold``.

Orders scheduled for a renewal (``scheduledOn: "renewal"``, or a plan switch effective with
the next term) stay ``processing`` until the subscription's renewal date and complete then.

A poNumber containing ``EMU-ERROR`` (or an MPN containing ``EMU-ERROR``) ends in ``error``;
``EMU-CANCEL`` ends in ``cancelled``.
"""

import datetime
import heapq

from ...http import HttpError
from .. import subscriptions
from .book import CODES, STATUSES, book, iso
from .pricing import detail_line, money, unit_price


def set_status(state, order, status, code=None, at=None):
    ob = book(state)
    ob.by_status[order["status"]].discard(order["id"])
    order["status"] = status
    if code is not None:
        order["statusCode"] = code
    ob.by_status[status].add(order["id"])
    order["_version"] += 1
    change = {"orderId": order["id"], "orderNumber": order["orderNumber"], "status": status,
              "statusCode": order.get("statusCode"), "time": state.clock.iso(at)}
    order["_history"].append(change)
    ob.history.append(change)


def _hold(state, order):
    if "EMU-HOLD" in (order.get("poNumber") or ""):
        return True
    if any(line.get("_hold") for line in order.get("_lines", [])):
        return True
    if order["type"] == "change":
        sub = state.subscriptions.get(order.get("subscriptionId"))
        if sub is not None and (sub.get("subscriptionPeriod") or {}).get("type") == "year":
            return True
    return False


def _outcome(order):
    marks = (order.get("poNumber") or "") + " ".join(
        line.get("mpn") or "" for line in order.get("products") or [])
    if "EMU-ERROR" in marks:
        return "error"
    if "EMU-CANCEL" in marks:
        return "cancelled"
    return "completed"


def start_processing(state, order, at=None):
    """``at`` is when the transition was due: later steps count from there, so a clock
    jumped forward by hours lands every order where its own schedule puts it."""
    ob = book(state)
    set_status(state, order, "processing", CODES["processing"], at)
    timing = ob.timing
    if order.get("_effective") is not None:
        start = state.clock.now() if at is None else at
        ob.schedule(max(order["_effective"], start), order, _outcome(order))
        return
    if _hold(state, order):
        delay = float(timing["hold_days"]) * 86400
    else:
        delay = float(timing.get(order["type"] + "_seconds", timing["sales_seconds"]))
    ob.schedule((state.clock.now() if at is None else at) + delay, order, _outcome(order))


def finish(state, order, status, code=None, at=None):
    """Moves an open order to a terminal status and applies its effects on completion."""
    if status == "completed":
        complete(state, order, at)
        order["provisioningDate"] = iso(state.clock.now() if at is None else at)
    set_status(state, order, status, code or CODES[status], at)


def process_due(state):
    """Applies every transition due by the emulator clock; cheap when nothing is due."""
    ob = book(state)
    now = state.clock.now()
    with ob.lock:
        while ob.heap and ob.heap[0][0] <= now:
            due, _, order_id, version, status = heapq.heappop(ob.heap)
            order = state.orders.get(order_id)
            if order is None or order["_version"] != version:
                continue  # superseded, e.g. cancelled by PATCH meanwhile
            if status == "processing":
                start_processing(state, order, at=due)
            else:
                finish(state, order, status, at=due)


def force(state, order, status, code=None):
    """Moves an order to ``status`` now (e.g. Ingram fixing an ``error`` order)."""
    if status not in STATUSES:
        raise HttpError(400, "status must be one of %s" % ", ".join(STATUSES))
    with book(state).lock:
        if status == "processing":
            start_processing(state, order)
        elif status == "submitted":
            set_status(state, order, status, code)
        else:
            finish(state, order, status, code)
    return order


def complete(state, order, at=None):
    """Sales orders create one subscription per line, change orders set the line's quantity
    as the subscription's new total (details carry the signed delta), cancellation orders
    terminate the subscription, renewal orders extend it."""
    kind = order["type"]
    details = []
    total = 0.0
    currency = "USD"
    if kind in ("sales", "migration"):
        expires, started, renews = _first_term(state, order, at)
        for line, product in zip(order["products"], order["_lines"]):
            sub = subscriptions.create_from_line(state, order, line, product, at,
                                                 expires=expires, started=started,
                                                 renews=renews)
            if expires is None and (order.get("_align") or {}).get("endOfMonth"):
                end = subscriptions.end_of_month(
                    datetime.date.fromisoformat(sub["expirationDate"]))
                sub["expirationDate"] = sub["renewalDate"] = end.isoformat()
            line["subscriptionId"] = sub["id"]
            price, currency = unit_price(product)
            amount = price * line["quantity"]
            line["extendedPrice"] = money(amount, currency)
            details.append(detail_line("recurring", product, line["quantity"], price, currency))
            total += amount
        if len(order["products"]) == 1:
            order["subscriptionId"] = order["products"][0]["subscriptionId"]
    elif kind == "change" and order.get("_switch"):
        line, product = order["products"][0], order["_lines"][0]
        sub = state.subscriptions.get(line["subscriptionId"])
        old_price, _ = subscriptions.period_price(sub)
        subscriptions.switch_plan(state, sub, product, order["_switch"]["planId"],
                                  order["_switch"]["startType"], at)
        subscriptions.set_quantity(state, sub, line["quantity"], at)
        new_price, currency = subscriptions.period_price(sub)
        price, currency = unit_price(product)
        line["extendedPrice"] = money(price * line["quantity"], currency)
        details.append(detail_line("switch", product, line["quantity"], price, currency))
        total = new_price - old_price
    elif kind == "change":
        for line, product in zip(order["products"], order["_lines"]):
            sub = state.subscriptions.get(line["subscriptionId"])
            delta = subscriptions.set_quantity(state, sub, line["quantity"], at,
                                               product_id=line.get("id"))
            price, currency = unit_price(product)
            line["extendedPrice"] = money(price * line["quantity"], currency)
            details.append(detail_line("recurring" if delta >= 0 else "recurringRefund",
                                       product, delta, price, currency))
            total += price * delta
    elif kind == "cancellation":
        subscriptions.terminate(state, state.subscriptions.get(order["subscriptionId"]), at)
    elif kind == "renewal":
        sub = state.subscriptions.get(order["subscriptionId"])
        subscriptions.renew(state, sub, at)
        total, currency = subscriptions.period_price(sub)
    order["total"] = money(total, currency)
    if details:
        order["details"] = details


def _first_term(state, order, at):
    """``(expires, started, renews)`` of subscriptions a sales or migration order creates:
    co-termed ones end with their target; migrated ones keep the term they had."""
    align = order.get("_align") or {}
    target = state.subscriptions.get(align.get("subscriptionId")) if align else None
    if target is not None:
        return datetime.date.fromisoformat(target["expirationDate"]), None, True
    migration = order.get("_migration")
    if migration:
        started = None
        if migration["start"] is not None:
            started = subscriptions.day_start(migration["start"])
        return migration["end"], started, migration["renews"]
    return None, None, True
