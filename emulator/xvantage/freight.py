"""``POST /resellers/v6/freightestimate``: freight per shipping warehouse for a list of
lines, priced from the catalog.

Errors of this operation are flat ``{traceid, type, fields[]}`` (the SDK's model for its
400); the spec's example wraps them in ``[{errors: [...]}]``, which the SDK cannot read.
Digital parts (subscriptions) add to the net amount but ship nothing.
"""

from ..http import HttpError, Response
from . import catalog
from .common import error_id

CONTACT_LIMIT = 64
# Per warehouse: (days in transit, base charge, charge per lb) of the ground carrier.
LANES = {"10": (1, 9.5, 0.8), "20": (3, 12.0, 1.1), "30": (2, 10.5, 0.95)}
# The spec example's carriers; the cheapest one is the distribution's choice.
CARRIERS = (("RG", "FEDEX GROUND", 1.0), ("UG", "UPS GROUND", 1.2),
            ("HD", "FDX HOME DEL", 1.35))


def register(router, store):
    router.add("POST", "/resellers/v6/freightestimate", lambda r: estimate(store, r))


def problem(fields, status=400):
    return HttpError(status, fields[0]["message"], body={
        "traceid": error_id(), "type": "/errors/validation-failed",
        "fields": [{"field": f["field"], "message": f["message"],
                    "value": "" if f.get("value") is None else str(f["value"])}
                   for f in fields]})


def _quantity(value):
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _money(value):
    return round(value + 1e-9, 2)


def _lines(body):
    lines = body.get("lines")
    if not isinstance(lines, list) or not lines:
        raise problem([{"field": "lines", "message": "lines: Required field is missing"}])
    out, problems = [], []
    for index, item in enumerate(lines):
        where = "lines[%d]" % index
        if not isinstance(item, dict):
            problems.append({"field": where, "message": "line must be an object"})
            continue
        ipn, part = catalog.lookup(ingram_part=item.get("ingramPartNumber"))
        quantity = _quantity(item.get("quantity"))
        warehouse = str(item.get("warehouseId") or (part or {}).get("warehouse") or "")
        if part is None:
            problems.append({"field": where + ".ingramPartNumber",
                             "message": "Invalid IngramPartNumber",
                             "value": item.get("ingramPartNumber")})
        elif quantity is None:
            problems.append({"field": where + ".quantity", "message": "Invalid Quantity",
                             "value": item.get("quantity")})
        elif warehouse not in catalog.WAREHOUSES:
            problems.append({"field": where + ".warehouseId", "message": "Invalid WarehouseId",
                             "value": warehouse})
        else:
            out.append((ipn, part, quantity, warehouse,
                        str(item.get("carrierCode") or "").strip().upper()))
    if problems:
        raise problem(problems)
    return out


def estimate(store, request):
    contact = request.headers.get("IM-CustomerContact")
    if contact is None or not contact.strip():
        raise problem([{"field": "IM-CustomerContact",
                        "message": "IM-CustomerContact is missing."}])
    if len(contact) > CONTACT_LIMIT:
        raise problem([{"field": "IM-CustomerContact", "value": contact,
                        "message": "IM-CustomerContact must be at most %d characters."
                                   % CONTACT_LIMIT}])
    try:
        body = request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise problem([{"field": "body", "message": "Request body must be a JSON object"}])
    address = body.get("shipToAddress")
    if not body.get("shipToAddressId") and not (isinstance(address, dict) and address):
        raise problem([{"field": "shipToAddress",
                        "message": "shipToAddressId or shipToAddress is required"}])
    lines = _lines(body)
    out_lines, weights, chosen = [], {}, {}
    net = 0.0
    for ipn, part, quantity, warehouse, carrier in lines:
        amount = _money(part["unitPrice"] * quantity)
        net += amount
        out_lines.append({"ingramPartNumber": ipn, "vendorPartNumber": part["vendorPartNumber"],
                          "warehouseId": warehouse, "quantity": quantity,
                          "unitPrice": part["unitPrice"], "netAmount": amount})
        if part.get("subscription"):
            continue
        weights[warehouse] = weights.get(warehouse, 0.0) + part.get("weight", 0.0) * quantity
        if carrier:
            chosen.setdefault(warehouse, carrier)
    distribution = []
    freight = 0.0
    for warehouse in sorted(weights):
        days, base, per_lb = LANES[warehouse]
        weight = round(weights[warehouse], 2)
        options = [(code, via, _money((base + per_lb * weight) * factor))
                   for code, via, factor in CARRIERS]
        pick = next((o for o in options if o[0] == chosen.get(warehouse)), options[0])
        freight += pick[2]
        distribution.append({
            "shipFromBranchNumber": warehouse, "carrierCode": pick[0], "shipVia": pick[1],
            "freightRate": pick[2], "totalWeight": weight, "transitDays": days,
            "carrierList": [{"carrierCode": code, "shipVia": via, "carrierMode": "SML",
                             "estimatedFreightCharge": "%.2f" % charge,
                             "daysInTransit": str(days)} for code, via, charge in options]})
    net, freight = _money(net), _money(freight)
    return Response(200, {"freightEstimateResponse": {
        "currencyCode": "USD", "totalFreightAmount": freight, "totalTaxAmount": 0.0,
        "totalFees": 0.0, "totalNetAmount": net, "grossAmount": _money(net + freight),
        "distribution": distribution, "lines": out_lines}})
