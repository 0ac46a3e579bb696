"""What the document resources (quotes, invoices, renewals, deals, returns) share: their
error shapes, extra required headers, paging and date parsing.

Error shapes differ per API group, and the official SDK reads only its own: quotes and
invoices answer the orders' ``{"errors": [{id, type, message, fields}]}``; validate-quote,
renewals, deals and returns answer a flat ``{traceid, type, fields}`` (plus ``message``
on 5xx, and on validate-quote's 400).
"""

import calendar
import datetime
import re

from ..http import Response
from .common import error_id, fail, validation

# Route templates whose errors are flat, and those of them whose 400 carries a message.
FLAT = set()
FLAT_WITH_MESSAGE = set()

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_US_DAY = re.compile(r"^\d{2}/\d{2}/\d{4}$")
DAY = 86400.0


def flat_routes(*templates, **kwargs):
    FLAT.update(templates)
    if kwargs.get("message"):
        FLAT_WITH_MESSAGE.update(templates)


def error_shape(route, status, body):
    """``body`` reshaped for the API group of ``route`` (429 keeps its one shape)."""
    if route not in FLAT or status == 429 or not isinstance(body, dict):
        return body
    errors = body.get("errors")
    if not isinstance(errors, list) or not errors or not isinstance(errors[0], dict):
        return body
    first = errors[0]
    out = {"traceid": first.get("id") or first.get("traceid") or error_id(),
           "type": first.get("type") or "/errors/validation-failed",
           "fields": [{"field": f.get("field"), "message": f.get("message"),
                       "value": None if f.get("value") is None else str(f.get("value"))}
                      for f in first.get("fields") or [] if isinstance(f, dict)]}
    if status >= 500 or route in FLAT_WITH_MESSAGE or not out["fields"]:
        out["message"] = first.get("message")
    return out


def require_header(request, name, limit=32):
    """An extra header some groups require (``IM-ApplicationID``, ``IM-CustomerContact``)."""
    value = request.headers.get(name)
    if value is None or not value.strip():
        raise fail(400, "Validation failed",
                   [{"field": name, "value": None, "message": "%s is missing." % name}])
    if len(value) > limit:
        raise fail(400, "Validation failed", [{
            "field": name, "value": value,
            "message": "%s must be at most %d characters." % (name, limit)}])
    return value


def not_found(message):
    return fail(404, message)


def page_args(request, size_name, number_name, default_size=25, max_size=100):
    """``(pageNumber, pageSize)``; sizes above the documented maximum are clamped."""
    values = []
    for name, default in ((number_name, 1), (size_name, default_size)):
        raw = request.arg(name)
        if raw is None or raw == "":
            values.append(default)
            continue
        try:
            value = int(raw)
        except ValueError:
            raise validation(name, "%s must be an integer" % name, raw)
        if value < 1:
            raise validation(name, "%s must be positive" % name, raw)
        values.append(value)
    return values[0], min(values[1], max_size)


def page_of(rows, number, size):
    return rows[(number - 1) * size:number * size]


def parse_day(text, field):
    """Epoch seconds of the start of a ``yyyy-MM-dd`` (or ``MM/dd/yyyy``) day."""
    text = (text or "").strip()
    if _DAY.match(text):
        fmt = "%Y-%m-%d"
    elif _US_DAY.match(text):
        fmt = "%m/%d/%Y"
    else:
        raise validation(field, "input date format error expected format is - yyyy-MM-dd",
                         text)
    try:
        parsed = datetime.datetime.strptime(text, fmt)
    except ValueError:
        raise validation(field, "input date format error expected format is - yyyy-MM-dd",
                         text)
    return float(calendar.timegm(parsed.timetuple()))


def day_range(request, name):
    """``[start, end)`` epoch seconds of a ``-bt`` filter: two dates, as repeated keys or
    one comma-separated value; None when absent."""
    values = [v for v in request.args(name) if v != ""]
    if not values:
        return None
    if len(values) == 1 and "," in values[0]:
        values = [v.strip() for v in values[0].split(",")]
    if len(values) != 2:
        raise validation(name, "%s takes exactly two dates: start and end" % name)
    start, end = parse_day(values[0], name), parse_day(values[1], name) + DAY
    if end <= start:
        raise validation(name, "%s: the start date is after the end date" % name)
    return start, end


def in_list(request, name):
    """The upper-cased values of a comma-separated (or repeated) ``-in`` filter."""
    out = set()
    for value in request.args(name):
        out.update(v.strip().upper() for v in value.split(",") if v.strip())
    return out


def iso(ts):
    when = datetime.datetime.fromtimestamp(ts, tz=datetime.timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def local_iso(ts):
    """``2023-07-04T00:00:00``: the zone-less timestamps of renewals and deals."""
    return iso(ts)[:-1]


def day(ts):
    return iso(ts)[:10]


def floor_day(ts):
    return float(int(ts) - int(ts) % 86400)


def ok(body):
    return Response(200, body)


def state_of(store, name, factory):
    """Per-emulator state of a resource, kept next to the order store it derives from."""
    attr = "_documents_" + name
    value = getattr(store, attr, None)
    if value is None:
        with store.lock:
            value = getattr(store, attr, None)
            if value is None:
                value = factory(store)
                setattr(store, attr, value)
    return value
