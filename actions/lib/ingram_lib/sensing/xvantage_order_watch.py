"""Finds new and changed Xvantage orders by fingerprinting order-search rows.

Order search has no modified-since filter and no sort, so each poll walks the search over a
rolling window of order dates and hashes what a row carries (order status, total, and each
sub-order's number, status and total). Only orders whose hash moved are read in detail, and
their line statuses are diffed against the last ones seen. GET calls are metered per
endpoint against Ingram's 60 per minute; a sweep that does not fit in one poll resumes at the
next page on the next poll.

Orders placed before the window are forgotten once finished. Unfinished ones (a backorder
can ship weeks later) stay: every ``recent_changes_interval`` the orders shipped or invoiced
in the last two days are searched, and each such order is also searched by number every
``stale_recheck_hours``, a few per poll, so the rate budget stays with the sweep.

State is one small record per order (fingerprint, date, statuses), spread over sixteen
datastore values by a hash of the order number. The value holding an order is written right
after its trigger is dispatched, so a restart neither repeats nor loses an event (a crash
between dispatch and write repeats that one event: at-least-once, never lost). Everything
else is written once, at the end of the poll, and only the values that changed: the order
values first, then ``meta`` with the page the sweep goes on from. A quiet poll whose sweep
fits in it writes nothing; a restart goes on from the last poll's page.

Rows that shift between pages while a sweep spans polls (the search is newest first, so a
new order pushes the others one place on) are read twice, which the fingerprint makes
harmless, or -- when older orders leave the window at the front of an oldest-first
answer -- missed by this sweep and read by the next one: an order's change is reported one
sweep late at worst, never lost and never twice.
"""

import calendar
import hashlib
import json
import math
import time
from collections import deque

from ..core.errors import ApiError, RateLimitError
from ..core.times import parse_time
from ..core.values import as_list, as_number, number_or_none, pick, text_or_none
from ..xvantage.results import last_page, status as normalize_status
from .state import BUCKETS, bucket_of, bucket_parts

CREATED_TRIGGER = "ingram_micro.xvantage_order_created"
CHANGED_TRIGGER = "ingram_micro.xvantage_order_status_changed"

# config: sensors.xvantage_orders.* (declared with these defaults in config.schema.yaml)
DEFAULTS = {
    "poll_interval": 60,
    "requests_per_minute": 30,
    "window_days": 30,
    "page_size": 100,
    "max_search_pages_per_poll": 20,
    "baseline_details_per_poll": 5,
    "forget_finished_after_days": 3,
    "stale_checks_per_poll": 2,
    "stale_recheck_hours": 6,
    "max_stale_orders": 2000,
    "recent_changes_interval": 900,
    "emit_existing_on_first_run": False,
    "max_retries": 1,
    "max_retry_wait": 5,
}

SEARCH = "search"
DETAILS = "details"

# Statuses after which an order no longer moves; such orders are compacted, then forgotten.
TERMINAL = frozenset(("CANCELLED", "DELIVERED", "INVOICED", "CLOSED"))
DAY = 86400
# Searches by ship and invoice date catch orders placed before the window that moved lately.
RECENT_FILTERS = ("shipDate_bt", "invoiceDate_bt")
RECENT_PAGES = 5


class PausingPoll(object):
    """How one poll of an Xvantage watcher runs: skipped while its account is paused after a
    429, paused by a new 429 for its Retry-After, and what it read written (``_end_poll``)
    even when it fails. A watcher has ``ctx``, ``limiter``, ``stats``, ``_work()``,
    ``_end_poll()`` and ``_report_lag()``; ``LABEL`` names it in the log."""

    LABEL = "orders"

    def poll(self):
        if self.limiter.paused_for() > 0:
            self.stats["paused"] = round(self.limiter.paused_for(), 1)
            self._report_lag()
            return self.stats
        try:
            self._work()
        except RateLimitError as exc:
            wait = exc.retry_after if exc.retry_after else 60.0
            self.limiter.pause(wait)
            self.stats["rate_limited"] = wait
            self.ctx.log.warning("Xvantage rate limit hit for account %s (%s); pausing "
                                 "%.0f s", self.ctx.account, self.LABEL, wait)
        except Exception:
            # What this poll read is kept, so the next one goes on from there; a failure to
            # write it must not hide why the poll stopped.
            try:
                self._end_poll()
            except Exception as exc:
                self.ctx.log.warning("account %s: sensor state not written after a failed "
                                     "poll: %s", self.ctx.account, exc)
            raise
        self._end_poll()
        return self.stats


class EndpointLimiter(object):
    """Ingram's limit is 60 GET per minute per endpoint and API app: a sliding 60 s window
    per endpoint, kept by the sensor across polls, and a pause after a 429."""

    def __init__(self, per_minute, clock=time.time):
        self.per_minute = int(per_minute)
        self.clock = clock
        self._calls = {}
        self._paused_until = 0.0

    def pause(self, seconds):
        self._paused_until = max(self._paused_until, self.clock() + float(seconds))

    def paused_for(self):
        return max(0.0, self._paused_until - self.clock())

    def take(self, endpoint):
        now = self.clock()
        if now < self._paused_until:
            return False
        calls = self._calls.setdefault(endpoint, deque())
        while calls and calls[0] <= now - 60:
            calls.popleft()
        if len(calls) >= self.per_minute:
            return False
        calls.append(now)
        return True


def day_string(epoch):
    return time.strftime("%Y-%m-%d", time.gmtime(epoch))


def day_epoch(text):
    try:
        return calendar.timegm(time.strptime(str(text)[:10], "%Y-%m-%d"))
    except (TypeError, ValueError):
        return None


def _sub_orders(row):
    out = []
    for sub in as_list(pick(row, "subOrders")):
        if not isinstance(sub, dict):
            continue
        out.append({"sub_order_number": text_or_none(pick(sub, "subOrderNumber")),
                    "status": normalize_status(pick(sub, "subOrderStatus")),
                    "total": number_or_none(pick(sub, "subOrderTotal"))})
    return sorted(out, key=lambda s: s["sub_order_number"] or "")


def row_status(row):
    """The order status as the client reports it for a search row (the sub-orders' shared
    status, else OPEN/CLOSED as sent), so triggers and the search action agree."""
    return text_or_none(pick(row, "orderStatus"))


def fingerprint(row):
    """A hash of everything in a search row that moves when the order does."""
    material = [row_status(row), as_number(pick(row, "orderTotal")),
                [[s["sub_order_number"], s["status"], s["total"]] for s in _sub_orders(row)]]
    return hashlib.sha1(json.dumps(material, sort_keys=True, default=str)
                        .encode("utf-8")).hexdigest()[:20]


def line_key(line):
    number = pick(line, "ingramOrderLineNumber", "ingramLineNumber", "lineNumber",
                  "customerLineNumber")
    return "%s/%s" % (pick(line, "subOrderNumber") or "", number or "")


def summarize_lines(details):
    """Line summaries of an order-details body (already normalised by the client)."""
    out = []
    for line in as_list(pick(details or {}, "lines")):
        if not isinstance(line, dict):
            continue
        out.append({
            "key": line_key(line),
            "sub_order_number": text_or_none(pick(line, "subOrderNumber")),
            "line_number": text_or_none(pick(line, "ingramOrderLineNumber", "ingramLineNumber")),
            "customer_line_number": text_or_none(pick(line, "customerLineNumber")),
            "ingram_part_number": text_or_none(pick(line, "ingramPartNumber")),
            "status": normalize_status(pick(line, "lineStatus")),
            "quantity_ordered": number_or_none(pick(line, "quantityOrdered")),
            "quantity_confirmed": number_or_none(pick(line, "quantityConfirmed")),
            "quantity_backordered": number_or_none(pick(line, "quantityBackOrdered")),
            "tracking_numbers": [str(t) for t in as_list(pick(line, "trackingNumbers"))],
            "invoice_numbers": [str(t) for t in as_list(pick(line, "invoiceNumbers"))],
        })
    return out


def order_summary(account, row):
    return {
        "account": account,
        "order_number": str(pick(row, "ingramOrderNumber")),
        "customer_order_number": text_or_none(pick(row, "customerOrderNumber")),
        "order_date": text_or_none(pick(row, "ingramOrderDate")),
        "status": row_status(row),
        "status_raw": text_or_none(pick(row, "orderStatusRaw", "orderStatus")),
        # A number or null (the payload schema says number); the value as sent is kept.
        "order_total": number_or_none(pick(row, "orderTotal")),
        "order_total_raw": text_or_none(pick(row, "orderTotalRaw", "orderTotal")),
        "vendor_name": text_or_none(pick(row, "vendorName")),
        "end_user_company_name": text_or_none(pick(row, "endUserCompanyName")),
        "sub_orders": _sub_orders(row),
    }


def record_for(row, fp, lines, now, previous=None):
    status = row_status(row)
    terminal_at = None
    if status in TERMINAL:
        terminal_at = (previous or {}).get("terminal_at") or now
    return {
        "fp": fp,
        "date": text_or_none(pick(row, "ingramOrderDate")),
        "status": status,
        "total": number_or_none(pick(row, "orderTotal")),
        "subs": {s["sub_order_number"]: s["status"] for s in _sub_orders(row)},
        "lines": None if lines is None else {li["key"]: li["status"] for li in lines},
        "terminal_at": terminal_at,
    }


def changes(previous, row, lines):
    """What moved between a stored record and a fresh row plus (optional) detail lines."""
    summary_subs = _sub_orders(row)
    sub_changes = []
    old_subs = previous.get("subs") or {}
    for sub in summary_subs:
        before = old_subs.get(sub["sub_order_number"])
        if before != sub["status"]:
            sub_changes.append({"sub_order_number": sub["sub_order_number"],
                                "previous_status": before, "status": sub["status"]})
    line_changes = []
    if lines is not None:
        old_lines = previous.get("lines")
        for line in lines:
            before = None if old_lines is None else old_lines.get(line["key"])
            if old_lines is None or before != line["status"]:
                line_changes.append(dict(line, previous_status=before))
    return sub_changes, line_changes


STATE_PARTS = dict({"meta": {"baselined": False, "next_page": 1, "baseline_started": None,
                             "recent_at": None, "refused_filters": [],
                             # polls the current sweep has run so far; orders in the window
                             # as the last page read counted them (for the lag estimate).
                             "sweep_polls": 0, "records": None}},
                   **bucket_parts("orders"))


def bucket(number):
    """The state part of an order: orders are spread over parts so that the checkpoint
    after a dispatch rewrites a sixteenth of the state, not all of it."""
    return bucket_of("orders", number)


class XvantageOrderWatcher(PausingPoll):
    """One poll of one account; ``ctx`` is a ``polling.PollContext``."""

    def __init__(self, ctx, limiter):
        self.ctx = ctx
        self.client = ctx.client
        self.state = ctx.state
        self.meta = ctx.state["meta"]
        self.settings = ctx.settings
        self.limiter = limiter
        self.now = ctx.now
        self.page_size = int(self.settings["page_size"])
        # Orders whose row this poll matched their stored fingerprint: their lines can be
        # read as a baseline without hiding a change.
        self.unchanged = []
        self.stats = {"pages": 0, "rows": 0, "created": 0, "changed": 0, "details": 0,
                      "deferred": 0, "sweep_complete": False}
        self._meta_before = json.dumps(self.meta, sort_keys=True)
        self.sweep_pages = 0

    def record(self, number):
        return self.state[bucket(number)].get(number)

    def records(self):
        for i in range(BUCKETS):
            part = self.state["orders_%x" % i]
            for number, record in list(part.items()):
                yield number, record

    def _store(self, number, record):
        self.state[bucket(number)][number] = record
        self.state.mark(bucket(number))

    def _forget(self, number):
        del self.state[bucket(number)][number]
        self.state.mark(bucket(number))

    def _flush(self):
        """Writes each changed part once: silent changes (without a trigger) can be lost in
        a crash only together with the sweep position after them, so they are read again."""
        if json.dumps(self.meta, sort_keys=True) != self._meta_before:
            self.state.mark("meta")
        self.state.flush("meta")

    def _take(self, endpoint):
        # Two spare requests: a token refresh and a retry also count against the poll.
        return self.ctx.budget.allows(2) and self.limiter.take(endpoint)

    # -- entry point ------------------------------------------------------------------------

    def _work(self):
        # The cadenced checks go first: they are small and bounded, and a large sweep
        # that fills every poll's budget must not starve them.
        self._recent_changes()
        self._recheck_stale()
        self._sweep()
        self._fill_line_baselines()

    def _end_poll(self):
        if self.sweep_pages and not self.stats["sweep_complete"]:
            self.meta["sweep_polls"] = int(self.meta.get("sweep_polls") or 0) + 1
        self._report_lag()
        self._flush()

    def pages_per_poll(self):
        """Search pages one poll can read: the page cap, the request budget (two requests
        are kept spare) and the per-minute rate over one poll interval."""
        interval = float(self.settings.get("poll_interval") or 60)
        rate = int(self.limiter.per_minute * max(1.0, interval) / 60.0)
        return max(1, min(int(self.settings["max_search_pages_per_poll"]),
                          self.ctx.budget.limit - 1, rate))

    def _report_lag(self):
        records = self.meta.get("records")
        if records is None:
            return
        pages = max(1, int(math.ceil(records / float(self.page_size))))
        needed = int(math.ceil(pages / float(self.pages_per_poll())))
        if self.stats["sweep_complete"]:
            behind, pending = 0, 0
        else:
            behind = int(self.meta.get("sweep_polls") or 0)
            done = (int(self.meta.get("next_page") or 1) - 1) * self.page_size
            pending = max(0, records - done)
        self.ctx.report_lag("xvantage_order_sweep", needed, behind, pending)

    def _sweep(self):
        window = int(self.settings["window_days"])
        filters = {"ingramOrderDate-bt": [day_string(self.now - window * DAY),
                                          day_string(self.now)]}
        page = int(self.meta.get("next_page") or 1)
        if not self.meta.get("baselined") and not self.meta.get("baseline_started"):
            # Orders placed after this moment are new even if the first sweep, spread over
            # several polls, meets them on a page it had not read yet.
            self.meta["baseline_started"] = self.now
        max_pages = int(self.settings["max_search_pages_per_poll"])
        while self.stats["pages"] < max_pages and self._take(SEARCH):
            result = self.client.search_page(filters, page, self.page_size)
            self.stats["pages"] += 1
            self.sweep_pages += 1
            deferred, details = self.stats["deferred"], self.stats["details"]
            for row in result["orders"]:
                self.stats["rows"] += 1
                self._consider(row)
            if self.stats["deferred"] > deferred and self.stats["details"] > details:
                # Orders on this page still wait for their details: read the page again
                # next poll instead of leaving them to the next sweep, so a burst of new
                # orders is not starved by the sweep. (Only while details progress: a
                # budget too small for any detail read must not stop the sweep.)
                self.meta["next_page"] = page
                self.stats["held"] = self.stats.get("held", 0) + 1
                return
            last = last_page(result, page, self.page_size)
            if result.get("recordsFound") is not None:
                self.meta["records"] = int(result["recordsFound"])
            elif last or self.meta.get("records") is None or \
                    page * self.page_size > self.meta["records"]:
                # No count sent: what was read so far is the best estimate.
                self.meta["records"] = (page - 1) * self.page_size + len(result["orders"])
            self.meta["next_page"] = 1 if last else page + 1
            if last:
                self.stats["sweep_complete"] = True
                self.meta["sweep_polls"] = 0
                if not self.meta.get("baselined"):
                    # The sweep just read everything: the next ship-date search is due
                    # one interval later.
                    self.meta["recent_at"] = self.now
                self.meta["baselined"] = True
                self._expire()
                return
            page += 1

    def _consider(self, row):
        number = pick(row, "ingramOrderNumber")
        if not number:
            return
        number = str(number)
        fp = fingerprint(row)
        previous = self.record(number)
        if previous is not None and previous.get("fp") == fp:
            if previous.get("lines") is None and not previous.get("terminal_at"):
                self.unchanged.append(number)
            return
        first_sweep = (not self.meta.get("baselined") and
                       not self.settings["emit_existing_on_first_run"])
        if first_sweep and not (previous is None and self._placed_since_baseline(row)):
            record = record_for(row, fp, None, self.now)
            self._store(number, record)
            if not record["terminal_at"]:
                self.unchanged.append(number)
            return
        details = self._details(number)
        if details is False:
            self.stats["deferred"] += 1
            return
        lines = summarize_lines(details) if details is not None else None
        summary = order_summary(self.ctx.account, row)
        record = record_for(row, fp, lines, self.now, previous)
        payload, trigger = None, None
        if previous is None:
            trigger = CREATED_TRIGGER
            payload = dict(summary, lines=lines or [], details_read=details is not None,
                           currency_code=text_or_none(pick(details or {}, "currencyCode")))
        else:
            sub_changes, line_changes = changes(previous, row, lines)
            moved = previous.get("status") != summary["status"]
            if moved or sub_changes or line_changes:
                trigger = CHANGED_TRIGGER
                payload = dict(summary, previous_status=previous.get("status"),
                               previous_order_total=number_or_none(previous.get("total")),
                               status_changed=moved, sub_order_changes=sub_changes,
                               line_changes=line_changes, lines=lines or [],
                               details_read=details is not None,
                               line_baseline=previous.get("lines") is not None)
        self._store(number, record)
        if trigger is None:
            return
        try:
            self.ctx.dispatch(trigger, payload, bucket(number))
        except Exception:
            # Not out: no later write may record it as reported.
            if previous is None:
                self.state[bucket(number)].pop(number, None)
            else:
                self.state[bucket(number)][number] = previous
            raise
        self.stats["created" if trigger == CREATED_TRIGGER else "changed"] += 1

    def _placed_since_baseline(self, row):
        started = self.meta.get("baseline_started")
        if not started:
            return False
        raw = pick(row, "ingramOrderDate")
        exact = parse_time(raw)
        if exact is not None:
            return exact >= started
        # A bare date: only a later day is surely after the start (an earlier order of
        # the same day would otherwise be announced on a first start).
        placed = day_epoch(raw)
        return placed is not None and placed > day_epoch(day_string(started))

    # -- orders older than the window ------------------------------------------------------

    def _oldest(self):
        # One day past the window: dates are day-granular and the window edge moves.
        return self.now - (int(self.settings["window_days"]) + 1) * DAY

    def _is_stale(self, record):
        placed = day_epoch(record.get("date"))
        return placed is not None and placed < self._oldest() and not record.get("terminal_at")

    def _recent_changes(self):
        """Every ``recent_changes_interval`` seconds, searches orders shipped or invoiced
        in the last two days, so an order placed before the window (a long backorder)
        reports its shipment without waiting for its slow re-check. Only orders the
        sensor knows are compared; others were finished and forgotten, or predate it."""
        interval = float(self.settings.get("recent_changes_interval") or 0)
        if interval <= 0 or not self.meta.get("baselined"):
            return
        if self.now - float(self.meta.get("recent_at") or 0) < interval:
            return
        days = [day_string(self.now - DAY), day_string(self.now)]
        refused = list(self.meta.get("refused_filters") or [])
        for field in RECENT_FILTERS:
            if field in refused:
                continue
            page = 1
            while True:
                if not self._take(SEARCH):
                    return                   # the next poll does the whole search again
                try:
                    result = self.client.search_page({field: days}, page, self.page_size)
                except RateLimitError:
                    raise
                except ApiError as exc:
                    if exc.status != 400:
                        raise
                    # invoiceDate_bt and others are not offered in every country.
                    self.ctx.log.warning("order search refuses %s (%s); not using it again",
                                         field, exc.message)
                    refused.append(field)
                    self.meta["refused_filters"] = refused
                    break
                self.stats["pages"] += 1
                for row in result["orders"]:
                    number = pick(row, "ingramOrderNumber")
                    if number and self.record(str(number)) is not None:
                        self.stats["rows"] += 1
                        self._consider(row)
                if last_page(result, page, self.page_size) or page >= RECENT_PAGES:
                    break
                page += 1
        self.meta["recent_at"] = self.now

    def _recheck_stale(self):
        """Unfinished orders older than the window are searched by number, a few per poll,
        each every ``stale_recheck_hours``; a moved fingerprint reads details and fires as
        in the sweep."""
        per_poll = int(self.settings.get("stale_checks_per_poll") or 0)
        if per_poll <= 0 or not self.meta.get("baselined"):
            return
        every = float(self.settings.get("stale_recheck_hours") or 0) * 3600
        window = (int(self.settings["window_days"]) + 1) * DAY
        due = []
        for number, record in self.records():
            if not self._is_stale(record):
                continue
            # Never checked: the sweep saw it until it left the window.
            checked = float(record.get("checked_at") or
                            day_epoch(record.get("date")) + window)
            if self.now - checked >= every:
                due.append((checked, number))
        for _, number in sorted(due)[:per_poll]:
            if not self._take(SEARCH):
                break
            result = self.client.search_page({"ingramOrderNumber": number}, 1, 1)
            self.stats["pages"] += 1
            rows = [r for r in result["orders"]
                    if str(pick(r, "ingramOrderNumber")) == number]
            if not rows:
                self.ctx.log.info("order %s is no longer found by order search; forgetting "
                                  "it", number)
                self._forget(number)
                continue
            self.stats["stale_checked"] = self.stats.get("stale_checked", 0) + 1
            self._consider(rows[0])
            record = self.record(number)
            if record is not None and record.get("fp") == fingerprint(rows[0]):
                # Not when details were deferred: the change is looked at next poll.
                self._store(number, dict(record, checked_at=self.now))

    def _details(self, number):
        """Normalised details; False when the budget is spent (the order is looked at again
        next sweep); None when it cannot be read (reported without lines)."""
        if not self._take(DETAILS):
            return False
        self.stats["details"] += 1
        try:
            return self.client.get_order(number)
        except RateLimitError:
            raise
        except ApiError as exc:
            if exc.status in (400, 404):
                self.ctx.log.warning("order %s details unavailable (HTTP %s); reporting the "
                                     "change without lines", number, exc.status)
                return None
            raise

    def _fill_line_baselines(self):
        """Spare detail budget reads the lines of orders first seen in the baseline sweep,
        so that their next change can name the lines that moved."""
        spare = int(self.settings["baseline_details_per_poll"])
        for number in self.unchanged[:spare]:
            if not self._take(DETAILS):
                break
            self.stats["details"] += 1
            try:
                lines = {li["key"]: li["status"]
                         for li in summarize_lines(self.client.get_order(number))}
            except RateLimitError:
                raise
            except ApiError as exc:
                if exc.status not in (400, 404):
                    raise
                lines = {}
            self._store(number, dict(self.record(number), lines=lines))

    def _expire(self):
        """Bounded state: compact finished orders, forget finished ones out of the search
        window. Unfinished ones out of the window stay (re-checked slowly), at most
        ``max_stale_orders`` of them, the most recent kept."""
        forget_after = float(self.settings["forget_finished_after_days"]) * DAY
        keep_stale = int(self.settings.get("stale_checks_per_poll") or 0) > 0
        oldest = self._oldest()
        stale = []
        for number, record in self.records():
            placed = day_epoch(record.get("date"))
            if placed is not None and placed < oldest:
                if keep_stale and not record.get("terminal_at"):
                    stale.append((placed, number))
                    continue
                self._forget(number)
                continue
            terminal_at = record.get("terminal_at")
            if terminal_at and self.now - terminal_at > forget_after and (
                    record.get("lines") or record.get("subs")):
                # The fingerprint stays while the order is in the window, or it would
                # read as new.
                self._store(number, {"fp": record["fp"], "date": record.get("date"),
                                     "status": record.get("status"),
                                     "total": record.get("total"), "subs": {}, "lines": {},
                                     "terminal_at": terminal_at})
        limit = int(self.settings.get("max_stale_orders") or 0)
        if len(stale) > limit:
            stale.sort()
            dropped = stale[:len(stale) - limit]
            for _, number in dropped:
                self._forget(number)
            self.ctx.log.warning(
                "%d unfinished order(s) older than the window exceed max_stale_orders (%d); "
                "the oldest are no longer watched", len(dropped), limit)
