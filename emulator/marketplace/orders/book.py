"""The order book: every order's indexes, numbers, status history and the heap of
transitions that fall due on the clock. Orders themselves live in ``state.orders``."""

import datetime
import heapq
import threading

STATUSES = ("submitted", "processing", "error", "completed", "cancelled")
OPEN = ("submitted", "processing")
PREFIX = {"sales": "SO", "change": "CH", "renewal": "RN", "cancellation": "CL"}
CODES = {"processing": "AS", "completed": "CP", "cancelled": "CL", "error": "ER"}

DEFAULT_TIMING = {
    "submit_seconds": 5,
    "sales_seconds": 60,
    "change_seconds": 60,
    "cancellation_seconds": 60,
    "renewal_seconds": 30,
    "hold_days": 90,
}


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


def store(state, order, schedule):
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


def history(state, order_id=None):
    """Status changes in the order they happened (of one order, or of all)."""
    if order_id is None:
        return list(book(state).history)
    return list(state.orders.require(order_id, "Order")["_history"])


def iso(ts):
    return datetime.datetime.fromtimestamp(ts, tz=datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
