"""The portal's "60 calls per minute per endpoint" for GET calls, per API app.

Off by default so that ordinary tests never trip it; tests switch it on over
``/_emulator/xvantage/ratelimit`` or ``app.rate_limit.enabled = True``. Windows are fixed
minutes of emulator time, so ``Clock.advance(60)`` resets them.
"""

import threading

TOO_MANY = {"errors": [{"field": None, "message": "too many requests"}]}


class RateLimiter(object):
    def __init__(self, clock, limit=60, window=60.0, enabled=False):
        self.clock = clock
        self.limit = int(limit)
        self.window = float(window)
        self.enabled = enabled
        self._counts = {}
        self._lock = threading.Lock()

    def configure(self, enabled=None, limit=None, window=None):
        with self._lock:
            if enabled is not None:
                self.enabled = bool(enabled)
            if limit is not None:
                self.limit = int(limit)
            if window is not None:
                self.window = float(window)
            self._counts.clear()

    def hit(self, key):
        """``(allowed, headers)`` for one call under ``key`` (app, endpoint)."""
        now = self.clock.now()
        start = now - now % self.window
        reset = int(start + self.window)
        with self._lock:
            window_start, used = self._counts.get(key, (start, 0))
            if window_start != start:
                used = 0
            allowed = used < self.limit
            if allowed:
                used += 1
            self._counts[key] = (start, used)
        headers = {"X-RateLimit-Limit": str(self.limit),
                   "X-RateLimit-Remaining": str(max(0, self.limit - used)),
                   "X-RateLimit-Reset": str(reset)}
        if not allowed:
            headers["Retry-After"] = str(max(1, int(reset - now + 0.999)))
        return allowed, headers
