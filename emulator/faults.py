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
"""

import random
import re
import threading

KINDS = ("status", "html504", "slow", "timeout", "drop", "html200", "empty200")


class Fault(object):
    def __init__(self, kind="status", status=503, api=None, method=None, path=None,
                 count=None, probability=1.0, retry_after=None, delay=0.0, message=None,
                 body=None):
        if kind not in KINDS:
            raise ValueError("fault kind must be one of %s" % ", ".join(KINDS))
        self.kind = kind
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


class FaultInjector(object):
    def __init__(self, seed=0):
        self._lock = threading.Lock()
        self._faults = []
        self._random = random.Random(seed)

    def add(self, **kwargs):
        fault = Fault(**kwargs)
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
