"""Exceptions raised by the pack's clients.

Every error can render itself as a plain dict (``to_dict``) that actions return as their
failed result, so a workflow can branch on ``status`` or quote ``correlation_id`` to support.
"""


class IngramMicroError(Exception):
    """Base class of every error the pack raises on purpose."""

    kind = "error"

    def to_dict(self):
        return {"error": self.kind, "message": str(self)}


class ConfigError(IngramMicroError):
    """The pack configuration lacks an account or a field, or holds a bad value."""

    kind = "config_error"


class ParameterError(IngramMicroError, ValueError):
    """An action parameter is invalid; raised before any HTTP call is made."""

    kind = "parameter_error"

    def __init__(self, parameter, message):
        self.parameter = parameter
        super().__init__("parameter '%s': %s" % (parameter, message))

    def to_dict(self):
        out = super().to_dict()
        out["parameter"] = self.parameter
        return out


class ApiError(IngramMicroError):
    """The API answered with an error status (or a body we could not use)."""

    kind = "api_error"

    def __init__(self, status, message, method=None, path=None, correlation_id=None,
                 body=None, retry_after=None, api="marketplace"):
        self.status = status
        self.message = message
        self.method = method
        self.path = path
        self.correlation_id = correlation_id
        self.body = body
        self.retry_after = retry_after
        self.api = api
        super().__init__(self._render())

    def _render(self):
        text = "%s %s -> HTTP %s: %s" % (self.method or "?", self.path or "?",
                                         self.status, self.message)
        if self.correlation_id:
            text += " (correlation id %s)" % self.correlation_id
        return text

    @property
    def retryable(self):
        return self.status in (429, 502, 503, 504)

    def to_dict(self):
        return {
            "error": self.kind,
            "api": self.api,
            "status": self.status,
            "message": self.message,
            "method": self.method,
            "path": self.path,
            "correlation_id": self.correlation_id,
            "details": self.body,
        }


class NotFoundError(ApiError):
    kind = "not_found"


class AuthenticationError(ApiError):
    kind = "authentication_error"


class RateLimitError(ApiError):
    kind = "rate_limited"


class TransportError(ApiError):
    """No usable HTTP answer: connection refused, reset, or timed out.

    ``request_sent`` tells whether the server may have received the request; a create
    that failed this way must be reconciled, not repeated.
    """

    kind = "transport_error"

    def __init__(self, message, method=None, path=None, timed_out=False, request_sent=True,
                 api="marketplace"):
        self.timed_out = timed_out
        self.request_sent = request_sent
        super().__init__(None, message, method=method, path=path, api=api)

    @property
    def retryable(self):
        return True

    def to_dict(self):
        out = super().to_dict()
        out["timed_out"] = self.timed_out
        return out


class ResponseTooLarge(IngramMicroError):
    """A download grew past the caller's byte limit; reading stopped there."""

    kind = "too_large"

    def __init__(self, what, max_bytes, size=None):
        self.max_bytes = max_bytes
        self.size = size
        super().__init__("%s is %s than max_bytes=%d; reading stopped there" % (
            what, "%d bytes, more" % size if size is not None else "larger", max_bytes))

    def to_dict(self):
        out = super().to_dict()
        out["max_bytes"] = self.max_bytes
        out["size"] = self.size
        return out


class BadResponse(IngramMicroError):
    """A 2xx answer whose body is not what the API documents (e.g. not a list envelope, or
    an HTML maintenance page sent with 200).

    Treating it as an empty page would end a walk early and skip events, so it fails the
    poll (or the action) instead, and the next poll retries.
    """

    kind = "bad_response"


class OrderConflictError(IngramMicroError):
    """A change order is still open for the subscription (the API's "LO" conflict)."""

    kind = "order_conflict"

    def __init__(self, message, open_order=None):
        self.open_order = open_order
        super().__init__(message)

    def to_dict(self):
        out = super().to_dict()
        out["open_order"] = self.open_order
        return out


def error_class_for(status):
    if status == 404:
        return NotFoundError
    if status in (401, 403):
        return AuthenticationError
    if status == 429:
        return RateLimitError
    return ApiError


def expect_object(answer, what, path, fields=(), method="GET"):
    """``answer`` if it is an object with ``fields``; otherwise a readable ApiError rather
    than a KeyError or AttributeError deep inside an action."""
    if not isinstance(answer, dict):
        raise ApiError(200, "the API answered %s %s with no %s object (%s)"
                       % (method, path, what, type(answer).__name__), method=method,
                       path=path, body=answer)
    missing = [name for name in fields if answer.get(name) in (None, "")]
    if missing:
        raise ApiError(200, "the %s the API returned has no %s"
                       % (what, ", ".join(missing)), method=method, path=path, body=answer)
    return answer
