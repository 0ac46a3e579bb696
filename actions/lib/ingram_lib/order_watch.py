"""New and changed Marketplace orders, found with a few list requests per poll.

The API has no webhooks, no last-modified field, no sort parameter and single-value status
filters, and lists are newest first. So:

* **New orders**: walk ``GET /orders`` newest first from offset 0 and stop at the first row
  created before the *floor* (newest creation time seen, minus an overlap window for
  late-appearing orders). Ids created above the floor are remembered (``recent``), so a row
  seen twice -- rows shift down a page when orders arrive during the walk -- is reported
  once. A walk that needs more requests than a poll may spend resumes at its offset in the
  next poll (rows only ever shift down, so resuming re-reads rows but never skips one).
* **Changed orders**: only open orders can change, so each poll sweeps
  ``?status=submitted`` and ``?status=processing`` (one status per request) and compares
  status and statusCode with the stored ones. An open order missing from both sweeps has
  left the open set: one ``GET /orders/{id}`` tells where it went (several at once are
  found with a bounded sweep of the terminal statuses instead). Orders in ``error`` are
  watched for ``error_watch_days`` (Ingram may fix them) with a sweep every
  ``error_sweep_interval`` seconds.

A quiet poll therefore costs three requests whatever the size of the order history, and the
state holds only open orders, the ids inside the overlap window and a short list of recently
closed orders.
"""

import math

from .errors import NotFoundError
from .polling import at_end, fetch_list_page, iso_utc, parse_time, text_or_none
from .sensor_state import BucketedMap, bucket_parts, trim_oldest

OPEN_STATUSES = ("submitted", "processing")
ERROR = "error"
FINAL_STATUSES = ("completed", "cancelled")
FIRST_PAGE = 100
MAX_PAGE = 500
# More open orders than this have vanished: find them with terminal-status sweeps.
VANISHED_GET_LIMIT = 3
RECENT_LIMIT = 5000
CLOSED_LIMIT = 1000
# An unknown open order created this long before the floor is taken for a late arrival
# (order_created); an older one for an order that reopened (order_status_changed).
LATE_WINDOW = 86400.0
FILTER_MARGIN = 86400.0
DAY = 86400.0

DEFAULTS = {
    "poll_interval": 30,
    "emit_existing_on_first_run": False,
    "overlap_seconds": 600,
    "error_watch_days": 14,
    "error_sweep_interval": 300,
}

STATE_PARTS = dict({
    # watermark: newest creation time seen; floor: rows created before it are known;
    # recent: {id: creation time} above the floor; walk: a walk resumed across polls.
    "head": {"watermark": None, "floor": None, "recent": {}, "walk": None,
             "error_swept_at": 0, "baselined": False},
    # {id: [status, statusCode, time it closed]}, newest CLOSED_LIMIT only
    "closed": {},
}, **bucket_parts("open"))
# open_0 ... open_f by a hash of the id (earlier versions kept one part, "open"):
# {id: [status, statusCode, creation time, time it entered this status]}

SUMMARY_FIELDS = ("id", "orderNumber", "type", "customerId", "subscriptionId", "poNumber",
                  "creationDate", "provisioningDate", "status", "statusCode", "total")


def time_filter(epoch):
    """``creationTimeFrom`` a day earlier than needed.

    Nobody has confirmed how the API reads it (a server taking the time as local time would
    cut off up to 14 hours of orders), so the filter only trims the answer; where to stop is
    decided here, from each row's creationDate.
    """
    return iso_utc(epoch - FILTER_MARGIN)


def created_at(row):
    return parse_time(row.get("creationDate"))


def summary(row):
    return {k: row.get(k) for k in SUMMARY_FIELDS}


def order_fields(account, row):
    total = row.get("total")
    return {
        "account": account,
        "id": str(row["id"]),
        "orderNumber": text_or_none(row.get("orderNumber")),
        "type": text_or_none(row.get("type")),
        "customerId": text_or_none(row.get("customerId")),
        "subscriptionId": text_or_none(row.get("subscriptionId")),
        "creationDate": text_or_none(row.get("creationDate")),
        "provisioningDate": text_or_none(row.get("provisioningDate")),
        "total": total if isinstance(total, dict) else None,
    }


class OrderWatcher(object):
    """One poll of one account; ``ctx`` is a ``polling.PollContext``."""

    CREATED = "ingram_micro.order_created"
    CHANGED = "ingram_micro.order_status_changed"

    def __init__(self, ctx):
        self.ctx = ctx
        self.settings = ctx.settings
        self.state = ctx.state
        self.head = ctx.state["head"]
        self.open = BucketedMap(ctx.state, "open")
        self.open.adopt_legacy(ctx.log)
        self.closed = ctx.state["closed"]
        self.client = ctx.client
        self.budget = ctx.budget
        self.now = ctx.now
        self.overlap = float(self.settings["overlap_seconds"])
        self.watch_errors = float(self.settings["error_watch_days"]) > 0
        self.stats = {"walk_pages": 0, "sweep_pages": 0, "detail_gets": 0,
                      "vanished": 0, "walk_complete": False, "caught_up": False}

    # -- entry point ------------------------------------------------------------------------

    def poll(self):
        if not self.head.get("baselined"):
            self.baseline()
            return self.stats
        statuses = self.sweep_statuses()
        walked = self.walk_new(reserve=len(statuses))
        observed, complete = self.sweep(statuses)
        unresolved = self.compare(observed, complete)
        self.expire_errors()
        # Nothing left over for the next poll: every change up to now has been reported.
        self.stats["caught_up"] = walked and complete == set(statuses) and not unresolved
        return self.stats

    # -- first run --------------------------------------------------------------------------

    def baseline(self):
        """Records where history ends and which orders are open, without dispatching.

        Nothing is written until everything is read, so a failed first poll simply starts
        over. With ``emit_existing_on_first_run`` each open order is dispatched as
        ``order_created`` (``first_run: true``), checkpointed one by one.
        """
        rows, total = fetch_list_page(self.client, "/orders", {}, 0, FIRST_PAGE)
        stamps = [t for t in (created_at(r) for r in rows) if t is not None]
        watermark = max(stamps) if stamps else None
        floor = watermark - self.overlap if watermark is not None else None
        recent = {}
        offset, limit = 0, FIRST_PAGE
        while rows:
            for row in rows:
                ts = created_at(row)
                if floor is None or ts is None or ts >= floor:
                    recent[str(row["id"])] = ts if ts is not None else self.now
            offset += len(rows)
            oldest = created_at(rows[-1])
            if oldest is None or oldest < floor or at_end(rows, total, offset, limit):
                break
            limit = MAX_PAGE
            rows, total = fetch_list_page(self.client, "/orders", {}, offset, limit)
        statuses = list(OPEN_STATUSES)
        error_since = None
        if self.watch_errors:
            statuses.append(ERROR)
            error_since = self.now - float(self.settings["error_watch_days"]) * DAY
        found = {}
        for status in statuses:
            stop = error_since if status == ERROR else None
            for row in self._walk_status(status, stop_before=stop, budgeted=False)[0]:
                found[str(row["id"])] = row
        self.head.update(watermark=watermark, floor=floor, recent=recent, walk=None,
                         error_swept_at=self.now)
        emit = bool(self.settings["emit_existing_on_first_run"])
        for oid in sorted(found, key=lambda i: (created_at(found[i]) or 0, i)):
            row = found[oid]
            status = row.get("status")
            if status not in OPEN_STATUSES and status != ERROR:
                continue
            if status == ERROR and (created_at(row) or 0) < (error_since or 0):
                continue
            if oid in self.open or self.is_unseen(row):
                # Dispatched by an earlier, interrupted first poll; or created after the
                # first page was read, so the next walk reports it as new.
                continue
            self.open[oid] = self._entry(row)
            if emit and status in OPEN_STATUSES:
                payload = self.created_payload(row, first_run=True)
                self.ctx.dispatch(self.CREATED, payload, self.open.part_of(oid))
        self.head["baselined"] = True
        self.state.save("closed", "head", *self.open.parts)
        self.stats["walk_complete"] = True
        self.stats["caught_up"] = True

    # -- new orders -------------------------------------------------------------------------

    def is_unseen(self, row):
        """A row the walk has not reported yet (it will, in this poll or the next)."""
        if str(row["id"]) in self.head["recent"]:
            return False
        floor = self.head.get("floor")
        if floor is None:
            return True
        ts = created_at(row)
        return ts is not None and ts >= floor

    def appeared_late(self, row):
        floor = self.head.get("floor")
        ts = created_at(row)
        return floor is not None and ts is not None and ts >= floor - LATE_WINDOW

    def walk_new(self, reserve=0):
        head = self.head
        walk = head.get("walk") or {"offset": 0, "top": None}
        floor = head.get("floor")
        params = {"creationTimeFrom": time_filter(floor)} if floor is not None else {}
        while True:
            if not self.budget.allows(1 + reserve):
                head["walk"] = walk
                self.state.save("head")
                return False
            limit = FIRST_PAGE if walk["offset"] == 0 else MAX_PAGE
            rows, total = fetch_list_page(self.client, "/orders", params, walk["offset"],
                                          limit, self.budget)
            self.stats["walk_pages"] += 1
            reached_floor = False
            for row in rows:
                ts = created_at(row)
                if ts is not None and (walk["top"] is None or ts > walk["top"]):
                    walk["top"] = ts
                if floor is not None and ts is not None and ts < floor:
                    reached_floor = True
                    break
                oid = str(row["id"])
                if oid in head["recent"]:
                    continue
                head["recent"][oid] = ts if ts is not None else self.now
                self.on_created(row)
            walk["offset"] += len(rows)
            if reached_floor or at_end(rows, total, walk["offset"], limit):
                break
            head["walk"] = walk
            self.state.save("head")
        self.finish_walk(walk)
        return True

    def finish_walk(self, walk):
        head = self.head
        if walk["top"] is not None:
            head["watermark"] = max(head.get("watermark") or walk["top"], walk["top"])
            floor = head["watermark"] - self.overlap
            head["floor"] = max(head.get("floor") or floor, floor)
        floor = head.get("floor")
        if floor is not None:
            head["recent"] = {k: v for k, v in head["recent"].items() if v >= floor}
        if len(head["recent"]) > RECENT_LIMIT:
            self.trim_recent()
        head["walk"] = None
        self.state.save("head")
        self.stats["walk_complete"] = True

    def trim_recent(self):
        # Raising the floor to the oldest kept id keeps "below the floor = known" true.
        recent = self.head["recent"]
        cut = sorted(recent.values(), reverse=True)[RECENT_LIMIT - 1]
        self.head["recent"] = {k: v for k, v in recent.items() if v >= cut}
        self.head["floor"] = max(self.head.get("floor") or cut, cut)
        if len(self.head["recent"]) > RECENT_LIMIT:
            self.ctx.log.warning("%d orders share one creation time; remembering all of them",
                                 len(self.head["recent"]))

    def on_created(self, row):
        oid = str(row["id"])
        status = row.get("status")
        parts = ["head"]
        if oid not in self.open and (status in OPEN_STATUSES or
                                     (status == ERROR and self.watch_errors)):
            self.open[oid] = self._entry(row)
            parts.append(self.open.part_of(oid))
        self.ctx.dispatch(self.CREATED, self.created_payload(row), *parts)

    # -- changed orders ---------------------------------------------------------------------

    def sweep_statuses(self):
        statuses = list(OPEN_STATUSES)
        errors_open = any(e[0] == ERROR for e in self.open.values())
        interval = float(self.settings["error_sweep_interval"])
        if errors_open and self.now - float(self.head.get("error_swept_at") or 0) >= interval:
            statuses.append(ERROR)
        return statuses

    def _walk_status(self, status, stop_before=None, budgeted=True):
        """All rows of one status (newest first, down to ``stop_before``): (rows, complete)."""
        rows_out, offset = [], 0
        params = {"status": status}
        if stop_before is not None:
            params["creationTimeFrom"] = time_filter(stop_before)
        while True:
            if budgeted and not self.budget.allows(1):
                return rows_out, False
            rows, total = fetch_list_page(self.client, "/orders", params, offset, MAX_PAGE,
                                          self.budget if budgeted else None)
            self.stats["sweep_pages"] += 1
            for row in rows:
                ts = created_at(row)
                if stop_before is not None and ts is not None and ts < stop_before:
                    return rows_out, True
                rows_out.append(row)
            offset += len(rows)
            if at_end(rows, total, offset, MAX_PAGE):
                return rows_out, True

    def sweep(self, statuses):
        observed, complete = {}, set()
        for status in statuses:
            stop = None
            if status == ERROR:
                stamps = [e[2] for e in self.open.values() if e[0] == ERROR and e[2]]
                stop = min(stamps) if stamps else None
            rows, done = self._walk_status(status, stop_before=stop)
            for row in rows:
                # A later sweep saw the order later: its answer wins.
                observed[str(row["id"])] = row
            if done:
                complete.add(status)
        if ERROR in complete:
            self.head["error_swept_at"] = self.now
        return observed, complete

    def compare(self, observed, complete):
        for oid, row in observed.items():
            if oid in self.open:
                self.apply(oid, row)
            elif self.is_unseen(row):
                continue
            elif row.get("status") in OPEN_STATUSES:
                if oid not in self.closed and self.appeared_late(row):
                    # Listed more than overlap_seconds after its creation time, so the walk
                    # had already passed it: it is new all the same.
                    self.on_created(row)
                else:
                    # Back in an open status, e.g. an error order Ingram fixed after the
                    # sensor stopped watching it.
                    self.reopened(oid, row)
        vanished = sorted(oid for oid, entry in self.open.items()
                          if entry[0] in complete and oid not in observed)
        self.stats["vanished"] = len(vanished)
        unresolved = self.resolve(vanished) if vanished else 0
        self.state.save("head")
        return unresolved

    def resolve(self, vanished):
        unresolved = set(vanished)
        if len(unresolved) > VANISHED_GET_LIMIT:
            self.sweep_terminal(unresolved)
        for done, oid in enumerate(sorted(unresolved)):
            if not self.budget.allows(1):
                # Still open in the state: the next poll asks again.
                return len(unresolved) - done
            self.stats["detail_gets"] += 1
            try:
                row = self.client.get(self.client.path("/orders/{id}", id=oid))
            except NotFoundError:
                self.ctx.log.warning("order %s is gone (404); no longer watched", oid)
                self.open.pop(oid, None)
                self.state.save(self.open.part_of(oid))
                continue
            if isinstance(row, dict) and row.get("status"):
                self.apply(oid, row)
        return 0

    def sweep_terminal(self, unresolved):
        oldest = min(self.open[oid][2] or 0 for oid in unresolved)
        cap = max(1, int(math.ceil(len(unresolved) / 3.0)))
        for status in FINAL_STATUSES + (ERROR,):
            params = {"status": status, "creationTimeFrom": time_filter(oldest)}
            offset, pages = 0, 0
            while unresolved and pages < cap and self.budget.allows(1):
                rows, total = fetch_list_page(self.client, "/orders", params, offset,
                                              MAX_PAGE, self.budget)
                pages += 1
                self.stats["sweep_pages"] += 1
                below = False
                for row in rows:
                    oid = str(row["id"])
                    if oid in unresolved:
                        unresolved.discard(oid)
                        self.apply(oid, row)
                    ts = created_at(row)
                    if ts is not None and ts < oldest:
                        below = True
                offset += len(rows)
                if below or at_end(rows, total, offset, MAX_PAGE):
                    break
            if not unresolved:
                return

    def apply(self, oid, row):
        """Compares a fresh row with the stored entry; dispatches on a difference."""
        entry = self.open.get(oid)
        if entry is None:
            return
        status, code = row.get("status"), text_or_none(row.get("statusCode"))
        if [entry[0], entry[1]] == [status, code]:
            return
        payload = self.changed_payload(row, entry[0], entry[1])
        if status in OPEN_STATUSES or (status == ERROR and self.watch_errors):
            since = entry[3] if status == entry[0] else self.now
            self.open[oid] = [status, code, entry[2], since]
        else:
            del self.open[oid]
            self.close(oid, status, code)
        self.ctx.dispatch(self.CHANGED, payload, self.open.part_of(oid), "closed")

    def reopened(self, oid, row):
        previous = self.closed.pop(oid, None) or [None, None, None]
        self.open[oid] = self._entry(row)
        payload = self.changed_payload(row, previous[0], previous[1])
        self.ctx.dispatch(self.CHANGED, payload, self.open.part_of(oid), "closed")

    def close(self, oid, status, code):
        self.closed[oid] = [status, code, self.now]
        trim_oldest(self.closed, CLOSED_LIMIT, lambda e: e[2] or 0)

    def expire_errors(self):
        horizon = float(self.settings["error_watch_days"]) * DAY
        expired = [oid for oid, e in self.open.items()
                   if e[0] == ERROR and self.now - (e[3] or 0) > horizon]
        for oid in expired:
            entry = self.open.pop(oid)
            self.close(oid, entry[0], entry[1])
        if expired:
            self.state.save("closed", *self.open.parts)

    # -- payloads ---------------------------------------------------------------------------

    def _entry(self, row):
        return [row.get("status"), text_or_none(row.get("statusCode")), created_at(row), self.now]

    def created_payload(self, row, first_run=False):
        payload = order_fields(self.ctx.account, row)
        payload.update(status=text_or_none(row.get("status")),
                       statusCode=text_or_none(row.get("statusCode")), first_run=first_run,
                       detected_at=iso_utc(self.now))
        return payload

    def changed_payload(self, row, previous_status, previous_code):
        status = text_or_none(row.get("status"))
        payload = order_fields(self.ctx.account, row)
        payload.update(
            status=status, statusCode=text_or_none(row.get("statusCode")),
            previous_status=previous_status, previous_statusCode=previous_code,
            status_changed=status != previous_status,
            final=status in FINAL_STATUSES or status == ERROR,
            detected_at=iso_utc(self.now))
        return payload
