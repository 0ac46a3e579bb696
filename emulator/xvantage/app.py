"""Dispatch for the Xvantage reseller API: ``/oauth/...`` and ``/resellers/...``, also
below ``/sandbox``. Auth, IM-* header checks, rate limiting, error bodies, control."""

from ..http import HttpError, Response
from ..router import Router
from . import orders, search
from .auth import Credentials, TokenAuthority
from .common import check_headers, echo_headers, error_body, fail
from .ratelimit import TOO_MANY, RateLimiter
from .state import OrderStore
from .webhooks import WebhookEmitter

TOKEN_PATH = "/oauth/oauth20/token"
RESOURCES = [orders, search]


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

    def control(self, request, path, body):
        if not path.startswith("/xvantage/"):
            return None
        path = path[len("/xvantage"):]
        if path == "/ratelimit" and request.method == "POST":
            self.rate_limit.configure(body.get("enabled"), body.get("limit"),
                                      body.get("window"))
            return Response(200, {"enabled": self.rate_limit.enabled,
                                  "limit": self.rate_limit.limit})
        if path == "/maintenance" and request.method == "POST":
            self.maintenance = bool(body.get("enabled", True))
            return Response(200, {"maintenance": self.maintenance})
        if path == "/webhooks" and request.method == "POST":
            self.webhooks.configure(body.get("url"), body.get("secret"))
            return Response(200, {"url": self.webhooks.url})
        if path == "/webhooks/flush" and request.method == "POST":
            sent = self.webhooks.flush()
            return Response(200, {"sent": [{"eventId": r["eventId"], "status": r["status"]}
                                           for r in sent]})
        if path == "/orders/bulk" and request.method == "POST":
            numbers = orders.bulk_create(
                self.store, int(body.get("count", 100)), start=body.get("start"),
                end=body.get("end"), hold_every=int(body.get("hold_every", 0)),
                prefix=body.get("prefix", "BULK"))
            return Response(201, {"created": len(numbers), "first": numbers[:1],
                                  "last": numbers[-1:]})
        if path == "/search" and request.method == "POST":
            self.store.oldest_first = bool(body.get("oldest_first"))
            return Response(200, {"oldest_first": self.store.oldest_first})
        if (path.startswith("/orders/") and path.endswith("/search-row") and
                request.method == "POST"):
            order = self.store.get(path[len("/orders/"):-len("/search-row")])
            if order is None:
                return Response(404, {"message": "no such order"})
            order.search_overrides = dict(body)
            return Response(200, {"overrides": order.search_overrides})
        if path == "/orders" and request.method == "DELETE":
            self.store.clear()
            return Response(204)
        if path == "/orders":
            return Response(200, {"total": len(self.store)})
        return None

    # -- helpers for tests and other emulator parts ---------------------------------------

    def bulk_create(self, count, **kwargs):
        return orders.bulk_create(self.store, count, **kwargs)
