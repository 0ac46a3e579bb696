"""Deals (special bids): ``GET /resellers/v6/deals/search`` and
``GET /resellers/v6/deals/{dealId}?vendorName=...`` (details require ``IM-ApplicationId``).

Seeded when the emulator starts, with received and expiry dates around its clock; one of
them is the special bid of a seeded quote, one has expired. ``daysRemaining`` counts down
as the clock moves.
"""

from ..http import Response
from . import catalog, documents
from .common import validation

SEARCH = "/resellers/v6/deals/search"
DETAILS = "/resellers/v6/deals/{dealId}"

documents.flat_routes(SEARCH, DETAILS)


class Deal(object):
    def __init__(self, deal_id, end_user, received, expires, products, version="1"):
        self.id = deal_id
        self.version = version
        self.end_user = end_user
        self.received = received
        self.expires = expires
        self.products = products  # [(ingramPartNumber, approved quantity, bid price)]

    @property
    def vendor(self):
        return catalog.PARTS[self.products[0][0]]["vendorName"]


class DealBook(object):
    def __init__(self, store):
        now = store.clock.now()
        day = documents.DAY
        start = documents.floor_day(now)
        self.deals = {}
        for deal in (
                Deal("9638445-1880", {"companyName": "JD ENTERPRISES", "contact": "JD",
                                      "addressLine1": "1 MAIN ST", "city": "IRVINE",
                                      "state": "CA", "postalCode": "92612",
                                      "countryCode": "US"},
                     start - 20 * day, start + 60 * day, [("DF4128", 50, 55.10),
                                                          ("2GZ200", 10, 140.0)], "2"),
                Deal("DL-20417", {"companyName": "STARK INDUSTRIES", "contact": "Pepper",
                                  "city": "NEW YORK", "state": "NY", "countryCode": "US"},
                     start - 5 * day, start + 25 * day, [("CD9807", 20, 799.0)]),
                Deal("DL-20418", {"companyName": "WAYNE ENTERPRISES", "contact": "Lucius",
                                  "city": "GOTHAM", "state": "NJ", "countryCode": "US"},
                     start - 3 * day, start + 90 * day, [("6YC337", 100, 289.0),
                                                         ("1C6094", 500, 12.5)]),
                Deal("DL-19001", {"companyName": "ACME CORP", "contact": "Wile",
                                  "city": "PHOENIX", "state": "AZ", "countryCode": "US"},
                     start - 120 * day, start - 2 * day, [("TXSLM3", 30, 79.0)])):
            self.deals[deal.id.upper()] = deal

    def get(self, deal_id):
        return self.deals.get(str(deal_id or "").strip().upper())


def book(store):
    return documents.state_of(store, "deals", DealBook)


def register(router, store):
    book(store)  # seeded on the emulator's start, not on the first request
    router.add("GET", SEARCH, lambda r: search(store, r))
    router.add("GET", DETAILS, lambda r: details(store, r))


def _link(deal):
    return {"topic": "Deals", "href": "/resellers/v6/deals/%s?vendorName=%s"
            % (deal.id, deal.vendor), "type": "GET"}


def row(deal):
    return {"dealId": deal.id, "version": deal.version,
            "endUser": deal.end_user.get("companyName"), "vendor": deal.vendor,
            "dealExpiryDate": documents.local_iso(deal.expires), "links": _link(deal)}


def detail(deal, now):
    remaining = max(0, int((deal.expires - now) // documents.DAY))
    products = []
    for ipn, quantity, price in deal.products:
        part = catalog.PARTS[ipn]
        msrp = float(part.get("retailPrice") or part["unitPrice"])
        products.append({
            "ingramPartNumber": ipn, "vendorPartNumber": part["vendorPartNumber"],
            "upc": part.get("upc") or None, "productDescription": part["description"],
            "msrp": msrp, "extendedMSRP": round(msrp * quantity, 2), "standardPrice": price,
            "approvedQuantity": quantity, "remainingQuantity": quantity,
            "startDate": documents.local_iso(deal.received),
            "expirationDate": documents.local_iso(deal.expires), "daysRemaining": remaining})
    return {
        "dealId": deal.id, "version": deal.version,
        "endUser": deal.end_user.get("companyName"),
        "extendedMsrp": round(sum(p["extendedMSRP"] for p in products), 2),
        "vendor": deal.vendor, "dealReceivedOn": documents.local_iso(deal.received),
        "dealExpiryDate": documents.local_iso(deal.expires),
        "priceProtectionEndDate": documents.local_iso(deal.expires), "currencyCode": "USD",
        "endUserInfo": dict(deal.end_user),
        "products": [{k: v for k, v in p.items() if v is not None} for p in products],
    }


def search(store, request):
    number, size = documents.page_args(request, "Size", "Page")
    wanted = {k: (request.arg(k) or "").strip().upper() or None
              for k in ("endUser", "vendor", "dealId")}
    rows = []
    for deal in book(store).deals.values():
        if wanted["dealId"] and wanted["dealId"] != deal.id.upper():
            continue
        if wanted["vendor"] and wanted["vendor"] not in deal.vendor.upper():
            continue
        if wanted["endUser"] and wanted["endUser"] not in (
                deal.end_user.get("companyName") or "").upper():
            continue
        rows.append(deal)
    rows.sort(key=lambda d: (d.expires, d.id))
    body = {"recordsFound": len(rows), "pageSize": size, "pageNumber": number,
            "deals": [row(d) for d in documents.page_of(rows, number, size)]}
    if number * size < len(rows):
        body["nextPage"] = "%s?Size=%d&Page=%d" % (SEARCH, size, number + 1)
    if number > 1:
        body["previousPage"] = "%s?Size=%d&Page=%d" % (SEARCH, size, number - 1)
    return Response(200, body)


def details(store, request):
    documents.require_header(request, "IM-ApplicationId")
    vendor = (request.arg("vendorName") or "").strip()
    if not vendor:
        raise validation("vendorName", "vendorName: Required field is missing")
    deal = book(store).get(request.params["dealId"])
    if deal is None or deal.vendor.upper() != vendor.upper():
        raise documents.not_found("Deal %s of vendor %s not found."
                                  % (request.params["dealId"], vendor))
    return Response(200, detail(deal, store.clock.now()))
