"""Product catalog operations: search, the two details reads, price and availability, and
vendor-required info. Every answer comes from :mod:`catalog`, and availability from the
stock that released orders consume, so a part reads the same everywhere.

Bodies are typed as the SDK's models type them (strings where the search model says
string, ``warehouseId`` as a string, ``HasReturnLimits``/``IsBackOrderAllowed`` spelt as
the SDK spells them); see the reference notes on where the spec's examples differ.
"""

from ..http import HttpError, Response
from . import catalog
from .common import error_id, fail, json_object, validation
from .search import paging
from .state import BACKORDER_DELAY

MAX_PRICE_PRODUCTS = 50
PART_LIMIT = 6
SEARCH_TYPES = ("IM::PHYSICAL", "IM::DIGITAL", "IM::ANY", "IM::SUBSCRIPTION")
DETAILS = "/resellers/v6/catalog/details"
PRICE_AND_AVAILABILITY = "/resellers/v6/catalog/priceandavailability"
HEAVY_LB = 50.0


def register(router, store):
    router.add("GET", "/resellers/v6/catalog", lambda r: search(store, r))
    router.add("GET", DETAILS + "/{ingramPartNumber}", lambda r: details(store, r))
    router.add("GET", DETAILS, lambda r: details_cmp(store, r))
    router.add("POST", PRICE_AND_AVAILABILITY, lambda r: price_and_availability(store, r))
    router.add("POST", "/resellers/v7/vendorrequiredinfo",
               lambda r: vendor_required_info(store, r))


def not_found():
    # The spec's example carries a numeric id, which the SDK's error model cannot read.
    return HttpError(404, "No Records Found", body={"errors": [
        {"id": error_id(), "type": "Validation error", "message": "No Records Found"}]})


def flag(value):
    return "true" if value else "false"


def is_digital(part):
    return bool(part.get("subscription"))


def _values(request, name):
    """A repeatable query parameter: repeated keys, each also split on commas."""
    out = []
    for value in request.args(name):
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return out


def _bool_arg(request, name, required=False):
    value = request.arg(name)
    if value is None or value == "":
        if required:
            raise validation(name, "%s: Required field is missing" % name)
        return None
    text = value.strip().lower()
    if text not in ("true", "false"):
        raise validation(name, "%s must be true or false" % name, value)
    return text == "true"


# -- search ------------------------------------------------------------------------------

def _matches_keyword(ipn, part, keyword):
    word = keyword.lower()
    exact = (ipn.lower(), part["vendorPartNumber"].lower(), (part.get("upc") or "").lower())
    loose = (part["description"].lower(), part["vendorName"].lower())
    return word in exact or any(word in text for text in loose)


def _search_parts(request):
    kind = (request.arg("type") or "").strip().upper()
    if kind and kind not in SEARCH_TYPES:
        raise validation("type", "type must be one of IM::physical, IM::digital, IM::any",
                         request.arg("type"))
    keywords = _values(request, "keyword")
    vendors = {v.lower() for v in _values(request, "vendor")}
    vendor_parts = {v.upper() for v in _values(request, "vendorPartNumber")}
    vendor_number = (request.arg("vendorNumber") or "").strip()
    category = (request.arg("category") or "").strip().lower()
    discounts = request.arg("hasDiscounts")
    discounts = None if not discounts else discounts.strip().lower() == "true"
    out = []
    for ipn, part in sorted(catalog.PARTS.items()):
        digital = is_digital(part)
        if kind == "IM::PHYSICAL" and digital or kind in ("IM::DIGITAL",
                                                         "IM::SUBSCRIPTION") and not digital:
            continue
        # Several keywords (repeated keys) widen the search: a part matching any of them.
        if keywords and not any(_matches_keyword(ipn, part, k) for k in keywords):
            continue
        if vendors and part["vendorName"].lower() not in vendors:
            continue
        if vendor_parts and part["vendorPartNumber"].upper() not in vendor_parts:
            continue
        if vendor_number and vendor_number != part.get("vendorNumber"):
            continue
        names = (part.get("category", "").lower(), part.get("subCategory", "").lower())
        if category and category not in names:
            continue
        if discounts is not None and bool(part.get("hasDiscounts")) != discounts:
            continue
        out.append((ipn, part))
    return out


def search_row(ipn, part):
    return {
        "description": part["description"],
        "category": part.get("category", ""),
        "subCategory": part.get("subCategory", ""),
        "productType": "",
        "ingramPartNumber": ipn,
        "vendorPartNumber": part["vendorPartNumber"],
        "upcCode": part.get("upc", ""),
        "vendorName": part["vendorName"],
        "endUserRequired": flag(part.get("endUserRequired")),
        "hasDiscounts": flag(part.get("hasDiscounts")),
        "type": "IM::Digital" if is_digital(part) else "IM::Physical",
        "discontinued": flag(part.get("discontinued")),
        "newProduct": "false",
        "directShip": "false",
        "hasWarranty": flag(part.get("hasWarranty")),
        "extraDescription": part["description"].title(),
        "replacementSku": "",
        "authorizedToPurchase": "true",
        "links": [{"topic": "catalog", "href": "%s/%s" % (DETAILS, ipn), "type": "GET"}],
    }


def _plan(ipn, part):
    return {
        "planId": part["planId"],
        "planName": part["planName"],
        "planDescription": part["description"].title(),
        "subscriptionPeriodSummary": [_period(part)],
        "links": [{"topic": "catalog", "href": PRICE_AND_AVAILABILITY, "type": "POST"},
                  {"topic": "catalog", "href": "%s?planId=%s" % (DETAILS, part["planId"]),
                   "type": "GET"}],
    }


def _period(part):
    months = int(part.get("termMonths") or 1)
    if months % 12 == 0:
        return {"subscriptionPeriodUnit": "YEAR", "subscriptionPeriod": str(months // 12)}
    return {"subscriptionPeriodUnit": "MONTH", "subscriptionPeriod": str(months)}


def _subscription_entries(request, parts):
    group = (request.arg("groupName") or "").strip().lower()
    plan_id = (request.arg("planID") or "").strip()
    groups = {}
    for ipn, part in parts:
        if not is_digital(part):
            continue
        if group and part["groupName"].lower() != group:
            continue
        if plan_id and part["planId"] != plan_id:
            continue
        groups.setdefault(part["groupName"], []).append((ipn, part))
    entries = []
    show_groups = _bool_arg(request, "showGroupInfo")
    for name, members in sorted(groups.items()):
        if show_groups:
            entries.append({
                "groupName": name,
                "groupDescription": "Plans of %s" % name,
                "numberOfPlans": str(len(members)),
                "link": "/resellers/v6/catalog?pageSize=25&pageNumber=1&groupName=%s"
                        "&showGroupInfo=false" % name})
        else:
            entries.append({"groupName": name, "plans": [_plan(i, p) for i, p in members]})
    return entries


def search(store, request):
    number, size = paging(request)
    parts = _search_parts(request)
    subscription = ((request.arg("type") or "").strip().upper() == "IM::SUBSCRIPTION" or
                    any(request.arg(k) for k in ("groupName", "planID", "showGroupInfo")))
    if subscription:
        rows, key = _subscription_entries(request, parts), "subscriptionCatalog"
    else:
        rows, key = [search_row(ipn, part) for ipn, part in parts], "catalog"
    if not rows:
        raise not_found()
    body = {"recordsFound": len(rows), "pageSize": size, "pageNumber": number,
            key: rows[(number - 1) * size:number * size]}
    body["nextPage"] = "/resellers/v6/catalog?[original_parameters]&pageNumber=%d" % (number + 1)
    body["previousPage"] = ("/resellers/v6/catalog?[original_parameters]&pageNumber=%d"
                            % max(1, number - 1))
    return Response(200, body)


# -- details -----------------------------------------------------------------------------

def indicators(part):
    digital = is_digital(part)
    return {
        "hasWarranty": bool(part.get("hasWarranty")),
        "isNewProduct": False,
        "HasReturnLimits": False,
        "IsBackOrderAllowed": part.get("acceptBackOrder", True),
        "isShippedFromPartner": False,
        "isReplacementProduct": False,
        "isDirectship": False,
        "isDownloadable": digital,
        "isDigitalType": digital,
        "skuType": "M",
        "hasStdSpecialPrice": False,
        "hasAcopSpecialPrice": False,
        "hasAcopQuantityBreak": bool(part.get("hasDiscounts")),
        "hasStdWebDiscount": bool(part.get("hasDiscounts")),
        "hasSpecialBid": False,
        "isExportableToCountry": False,
        "isDiscontinuedProduct": bool(part.get("discontinued")),
        "isRefurbishedProduct": False,
        "isReturnableProduct": not digital,
        "isIngramShip": not digital,
        "isEnduserRequired": bool(part.get("endUserRequired")),
        "isHeavyWeight": part.get("weight", 0) >= HEAVY_LB,
        "hasLtl": False,
        "isClearanceProduct": False,
        "hasBundle": False,
        "isOversizeProduct": False,
        "isPreorderProduct": False,
        "isLicenseProduct": digital or part.get("category") == "Software",
        "isDirectshipOrderable": True,
        "isServiceSku": False,
        "isConfigurable": False,
    }


def subscription_details(ipn, part):
    billing = _period(part)
    return {
        "planId": part["planId"],
        "planName": part["planName"],
        "planDescription": part["description"].title(),
        "groups": [{"groupName": part["groupName"],
                    "groupDescription": "Plans of %s" % part["groupName"]}],
        "subscriptionPeriod": [_period(part)],
        "billingPeriod": {"billingPeriod": billing["subscriptionPeriod"],
                          "billingPeriodUnit": billing["subscriptionPeriodUnit"]},
        "options": [{"resourceId": part["resourceId"], "resourceName": part["planName"],
                     "vendorPartNumber": part["vendorPartNumber"], "minUnits": "1",
                     "maxUnits": "300"}],
        "links": [{"topic": "catalog", "href": PRICE_AND_AVAILABILITY, "type": "POST"}],
        "nextPage": "",
        "previousPage": "",
    }


def detail(ipn, part):
    body = {
        "ingramPartNumber": ipn,
        "vendorPartNumber": part["vendorPartNumber"],
        "productAuthorized": "True",
        "description": part["description"],
        "upc": part.get("upc", ""),
        "productCategory": part.get("category", ""),
        "productSubcategory": part.get("subCategory", ""),
        "vendorName": part["vendorName"],
        "vendorNumber": part.get("vendorNumber", ""),
        "indicators": indicators(part),
        "warrantyInformation": ["1 YEAR VENDOR WARRANTY"] if part.get("hasWarranty") else [],
        "additionalInformation": {
            "productWeight": [{"plantId": "US01", "weight": part.get("weight", 0.0),
                               "weightUnit": "LB"}],
            "isBulkFreight": False,
            "netWeight": "%s lb" % part.get("weight", 0.0),
            "dimensionUnit": "IN",
        },
    }
    if part["vendorName"] == "CISCO":
        body["ciscoFields"] = {"productSubGroup": part.get("subCategory", ""),
                               "itemType": "HARDWARE"}
    if is_digital(part):
        body["subscriptionDetails"] = [subscription_details(ipn, part)]
    return body


def details(store, request):
    ipn = request.params["ingramPartNumber"]
    if len(ipn) > PART_LIMIT:
        raise validation("ingramPartNumber", "ingramPartNumber exceeds %d characters"
                         % PART_LIMIT, ipn)
    key, part = catalog.lookup(ingram_part=ipn)
    if part is None:
        raise not_found()
    return Response(200, detail(key, part))


def details_cmp(store, request):
    plan_name = (request.arg("planName") or "").strip()
    plan_id = (request.arg("planId") or "").strip()
    vendor_part = (request.arg("vendorPartNumber") or "").strip()
    if not (plan_name or plan_id or vendor_part):
        raise fail(400, "Validation failed", [{
            "field": "vendorPartNumber", "value": "",
            "message": "To search for details of subscription products, pass either "
                       "vendorPartNumber, planName or planId."}],
            kind="errors/bad-request")
    if vendor_part:
        key, part = catalog.lookup(vendor_part=vendor_part)
        if part is None or (plan_id and part.get("planId") != plan_id):
            raise not_found()
        return Response(200, detail(key, part))
    plans = catalog.by_plan(plan_id or None, plan_name or None)
    if not plans:
        raise not_found()
    return Response(200, {"subscriptionDetails": [subscription_details(ipn, part)
                                                  for ipn, part in plans]})


# -- price and availability --------------------------------------------------------------

PRICE_KEYS = (("ingramPartNumber", "IngramPartNumber"), ("vendorPartNumber", "VendorPartNumber"),
              ("upc", "UPC"), ("planID", "PlanID"), ("customerPartNumber", "CustomerPartNumber"))
VRI_KEYS = PRICE_KEYS[:2] + PRICE_KEYS[3:4]


def _identify(item, index, keys=PRICE_KEYS):
    """``(ipn, part, key, value, label)``: the part a P&A/VRI product names, and how it
    named it; ``part`` is None when the catalog has no such part."""
    if not isinstance(item, dict):
        raise validation("products[%d]" % index, "product must be an object")
    for key, label in keys:
        value = item.get(key)
        if value is None or str(value).strip() == "":
            continue
        value = str(value).strip()
        if key == "ingramPartNumber":
            ipn, part = catalog.lookup(ingram_part=value)
        elif key == "vendorPartNumber":
            ipn, part = catalog.lookup(vendor_part=value)
        elif key == "upc":
            ipn = next((i for i, p in catalog.PARTS.items() if p.get("upc") == value), None)
            part = catalog.PARTS.get(ipn)
        elif key == "planID":
            match = catalog.by_plan(plan_id=value)
            ipn, part = match[0] if match else (None, None)
        else:
            ipn, part = None, None  # the emulator keeps no customer part numbers
        return ipn, part, key, value, label
    raise validation("products[%d]" % index, "One of %s is required"
                     % ", ".join(k for k, _ in keys))


def _warehouse_filter(body, item):
    wanted = set()
    show_locations = True
    for entry in body.get("availabilityByWarehouse") or []:
        if not isinstance(entry, dict):
            continue
        if entry.get("availabilityByWarehouseId"):
            wanted.add(str(entry["availabilityByWarehouseId"]).strip())
        if entry.get("availabilityForAllLocation") is False:
            show_locations = False
    for attr in item.get("additionalAttributes") or []:
        if (isinstance(attr, dict) and str(attr.get("attributeName") or "").lower() ==
                "shipfrombranchnumber" and attr.get("attributeValue")):
            wanted.add(str(attr["attributeValue"]).strip())
    return wanted, show_locations


def availability(store, ipn, part, requested, wanted=(), show_locations=True):
    stock = catalog.stock(store)
    levels = stock.available(ipn)
    backordered = stock.backordered(ipn)
    eta = store.clock.date(store.clock.now() + BACKORDER_DELAY)
    rows = []
    for warehouse in sorted(catalog.WAREHOUSES):
        if wanted and warehouse not in wanted:
            continue
        row = {"warehouseId": warehouse, "location": catalog.WAREHOUSES[warehouse],
               "quantityAvailable": levels.get(warehouse, 0),
               "quantityBackordered": backordered.get(warehouse, 0)}
        incoming = (part.get("onOrder") or {}).get(warehouse)
        if incoming:
            row["quantityOnOrder"] = incoming
            row["backOrderInfo"] = [{"quantity": incoming, "etaDate": eta}]
        rows.append(row)
    total = sum(row["quantityAvailable"] for row in rows) if wanted else sum(levels.values())
    out = {"available": total > 0 and total >= max(1, requested), "totalAvailability": total}
    if show_locations:
        out["availabilityByWarehouse"] = rows
    return out


def pricing(part):
    return {"currencyCode": "USD", "retailPrice": part.get("retailPrice", part["unitPrice"]),
            "mapPrice": 0.0, "customerPrice": part["unitPrice"],
            "specialBidPricingAvailable": False,
            "webDiscountsAvailable": bool(part.get("hasDiscounts"))}


def _requested(item):
    try:
        return max(0, int(str(item.get("quantityRequested") or "0").strip()))
    except ValueError:
        return 0


def price_and_availability(store, request):
    with_stock = _bool_arg(request, "includeAvailability", required=True)
    with_price = _bool_arg(request, "includePricing", required=True)
    with_attributes = _bool_arg(request, "includeProductAttributes")
    body = json_object(request)
    products = body.get("products")
    if not isinstance(products, list) or not products:
        raise validation("products", "products: Required field is missing")
    if len(products) > MAX_PRICE_PRODUCTS:
        raise validation("products", "A maximum of %d products is allowed per request"
                         % MAX_PRICE_PRODUCTS, str(len(products)))
    out, failed = [], False
    for index, item in enumerate(products):
        ipn, part, key, value, label = _identify(item, index)
        if part is None:
            failed = True
            row = {"productStatusCode": "E",
                   "productStatusMessage": "Product not found for %s:  %s" % (label, value)}
            if key != "planID":  # the response has no plan field to echo it in
                row[key] = value
            out.append(row)
            continue
        row = {"productStatusMessage": "ACOPS ARE AVAILABLE FOR THIS CUSTOMER AND SKU",
               "ingramPartNumber": ipn, "vendorPartNumber": part["vendorPartNumber"],
               "vendorName": part["vendorName"], "description": part["description"],
               "acceptBackOrder": part.get("acceptBackOrder", True),
               "productAuthorized": True,
               "endUserInfoRequired": bool(part.get("endUserRequired"))}
        if item.get("customerPartNumber"):
            row["customerPartNumber"] = str(item["customerPartNumber"])
        if with_attributes:
            row.update({"extendedVendorPartNumber": part["vendorPartNumber"],
                        "upc": part.get("upc", ""), "vendorNumber": part.get("vendorNumber", ""),
                        "productClass": "B" if part.get("discontinued") else "A", "uom": "EA",
                        "returnableProduct": not is_digital(part)})
        if with_stock:
            wanted, show_locations = _warehouse_filter(body, item)
            row["availability"] = availability(store, ipn, part, _requested(item), wanted,
                                               show_locations)
        if with_price:
            row["pricing"] = pricing(part)
        if body.get("showAvailableDiscounts") and part.get("hasDiscounts"):
            row["discounts"] = [{"quantityDiscounts": [
                {"conditionType": "ZQTY", "currencyCode": "USD", "currencyType": "Fixed",
                 "quantity": 10, "amount": round(part["unitPrice"] * 0.05, 2)}]}]
        out.append(row)
    return Response(207 if failed else 200, out)


# -- vendor-required info ----------------------------------------------------------------

def _field(spec):
    out = {"attributeName": spec["attributeName"], "attributeValue": "",
           "attributeDescription": spec["attributeDescription"]}
    if "attributeHint" in spec:
        out["attributeHint"] = spec["attributeHint"]
    out["choices"] = []
    return out


def required_info(ipn, part):
    vmf = [{"vendorName": part["vendorName"], "productId": part["vendorPartNumber"],
            "additionalAttributes": [_field(f) for f in part["vmf"]]}] if part.get("vmf") else []
    return {"quoteNumber": "", "ingramPartNumber": ipn,
            "vendorPartNumber": part["vendorPartNumber"],
            "planId": part.get("planId", ""), "planName": part.get("planName", ""),
            "responseMessages": [], "vmfAdditionalAttributes": vmf,
            # A flat list of fields, as the SDK's model has it (the spec's example nests
            # them under a vendor block).
            "vriAdditionalAttributes": [_field(f) for f in part.get("vri") or []]}


def vendor_required_info(store, request):
    sender = request.headers.get("IM-SenderID")
    if sender is None or not sender.strip():
        raise fail(400, "Validation failed",
                   [{"field": "Sender ID", "message": "Sender ID is missing."}])
    body = json_object(request)
    products = body.get("products") or []
    quote = body.get("quoteNumber")
    if not isinstance(products, list):
        raise validation("products", "products must be an array")
    if not products and not quote:
        raise validation("products", "products or quoteNumber is required")
    out = []
    if quote:
        out.append({"quoteNumber": str(quote), "responseMessages": [{
            "id": error_id(), "type": "error",
            "message": "Quote %s not found" % quote}],
            "vmfAdditionalAttributes": [], "vriAdditionalAttributes": []})
    for index, item in enumerate(products):
        ipn, part, key, value, label = _identify(item, index, VRI_KEYS)
        if part is None:
            row = {"quoteNumber": "", key if key != "planID" else "planId": value,
                   "responseMessages": [{"id": error_id(), "type": "error",
                                         "message": "Product not found for %s: %s"
                                                    % (label, value)}],
                   "vmfAdditionalAttributes": [], "vriAdditionalAttributes": []}
            out.append(row)
            continue
        out.append(required_info(ipn, part))
    return Response(200, out)
