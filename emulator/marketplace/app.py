"""Dispatch for ``/marketplace/{region}/...``: auth, resources, error bodies."""

import re

from ..http import HttpError, Response
from ..ratelimit import RateLimiter
from ..router import Router
from . import (catalog, common, customers, orders, plans, reports, resellers, subscriptions,
               validation)
from .auth import Credentials, TokenAuthority
from .state import MarketplaceState

# Each resource module has register(router, state) and, optionally, seed(state) and
# register_controls(controls, state) for its routes below /_emulator/marketplace.
# Seeding runs in this order: resellers re-home some customers, plans stamp products.
# Orders seed subscriptions from the catalog, so they come after it.
RESOURCES = [customers, catalog, resellers, plans, subscriptions, orders, reports, validation]

# The gateway's rate limit, switched on with rate_limit=True or over
# /_emulator/marketplace/ratelimit: CloudBlue's recommended API Management policy, 60 calls a
# minute per subscription key, counted over a sliding window (Ingram publishes no quota).
RATE_LIMIT = 60
RATE_WINDOW = 60.0

_PREFIX = re.compile(r"^/marketplace/(?P<region>[a-z]+)(?P<rest>/.*)?$")


class MarketplaceApp(object):
    api = "marketplace"

    def __init__(self, clock, region="eu", credentials=None, seed=True,
                 max_limit=common.MAX_LIMIT, rate_limit=False):
        self.clock = clock
        self.region = region
        # Largest page served; settable on a running emulator to mimic a stricter gateway.
        self.max_limit = int(max_limit)
        self.state = MarketplaceState(clock)
        self.auth = TokenAuthority(clock, credentials or Credentials())
        self.rate_limit = RateLimiter(clock, limit=RATE_LIMIT, window=RATE_WINDOW,
                                      enabled=rate_limit, sliding=True)
        self.router = Router()
        self.router.add("POST", "/token", self.auth.issue)
        for resource in RESOURCES:
            resource.register(self.router, self.state)
        if seed:
            for resource in RESOURCES:
                if hasattr(resource, "seed"):
                    resource.seed(self.state)

    def match(self, path):
        m = _PREFIX.match(path)
        if not m:
            return None
        return m.group("rest") or "/"

    def handle(self, request, subpath):
        # Order transitions that fell due on the clock are applied before any request is
        # answered, so every resource sees the same moment.
        orders.process_due(self.state)
        request.max_limit = self.max_limit
        if self.rate_limit.enabled:
            self._limit(request)
        if subpath != "/token":
            # Handlers that depend on the marketplace (activation rules) read it here.
            request.marketplace = self.auth.check(request)
        return self.router.dispatch(request, subpath)

    def _limit(self, request):
        # The gateway checks the key before it counts, and counts every call of a key,
        # token requests and writes included.
        self.auth.check_key(request)
        verdict = self.rate_limit.check(request.headers.get("X-Subscription-Key"))
        if not verdict.allowed:
            raise HttpError(429, "rate limited", body=too_many(verdict.retry_after),
                            headers={"Retry-After": str(verdict.retry_after)})

    def error_body(self, request, status, message):
        return {"timeStamp": self.clock.iso().replace("Z", ".000+00:00"), "status": status,
                "message": message, "path": request.path,
                "correlationId": "a8n-" + _uuid()}

    def error_response(self, request, exc):
        if exc.body is not None:
            return Response(exc.status, exc.body, headers=exc.headers)
        body = self.error_body(request, exc.status, exc.message)
        return Response(exc.status, body,
                        headers=dict(exc.headers, **{"X-Correlation-ID": body["correlationId"]}))

    def fault_response(self, request, fault):
        headers = fault.headers()
        if fault.status == 429:
            # APIM answers rate limits itself, in its own body shape.
            retry_after = fault.retry_after if fault.retry_after is not None else 1
            return Response(429, too_many(retry_after, fault.message), headers=headers)
        message = fault.message or "Service temporarily unavailable"
        return self.error_response(request, HttpError(fault.status, message, headers=headers))

    def register_controls(self, controls):
        """Control routes below ``/_emulator/marketplace``; handlers take ``(request, body)``."""
        def set_rate_limit(request, body):
            try:
                self.rate_limit.configure(body.get("enabled"), body.get("limit"),
                                          body.get("window"))
            except (TypeError, ValueError) as exc:
                return Response(400, {"message": str(exc)})
            return Response(200, self.rate_limit.describe())

        def set_limits(request, body):
            self.max_limit = int(body.get("max_limit", common.MAX_LIMIT))
            return Response(200, {"max_limit": self.max_limit})

        controls.add("POST", "/ratelimit", set_rate_limit)
        controls.add("GET", "/ratelimit",
                     lambda request, body: Response(200, self.rate_limit.describe()))
        controls.add("POST", "/limits", set_limits)
        for resource in RESOURCES:
            if hasattr(resource, "register_controls"):
                resource.register_controls(controls, self.state)


def too_many(retry_after, message=None):
    """API Management's own 429 body, not the API's ``errorMessage``."""
    return {"statusCode": 429, "message": message or
            "Rate limit is exceeded. Try again in %s seconds." % retry_after}


def _uuid():
    import uuid
    return str(uuid.uuid4())
