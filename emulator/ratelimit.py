"""Request windows per key, in emulator time, for both APIs' rate limits.

Xvantage's portal promises "60 calls per minute per endpoint" for GET calls: fixed windows
(whole minutes), keyed by (token, endpoint). The Marketplace gateway (Azure API Management,
CloudBlue's recommended policy: 60 calls a minute per subscription key) counts a sliding
window: a call is refused while ``limit`` calls fall in the ``window`` seconds before it,
and ``Retry-After`` says when the oldest of them leaves the window.

A limiter is off until switched on, so that ordinary tests never trip it. Its time is
``limiter.clock`` (the emulator clock unless a test sets another), so ``Clock.advance``
moves every window. Refused calls are not counted.
"""

import collections
import math
import threading


class Verdict(object):
    """The answer to one call: ``allowed``, calls ``remaining``, ``reset`` (epoch seconds
    when a slot frees up) and, when refused, ``retry_after`` (whole seconds, at least 1)."""

    def __init__(self, allowed, limit, remaining, reset, retry_after=None):
        self.allowed = allowed
        self.limit = limit
        self.remaining = remaining
        self.reset = reset
        self.retry_after = retry_after


class RateLimiter(object):
    def __init__(self, clock, limit=60, window=60.0, enabled=False, sliding=False):
        self.clock = clock
        self.limit = int(limit)
        self.window = float(window)
        self.enabled = enabled
        self.sliding = sliding
        self.refused = 0
        self._calls = {}
        self._lock = threading.Lock()

    def configure(self, enabled=None, limit=None, window=None):
        """Changes the settings given (None keeps one) and starts every window afresh."""
        with self._lock:
            if enabled is not None:
                self.enabled = bool(enabled)
            if limit is not None:
                if int(limit) < 1:
                    raise ValueError("limit must be at least 1, got %r" % (limit,))
                self.limit = int(limit)
            if window is not None:
                if float(window) <= 0:
                    raise ValueError("window must be positive, got %r" % (window,))
                self.window = float(window)
            self._calls.clear()
            self.refused = 0

    def describe(self):
        return {"enabled": self.enabled, "limit": self.limit, "window": self.window,
                "sliding": self.sliding, "refused": self.refused}

    def check(self, key):
        """Counts one call under ``key`` if the window has room; returns a ``Verdict``."""
        now = self.clock.now()
        with self._lock:
            verdict = self._sliding(key, now) if self.sliding else self._fixed(key, now)
            if not verdict.allowed:
                self.refused += 1
        return verdict

    def _fixed(self, key, now):
        start = now - now % self.window
        reset = start + self.window
        window_start, used = self._calls.get(key, (start, 0))
        if window_start != start:
            used = 0
        allowed = used < self.limit
        if allowed:
            used += 1
        self._calls[key] = (start, used)
        return Verdict(allowed, self.limit, max(0, self.limit - used), int(reset),
                       None if allowed else _whole_seconds(reset - now))

    def _sliding(self, key, now):
        calls = self._calls.setdefault(key, collections.deque())
        while calls and calls[0] <= now - self.window:
            calls.popleft()
        allowed = len(calls) < self.limit
        if allowed:
            calls.append(now)
        reset = calls[0] + self.window
        return Verdict(allowed, self.limit, self.limit - len(calls), int(math.ceil(reset)),
                       None if allowed else _whole_seconds(reset - now))

    def hit(self, key):
        """``(allowed, headers)`` for one call, with ``X-RateLimit-*`` headers (and
        ``Retry-After`` when refused), as Xvantage sends them."""
        verdict = self.check(key)
        headers = {"X-RateLimit-Limit": str(verdict.limit),
                   "X-RateLimit-Remaining": str(verdict.remaining),
                   "X-RateLimit-Reset": str(verdict.reset)}
        if not verdict.allowed:
            headers["Retry-After"] = str(verdict.retry_after)
        return verdict.allowed, headers


def _whole_seconds(seconds):
    # Retry-After carries whole seconds; rounding down would send the client back early.
    return max(1, int(math.ceil(seconds - 1e-9)))
