"""New and changed Marketplace orders, found with a few list requests per poll.

The API has no webhooks, no last-modified field, no sort parameter and single-value status
filters, and lists are newest first. So:

* **New orders**: walk ``GET /orders`` newest first from offset 0 and stop at the first row
  created before the *floor* (newest creation time seen, minus an overlap window for
  late-appearing orders). Ids created above the floor are remembered (``recent``), so a row
  seen twice -- rows shift down a page when orders arrive during the walk -- is reported
  once. A walk that needs more requests than a poll may spend resumes at its offset in the
  next poll (rows only ever shift down, so resuming re-reads rows but never skips one).
* **Changed orders**: only open orders can change, so a *pass* sweeps
  ``?status=submitted`` then ``?status=processing`` (one status per request) and compares
  status and statusCode with the stored ones. An open order that a whole pass did not find
  in either status has *vanished* (left the open set); a sweep of each terminal status over
  the creation times of those orders finds where they went, while that costs fewer
  requests than one ``GET /orders/{id}`` each, and GETs find the rest. Orders in ``error``
  are watched for ``error_watch_days`` (Ingram may fix them), swept every
  ``error_sweep_interval`` seconds.

Every one of those sweeps resumes where the previous poll stopped (cursors in ``head``,
so a restarted sensor goes on too). The budget (``max_requests_per_poll``) is shared: the
walk gets the first request, then the walk, the pass and the resolving of vanished orders
take one request each in turn, so none of them waits for another to finish. A pass reads
at least two pages a poll, and enough to finish within two polls: a quiet poll costs three
requests up to 1 500 open orders whatever the size of the history. A pass resumed in a
later poll starts a few rows above where it stopped, because orders that left the status
in between move the rows below them up; when even that page does not reach the last row
read, it starts one page higher. A row still missed is judged vanished and resolved with
its GET, so it costs a request, never an event. The lag of each kind of work goes to
``ctx.report_lag`` (``new_orders``, ``open_sweeps``, ``vanished_orders``).

The state holds only open orders, the ids inside the overlap window, a short list of
recently closed orders, and the orders a pass found missing.
"""

import bisect
import math

from ..core.errors import NotFoundError
from ..core.times import iso_utc, parse_time
from ..core.values import text_or_none
from .polling import at_end, fetch_list_page
from .state import BucketedMap, bucket_parts, trim_oldest

OPEN_STATUSES = ("submitted", "processing")
ERROR = "error"
FINAL_STATUSES = ("completed", "cancelled")
TERMINAL_SWEEPS = FINAL_STATUSES + (ERROR,)
FIRST_PAGE = 100
MAX_PAGE = 500
# No more vanished orders than this: one GET each rather than terminal-status sweeps.
VANISHED_GET_LIMIT = 3
RECENT_LIMIT = 5000
CLOSED_LIMIT = 1000
# An unknown open order created this long before the floor is taken for a late arrival
# (order_created); an older one for an order that reopened (order_status_changed).
LATE_WINDOW = 86400.0
FILTER_MARGIN = 86400.0
DAY = 86400.0
# Open-status sweeps read at least QUIET_PACE pages a poll, and enough for a pass to take
# PASS_POLLS polls: three requests a quiet poll up to 1 500 open orders.
QUIET_PACE = 2
PASS_POLLS = 2
# A sweep resumed in a later poll starts this many rows (at most a tenth of a page) above
# where it stopped; the last TAIL_IDS ids read show whether the page still reaches there.
OVERLAP_ROWS = 50
TAIL_IDS = 5
MAX_STEP_BACK = 2
LAG_NAMES = {"new": "new_orders", "open": "open_sweeps", "resolve": "vanished_orders"}

DEFAULTS = {
    "poll_interval": 30,
    "emit_existing_on_first_run": False,
    "overlap_seconds": 600,
    "error_watch_days": 14,
    "error_sweep_interval": 300,
}

STATE_PARTS = dict({
    # watermark: newest creation time seen; floor: rows created before it are known;
    # recent: {id: creation time} above the floor; walk, pass, resolve: where the new-order
    # walk, the open-status pass and the resolving of vanished orders stopped; walked,
    # baselined: the first run's walk, and its first pass, are done; page: rows per page
    # the server gives.
    "head": {"watermark": None, "floor": None, "recent": {}, "walk": None, "pass": None,
             "resolve": None, "error_swept_at": 0, "walked": False, "baselined": False},
    # {id: [status, statusCode, time it closed]}, newest CLOSED_LIMIT only
    "closed": {},
    # missing: {id: first letter of a status} left it during the current pass; vanished:
    # {id: the same} not found in any open status by a whole pass, to be resolved.
    "pending": {"missing": {}, "vanished": {}},
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


def row_key(row):
    """Where a row sorts in a newest-first list (as JSON gives it back: a list)."""
    oid = str(row["id"])
    return (created_at(row) or 0.0, len(oid), oid)


def entry_key(oid, entry):
    return (entry[2] or 0.0, len(oid), oid)


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
        self.pending = ctx.state["pending"]
        self.client = ctx.client
        self.budget = ctx.budget
        self.now = ctx.now
        self.overlap = float(self.settings["overlap_seconds"])
        self.watch_errors = float(self.settings["error_watch_days"]) > 0
        self.stats = {"walk_pages": 0, "sweep_pages": 0, "resolve_pages": 0,
                      "detail_gets": 0, "step_backs": 0, "vanished": 0,
                      "walk_complete": False, "pass_complete": False, "caught_up": False}

    # -- entry point ------------------------------------------------------------------------

    def poll(self):
        self.begin()
        if self.budget.allows(1):
            # New orders first: a quiet poll spends one request on them.
            self.step("new")
        kinds = ("open", "resolve", "new")
        while self.budget.allows(1):
            # Round robin, one request per turn, so no kind of work starves another.
            stepped = False
            for kind in kinds:
                if self.budget.allows(1) and self.wants(kind):
                    self.step(kind)
                    stepped = True
            if not stepped:
                break
        if not self.adopting:
            self.expire_errors()
        self.end()
        return self.stats

    def begin(self):
        self.used = {"new": 0, "open": 0, "resolve": 0}
        self.walk_done = False
        self.passes_started = 0
        self.pass_on_plan = False
        self.keys = None
        cur = self.head.get("pass")
        pages = self.estimate_pass_pages(cur)
        # The error sweep (every error_sweep_interval) comes on top of the pace.
        errors = pages.pop(ERROR, 0)
        self.pace = errors + max(QUIET_PACE, int(math.ceil(sum(pages.values()) /
                                                           float(PASS_POLLS))))
        # A pass that overran its plan (other work took the budget) has no cap until done.
        self.overrun = cur is not None and cur.get("polls", 0) >= PASS_POLLS
        # The first pass takes whatever the budget allows.
        self.adopting = not self.head.get("baselined")
        self.overrun = self.overrun or self.adopting

    def wants(self, kind):
        if kind == "new":
            return not self.walk_done
        if kind == "open":
            if not self.overrun and self.used["open"] >= self.pace:
                return False
            if not self.head.get("walked") and not self.head.get("baselined"):
                return False
            # A pass ended in this poll starts again only if it began in an earlier poll:
            # reading the same rows twice within moments finds nothing new.
            return self.head.get("pass") is not None or self.passes_started == 0
        return bool(self.pending["vanished"])

    def step(self, kind):
        # Cursors are saved once, at the end of the poll (a poll that fails part-way
        # repeats its pages; the parts its accepted dispatches changed are still written).
        self.used[kind] += 1
        if kind == "new":
            self.walk_step()
        elif kind == "open":
            self.open_step()
        else:
            self.resolve_step()

    def end(self):
        # Written by the sensor base at the end of the poll, once each, the head last.
        self.state.mark("pending", "head")
        if self.adopting:
            self.state.mark("closed", *self.open.parts)
        limit = self.budget.limit
        walk = self.head.get("walk")
        if walk is None:
            self.ctx.report_lag(LAG_NAMES["new"], 1)
        else:
            rows = max(0, (walk.get("total") or 0) - walk["offset"])
            pages = int(math.ceil(rows / float(MAX_PAGE)))
            rate = max(1, self.used["new"])
            self.ctx.report_lag(LAG_NAMES["new"], walk["polls"] + int(math.ceil(
                pages / float(rate))), walk["polls"], rows)
        cur = self.head.get("pass")
        # Estimated again: this poll may have learnt the server's page size.
        pages = sum(self.estimate_pass_pages(cur).values())
        rate = max(1, min(self.pace, limit - 1))
        needed = max(1, int(math.ceil(pages / float(rate))))
        if cur is None:
            self.ctx.report_lag(LAG_NAMES["open"], needed)
        else:
            running = cur["polls"]
            self.ctx.report_lag(LAG_NAMES["open"], max(needed, running + 1),
                                running if running >= needed else 0, self.pass_rows_left(cur))
        vanished = self.pending["vanished"]
        res = self.head.get("resolve")
        if not vanished:
            self.ctx.report_lag(LAG_NAMES["resolve"], 1)
        else:
            polls = res["polls"] if res else 0
            work = self.resolve_requests_left(res)
            rate = max(1, self.used["resolve"], limit // 3)
            self.ctx.report_lag(LAG_NAMES["resolve"], polls + int(math.ceil(
                work / float(rate))), polls, len(vanished))
        self.stats["vanished"] = len(vanished)
        # Nothing left over for the next poll: every change up to now has been reported.
        # (Up to the start of the pass that ended in this poll.)
        self.stats["caught_up"] = (self.walk_done and self.pass_on_plan and not vanished and
                                   self.head.get("walk") is None)

    # -- first run --------------------------------------------------------------------------

    # The first run records where history ends (a walk that dispatches nothing) and then
    # which orders are open (a first pass that adopts them, dispatching ``order_created``
    # with ``first_run: true`` only with ``emit_existing_on_first_run``), within the budget
    # like any other poll; it may take several.

    def baseline_walk_step(self):
        head = self.head
        walk = head.get("walk") or {"offset": 0, "top": None}
        limit = FIRST_PAGE if walk["offset"] == 0 else MAX_PAGE
        rows, total = fetch_list_page(self.client, "/orders", {}, walk["offset"], limit,
                                      self.budget)
        self.stats["walk_pages"] += 1
        if walk["offset"] == 0:
            stamps = [t for t in (created_at(r) for r in rows) if t is not None]
            head["watermark"] = max(stamps) if stamps else None
            head["floor"] = (head["watermark"] - self.overlap
                             if head["watermark"] is not None else None)
        floor, mark = head["floor"], head["watermark"]
        done = floor is None
        for row in rows:
            ts = created_at(row)
            if floor is not None and ts is not None and ts < floor:
                done = True
                break
            if mark is not None and ts is not None and ts > mark:
                # Created after the first page was read: the next walk reports it.
                continue
            head["recent"][str(row["id"])] = ts if ts is not None else self.now
        walk["offset"] += len(rows)
        if done or at_end(rows, total, walk["offset"], limit):
            head.update(walk=None, walked=True)
            self.walk_done = True
            self.stats["walk_complete"] = True
        else:
            head["walk"] = walk

    def adopt(self, row):
        """An open order met by the first pass: watched from now on."""
        oid, status = str(row["id"]), row.get("status")
        if status == ERROR:
            since = self.now - float(self.settings["error_watch_days"]) * DAY
            if not self.watch_errors or (created_at(row) or 0) < since:
                return
        elif status not in OPEN_STATUSES:
            return
        self.open[oid] = self._entry(row)
        if status in OPEN_STATUSES and self.settings["emit_existing_on_first_run"]:
            payload = self.created_payload(row, first_run=True)
            self.ctx.dispatch(self.CREATED, payload, self.open.part_of(oid))

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

    def walk_step(self):
        """One page of the walk down to the floor; a walk resumes at its offset next poll."""
        head = self.head
        if not head.get("baselined") and not head.get("walked"):
            return self.baseline_walk_step()
        walk = head.get("walk") or {"offset": 0, "top": None}
        if self.used["new"] == 1:
            walk["polls"] = walk.get("polls", 0) + 1
        floor = head.get("floor")
        params = {"creationTimeFrom": time_filter(floor)} if floor is not None else {}
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
        walk["total"] = total
        if reached_floor or at_end(rows, total, walk["offset"], limit):
            self.walk_done = True
            self.finish_walk(walk)
        else:
            head["walk"] = walk

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

    # The open-status pass: each status in turn, newest first, one page per step. A page
    # read right after the previous one (``edge``: the lowest row read so far) judges the
    # stored orders of that status between the two: one not on the page has left the
    # status. It is only a candidate (``missing``) until the whole pass is over, since it
    # may show up under the next status; then it has *vanished* and is resolved below.

    def overlap_rows(self):
        return min(OVERLAP_ROWS, max(1, int(self.head.get("page") or MAX_PAGE) // 10))

    def estimate_pass_pages(self, cur):
        page = float(self.head.get("page") or MAX_PAGE)
        statuses = cur["statuses"] if cur else self.sweep_statuses()
        counts = dict.fromkeys(statuses, 0)
        for entry in self.open.values():
            if entry[0] in counts:
                counts[entry[0]] += 1
        return {status: max(1, int(math.ceil(n / page))) for status, n in counts.items()}

    def pass_rows_left(self, cur):
        left = max(0, (cur.get("total") or 0) - cur["next"])
        later = cur["statuses"][cur["i"] + 1:]
        return left + sum(1 for e in self.open.values() if e[0] in later)

    def start_pass(self):
        statuses = self.sweep_statuses()
        stop = None
        if self.adopting:
            statuses = list(OPEN_STATUSES) + ([ERROR] if self.watch_errors else [])
            stop = self.now - float(self.settings["error_watch_days"]) * DAY
        elif ERROR in statuses:
            stamps = [e[2] for e in self.open.values() if e[0] == ERROR and e[2]]
            stop = min(stamps) if stamps else None
        self.passes_started += 1
        pages = sum(self.estimate_pass_pages(None).values())
        rate = max(1, min(self.pace, self.budget.limit - 1))
        plan = 1 if pages <= rate else int(math.ceil(pages / float(rate))) + 1
        return {"plan": plan, "statuses": statuses, "i": 0, "next": 0, "edge": None, "tail": [],
                "stop": stop, "total": None, "polls": 1, "back": 0, "started": self.now}

    def open_step(self):
        cur = self.head.get("pass")
        if cur is None:
            cur = self.head["pass"] = self.start_pass()
        elif self.used["open"] == 1:
            cur["polls"] += 1
            if cur["next"] > 0:
                # Orders that left this status since the last poll moved the rows below
                # them up: start a little higher, and check the page reaches the edge.
                cur["next"] = max(0, cur["next"] - self.overlap_rows())
                cur["check"] = True
        status = cur["statuses"][cur["i"]]
        stop = cur["stop"] if status == ERROR else None
        params = {"status": status}
        if stop is not None:
            params["creationTimeFrom"] = time_filter(stop)
        offset = cur["next"]
        rows, total = fetch_list_page(self.client, "/orders", params, offset, MAX_PAGE,
                                      self.budget)
        self.stats["sweep_pages"] += 1
        if rows and total is not None and offset + len(rows) < total:
            # A server may cap pages below MAX_PAGE; estimates use what it gives.
            self.head["page"] = len(rows)
        cur["total"] = total
        edge = tuple(cur["edge"]) if cur["edge"] is not None else None
        ids = [str(r["id"]) for r in rows]
        # Only a resumed page is checked: between pages of one poll rows hardly move, and
        # a row missed all the same is judged missing and resolved with a GET.
        reaches_edge = (not cur.pop("check", False) or offset == 0 or edge is None or
                        bool(set(ids) & set(cur["tail"])) or
                        (bool(rows) and row_key(rows[0]) >= edge))
        seen, stopped = set(), False
        for row in rows:
            ts = created_at(row)
            if stop is not None and ts is not None and ts < stop:
                stopped = True
                break
            seen.add(str(row["id"]))
            self.observe(row)
        end = stopped or at_end(rows, total, offset + len(rows), MAX_PAGE)
        if not reaches_edge and cur["back"] < MAX_STEP_BACK:
            # More rows left than the overlap covers: one page higher, then on down.
            cur["back"] += 1
            page = int(self.head.get("page") or MAX_PAGE)
            cur["next"] = max(0, offset - page + self.overlap_rows())
            cur["check"] = True
            self.stats["step_backs"] += 1
            return
        lower = None if end else row_key(rows[-1])
        keys = self.stored_keys(status)
        first = 0 if lower is None else bisect.bisect_left(keys, lower)
        last = len(keys) if edge is None else bisect.bisect_left(keys, edge)
        for key in keys[first:last]:
            oid = key[2]
            entry = self.open.get(oid)
            if entry is not None and entry[0] == status and oid not in seen:
                # The first letter names the status: the map may hold every open order.
                self.pending["missing"][oid] = status[:1]
        cur["back"] = 0
        if not end:
            cur.update(next=offset + len(rows), edge=list(lower), tail=ids[-TAIL_IDS:])
            return
        cur.update(i=cur["i"] + 1, next=0, edge=None, tail=[], total=None)
        if cur["i"] >= len(cur["statuses"]):
            self.finish_pass(cur)

    def stored_keys(self, status):
        """Sort keys of the stored orders in ``status`` when this poll began (an order that
        entered it since was just seen; it is judged in the next pass)."""
        if self.keys is None:
            self.keys = {}
            for oid, entry in self.open.items():
                self.keys.setdefault(entry[0], []).append(entry_key(oid, entry))
            for keys in self.keys.values():
                keys.sort()
        return self.keys.get(status, [])

    def finish_pass(self, cur):
        missing, vanished = self.pending["missing"], self.pending["vanished"]
        for oid, status in missing.items():
            entry = self.open.get(oid)
            if entry is not None and entry[0][:1] == status:
                vanished[oid] = status
        self.pending["missing"] = {}
        if ERROR in cur["statuses"]:
            self.head["error_swept_at"] = cur["started"]
        self.head["baselined"] = True
        self.head["pass"] = None
        self.overrun = False
        self.stats["pass_complete"] = True
        # On plan: read within this poll when one poll holds a pass, else in the polls the
        # budget allows plus one (a change behind it waits for the next pass).
        self.pass_on_plan = cur["polls"] <= cur.get("plan", 1)

    def observe(self, row):
        """A row seen by an open-status sweep: compared, or reported when unknown."""
        oid = str(row["id"])
        self.pending["missing"].pop(oid, None)
        self.pending["vanished"].pop(oid, None)
        if oid in self.open:
            self.apply(oid, row)
        elif self.is_unseen(row):
            return
        elif not self.head.get("baselined"):
            self.adopt(row)
        elif row.get("status") in OPEN_STATUSES:
            if oid not in self.closed and self.appeared_late(row):
                # Listed more than overlap_seconds after its creation time, so the walk
                # had already passed it: it is new all the same.
                self.on_created(row)
            else:
                # Back in an open status, e.g. an error order Ingram fixed after the
                # sensor stopped watching it.
                self.reopened(oid, row)

    # Vanished orders: a sweep of each terminal status over their creation times while
    # that costs fewer requests than one GET per order, then GETs for the rest.

    def start_resolve(self):
        vanished = self.pending["vanished"]
        for oid in [o for o in vanished if o not in self.open]:
            del vanished[oid]
        ids = sorted(vanished)
        cur = {"polls": 1, "gets": None, "i": 0, "next": 0, "total": None}
        stamps = [self.open[o][2] for o in ids if self.open[o][2] is not None]
        if len(ids) <= VANISHED_GET_LIMIT or not stamps:
            cur["gets"] = ids
        else:
            cur.update({"from": min(stamps), "to": max(stamps)})
        return cur

    def covered(self, cur):
        """The vanished orders the current terminal sweeps can find."""
        low, high = cur.get("from"), cur.get("to")
        out = []
        for oid in self.pending["vanished"]:
            entry = self.open.get(oid)
            if entry is not None and (low is None or (entry[2] is not None and
                                                      low <= entry[2] <= high)):
                out.append(oid)
        return sorted(out)

    def sweep_pages_left(self, cur):
        page = float(self.head.get("page") or MAX_PAGE)
        pages = int(math.ceil(max(0, (cur["total"] or 0) - cur["next"]) / page))
        return pages + len(TERMINAL_SWEEPS) - cur["i"] - (1 if cur["total"] else 0)

    def resolve_requests_left(self, cur):
        count = len(self.pending["vanished"])
        if cur is None:
            return count if count <= VANISHED_GET_LIMIT else min(count, len(TERMINAL_SWEEPS))
        if cur["gets"] is not None:
            return len(cur["gets"]) + count - len([o for o in cur["gets"]
                                                   if o in self.pending["vanished"]])
        covered = len(self.covered(cur))
        return min(covered, self.sweep_pages_left(cur)) + count - covered

    def resolve_step(self):
        cur = self.head.get("resolve")
        if cur is None:
            cur = self.head["resolve"] = self.start_resolve()
        elif self.used["resolve"] == 1:
            cur["polls"] += 1
        if cur["gets"] is None:
            self.terminal_page(cur)
        else:
            self.get_one(cur)
        if cur["gets"] == [] or not self.pending["vanished"]:
            self.head["resolve"] = None

    def terminal_page(self, cur):
        status = TERMINAL_SWEEPS[cur["i"]]
        params = {"status": status, "creationTimeFrom": time_filter(cur["from"]),
                  "creationTimeTo": iso_utc(cur["to"] + FILTER_MARGIN)}
        rows, total = fetch_list_page(self.client, "/orders", params, cur["next"], MAX_PAGE,
                                      self.budget)
        self.stats["sweep_pages"] += 1
        self.stats["resolve_pages"] += 1
        vanished = self.pending["vanished"]
        below = False
        for row in rows:
            oid = str(row["id"])
            if oid in vanished:
                del vanished[oid]
                self.apply(oid, row)
            ts = created_at(row)
            if ts is not None and ts < cur["from"]:
                below = True
        # Terminal lists only grow (rows shift down), so a resumed offset re-reads at
        # worst; an order it still misses is left to its GET.
        cur["next"] += len(rows)
        cur["total"] = total
        left = self.covered(cur)
        if below or at_end(rows, total, cur["next"], MAX_PAGE):
            cur.update(i=cur["i"] + 1, next=0, total=None)
            if cur["i"] >= len(TERMINAL_SWEEPS):
                cur["gets"] = left
                return
        if not left:
            cur["gets"] = []
            return
        if self.sweep_pages_left(cur) >= len(left):
            cur["gets"] = left

    def get_one(self, cur):
        while cur["gets"]:
            oid = cur["gets"].pop(0)
            if oid not in self.pending["vanished"] or oid not in self.open:
                continue
            del self.pending["vanished"][oid]
            self.stats["detail_gets"] += 1
            try:
                row = self.client.get(self.client.path("/orders/{id}", id=oid))
            except NotFoundError:
                self.ctx.log.warning("order %s is gone (404); no longer watched", oid)
                self.open.pop(oid, None)
                self.state.save(self.open.part_of(oid))
                return
            if isinstance(row, dict) and row.get("status"):
                self.apply(oid, row)
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
