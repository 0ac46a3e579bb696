"""Price and availability, vendor-required info and freight estimates: request bodies
checked locally, answers read leniently into results an st2 rule can act on.

All three are POSTs that change nothing, so they are sent as reads: retried like a GET
and never counted as a write that may have happened.
"""

from ..core import checks
from ..core.errors import BadResponse, ParameterError
from ..core.values import as_int, as_list, as_number, pick

PRICE_PATH = "/resellers/v6/catalog/priceandavailability"
VENDOR_INFO_PATH = "/resellers/v7/vendorrequiredinfo"
FREIGHT_PATH = "/resellers/v6/freightestimate"
# The API takes up to 50 products per request; longer lists go in batches of 50.
PRICE_BATCH = 50
MAX_PRODUCTS = 500
CONTACT_MAX = 64
PART_FIELDS = ("ingramPartNumber", "vendorPartNumber")


# -- parameters --------------------------------------------------------------------------

def _quantity(name, value):
    if value is None:
        return None
    if isinstance(value, bool):
        raise ParameterError(name, "must be a positive integer, got %r" % (value,))
    return checks.positive_int(name, value, 1)


def product_refs(name, products, plans=False, limit=MAX_PRODUCTS):
    """``[{ingramPartNumber|vendorPartNumber[|planID], quantity}]``, checked."""
    if not isinstance(products, list) or not products:
        raise ParameterError(name, "needs at least one product, e.g. "
                             "[{\"ingramPartNumber\": \"DF4128\", \"quantity\": 2}]")
    if len(products) > limit:
        raise ParameterError(name, "has %d products; at most %d are accepted"
                             % (len(products), limit))
    keys = PART_FIELDS + (("planID",) if plans else ())
    out = []
    for i, item in enumerate(products):
        where = "%s[%d]" % (name, i)
        if not isinstance(item, dict):
            raise ParameterError(where, "must be an object such as {\"ingramPartNumber\": "
                                 "\"DF4128\", \"quantity\": 2}")
        ref = {}
        for key in keys:
            value = pick(item, key)
            if value is not None and str(value).strip():
                ref[key] = checks.text("%s.%s" % (where, key), str(value).strip(), 50)
                break
        if not ref:
            raise ParameterError(where, "needs %s" % " or ".join(keys))
        quantity = _quantity(where + ".quantity",
                             pick(item, "quantity", "quantityRequested"))
        if quantity is not None:
            ref["quantity"] = quantity
        out.append(ref)
    return out


def warehouse_ids(name, value):
    if value is None:
        return None
    if not isinstance(value, list):
        raise ParameterError(name, "must be a list of warehouse ids, e.g. [\"10\", \"40\"]")
    return [checks.text("%s[%d]" % (name, i), str(v).strip(), 10)
            for i, v in enumerate(value)]


def contact(name, value):
    checks.required(name, value)
    text = str(value).strip()
    if len(text) > CONTACT_MAX:
        raise ParameterError(name, "must be at most %d characters, got %d"
                             % (CONTACT_MAX, len(text)))
    return text


# -- price and availability --------------------------------------------------------------

def _warehouse(row):
    eta = [{"quantity": as_int(pick(b, "quantity")), "etaDate": pick(b, "etaDate")}
           for b in as_list(pick(row, "backOrderInfo")) if isinstance(b, dict)]
    out = {"warehouseId": None if pick(row, "warehouseId") is None
           else str(pick(row, "warehouseId")),
           "location": pick(row, "location"),
           "quantityAvailable": as_int(pick(row, "quantityAvailable")) or 0,
           "quantityBackordered": as_int(pick(row, "quantityBackordered")) or 0}
    on_order = as_int(pick(row, "quantityOnOrder"))
    if on_order:
        out["quantityOnOrder"] = on_order
    if eta:
        out["backOrderInfo"] = eta
    return out


def price_row(row, requested=None):
    """One product of a P&A answer: found or not, price, stock in total and per warehouse."""
    code = str(pick(row, "productStatusCode") or "").strip().upper()
    message = pick(row, "productStatusMessage")
    out = {"ingramPartNumber": pick(row, "ingramPartNumber"),
           "vendorPartNumber": pick(row, "vendorPartNumber"),
           "description": pick(row, "description"),
           "vendorName": pick(row, "vendorName"),
           "found": code != "E",
           "statusCode": code or None,
           "message": message}
    if requested is not None:
        out["quantityRequested"] = requested
    if not out["found"]:
        return out
    for name in ("acceptBackOrder", "endUserInfoRequired", "productAuthorized"):
        value = pick(row, name)
        out[name] = value if isinstance(value, bool) or value is None else \
            str(value).strip().lower() == "true"
    availability = pick(row, "availability")
    if isinstance(availability, dict):
        warehouses = [_warehouse(w) for w in as_list(pick(availability,
                                                          "availabilityByWarehouse"))
                      if isinstance(w, dict)]
        total = as_int(pick(availability, "totalAvailability"))
        if total is None and warehouses:
            total = sum(w["quantityAvailable"] for w in warehouses)
        out["totalAvailable"] = total
        out["available"] = pick(availability, "available")
        out["warehouses"] = warehouses
        if requested is not None and isinstance(total, int):
            out["enoughStock"] = total >= requested
    pricing = pick(row, "pricing")
    if isinstance(pricing, dict):
        out.update({"currencyCode": pick(pricing, "currencyCode"),
                    "customerPrice": as_number(pick(pricing, "customerPrice")),
                    "retailPrice": as_number(pick(pricing, "retailPrice")),
                    "mapPrice": as_number(pick(pricing, "mapPrice"))})
        if requested is not None and isinstance(out["customerPrice"], (int, float)):
            out["extendedPrice"] = round(out["customerPrice"] * requested, 2)
    discounts = pick(row, "discounts")
    if discounts:
        out["discounts"] = as_list(discounts)
    return out


def _matches(ref, row):
    for key in PART_FIELDS:
        if key in ref:
            return str(pick(row, key) or "").strip().upper() == ref[key].upper()
    return False


def price_and_availability(client, refs, include_availability=True, include_pricing=True,
                           include_product_attributes=False, show_discounts=False,
                           warehouses=None):
    """Every product of ``refs`` (from ``product_refs``), asked for in batches of 50."""
    rows = []
    for start in range(0, len(refs), PRICE_BATCH):
        batch = refs[start:start + PRICE_BATCH]
        body = {"products": [_price_item(ref) for ref in batch]}
        if show_discounts:
            body["showAvailableDiscounts"] = True
        if warehouses:
            body["availabilityByWarehouse"] = [{"availabilityByWarehouseId": w}
                                               for w in warehouses]
        params = {"includeAvailability": bool(include_availability),
                  "includePricing": bool(include_pricing)}
        if include_product_attributes:
            params["includeProductAttributes"] = True
        reply = client.call("POST", PRICE_PATH, params=params, body=body, read=True,
                            idempotent=True)
        answer = [r for r in as_list(reply.body) if isinstance(r, dict)] \
            if isinstance(reply.body, (list, dict)) else None
        if not answer:
            raise BadResponse("price and availability answered without products",
                              status=reply.status, method="POST",
                              path=client.prefix + PRICE_PATH,
                              correlation_id=reply.correlation_id, api="xvantage")
        rows.extend(_pair(batch, answer))
    missing = [r for r in rows if not r["found"]]
    return {"products": rows, "count": len(rows),
            "notFound": [r.get("ingramPartNumber") or r.get("vendorPartNumber")
                         for r in missing]}


def _price_item(ref):
    item = {key: ref[key] for key in PART_FIELDS if key in ref}
    if "quantity" in ref:
        item["quantityRequested"] = str(ref["quantity"])
    return item


def _pair(batch, answer):
    """One row per requested product, in request order: by position when the counts agree
    (the API answers in request order), else by part number; a product the answer skips
    is reported as not found."""
    if len(answer) == len(batch):
        return [price_row(row, ref.get("quantity")) for ref, row in zip(batch, answer)]
    out = []
    for ref in batch:
        row = next((r for r in answer if _matches(ref, r)), None)
        if row is None:
            row = dict({k: v for k, v in ref.items() if k in PART_FIELDS},
                       productStatusCode="E",
                       productStatusMessage="the answer did not include this product")
        out.append(price_row(row, ref.get("quantity")))
    return out


# -- vendor-required info ----------------------------------------------------------------

def _fields(kind, blocks):
    """Fields of ``vmfAdditionalAttributes`` / ``vriAdditionalAttributes``: a list of vendor
    blocks ``{vendorName, additionalAttributes[]}`` or (as the SDK's model has it) a flat
    list of fields."""
    out = []
    for block in as_list(blocks):
        if not isinstance(block, dict):
            continue
        inner = pick(block, "additionalAttributes")
        vendor = pick(block, "vendorName")
        for item in (as_list(inner) if inner is not None else [block]):
            if not isinstance(item, dict) or not pick(item, "attributeName"):
                continue
            field = {"kind": kind, "attributeName": pick(item, "attributeName"),
                     "description": pick(item, "attributeDescription"),
                     "hint": pick(item, "attributeHint"),
                     "value": pick(item, "attributeValue") or None}
            if vendor:
                field["vendorName"] = vendor
            choices = as_list(pick(item, "choices"))
            if choices:
                field["choices"] = choices
            out.append(field)
    return out


def vendor_info_row(row):
    messages = [pick(m, "message") or str(m) for m in as_list(pick(row, "responseMessages"))]
    fields = (_fields("vmf", pick(row, "vmfAdditionalAttributes")) +
              _fields("vri", pick(row, "vriAdditionalAttributes")))
    return {"ingramPartNumber": pick(row, "ingramPartNumber") or None,
            "vendorPartNumber": pick(row, "vendorPartNumber") or None,
            "planId": pick(row, "planId", "planID") or None,
            "planName": pick(row, "planName") or None,
            "quoteNumber": pick(row, "quoteNumber") or None,
            "messages": [m for m in messages if m],
            "fields": fields,
            "required": [f["attributeName"] for f in fields]}


def vendor_required_info(client, refs, quote_number=None):
    body = {"products": [{k: v for k, v in ref.items() if k != "quantity"} for ref in refs]}
    if quote_number:
        body["quoteNumber"] = quote_number
    reply = client.call("POST", VENDOR_INFO_PATH, body=body, read=True, idempotent=True)
    answer = [r for r in as_list(reply.body) if isinstance(r, dict)] \
        if isinstance(reply.body, (list, dict)) else None
    if answer is None:
        raise BadResponse("vendor-required info answered without products",
                          status=reply.status, method="POST",
                          path=client.prefix + VENDOR_INFO_PATH,
                          correlation_id=reply.correlation_id, api="xvantage")
    rows = [vendor_info_row(r) for r in answer]
    return {"products": rows, "count": len(rows),
            "required": sorted({name for r in rows for name in r["required"]})}


# -- freight -----------------------------------------------------------------------------

def freight_lines(name, lines):
    if not isinstance(lines, list) or not lines:
        raise ParameterError(name, "needs at least one line, e.g. [{\"ingramPartNumber\": "
                             "\"DF4128\", \"quantity\": 2}]")
    out = []
    for i, line in enumerate(lines):
        where = "%s[%d]" % (name, i)
        if not isinstance(line, dict):
            raise ParameterError(where, "must be an object")
        part = checks.required(where + ".ingramPartNumber", pick(line, "ingramPartNumber"))
        quantity = checks.required(where + ".quantity", pick(line, "quantity"))
        item = {"customerLineNumber": str(pick(line, "customerLineNumber") or "%03d" % (i + 1)),
                "ingramPartNumber": checks.text(where + ".ingramPartNumber", str(part), 18),
                "quantity": str(_quantity(where + ".quantity", quantity))}
        for key in ("warehouseId", "carrierCode"):
            value = pick(line, key)
            if value is not None and str(value).strip():
                item[key] = checks.text("%s.%s" % (where, key), str(value).strip(), 10)
        out.append(item)
    return out


def freight_body(lines, shipToAddressId=None, shipToAddress=None, billToAddressId=None):
    if not shipToAddressId and not shipToAddress:
        raise ParameterError("shipToAddressId", "give shipToAddressId or shipToAddress")
    if shipToAddress is not None and not isinstance(shipToAddress, dict):
        raise ParameterError("shipToAddress", "must be an object")
    body = {"lines": freight_lines("lines", lines)}
    body.update(checks.compact({"billToAddressId": billToAddressId,
                                "shipToAddressId": shipToAddressId,
                                "shipToAddress": shipToAddress}))
    return body


def freight_result(body):
    estimate = pick(body, "freightEstimateResponse")
    if not isinstance(estimate, dict):
        estimate = body if isinstance(body, dict) and pick(body, "distribution") else None
    if estimate is None:
        return None
    out = {"currencyCode": pick(estimate, "currencyCode")}
    for name in ("totalFreightAmount", "totalTaxAmount", "totalFees", "totalNetAmount",
                 "grossAmount"):
        out[name] = as_number(pick(estimate, name))
    out["distribution"] = []
    for item in as_list(pick(estimate, "distribution")):
        if not isinstance(item, dict):
            continue
        out["distribution"].append({
            "shipFromBranchNumber": None if pick(item, "shipFromBranchNumber") is None
            else str(pick(item, "shipFromBranchNumber")),
            "carrierCode": pick(item, "carrierCode"), "shipVia": pick(item, "shipVia"),
            "freightRate": as_number(pick(item, "freightRate")),
            "totalWeight": as_number(pick(item, "totalWeight")),
            "transitDays": as_int(pick(item, "transitDays")),
            "carriers": [{"carrierCode": pick(c, "carrierCode"), "shipVia": pick(c, "shipVia"),
                          "carrierMode": pick(c, "carrierMode"),
                          "estimatedFreightCharge": as_number(pick(c, "estimatedFreightCharge")),
                          "daysInTransit": as_int(pick(c, "daysInTransit"))}
                         for c in as_list(pick(item, "carrierList")) if isinstance(c, dict)]})
    out["lines"] = [{"ingramPartNumber": pick(li, "ingramPartNumber"),
                     "vendorPartNumber": pick(li, "vendorPartNumber"),
                     "warehouseId": None if pick(li, "warehouseId") is None
                     else str(pick(li, "warehouseId")),
                     "quantity": as_int(pick(li, "quantity")),
                     "unitPrice": as_number(pick(li, "unitPrice")),
                     "netAmount": as_number(pick(li, "netAmount"))}
                    for li in as_list(pick(estimate, "lines")) if isinstance(li, dict)]
    return out


def freight_estimate(client, body, customer_contact):
    reply = client.call("POST", FREIGHT_PATH, body=body, read=True, idempotent=True,
                        headers={"IM-CustomerContact": customer_contact})
    result = freight_result(reply.body)
    if result is None:
        raise BadResponse("the freight estimate answered without freightEstimateResponse",
                          status=reply.status, method="POST",
                          path=client.prefix + FREIGHT_PATH,
                          correlation_id=reply.correlation_id, api="xvantage")
    return result
