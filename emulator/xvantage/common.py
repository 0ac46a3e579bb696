"""Conventions shared by the Xvantage resources: error bodies, headers, JSON bodies."""

import uuid

from ..http import HttpError

# Header limits of the order operations (the spec declares no limit on DELETE's customer
# number; one limit for all keeps the emulator simple and errs on the strict side).
HEADER_LIMITS = (
    ("IM-CustomerNumber", "Customer Number", 10, True),
    ("IM-CountryCode", "Country Code", 2, True),
    ("IM-CorrelationID", "Correlation ID", 32, True),
    ("IM-SenderID", "Sender ID", 32, False),
)


def error_id():
    return str(uuid.uuid4())


def error_body(message, fields=None, kind="/errors/validation-failed"):
    """The spec's ``ErrorResponse``: ``{"errors": [{id, type, message, fields[]}]}``."""
    item = {"id": error_id(), "type": kind, "message": message}
    if fields:
        item["fields"] = [{"field": f.get("field"), "value": f.get("value"),
                           "message": f.get("message")} for f in fields]
    return {"errors": [item]}


def fail(status, message, fields=None, kind=None, headers=None):
    """An ``HttpError`` carrying an ``ErrorResponse`` body."""
    if kind is None:
        kind = "/errors/server-error" if status >= 500 else (
            "/errors/validation-failed" if fields else "/errors/validation-error")
    return HttpError(status, message, body=error_body(message, fields, kind), headers=headers)


def validation(field, message, value=None):
    return fail(400, "Validation failed",
                [{"field": field, "value": value, "message": message}])


def check_headers(request, customer_number):
    """400 for a missing or over-long IM-* header; the Apigee-style fault for a wrong
    customer number."""
    problems = []
    for header, label, limit, required in HEADER_LIMITS:
        value = request.headers.get(header)
        if value is None or not value.strip():
            if required:
                problems.append({"field": label, "message": "%s is missing." % label})
            continue
        if len(value) > limit or (header == "IM-CountryCode" and len(value) != 2):
            problems.append({"field": header, "value": value,
                             "message": "%s must be at most %d characters." % (header, limit)
                             if header != "IM-CountryCode"
                             else "IM-CountryCode must be exactly 2 characters."})
    if problems:
        raise fail(400, "Validation failed", problems)
    number = request.headers.get("IM-CustomerNumber")
    if number != customer_number:
        message = ("Invalid customer number. Please check the IM-CustomerNumber header "
                   "and try again")
        raise HttpError(500, message, body={"faultcode": "Server", "faultstring": message})


def echo_headers(request):
    out = {}
    for name in ("IM-CorrelationID", "IM-SenderID"):
        value = request.headers.get(name)
        if value:
            out[name] = value
    return out


def json_object(request, required=True):
    try:
        body = request.json()
    except ValueError:
        raise validation("body", "Request body is not valid JSON")
    if body is None and not required:
        return {}
    if not isinstance(body, dict):
        raise validation("body", "Request body must be a JSON object")
    return body


def attributes(items):
    """``[{attributeName, attributeValue}]`` -> lower-cased name -> value."""
    out = {}
    for item in items or []:
        if isinstance(item, dict) and item.get("attributeName"):
            out[str(item["attributeName"]).lower()] = item.get("attributeValue")
    return out


def truthy(value):
    return value is True or str(value).strip().lower() in ("true", "y", "yes", "1")
