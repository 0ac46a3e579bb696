"""Tests at chosen times of day, whatever the machine's clock says.

A test decorated with ``@at_times_of_day`` runs once on the real clock and once at each
instant of ``PINNED`` (late evening, just before and just after midnight UTC, which is also
the turn of a month and of a year). For a pinned run the emulator starts at that instant,
and the pack modules that compare the wall clock with the APIs' timestamps read a wall
clock that starts there too; both then run in real time, as on a machine whose clock says
so. A module with such tests takes the fixtures of this module, its ``server`` in place
of conftest's (the same emulator when no instant is pinned)::

    server, time_of_day = clock_support.server, clock_support.time_of_day

Clocks used only for durations (token lifetimes, datastore TTLs, waits, rate windows)
keep the real clock: only differences of their readings are ever used.
"""

import importlib
import time

import pytest

from emulator import EmulatorServer
from emulator.clock import Clock, parse_instant

PINNED = ("2026-12-31T19:30:00Z", "2026-12-31T23:59:30Z", "2027-01-01T00:00:30Z")
REAL = "real-clock"

# Modules whose wall-clock reads meet timestamps of the APIs: order reconciliation compares
# the start of a request with creation times; sensors and the webhook receiver take "now".
WALL_CLOCK_MODULES = ("ingram_lib.marketplace.orders", "ingram_lib.core.http",
                      "ingram_lib.sensing.polling", "ingram_lib.sensing.webhook_receiver")

at_times_of_day = pytest.mark.parametrize("time_of_day", (REAL,) + PINNED, indirect=True)


class WallClock(object):
    """Reads ``start`` when made and runs in real time from there."""

    def __init__(self, start):
        self.start = parse_instant(start)
        self._mono = time.monotonic()

    def time(self):
        return self.start + (time.monotonic() - self._mono)


class PinnedTime(object):
    """Stands in for the ``time`` module: the wall-clock functions read ``wall``; the rest
    (sleep, monotonic ...) are the real ones."""

    def __init__(self, wall):
        self._wall = wall

    def __getattr__(self, name):
        return getattr(time, name)

    def time(self):
        return self._wall.time()

    def time_ns(self):
        return int(self._wall.time() * 1e9)

    def gmtime(self, secs=None):
        return time.gmtime(self._wall.time() if secs is None else secs)

    def localtime(self, secs=None):
        return time.localtime(self._wall.time() if secs is None else secs)

    def strftime(self, fmt, t=None):
        return time.strftime(fmt, self.localtime() if t is None else t)


def pin_wall_clock(monkeypatch, wall):
    """Makes ``WALL_CLOCK_MODULES`` read ``wall`` until the test ends."""
    pinned = PinnedTime(wall)
    for name in WALL_CLOCK_MODULES:
        monkeypatch.setattr(importlib.import_module(name), "time", pinned)
    return pinned


@pytest.fixture
def time_of_day(request, monkeypatch):
    """``None`` on the real clock; else the ``WallClock`` of the pinned instant, to which
    the pack's wall-clock reads are pinned."""
    instant = getattr(request, "param", REAL)
    if instant == REAL:
        return None
    wall = WallClock(instant)
    pin_wall_clock(monkeypatch, wall)
    return wall


@pytest.fixture
def server(time_of_day):
    """conftest's emulator, started at the pinned instant when there is one."""
    clock = Clock() if time_of_day is None else Clock(wall=time_of_day.time)
    srv = EmulatorServer(port=0, clock=clock).start()
    yield srv
    srv.stop()
