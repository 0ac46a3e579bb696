"""Orders of one emulator instance and their life on the emulator clock.

Status is derived from timestamps when an order is read, never advanced by a background
job: a held order is voided once 24 h pass unreleased; a released order's sub-orders ship
``SHIP_DELAY`` apart (backordered parts after ``BACKORDER_DELAY``) and are delivered
``DELIVERY_DELAY`` after shipping. So thousands of orders cost nothing while idle, and
``Clock.advance`` moves them all at once.
"""

import bisect
import threading

from . import catalog

HOUR = 3600.0
VOID_AFTER = 24 * HOUR
SHIP_DELAY = 2 * HOUR
BACKORDER_DELAY = 72 * HOUR
DELIVERY_DELAY = 48 * HOUR

HOLD, PROCESSING, BACKORDERED = "hold", "processing", "backordered"
SHIPPED, DELIVERED, CANCELLED = "shipped", "delivered", "cancelled"

# First sequence number: base 36 "A0000", so order numbers read like 20-A0001.
FIRST_SEQ = 10 * 36 ** 4
_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def base36(number, width=5):
    out = ""
    while number:
        number, rem = divmod(number, 36)
        out = _DIGITS[rem] + out
    return out.rjust(width, "0")


class Line(object):
    __slots__ = ("number", "customer_number", "part_number", "part", "quantity", "notes",
                 "special_bid", "unit_price")

    def __init__(self, number, customer_number, part_number, quantity, notes=None,
                 special_bid=None, unit_price=None):
        self.number = number
        self.customer_number = customer_number
        self.part_number = part_number
        self.part = catalog.PARTS[part_number]
        self.quantity = quantity
        self.notes = notes
        self.special_bid = special_bid
        self.unit_price = float(unit_price if unit_price is not None
                                else self.part["unitPrice"])

    @property
    def warehouse(self):
        return self.part["warehouse"]

    @property
    def total(self):
        return round(self.unit_price * self.quantity, 2)


class Order(object):
    def __init__(self, seq, number, customer_order_number, created, hold=False, api="v6"):
        self.seq = seq
        self.number = number
        self.customer_order_number = customer_order_number
        self.end_customer_order_number = None
        self.created = created
        self.hold = hold
        self.released_at = None if hold else created
        self.cancelled_at = None
        self.modified_at = None
        self.api = api
        self.confirmation_number = None
        self.notes = None
        self.special_bid = None
        self.bill_to_address_id = None
        self.ship_to = {}
        self.end_user = {}
        self.lines = []
        self.rejected = []
        self.next_line = 1
        # Fields a test forces into this order's search rows (emulator control).
        self.search_overrides = {}

    # -- structure ------------------------------------------------------------------------

    def add_line(self, customer_number, part_number, quantity, **extra):
        line = Line("%03d" % self.next_line, customer_number, part_number, quantity, **extra)
        self.next_line += 1
        self.lines.append(line)
        return line

    def sub_number(self, line_or_warehouse):
        warehouse = getattr(line_or_warehouse, "warehouse", line_or_warehouse)
        return "%s-%s" % (self.number, catalog.SUB_SUFFIX[warehouse])

    def sub_orders(self):
        """``[(subOrderNumber, [lines])]`` in suffix order."""
        groups = {}
        for line in self.lines:
            groups.setdefault(self.sub_number(line), []).append(line)
        return sorted(groups.items())

    @property
    def total(self):
        return round(sum(line.total for line in self.lines), 2)

    # -- life -----------------------------------------------------------------------------

    def schedule(self, sub_number, lines):
        """``(ship_at, deliver_at, backordered)`` of a released sub-order."""
        start = self.released_at
        backordered = any(line.part.get("backorder") for line in lines)
        if backordered:
            ship_at = start + BACKORDER_DELAY
        else:
            index = int(sub_number.rsplit("-", 1)[1][0])
            ship_at = start + SHIP_DELAY * index
        return ship_at, ship_at + DELIVERY_DELAY, backordered

    def phase_of(self, sub, now, lines=None):
        """The phase of one sub-order (or, with ``sub=None``, of the order's header)."""
        if self.cancelled_at is not None and self.cancelled_at <= now:
            return CANCELLED
        if self.released_at is None:
            return CANCELLED if now >= self.created + VOID_AFTER else HOLD
        if sub is None:
            phases = [self.phase_of(s, now, ls) for s, ls in self.sub_orders()]
            return header_phase(phases)
        ship_at, deliver_at, backordered = self.schedule(sub, lines)
        if now < ship_at:
            return BACKORDERED if backordered else PROCESSING
        return SHIPPED if now < deliver_at else DELIVERED

    def transitions(self):
        """``[(when, subOrderNumber or None, phase)]``: every change this order will go
        through, for anything that wants to emit events (webhooks) as the clock moves."""
        out = [(self.created, None, HOLD if self.hold else PROCESSING)]
        if self.cancelled_at is not None:
            out.append((self.cancelled_at, None, CANCELLED))
            return out
        if self.released_at is None:
            out.append((self.created + VOID_AFTER, None, CANCELLED))
            return out
        if self.hold:
            out.append((self.released_at, None, PROCESSING))
        for sub, lines in self.sub_orders():
            ship_at, deliver_at, backordered = self.schedule(sub, lines)
            if backordered:
                out.append((self.released_at, sub, BACKORDERED))
            out.append((ship_at, sub, SHIPPED))
            out.append((deliver_at, sub, DELIVERED))
        return sorted(out, key=lambda item: item[0])


def header_phase(phases):
    if not phases:
        return PROCESSING
    unique = set(phases)
    if len(unique) == 1:
        return phases[0]
    if unique <= {SHIPPED, DELIVERED}:
        return SHIPPED
    if BACKORDERED in unique and not unique & {SHIPPED, DELIVERED}:
        return BACKORDERED
    return PROCESSING


class OrderStore(object):
    """Orders by number, by customer order number, and sorted by creation time."""

    def __init__(self, clock):
        self.clock = clock
        self.lock = threading.RLock()
        self._orders = {}
        self._by_customer = {}
        self._created = []  # sorted (created, seq)
        self._sorted = []   # orders in the same order as _created
        self._seq = FIRST_SEQ
        self.listeners = []
        # Order search returns newest first unless a test asks otherwise.
        self.oldest_first = False

    def __len__(self):
        return len(self._orders)

    def new_order(self, customer_order_number, created=None, hold=False, api="v6"):
        with self.lock:
            self._seq += 1
            seq = self._seq
        created = self.clock.now() if created is None else float(created)
        return Order(seq, "20-" + base36(seq), customer_order_number, created, hold, api)

    def add(self, order):
        with self.lock:
            self._orders[order.number] = order
            key = (order.customer_order_number or "").lower()
            self._by_customer.setdefault(key, []).append(order)
            position = bisect.bisect_right(self._created, (order.created, order.seq))
            self._created.insert(position, (order.created, order.seq))
            self._sorted.insert(position, order)
        self.notify("created", order)
        return order

    def notify(self, event, order):
        for listener in list(self.listeners):
            listener(event, order)

    def get(self, number):
        """An order by its number or one of its sub-order numbers (``20-A0001-11``)."""
        text = str(number or "").strip().upper()
        order = self._orders.get(text)
        if order is None and text.count("-") == 2:
            order = self._orders.get(text.rsplit("-", 1)[0])
        return order

    def by_customer_order_number(self, value):
        return list(self._by_customer.get(str(value or "").lower(), ()))

    def created_between(self, start=None, end=None):
        """Orders created in ``[start, end)`` (epoch seconds), oldest first."""
        with self.lock:
            lo = 0 if start is None else bisect.bisect_left(self._created, (start, -1))
            hi = len(self._created) if end is None else bisect.bisect_left(
                self._created, (end, -1))
            return self._sorted[lo:hi]

    def all(self):
        with self.lock:
            return list(self._sorted)

    def clear(self):
        with self.lock:
            self._orders.clear()
            self._by_customer.clear()
            self._created = []
            self._sorted = []
