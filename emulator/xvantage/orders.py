"""Order operations: create v6 (201/207) and v7 (async), details v6.1, modify, release,
cancel, plus ``bulk_create`` for tests that need thousands of orders."""

import random
import re

from ..http import Response
from . import catalog, quotes, views
from .common import attributes, fail, json_object, truthy, validation
from .state import HOLD

NOT_HELD = ("Order can not be modified/released. Order is already released or Order is not "
            "placed on Customer Hold")
NOT_HELD_DELETE = "Order can not be deleted as the order is not no hold."  # sic, as the API
ADDRESS_LIMITS = {"addressId": 10, "companyName": 40, "contact": 40, "addressLine1": 35,
                  "addressLine2": 35, "addressLine3": 35, "addressLine4": 35, "city": 25,
                  "state": 3, "postalCode": 10, "countryCode": 2}
US_ZIP = re.compile(r"^\d{5}(-?\d{4})?$")
CREATE_LIMITS = {"v6": 35, "v7": 18}
SIMULATE = ("IM::SHIPPED", "IM::PARTIALLY_SHIPPED", "IM::HOLD", "IM::INVOICED")


def register(router, store):
    router.add("POST", "/resellers/v6/orders", lambda r: create(store, r, "v6"))
    router.add("POST", "/resellers/v7/orders", lambda r: create(store, r, "v7"))
    router.add("GET", "/resellers/v6.1/orders/{ordernumber}", lambda r: details(store, r))
    router.add("PUT", "/resellers/v6/orders/{orderNumber}", lambda r: modify(store, r))
    router.add("DELETE", "/resellers/v6/orders/{OrderNumber}", lambda r: cancel(store, r))


# -- create ------------------------------------------------------------------------------

def _address(value, where):
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise validation(where, "%s must be an object" % where)
    return {k: (str(v) if v is not None and not isinstance(v, (dict, list)) else v)
            for k, v in value.items()}


def _address_problems(address):
    problems = ["%s exceeds %d characters" % (k, n) for k, n in ADDRESS_LIMITS.items()
                if address.get(k) is not None and len(str(address[k])) > n]
    postal = address.get("postalCode")
    if (address.get("countryCode") or "US").upper() == "US" and postal is not None and (
            not US_ZIP.match(str(postal))):
        problems.append("postalCode '%s' is not a US ZIP code" % postal)
    return problems


def _reject(item, code, reason, quantity=None):
    return {"customerLineNumber": item.get("customerLineNumber"),
            "ingramLineNumber": item.get("ingramLineNumber"),
            "ingramPartNumber": item.get("ingramPartNumber"),
            "vendorPartNumber": item.get("vendorPartNumber"),
            "quantityOrdered": quantity, "rejectCode": code, "rejectReason": reason}


def _quantity(item):
    """The line quantity, or None when it is missing, zero or not a number."""
    value = item.get("quantity")
    if value is None or isinstance(value, bool):
        return None
    try:
        number = int(str(value).strip().rstrip(","))
    except ValueError:
        return None
    return number if number > 0 else None


def accept_lines(raw_lines):
    """Splits request lines into ``(accepted [(item, ipn, qty)], rejected [...])``."""
    accepted, rejected = [], []
    for index, item in enumerate(raw_lines):
        if not isinstance(item, dict):
            raise validation("lines[%d]" % index, "line must be an object")
        ipn, _ = catalog.lookup(item.get("ingramPartNumber"), item.get("vendorPartNumber"))
        quantity = _quantity(item)
        if ipn is None:
            part = item.get("ingramPartNumber") or item.get("vendorPartNumber") or ""
            rejected.append(_reject(item, "EN", "SKU-NOTFOUND    %s" % part,
                                    _quantity(item)))
        elif quantity is None:
            rejected.append(_reject(item, "EQ", "ERROR-INVALID-QTY"))
        else:
            accepted.append((item, ipn, quantity))
    return accepted, rejected


def create(store, request, api):
    body = json_object(request)
    number = body.get("customerOrderNumber")
    if not number or not str(number).strip():
        raise validation("customerOrderNumber", "customerOrderNumber: Required field is missing")
    number = str(number)
    if len(number) > CREATE_LIMITS[api]:
        raise validation("customerOrderNumber", "customerOrderNumber exceeds %d characters"
                         % CREATE_LIMITS[api], number)
    # Quote to order (v7 only): the quote's parts, quantities and prices replace the lines.
    quote_number = str(body.get("quoteNumber") or "").strip() if api == "v7" else ""
    lines = quotes.order_lines(store, quote_number) if quote_number else body.get("lines")
    if not isinstance(lines, list) or not lines:
        raise validation("lines", "At least one line is required")
    attrs = attributes(body.get("additionalAttributes"))
    if store.by_customer_order_number(number) and not truthy(
            attrs.get("allowduplicatecustomerordernumber")):
        raise validation("customerOrderNumber", "Duplicate customer order number", number)
    ship_to = _address(body.get("shipToInfo"), "shipToInfo")
    problems = _address_problems(ship_to)
    if problems:
        raise validation("shipToInfo", "; ".join(problems))
    accepted, rejected = accept_lines(lines)
    if not accepted:
        raise fail(400, "Validation failed", [
            {"field": "lines", "value": r.get("ingramPartNumber") or r.get("vendorPartNumber"),
             "message": r["rejectReason"]} for r in rejected])
    hold = truthy(attrs.get("alloworderoncustomerhold"))
    with store.lock:
        order = store.new_order(number, hold=hold, api=api)
        order.end_customer_order_number = body.get("endCustomerOrderNumber")
        order.notes = body.get("notes")
        order.special_bid = body.get("specialBidNumber")
        order.bill_to_address_id = body.get("billToAddressId")
        order.ship_to = ship_to
        order.end_user = _address(body.get("endUserInfo"), "endUserInfo")
        for item, ipn, quantity in accepted:
            order.add_line(str(item.get("customerLineNumber") or "")[:3] or None, ipn,
                           quantity, notes=item.get("notes"),
                           special_bid=item.get("specialBidNumber"),
                           unit_price=item.get("unitPrice") if quote_number else None)
        order.rejected = rejected
        if api == "v7":
            order.confirmation_number = "US-I-T-%d%010d" % (int(store.clock.now()), order.seq)
        store.add(order)
        if quote_number:
            quotes.converted(store, quote_number, order)
        if not hold:
            catalog.stock(store).consume(order.lines)
    if api == "v7":
        return Response(200, {
            "quoteNumber": body.get("quoteNumber") or "",
            "confirmationNumber": order.confirmation_number,
            "message": "Thank you for submitting the order request, the request is "
                       "currently being processed. The order status will be notified via "
                       "the webhook configured for your application."})
    return Response(207 if rejected else 201, views.create_response(order, rejected))


def bulk_create(store, count, start=None, end=None, hold_every=0, prefix="BULK",
                parts=None, seed=0):
    """Creates ``count`` orders without HTTP, spread evenly over ``[start, end]``
    (epoch seconds; default: the last 10 days of emulator time). Every ``hold_every``-th
    order is placed on customer hold. Returns the order numbers."""
    now = store.clock.now()
    end = now if end is None else float(end)
    start = end - 10 * 86400 if start is None else float(start)
    rnd = random.Random(seed)
    names = list(parts or catalog.BULK_PARTS)
    step = (end - start) / max(1, count)
    numbers = []
    for i in range(int(count)):
        hold = bool(hold_every) and (i + 1) % hold_every == 0
        order = store.new_order("%s-%06d" % (prefix, i + 1), created=start + step * i,
                                hold=hold)
        for j in range(1 + i % 3):
            order.add_line(str(j + 1), rnd.choice(names), 1 + rnd.randrange(5))
        store.add(order)
        numbers.append(order.number)
    return numbers


# -- details -----------------------------------------------------------------------------

def _order(store, request, name):
    number = request.params[name]
    order = store.get(number)
    if order is None:
        raise fail(404, "Order not found.")
    return number, order


def details(store, request):
    number = request.params["ordernumber"]
    if len(number) > 12:
        raise validation("ordernumber", "ordernumber exceeds 12 characters", number)
    simulate = request.arg("simulateStatus")
    if simulate is not None and simulate.upper() not in SIMULATE:
        raise validation("simulateStatus", "simulateStatus must be one of %s"
                         % ", ".join(SIMULATE), simulate)
    number, order = _order(store, request, "ordernumber")
    sub = number.upper() if number.count("-") == 2 else None
    if sub is not None and sub not in dict(order.sub_orders()):
        raise fail(404, "Order not found.")
    return Response(200, views.detail(order, store.clock.now(), sub=sub,
                                      simulate=simulate.upper() if simulate else None))


# -- modify and release ------------------------------------------------------------------

def _require_hold(store, order):
    if not order.hold or order.phase_of(None, store.clock.now()) != HOLD:
        raise fail(400, "Validation failed", [{"field": None, "message": NOT_HELD}])


def modify(store, request):
    action = request.arg("actionCode")
    number, order = _order(store, request, "orderNumber")
    with store.lock:
        _require_hold(store, order)
        if action is not None:
            if action.lower() != "release":
                raise validation("actionCode", "Unsupported actionCode", action)
            order.released_at = order.modified_at = store.clock.now()
            catalog.stock(store).consume(order.lines)
            store.notify("released", order)
            return Response(200, views.modify_response(
                order, "PROCESSING", [], [], "Order released from customer hold"))
        body = json_object(request)
        response = _apply_changes(store, order, body)
    store.notify("modified", order)
    return response


def _find_line(order, item):
    key = item.get("ingramLineNumber")
    if key is not None:
        key = str(key).zfill(3)
        return next((li for li in order.lines if li.number == key), None)
    key = item.get("customerLineNumber")
    if key is not None:
        return next((li for li in order.lines if li.customer_number == str(key)), None)
    return None


def _apply_changes(store, order, body):
    changed, rejected, notes = [], [], []
    if body.get("notes") is not None:
        if len(str(body["notes"])) > 132:
            raise validation("notes", "notes exceeds 132 characters")
        order.notes = str(body["notes"])
        notes.append("notes updated")
    address_ok = True
    if body.get("shipToInfo") is not None:
        address = _address(body["shipToInfo"], "shipToInfo")
        problems = _address_problems(address)
        if problems:
            address_ok = False
            notes.append("Invalid details in shipping address, not changed: %s"
                         % "; ".join(problems))
        else:
            order.ship_to.update(address)
            notes.append("ship-to address updated")
    lines = body.get("lines") or []
    if not isinstance(lines, list):
        raise validation("lines", "lines must be an array")
    for item in lines:
        if not isinstance(item, dict):
            raise validation("lines", "line must be an object")
        what = str(item.get("addUpdateDeleteLine") or "").upper()
        quantity = _quantity(item)
        if what == "ADD":
            ipn, _ = catalog.lookup(item.get("ingramPartNumber"), item.get("vendorPartNumber"))
            if ipn is None:
                rejected.append(_reject(item, "EN", "ERROR-PART-NOT-FOUND",
                                        quantity))
            elif quantity is None:
                rejected.append(_reject(item, "EQ", "ERROR-INVALID-QTY"))
            else:
                changed.append(order.add_line(
                    str(item.get("customerLineNumber") or "")[:6] or None, ipn, quantity,
                    notes=item.get("notes")))
            continue
        line = _find_line(order, item)
        if what not in ("UPDATE", "DELETE"):
            raise validation("addUpdateDeleteLine", "addUpdateDeleteLine must be ADD, UPDATE "
                             "or DELETE", what)
        if line is None:
            rejected.append(_reject(item, "EL", "ERROR-LINE-NOT-FOUND", quantity))
        elif what == "DELETE":
            order.lines.remove(line)
            changed.append(line)
        elif quantity is None and item.get("quantity") is not None:
            rejected.append(_reject(item, "EQ", "ERROR-INVALID-QTY"))
        else:
            if quantity is not None:
                line.quantity = quantity
            if item.get("notes") is not None:
                line.notes = item["notes"]
            changed.append(line)
    order.modified_at = store.clock.now()
    if changed:
        notes.insert(0, "%d line(s) changed" % len(changed))
    if not address_ok:
        status = 207
    elif rejected:
        status = 200
    else:
        status = 201 if changed else 200
    return Response(status, views.modify_response(
        order, "ON HOLD", changed, [_modify_reject(r) for r in rejected],
        "; ".join(notes) or "no changes"))


def _modify_reject(item):
    return {k: item.get(k) for k in ("ingramLineNumber", "customerLineNumber",
                                     "ingramPartNumber", "vendorPartNumber",
                                     "quantityOrdered", "rejectCode", "rejectReason")}


# -- cancel ------------------------------------------------------------------------------

def cancel(store, request):
    number, order = _order(store, request, "OrderNumber")
    with store.lock:
        if not order.hold or order.phase_of(None, store.clock.now()) != HOLD:
            raise fail(405, NOT_HELD_DELETE)
        order.cancelled_at = store.clock.now()
    store.notify("cancelled", order)
    return Response(200, None)
