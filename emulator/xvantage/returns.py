"""Returns: ``GET /resellers/v6/returns/search``, ``GET /resellers/v6/returns/{caseRequestNumber}``
and ``POST /resellers/v6/returns/create``.

A return is made against an invoice of the emulator (``invoices.py``: a shipped sub-order)
for a part on it, at most the quantity invoiced less what earlier returns took. Each list
item becomes one case, "Open" when created; ``APPROVAL_DELAY`` later on the emulator clock
it is "Approved" with an RMA claim id and its credit, and ``modifiedOn`` moves to that
instant (so ``modifiedOn-bt`` finds returns that changed). Nothing stops the same request
from being sent twice: it then makes two cases, as a real write would.
"""

import threading

from ..http import Response
from . import catalog, documents, invoices
from .common import fail, json_object

SEARCH = "/resellers/v6/returns/search"
DETAILS = "/resellers/v6/returns/{caseRequestNumber}"
CREATE = "/resellers/v6/returns/create"
APPROVAL_DELAY = 48 * 3600.0
OPEN, APPROVED = "Open", "Approved"
WAREHOUSE = "Ingram Micro Returns (ref RMA#)\n82 Micro Drive\nJonestown, PA 17038\n"
REASONS = (("partial", "(SS) Short Shipment"), ("not received", "(SS) Short Shipment"),
           ("damaged", "(DM) Damaged from Carrier"), ("defective", "(DF) Defective Items"),
           ("wrong", "(WW) Wrong Warehouse"), ("price", "(PR) Pricing Error"))
DEFAULT_REASON = "(CS ) Customer Service Discretion"
ADDRESS_REQUIRED = ("companyName", "contact", "addressLine1", "city", "state", "postalCode",
                    "countryCode", "email")
SORTS = {"createdon": lambda c, now: c.created, "modifiedon": lambda c, now: c.modified(now),
         "caserequestnumber": lambda c, now: c.number,
         "referencenumber": lambda c, now: c.reference,
         "estimatedtotalvalue": lambda c, now: c.total}

documents.flat_routes(SEARCH, DETAILS, CREATE)


class Case(object):
    def __init__(self, number, created, item, invoice, line, quantity, reason):
        self.number = number
        self.created = created
        self.reference = item.get("referenceNumber") or ""
        self.notes = item.get("notes")
        self.primary = item.get("primaryReason")
        self.secondary = item.get("secondaryReason")
        self.invoice = invoice
        self.line = line
        self.quantity = quantity
        self.reason = reason
        self.boxes = item.get("numberOfBoxes")
        self.ship_from = item.get("shipFromInfo")

    @property
    def total(self):
        return round(self.line.unit_price * self.quantity, 2)

    def approved(self, now):
        return now >= self.created + APPROVAL_DELAY

    def modified(self, now):
        return self.created + APPROVAL_DELAY if self.approved(now) else self.created

    def status(self, now):
        return APPROVED if self.approved(now) else OPEN

    def claim_id(self, now):
        if not self.approved(now):
            return ""
        return "20-R%s-%s" % (self.number.split("-")[1], self.line.number[-2:])


class ReturnBook(object):
    def __init__(self, store):
        self.lock = threading.Lock()
        self.cases = {}
        self._seq = 8900

    def returned(self, invoice_number, line_number):
        return sum(c.quantity for c in self.cases.values()
                   if c.invoice.number == invoice_number and c.line.number == line_number)

    def new_number(self):
        self._seq += 1
        letters = "".join("BCDFGHJKLMNPQRSTVWXZ"[(self._seq * k) % 20] + str((self._seq + k) % 10)
                          for k in (3, 7, 11))
        return "CAS-%05d-%s-1" % (self._seq, letters)

    def get(self, number):
        return self.cases.get(str(number or "").strip().upper())


def book(store):
    return documents.state_of(store, "returns", ReturnBook)


def register(router, store):
    router.add("GET", SEARCH, lambda r: search(store, r))
    router.add("POST", CREATE, lambda r: create(store, r))
    router.add("GET", DETAILS, lambda r: details(store, r))


# -- views -------------------------------------------------------------------------------

def _links(case):
    return [{"topic": "returnsClaimsDetails", "href": "/resellers/v6/returns/%s" % case.number,
             "type": "GET"}]


def _credit(case, now):
    return case.total if case.approved(now) else None


def row(case, now):
    out = {"returnClaimId": case.claim_id(now), "caseRequestNumber": case.number,
           "createdOn": documents.iso(case.created), "type": "Claim",
           "returnReason": case.reason, "referenceNumber": case.reference,
           "estimatedTotalValue": case.total, "credit": _credit(case, now),
           "modifiedOn": documents.iso(case.modified(now)), "status": case.status(now),
           "links": _links(case)}
    return {k: v for k, v in out.items() if v is not None}


def created_row(case, now):
    out = {"rmaClaimId": case.claim_id(now), "caseRequestNumber": case.number,
           "referenceNumber": case.reference, "createdOn": documents.day(case.created),
           "type": "CLAIM", "returnReason": case.reason,
           "ingramPartNumber": case.line.part_number,
           "vendorPartNumber": case.line.part["vendorPartNumber"], "quantity": case.quantity,
           "notes": case.notes, "estimatedTotalValue": case.total, "status": case.status(now),
           "links": _links(case)}
    return {k: v for k, v in out.items() if v is not None}


def detail(case, now):
    line, invoice = case.line, case.invoice
    product = {"ingramLineNumber": int(line.number), "description": line.part["description"],
               "ingramPartNumber": line.part_number,
               "vendorPartNumber": line.part["vendorPartNumber"],
               "upc": line.part.get("upc") or None,
               "invoiceDate": documents.iso(invoice.shipped_at),
               "invoiceNumber": invoice.number,
               "customerOrderNumber": invoice.order.customer_order_number,
               "quantity": case.quantity, "unitPrice": round(line.unit_price, 2),
               "extendedPrice": case.total, "status": case.status(now), "returnBranch": "96",
               "shipFromBranch": line.warehouse}
    return {"typeOfDetails": "Claim", "rmaClaimId": case.claim_id(now),
            "caseRequestNumber": case.number, "createdOn": documents.iso(case.created),
            "returnReason": case.reason, "referenceNumber": case.reference,
            "status": case.status(now), "returnWarehouseAddress": WAREHOUSE,
            "products": [{k: v for k, v in product.items() if v is not None}],
            "subTotal": case.total, "tax": 0.0, "additionalFees": 0.0,
            "estimatedTotal": case.total}


# -- create ------------------------------------------------------------------------------

def _problem(problems, field, message, value=None):
    problems.append({"field": field, "message": message,
                     "value": None if value is None else str(value)})


def _reason(item):
    text = ("%s %s" % (item.get("primaryReason") or "", item.get("secondaryReason") or "")
            ).lower()
    return next((code for word, code in REASONS if word in text), DEFAULT_REASON)


def _check_item(store, returns, item, index, now, pending, problems):
    """``(invoice, line, quantity)`` of a valid item, else None with ``problems`` added."""
    where = "list[%d]." % index
    before = len(problems)
    for name in ("invoiceNumber", "invoiceDate", "primaryReason", "secondaryReason"):
        if not str(item.get(name) or "").strip():
            _problem(problems, where + name, "Required field is missing")
    quantity = item.get("quantity")
    if isinstance(quantity, bool) or not isinstance(quantity, (int, str)) or not str(
            quantity).strip().isdigit() or int(str(quantity).strip()) < 1:
        _problem(problems, where + "quantity", "quantity must be a positive integer",
                 quantity)
    boxes = item.get("numberOfBoxes")
    if isinstance(boxes, bool) or not str(boxes if boxes is not None else "").strip().isdigit():
        _problem(problems, where + "numberOfBoxes", "numberOfBoxes must be an integer", boxes)
    ship_from = item.get("shipFromInfo")
    if not isinstance(ship_from, list) or not ship_from or not isinstance(ship_from[0], dict):
        _problem(problems, where + "shipFromInfo", "Required field is missing")
    else:
        for name in ADDRESS_REQUIRED:
            if not str(ship_from[0].get(name) or "").strip():
                _problem(problems, where + "shipFromInfo." + name, "Required field is missing")
    if not (item.get("ingramPartNumber") or item.get("vendorPartNumber")):
        _problem(problems, where + "ingramPartNumber",
                 "Either ingramPartNumber or vendorPartNumber is required")
    if len(problems) > before:
        return None
    invoice = invoices.find(store, item["invoiceNumber"], now)
    if invoice is None:
        _problem(problems, where + "invoiceNumber", "Invoice not found", item["invoiceNumber"])
        return None
    try:
        day = documents.parse_day(str(item["invoiceDate"]), where + "invoiceDate")
    except Exception:
        day = None
    if day != documents.floor_day(invoice.shipped_at):
        _problem(problems, where + "invoiceDate", "invoiceDate does not match the invoice "
                 "(%s)" % documents.day(invoice.shipped_at), item["invoiceDate"])
        return None
    ipn, _ = catalog.lookup(item.get("ingramPartNumber"), item.get("vendorPartNumber"))
    line = next((li for li in invoice.lines if li.part_number == ipn), None)
    if line is None:
        _problem(problems, where + "ingramPartNumber", "Part is not on invoice %s"
                 % invoice.number, item.get("ingramPartNumber") or item.get("vendorPartNumber"))
        return None
    quantity = int(str(quantity).strip())
    key = (invoice.number, line.number)
    left = line.quantity - returns.returned(*key) - pending.get(key, 0)
    if quantity > left:
        _problem(problems, where + "quantity", "Only %d left to return on invoice %s"
                 % (max(0, left), invoice.number), quantity)
        return None
    pending[key] = pending.get(key, 0) + quantity
    return invoice, line, quantity


def create(store, request):
    body = json_object(request)
    items = body.get("list")
    if not isinstance(items, list) or not items:
        raise fail(400, "Validation failed",
                   [{"field": "list", "message": "Required field is missing"}])
    returns = book(store)
    now = store.clock.now()
    problems, checked, pending = [], [], {}
    with returns.lock:
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                _problem(problems, "list[%d]" % index, "must be an object")
                continue
            checked.append((item, _check_item(store, returns, item, index, now, pending,
                                              problems)))
        if problems:
            raise fail(400, "Validation failed", problems)
        cases = []
        for item, (invoice, line, quantity) in checked:
            case = Case(returns.new_number(), now, item, invoice, line, quantity,
                        _reason(item))
            returns.cases[case.number] = case
            cases.append(case)
    return Response(200, {"returnsClaims": [created_row(c, now) for c in cases]})


# -- search and details ------------------------------------------------------------------

def search(store, request):
    now = store.clock.now()
    number, size = documents.page_args(request, "size", "page")
    text = {k: (request.arg(k) or "").strip().upper() or None
            for k in ("caseRequestNumber", "invoiceNumber", "returnClaimId",
                      "referenceNumber", "ingramPartNumber", "vendorPartNumber")}
    statuses = documents.in_list(request, "returnStatus-in")
    claims = documents.in_list(request, "claimStatus-in")
    reasons = documents.in_list(request, "returnReason-in")
    created = documents.day_range(request, "createdOn-bt")
    modified = documents.day_range(request, "modifiedOn-bt")
    column, direction = _sorting(request)
    rows = []
    for case in list(book(store).cases.values()):
        values = {"caseRequestNumber": case.number, "invoiceNumber": case.invoice.number,
                  "returnClaimId": case.claim_id(now), "referenceNumber": case.reference,
                  "ingramPartNumber": case.line.part_number,
                  "vendorPartNumber": case.line.part["vendorPartNumber"]}
        if any(want and want != (values[k] or "").upper() for k, want in text.items()):
            continue
        status = case.status(now).upper()
        if (statuses and status not in statuses) or (claims and status not in claims):
            continue
        if reasons and not any(r in case.reason.upper() for r in reasons):
            continue
        if created and not created[0] <= case.created < created[1]:
            continue
        if modified and not modified[0] <= case.modified(now) < modified[1]:
            continue
        rows.append(case)
    key = SORTS[column]
    rows.sort(key=lambda c: (key(c, now), c.number), reverse=direction == "desc")
    body = {"recordsFound": len(rows), "pageSize": size, "pageNumber": number,
            "returnsClaims": [row(c, now) for c in documents.page_of(rows, number, size)]}
    if number * size < len(rows):
        body["nextPage"] = "%s?page=%d&size=%d" % (SEARCH, number + 1, size)
    if number > 1:
        body["previousPage"] = "%s?page=%d&size=%d" % (SEARCH, number - 1, size)
    return Response(200, body)


def _sorting(request):
    column = (request.arg("sortingColumnName") or "").strip()
    direction = (request.arg("sort") or "").strip()
    if direction and direction.lower() not in ("asc", "desc") and not column:
        column, direction = direction, ""
    column = (column or "createdOn").lower()
    direction = (direction or "desc").lower()
    if column not in SORTS:
        raise fail(400, "Validation failed", [{
            "field": "sortingColumnName", "value": column,
            "message": "sortingColumnName must be createdOn, modifiedOn, caseRequestNumber, "
                       "referenceNumber or estimatedTotalValue"}])
    if direction not in ("asc", "desc"):
        raise fail(400, "Validation failed",
                   [{"field": "sort", "value": direction, "message": "sort must be asc or desc"}])
    return column, direction


def details(store, request):
    case = book(store).get(request.params["caseRequestNumber"])
    if case is None:
        raise documents.not_found("Return %s not found." % request.params["caseRequestNumber"])
    return Response(200, detail(case, store.clock.now()))
