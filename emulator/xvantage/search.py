"""``GET /resellers/v6/orders/search``: every documented filter, paging, 204 on no match.

Array filters arrive as repeated keys (``orderStatus-in=SHIPPED&orderStatus-in=ON%20HOLD``)
and are URL-decoded. Date filters narrow the candidates by creation time first (bisect on a
sorted index), so a search over thousands of orders touches only what it must.
"""

import calendar
import datetime
import re

from ..http import Response
from . import views
from .common import validation
from .state import CANCELLED, DELIVERED, SHIPPED

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
DEFAULT_WINDOW_DAYS = 20
DATE_ERROR = "input date format error expected format is - yyyy-MM-dd"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

TEXT_LIMITS = {"ingramOrderNumber": 11, "customerOrderNumber": 35,
               "endCustomerOrderNumber": 35, "ingramPartNumber": 35, "vendorPartNumber": 35,
               "serialNumber": 35, "trackingNumber": 35, "vendorName": 35,
               "specialBidNumber": 35}
STATUSES = ("SHIPPED", "PROCESSING", "ON HOLD", "BACKORDERED", "CANCELLED", "DELIVERED")
ALIASES = {"HOLD": "ON HOLD", "CANCELED": "CANCELLED", "VOIDED": "CANCELLED",
           "BACK ORDERED": "BACKORDERED"}
FILTER_KEYS = tuple(TEXT_LIMITS) + ("orderStatus", "orderStatus-in", "ingramOrderDate",
                                    "ingramOrderDate-bt", "shipDate_bt", "invoiceDate_bt",
                                    "deliveryDate_bt")


def register(router, store):
    router.add("GET", "/resellers/v6/orders/search", lambda r: search(store, r))


def _day_start(text, field):
    if not _DATE.match(text or ""):
        raise validation(field, DATE_ERROR, text)
    try:
        parsed = datetime.datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise validation(field, DATE_ERROR, text)
    return float(calendar.timegm(parsed.timetuple()))


def _range(request, name):
    values = [v for v in request.args(name) if v != ""]
    if not values:
        return None
    if len(values) == 1 and "," in values[0]:
        values = [v.strip() for v in values[0].split(",")]
    if len(values) != 2:
        raise validation(name, "%s takes exactly two dates: start and end" % name)
    start, end = _day_start(values[0], name), _day_start(values[1], name) + 86400
    if end <= start:
        raise validation(name, "%s: the start date is after the end date" % name)
    return start, end


def _statuses(request):
    wanted = []
    for value in request.args("orderStatus") + request.args("orderStatus-in"):
        for item in value.split(","):
            item = item.strip().upper()
            if item.startswith("IM::"):
                item = item[4:]
            item = ALIASES.get(item.replace("_", " "), item.replace("_", " "))
            if not item:
                continue
            if item not in STATUSES:
                raise validation("orderStatus", "orderStatus must be one of %s"
                                 % ", ".join(STATUSES[:5]), value)
            wanted.append(item)
    return set(wanted)


def paging(request):
    try:
        size = int(request.arg("pageSize") or DEFAULT_PAGE_SIZE)
        number = int(request.arg("pageNumber") or 1)
    except ValueError:
        raise validation("pageSize", "pageSize and pageNumber must be integers")
    if size < 1 or number < 1:
        raise validation("pageSize", "pageSize and pageNumber must be positive")
    # The portal documents 100 as the maximum; larger sizes are clamped, not refused.
    return number, min(size, MAX_PAGE_SIZE)


class Criteria(object):
    def __init__(self, request, now):
        self.text = {}
        for name, limit in TEXT_LIMITS.items():
            value = request.arg(name)
            if value is None or value == "":
                continue
            if len(value) > limit:
                raise validation(name, "%s exceeds %d characters" % (name, limit), value)
            self.text[name] = value.strip().upper()
        self.statuses = _statuses(request)
        self.ship = _range(request, "shipDate_bt")
        self.invoice = _range(request, "invoiceDate_bt")
        self.delivery = _range(request, "deliveryDate_bt")
        created = _range(request, "ingramOrderDate-bt")
        single = request.arg("ingramOrderDate")
        if single:
            start = _day_start(single, "ingramOrderDate")
            created = (start, start + 86400)
        if created is None and not any(request.arg(k) for k in FILTER_KEYS):
            # With no filter at all the API answers the last 20 days.
            created = (now - DEFAULT_WINDOW_DAYS * 86400, now + 1)
        self.created = created

    def candidates(self, store):
        number = self.text.get("ingramOrderNumber")
        if number:
            order = store.get(number)
            return [order] if order else []
        customer = self.text.get("customerOrderNumber")
        if customer:
            return store.by_customer_order_number(customer)
        if self.created:
            return store.created_between(*self.created)
        return store.all()

    def matches(self, order, now):
        """``(matched, phases)``; phases are reused to render the row."""
        t = self.text
        if self.created and not self.created[0] <= order.created < self.created[1]:
            return False, None
        if "customerOrderNumber" in t and (
                (order.customer_order_number or "").upper() != t["customerOrderNumber"]):
            return False, None
        if "endCustomerOrderNumber" in t and (
                (order.end_customer_order_number or "").upper() != t["endCustomerOrderNumber"]):
            return False, None
        if "specialBidNumber" in t and t["specialBidNumber"] not in (
                [(order.special_bid or "").upper()] +
                [(li.special_bid or "").upper() for li in order.lines]):
            return False, None
        if "ingramPartNumber" in t and not any(
                li.part_number == t["ingramPartNumber"] for li in order.lines):
            return False, None
        if "vendorPartNumber" in t and not any(
                li.part["vendorPartNumber"].upper() == t["vendorPartNumber"]
                for li in order.lines):
            return False, None
        if "vendorName" in t and not any(
                t["vendorName"] in li.part["vendorName"].upper() for li in order.lines):
            return False, None
        subs = order.sub_orders()
        phases = [order.phase_of(s, now, ls) for s, ls in subs]
        if self.statuses and not self._status_match(phases):
            return False, None
        if not self._shipping_match(order, subs, phases, now):
            return False, None
        return True, phases

    def _status_match(self, phases):
        names = set(views.SEARCH_STATUS[p] for p in phases)
        if DELIVERED in phases:
            names.add("SHIPPED")
        return bool(names & self.statuses)

    def _shipping_match(self, order, subs, phases, now):
        t = self.text
        needs = (self.ship or self.invoice or self.delivery or "trackingNumber" in t or
                 "serialNumber" in t)
        if not needs:
            return True
        for (sub, lines), phase in zip(subs, phases):
            if phase not in (SHIPPED, DELIVERED) or phase == CANCELLED:
                continue
            ship_at, deliver_at, _ = order.schedule(sub, lines)
            day_of_ship = _day_floor(ship_at)
            if self.ship and not self.ship[0] <= day_of_ship < self.ship[1]:
                continue
            if self.invoice and not self.invoice[0] <= day_of_ship < self.invoice[1]:
                continue
            if self.delivery and (phase != DELIVERED or not
                                  self.delivery[0] <= _day_floor(deliver_at) <
                                  self.delivery[1]):
                continue
            if "trackingNumber" in t and views.tracking_number(order, sub) != t["trackingNumber"]:
                continue
            if "serialNumber" in t and not any(
                    t["serialNumber"] in views.serial_numbers(order, line) for line in lines):
                continue
            return True
        return False


def _day_floor(ts):
    return float(int(ts) - int(ts) % 86400)


def search(store, request):
    now = store.clock.now()
    number, size = paging(request)
    criteria = Criteria(request, now)
    rows = []
    # Newest first by default; the API documents no order, so tests can flip it.
    candidates = criteria.candidates(store)
    for order in (candidates if store.oldest_first else reversed(candidates)):
        matched, phases = criteria.matches(order, now)
        if matched:
            rows.append((order, phases))
    if not rows:
        return Response(204, None)
    page = rows[(number - 1) * size:number * size]
    return Response(200, {
        "recordsFound": len(rows),
        "pageSize": size,
        "pageNumber": number,
        "orders": [views.search_row(order, now, phases) for order, phases in page],
        "nextPage": "/resellers/v6/orders/search?[original_parameters]&pageNumber=%d"
                    % (number + 1),
        "previousPage": "/resellers/v6/orders/search?[original_parameters]&pageNumber=%d"
                        % max(1, number - 1),
    })
