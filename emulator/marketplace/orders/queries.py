"""Order views and searches: the detail and list shapes, filters from the query string."""

import datetime

from ...http import HttpError
from ..common import single
from .book import STATUSES, book

LIST_HIDDEN = ("poNumber", "products", "details", "attributes", "subscriptionId")


def parse_time(name, text):
    if text is None:
        return None
    value = text.strip().replace(" ", "T")
    if len(value) == 10:
        value += "T00:00:00"
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise HttpError(400, "Invalid value '%s' for parameter '%s': a date-time such as "
                        "2019-12-11T17:32:28Z is expected" % (text, name))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed.timestamp()


def detail_view(order):
    out = {k: v for k, v in order.items() if not k.startswith("_")}
    if order["type"] in ("renewal", "cancellation"):
        out.pop("products", None)
        out.pop("details", None)
    return out


def row_view(order):
    return {k: v for k, v in detail_view(order).items() if k not in LIST_HIDDEN}


def query(state, customer_id=None, subscription_id=None, order_number=None, status=None,
          status_code=None, time_from=None, time_to=None, customer_ids=None):
    """Orders matching the filters, newest first; the narrowest index drives the scan."""
    ob = book(state)
    if status is not None and status not in STATUSES:
        return []
    candidates = None
    for ids in (ob.by_status.get(status) if status else None,
                ob.by_customer.get(customer_id, []) if customer_id else None,
                ob.by_subscription.get(subscription_id, []) if subscription_id else None):
        if ids is not None and (candidates is None or len(ids) < len(candidates)):
            candidates = ids
    if candidates is None:
        rows = state.orders.newest_first()
    else:
        rows = (state.orders.get(i) for i in sorted(candidates, key=int, reverse=True))
    out = []
    for order in rows:
        if customer_id and order["customerId"] != customer_id:
            continue
        if customer_ids is not None and order["customerId"] not in customer_ids:
            continue
        if status and order["status"] != status:
            continue
        if subscription_id and order.get("subscriptionId") != subscription_id and all(
                line.get("subscriptionId") != subscription_id
                for line in order.get("products") or []):
            continue
        if order_number and order["orderNumber"] != order_number:
            continue
        if status_code and order.get("statusCode") != status_code:
            continue
        if time_from is not None and order["_created"] < time_from:
            continue
        if time_to is not None and order["_created"] > time_to:
            continue
        out.append(order)
    return out


def filters(request, with_number=True):
    out = {"customer_id": request.arg("customerId"),
           "subscription_id": request.arg("subscriptionId"),
           "status": single(request, "status"),
           "time_from": parse_time("creationTimeFrom", request.arg("creationTimeFrom")),
           "time_to": parse_time("creationTimeTo", request.arg("creationTimeTo"))}
    if with_number:
        out["order_number"] = request.arg("orderNumber")
        out["status_code"] = single(request, "statusCode")
    return out
