"""Local checks of action parameters, run before any HTTP call.

Each failure names the parameter, so the st2 UI user knows which field to fix.
"""

import datetime
import math
import re

from .errors import ParameterError
# A walk over every page stops at MAX_ITEMS, so the result fits in the one database
# document StackStorm stores it in; defined beside the result-size limit.
from .limits import MAX_ITEMS  # noqa: F401
from .times import parse_datetime

_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_ASCII_INT = re.compile(r"^[+-]?[0-9]+$")

# A poll interval longer than this would spend most of an action's 600 s timeout asleep.
MAX_POLL_INTERVAL = 300
# Longest free-text filter sent in a query string; longer ones make URLs that clients and
# gateways refuse (httpx raises on URLs over 64 KB).
MAX_TEXT_LENGTH = 1000


def required(name, value):
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ParameterError(name, "is required")
    return value


def text(name, value, max_length=MAX_TEXT_LENGTH):
    """A free-text filter or field of at most ``max_length`` characters."""
    if value is None:
        return None
    value = str(value)
    if len(value) > max_length:
        raise ParameterError(name, "is %d characters long; at most %d are accepted"
                             % (len(value), max_length))
    return value


def single_value(name, value):
    """The Marketplace API takes one value per filter; ``a,b`` is answered with HTTP 400."""
    if value is None:
        return None
    text_value = text(name, value).strip()
    if "," in text_value:
        raise ParameterError(
            name, "takes a single value, got '%s'; the API rejects lists, so run the "
            "action once per value" % _shown(text_value))
    return text_value


def date(name, value):
    if value is None:
        return None
    text = str(value).strip()
    try:
        if not _DATE.match(text):
            raise ValueError(text)
        datetime.date(*[int(p) for p in text.split("-")])
    except ValueError:
        raise ParameterError(name, "must be a date YYYY-MM-DD, got '%s'" % _shown(text))
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
            name, "must be an ISO-8601 date-time such as 2024-01-31T10:00:00Z, got '%s'"
            % _shown(text))
    return parsed.strftime("%Y-%m-%dT%H:%M:%SZ")


def one_of(name, value, choices):
    if value is None:
        return None
    if value not in choices:
        raise ParameterError(name, "must be one of %s, got '%s'"
                             % (", ".join(choices), _shown(value)))
    return value


def positive_int(name, value, minimum=1, maximum=None):
    """``value`` as an int within the bounds, or a ParameterError naming ``name``.

    Only a whole number or a string of ASCII digits is taken: Python's ``int()`` would also
    read ``True``, ``2.7`` (as 2) and non-ASCII digits such as ``'\u0661'`` (as 1).
    """
    if value is None:
        return None
    number = _integer(value)
    if number is None:
        raise ParameterError(name, "must be an integer, got '%s'" % (_shown(value),))
    if number < minimum or (maximum is not None and number > maximum):
        bound = ">= %d" % minimum if maximum is None else "between %d and %d" % (minimum, maximum)
        raise ParameterError(name, "must be %s, got %s" % (bound, _shown(number)))
    return number


def max_items(name, value):
    """The ``max_items`` of a walk over every page: 1 to MAX_ITEMS."""
    return positive_int(name, value, 1, MAX_ITEMS)


def _integer(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    if isinstance(value, str):
        text = value.strip()
        if _ASCII_INT.match(text) and len(text) <= 30:
            return int(text)
    return None


def _shown(value):
    text = str(value)
    return text if len(text) <= 40 else text[:40] + "..."


def compact(mapping):
    """Drops None values (unset optional parameters) from a dict."""
    return {k: v for k, v in mapping.items() if v is not None}


def nested_too_deep(value, limit):
    """True when ``value`` nests lists/dicts more than ``limit`` levels. Iterative: a value
    nested 100 000 deep must not exhaust the stack while it is being measured."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False
