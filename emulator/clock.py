"""Emulator time. Starts at the wall clock (or at a given instant) and only moves forward;
tests advance it.

``wall`` is the clock the emulator takes for "now" outside its own time line: the start,
and the moment a webhook is really sent. Tests pass one pinned to an instant of their
choosing (just before midnight UTC, say) so that the whole emulator runs at that time of
day, whatever the machine's clock says.
"""

import calendar
import datetime
import threading
import time


def parse_instant(text):
    """Epoch seconds of ``YYYY-MM-DDTHH:MM:SSZ`` (UTC; the ``Z`` may be left out)."""
    value = str(text).strip()
    if value.endswith("Z") or value.endswith("z"):
        value = value[:-1]
    try:
        when = datetime.datetime.strptime(value.replace(" ", "T"), "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        raise ValueError("expected an instant such as 2026-12-31T23:59:30Z, got %r" % text)
    return float(calendar.timegm(when.timetuple()))


class Clock(object):
    def __init__(self, start=None, frozen=False, wall=None):
        self._lock = threading.Lock()
        self._frozen = frozen
        self._wall = wall or time.time
        self._base = self._wall() if start is None else float(start)
        self._mono = time.monotonic()
        self._offset = 0.0

    def now(self):
        with self._lock:
            if self._frozen:
                return self._base + self._offset
            return self._base + (time.monotonic() - self._mono) + self._offset

    def wall(self):
        """The wall clock, never advanced: when something really happens (a webhook POST)."""
        return self._wall()

    def advance(self, seconds):
        with self._lock:
            self._offset += float(seconds)
        return self.now()

    def freeze(self, frozen=True):
        now = self.now()
        with self._lock:
            self._frozen = frozen
            self._base, self._mono, self._offset = now, time.monotonic(), 0.0

    def utcnow(self, ts=None):
        """Now (or epoch ``ts``) as an aware UTC datetime."""
        return datetime.datetime.fromtimestamp(self.now() if ts is None else ts,
                                               tz=datetime.timezone.utc)

    def iso(self, ts=None):
        return self.utcnow(ts).strftime("%Y-%m-%dT%H:%M:%SZ")

    def date(self, ts=None):
        return self.iso(ts)[:10]
