"""Quotes: ``GET /resellers/v6/quotes/search``, ``GET /resellers/v6/quotes/{quoteNumber}``,
``GET /resellers/v6/q2o/validatequote``, and the quote side of a v7 "quote to order".

A quote in "Ready to Order" status and not past its expiry can be ordered once (v7 create
with ``quoteNumber``); the order takes the quote's parts, quantities and prices and the
quote closes. Search answers quotes created or modified in the last 30 days unless a date
range says otherwise, never closed ones, and 404 when nothing matches (as documented).
"""

import uuid
import zlib

from ..http import Response
from . import catalog, documents
from .common import fail, validation

SEARCH = "/resellers/v6/quotes/search"
DETAILS = "/resellers/v6/quotes/{quoteNumber}"
VALIDATE = "/resellers/v6/q2o/validatequote"
READY, ACTIVE, CLOSED = "Ready to Order", "Active", "Closed"
DEFAULT_WINDOW = 30 * documents.DAY
MAX_AGE = 365 * documents.DAY
SORT_KEYS = {"quotenumber": lambda q: q.number, "createddate": lambda q: q.created,
             "datecreated": lambda q: q.created, "lastmodifieddate": lambda q: q.modified,
             "expirydate": lambda q: q.expires}
_CODE = "ABCDEFGHJKLMNPQRSTUVWXYZ"

documents.flat_routes(VALIDATE, message=True)


class Quote(object):
    def __init__(self, number, name, created, expires, products, status=READY, vendor=None,
                 end_user=None, special_bid=None):
        self.number = number
        self.guid = str(uuid.UUID(int=zlib.crc32(number.encode("ascii")) << 64 | 0x4000))
        self.name = name
        self.revision = "0"
        self.created = self.modified = created
        self.expires = expires
        self.status = status
        # [(ingramPartNumber, quantity, quote unit price)]
        self.products = [(ipn, int(qty), float(price)) for ipn, qty, price in products]
        self.vendor = vendor or catalog.PARTS[self.products[0][0]]["vendorName"]
        self.end_user = end_user or {}
        self.special_bid = special_bid
        self.closed_at = None
        self.order_number = None

    @property
    def total(self):
        return round(sum(qty * price for _, qty, price in self.products), 2)

    def expired(self, now):
        return now >= self.expires


class QuoteBook(object):
    def __init__(self, store):
        self.clock = store.clock
        self.quotes = {}
        self._seq = 10000
        self.seed()

    def add(self, products, name=None, created=None, expires_in_days=30, status=READY,
            end_user=None, special_bid=None, vendor=None):
        now = self.clock.now()
        created = now if created is None else float(created)
        self._seq += 1
        code = "".join(_CODE[(self._seq * 7 + i * 11) % len(_CODE)] + str((self._seq + i) % 10)
                       for i in range(3))
        number = "QUO-%d-%s" % (self._seq, code)
        for ipn, _, _ in products:
            if ipn not in catalog.PARTS:
                raise ValueError("unknown part %s" % ipn)
        quote = Quote(number, name or "Quote %d" % self._seq, created,
                      created + float(expires_in_days) * documents.DAY, products, status,
                      vendor, end_user, special_bid)
        self.quotes[number] = quote
        return quote

    def seed(self):
        now = self.clock.now()
        day = documents.DAY
        self.add([("DF4128", 10, 55.10), ("2GZ200", 2, 140.00)], "Office refresh",
                 created=now - 3 * day, expires_in_days=33, special_bid="9638445-1880",
                 end_user={"contact": "JD Enterprises", "companyName": "JD ENTERPRISES",
                           "city": "IRVINE", "state": "CA", "postalCode": "92612"})
        self.add([("MS365B", 25, 139.00)], "M365 seats", created=now - 10 * day,
                 expires_in_days=40, end_user={"contact": "Stark", "companyName": "STARK INC"})
        self.add([("6YC337", 5, 289.00)], "Tablets (pending vendor approval)",
                 created=now - 1 * day, expires_in_days=41, status=ACTIVE,
                 end_user={"contact": "Wayne", "companyName": "WAYNE CORP"})
        self.add([("TXSLM3", 4, 79.99)], "Surge protectors", created=now - 40 * day,
                 expires_in_days=38, end_user={"contact": "Acme", "companyName": "ACME"})

    def get(self, number):
        return self.quotes.get(str(number or "").strip().upper())


def book(store):
    return documents.state_of(store, "quotes", QuoteBook)


def register(router, store):
    book(store)  # seeded on the emulator's start, not on the first request
    router.add("GET", SEARCH, lambda r: search(store, r))
    router.add("GET", VALIDATE, lambda r: validate(store, r))
    router.add("GET", DETAILS, lambda r: details(store, r))


def register_controls(controls, store):
    controls.add("POST", "/quotes", lambda request, body: add_quote(store, body))


def add_quote(store, body):
    """``POST /_emulator/xvantage/quotes {"products": [{ingramPartNumber, quantity,
    price}], "expiresInDays", "status", "name"}``: a new quote."""
    try:
        quote = book(store).add(
            [(p["ingramPartNumber"], p.get("quantity", 1),
              p.get("price", catalog.PARTS.get(p["ingramPartNumber"], {}).get("unitPrice", 0)))
             for p in body.get("products") or []],
            name=body.get("name"), expires_in_days=body.get("expiresInDays", 30),
            status=body.get("status", READY))
    except (KeyError, IndexError, ValueError, TypeError) as exc:
        return Response(400, {"message": "bad quote: %s" % exc})
    return Response(201, {"quoteNumber": quote.number})


# -- views -------------------------------------------------------------------------------

def _links(quote):
    return {"topic": "quotedetails", "href": "/resellers/v6/quotes/%s" % quote.number,
            "type": "GET"}


def row(quote):
    return {
        "quoteGuid": quote.guid, "quoteName": quote.name, "quoteNumber": quote.number,
        "revision": quote.revision, "currencyCode": "USD",
        "endUserContact": quote.end_user.get("contact"),
        "endUserName": quote.end_user.get("companyName"),
        "specialBidNumber": quote.special_bid, "quoteTotal": quote.total,
        "quoteStatus": quote.status, "ingramQuoteDate": documents.day(quote.created),
        "lastModifiedDate": documents.day(quote.modified),
        "ingramQuoteExpiryDate": documents.day(quote.expires), "vendor": quote.vendor,
        "createdBy": "Ingram Micro", "quoteType": "Standard", "links": _links(quote)}


def product(quote, index, ipn, quantity, price):
    part = catalog.PARTS[ipn]
    msrp = round(part["unitPrice"] * 1.2, 2)
    remaining = 0 if quote.closed_at is not None else quantity
    out = {
        "quoteProductGuid": str(uuid.UUID(int=zlib.crc32(
            ("%s/%d" % (quote.number, index)).encode("ascii")) << 32 | 0x4000)),
        "lineNumber": str(index + 1), "quantity": quantity, "remainingQuoteQty": remaining,
        "minimumOrderAllowedQty": 1, "ingramPartNumber": ipn,
        "vendorPartNumber": part["vendorPartNumber"], "description": part["description"],
        "vendorName": part["vendorName"], "weight": 0.0, "weightUom": "LB",
        "isSuggestionProduct": False, "isSubscription": bool(part.get("subscription")),
        "price": {"quotePrice": price, "msrp": msrp,
                  "extendedMsrp": round(msrp * quantity, 2),
                  "extendedQuotePrice": round(price * quantity, 2),
                  "discountOffList": "%.2f" % (100.0 * (msrp - price) / msrp),
                  "type": "Recurring" if part.get("subscription") else "One-time"}}
    if part.get("subscription"):
        out["terms"] = "%d months" % part["termMonths"]
        out["billDetails"] = [{"type": "Billing", "unit": "Month",
                               "frequency": int(part["termMonths"]), "unitValue": "1"}]
    return out


def detail(quote):
    products = [product(quote, i, ipn, qty, price)
                for i, (ipn, qty, price) in enumerate(quote.products)]
    msrp_total = round(sum(p["price"]["extendedMsrp"] for p in products), 2)
    out = {
        "quoteName": quote.name, "quoteNumber": quote.number, "quoteGuid": quote.guid,
        "revision": quote.revision, "ingramQuoteDate": documents.iso(quote.created),
        "lastModifiedDate": documents.iso(quote.modified),
        "ingramQuoteExpiryDate": documents.iso(quote.expires), "currencyCode": "USD",
        "specialBidId": quote.special_bid, "isPartialOrderAllowed": False,
        "status": quote.status, "quoteType": "Standard",
        "purchaseInstructions": "Order with the quote number (v7 order create, quoteNumber).",
        "resellerInfo": {"contact": "EMULATED RESELLER CONTACT",
                         "companyName": "EMULATED RESELLER", "email": "buyer@reseller.example",
                         "phoneNumber": "9999999000", "customerNumber": "20-222222"},
        "endUserInfo": dict(quote.end_user), "products": products,
        "productsCount": len(products), "extendedMsrpTotal": msrp_total,
        "quantityTotal": sum(qty for _, qty, _ in quote.products),
        "extendedQuotePriceTotal": quote.total, "totalQuoteAmount": "%.2f" % quote.total,
        "additionalAttributes": [],
    }
    if quote.special_bid:
        out["specialBidExpirationDate"] = documents.local_iso(quote.expires)
    if quote.closed_at is not None:
        out["closingReason"] = "Converted to order %s" % quote.order_number
        out["dateClosed"] = documents.iso(quote.closed_at)
    return out


# -- handlers ----------------------------------------------------------------------------

def _text(request, name):
    value = request.arg(name)
    return value.strip().upper() if value and value.strip() else None


def search(store, request):
    documents.require_header(request, "IM-CustomerContact", 64)
    now = store.clock.now()
    number, size = documents.page_args(request, "pageSize", "pageNumber")
    created = (documents.day_range(request, "quoteCreateDate-bt") or
               documents.day_range(request, "ingramOrderDate-bt"))
    wanted = {k: _text(request, k) for k in (
        "quoteNumber", "specialBidNumber", "endUserContact", "vendorName", "quoteName",
        "status")}
    sort_by = (request.arg("sortBy") or "createdDate").strip().lower()
    if sort_by not in SORT_KEYS:
        raise fail(400, "Validation failed", [{
            "field": "sortBy", "value": request.arg("sortBy"),
            "message": "sortBy must be quoteNumber, createdDate, lastModifiedDate or "
                       "expiryDate"}])
    order = (request.arg("sortingOrder") or "desc").strip().lower()
    if order not in ("asc", "desc"):
        raise validation("sortingOrder", "sortingOrder must be asc or desc", order)
    rows = []
    for quote in book(store).quotes.values():
        if quote.status == CLOSED or now - quote.created > MAX_AGE:
            continue
        if created and not created[0] <= quote.created < created[1]:
            continue
        if not created and now - max(quote.created, quote.modified) > DEFAULT_WINDOW:
            continue
        if not _matches(quote, wanted):
            continue
        rows.append(quote)
    if not rows:
        raise fail(404, "No records found for the provided criteria.",
                   kind="/errors/validation-failed")
    rows.sort(key=lambda q: (SORT_KEYS[sort_by](q), q.number), reverse=order == "desc")
    page = documents.page_of(rows, number, size)
    base = SEARCH + "?pageSize=%d&pageNumber=%d"
    body = {"recordsFound": len(rows), "pageSize": size, "pageNumber": number,
            "quotes": [row(q) for q in page]}
    if number * size < len(rows):
        body["nextPage"] = base % (size, number + 1)
    if number > 1:
        body["prevPage"] = base % (size, number - 1)
    return Response(200, body)


def _matches(quote, wanted):
    checks = (("quoteNumber", quote.number, True),
              ("specialBidNumber", quote.special_bid, False),
              ("endUserContact", quote.end_user.get("contact"), True),
              ("vendorName", quote.vendor, True), ("quoteName", quote.name, True),
              ("status", quote.status, False))
    for name, value, partial in checks:
        want = wanted.get(name)
        if want is None:
            continue
        have = (value or "").upper()
        if (want not in have) if partial else (want != have):
            return False
    return True


def details(store, request):
    quote = book(store).get(request.params["quoteNumber"])
    if quote is None:
        raise fail(404, "Quote %s not found." % request.params["quoteNumber"])
    return Response(200, detail(quote))


def orderable(store, number):
    """The quote behind ``number``, or a 400 saying why it cannot be ordered."""
    quote = book(store).get(number)
    if quote is None:
        raise validation("quoteNumber", "Quote %s not found" % number, number)
    if quote.status != READY:
        raise validation("quoteNumber", "Quote %s is not in Ready to Order status (%s)"
                         % (quote.number, quote.status), quote.number)
    if quote.expired(store.clock.now()):
        raise validation("quoteNumber", "Quote %s expired on %s"
                         % (quote.number, documents.day(quote.expires)), quote.number)
    return quote


def validate(store, request):
    number = request.arg("quoteNumber")
    if not number or not number.strip():
        raise validation("quoteNumber", "quoteNumber: Required field is missing")
    quote = orderable(store, number.strip())
    lines = []
    for index, (ipn, quantity, _) in enumerate(quote.products):
        attrs = []
        if catalog.PARTS[ipn].get("subscription"):
            attrs = [{"attributeName": "resellerCtacEmail", "attributeValue": "String",
                      "attributeDescription": "resellerContactEmailFlag"}]
        lines.append({"customerLineNumber": str(index + 1), "ingramPartNumber": ipn,
                      "quantity": quantity, "vmfAdditionalAttributesLines": attrs})
    return Response(200, {
        "quoteNumber": quote.number, "vendorName": quote.vendor,
        "vmfAdditionalAttributes": [{"attributeName": "VEND_AUTH_NBR_FLG",
                                     "attributeValue": "String",
                                     "attributeDescription": "Authorization Number"}],
        "lines": lines})


# -- quote to order ----------------------------------------------------------------------

def order_lines(store, number):
    """Request-like lines of an order placed from quote ``number`` (400 when it cannot be
    ordered); the caller's own lines are ignored, as documented."""
    quote = orderable(store, number)
    return [{"customerLineNumber": str(i + 1), "ingramPartNumber": ipn, "quantity": qty,
             "unitPrice": price} for i, (ipn, qty, price) in enumerate(quote.products)]


def converted(store, number, order):
    quote = book(store).get(number)
    if quote is not None:
        quote.status = CLOSED
        quote.closed_at = quote.modified = store.clock.now()
        quote.order_number = order.number
