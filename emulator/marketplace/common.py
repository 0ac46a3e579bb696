"""Conventions shared by every Marketplace resource: ids, list envelope, errors."""

import collections
import threading

from ..http import HttpError

DEFAULT_LIMIT = 10
MAX_LIMIT = 500


class Collection(object):
    """Entities in creation order; lists are served newest first, as the API does."""

    def __init__(self, first_id=1000000):
        self._items = collections.OrderedDict()
        self._next = first_id
        self._lock = threading.Lock()

    def new_id(self):
        with self._lock:
            self._next += 1
            return str(self._next)

    def add(self, item):
        self._items[item["id"]] = item
        return item

    def get(self, item_id):
        return self._items.get(str(item_id))

    def require(self, item_id, what):
        item = self._items.get(str(item_id))
        if item is None:
            raise HttpError(404, "%s with id %s not found" % (what, item_id))
        return item

    def newest_first(self):
        return reversed(list(self._items.values()))

    def __len__(self):
        return len(self._items)

    def values(self):
        return self._items.values()


def paging(request):
    """``offset``/``limit`` from the query; limit defaults to 10 and is capped at 500, or at
    the lower cap an emulator was started with (``max_limit``), as a gateway may impose."""
    try:
        offset = int(request.arg("offset", 0))
        limit = int(request.arg("limit", DEFAULT_LIMIT))
    except ValueError:
        raise HttpError(400, "offset and limit must be integers")
    if offset < 0 or limit < 1:
        raise HttpError(400, "offset must be >= 0 and limit >= 1")
    return offset, min(limit, getattr(request, "max_limit", MAX_LIMIT))


def single(request, name):
    """A filter that takes one value; a comma list is a 400, as on the real API."""
    value = request.arg(name)
    if value is not None and "," in value:
        raise HttpError(400, "Invalid value '%s' for parameter '%s': a single value is "
                        "expected" % (value, name))
    return value


def envelope(rows, request, view=None):
    """The list envelope over newest-first ``rows`` (an iterable of stored entities)."""
    offset, limit = paging(request)
    rows = list(rows)
    page = rows[offset:offset + limit]
    if view is not None:
        page = [view(r) for r in page]
    return {"data": page, "pagination": {"offset": offset, "limit": limit, "total": len(rows)}}


def body_of(request):
    try:
        body = request.json()
    except ValueError:
        raise HttpError(400, "Request body is not valid JSON")
    if not isinstance(body, dict):
        raise HttpError(400, "Request body must be a JSON object")
    return body


def require_fields(obj, fields, where):
    missing = [f for f in fields if obj.get(f) in (None, "", [])]
    if missing:
        raise HttpError(400, "%s: missing required field(s): %s" % (where, ", ".join(missing)))


def copy_known(source, fields):
    return {k: source[k] for k in fields if k in source and source[k] is not None}
