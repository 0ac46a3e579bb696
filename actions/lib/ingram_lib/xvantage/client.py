"""Client of the Ingram Micro Xvantage reseller Orders API (``api.ingrammicro.com``).

Token: OAuth2 client credentials, a form POST to ``/oauth/oauth20/token`` (the same
endpoint serves production and sandbox). Every call carries ``IM-CustomerNumber``,
``IM-CountryCode``, ``IM-SenderID`` and a fresh ``IM-CorrelationID``; the spec's length
limits are checked here so that a bad setting fails before anything is sent.

The spec's examples disagree with its schemas (objects for arrays, strings for numbers,
``im::`` statuses), so responses are normalised in ``xvantage_results``, not trusted.
"""

import re
import time
import uuid

from ..core import checks, paths
from ..core.bearer import BearerTokenMixin
from ..core.errors import (BadResponse, ConfigError, OutcomeUnknown, RequestError,
                     answer_may_be_lost)
from ..core.http import RetryPolicy, Transport, decode_json, parse_retry_after
from ..core.redact import Redactor
from ..core.tokens import TokenCache, cache_key
from ..core.values import as_list, pick
from . import results

TOKEN_PATH = "/oauth/oauth20/token"
SANDBOX_SUFFIX = "/sandbox"

# The portal says tokens last 24 h whatever expires_in claims; refresh a few minutes early
# (TokenCache keeps its own 60 s margin on top).
MAX_TOKEN_LIFETIME = 24 * 3600
EARLY_REFRESH = 240
DEFAULT_TOKEN_LIFETIME = 3600

MAX_SEARCH_PAGE = 100
DEFAULT_SEARCH_PAGE = 25

# Header limits from the spec (IM-CorrelationID is generated, so only checked for safety).
CUSTOMER_NUMBER_MAX = 10
SENDER_ID_MAX = 32
CORRELATION_ID_MAX = 32

_COUNTRY = re.compile(r"^[A-Za-z]{2}$")


def outcome_unknown(message, customer_order_number=None, cause=None):
    lookup = {"customerOrderNumber": customer_order_number} if customer_order_number else {}
    return OutcomeUnknown(message, lookup=lookup, cause=cause)


def parse_error(body):
    """Message and error id from every documented error shape.

    ``{"errors": [{id|traceid, type, message, fields[]}]}`` (v6, v6.1, v7 examples),
    the v7 schema's unwrapped ``{traceid, type, message, fields}``, ``{"message"}`` (token),
    Apigee ``{"fault": {"faultstring", "detail": {"errorcode"}}}`` and the SOAP-like
    ``{"faultcode", "faultstring"}`` of a customer-number mismatch.
    """
    if isinstance(body, list) and body and isinstance(body[0], dict):
        return parse_error({"errors": body})
    if not isinstance(body, dict):
        return None, None
    errors = body.get("errors")
    if isinstance(errors, dict):
        errors = [errors]
    if isinstance(errors, list) and errors:
        messages, ident = [], None
        for item in errors:
            if not isinstance(item, dict):
                continue
            ident = ident or pick(item, "id", "traceid", "traceId")
            text = pick(item, "message", "messaage")
            details = _field_messages(item.get("fields"))
            if text and details:
                text = "%s: %s" % (text, details)
            messages.append(text or details or "")
        message = "; ".join(m for m in messages if m)
        return _with_id(message, ident), None
    fault = body.get("fault")
    if isinstance(fault, dict):
        code = (fault.get("detail") or {}).get("errorcode") if isinstance(
            fault.get("detail"), dict) else None
        text = fault.get("faultstring") or "gateway fault"
        return ("%s (%s)" % (text, code) if code else text), None
    if body.get("faultstring"):
        return body["faultstring"], None
    if "message" in body or "traceid" in body:
        text = body.get("message")
        details = _field_messages(body.get("fields"))
        if text and details:
            text = "%s: %s" % (text, details)
        return _with_id(text or details, body.get("traceid") or body.get("id")), None
    return None, None


def _with_id(message, ident):
    # The error id names the failure; the correlation id (kept apart) names the call.
    if message and ident:
        return "%s [error id %s]" % (message, ident)
    return message or None


def _field_messages(fields):
    out = []
    for field in as_list(fields):
        if not isinstance(field, dict):
            continue
        name, text = field.get("field"), field.get("message")
        if name and text:
            out.append("%s: %s" % (name, text))
        elif text:
            out.append(str(text))
    return "; ".join(out)


def retry_after(response, clock=time.time):
    """Seconds to wait on a 429: ``Retry-After``, else ``X-RateLimit-Reset`` (epoch)."""
    wait = parse_retry_after(response.headers.get("Retry-After"))
    if wait is not None:
        return wait
    reset = response.headers.get("X-RateLimit-Reset")
    if reset is None:
        return None
    try:
        return max(0.0, float(reset) - clock())
    except ValueError:
        return None


class XvantageTransport(Transport):
    @staticmethod
    def correlation_id(response):
        # Xvantage echoes the caller's IM-CorrelationID; that is the id support asks for.
        for name in ("IM-CorrelationID", "X-Correlation-ID"):
            if name in response.headers:
                return response.headers[name]
        return None


class Reply(object):
    """Status, decoded body and correlation id of one successful call."""

    def __init__(self, status, body, correlation_id, empty=False):
        self.status = status
        self.body = body
        self.correlation_id = correlation_id
        # No body at all, as opposed to one that is not JSON (a proxy's HTML page).
        self.empty = empty


class XvantageClient(BearerTokenMixin):
    api = "xvantage"

    def __init__(self, settings, kv=None, logger=None, transport=None, retry=None):
        self.settings = settings
        self.log = logger
        self.redactor = Redactor(settings.secrets)
        url = settings.api_url.rstrip("/")
        # Resource paths live under /sandbox in the sandbox; the token endpoint does not.
        if url.endswith(SANDBOX_SUFFIX):
            self.root, self.prefix = url[:-len(SANDBOX_SUFFIX)], SANDBOX_SUFFIX
        else:
            self.root, self.prefix = url, ""
        self.retry = retry or RetryPolicy(max_retries=settings.max_retries,
                                          max_wait=settings.max_retry_wait)
        self.transport = transport or XvantageTransport(
            self.root, settings.connect_timeout, settings.read_timeout, retry=self.retry,
            verify=settings.verify_ssl, redactor=self.redactor, logger=logger, api=self.api,
            error_parser=parse_error, retry_after_parser=retry_after)
        self.tokens = TokenCache(
            cache_key(self.api, settings.account, self.root, settings.client_id),
            kv=kv, logger=logger)

    # -- authentication -------------------------------------------------------------------

    def authenticate(self):
        response = self.transport.send(
            "POST", TOKEN_PATH,
            data={"grant_type": "client_credentials", "client_id": self.settings.client_id,
                  "client_secret": self.settings.client_secret},
            headers={"Accept": "application/json"}, idempotent=True, read=True)
        body = decode_json(response)
        token = body.get("access_token") if isinstance(body, dict) else None
        if not token:
            raise BadResponse("token response has no 'access_token'",
                              status=response.status_code, method="POST", path=TOKEN_PATH,
                              api=self.api)
        return self._remember(token, token_lifetime(body.get("expires_in")))

    def identity_headers(self):
        """The IM-* headers of one call, checked against the spec's limits."""
        s = self.settings
        number = str(s.customer_number or "").strip()
        if not number or len(number) > CUSTOMER_NUMBER_MAX:
            raise ConfigError(
                "xvantage setting 'customer_number' (header IM-CustomerNumber) must be 1-%d "
                "characters, got %d" % (CUSTOMER_NUMBER_MAX, len(number)))
        country = str(s.country_code or "").strip()
        if not _COUNTRY.match(country):
            raise ConfigError(
                "xvantage setting 'country_code' (header IM-CountryCode) must be a two-letter "
                "ISO country code such as US, got '%s'" % country)
        sender = str(s.sender_id or "").strip()
        if not sender or len(sender) > SENDER_ID_MAX:
            raise ConfigError(
                "xvantage setting 'sender_id' (header IM-SenderID) must be 1-%d characters, "
                "got %d" % (SENDER_ID_MAX, len(sender)))
        correlation = uuid.uuid4().hex[:CORRELATION_ID_MAX]
        return {"IM-CustomerNumber": number, "IM-CountryCode": country.upper(),
                "IM-SenderID": sender, "IM-CorrelationID": correlation}

    # -- requests -------------------------------------------------------------------------

    def group_headers(self, names):
        """Per-group headers some operations require besides the IM-* identity."""
        known = {"IM-ApplicationID": self.settings.application_id}
        return {name: known[name] for name in names}

    def call(self, method, path, params=None, body=None, idempotent=None, read_timeout=None,
             read=False, headers=None):
        """One authenticated call below ``/resellers``; returns a ``Reply``.

        ``path`` is relative to the environment root (``/resellers/v6/...``) and must be
        encoded already. A 401 re-authenticates once.
        """
        extra = headers
        headers = self.identity_headers()
        headers["Accept"] = "application/json"
        headers.update(extra or {})
        full = self.prefix + path

        def send(token):
            return self.transport.send(
                method, full, params=params, json_body=body,
                headers=dict(headers, Authorization="Bearer " + token),
                idempotent=idempotent, read_timeout=read_timeout, read=read)
        try:
            response = self._send_authenticated(send)
        except RequestError as exc:
            if not exc.correlation_id:
                exc.correlation_id = headers["IM-CorrelationID"]
                exc.rerender()
            raise
        return Reply(response.status_code, decode_json(response),
                     response.headers.get("IM-CorrelationID") or headers["IM-CorrelationID"],
                     empty=not response.content.strip())

    # -- orders ---------------------------------------------------------------------------

    def create_order(self, body):
        """v6 create. Sent once; an unanswered create is reconciled by customer order number."""
        number = body.get("customerOrderNumber")
        path = "/resellers/v6/orders"
        try:
            reply = self.call("POST", path, body=body, idempotent=False,
                              read_timeout=self.settings.order_timeout)
            results.require_created(reply, "POST", self.prefix + path, "orders")
        except RequestError as exc:
            if not answer_may_be_lost(exc):
                raise
            return self.reconcile(number, exc, duplicates_allowed(body))
        return results.create_result(reply.status, reply.body, reply.correlation_id)

    def create_order_async(self, body):
        """v7 create: the order is queued and confirmed by webhook later."""
        number = body.get("customerOrderNumber")
        path = "/resellers/v7/orders"
        try:
            reply = self.call("POST", path, body=body, idempotent=False,
                              read_timeout=self.settings.order_timeout)
            results.require_created(reply, "POST", self.prefix + path, "confirmationNumber")
        except RequestError as exc:
            if not answer_may_be_lost(exc):
                raise
            return self.reconcile(number, exc, duplicates_allowed(body))
        return results.async_create_result(reply.status, reply.body, reply.correlation_id)

    def reconcile(self, customer_order_number, cause, duplicates=False):
        """Looks for the order a failed create may have placed; never resubmits it.

        With ``allowDuplicateCustomerOrderNumber`` an order found by number may be an older
        one, so the outcome stays unknown and the candidates are named instead.
        """
        what = cause.message if isinstance(cause, RequestError) else str(cause)
        if not customer_order_number:
            raise outcome_unknown(
                "order create got no usable answer (%s) and has no customerOrderNumber to look "
                "it up by; it was NOT resubmitted -- search your orders before placing it "
                "again" % what, cause=what)
        found = []
        for attempt in range(2):
            if attempt:
                self.retry.sleep(min(2.0, self.retry.max_wait))
            if self.log is not None:
                # A step of a long operation: StackStorm shows it in the execution's
                # output, the runner on stderr.
                self.log.info("order create for customerOrderNumber %s got no usable answer "
                              "(%s); looking for it, never sending it again (attempt %d of 2)",
                              customer_order_number,
                              "HTTP %s" % cause.status if getattr(cause, "status", None)
                              else getattr(cause, "kind", "no answer"), attempt + 1)
            try:
                found = self.search_all({"customerOrderNumber": customer_order_number},
                                        max_items=50)["orders"]
            except RequestError as exc:
                if self.log is not None:
                    self.log.warning("reconcile search failed: %s", exc.message)
                continue
            if found:
                break
        if not found:
            raise outcome_unknown(
                "order create for customerOrderNumber '%s' got no usable answer (%s); no order "
                "with that number was found afterwards, so the outcome is unknown. It was NOT "
                "resubmitted: run xvantage_search_orders customerOrderNumber=%s later before "
                "placing it again" % (customer_order_number, what, customer_order_number),
                customer_order_number=customer_order_number, cause=what)
        if duplicates:
            raise outcome_unknown(
                "order create for customerOrderNumber '%s' got no usable answer (%s). "
                "Duplicates are allowed for it, so the existing order(s) %s may be older "
                "ones; it was NOT resubmitted -- check them with xvantage_get_order before "
                "placing it again" % (customer_order_number, what, ", ".join(
                    str(o.get("ingramOrderNumber")) for o in found)),
                customer_order_number=customer_order_number, cause=what)
        return results.reconciled_result(customer_order_number, found, what)

    def get_order(self, order_number, params=None):
        path = paths.build("/resellers/v6.1/orders/{ingramOrderNumber}",
                           ingramOrderNumber=order_number)
        reply = self.call("GET", path, params=params)
        results.require_created(reply, "GET", self.prefix + path, "ingramOrderNumber")
        return results.order_detail(reply.body, reply.correlation_id)

    def search_page(self, filters, page_number=1, page_size=DEFAULT_SEARCH_PAGE):
        page_size = checks.positive_int("pageSize", page_size, 1, MAX_SEARCH_PAGE)
        page_number = checks.positive_int("pageNumber", page_number, 1)
        params = dict(filters or {}, pageNumber=page_number, pageSize=page_size)
        reply = self.call("GET", "/resellers/v6/orders/search", params=params)
        return results.search_page(reply.status, reply.body, page_number, page_size)

    def search_all(self, filters, max_items=1000, page_size=MAX_SEARCH_PAGE):
        """Every page up to ``max_items`` orders, de-duplicated by order number.

        The result order is undocumented and new orders can shift pages while we walk them,
        hence the de-duplication.
        """
        max_items = checks.max_items("max_items", max_items)
        seen, orders = set(), []
        page_number, records, pages = 1, None, 0
        truncated = False
        while True:
            page = self.search_page(filters, page_number, page_size)
            pages += 1
            if page["recordsFound"] is not None:
                records = page["recordsFound"]
            for order in page["orders"]:
                key = order.get("ingramOrderNumber")
                if key in seen:
                    continue
                seen.add(key)
                if len(orders) >= max_items:
                    truncated = True
                    break
                orders.append(order)
            if truncated or results.last_page(page, page_number, page_size):
                break
            page_number += 1
        if records is None:
            records = len(seen)
        return {"orders": orders, "count": len(orders), "recordsFound": records,
                "pages": pages, "truncated": truncated or len(orders) < records}

    def modify_order(self, order_number, body, params=None):
        path = paths.build("/resellers/v6/orders/{ingramOrderNumber}",
                           ingramOrderNumber=order_number)
        # Setting notes, quantities or an address twice is harmless. Adding a line twice is
        # not, and deleting one twice reports the first deletion as a rejected change.
        once = any(isinstance(line, dict) and
                   str(line.get("addUpdateDeleteLine", "")).upper() in ("ADD", "DELETE")
                   for line in as_list(body.get("lines")))
        reply = self.call("PUT", path, params=params, body=body, idempotent=not once)
        results.require_body(reply, "PUT", self.prefix + path, allow_empty=False)
        return results.modify_result(reply.status, reply.body, reply.correlation_id)

    def release_order(self, order_number, params=None):
        path = paths.build("/resellers/v6/orders/{ingramOrderNumber}",
                           ingramOrderNumber=order_number)
        # A repeated release would answer "already released"; send it once.
        reply = self.call("PUT", path, params=dict(params or {}, actionCode="release"),
                          body={}, idempotent=False)
        results.require_body(reply, "PUT", self.prefix + path, allow_empty=True)
        return results.release_result(order_number, reply.status, reply.body,
                                      reply.correlation_id)

    def cancel_order(self, order_number, params=None):
        path = paths.build("/resellers/v6/orders/{ingramOrderNumber}",
                           ingramOrderNumber=order_number)
        try:
            reply = self.call("DELETE", path, params=params, idempotent=False)
            # Documented as a 200 without a body; a page that is not JSON is not that answer.
            results.require_body(reply, "DELETE", self.prefix + path, allow_empty=True)
        except RequestError as exc:
            if exc.status == 405:
                exc.message = ("order %s cannot be cancelled: only orders still on customer "
                               "hold (placed with allowOrderOnCustomerHold) can be cancelled, "
                               "and this one is not on hold (API said: %s)"
                               % (order_number, exc.message))
                exc.rerender()
            raise
        return {"ingramOrderNumber": order_number, "cancelled": True, "status": reply.status,
                "correlationId": reply.correlation_id}

    @staticmethod
    def path(template, **values):
        return paths.build(template, **values)


def token_lifetime(value):
    """``expires_in`` as seconds: the schema says string, the portal shows a number."""
    try:
        seconds = float(str(value).strip())
    except (TypeError, ValueError):
        seconds = DEFAULT_TOKEN_LIFETIME
    seconds = min(seconds, MAX_TOKEN_LIFETIME)
    return max(1.0, seconds - EARLY_REFRESH) if seconds > 2 * EARLY_REFRESH else seconds


def duplicates_allowed(body):
    for item in as_list(body.get("additionalAttributes")):
        if (isinstance(item, dict) and
                str(item.get("attributeName", "")).lower() ==
                "allowduplicatecustomerordernumber"):
            return str(item.get("attributeValue")).strip().lower() in ("true", "y", "yes", "1")
    return False
