"""Normalised results of the Xvantage order operations.

The API's examples (which look like captured traffic) contradict its schemas: objects where
arrays are declared, strings where numbers are, ``im::``-prefixed and differently cased
statuses, and drifting key names. Everything an action returns passes through here, so a
workflow sees one shape whatever production sends.
"""

from ..core.errors import BadResponse
from ..core.values import as_int, as_list, as_number, pick

# Canonical statuses; the keys are the lower-cased variants the API uses across endpoints.
_STATUS = {
    "on hold": "ON HOLD", "onhold": "ON HOLD", "hold": "ON HOLD", "customer hold": "ON HOLD",
    "processing": "PROCESSING", "in progress": "PROCESSING", "inprogress": "PROCESSING",
    "open": "PROCESSING",
    "shipped": "SHIPPED", "partially shipped": "PARTIALLY SHIPPED",
    "partially_shipped": "PARTIALLY SHIPPED",
    "delivered": "DELIVERED", "invoiced": "INVOICED",
    "backordered": "BACKORDERED", "back ordered": "BACKORDERED",
    "cancelled": "CANCELLED", "canceled": "CANCELLED", "voided": "CANCELLED",
    "void": "CANCELLED", "closed": "CLOSED",
}


def status(value):
    """``im::shipped``, ``Shipped``, ``SHIPPED`` -> ``SHIPPED``; unknown values upper-cased."""
    if value is None:
        return None
    text = str(value).strip()
    if text.lower().startswith("im::"):
        text = text[4:]
    text = text.replace("_", " ").strip()
    key = " ".join(text.lower().split())
    if key.startswith("order "):
        key = key[6:]
    return _STATUS.get(key, key.upper() or None)


def _numbers(record, fields):
    for field in fields:
        if field in record:
            record[field] = as_number(record[field])
    return record


def _ints(record, fields):
    for field in fields:
        if field in record:
            record[field] = as_int(record[field])
    return record


# -- create ------------------------------------------------------------------------------

def rejected_line(item):
    return {
        "customerLineNumber": pick(item, "customerLineNumber", "customerLinenumber"),
        "ingramLineNumber": pick(item, "ingramLineNumber", "lineNumber"),
        "ingramPartNumber": pick(item, "ingramPartNumber"),
        "vendorPartNumber": pick(item, "vendorPartNumber"),
        "quantityOrdered": as_int(pick(item, "quantityOrdered", "quantity")),
        "rejectCode": pick(item, "rejectCode"),
        "rejectReason": " ".join(str(pick(item, "rejectReason") or "").split()) or None,
    }


def _created_line(line):
    line = dict(line) if isinstance(line, dict) else {}
    line["lineStatus"] = status(line.get("lineStatus"))
    _numbers(line, ("unitPrice", "extendedUnitPrice"))
    _ints(line, ("quantityOrdered", "quantityConfirmed", "quantityBackOrdered"))
    line["shipmentDetails"] = as_list(line.get("shipmentDetails"))
    line["additionalAttributes"] = as_list(line.get("additionalAttributes"))
    return line


def _created_order(order):
    order = dict(order) if isinstance(order, dict) else {}
    _numbers(order, ("orderTotal", "freightCharges", "totalTax"))
    _ints(order, ("numberOfLinesWithSuccess", "numberOfLinesWithError",
                  "numberOfLinesWithWarning"))
    order["lines"] = [_created_line(li) for li in as_list(order.get("lines"))]
    order["rejectedLineItems"] = [rejected_line(r) for r in
                                  as_list(order.get("rejectedLineItems"))]
    for key in ("miscellaneousCharges", "links", "additionalAttributes"):
        order[key] = as_list(order.get(key))
    return order


def describe_rejection(line):
    ref = line.get("customerLineNumber") or line.get("ingramLineNumber") or "?"
    part = line.get("ingramPartNumber") or line.get("vendorPartNumber") or "?"
    reason = line.get("rejectReason") or "no reason given"
    code = line.get("rejectCode")
    return "line %s (%s): %s%s" % (ref, part, reason, " [%s]" % code if code else "")


def require_body(reply, method, path, allow_empty=False):
    """A JSON object as the body (or, where the API documents it, no body at all);
    anything else -- an HTML page sent with 200, a truncated answer -- is ``BadResponse``."""
    if isinstance(reply.body, dict) or (allow_empty and reply.empty):
        return reply
    raise BadResponse("the answer is %s, not the JSON object the operation returns"
                      % ("empty" if reply.empty else type(reply.body).__name__
                         if reply.body is not None else "not JSON"),
                      status=reply.status, method=method, path=path,
                      correlation_id=reply.correlation_id, api="xvantage")


def require_created(reply, method, path, field):
    """``require_body``, and the body names what was created or read (``field``)."""
    require_body(reply, method, path)
    if pick(reply.body, field) in (None, ""):
        raise BadResponse("the answer has no %s" % field, status=reply.status,
                          method=method, path=path, correlation_id=reply.correlation_id,
                          api="xvantage")
    return reply


def create_result(http_status, body, correlation_id=None):
    """v6 create (201 or 207): which Ingram orders exist, which lines were rejected, why."""
    body = body if isinstance(body, dict) else {}
    orders = [_created_order(o) for o in as_list(body.get("orders"))]
    rejected = [r for o in orders for r in o["rejectedLineItems"]]
    accepted = sum(len(o["lines"]) for o in orders)
    numbers = [o.get("ingramOrderNumber") for o in orders if o.get("ingramOrderNumber")]
    partial = http_status == 207 or bool(rejected) or bool(body.get("processedPartially"))
    if rejected:
        summary = "%d line(s) accepted, %d rejected: %s" % (
            accepted, len(rejected), "; ".join(describe_rejection(r) for r in rejected))
    elif partial:
        summary = "order processed partially (HTTP %s); check the lines" % http_status
    else:
        summary = "all %d line(s) accepted" % accepted
    return {
        "httpStatus": http_status,
        "outcome": "partial" if partial else "accepted",
        "summary": summary,
        "customerOrderNumber": body.get("customerOrderNumber"),
        "ingramOrderNumbers": numbers,
        "orderSplit": bool(body.get("orderSplit")) or len(numbers) > 1,
        "processedPartially": bool(body.get("processedPartially")),
        "purchaseOrderTotal": as_number(body.get("purchaseOrderTotal")),
        "acceptedLineCount": accepted,
        "rejectedLineCount": len(rejected),
        "rejectedLines": rejected,
        "orders": orders,
        "reconciled": False,
        "correlationId": correlation_id,
    }


def async_create_result(http_status, body, correlation_id=None):
    body = body if isinstance(body, dict) else {}
    return {
        "httpStatus": http_status,
        "confirmationNumber": body.get("confirmationNumber"),
        "quoteNumber": body.get("quoteNumber") or None,
        "message": body.get("message"),
        "reconciled": False,
        "correlationId": correlation_id,
    }


def reconciled_result(customer_order_number, orders, cause):
    numbers = [o.get("ingramOrderNumber") for o in orders]
    return {
        "reconciled": True,
        "outcome": "existing",
        "summary": ("the create got no usable answer (%s), but order(s) %s with "
                    "customerOrderNumber '%s' exist; nothing was resubmitted"
                    % (cause, ", ".join(n for n in numbers if n), customer_order_number)),
        "customerOrderNumber": customer_order_number,
        "ingramOrderNumbers": numbers,
        "orders": orders,
    }


# -- details -----------------------------------------------------------------------------

def _tracking(item):
    item = dict(item) if isinstance(item, dict) else {}
    item["serialNumbers"] = [s if isinstance(s, dict) else {"serialNumber": s}
                             for s in as_list(item.get("serialNumbers"))]
    return item


def _carrier(item):
    item = dict(item) if isinstance(item, dict) else {}
    _ints(item, ("quantity",))
    item["trackingDetails"] = [_tracking(t) for t in as_list(item.get("trackingDetails"))]
    return item


def _shipment(item):
    item = dict(item) if isinstance(item, dict) else {}
    _ints(item, ("quantity",))
    item["carrierDetails"] = [_carrier(c) for c in as_list(item.get("carrierDetails"))]
    return item


def _detail_line(line):
    line = dict(line) if isinstance(line, dict) else {}
    line["lineStatusRaw"] = line.get("lineStatus")
    line["lineStatus"] = status(line.get("lineStatus"))
    _numbers(line, ("unitPrice", "extendedPrice", "taxAmount", "unitWeight"))
    _ints(line, ("quantityOrdered", "quantityConfirmed", "quantityBackOrdered"))
    line["shipmentDetails"] = [_shipment(s) for s in as_list(line.get("shipmentDetails"))]
    for key in ("additionalAttributes", "links", "estimatedDates", "scheduleLines",
                "multipleShipments"):
        line[key] = as_list(line.get(key))
    tracking, serials, invoices = [], [], []
    for shipment in line["shipmentDetails"]:
        if shipment.get("invoiceNumber") and shipment["invoiceNumber"] not in invoices:
            invoices.append(shipment["invoiceNumber"])
        for carrier in shipment["carrierDetails"]:
            for package in carrier["trackingDetails"]:
                if package.get("trackingNumber"):
                    tracking.append(package["trackingNumber"])
                serials.extend(s.get("serialNumber") for s in package["serialNumbers"]
                               if s.get("serialNumber"))
    line["trackingNumbers"] = tracking
    line["serialNumbers"] = serials
    line["invoiceNumbers"] = invoices
    return line


def order_detail(body, correlation_id=None):
    order = dict(body) if isinstance(body, dict) else {}
    order["orderStatusRaw"] = order.get("orderStatus")
    order["orderStatus"] = status(order.get("orderStatus"))
    _numbers(order, ("orderTotal", "orderSubTotal", "freightCharges", "totalTax", "totalFees",
                     "totalWeight"))
    order["lines"] = [_detail_line(li) for li in as_list(order.get("lines"))]
    for key in ("miscellaneousCharges", "additionalAttributes"):
        order[key] = as_list(order.get(key))
    order["subOrderNumbers"] = sorted({li.get("subOrderNumber") for li in order["lines"]
                                       if li.get("subOrderNumber")})
    order["correlationId"] = correlation_id
    return order


# -- search ------------------------------------------------------------------------------

def search_order(order):
    """A search row. Its header status is OPEN/CLOSED/CANCELLED; where every sub-order
    agrees, that shared (more telling) sub-order status is used instead."""
    order = dict(order) if isinstance(order, dict) else {}
    order["orderStatusRaw"] = order.get("orderStatus")
    order["orderTotalRaw"] = order.get("orderTotal")
    _numbers(order, ("orderTotal",))
    subs = []
    for sub in as_list(order.get("subOrders")):
        sub = dict(sub) if isinstance(sub, dict) else {}
        sub["subOrderStatusRaw"] = sub.get("subOrderStatus")
        sub["subOrderStatus"] = status(sub.get("subOrderStatus"))
        _numbers(sub, ("subOrderTotal",))
        sub["links"] = as_list(sub.get("links"))
        subs.append(sub)
    order["subOrders"] = subs
    order["links"] = as_list(order.get("links"))
    shared = {sub["subOrderStatus"] for sub in subs}
    raw = str(order["orderStatusRaw"] or "").strip().upper()
    if len(shared) == 1 and None not in shared:
        order["orderStatus"] = shared.pop()
    elif raw in ("OPEN", "CLOSED"):
        order["orderStatus"] = raw
    else:
        order["orderStatus"] = status(order["orderStatusRaw"])
    return order


def search_page(http_status, body, page_number, page_size):
    """One page. Only 204 means "no matches"; a 200 whose body is empty or not a JSON object
    (an HTML maintenance page, a truncated answer) raises ``BadResponse``, since reading it
    as an empty page would end a walk early. ``recordsFound`` is None when the API did not
    send a usable count; ``truncated`` then means "the page was full, more may follow"."""
    if http_status == 204:
        return {"orders": [], "count": 0, "recordsFound": 0, "pageNumber": page_number,
                "pageSize": page_size, "truncated": False}
    records = as_int(pick(body, "recordsFound"))
    records = records if isinstance(records, int) and not isinstance(records, bool) else None
    raw_orders = pick(body, "orders")
    if not isinstance(body, dict) or (raw_orders is None and records != 0):
        raise BadResponse("order search answered without an order list (page %d)"
                          % page_number, status=http_status, method="GET",
                          path="/resellers/v6/orders/search", api="xvantage")
    orders = [search_order(o) for o in as_list(raw_orders)]
    number = as_int(pick(body, "pageNumber"))
    number = number if isinstance(number, int) and number > 0 else page_number
    size = as_int(pick(body, "pageSize"))
    size = size if isinstance(size, int) and size > 0 else page_size
    truncated = (number * size < records) if records is not None else len(orders) >= size
    return {"orders": orders, "count": len(orders), "recordsFound": records,
            "pageNumber": number, "pageSize": size, "truncated": truncated}


def page_rows(http_status, body, list_keys, page, method, path, correlation_id=None):
    """``(rows, recordsFound or None)`` of one page of a search whose rows are under the
    first of ``list_keys`` present. Only 204 means "no matches"; a 200 without the list (an
    HTML page, a truncated answer) raises ``BadResponse``, since read as an empty page it
    would end a walk early."""
    if http_status == 204:
        return [], 0
    raw = None
    for key in list_keys:
        raw = pick(body, key)
        if raw is not None:
            break
    records = as_int(pick(body, "recordsFound", "totalRecords"))
    records = records if isinstance(records, int) and not isinstance(records, bool) else None
    if not isinstance(body, dict) or (raw is None and records != 0):
        raise BadResponse("the search answered without a '%s' list (page %d)"
                          % (list_keys[0], page), status=http_status, method=method,
                          path=path, correlation_id=correlation_id, api="xvantage")
    return as_list(raw), records


def last_page(page, page_number, page_size):
    """Whether a walk ends after ``page``: by ``recordsFound`` when the API sent it, else
    by a short page."""
    if not page["orders"]:
        return True
    if page["recordsFound"] is None:
        return len(page["orders"]) < page_size
    return page_number * page_size >= page["recordsFound"]


# -- modify, release ---------------------------------------------------------------------

def modify_result(http_status, body, correlation_id=None):
    body = dict(body) if isinstance(body, dict) else {}
    body["orderStatusRaw"] = body.get("orderStatus")
    body["orderStatus"] = status(body.get("orderStatus"))
    _numbers(body, ("orderTotal", "orderSubTotal", "freightCharges", "totalTax"))
    lines = []
    for line in as_list(body.get("lines")):
        line = dict(line) if isinstance(line, dict) else {}
        _ints(line, ("quantityOrdered", "quantityConfirmed", "quantityBackOrdered"))
        if line.get("ingramLineNumber") is None and line.get("lineNumber") is not None:
            line["ingramLineNumber"] = line["lineNumber"]
        if line.get("ingramLineNumber") is not None:
            line["ingramLineNumber"] = str(line["ingramLineNumber"])
        line["shipmentDetails"] = as_list(line.get("shipmentDetails"))
        lines.append(line)
    body["lines"] = lines
    if body.get("ingramOrderNumber") is None and body.get("orderNumber") is not None:
        body["ingramOrderNumber"] = body["orderNumber"]
    rejected = [rejected_line(r) for r in as_list(body.get("rejectedLineItems"))]
    body["rejectedLineItems"] = rejected
    body["additionalAttributes"] = as_list(body.get("additionalAttributes"))
    body["httpStatus"] = http_status
    body["outcome"] = "partial" if (rejected or http_status == 207) else "accepted"
    body["summary"] = ("%d change(s) rejected: %s" % (
        len(rejected), "; ".join(describe_rejection(r) for r in rejected)) if rejected
        else body.get("changeDescription") or "order modified")
    body["correlationId"] = correlation_id
    return body


def release_result(order_number, http_status, body, correlation_id=None):
    out = {"ingramOrderNumber": order_number, "released": True, "httpStatus": http_status,
           "correlationId": correlation_id}
    if isinstance(body, dict):
        out["orderStatus"] = status(body.get("orderStatus"))
        out["response"] = body
    return out
