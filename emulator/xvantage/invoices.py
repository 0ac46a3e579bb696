"""Invoices: ``GET /resellers/v6/invoices`` and ``GET /resellers/v6.1/invoices/{invoiceNumber}``
(both require ``IM-ApplicationID``).

Nothing is stored: every sub-order of the order store that has shipped on the emulator
clock is one invoice, dated the day it shipped, numbered as order details v6.1 show it
(``shipmentDetails[].invoiceNumber``), due 30 days later ("Open", then "Past Due"). So an
order placed, released and shipped as the clock moves is invoiced with no extra step.
"""

from ..http import Response
from . import documents, views
from .common import fail, validation
from .state import DELIVERED, SHIPPED, base36

SEARCH = "/resellers/v6/invoices"
DETAILS = "/resellers/v6.1/invoices/{invoiceNumber}"
TERMS_DAYS = 30
# An order ships at most this long after it is placed (24 h of hold, then a backorder).
SHIP_SPAN = 5 * documents.DAY
OPEN, PAST_DUE = "Open", "Past Due"
ADDRESS_FIELDS = ("contact", "companyName", "addressLine1", "addressLine2", "addressLine3",
                  "city", "state", "postalCode", "countryCode", "phoneNumber", "email")
BILL_TO = {"companyName": "EMULATED RESELLER", "addressLine1": "1 EMULATOR WAY",
           "city": "IRVINE", "state": "CA", "postalCode": "92612", "countryCode": "US"}
TEXT_FILTERS = {"invoiceNumber": 11, "orderNumber": 35, "customerOrderNumber": 35,
                "endCustomerOrderNumber": 35, "specialBidNumber": 35, "invoiceStatus": 32,
                "invoiceType": 32, "DeliveryNumber": 35, "serialNumber": 32}


class Invoice(object):
    __slots__ = ("order", "sub", "lines", "shipped_at")

    def __init__(self, order, sub, lines, shipped_at):
        self.order, self.sub, self.lines, self.shipped_at = order, sub, lines, shipped_at

    @property
    def number(self):
        return views.invoice_number(self.order, self.sub)

    @property
    def due(self):
        return self.shipped_at + TERMS_DAYS * documents.DAY

    @property
    def total(self):
        return round(sum(line.total for line in self.lines), 2)

    def status(self, now):
        return OPEN if now < self.due else PAST_DUE

    def special_bids(self):
        bids = [self.order.special_bid] + [line.special_bid for line in self.lines]
        return sorted({b for b in bids if b})


def invoices_of(order, now):
    """The invoices of ``order`` at ``now``: one per shipped sub-order."""
    out = []
    if order.released_at is None:
        return out
    for sub, lines in order.sub_orders():
        if order.phase_of(sub, now, lines) in (SHIPPED, DELIVERED):
            out.append(Invoice(order, sub, lines, order.schedule(sub, lines)[0]))
    return out


def order_of(store, number):
    """The order an invoice number (``<order seq><sub suffix>``) belongs to, or None."""
    text = str(number or "").strip()
    if len(text) < 3 or not text.isdigit():
        return None
    return store.get("20-" + base36(int(text[:-2])))


def find(store, number, now):
    """The invoice numbered ``number``, or None."""
    order = order_of(store, number)
    if order is None:
        return None
    return next((i for i in invoices_of(order, now) if i.number == str(number).strip()),
                None)


def register(router, store):
    router.add("GET", SEARCH, lambda r: search(store, r))
    router.add("GET", DETAILS, lambda r: details(store, r))


# -- views -------------------------------------------------------------------------------

def row(invoice, now):
    order = invoice.order
    return {
        "invoiceNumber": invoice.number, "invoiceStatus": invoice.status(now),
        "invoiceDate": documents.day(invoice.shipped_at),
        "invoiceDueDate": documents.day(invoice.due),
        "paymentTermsDueDate": documents.day(invoice.due),
        "erpOrderNumber": invoice.sub,
        "customerOrderNumber": order.customer_order_number,
        "endCustomerOrderNumber": order.end_customer_order_number,
        "orderCreateDate": documents.day(order.created),
        "specialBidNumbers": invoice.special_bids(),
        "invoiceAmountInclTax": invoice.total, "invoicedAmountDue": invoice.total,
    }


def detail_line(invoice, line, serials):
    out = {
        "ingramLineNumber": line.number, "customerLineNumber": line.customer_number,
        "ingramPartNumber": line.part_number, "upc": line.part.get("upc") or None,
        "vendorPartNumber": line.part["vendorPartNumber"],
        "vendorName": line.part["vendorName"], "productDescription": line.part["description"],
        "unitWeight": float(line.part.get("weight") or 0.0), "quantity": line.quantity,
        "unitPrice": views.money(line.unit_price), "unitOfMeasure": "EA",
        "currencyCode": "USD", "extendedPrice": views.money(line.total),
        "taxPercentage": 0.0, "taxRate": 0.0, "taxAmount": 0.0,
        "quantityOrdered": line.quantity, "quantityShipped": line.quantity,
    }
    if serials:
        out["serialNumbers"] = [{"serialNumber": s}
                                for s in views.serial_numbers(invoice.order, line)]
    return {k: v for k, v in out.items() if v is not None}


def detail(invoice, now, customer_number, serials=False):
    order = invoice.order
    total = invoice.total
    return {
        "invoiceNumber": invoice.number, "invoiceStatus": invoice.status(now),
        "invoiceDate": documents.day(invoice.shipped_at),
        "customerOrderNumber": order.customer_order_number,
        "endCustomerOrderNumber": order.end_customer_order_number,
        "orderDate": documents.day(order.created), "billToID": "000",
        "invoiceType": "Invoice", "invoiceDueDate": documents.day(invoice.due),
        "customerCountryCode": "US", "customerNumber": customer_number,
        "ingramOrderNumber": invoice.sub, "notes": order.notes,
        "paymentTermsInfo": {"paymentTermsCode": str(TERMS_DAYS),
                             "paymentTermsDescription": "NET %d DAYS" % TERMS_DAYS,
                             "paymentTermsDueDate": documents.day(invoice.due)},
        "billToInfo": dict(BILL_TO),
        "shipToInfo": {k: str(v) for k, v in order.ship_to.items()
                       if k in ADDRESS_FIELDS and v is not None},
        "lines": [detail_line(invoice, line, serials) for line in invoice.lines],
        "fxRateInfo": {"currencyCode": "USD", "companyCurrency": "USD",
                       "invoiceCurrency": "USD", "currencyFxRate": 1.0},
        "summary": {
            "lines": {"productLineCount": len(invoice.lines),
                      "productLineTotalQuantity": sum(li.quantity for li in invoice.lines)},
            "miscCharges": [],
            "totals": {"netInvoiceAmount": total, "discountAmount": 0.0,
                       "discountType": "Terms Charge", "totalTaxAmount": 0.0,
                       "invoicedAmountDue": total, "freightAmount": 0.0},
            "foreignFxTotals": {"foreignCurrencyCode": "USD", "foreignCurrencyFxRate": 1.0,
                                "foreignTotalTaxableAmount": "%.2f" % total,
                                "foreignTotalTaxAmount": 0.0,
                                "foreignInvoiceAmountDue": "%.2f" % total}},
    }


# -- search ------------------------------------------------------------------------------

def _one_day(request, name):
    value = request.arg(name)
    if not value:
        return None
    start = documents.parse_day(value, name)
    return start, start + documents.DAY


def _between(request, low_name, high_name):
    """``[start, end)`` from a pair of from/to filters (either may be absent)."""
    low = [v for v in request.args(low_name) if v]
    high = [v for v in request.args(high_name) if v]
    if not low and not high:
        return None
    start = documents.parse_day(low[0], low_name) if low else float("-inf")
    end = documents.parse_day(high[0], high_name) + documents.DAY if high else float("inf")
    if end <= start:
        raise validation(low_name, "%s is after %s" % (low_name, high_name))
    return start, end


def _inside(ts, window):
    return window is None or window[0] <= ts < window[1]


SORTS = {
    "invoicedate": lambda i: i.shipped_at, "invoicenumber": lambda i: i.number,
    "invoiceduedate": lambda i: i.due, "duedate": lambda i: i.due,
    "orderdate": lambda i: i.order.created, "ordercreatedate": lambda i: i.order.created,
    "customerordernumber": lambda i: (i.order.customer_order_number or "").upper(),
    "erpordernumber": lambda i: i.sub, "ordernumber": lambda i: i.sub,
    "invoiceamount": lambda i: i.total, "invoiceamountincltax": lambda i: i.total,
    "invoicedamountdue": lambda i: i.total,
}


class Criteria(object):
    def __init__(self, request):
        self.text = {}
        for name, limit in TEXT_FILTERS.items():
            value = request.arg(name)
            if value is None or not value.strip():
                continue
            if len(value) > limit:
                raise validation(name, "%s exceeds %d characters" % (name, limit), value)
            self.text[name] = value.strip().upper()
        self.invoice_day = _one_day(request, "invoiceDate")
        self.invoice_range = _between(request, "invoiceFromDate", "invoiceToDate")
        self.due_day = (_one_day(request, "invoiceDueDate") or
                        _one_day(request, "paymentTermsNetDate"))
        self.due_range = _between(request, "invoiceFromDueDate", "invoiceToDueDate")
        self.order_day = _one_day(request, "orderDate")
        self.order_range = _between(request, "orderFromDate", "orderToDate")

    def created_window(self):
        """Creation times that can hold a match (orders ship within ``SHIP_SPAN``)."""
        lo, hi = float("-inf"), float("inf")
        for window in (self.order_day, self.order_range):
            if window:
                lo, hi = max(lo, window[0]), min(hi, window[1])
        for window in (self.invoice_day, self.invoice_range):
            if window:
                lo, hi = max(lo, window[0] - SHIP_SPAN), min(hi, window[1])
        return lo, hi

    def orders(self, store):
        t = self.text
        if "customerOrderNumber" in t:
            return store.by_customer_order_number(t["customerOrderNumber"])
        if "invoiceNumber" in t:
            order = order_of(store, t["invoiceNumber"])
            return [order] if order else []
        if "orderNumber" in t:
            order = store.get(t["orderNumber"])
            return [order] if order else []
        lo, hi = self.created_window()
        return store.created_between(None if lo == float("-inf") else lo,
                                     None if hi == float("inf") else hi)

    def matches(self, invoice, now):
        t, order = self.text, invoice.order
        checks = (
            ("invoiceNumber", lambda v: invoice.number == v),
            ("orderNumber", lambda v: v in (order.number, invoice.sub)),
            ("customerOrderNumber",
             lambda v: (order.customer_order_number or "").upper() == v),
            ("endCustomerOrderNumber",
             lambda v: (order.end_customer_order_number or "").upper() == v),
            ("specialBidNumber", lambda v: v in [b.upper() for b in invoice.special_bids()]),
            ("invoiceStatus", lambda v: invoice.status(now).upper() == v),
            ("invoiceType", lambda v: v == "INVOICE"),
            ("DeliveryNumber", lambda v: views.delivery_number(order, invoice.sub) == v),
            ("serialNumber", lambda v: any(v in views.serial_numbers(order, line)
                                           for line in invoice.lines)),
        )
        for name, check in checks:
            if name in t and not check(t[name]):
                return False
        return (_inside(invoice.shipped_at, self.invoice_day) and
                _inside(invoice.shipped_at, self.invoice_range) and
                _inside(invoice.due, self.due_day) and _inside(invoice.due, self.due_range) and
                _inside(order.created, self.order_day) and
                _inside(order.created, self.order_range))


def search(store, request):
    documents.require_header(request, "IM-ApplicationID")
    now = store.clock.now()
    number, size = documents.page_args(request, "pageSize", "pageNumber")
    orderby = (request.arg("orderby") or "invoiceDate").strip()
    if orderby.lower() not in SORTS:
        raise validation("orderby", "orderby must be one of invoiceDate, invoiceNumber, "
                         "invoiceDueDate, orderDate, customerOrderNumber, erpOrderNumber, "
                         "invoiceAmount", orderby)
    direction = (request.arg("direction") or "desc").strip().lower()
    if direction not in ("asc", "desc"):
        raise validation("direction", "direction must be asc or desc", direction)
    criteria = Criteria(request)
    rows = [invoice for order in criteria.orders(store)
            for invoice in invoices_of(order, now) if criteria.matches(invoice, now)]
    key = SORTS[orderby.lower()]
    rows.sort(key=lambda i: (key(i), i.number), reverse=direction == "desc")
    body = {"recordsFound": len(rows), "pageSize": size, "pageNumber": number,
            "invoices": [row(i, now) for i in documents.page_of(rows, number, size)]}
    if number * size < len(rows):
        body["nextPage"] = "%s?orderby=%s&direction=%s&pageSize=%d&pageNumber=%d" % (
            SEARCH, orderby, direction, size, number + 1)
    return Response(200, body)


def details(store, request):
    documents.require_header(request, "IM-ApplicationID")
    number = request.params["invoiceNumber"]
    if len(number) > 12:
        raise validation("invoiceNumber", "invoiceNumber exceeds 12 characters", number)
    kind = (request.arg("customerType") or "invoice").strip().lower()
    if kind not in ("invoice", "order"):
        raise validation("customerType", "customerType must be invoice or order", kind)
    serials = (request.arg("includeSerialNumbers") or "false").strip().lower() == "true"
    now = store.clock.now()
    if kind == "order":
        order = store.get(number)
        found = [i for i in (invoices_of(order, now) if order else [])
                 if number.upper() in (order.number, i.sub)]
        invoice = found[0] if found else None
    else:
        invoice = find(store, number, now)
    if invoice is None:
        raise fail(404, "Invoice %s not found." % number)
    return Response(200, detail(invoice, now, request.headers.get("IM-CustomerNumber"),
                                serials))
