"""Xvantage webhook deliveries: signature check, freshness, and trigger payloads.

Two kinds of event arrive: order events (topic ``resellers/orders``: status updates and v7
async create results) and stock updates (topic ``resellers/catalog``, event type
``IM::STOCK_UPDATE``, one resource per part); ``triggers_for`` names the trigger of each
resource.

Ingram signs only the event id: ``x-hub-signature`` is Base64(HMAC-SHA512(secret, eventId)).
The body and the timestamp are not covered, so a captured signature could be replayed with
another body. The receiver therefore de-duplicates on ``eventId`` for a long time, refuses
stale or future ``eventTimeStamp`` values, and rules that act on money should re-read the
order first. The payloads in the wild drift from the schema (key case, ``LineNumber`` vs
``ingramLineNumber``, quantities as strings or numbers, one event or a list of events), so
keys are matched case-insensitively and values are passed through as given.
"""

import base64
import hashlib
import hmac

from ..core.times import parse_time
from ..core.values import as_list, number_or_none, pick, text_or_none
from .results import status as normalize_status

ORDER_EVENT_TRIGGER = "ingram_micro.xvantage_order_event"
STOCK_UPDATE_TRIGGER = "ingram_micro.xvantage_stock_update"
STOCK_KIND = "stock_update"
CATALOG_TOPIC = "resellers/catalog"


class WebhookRejected(Exception):
    """A delivery the receiver refuses; ``status`` is the HTTP answer."""

    def __init__(self, status, message):
        super(WebhookRejected, self).__init__(message)
        self.status = status
        self.message = message


def sign(secret, event_id):
    digest = hmac.new(secret.encode("utf-8"), event_id.encode("utf-8"), hashlib.sha512).digest()
    return base64.b64encode(digest).decode("ascii")


def signature_valid(secret, event_id, header_value):
    if not secret or not header_value or not isinstance(event_id, str):
        return False
    given = header_value.strip()
    if given.lower().startswith("sha512="):
        given = given[len("sha512="):]
    return hmac.compare_digest(sign(secret, event_id).encode("ascii"),
                               given.encode("ascii", "replace"))


def event_kind(event_type):
    """``IM::async_order_create`` -> ``async_order_create``; for rule criteria."""
    if not event_type:
        return None
    text = str(event_type).strip()
    if text.lower().startswith("im::"):
        text = text[4:]
    return text.lower()


def split_events(body):
    """A delivery is one event object or (v7 create results) a list of them."""
    if isinstance(body, dict):
        return [body]
    if isinstance(body, list) and body and all(isinstance(e, dict) for e in body):
        return body
    raise WebhookRejected(400, "body must be a JSON object or a non-empty list of objects")


def check_event(event, secrets, signature, now, window):
    """``(event_id, epoch, account)`` of an authentic, fresh event, else raises.

    ``secrets`` is ``[(account, secret)]``: the secret that verifies the signature names the
    account (one receiver can serve several Xvantage apps).
    """
    event_id = pick(event, "eventId")
    if not isinstance(event_id, str) or not event_id.strip():
        raise WebhookRejected(400, "event has no eventId")
    account = None
    for name, secret in secrets:
        if signature_valid(secret, event_id, signature):
            account = name
            break
    if account is None:
        raise WebhookRejected(401, "x-hub-signature does not match the event id")
    raw_ts = pick(event, "eventTimeStamp", "evenTtimeStamp")
    epoch = parse_time(raw_ts)
    if epoch is None:
        raise WebhookRejected(400, "event has no readable eventTimeStamp")
    if epoch < now - window:
        raise WebhookRejected(400, "event is older than the replay window (%ds)" % window)
    if epoch > now + window:
        raise WebhookRejected(400, "event timestamp is in the future beyond the window")
    return event_id, epoch, account


def _line_status(line, order_number, sub_order_default=None):
    raw = pick(line, "lineStatus")
    number = pick(line, "LineNumber", "ingramLineNumber", "ingramOrderLineNumber")
    sub = pick(line, "subOrderNumber") or sub_order_default
    return {
        "order_number": order_number,
        "sub_order_number": None if sub is None else str(sub),
        "line_number": None if number is None else str(number),
        "customer_line_number": text_or_none(pick(line, "customerLineNumber")),
        "ingram_part_number": text_or_none(pick(line, "ingramPartNumber")),
        "status": None if raw is None else str(raw),
        "normalized_status": normalize_status(raw),
    }


def _dedupe(values):
    out = []
    for value in values:
        if value is not None and value not in out:
            out.append(value)
    return out


def payloads_for(event, account, received_at):
    """One ``xvantage_order_event`` payload per order resource in an authentic event."""
    resources = pick(event, "resource")
    top_type = pick(event, "eventType")
    out = []
    for index, resource in enumerate(as_list(resources)):
        if not isinstance(resource, dict) or is_stock_update(event, resource):
            continue
        event_type = pick(resource, "eventType") or top_type
        order_number = pick(resource, "orderNumber", "ingramOrderNumber")
        lines = []
        statuses = []
        order_numbers = [order_number] if order_number else []
        rejected = []
        if pick(resource, "orders") is not None:
            # v7 async create result: an OrderCreateResponse-like body, orders[] of lines.
            for order in as_list(pick(resource, "orders")):
                if not isinstance(order, dict):
                    continue
                number = pick(order, "ingramOrderNumber")
                order_numbers.append(number)
                for line in as_list(pick(order, "lines")):
                    if isinstance(line, dict):
                        lines.append(line)
                        statuses.append(_line_status(line, text_or_none(number)))
            rejected = [r for r in as_list(pick(resource, "rejectedLineItems"))
                        if isinstance(r, dict)]
        else:
            for line in as_list(pick(resource, "lines")):
                if isinstance(line, dict):
                    lines.append(line)
                    statuses.append(_line_status(line, text_or_none(order_number)))
        order_numbers = _dedupe(str(n) for n in order_numbers if n)
        out.append({
            "event_id": str(pick(event, "eventId")),
            "event": text_or_none(pick(event, "event")),
            "topic": text_or_none(pick(event, "topic")),
            "event_type": text_or_none(event_type) or "",
            "kind": event_kind(event_type) or "",
            "event_timestamp": text_or_none(pick(event, "eventTimeStamp", "evenTtimeStamp")),
            "resource_index": index,
            "account": account,
            "order_number": order_numbers[0] if order_numbers else None,
            "order_numbers": order_numbers,
            "customer_order_number": text_or_none(pick(resource, "customerOrderNumber")),
            "sub_order_numbers": _dedupe(s["sub_order_number"] for s in statuses),
            "statuses": _dedupe(s["normalized_status"] for s in statuses),
            "line_statuses": statuses,
            "lines": lines,
            "rejected_lines": rejected,
            "resource": resource,
            "received_at": received_at,
        })
    return out


def is_stock_update(event, resource):
    """Whether a resource is a stock update: its event type says so, or, when no event type
    was sent, the event's topic is the catalog."""
    kind = event_kind(pick(resource, "eventType") or pick(event, "eventType"))
    if kind:
        return kind == STOCK_KIND
    return str(pick(event, "topic") or "").strip().strip("/").lower() == CATALOG_TOPIC


def _flag(value):
    text = "" if value is None else str(value).strip().upper()
    if text in ("Y", "YES", "TRUE", "1"):
        return True
    if text in ("N", "NO", "FALSE", "0"):
        return False
    return None


def _units(value):
    number = number_or_none(value)
    if number is None or number != int(number):
        return None
    return int(number)


def stock_payloads_for(event, account, received_at):
    """One ``xvantage_stock_update`` payload per part (resource) of an authentic event."""
    top_type = pick(event, "eventType")
    out = []
    for index, resource in enumerate(as_list(pick(event, "resource"))):
        if not isinstance(resource, dict) or not is_stock_update(event, resource):
            continue
        event_type = pick(resource, "eventType") or top_type
        flag = pick(resource, "backOrderFlag")
        total = pick(resource, "totalAvailability")
        out.append({
            "event_id": str(pick(event, "eventId")),
            "event": text_or_none(pick(event, "event")),
            "topic": text_or_none(pick(event, "topic")),
            "event_type": text_or_none(event_type) or "",
            "kind": event_kind(event_type) or STOCK_KIND,
            "event_timestamp": text_or_none(pick(event, "eventTimeStamp", "evenTtimeStamp")),
            "resource_index": index,
            "account": account,
            "ingram_part_number": text_or_none(pick(resource, "ingramPartNumber")),
            "vendor_part_number": text_or_none(pick(resource, "vendorPartNumber")),
            "vendor_name": text_or_none(pick(resource, "vendorName")),
            "upc_code": text_or_none(pick(resource, "upcCode")),
            "sku_status": text_or_none(pick(resource, "skuStatus")),
            "back_order_flag": text_or_none(flag),
            "back_order": _flag(flag),
            # Whole units, or null when the value sent is not one; the text as sent is kept.
            "total_availability": _units(total),
            "total_availability_raw": text_or_none(total),
            "links": [link for link in as_list(pick(resource, "links"))
                      if isinstance(link, dict)],
            "resource": resource,
            "received_at": received_at,
        })
    return out


def triggers_for(event, account, received_at):
    """``[(trigger, payload)]`` of an authentic event, in the order of its resources."""
    pairs = [(ORDER_EVENT_TRIGGER, p) for p in payloads_for(event, account, received_at)]
    pairs += [(STOCK_UPDATE_TRIGGER, p)
              for p in stock_payloads_for(event, account, received_at)]
    return sorted(pairs, key=lambda pair: pair[1]["resource_index"])
