"""Dispatch for the Xvantage reseller API: ``/oauth/...`` and ``/resellers/...``, also
below ``/sandbox``. Auth, IM-* header checks, rate limiting, error bodies, control."""

from ..http import HttpError, Response
from ..router import Router
from . import (deals, documents, freight, invoices, orders, products, quotes, renewals,
               returns, search)
from .auth import Credentials, TokenAuthority
from .common import check_headers, echo_headers, error_body, fail
from .ratelimit import TOO_MANY, RateLimiter
from .state import OrderStore
from .webhooks import WebhookEmitter

TOKEN_PATH = "/oauth/oauth20/token"
RESOURCES = [orders, search, products, freight, quotes, invoices, renewals, deals, returns]


class XvantageApp(object):
    api = "xvantage"

    def __init__(self, clock, credentials=None, rate_limit=False, seed=True):
        self.clock = clock
        self.credentials = credentials or Credentials()
        self.auth = TokenAuthority(clock, self.credentials)
        self.store = OrderStore(clock)
        self.rate_limit = RateLimiter(clock, enabled=rate_limit)
        self.webhooks = WebhookEmitter(self.store, clock)
        # Daily maintenance windows answer 500 to every reseller call (v6 creates fail).
        self.maintenance = False
        self.router = Router()
        self.router.add("POST", TOKEN_PATH, self.auth.issue)
        self.router.add("GET", TOKEN_PATH, self.auth.issue)
        for resource in RESOURCES:
            resource.register(self.router, self.store)
        if seed:
            self.seed()

    def seed(self):
        """A few orders in every state, so a fresh emulator has something to search."""
        now = self.clock.now()
        orders.bulk_create(self.store, 6, start=now - 5 * 86400, end=now - 3600,
                           hold_every=3, prefix="SEED")

    # -- app interface --------------------------------------------------------------------

    def match(self, path):
        if path.startswith("/sandbox/"):
            path = path[len("/sandbox"):]
        if path.startswith("/oauth/") or path.startswith("/resellers/"):
            return path
        return None

    def handle(self, request, subpath):
        if subpath == TOKEN_PATH:
            return self.router.dispatch(request, subpath)
        self.auth.check(request)
        if self.maintenance:
            raise fail(500, "The service is unavailable during scheduled maintenance",
                       kind="/errors/system-errors")
        check_headers(request, self.credentials.customer_number)
        extra = {}
        if request.method == "GET" and self.rate_limit.enabled:
            key = (request.headers.get("Authorization"), self.router.template(subpath))
            allowed, extra = self.rate_limit.hit(key)
            if not allowed:
                raise HttpError(429, "too many requests", body=TOO_MANY, headers=extra)
        response = self.router.dispatch(request, subpath)
        response.headers.update(extra)
        response.headers.update(echo_headers(request))
        return response

    def error_response(self, request, exc):
        body = exc.body
        if body is None:
            body = error_body(exc.message, kind="/errors/server-error" if exc.status >= 500
                              else "/errors/validation-error")
        # Some API groups answer errors flat ({traceid, type, fields}), headers' included.
        body = documents.error_shape(request.route, exc.status, body)
        headers = dict(exc.headers)
        headers.update(echo_headers(request))
        return Response(exc.status, body, headers=headers)

    def fault_response(self, request, fault):
        headers = fault.headers()
        if fault.status == 429:
            return self.error_response(request, HttpError(
                429, "too many requests", body=TOO_MANY, headers=headers))
        message = fault.message or "Service temporarily unavailable"
        error = fail(fault.status, message, headers=headers)
        return self.error_response(request, error)

    # -- control: /_emulator/xvantage/... -------------------------------------------------

    def register_controls(self, controls):
        """Control routes below ``/_emulator/xvantage``; handlers take ``(request, body)``.
        A resource module may add its own with ``register_controls(controls, store)``."""
        def set_rate_limit(request, body):
            self.rate_limit.configure(body.get("enabled"), body.get("limit"),
                                      body.get("window"))
            return Response(200, {"enabled": self.rate_limit.enabled,
                                  "limit": self.rate_limit.limit})

        def set_maintenance(request, body):
            self.maintenance = bool(body.get("enabled", True))
            return Response(200, {"maintenance": self.maintenance})

        def set_webhooks(request, body):
            self.webhooks.configure(body.get("url"), body.get("secret"),
                                    stock=body.get("stock") is True)
            return Response(200, {"url": self.webhooks.url,
                                  "stock": self.webhooks.stock_updates})

        def flush_webhooks(request, body):
            sent = self.webhooks.flush()
            return Response(200, {"sent": [{"eventId": r["eventId"], "status": r["status"]}
                                           for r in sent]})

        def add_bulk(request, body):
            numbers = orders.bulk_create(
                self.store, int(body.get("count", 100)), start=body.get("start"),
                end=body.get("end"), hold_every=int(body.get("hold_every", 0)),
                prefix=body.get("prefix", "BULK"))
            return Response(201, {"created": len(numbers), "first": numbers[:1],
                                  "last": numbers[-1:]})

        def set_search_order(request, body):
            self.store.oldest_first = bool(body.get("oldest_first"))
            return Response(200, {"oldest_first": self.store.oldest_first})

        def override_search_row(request, body):
            order = self.store.get(request.params["number"])
            if order is None:
                return Response(404, {"message": "no such order"})
            order.search_overrides = dict(body)
            return Response(200, {"overrides": order.search_overrides})

        def clear_orders(request, body):
            self.store.clear()
            return Response(204)

        controls.add("POST", "/ratelimit", set_rate_limit)
        controls.add("POST", "/maintenance", set_maintenance)
        controls.add("POST", "/webhooks", set_webhooks)
        controls.add("POST", "/webhooks/flush", flush_webhooks)
        controls.add("POST", "/orders/bulk", add_bulk)
        controls.add("POST", "/search", set_search_order)
        controls.add("POST", "/orders/{number}/search-row", override_search_row)
        controls.add("DELETE", "/orders", clear_orders)
        controls.add("GET", "/orders",
                     lambda request, body: Response(200, {"total": len(self.store)}))
        for resource in RESOURCES:
            if hasattr(resource, "register_controls"):
                resource.register_controls(controls, self.store)

    # -- helpers for tests and other emulator parts ---------------------------------------

    def bulk_create(self, count, **kwargs):
        return orders.bulk_create(self.store, count, **kwargs)
