"""Dispatch for ``/marketplace/{region}/...``: auth, resources, error bodies."""

import re

from ..http import HttpError, Response
from ..router import Router
from . import (catalog, common, customers, orders, plans, reports, resellers, subscriptions,
               validation)
from .auth import Credentials, TokenAuthority
from .state import MarketplaceState

# Each resource module has register(router, state) and, optionally, seed(state).
# Seeding runs in this order: resellers re-home some customers, plans stamp products.
# Orders seed subscriptions from the catalog, so they come after it.
RESOURCES = [customers, catalog, resellers, plans, subscriptions, orders, reports, validation]

_PREFIX = re.compile(r"^/marketplace/(?P<region>[a-z]+)(?P<rest>/.*)?$")


class MarketplaceApp(object):
    api = "marketplace"

    def __init__(self, clock, region="eu", credentials=None, seed=True,
                 max_limit=common.MAX_LIMIT):
        self.clock = clock
        self.region = region
        # Largest page served; settable on a running emulator to mimic a stricter gateway.
        self.max_limit = int(max_limit)
        self.state = MarketplaceState(clock)
        self.auth = TokenAuthority(clock, credentials or Credentials())
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
        if subpath != "/token":
            # Handlers that depend on the marketplace (activation rules) read it here.
            request.marketplace = self.auth.check(request)
        return self.router.dispatch(request, subpath)

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
            message = fault.message or "Rate limit is exceeded. Try again in %s seconds." % (
                fault.retry_after if fault.retry_after is not None else 1)
            return Response(429, {"statusCode": 429, "message": message}, headers=headers)
        message = fault.message or "Service temporarily unavailable"
        return self.error_response(request, HttpError(fault.status, message, headers=headers))

    def control(self, request, path, body):
        if not path.startswith("/marketplace/"):
            return None
        if path == "/marketplace/limits" and request.method == "POST":
            self.max_limit = int(body.get("max_limit", common.MAX_LIMIT))
            return Response(200, {"max_limit": self.max_limit})
        for resource in RESOURCES:
            handler = getattr(resource, "control", None)
            if handler is not None:
                answer = handler(self.state, request, path[len("/marketplace"):], body)
                if answer is not None:
                    return answer
        return None


def _uuid():
    import uuid
    return str(uuid.uuid4())
