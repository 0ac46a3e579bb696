"""``/oauth/oauth20/token`` (form POST, or the spec's GET with query parameters) and the
bearer check on every reseller call."""

import secrets
import threading
from urllib.parse import parse_qs

from ..http import HttpError, Response

TOKEN_LIFETIME = 86399


class Credentials(object):
    def __init__(self, client_id="emulator-client", client_secret="emulator-client-secret",
                 customer_number="20-222222", country_code="US"):
        self.client_id = client_id
        self.client_secret = client_secret
        self.customer_number = customer_number
        self.country_code = country_code


def _fault(status, text, code):
    return HttpError(status, text, body={"fault": {"faultstring": text,
                                                   "detail": {"errorcode": code}}})


class TokenAuthority(object):
    def __init__(self, clock, credentials=None, lifetime=TOKEN_LIFETIME):
        self.clock = clock
        self.credentials = credentials or Credentials()
        self.lifetime = lifetime
        self._tokens = {}
        self._lock = threading.Lock()
        self.issued = 0

    def issue(self, request):
        values = {k: v[-1] for k, v in request.query.items()}
        if request.method == "POST" and request.body:
            try:
                form = parse_qs(request.body.decode("utf-8"), keep_blank_values=True)
            except UnicodeDecodeError:
                form = {}
            values.update({k: v[-1] for k, v in form.items()})
        if values.get("grant_type") != "client_credentials":
            raise HttpError(400, "Unsupported grant type",
                            body={"message": "Unsupported grant type : %s"
                                  % (values.get("grant_type") or "")})
        if (values.get("client_id") != self.credentials.client_id or
                values.get("client_secret") != self.credentials.client_secret):
            raise _fault(401, "Invalid client identifier {0}",
                         "oauth.v2.InvalidClientIdentifier")
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = self.clock.now() + self.lifetime
            self.issued += 1
        # The schema types expires_in as a string, and the official SDK insists on it.
        return Response(200, {"access_token": token, "token_type": "Bearer",
                              "expires_in": str(self.lifetime)})

    def check(self, request):
        header = request.headers.get("Authorization") or ""
        if not header.startswith("Bearer "):
            raise _fault(401, "Invalid access token", "oauth.v2.InvalidAccessToken")
        with self._lock:
            expires = self._tokens.get(header[7:])
        if expires is None:
            raise _fault(401, "Invalid access token", "oauth.v2.InvalidAccessToken")
        if expires <= self.clock.now():
            raise _fault(401, "Access Token expired", "keymanagement.service.access_token_expired")
        return header[7:]

    def revoke_all(self):
        with self._lock:
            self._tokens.clear()
