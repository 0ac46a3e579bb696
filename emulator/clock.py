"""Emulator time. Starts at the wall clock and only moves forward; tests advance it."""

import datetime
import threading
import time


class Clock(object):
    def __init__(self, start=None, frozen=False):
        self._lock = threading.Lock()
        self._frozen = frozen
        self._base = time.time() if start is None else float(start)
        self._mono = time.monotonic()
        self._offset = 0.0

    def now(self):
        with self._lock:
            if self._frozen:
                return self._base + self._offset
            return self._base + (time.monotonic() - self._mono) + self._offset

    def advance(self, seconds):
        with self._lock:
            self._offset += float(seconds)
        return self.now()

    def freeze(self, frozen=True):
        now = self.now()
        with self._lock:
            self._frozen = frozen
            self._base, self._mono, self._offset = now, time.monotonic(), 0.0

    def utcnow(self):
        return datetime.datetime.fromtimestamp(self.now(), tz=datetime.timezone.utc)

    def iso(self, ts=None):
        when = self.utcnow() if ts is None else datetime.datetime.fromtimestamp(
            ts, tz=datetime.timezone.utc)
        return when.strftime("%Y-%m-%dT%H:%M:%SZ")

    def date(self, ts=None):
        return self.iso(ts)[:10]
