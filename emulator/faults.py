"""Fault injection: what a real gateway does on a bad day.

Kinds: ``status`` (an error answer such as 429 with Retry-After or 503, before the handler
runs), ``html504`` (the handler runs, then the gateway answers with an HTML 504 page),
``slow`` (delay, then the normal answer), ``timeout`` (the handler runs -- an order is
created -- but the answer comes only after ``delay`` seconds, after the client gave up),
``drop`` (the handler runs, the connection closes with no answer), ``html200`` (the
handler runs, then a proxy answers 200 with an HTML maintenance page), ``empty200`` (the
handler runs, then the answer is 200 with an empty body).

A ``status`` fault with ``body`` answers with that JSON instead of an error body, e.g.
status 200 and ``{}`` for the thin or odd answer a gateway or a new API version may give.

Each kind is a ``Fault`` subclass that says what it does at three moments, so a new kind
is one class here and nothing elsewhere: ``answer`` (instead of the handler),
``alter`` (the handler's answer) and ``release`` (just before the answer is written).
"""

import random
import re
import threading

from .http import Response

HTML_MAINTENANCE = ("<html><head><title>Scheduled maintenance</title></head><body><h1>We will "
                    "be back soon</h1></body></html>")
HTML_504 = ("<html><head><title>504 Gateway Time-out</title></head><body><center>"
            "<h1>504 Gateway Time-out</h1></center><hr><center>nginx</center></body></html>")

# Kind name -> Fault subclass, in the order the kinds are documented.
_KINDS = {}


def _kind(cls):
    _KINDS[cls.kind] = cls
    return cls


class Fault(object):
    kind = None

    def __init__(self, status=503, api=None, method=None, path=None, count=None,
                 probability=1.0, retry_after=None, delay=0.0, message=None, body=None):
        self.status = int(status)
        self.api = api
        self.method = method.upper() if method else None
        self.path = re.compile(path) if path else None
        self.remaining = count
        self.probability = float(probability)
        self.retry_after = retry_after
        self.delay = float(delay)
        self.message = message
        self.body = body
        self.hits = 0

    # -- what the fault does; the defaults leave the exchange alone ---------------------

    def answer(self, app, request):
        """The response to send without running the handler, or None to run it."""
        return None

    def alter(self, response):
        """The response to send in place of the handler's ``response``."""
        return response

    def release(self, stopping):
        """Called just before the answer is written; returns False to send none (the
        connection closes). ``stopping`` is an Event set when the server stops."""
        return True

    # -- which requests it hits -----------------------------------------------------------

    def matches(self, api, method, path):
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.api and self.api != api:
            return False
        if self.method and self.method != method:
            return False
        if self.path and not self.path.search(path):
            return False
        return True

    def headers(self):
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}

    def describe(self):
        return {"kind": self.kind, "status": self.status, "api": self.api,
                "method": self.method, "path": self.path.pattern if self.path else None,
                "remaining": self.remaining, "probability": self.probability,
                "retry_after": self.retry_after, "delay": self.delay, "hits": self.hits,
                "body": self.body}


@_kind
class StatusFault(Fault):
    kind = "status"

    def answer(self, app, request):
        if self.body is not None:
            # An odd answer with a given body looks the same whichever API sends it.
            return Response(self.status, self.body, headers=self.headers())
        return app.fault_response(request, self)


class _Page(Fault):
    """The handler runs; then something in front of the API answers with its own page."""
    page = (200, b"", "application/json")

    def alter(self, response):
        status, body, content_type = self.page
        return Response(status, body, content_type=content_type)


@_kind
class Html504Fault(_Page):
    kind = "html504"
    page = (504, HTML_504, "text/html")


class _Late(Fault):
    def release(self, stopping):
        # Interruptible, so stopping the server never waits on a hung answer.
        stopping.wait(self.delay or 30.0)
        return True


@_kind
class SlowFault(_Late):
    kind = "slow"


@_kind
class TimeoutFault(_Late):
    kind = "timeout"


@_kind
class DropFault(Fault):
    kind = "drop"

    def release(self, stopping):
        return False


@_kind
class Html200Fault(_Page):
    kind = "html200"
    page = (200, HTML_MAINTENANCE, "text/html")


@_kind
class Empty200Fault(_Page):
    kind = "empty200"


KINDS = tuple(_KINDS)


def new_fault(kind="status", **settings):
    """A fault of ``kind`` with the ``Fault`` settings given."""
    if kind not in _KINDS:
        raise ValueError("fault kind must be one of %s" % ", ".join(KINDS))
    return _KINDS[kind](**settings)


class FaultInjector(object):
    def __init__(self, seed=0):
        self._lock = threading.Lock()
        self._faults = []
        self._random = random.Random(seed)

    def add(self, **kwargs):
        fault = new_fault(**kwargs)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self):
        with self._lock:
            self._faults = []

    def list(self):
        with self._lock:
            return [f.describe() for f in self._faults]

    def pick(self, api, method, path):
        with self._lock:
            for fault in self._faults:
                if not fault.matches(api, method, path):
                    continue
                if fault.probability < 1.0 and self._random.random() >= fault.probability:
                    continue
                if fault.remaining is not None:
                    fault.remaining -= 1
                fault.hits += 1
                return fault
        return None
