"""Local checks of action parameters, run before any HTTP call.

Each failure names the parameter, so the st2 UI user knows which field to fix.
"""

import datetime
import re

from .errors import ParameterError
from .times import parse_datetime

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def required(name, value):
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ParameterError(name, "is required")
    return value


def single_value(name, value):
    """The Marketplace API takes one value per filter; ``a,b`` is answered with HTTP 400."""
    if value is None:
        return None
    text = str(value).strip()
    if "," in text:
        raise ParameterError(
            name, "takes a single value, got '%s'; the API rejects lists, so run the "
            "action once per value" % text)
    return text


def date(name, value):
    if value is None:
        return None
    text = str(value).strip()
    try:
        if not _DATE.match(text):
            raise ValueError(text)
        datetime.date(*[int(p) for p in text.split("-")])
    except ValueError:
        raise ParameterError(name, "must be a date YYYY-MM-DD, got '%s'" % text)
    return text


def date_time(name, value):
    """Accepts ISO-8601 (``2024-01-31T10:00:00Z``) or a bare date; returns ISO-8601 UTC."""
    if value is None:
        return None
    text = str(value).strip()
    if _DATE.match(text):
        date(name, text)
        return text + "T00:00:00Z"
    parsed = parse_datetime(text)
    if parsed is None:
        raise ParameterError(
            name, "must be an ISO-8601 date-time such as 2024-01-31T10:00:00Z, got '%s'" % text)
    return parsed.strftime("%Y-%m-%dT%H:%M:%SZ")


def one_of(name, value, choices):
    if value is None:
        return None
    if value not in choices:
        raise ParameterError(name, "must be one of %s, got '%s'" % (", ".join(choices), value))
    return value


def positive_int(name, value, minimum=1, maximum=None):
    if value is None:
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ParameterError(name, "must be an integer, got '%s'" % (value,))
    if number < minimum or (maximum is not None and number > maximum):
        bound = ">= %d" % minimum if maximum is None else "between %d and %d" % (minimum, maximum)
        raise ParameterError(name, "must be %s, got %d" % (bound, number))
    return number


def compact(mapping):
    """Drops None values (unset optional parameters) from a dict."""
    return {k: v for k, v in mapping.items() if v is not None}
