"""``POST /token`` and the bearer + subscription-key check on every other call."""

import base64
import secrets
import threading

from ..http import HttpError, Response
from .common import body_of

TOKEN_LIFETIME = 1500
MISSING_KEY = ("Access denied due to missing subscription key. Make sure to include "
               "subscription key when making requests to an API.")
INVALID_KEY = ("Access denied due to invalid subscription key. Make sure to provide a "
               "valid key for an active subscription.")


class Credentials(object):
    def __init__(self, username="emulator.API", password="emulator-password",
                 subscription_key="0123456789abcdef0123456789abcdef",
                 marketplaces=("us", "ca", "uk", "nl", "de", "fr", "au", "nz", "se", "br"),
                 other_keys=()):
        self.username = username
        self.password = password
        self.subscription_key = subscription_key
        self.marketplaces = tuple(marketplaces)
        # Further valid keys, as if the reseller had more than one API subscription (each
        # has its own rate-limit window).
        self.other_keys = tuple(other_keys)

    def valid_key(self, key):
        return key == self.subscription_key or key in self.other_keys


class TokenAuthority(object):
    def __init__(self, clock, credentials=None, lifetime=TOKEN_LIFETIME):
        self.clock = clock
        self.credentials = credentials or Credentials()
        self.lifetime = lifetime
        self._tokens = {}
        self._lock = threading.Lock()
        self.issued = 0

    def check_key(self, request):
        key = request.headers.get("X-Subscription-Key")
        if not key:
            raise HttpError(401, MISSING_KEY, body={"statusCode": 401, "message": MISSING_KEY})
        if not self.credentials.valid_key(key):
            raise HttpError(401, INVALID_KEY, body={"statusCode": 401, "message": INVALID_KEY})

    def issue(self, request):
        self.check_key(request)
        header = request.headers.get("Authorization") or ""
        if not header.startswith("Basic "):
            raise HttpError(401, "Full authentication is required to access this resource")
        try:
            user, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            raise HttpError(401, "Malformed Basic authorization header")
        if user != self.credentials.username or password != self.credentials.password:
            raise HttpError(401, "Bad credentials")
        body = body_of(request)
        marketplace = body.get("marketplace")
        if not marketplace:
            raise HttpError(400, "Marketplace is required")
        if marketplace not in self.credentials.marketplaces:
            raise HttpError(401, "User is not allowed to access marketplace '%s'" % marketplace)
        token = "eyJ" + secrets.token_urlsafe(48)
        with self._lock:
            self._tokens[token] = (self.clock.now() + self.lifetime, marketplace)
            self.issued += 1
        return Response(200, {"token": token, "expiresInSeconds": self.lifetime})

    def check(self, request):
        self.check_key(request)
        header = request.headers.get("Authorization") or ""
        if not header.startswith("Bearer "):
            raise HttpError(401, "Full authentication is required to access this resource")
        with self._lock:
            entry = self._tokens.get(header[7:])
        if entry is None:
            raise HttpError(401, "Invalid token")
        if entry[0] <= self.clock.now():
            raise HttpError(401, "Token expired")
        return entry[1]

    def revoke_all(self):
        with self._lock:
            self._tokens.clear()
