"""Order control endpoints under ``/_emulator/marketplace/orders``: bulk orders for
benchmarks, platform renewals, timing, history and forced transitions."""

import datetime

from ...http import HttpError, Response
from .book import CODES, DEFAULT_TIMING, OPEN, book, history, iso, store
from .lifecycle import force, process_due
from .placing import renewal
from .pricing import money
from .queries import detail_view


def generate_renewals(state, subscription_ids=None, within_days=30):
    """Renewal orders for active auto-renewing subscriptions expiring within ``within_days``
    (or exactly ``subscription_ids``), skipping those with an open renewal order."""
    process_due(state)
    if subscription_ids:
        subs = [state.subscriptions.require(s, "Subscription") for s in subscription_ids]
    else:
        horizon = (state.clock.utcnow() + datetime.timedelta(days=within_days)).date()
        subs = [s for s in state.subscriptions.values()
                if s["status"] == "active" and s.get("renewalStatus") and
                datetime.date.fromisoformat(s["expirationDate"]) <= horizon]
    created = []
    for sub in subs:
        if any(state.orders.get(o)["type"] == "renewal" and state.orders.get(o)["status"] in OPEN
               for o in book(state).by_subscription.get(sub["id"], [])):
            continue
        created.append(renewal(state, sub))
    return created


def bulk(state, count, open_count=0, customer_ids=None, spacing=60.0):
    """Adds ``count`` orders quickly for benchmarks: ``open_count`` of them stay
    ``processing`` for ``hold_days``, the rest are ``completed`` sales orders without side
    effects (no subscriptions).
    Creation times rise with the ids and end at the current clock."""
    ob = book(state)
    count, open_count = int(count), int(open_count)
    customers = customer_ids or [c["id"] for c in state.customers.values()] or ["1000001"]
    with ob.lock:
        now = state.clock.now()
        last = max((o["_created"] for o in _newest(state, 1)), default=now - count * spacing)
        start = max(last, now - count * spacing)
        step = (now - start) / max(count, 1)
        open_every = max(count // open_count, 1) if open_count else 0
        opened = 0
        for i in range(count):
            created = start + (i + 1) * step
            is_open = bool(open_every) and opened < open_count and (i % open_every == 0)
            order = {"id": state.orders.new_id(), "orderNumber": ob.next_number("sales"),
                     "type": "sales", "customerId": customers[i % len(customers)],
                     "poNumber": "BULK-%06d" % i, "creationDate": iso(created),
                     "status": "processing" if is_open else "completed",
                     "statusCode": CODES["processing" if is_open else "completed"],
                     "creditCheck": True, "products": [], "_lines": [],
                     "_created": created, "_version": 0, "_history": []}
            if is_open:
                opened += 1
            else:
                order["provisioningDate"] = iso(created)
                order["total"] = money(0.0)
            store(state, order, schedule=False)
            if is_open:
                ob.schedule(created + float(ob.timing["hold_days"]) * 86400, order,
                            "completed")
    return {"orders": len(state.orders), "open": len(ob.by_status["processing"])}


def _newest(state, n):
    out = []
    for order in state.orders.newest_first():
        out.append(order)
        if len(out) >= n:
            break
    return out


def register_controls(controls, state):
    """Routes below ``/_emulator/marketplace``; handlers take ``(request, body)``."""
    def add_bulk(request, body):
        return Response(201, bulk(state, body.get("count", 1000), body.get("open_count", 0)))

    def add_renewals(request, body):
        created = generate_renewals(state, body.get("subscriptionIds"),
                                    int(body.get("withinDays", 30)))
        return Response(201, {"orders": [detail_view(o) for o in created]})

    def set_timing(request, body):
        book(state).timing.update({k: float(v) for k, v in body.items()
                                   if k in DEFAULT_TIMING})
        return Response(200, book(state).timing)

    def order_history(request, body):
        process_due(state)
        return Response(200, history(state, request.params["id"]))

    def transition(request, body):
        order = state.orders.get(request.params["id"])
        if order is None:
            raise HttpError(404, "no order %s" % request.params["id"])
        process_due(state)
        force(state, order, body.get("status"), body.get("statusCode"))
        return Response(200, detail_view(order))

    controls.add("POST", "/orders/bulk", add_bulk)
    controls.add("POST", "/orders/renewals", add_renewals)
    controls.add("GET", "/orders/timing", lambda request, body: Response(200, book(state).timing))
    controls.add("POST", "/orders/timing", set_timing)
    controls.add("GET", "/orders/{id}/history", order_history)
    controls.add("POST", "/orders/{id}/transition", transition)
