"""Every error the pack raises on purpose, in one tree.

Each renders itself as a plain dict (``to_dict``), the failed result of an action, so a
workflow can branch on ``error`` (the kind) or quote ``correlation_id`` to support::

    IngramMicroError
      ConfigError, ParameterError, ActivationParameterError
      RequestError                a request got no usable answer
        ApiError                  an error status (NotFoundError, AuthenticationError,
                                  RateLimitError)
        TransportError            no answer at all: refused, reset, timed out
        BadResponse               a 2xx whose body is not what the operation promises
      OutcomeUnknown              a write may or may not have happened (OrderOutcomeUnknown)
      ResponseTooLarge, ResultTooLarge
      OrderConflictError, ReportNotReady, ReportFailed, ActionFailed
      BudgetExhausted, StateTooLarge, PayloadRejected      (sensors)
      InternalError               anything unforeseen, as a result instead of a traceback

Whether a failed write may still have happened is decided in one place,
``answer_may_be_lost``; every write (create, update, modify, cancel) applies it.
"""

# A gateway's answer after the request reached it: the server may have acted on it. A 4xx
# (429 included) is an answer given before anything was done; a 500 is the Marketplace
# API's business-rule rejection when it carries the API's JSON error, and a lost answer
# when it does not (a proxy's page).
LOST_ANSWER_STATUSES = frozenset((502, 503, 504))
RETRY_STATUSES = frozenset((429, 502, 503, 504))


class IngramMicroError(Exception):
    """Base class of every error the pack raises on purpose."""

    kind = "error"

    def to_dict(self):
        return {"error": self.kind, "message": str(self)}


class ConfigError(IngramMicroError):
    """The pack configuration lacks an account or a field, or holds a bad value."""

    kind = "config_error"


class ParameterError(IngramMicroError, ValueError):
    """An action parameter is invalid; raised before any HTTP call is made.

    ``parameter`` is the name the action's YAML gives the parameter.
    """

    kind = "parameter_error"

    def __init__(self, parameter, message):
        self.parameter = parameter
        self.detail = message
        super().__init__("parameter '%s': %s" % (parameter, message))

    def to_dict(self):
        out = super().to_dict()
        out["parameter"] = self.parameter
        return out


class ActivationParameterError(IngramMicroError):
    """Local activation-parameter checks failed; nothing was sent."""

    kind = "activation_parameter_error"

    def __init__(self, problems, checks_=(), validation=None):
        self.problems = problems
        self.checks = checks_
        self.validation = validation
        super().__init__("activation parameters are not valid: " + "; ".join(problems))

    def to_dict(self):
        out = super().to_dict()
        out["problems"] = self.problems
        if self.validation is not None:
            out["validation"] = self.validation
        else:
            out["products"] = [dict(answer, line=where) for where, answer in self.checks]
        return out


# -- requests ---------------------------------------------------------------------------------

class RequestError(IngramMicroError):
    """A request that failed: which API, method and path, and what came back."""

    kind = "request_error"

    def __init__(self, message, status=None, method=None, path=None, correlation_id=None,
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
        text = "%s %s -> %s: %s" % (self.method or "?", self.path or "?", self._outcome(),
                                    self.message)
        if self.correlation_id:
            text += " (correlation id %s)" % self.correlation_id
        return text

    def _outcome(self):
        return "HTTP %s" % self.status

    def rerender(self):
        """After ``message`` or ``correlation_id`` changed."""
        self.args = (self._render(),)
        return self

    @property
    def retryable(self):
        return self.status in RETRY_STATUSES

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


class ApiError(RequestError):
    """The API answered with an error status."""

    kind = "api_error"

    def __init__(self, status, message, method=None, path=None, correlation_id=None,
                 body=None, retry_after=None, api="marketplace"):
        super().__init__(message, status=status, method=method, path=path,
                         correlation_id=correlation_id, body=body, retry_after=retry_after,
                         api=api)


class NotFoundError(ApiError):
    kind = "not_found"


class AuthenticationError(ApiError):
    kind = "authentication_error"


class RateLimitError(ApiError):
    kind = "rate_limited"

    def to_dict(self):
        out = super().to_dict()
        out["retry_after"] = self.retry_after
        return out


class TransportError(RequestError):
    """No usable HTTP answer: connection refused, reset, or timed out.

    ``request_sent`` tells whether the server may have received the request; a create
    that failed this way must be reconciled, not repeated.
    """

    kind = "transport_error"

    def __init__(self, message, method=None, path=None, timed_out=False, request_sent=True,
                 api="marketplace"):
        self.timed_out = timed_out
        self.request_sent = request_sent
        super().__init__(message, method=method, path=path, api=api)

    def _outcome(self):
        return "no answer"

    @property
    def retryable(self):
        return True

    def to_dict(self):
        out = super().to_dict()
        out["timed_out"] = self.timed_out
        return out


class BadResponse(RequestError):
    """A 2xx answer whose body is not what the operation promises: empty, an HTML
    maintenance page sent with 200, not a list envelope, an object without its id.

    Taking it for an empty page would end a walk early and skip events, and taking it for a
    success would hide a write the server did; so it fails the poll or the action.
    """

    kind = "bad_response"

    def _outcome(self):
        return "HTTP %s with an unusable body" % (self.status or "2xx")


def answer_may_be_lost(exc):
    """True when the server may have acted on a request although we got no usable answer.

    The one rule for every write: a write failing this way is reconciled or reported as
    possibly done, never repeated blindly.
    """
    if isinstance(exc, TransportError):
        return exc.request_sent
    if isinstance(exc, BadResponse):
        return True
    if not isinstance(exc, ApiError):
        return False
    if exc.status == 500:
        return not (isinstance(exc.body, dict) and exc.body.get("message"))
    return exc.status in LOST_ANSWER_STATUSES


def error_class_for(status):
    if status == 404:
        return NotFoundError
    if status in (401, 403):
        return AuthenticationError
    if status == 429:
        return RateLimitError
    return ApiError


def expect_object(answer, what, path, fields=(), method="GET", api="marketplace"):
    """``answer`` if it is an object with ``fields``; otherwise ``BadResponse`` rather
    than a KeyError or AttributeError deep inside an action."""
    if not isinstance(answer, dict):
        raise BadResponse("the API answered with no %s object (%s)"
                          % (what, type(answer).__name__), method=method, path=path,
                          body=_snippet(answer), api=api)
    missing = [name for name in fields if answer.get(name) in (None, "")]
    if missing:
        raise BadResponse("the %s the API returned has no %s" % (what, ", ".join(missing)),
                          method=method, path=path, body=_snippet(answer), api=api)
    return answer


def _snippet(answer):
    text = repr(answer)
    return text if len(text) <= 300 else text[:300] + "..."


# -- outcomes of writes -----------------------------------------------------------------------

class OutcomeUnknown(IngramMicroError):
    """A write got no usable answer and what it did could not be established afterwards.

    ``lookup`` names the key to find the write with (a poNumber, a customerOrderNumber, an
    order id); the write was not repeated.
    """

    kind = "outcome_unknown"

    def __init__(self, message, lookup=None, cause=None):
        self.lookup = dict(lookup or {})
        self.cause = cause
        super().__init__(message)

    def to_dict(self):
        out = super().to_dict()
        out.update(self.lookup)
        out["lookup"] = dict(self.lookup)
        out["cause"] = None if self.cause is None else str(self.cause)
        out["resubmitted"] = False
        return out


class OrderOutcomeUnknown(OutcomeUnknown):
    """A Marketplace order request failed in a way that may or may not have created it."""

    kind = "order_outcome_unknown"

    def __init__(self, po_number, cause, lookup_failure=None):
        self.po_number = po_number
        found = ("no order with poNumber '%s' was found among the customer's newest orders"
                 % po_number)
        if lookup_failure is not None:
            found = ("looking for an order with poNumber '%s' failed too (%s)"
                     % (po_number, lookup_failure))
        super().__init__(
            "order outcome unknown -- not resubmitted: POST /orders failed (%s) and %s. "
            "Check the customer's orders (list_orders, then get_order) before placing it "
            "again." % (cause, found), lookup={"poNumber": po_number}, cause=cause)


# -- sizes ------------------------------------------------------------------------------------

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


class ResultTooLarge(IngramMicroError):
    """A result StackStorm could not store (its execution record is one database document)."""

    kind = "result_too_large"

    def __init__(self, size, limit, hint):
        self.size = size
        self.limit = limit
        super().__init__("the result is %d bytes as JSON, over the %d-byte ceiling of a "
                         "StackStorm result; %s" % (size, limit, hint))

    def to_dict(self):
        out = super().to_dict()
        out["size"] = self.size
        out["max_result_bytes"] = self.limit
        return out


# -- domain outcomes --------------------------------------------------------------------------

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


class ReportNotReady(IngramMicroError):
    kind = "report_not_ready"

    def __init__(self, report, waited):
        self.report = report
        super().__init__("report %s is still '%s' after %.0f s; get_report can pick it up "
                         "later" % (report.get("id"), report.get("status"), waited))

    def to_dict(self):
        out = super().to_dict()
        out["report"] = self.report
        return out


class ReportFailed(IngramMicroError):
    kind = "report_failed"

    def __init__(self, report):
        self.report = report
        super().__init__("report %s ended in status '%s'" % (report.get("id"),
                                                             report.get("status")))

    def to_dict(self):
        out = super().to_dict()
        out["report"] = self.report
        return out


class ActionFailed(IngramMicroError):
    """An outcome the action reports as a failure although every request succeeded (an
    order that ended in error, a wait that ran out); ``data`` is kept in the result."""

    def __init__(self, kind, message, data=None):
        self.kind = kind
        self.data = dict(data or {})
        super().__init__(message)

    def to_dict(self):
        out = dict(self.data)
        out.update(super().to_dict())
        return out


class InternalError(IngramMicroError):
    """An exception nobody foresaw, reported as a result (its traceback goes to the log)."""

    kind = "internal_error"

    def __init__(self, exc):
        self.exception_type = type(exc).__name__
        text = str(exc)
        if len(text) > 500:
            text = text[:500] + "..."
        super().__init__("unexpected %s: %s" % (self.exception_type, text))

    def to_dict(self):
        out = super().to_dict()
        out["exception"] = self.exception_type
        return out


# -- sensors ----------------------------------------------------------------------------------

class BudgetExhausted(IngramMicroError):
    """This poll has used its share of the API's rate budget; the next poll goes on."""

    kind = "budget_exhausted"


class StateTooLarge(IngramMicroError):
    kind = "state_too_large"


class PayloadRejected(IngramMicroError):
    """StackStorm would drop this payload: it was not dispatched."""

    kind = "payload_rejected"

    def __init__(self, trigger, field, message):
        self.trigger = trigger
        self.field = field
        super().__init__("%s payload rejected at %s: %s" % (trigger, field or "(payload)",
                                                            message))
