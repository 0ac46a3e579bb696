"""Orders: ``/orders``, ``/orders/estimate``, ``/orders/{id}`` and ``/resellers/{id}/orders``.

Orders are asynchronous. ``POST /orders`` answers ``submitted``; the emulator clock then moves
each order ``submitted -> processing (AS) -> completed (CP)``, or to ``error``/``cancelled``.
Due transitions sit in a heap and are applied at the start of every Marketplace request, so
tens of thousands of stored orders cost nothing until one of them is due.

Durations come from ``state.order_timing`` (seconds unless named ``*_days``):

- ``submit_seconds``: submitted -> processing;
- ``<type>_seconds`` (sales, change, cancellation, renewal): processing -> terminal;
- ``hold_days``: how long a held order stays processing. Held: change orders on a
  subscription with a yearly term (as annual-term changes do in production), orders whose
  poNumber contains ``EMU-HOLD``, and products flagged ``_hold``.

Other outcomes on demand: a poNumber containing ``EMU-ERROR`` (or an MPN containing
``EMU-ERROR``) ends in ``error``; ``EMU-CANCEL`` ends in ``cancelled``. ``PATCH`` with
``statusCode: CL`` cancels an open order.

What completion does: sales orders create one subscription per line, change orders set the
line's quantity as the subscription's new total (details carry the signed delta),
cancellation orders terminate the subscription, renewal orders extend it.

Control endpoints (under ``/_emulator/marketplace``): ``POST /orders/bulk``
``{count, open_count}``, ``POST /orders/renewals`` ``{subscriptionIds, withinDays}``,
``POST /orders/timing`` (merge into ``order_timing``), ``GET /orders/{id}/history``,
``POST /orders/{id}/transition`` ``{status, statusCode}``.
"""

import datetime
import heapq
import threading

from ..http import HttpError, Response
from . import subscriptions, validation
from .common import body_of, envelope, single

from .catalog import find_product

TYPES = ("sales", "change", "renewal", "cancellation", "migration", "unknown")
CREATABLE = ("sales", "change", "cancellation")
STATUSES = ("submitted", "processing", "error", "completed", "cancelled")
OPEN = ("submitted", "processing")
PREFIX = {"sales": "SO", "change": "CH", "renewal": "RN", "cancellation": "CL"}
CODES = {"processing": "AS", "completed": "CP", "cancelled": "CL", "error": "ER"}
LIST_HIDDEN = ("poNumber", "products", "details", "attributes", "subscriptionId")

DEFAULT_TIMING = {
    "submit_seconds": 5,
    "sales_seconds": 60,
    "change_seconds": 60,
    "cancellation_seconds": 60,
    "renewal_seconds": 30,
    "hold_days": 90,
}

LO_MESSAGE = ("Cannot Upgrade/Downgrade Resources for Subscription #%s: there is already an "
              "Upgrade/Downgrade Order #%s in status Provisioning is in progress(LO). Please "
              "wait until the order is completed or cancel it.")


class OrderBook(object):
    """Indexes and the due-event heap of one emulator's orders."""

    def __init__(self):
        self.lock = threading.RLock()
        self.heap = []
        self.seq = 0
        self.by_status = {s: set() for s in STATUSES}
        self.by_customer = {}
        self.by_subscription = {}
        self.numbers = {}
        self.history = []
        self.timing = dict(DEFAULT_TIMING)

    def next_number(self, order_type):
        prefix = PREFIX.get(order_type, "SO")
        self.numbers[prefix] = self.numbers.get(prefix, 0) + 1
        return "%s%06d" % (prefix, self.numbers[prefix])

    def schedule(self, when, order, status):
        self.seq += 1
        heapq.heappush(self.heap, (when, self.seq, order["id"], order["_version"], status))


def book(state):
    found = getattr(state, "order_book", None)
    if found is None:
        found = state.order_book = OrderBook()
    return found


def money(amount, currency="USD"):
    return {"amount": "%.2f" % amount, "currency": currency}


def iso(ts):
    return datetime.datetime.fromtimestamp(ts, tz=datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def parse_time(name, text):
    if text is None:
        return None
    value = text.strip().replace(" ", "T")
    if len(value) == 10:
        value += "T00:00:00"
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise HttpError(400, "Invalid value '%s' for parameter '%s': a date-time such as "
                        "2019-12-11T17:32:28Z is expected" % (text, name))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed.timestamp()


# -- life cycle -------------------------------------------------------------------------------


def _set_status(state, order, status, code=None, at=None):
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


def _start_processing(state, order, at=None):
    """``at`` is when the transition was due: later steps count from there, so a clock
    jumped forward by hours lands every order where its own schedule puts it."""
    ob = book(state)
    _set_status(state, order, "processing", CODES["processing"], at)
    timing = ob.timing
    if _hold(state, order):
        delay = float(timing["hold_days"]) * 86400
    else:
        delay = float(timing.get(order["type"] + "_seconds", timing["sales_seconds"]))
    ob.schedule((state.clock.now() if at is None else at) + delay, order, _outcome(order))


def finish(state, order, status, code=None, at=None):
    """Moves an open order to a terminal status and applies its effects on completion."""
    if status == "completed":
        _complete(state, order, at)
        order["provisioningDate"] = iso(state.clock.now() if at is None else at)
    _set_status(state, order, status, code or CODES[status], at)


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
                _start_processing(state, order, at=due)
            else:
                finish(state, order, status, at=due)


def _complete(state, order, at=None):
    kind = order["type"]
    details = []
    total = 0.0
    currency = "USD"
    if kind == "sales":
        for line, product in zip(order["products"], order["_lines"]):
            sub = subscriptions.create_from_line(state, order, line, product, at)
            line["subscriptionId"] = sub["id"]
            price, currency = unit_price(product)
            amount = price * line["quantity"]
            line["extendedPrice"] = money(amount, currency)
            details.append(_detail("recurring", product, line["quantity"], price, currency))
            total += amount
        if len(order["products"]) == 1:
            order["subscriptionId"] = order["products"][0]["subscriptionId"]
    elif kind == "change":
        for line, product in zip(order["products"], order["_lines"]):
            sub = state.subscriptions.get(line["subscriptionId"])
            delta = subscriptions.set_quantity(state, sub, line["quantity"], at)
            price, currency = unit_price(product)
            line["extendedPrice"] = money(price * line["quantity"], currency)
            details.append(_detail("recurring" if delta >= 0 else "recurringRefund", product,
                                   delta, price, currency))
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


def _detail(kind, product, quantity, price, currency):
    return {"type": kind, "mpn": product["mpn"], "productId": product["id"],
            "description": "%s for %s" % (kind.capitalize(), product["name"]),
            "quantity": float(quantity), "unitPrice": money(price, currency),
            "extendedPrice": money(price * quantity, currency),
            "duration": {"type": (product.get("billingPeriod") or {}).get("type", "month"),
                         "duration": (product.get("billingPeriod") or {}).get("duration", 1)}}


def unit_price(product):
    for price in product.get("prices") or []:
        if price.get("type", "recurring") == "recurring":
            return float(price["amount"]), price.get("currency", "USD")
    return 0.0, "USD"


# -- creation ---------------------------------------------------------------------------------


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


def _line_view(line, product, quantity):
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
    if kind == "cancellation":
        sub_id = body.get("subscriptionId") or (lines[0].get("subscriptionId") if lines and
                                                isinstance(lines[0], dict) else None)
        sub = _subscription_for(state, customer_id, sub_id, "order")
        order["subscriptionId"] = sub["id"]
        return order
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
            current = sub["products"][0]
            if not line.get("id") and line.get("mpn", current["mpn"]) == current["mpn"]:
                # The subscription pins the product, even when its MPN is shared by terms.
                line.update(mpn=current["mpn"], id=current["id"])
            if line.get("quantity") is None:
                raise HttpError(400, "%s.quantity (the new total) is required" % where)
            order["subscriptionId"] = sub["id"]
        product = _product_for(state, line, where)
        quantity = _quantity(line, product, where)
        if kind == "sales":
            problems.extend(validation.order_problems(state, product, line.get("parameters"),
                                                      marketplace, phase))
        order["products"].append(_line_view(line, product, quantity))
        order["_lines"].append(product)
    if problems:
        raise HttpError(500, "Product activation parameters are not valid: " +
                        "; ".join(problems))
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
        if order["poNumber"] is None:
            del order["poNumber"]
        return _store(state, order, schedule=True)


def _store(state, order, schedule):
    ob = book(state)
    state.orders.add(order)
    ob.by_status[order["status"]].add(order["id"])
    ob.by_customer.setdefault(order["customerId"], []).append(order["id"])
    subs = {line.get("subscriptionId") for line in order.get("products") or []}
    subs.add(order.get("subscriptionId"))
    for sub_id in subs - {None}:
        ob.by_subscription.setdefault(sub_id, []).append(order["id"])
    change = {"orderId": order["id"], "orderNumber": order["orderNumber"],
              "status": order["status"], "statusCode": order.get("statusCode"),
              "time": iso(order["_created"])}
    order["_history"].append(change)
    if schedule:
        ob.history.append(change)
        ob.schedule(order["_created"] + float(ob.timing["submit_seconds"]), order,
                    "processing")
    return order


def estimate(state, body, marketplace="us"):
    order = prepare(state, dict(body, type=body.get("type") or "sales"), marketplace)
    total, currency, details = 0.0, "USD", []
    for line, product in zip(order["products"], order["_lines"]):
        price, currency = unit_price(product)
        quantity = line["quantity"]
        if order["type"] == "change":
            sub = state.subscriptions.get(line["subscriptionId"])
            quantity = line["quantity"] - subscriptions.quantity_of(sub)
        line["extendedPrice"] = money(price * line["quantity"], currency)
        details.append(_detail("recurring", product, quantity, price, currency))
        total += price * quantity
    out = {"type": order["type"], "customerId": order["customerId"],
           "status": "submitted", "total": money(total, currency), "details": details,
           "products": order["products"]}
    for key in ("poNumber", "subscriptionId"):
        if body.get(key) is not None or order.get(key) is not None:
            out[key] = order.get(key) or body.get(key)
    return out


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
        return _store(state, order, schedule=True)


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
            _store(state, order, schedule=False)
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


# -- views and queries --------------------------------------------------------------------------


def detail_view(order):
    out = {k: v for k, v in order.items() if not k.startswith("_")}
    if order["type"] in ("renewal", "cancellation"):
        out.pop("products", None)
        out.pop("details", None)
    return out


def row_view(order):
    return {k: v for k, v in detail_view(order).items() if k not in LIST_HIDDEN}


def query(state, customer_id=None, subscription_id=None, order_number=None, status=None,
          status_code=None, time_from=None, time_to=None, customer_ids=None):
    """Orders matching the filters, newest first; the narrowest index drives the scan."""
    ob = book(state)
    if status is not None and status not in STATUSES:
        return []
    candidates = None
    for ids in (ob.by_status.get(status) if status else None,
                ob.by_customer.get(customer_id, []) if customer_id else None,
                ob.by_subscription.get(subscription_id, []) if subscription_id else None):
        if ids is not None and (candidates is None or len(ids) < len(candidates)):
            candidates = ids
    if candidates is None:
        rows = state.orders.newest_first()
    else:
        rows = (state.orders.get(i) for i in sorted(candidates, key=int, reverse=True))
    out = []
    for order in rows:
        if customer_id and order["customerId"] != customer_id:
            continue
        if customer_ids is not None and order["customerId"] not in customer_ids:
            continue
        if status and order["status"] != status:
            continue
        if subscription_id and order.get("subscriptionId") != subscription_id and all(
                line.get("subscriptionId") != subscription_id
                for line in order.get("products") or []):
            continue
        if order_number and order["orderNumber"] != order_number:
            continue
        if status_code and order.get("statusCode") != status_code:
            continue
        if time_from is not None and order["_created"] < time_from:
            continue
        if time_to is not None and order["_created"] > time_to:
            continue
        out.append(order)
    return out


def _filters(request, with_number=True):
    out = {"customer_id": request.arg("customerId"),
           "subscription_id": request.arg("subscriptionId"),
           "status": single(request, "status"),
           "time_from": parse_time("creationTimeFrom", request.arg("creationTimeFrom")),
           "time_to": parse_time("creationTimeTo", request.arg("creationTimeTo"))}
    if with_number:
        out["order_number"] = request.arg("orderNumber")
        out["status_code"] = single(request, "statusCode")
    return out


def update(state, order, body):
    if "creditCheck" in body:
        if not isinstance(body["creditCheck"], bool):
            raise HttpError(400, "creditCheck must be a boolean")
        order["creditCheck"] = body["creditCheck"]
    code = body.get("statusCode")
    if code is not None:
        if not isinstance(code, str) or not code:
            raise HttpError(400, "statusCode must be a non-empty string")
        if code == "CL":
            if order["status"] not in OPEN:
                raise HttpError(500, "Order #%s is in status '%s' and cannot be cancelled"
                                % (order["orderNumber"], order["status"]))
            finish(state, order, "cancelled", "CL")
        else:
            order["statusCode"] = code
    return order


def register(router, state):
    def list_orders(request):
        filters = _filters(request)
        with book(state).lock:  # the indexes change under concurrent requests
            rows = query(state, **filters)
            return Response(200, envelope(rows, request, row_view))

    def list_reseller_orders(request):
        reseller_id = request.params["id"]
        if reseller_id != state.OWN_RESELLER_ID:
            state.resellers.require(reseller_id, "Reseller")
        customer_ids = {c["id"] for c in state.customers.values()
                        if c.get("resellerId") == reseller_id}
        filters = _filters(request, with_number=False)
        with book(state).lock:
            rows = query(state, customer_ids=customer_ids, **filters)
            return Response(200, envelope(rows, request, row_view))

    def create_order(request):
        order = create(state, body_of(request), getattr(request, "marketplace", None) or "us")
        return Response(200, detail_view(order))

    def estimate_order(request):
        return Response(200, estimate(state, body_of(request),
                                      getattr(request, "marketplace", None) or "us"))

    def get_order(request):
        return Response(200, detail_view(state.orders.require(request.params["id"], "Order")))

    def update_order(request):
        order = state.orders.require(request.params["id"], "Order")
        with book(state).lock:
            return Response(200, detail_view(update(state, order, body_of(request))))

    router.add("GET", "/orders", list_orders)
    router.add("POST", "/orders", create_order)
    router.add("POST", "/orders/estimate", estimate_order)
    router.add("GET", "/orders/{id}", get_order)
    router.add("PATCH", "/orders/{id}", update_order)
    router.add("GET", "/resellers/{id}/orders", list_reseller_orders)


def history(state, order_id=None):
    """Status changes in the order they happened (of one order, or of all)."""
    if order_id is None:
        return list(book(state).history)
    return list(state.orders.require(order_id, "Order")["_history"])


def force(state, order, status, code=None):
    """Moves an order to ``status`` now (e.g. Ingram fixing an ``error`` order)."""
    if status not in STATUSES:
        raise HttpError(400, "status must be one of %s" % ", ".join(STATUSES))
    with book(state).lock:
        if status == "processing":
            _start_processing(state, order)
        elif status == "submitted":
            _set_status(state, order, status, code)
        else:
            finish(state, order, status, code)
    return order


def control(state, request, path, body):
    parts = path.strip("/").split("/")
    if parts[0] != "orders":
        return None
    if path == "/orders/bulk" and request.method == "POST":
        return Response(201, bulk(state, body.get("count", 1000), body.get("open_count", 0)))
    if path == "/orders/renewals" and request.method == "POST":
        created = generate_renewals(state, body.get("subscriptionIds"),
                                    int(body.get("withinDays", 30)))
        return Response(201, {"orders": [detail_view(o) for o in created]})
    if path == "/orders/timing":
        if request.method == "POST":
            book(state).timing.update({k: float(v) for k, v in body.items()
                                       if k in DEFAULT_TIMING})
        return Response(200, book(state).timing)
    if len(parts) == 3 and parts[2] == "history":
        process_due(state)
        try:
            return Response(200, history(state, parts[1]))
        except HttpError as exc:
            return Response(404, {"message": exc.message})
    if len(parts) == 3 and parts[2] == "transition" and request.method == "POST":
        order = state.orders.get(parts[1])
        if order is None:
            return Response(404, {"message": "no order %s" % parts[1]})
        process_due(state)
        force(state, order, body.get("status"), body.get("statusCode"))
        return Response(200, detail_view(order))
    return None


# -- seed ---------------------------------------------------------------------------------------

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
        line = _line_view({"parameters": params, "subscriptionId": sub["id"]}, product,
                          quantity)
        price, currency = unit_price(product)
        line["extendedPrice"] = money(price * quantity, currency)
        order = {"id": state.orders.new_id(), "orderNumber": ob.next_number("sales"),
                 "type": "sales", "customerId": customer_id, "poNumber": "SEED-%s" % sub["id"],
                 "creationDate": iso(created), "provisioningDate": iso(created + 120),
                 "status": "completed", "statusCode": "CP", "creditCheck": True,
                 "subscriptionId": sub["id"], "products": [line], "_lines": [product],
                 "total": money(price * quantity, currency),
                 "details": [_detail("recurring", product, quantity, price, currency)],
                 "_created": created, "_version": 0, "_history": []}
        _store(state, order, schedule=False)
