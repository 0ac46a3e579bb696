"""Looking before placing an Xvantage order: per line the price and stock (price and
availability), the vendor-required fields the order lacks (vendor-required info) and the
freight (freight estimate), then either a report (dry run) or a refusal when a line fails
the check.

Only reads are sent (the three POSTs change nothing), so a refused or dry-run order leaves
no trace at Ingram Micro and ``may_have_happened`` stays false.

What counts as given for a vendor-required field: an ``attributeName`` with a non-empty
``attributeValue`` in the order's ``additionalAttributes``, ``vmfAdditionalAttributes``,
``vmfVendorAdditionalAttributes`` or ``vriAdditionalAttributes``, or in the line's
``additionalAttributes``, ``vmfAdditionalAttributesLines`` or ``vriAdditionalAttributes``.
``HEADER_ENDUSER`` is the order's ``endUserInfo``.
"""

import math

from ..core.errors import ActionFailed, ParameterError, RequestError
from ..core.values import as_list, pick
from . import products

ADDRESS_FIELDS = ("companyName", "addressLine1", "addressLine2", "addressLine3", "city",
                  "state", "postalCode", "countryCode")
HEADER_FIELDS = ("additionalAttributes", "vmfAdditionalAttributes",
                 "vmfVendorAdditionalAttributes", "vriAdditionalAttributes")
LINE_FIELDS = ("additionalAttributes", "vmfAdditionalAttributesLines",
               "vriAdditionalAttributes")
END_USER_FIELD = "header_enduser"


def ceiling(name, value):
    """A positive amount in the order's currency, or None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParameterError(name, "must be a number, got %r" % (value,))
    if not math.isfinite(value) or value <= 0:
        raise ParameterError(name, "must be a positive amount, got %r" % (value,))
    return value


def _filled(value):
    return isinstance(value, dict) and any(v not in (None, "") for v in value.values())


def _given(items, names):
    for item in as_list(items):
        if not isinstance(item, dict):
            continue
        name = pick(item, "attributeName")
        if name is None and pick(item, "additionalAttributes") is not None:
            _given(pick(item, "additionalAttributes"), names)
            continue
        value = pick(item, "attributeValue")
        if name and value is not None and str(value).strip():
            names.add(str(name).strip().lower())


def given_fields(body, line):
    """Lower-cased names of the vendor fields ``line`` of ``body`` carries a value for."""
    names = set()
    for key in HEADER_FIELDS:
        _given(pick(body, key), names)
    for key in LINE_FIELDS:
        _given(pick(line, key), names)
    if _filled(pick(body, "endUserInfo")):
        names.add(END_USER_FIELD)
    return names


def _end_user_given(body, line):
    return _filled(pick(body, "endUserInfo")) or any(
        _filled(item) for item in as_list(pick(line, "endUserInfo")))


def _ref(line):
    ref = {key: line[key] for key in products.PART_FIELDS if line.get(key)}
    ref = dict(list(ref.items())[:1])  # the Ingram part number when both are given
    ref["quantity"] = line["quantity"]
    return ref


def _contact(body):
    for block in ("resellerInfo", "shipToInfo"):
        email = pick(pick(body, block) or {}, "email")
        if email and str(email).strip() and len(str(email).strip()) <= products.CONTACT_MAX:
            return str(email).strip()
    return None


def _freight(client, body, rows):
    """The freight estimate of the found lines, or ``(None, why not)``."""
    contact = _contact(body)
    if contact is None:
        return None, ("not estimated: the order has no resellerInfo.email or shipToInfo.email "
                      "(at most %d characters) to send as IM-CustomerContact"
                      % products.CONTACT_MAX)
    ship_to = pick(body, "shipToInfo") or {}
    request = {}
    if pick(ship_to, "addressId"):
        request["shipToAddressId"] = str(pick(ship_to, "addressId"))
    else:
        address = {k: str(ship_to[k]) for k in ADDRESS_FIELDS if ship_to.get(k)}
        if not address:
            return None, "not estimated: the order has no shipToInfo"
        request["shipToAddress"] = address
    if pick(body, "billToAddressId"):
        request["billToAddressId"] = str(pick(body, "billToAddressId"))
    carrier = pick(pick(body, "shipmentDetails") or {}, "carrierCode")
    lines = []
    for row in rows:
        if not row["found"] or not row.get("ingramPartNumber"):
            continue
        item = {"customerLineNumber": row["customerLineNumber"],
                "ingramPartNumber": row["ingramPartNumber"], "quantity": row["quantity"]}
        if carrier:
            item["carrierCode"] = carrier
        lines.append(item)
    if not lines:
        return None, "not estimated: no line names a known product"
    try:
        return products.freight_estimate(client, products.freight_body(lines, **request),
                                         contact), None
    except (RequestError, ParameterError) as exc:
        # Freight is reported, never checked: an estimate that fails leaves the rest of the
        # review standing.
        return None, "not estimated: %s" % exc


def review(client, body, max_unit_price=None, max_total=None):
    """The report of a dry run: every line with price, stock, vendor fields, problems."""
    lines = body["lines"]
    priced = products.price_and_availability(client, [_ref(line) for line in lines])
    parts = sorted({row["ingramPartNumber"] for row in priced["products"]
                    if row["found"] and row.get("ingramPartNumber")})
    required = {}
    if parts:
        info = products.vendor_required_info(client, [{"ingramPartNumber": p} for p in parts])
        for row in info["products"]:
            if row.get("ingramPartNumber"):
                required[str(row["ingramPartNumber"]).upper()] = row
    rows = []
    for line, price in zip(lines, priced["products"]):
        rows.append(_line_report(body, line, price, required, max_unit_price))
    merchandise = round(sum(r.get("extendedPrice") or 0 for r in rows), 2)
    freight, freight_note = _freight(client, body, rows)
    total = merchandise
    if freight and isinstance(freight.get("totalFreightAmount"), (int, float)):
        total = round(merchandise + freight["totalFreightAmount"], 2)
    problems = []
    if max_total is not None and total > max_total:
        problems.append("estimated total %.2f is over max_total %.2f" % (total, max_total))
    failing = [r for r in rows if r["problems"]]
    report = {"customerOrderNumber": body.get("customerOrderNumber"), "lines": rows,
              "merchandiseTotal": merchandise, "freight": freight,
              "estimatedTotal": total, "currencyCode": _currency(rows, freight),
              "problems": problems, "failingLines": [_failing(r) for r in failing],
              "passed": not failing and not problems}
    if freight_note:
        report["freightNote"] = freight_note
    return report


def _currency(rows, freight):
    for row in rows:
        if row.get("currencyCode"):
            return row["currencyCode"]
    return (freight or {}).get("currencyCode")


def _line_report(body, line, price, required, max_unit_price):
    quantity = line["quantity"]
    out = {"customerLineNumber": line.get("customerLineNumber"),
           "ingramPartNumber": price.get("ingramPartNumber") or line.get("ingramPartNumber"),
           "vendorPartNumber": price.get("vendorPartNumber") or line.get("vendorPartNumber"),
           "description": price.get("description"), "quantity": quantity,
           "found": price["found"], "problems": []}
    if not price["found"]:
        out["problems"].append("unknown product: %s" % (price.get("message") or "not found"))
        return out
    unit = price.get("customerPrice")
    out.update({"unitPrice": unit, "currencyCode": price.get("currencyCode"),
                "extendedPrice": price.get("extendedPrice"),
                "totalAvailable": price.get("totalAvailable"),
                "enoughStock": price.get("enoughStock"),
                "acceptBackOrder": price.get("acceptBackOrder"),
                "warehouses": price.get("warehouses", [])})
    stock = price.get("totalAvailable")
    if isinstance(stock, int) and stock < quantity:
        backorder = pick(body, "acceptBackOrder") is True and price.get("acceptBackOrder")
        out["backOrdered"] = bool(backorder)
        if not backorder:
            out["problems"].append("out of stock everywhere (%d requested)" % quantity
                                   if stock == 0 else "only %d in stock (%d requested)"
                                   % (stock, quantity))
    if max_unit_price is not None:
        if not isinstance(unit, (int, float)):
            out["problems"].append("no price to compare with max_unit_price")
        elif unit > max_unit_price:
            out["problems"].append("unit price %.2f is over max_unit_price %.2f"
                                   % (unit, max_unit_price))
    info = required.get(str(out["ingramPartNumber"] or "").upper()) or {}
    needed = info.get("required", [])
    given = given_fields(body, line)
    missing = [name for name in needed if name.lower() not in given]
    out["vendorRequiredFields"] = needed
    out["missingVendorFields"] = missing
    if missing:
        out["problems"].append("missing vendor-required fields: %s" % ", ".join(missing))
    if price.get("endUserInfoRequired") and not _end_user_given(body, line):
        out["missingEndUserInfo"] = True
        out["problems"].append("end-user info is required (endUserInfo)")
    return out


def _failing(row):
    return {"customerLineNumber": row["customerLineNumber"],
            "ingramPartNumber": row["ingramPartNumber"], "problems": row["problems"]}


def place(client, body, create, dry_run=False, check=False, max_unit_price=None,
          max_total=None):
    """``create(body)``, after the review the caller asked for.

    ``dry_run`` returns the review and sends nothing. ``check`` (turned on by either
    ceiling too, so a ceiling is never silently ignored) refuses the order with
    ``order_check_failed`` when a line or the total fails; no create is sent then.
    """
    max_unit_price = ceiling("max_unit_price", max_unit_price)
    max_total = ceiling("max_total", max_total)
    check = check or max_unit_price is not None or max_total is not None
    if not dry_run and not check:
        return create(body)
    if body.get("quoteNumber") or not body.get("lines"):
        raise ParameterError("dry_run" if dry_run else "check",
                             "reviews the order's lines; a quote order takes its lines and "
                             "prices from the quote, so there is nothing to review")
    report = review(client, body, max_unit_price, max_total)
    if dry_run:
        report["dryRun"] = True
        return report
    if not report["passed"]:
        reasons = ["line %s (%s): %s" % (f["customerLineNumber"], f["ingramPartNumber"],
                                         "; ".join(f["problems"]))
                   for f in report["failingLines"]] + report["problems"]
        raise ActionFailed("order_check_failed", "order not placed: " + "; ".join(reasons),
                           data={"check": report})
    result = create(body)
    result["check"] = {"passed": True, "merchandiseTotal": report["merchandiseTotal"],
                       "estimatedTotal": report["estimatedTotal"],
                       "freight": report["freight"]}
    return result
