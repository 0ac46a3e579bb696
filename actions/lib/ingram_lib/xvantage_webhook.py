"""Xvantage webhook deliveries: signature check, freshness, and trigger payloads.

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

from .times import parse_time
from .xvantage_results import pick as get_ci, status as normalize_status

ORDER_EVENT_TRIGGER = "ingram_micro.xvantage_order_event"


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


def parse_timestamp(value):
    """Epoch seconds of an ISO-8601 timestamp (``Z``, an offset, or none meaning UTC)."""
    return parse_time(value)


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
    event_id = get_ci(event, "eventId")
    if not isinstance(event_id, str) or not event_id.strip():
        raise WebhookRejected(400, "event has no eventId")
    account = None
    for name, secret in secrets:
        if signature_valid(secret, event_id, signature):
            account = name
            break
    if account is None:
        raise WebhookRejected(401, "x-hub-signature does not match the event id")
    raw_ts = get_ci(event, "eventTimeStamp", "evenTtimeStamp")
    epoch = parse_timestamp(raw_ts)
    if epoch is None:
        raise WebhookRejected(400, "event has no readable eventTimeStamp")
    if epoch < now - window:
        raise WebhookRejected(400, "event is older than the replay window (%ds)" % window)
    if epoch > now + window:
        raise WebhookRejected(400, "event timestamp is in the future beyond the window")
    return event_id, epoch, account


def _as_list(value):
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def _line_status(line, order_number, sub_order_default=None):
    raw = get_ci(line, "lineStatus")
    number = get_ci(line, "LineNumber", "ingramLineNumber", "ingramOrderLineNumber")
    sub = get_ci(line, "subOrderNumber") or sub_order_default
    return {
        "order_number": order_number,
        "sub_order_number": None if sub is None else str(sub),
        "line_number": None if number is None else str(number),
        "customer_line_number": _str_or_none(get_ci(line, "customerLineNumber")),
        "ingram_part_number": _str_or_none(get_ci(line, "ingramPartNumber")),
        "status": None if raw is None else str(raw),
        "normalized_status": normalize_status(raw),
    }


def _str_or_none(value):
    return None if value is None else str(value)


def _dedupe(values):
    out = []
    for value in values:
        if value is not None and value not in out:
            out.append(value)
    return out


def payloads_for(event, account, received_at):
    """One ``xvantage_order_event`` payload per order resource in an authentic event."""
    resources = get_ci(event, "resource")
    top_type = get_ci(event, "eventType")
    out = []
    for index, resource in enumerate(_as_list(resources)):
        if not isinstance(resource, dict):
            continue
        event_type = get_ci(resource, "eventType") or top_type
        order_number = get_ci(resource, "orderNumber", "ingramOrderNumber")
        lines = []
        statuses = []
        order_numbers = [order_number] if order_number else []
        rejected = []
        if get_ci(resource, "orders") is not None:
            # v7 async create result: an OrderCreateResponse-like body, orders[] of lines.
            for order in _as_list(get_ci(resource, "orders")):
                if not isinstance(order, dict):
                    continue
                number = get_ci(order, "ingramOrderNumber")
                order_numbers.append(number)
                for line in _as_list(get_ci(order, "lines")):
                    if isinstance(line, dict):
                        lines.append(line)
                        statuses.append(_line_status(line, _str_or_none(number)))
            rejected = [r for r in _as_list(get_ci(resource, "rejectedLineItems"))
                        if isinstance(r, dict)]
        else:
            for line in _as_list(get_ci(resource, "lines")):
                if isinstance(line, dict):
                    lines.append(line)
                    statuses.append(_line_status(line, _str_or_none(order_number)))
        order_numbers = _dedupe(str(n) for n in order_numbers if n)
        out.append({
            "event_id": str(get_ci(event, "eventId")),
            "event": _str_or_none(get_ci(event, "event")),
            "topic": _str_or_none(get_ci(event, "topic")),
            "event_type": _str_or_none(event_type) or "",
            "kind": event_kind(event_type) or "",
            "event_timestamp": _str_or_none(get_ci(event, "eventTimeStamp", "evenTtimeStamp")),
            "resource_index": index,
            "account": account,
            "order_number": order_numbers[0] if order_numbers else None,
            "order_numbers": order_numbers,
            "customer_order_number": _str_or_none(get_ci(resource, "customerOrderNumber")),
            "sub_order_numbers": _dedupe(s["sub_order_number"] for s in statuses),
            "statuses": _dedupe(s["normalized_status"] for s in statuses),
            "line_statuses": statuses,
            "lines": lines,
            "rejected_lines": rejected,
            "resource": resource,
            "received_at": received_at,
        })
    return out
