"""Renewals: ``POST /resellers/v6/renewals/search`` and ``GET /resellers/v6/renewals/{renewalId}``.

A renewal is a subscription term coming to its end. Two sources:
- seeded contracts (bought before the emulator started), expiring 20, 50 and 80 days after
  the emulator starts, one 200 days out and one expired 10 days before;
- every order sub-order with ``subscription`` parts (catalog ``termMonths``): once it ships
  (is activated) on the emulator clock, its term runs ``termMonths`` from the ship time.
``POST /_emulator/xvantage/renewals {"expiresInDays": 25}`` adds a contract expiring then.

Status follows the clock: "Active" more than 90 days out, "Quote pending" in the last 90
days, "Expired" after; the opportunity status is "Open" until expiry, then "Closed".
"""

from ..http import Response
from . import catalog, documents
from .common import validation
from .state import DELIVERED, SHIPPED

SEARCH = "/resellers/v6/renewals/search"
DETAILS = "/resellers/v6/renewals/{renewalId}"
OPEN_WINDOW = 90 * documents.DAY
MONTH = 365.0 / 12 * documents.DAY
ACTIVE, PENDING, EXPIRED = "Active", "Quote pending", "Expired"
SORTS = {"renewalid": lambda r: r.id, "expirationdate": lambda r: r.expires,
         "renewalvalue": lambda r: r.value, "enduser": lambda r: r.end_user.get(
             "companyName", ""), "vendor": lambda r: r.vendor}

documents.flat_routes(SEARCH, DETAILS)


class Renewal(object):
    def __init__(self, renewal_id, products, started, expires, end_user=None,
                 customer_order_number=None, reference=None, order=None, sub=None):
        self.id = int(renewal_id)
        self.products = products  # [(ingramPartNumber, quantity, unit price)]
        self.started = started
        self.expires = expires
        self.end_user = end_user or {}
        self.customer_order_number = customer_order_number
        self.reference = reference or ""
        self.order = order
        self.sub = sub

    @property
    def vendor(self):
        return catalog.PARTS[self.products[0][0]]["vendorName"]

    @property
    def value(self):
        return round(sum(qty * price for _, qty, price in self.products), 2)

    def status(self, now):
        if now >= self.expires:
            return EXPIRED
        return PENDING if self.expires - now <= OPEN_WINDOW else ACTIVE

    def opportunity(self, now):
        return "Closed" if now >= self.expires else "Open"


class RenewalBook(object):
    def __init__(self, store):
        self.store = store
        self.clock = store.clock
        self.contracts = {}
        self._seq = 4239000
        # Orders holding subscription lines, kept as they are created or changed.
        self.orders = {}
        store.listeners.append(self._heard)
        for order in store.all():
            self._heard("created", order)
        self.seed()

    def _heard(self, event, order):
        if any(line.part.get("subscription") for line in order.lines):
            self.orders[order.number] = order

    def add(self, expires_in_days, part="MS365B", quantity=10, end_user=None,
            customer_order_number=None, reference=None, price=None):
        now = self.clock.now()
        info = catalog.PARTS[part]
        expires = documents.floor_day(now + float(expires_in_days) * documents.DAY)
        self._seq += 1
        renewal = Renewal(self._seq, [(part, int(quantity), float(
            info["unitPrice"] if price is None else price))],
            expires - info.get("termMonths", 12) * MONTH, expires, end_user or {
                "companyName": "CONTRACT CUSTOMER %d" % self._seq, "contact": "Renewals Desk",
                "city": "BUFFALO", "state": "NY", "postalCode": "13206",
                "countryCode": "US"},
            customer_order_number or "REN-PO-%d" % self._seq, reference)
        self.contracts[renewal.id] = renewal
        return renewal

    def seed(self):
        self.add(20, "MS365B", 25, {"companyName": "STARK INDUSTRIES", "contact": "Pepper",
                                    "city": "NEW YORK", "state": "NY", "countryCode": "US"})
        self.add(50, "MSDEF2", 40, {"companyName": "WAYNE ENTERPRISES", "contact": "Lucius",
                                    "city": "GOTHAM", "state": "NJ", "countryCode": "US"})
        self.add(80, "MS365B", 5, {"companyName": "ACME CORP", "contact": "Wile",
                                   "city": "PHOENIX", "state": "AZ", "countryCode": "US"})
        self.add(200, "MSDEF2", 12)
        self.add(-10, "MS365B", 3)

    def from_orders(self, now):
        out = []
        for order in list(self.orders.values()):
            if order.released_at is None or self.store.get(order.number) is not order:
                continue
            for sub, lines in order.sub_orders():
                subs = [li for li in lines if li.part.get("subscription")]
                if not subs or order.phase_of(sub, now, lines) not in (SHIPPED, DELIVERED):
                    continue
                shipped = order.schedule(sub, lines)[0]
                months = max(li.part.get("termMonths", 12) for li in subs)
                out.append(Renewal(
                    order.seq * 10 + int(sub.rsplit("-", 1)[1][0]),
                    [(li.part_number, li.quantity, li.unit_price) for li in subs],
                    shipped, shipped + months * MONTH, order.end_user,
                    order.customer_order_number, order=order, sub=sub))
        return out

    def all(self, now):
        return list(self.contracts.values()) + self.from_orders(now)

    def get(self, renewal_id, now):
        try:
            wanted = int(str(renewal_id).strip())
        except ValueError:
            return None
        if wanted in self.contracts:
            return self.contracts[wanted]
        return next((r for r in self.from_orders(now) if r.id == wanted), None)


def book(store):
    return documents.state_of(store, "renewals", RenewalBook)


def register(router, store):
    book(store)  # seeded on the emulator's start, not on the first request
    router.add("POST", SEARCH, lambda r: search(store, r))
    router.add("GET", DETAILS, lambda r: details(store, r))


def register_controls(controls, store):
    controls.add("POST", "/renewals", lambda request, body: add_renewal(store, body))


def add_renewal(store, body):
    """``POST /_emulator/xvantage/renewals {"expiresInDays", "ingramPartNumber",
    "quantity", "endUser", "customerOrderNumber"}``: a contract coming due."""
    try:
        renewal = book(store).add(
            float(body.get("expiresInDays", 30)), body.get("ingramPartNumber", "MS365B"),
            int(body.get("quantity", 10)),
            {"companyName": body["endUser"]} if body.get("endUser") else None,
            body.get("customerOrderNumber"))
    except (KeyError, ValueError, TypeError) as exc:
        return Response(400, {"message": "bad renewal: %s" % exc})
    return Response(201, {"renewalId": renewal.id,
                          "expirationDate": documents.local_iso(renewal.expires)})


# -- views -------------------------------------------------------------------------------

def row(renewal, now):
    links = [{"topic": "renewals", "href": "/resellers/v6/renewals/%d" % renewal.id,
              "type": "GET"}]
    return {"renewalId": renewal.id, "customerOrderNumber": renewal.customer_order_number,
            "referenceNumber": renewal.reference,
            "endUser": renewal.end_user.get("companyName"), "vendor": renewal.vendor,
            "expirationDate": documents.local_iso(renewal.expires),
            "renewalValue": renewal.value, "status": renewal.status(now), "links": links}


END_USER_FIELDS = ("contact", "companyName", "addressLine1", "addressLine2", "city", "state",
                   "postalCode", "countryCode", "phoneNumber", "email")


def detail(renewal, now):
    order = renewal.order
    return {
        "renewalId": str(renewal.id),
        "ingramOrderNumber": renewal.sub or "",
        "ingramOrderDate": documents.local_iso(order.created) if order else None,
        "expirationDate": documents.local_iso(renewal.expires),
        "ingramPurchaseOrderNumber": order.number if order else "",
        "customerOrderNumber": renewal.customer_order_number,
        "endCustomerOrderNumber": (order.end_customer_order_number if order else None) or "",
        "renewalValue": "%.2f" % renewal.value,
        "endUser": renewal.end_user.get("companyName"), "vendor": renewal.vendor,
        "status": renewal.status(now),
        "endUserInfo": {k: str(v) for k, v in renewal.end_user.items()
                        if k in END_USER_FIELDS and v is not None},
        "referenceNumber": {"notificationId": "", "quoteNumber": ""},
        "products": [{"ingramLineNumber": str(i + 1),
                      "productDescription": catalog.PARTS[ipn]["description"],
                      "vendorPartNumber": catalog.PARTS[ipn]["vendorPartNumber"],
                      "ingramPartNumber": ipn, "manufacturerPartNumber": "",
                      "unitPrice": round(price, 2), "quantity": qty, "isConsolidated": "No"}
                     for i, (ipn, qty, price) in enumerate(renewal.products)],
        "additionalAttributes": [{
            "attributeDescription": "Subscription term",
            "attributeValue": "%d months" % catalog.PARTS[renewal.products[0][0]].get(
                "termMonths", 12),
            "startDate": documents.local_iso(renewal.started),
            "expirationDate": documents.local_iso(renewal.expires), "isConsolidated": "No"}],
    }


# -- handlers ----------------------------------------------------------------------------

def _range(block, name):
    """``[start, end)`` of a ``dateType`` block ``{customStartDate, customEndDate}``."""
    if block is None:
        return None
    if not isinstance(block, dict):
        raise validation("dateType.%s" % name, "dateType.%s must be an object" % name)
    low, high = block.get("customStartDate"), block.get("customEndDate")
    field = "dateType.%s" % name
    start = documents.parse_day(str(low), field) if low else float("-inf")
    end = documents.parse_day(str(high), field) + documents.DAY if high else float("inf")
    return start, end


def _criteria(body):
    if isinstance(body, list):  # the spec's example sends the criteria in a list
        body = body[0] if body and isinstance(body[0], dict) else {}
    status = body.get("status") or {}
    opportunity = (status.get("OpporutinyStatus") or status.get("opportunityStatus") or {}
                   if isinstance(status, dict) else {})
    dates = body.get("dateType") or {}
    if not isinstance(dates, dict):
        raise validation("dateType", "dateType must be an object")
    return {
        "value": (opportunity.get("value") or "").strip().upper() or None,
        "subStatus": (opportunity.get("subStatus") or "").strip().upper() or None,
        "vendor": (body.get("vendor") or "").strip().upper() or None,
        "endUser": (body.get("endUser") or "").strip().upper() or None,
        "start": _range(dates.get("startDate"), "startDate"),
        "end": _range(dates.get("endDate"), "endDate"),
        "invoice": _range(dates.get("invoiceDate"), "invoiceDate"),
        "expiration": _range(dates.get("expirationDate"), "expirationDate"),
    }


def _matches(renewal, c, query, now):
    def inside(ts, window):
        return window is None or window[0] <= ts < window[1]
    if c["value"] and renewal.opportunity(now).upper() != c["value"]:
        return False
    if c["subStatus"] and renewal.status(now).upper() != c["subStatus"]:
        return False
    if c["vendor"] and c["vendor"] not in renewal.vendor.upper():
        return False
    if c["endUser"] and c["endUser"] not in (renewal.end_user.get("companyName") or "").upper():
        return False
    if not (inside(renewal.started, c["start"]) and inside(renewal.expires, c["end"]) and
            inside(renewal.started, c["invoice"]) and
            inside(renewal.expires, c["expiration"])):
        return False
    if query["customerOrderNumber"] and (
            (renewal.customer_order_number or "").upper() != query["customerOrderNumber"]):
        return False
    if query["ingramPurchaseOrderNumber"] and (
            not renewal.order or query["ingramPurchaseOrderNumber"] not in (
                renewal.order.number, renewal.sub)):
        return False
    if query["serialNumber"]:
        return False  # subscriptions carry no serial numbers
    return True


def search(store, request):
    try:
        body = request.json()
    except ValueError:
        raise validation("body", "Request body is not valid JSON")
    if body is None:
        body = {}
    if not isinstance(body, (dict, list)):
        raise validation("body", "Request body must be a JSON object")
    criteria = _criteria(body)
    query = {k: (request.arg(k) or "").strip().upper() or None
             for k in ("customerOrderNumber", "ingramPurchaseOrderNumber", "serialNumber")}
    number, size = documents.page_args(request, "size", "page")
    sort = (request.arg("sort") or "expirationDate").strip()
    column, _, direction = sort.partition(",")
    direction = (direction or "asc").strip().lower()
    if column.strip().lower() not in SORTS or direction not in ("asc", "desc"):
        raise validation("sort", "sort must be renewalId, expirationDate, renewalValue, "
                         "endUser or vendor, optionally followed by ,asc or ,desc", sort)
    now = store.clock.now()
    rows = [r for r in book(store).all(now) if _matches(r, criteria, query, now)]
    key = SORTS[column.strip().lower()]
    rows.sort(key=lambda r: (key(r), r.id), reverse=direction == "desc")
    out = {"recordsFound": len(rows), "pageSize": size, "pageNumber": number,
           "renewals": [row(r, now) for r in documents.page_of(rows, number, size)]}
    if number * size < len(rows):
        out["nextPage"] = "%s?page=%d&size=%d" % (SEARCH, number + 1, size)
    if number > 1:
        out["previousPage"] = "%s?page=%d&size=%d" % (SEARCH, number - 1, size)
    return Response(200, out)


def details(store, request):
    now = store.clock.now()
    renewal = book(store).get(request.params["renewalId"], now)
    if renewal is None:
        raise documents.not_found("Renewal %s not found." % request.params["renewalId"])
    return Response(200, detail(renewal, now))
