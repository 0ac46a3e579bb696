"""Request bodies and query filters of the Xvantage order actions, checked locally.

Limits are the spec's; each failure is a ParameterError naming the parameter (and the line),
raised before the client sends anything.
"""

from ..core import checks, paths
from ..core.errors import ParameterError

CUSTOMER_ORDER_NUMBER_MAX = {"v6": 35, "v7": 18}
ORDER_NUMBER_MAX = 12
ADDRESS_LIMITS = {"addressId": 10, "companyName": 40, "city": 25, "state": 3,
                  "postalCode": 10, "countryCode": 2}
MODIFY_ACTIONS = ("ADD", "UPDATE", "DELETE")
SIMULATE_STATUSES = ("IM::SHIPPED", "IM::PARTIALLY_SHIPPED", "IM::HOLD", "IM::INVOICED")
ORDER_STATUSES = ("SHIPPED", "PROCESSING", "ON HOLD", "BACKORDERED", "CANCELLED")

# Search filters: action parameter -> (API query key, maxLength). The API mixes "-bt" and
# "_bt", and st2 parameter names cannot hold "-", hence the mapping.
SEARCH_TEXT = {
    "ingramOrderNumber": ("ingramOrderNumber", 11),
    "customerOrderNumber": ("customerOrderNumber", 35),
    "endCustomerOrderNumber": ("endCustomerOrderNumber", 35),
    "ingramPartNumber": ("ingramPartNumber", 35),
    "vendorPartNumber": ("vendorPartNumber", 35),
    "serialNumber": ("serialNumber", 35),
    "trackingNumber": ("trackingNumber", 35),
    "vendorName": ("vendorName", 35),
    "specialBidNumber": ("specialBidNumber", 35),
}
SEARCH_RANGES = {
    "ingramOrderDateBt": "ingramOrderDate-bt",
    "shipDateBt": "shipDate_bt",
    "invoiceDateBt": "invoiceDate_bt",
    "deliveryDateBt": "deliveryDate_bt",
}


def max_length(name, value, limit):
    if value is None:
        return None
    text = str(value)
    if len(text) > limit:
        raise ParameterError(name, "must be at most %d characters, got %d ('%s')"
                             % (limit, len(text), text if len(text) <= 60 else
                                text[:60] + "..."))
    return text


def order_number(value, name="ingramOrderNumber"):
    checks.required(name, value)
    # The same refusals as any id in a path (control characters, dot segments) before the
    # spec's length: "\r2" must not quietly become order 2.
    paths.segment(name, value)
    return max_length(name, str(value).strip(), ORDER_NUMBER_MAX)


def address(name, value):
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ParameterError(name, "must be an object")
    for field, limit in ADDRESS_LIMITS.items():
        max_length("%s.%s" % (name, field), value.get(field), limit)
    return value


def attributes(name, value):
    if value is None:
        return None
    for i, item in enumerate(value):
        if not isinstance(item, dict) or not item.get("attributeName"):
            raise ParameterError("%s[%d]" % (name, i), "must be an object with "
                                 "attributeName and attributeValue")
    return value


def _quantity(name, value):
    if isinstance(value, bool):
        raise ParameterError(name, "must be a positive integer, got %r" % (value,))
    return checks.positive_int(name, value, 1)


def create_lines(lines):
    if not lines:
        raise ParameterError("lines", "needs at least one line")
    out = []
    for i, line in enumerate(lines):
        where = "lines[%d]" % i
        if not isinstance(line, dict):
            raise ParameterError(where, "must be an object such as {\"customerLineNumber\": "
                                 "\"1\", \"ingramPartNumber\": \"DF4128\", \"quantity\": 1}")
        if not line.get("ingramPartNumber") and not line.get("vendorPartNumber"):
            raise ParameterError(where, "needs ingramPartNumber (recommended) or "
                                 "vendorPartNumber")
        max_length(where + ".ingramPartNumber", line.get("ingramPartNumber"), 18)
        max_length(where + ".customerLineNumber", line.get("customerLineNumber"), 3)
        line = dict(line)
        line["quantity"] = _quantity(where + ".quantity", line.get("quantity"))
        if line.get("customerLineNumber") is None:
            line["customerLineNumber"] = str(i + 1)
        out.append(line)
    return out


def create_body(api, customerOrderNumber, lines, customer_hold=False, **fields):
    """The create body of v6 (``api='v6'``) or v7, with ``allowOrderOnCustomerHold`` added
    when ``customer_hold`` is set."""
    checks.required("customerOrderNumber", customerOrderNumber)
    max_length("customerOrderNumber", customerOrderNumber, CUSTOMER_ORDER_NUMBER_MAX[api])
    max_length("billToAddressId", fields.get("billToAddressId"), 10)
    for name in ("shipToInfo", "endUserInfo"):
        address(name, fields.get(name))
    given = attributes("additionalAttributes", fields.pop("additionalAttributes", None))
    extra = list(given or [])
    if customer_hold:
        extra = [a for a in extra
                 if str(a.get("attributeName")).lower() != "alloworderoncustomerhold"]
        extra.append({"attributeName": "allowOrderOnCustomerHold", "attributeValue": "true"})
    body = {"customerOrderNumber": customerOrderNumber}
    # Quote to order (v7): the quote supplies parts, quantities and prices; lines are optional.
    if not lines and api == "v7" and not fields.get("quoteNumber"):
        raise ParameterError("lines", "needs at least one line, or give quoteNumber to order "
                             "what a quote holds")
    if lines or api == "v6":
        body["lines"] = create_lines(lines)
    body.update(checks.compact(fields))
    if extra:
        body["additionalAttributes"] = extra
    return body


def modify_body(lines=None, notes=None, shipToInfo=None, additionalAttributes=None):
    if not lines and notes is None and shipToInfo is None and not additionalAttributes:
        raise ParameterError("lines", "nothing to change: give lines, notes or shipToInfo")
    max_length("notes", notes, 132)
    address("shipToInfo", shipToInfo)
    out_lines = []
    for i, line in enumerate(lines or []):
        where = "lines[%d]" % i
        if not isinstance(line, dict):
            raise ParameterError(where, "must be an object")
        action = str(line.get("addUpdateDeleteLine") or "").upper()
        if action not in MODIFY_ACTIONS:
            raise ParameterError(where + ".addUpdateDeleteLine",
                                 "must be ADD, UPDATE or DELETE, got '%s'"
                                 % (line.get("addUpdateDeleteLine"),))
        max_length(where + ".ingramPartNumber", line.get("ingramPartNumber"), 18)
        max_length(where + ".ingramLineNumber", line.get("ingramLineNumber"), 6)
        max_length(where + ".customerLineNumber", line.get("customerLineNumber"), 6)
        line = dict(line, addUpdateDeleteLine=action)
        if action == "ADD":
            if not line.get("ingramPartNumber") and not line.get("vendorPartNumber"):
                raise ParameterError(where, "an ADD line needs ingramPartNumber")
            line["quantity"] = _quantity(where + ".quantity", line.get("quantity"))
        else:
            if not line.get("ingramLineNumber") and not line.get("customerLineNumber"):
                raise ParameterError(where, "an %s line needs ingramLineNumber (from "
                                     "xvantage_get_order) or customerLineNumber" % action)
            if action == "UPDATE" and line.get("quantity") is not None:
                line["quantity"] = _quantity(where + ".quantity", line["quantity"])
        out_lines.append(line)
    return checks.compact({"lines": out_lines or None, "notes": notes,
                           "shipToInfo": shipToInfo,
                           "additionalAttributes": attributes("additionalAttributes",
                                                              additionalAttributes)})


def _range(name, value):
    if value is None:
        return None
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",")]
    if len(value) != 2:
        raise ParameterError(name, "needs exactly two dates, start and end (YYYY-MM-DD), "
                             "got %d" % len(value))
    start, end = (checks.date(name, v) for v in value)
    if start > end:
        raise ParameterError(name, "start %s is after end %s" % (start, end))
    return [start, end]


def search_filters(**params):
    """Action parameters -> API query (repeated keys for arrays)."""
    query = {}
    for name, (key, limit) in SEARCH_TEXT.items():
        value = params.get(name)
        if value is not None and str(value).strip():
            query[key] = max_length(name, str(value).strip(), limit)
    status = params.get("orderStatus")
    if status is not None:
        query["orderStatus"] = checks.one_of("orderStatus", status.upper(), ORDER_STATUSES)
    statuses = params.get("orderStatusIn")
    if statuses:
        query["orderStatus-in"] = [checks.one_of("orderStatusIn", s.upper(), ORDER_STATUSES)
                                   for s in statuses]
    if params.get("ingramOrderDate") is not None:
        query["ingramOrderDate"] = checks.date("ingramOrderDate", params["ingramOrderDate"])
    for name, key in SEARCH_RANGES.items():
        dates = _range(name, params.get(name))
        if dates:
            query[key] = dates
    return query
