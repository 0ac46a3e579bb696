"""Minimal request/response objects the emulator's handlers work with."""

import json
from urllib.parse import parse_qs


class Headers(dict):
    """Case-insensitive header lookup."""

    def __init__(self, items=()):
        super(Headers, self).__init__()
        for key, value in items:
            self[key.lower()] = value

    def get(self, key, default=None):
        return super(Headers, self).get(key.lower(), default)

    def __contains__(self, key):
        return super(Headers, self).__contains__(key.lower())


class Request(object):
    def __init__(self, method, path, query_string="", headers=(), body=b""):
        self.method = method.upper()
        self.path = path
        self.query = parse_qs(query_string, keep_blank_values=True)
        self.headers = Headers(headers)
        self.body = body or b""
        self.params = {}
        self.route = None
        self._json = None

    def arg(self, name, default=None):
        values = self.query.get(name)
        return values[-1] if values else default

    def args(self, name):
        return list(self.query.get(name, []))

    def json(self):
        if self._json is None:
            if not self.body:
                return None
            self._json = json.loads(self.body.decode("utf-8"))
        return self._json


class Response(object):
    def __init__(self, status=200, body=None, headers=None, content_type="application/json"):
        self.status = status
        self.body = body
        self.headers = dict(headers or {})
        self.content_type = content_type

    def encode(self):
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json.dumps(self.body, separators=(",", ":")).encode("utf-8")


class HttpError(Exception):
    """Raised by handlers; each API renders it in its own error-body shape."""

    def __init__(self, status, message, body=None, headers=None):
        super(HttpError, self).__init__(message)
        self.status = status
        self.message = message
        self.body = body
        self.headers = headers or {}
