"""Window sweeps over an Xvantage search: what the invoice and renewal sensors share.

A sweep walks every page of one search over a window of dates fixed when the sweep starts,
a few pages per poll (a page cap, the poll's request budget and a per-endpoint rate kept
across polls), and goes on at the next page on the next poll. What a row means is the
watcher's (``consider``); a row is reported once because the watcher remembers what it
reported under a key, in the sixteen ``bucket_parts(KEY)`` of the state; the part holding
a key is recorded by the dispatch that reported it (``ctx.dispatch``) and written at the
end of the poll, or, when the poll fails, as it stood at its last accepted dispatch.

Pages shift while a sweep spans polls: a new row sorted ahead of the page being read pushes
the others one place back, and rows that share a sort key (many invoices of one day) may
come back in another order on every request. A row pushed back is read twice, which the
memory makes harmless; a row that lands on a page already read is missed by this sweep and
read by the next one, which starts again at page 1 over a window that still holds it. So a
row is reported once, late by one sweep at worst, and never lost while it stays in the
window for longer than a sweep takes (the lag report says how long that is).

The window and the page to go on from live in ``meta``, written after the key parts at the
end of each poll; a poll that fails keeps what it read (the next poll goes on from there)
and only what StackStorm accepted is recorded as reported.
"""

import json
import math

from ..xvantage.results import page_rows
from .state import BUCKETS, bucket_of, bucket_parts
from .xvantage_order_watch import PausingPoll


def search_page(status, body, page, size, list_key, method, path):
    """``(rows, recordsFound or None, last)`` of one search answer (see
    ``xvantage.results.page_rows``)."""
    rows, records = page_rows(status, body, (list_key,), page, method, path)
    rows = [r for r in rows if isinstance(r, dict)]
    if not rows:
        return rows, records, True
    if records is None:
        return rows, None, len(rows) < size
    return rows, records, page * size >= records


def sweep_state_parts(key):
    """``STATE_PARTS`` of a watcher remembering rows under ``key``."""
    meta = {"baselined": False, "baseline_started": None, "window": None, "next_page": 1,
            # Polls the current sweep has run so far, and the rows the search counted when
            # a page was last read (for the lag estimate).
            "sweep_polls": 0, "records": None}
    return dict({"meta": meta}, **bucket_parts(key))


class WindowSweep(PausingPoll):
    """One poll of one account over one search; ``ctx`` is a ``polling.PollContext``.

    A subclass sets ``SWEEP`` (the lag report's name), ``ENDPOINT`` (the limiter's key),
    ``KEY`` (the state map) and implements ``window()`` (the search window of a new sweep,
    JSON), ``fetch(window, page)`` -> ``(rows, records_found or None, last)``,
    ``consider(row)`` and ``expire(window)`` (drops what can no longer come back).
    """

    SWEEP = None

    @property
    def LABEL(self):
        return self.SWEEP
    ENDPOINT = None
    KEY = None

    def __init__(self, ctx, limiter):
        self.ctx = ctx
        self.client = ctx.client
        self.state = ctx.state
        self.meta = ctx.state["meta"]
        self.settings = ctx.settings
        self.limiter = limiter
        self.now = ctx.now
        self.page_size = int(self.settings["page_size"])
        self.stats = {"pages": 0, "rows": 0, "dispatched": 0, "sweep_complete": False}
        self._meta_before = json.dumps(self.meta, sort_keys=True)
        self._swept = False

    # -- the remembered keys --------------------------------------------------------------

    def part(self, key):
        return bucket_of(self.KEY, key)

    def recall(self, key):
        return self.state[self.part(key)].get(key)

    def remember(self, key, value):
        self.state[self.part(key)][key] = value
        self.state.mark(self.part(key))

    def forget(self, key):
        self.state[self.part(key)].pop(key, None)
        self.state.mark(self.part(key))

    def remembered(self):
        for i in range(BUCKETS):
            for key, value in list(self.state["%s_%x" % (self.KEY, i)].items()):
                yield key, value

    def report(self, trigger, payload, key, value):
        """Remembers ``key`` as ``value`` and dispatches; a dispatch that did not go out
        (refused by the payload check, or failed) leaves the memory as it was, so no later
        write records the event as reported."""
        before = self.recall(key)
        self.remember(key, value)
        try:
            self.ctx.dispatch(trigger, payload, self.part(key))
        except Exception:
            if before is None:
                self.forget(key)
            else:
                self.remember(key, before)
            raise
        self.stats["dispatched"] += 1

    @property
    def first_sweep(self):
        """The first sweep of an account records what exists without reporting it."""
        return not self.meta.get("baselined") and not self.settings.get(
            "emit_existing_on_first_run")

    # -- one poll -------------------------------------------------------------------------

    def _work(self):
        self._sweep()

    def _take(self):
        # Two spare requests: a token refresh and a retry also count against the poll.
        return self.ctx.budget.allows(2) and self.limiter.take(self.ENDPOINT)

    def pages_per_poll(self):
        """Pages one poll can read: the page cap, the request budget (two requests kept
        spare) and the per-minute rate over one poll interval."""
        interval = float(self.settings.get("poll_interval") or 60)
        rate = int(self.limiter.per_minute * max(1.0, interval) / 60.0)
        return max(1, min(int(self.settings["max_search_pages_per_poll"]),
                          self.ctx.budget.limit - 2, rate))

    def _sweep(self):
        if not self.meta.get("window"):
            self.meta["window"] = self.window()
            self.meta["next_page"] = 1
        if not self.meta.get("baselined") and not self.meta.get("baseline_started"):
            self.meta["baseline_started"] = self.now
        window = self.meta["window"]
        page = int(self.meta.get("next_page") or 1)
        max_pages = int(self.settings["max_search_pages_per_poll"])
        while self.stats["pages"] < max_pages and self._take():
            rows, records, last = self.fetch(window, page)
            self.stats["pages"] += 1
            self._swept = True
            for row in rows:
                self.stats["rows"] += 1
                self.consider(row)
            if records is not None:
                self.meta["records"] = int(records)
            elif last or self.meta.get("records") is None or \
                    page * self.page_size > self.meta["records"]:
                # No count sent: what was read so far is the best estimate.
                self.meta["records"] = (page - 1) * self.page_size + len(rows)
            if last:
                self.stats["sweep_complete"] = True
                self.meta.update(window=None, next_page=1, sweep_polls=0, baselined=True)
                self.expire(window)
                return
            page += 1
            self.meta["next_page"] = page

    def _end_poll(self):
        if self._swept and not self.stats["sweep_complete"]:
            self.meta["sweep_polls"] = int(self.meta.get("sweep_polls") or 0) + 1
        self._report_lag()
        if json.dumps(self.meta, sort_keys=True) != self._meta_before:
            self.state.mark("meta")
        self.state.flush("meta")

    def _report_lag(self):
        records = self.meta.get("records")
        if records is None:
            return
        pages = max(1, int(math.ceil(records / float(self.page_size))))
        needed = int(math.ceil(pages / float(self.pages_per_poll())))
        if self.stats["sweep_complete"] or not self.meta.get("window"):
            behind, pending = 0, 0
        else:
            behind = int(self.meta.get("sweep_polls") or 0)
            done = (int(self.meta.get("next_page") or 1) - 1) * self.page_size
            pending = max(0, records - done)
        self.ctx.report_lag(self.SWEEP, needed, behind, pending)

    # -- for subclasses -------------------------------------------------------------------

    def window(self):
        raise NotImplementedError

    def fetch(self, window, page):
        raise NotImplementedError

    def consider(self, row):
        raise NotImplementedError

    def expire(self, window):
        pass
