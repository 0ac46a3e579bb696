"""Subscription status changes and upcoming expiries, from per-status list sweeps.

Subscriptions carry only a date-granular ``lastModifiedDate`` and no filter on it, so the
sensor sweeps the live statuses (``pending``, ``active``, ``hold``; one status per request,
500 rows a page) in a *cycle* that may span several polls when the request budget is
small. Each live subscription is remembered with its status, expiry date and a *slot*, a
number it keeps while it is watched; which slots a cycle has seen is one bitmap in the head
part. A status that differs from the stored one is a change; a subscription not seen in a
whole cycle has left the live statuses (terminated, removed), and one
``GET /subscriptions/{id}`` tells which.

State writes follow changes: a poll that finds nothing new writes the head only (its
position in the cycle and the bitmap, a few kB at 100 000 subscriptions), and nothing at all
when the position did not move. A changed subscription goes to a small delta part of its
bucket, written right after its event is dispatched and folded into the large part later
(``sensor_state.BucketedMap``), so a busy poll does not rewrite the whole map. The position
is written after the data, once per poll, so a restart resumes the cycle where the last
poll stopped.

``subscription_expiring`` fires once per subscription and expiry date: the date it fired
for is stored with the subscription, so neither a restart nor the next cycle repeats it,
and a renewal (a new expiry date) arms it again. Subscriptions already inside the horizon
during the first cycle are only marked, unless ``emit_existing_on_first_run`` is set (then
they fire with ``first_run: true``).
"""

import base64
import binascii
import datetime
import math
import zlib

from ..core.errors import NotFoundError
from ..core.times import iso_utc, utc_date
from ..core.values import text_or_none
from .polling import at_end, fetch_list_page
from .state import BucketedMap, bucket_parts

LIVE_STATUSES = ("pending", "active", "hold")
EXPIRY_STATUSES = ("active", "hold")
PAGE = 500
# Version of the entry layout: 2 keeps a slot where 1 kept the cycle last seen.
LAYOUT = 2

DEFAULTS = {
    "poll_interval": 300,
    "expiry_horizon_days": 30,
    "emit_existing_on_first_run": False,
}

STATE_PARTS = dict({
    # cycle: number of the sweep cycle; index/offset: where in it the next poll goes on;
    # seen: the slots seen in this cycle (zlib + base64 bitmap); polls: polls the cycle has
    # run so far; totals: rows per status as last listed (for the lag estimate).
    "head": {"cycle": 1, "index": 0, "offset": 0, "baselined": False, "layout": LAYOUT,
             "seen": "", "polls": 0, "totals": {}},
}, **dict(bucket_parts("live"), **bucket_parts("recent")))
# live_0 ... live_f by a hash of the id (earlier versions kept one part, "live"):
# {id: [status, expirationDate, renewalStatus, slot, expiry date fired for]};
# recent_0 ... recent_f: the same for changes not yet folded in (null: no longer live).

STATUS, EXPIRES, RENEWS, SLOT, FIRED = range(5)


def _date(text):
    try:
        return datetime.date(*[int(p) for p in str(text)[:10].split("-")])
    except (TypeError, ValueError):
        return None


class SlotBitmap(object):
    """Which slots a cycle has seen, kept compact for the head part."""

    def __init__(self, text=""):
        self.bits = bytearray()
        if text:
            try:
                self.bits = bytearray(zlib.decompress(base64.b64decode(text)))
            except (binascii.Error, ValueError, zlib.error):
                # Unreadable: the cycle's vanished check then asks about more
                # subscriptions than needed, never fewer.
                self.bits = bytearray()

    def set(self, slot, on=True):
        byte, bit = divmod(slot, 8)
        if byte >= len(self.bits):
            if not on:
                return
            self.bits.extend(b"\0" * (byte + 1 - len(self.bits)))
        if on:
            self.bits[byte] |= 1 << bit
        else:
            self.bits[byte] &= ~(1 << bit) & 0xFF

    def __contains__(self, slot):
        byte, bit = divmod(slot, 8)
        return byte < len(self.bits) and bool(self.bits[byte] & (1 << bit))

    def text(self):
        if not any(self.bits):
            return ""
        return base64.b64encode(zlib.compress(bytes(self.bits.rstrip(b"\0")), 9)).decode()


class SubscriptionWatcher(object):
    CHANGED = "ingram_micro.subscription_status_changed"
    EXPIRING = "ingram_micro.subscription_expiring"

    def __init__(self, ctx):
        self.ctx = ctx
        self.state = ctx.state
        self.head = ctx.state["head"]
        # The first cycle records every subscription and reports (nearly) nothing.
        self.live = BucketedMap(ctx.state, "live", delta="recent",
                                bulk=not self.head.get("baselined"))
        self.live.adopt_legacy(ctx.log)
        self.client = ctx.client
        self.budget = ctx.budget
        self.now = ctx.now
        self.today = utc_date(ctx.now)
        self.horizon = int(ctx.settings["expiry_horizon_days"])
        self.emit_existing = bool(ctx.settings["emit_existing_on_first_run"])
        self.stats = {"pages": 0, "detail_gets": 0, "cycle_complete": False}
        self._head_before = dict(self.head)
        self._upgrade_layout()
        self.seen = SlotBitmap(self.head.get("seen") or "")
        self.used = set()
        self._next_slot = 0
        clashing = []
        for sid, entry in self.live.items():
            slot = entry[SLOT]
            if isinstance(slot, int) and not isinstance(slot, bool) and slot >= 0 and \
                    slot not in self.used:
                self.used.add(slot)
            else:
                clashing.append(sid)
        # Entries adopted from an earlier layout, or edited by hand, may share a slot: each
        # gets its own, unseen in this cycle, so that its vanishing cannot go unnoticed.
        for sid in clashing:
            entry = self.live[sid]
            self.live[sid] = entry[:SLOT] + [self._allocate()] + entry[SLOT + 1:]

    def _upgrade_layout(self):
        """Entries of the first layout kept the cycle last seen; each gets a slot, once,
        and the cycle starts over (nothing is reported by that)."""
        if self.head.get("layout") == LAYOUT:
            return
        slot = 0
        for part in self.live.parts + self.live.delta_parts:
            for sid in sorted(self.state[part]):
                entry = self.state[part][sid]
                if isinstance(entry, list) and len(entry) > SLOT:
                    entry[SLOT] = slot
                    slot += 1
            self.state.mark(part)
        self.head.update(layout=LAYOUT, cycle=self.head.get("cycle", 1) + 1, index=0,
                         offset=0, seen="", polls=0, totals={})

    def _allocate(self):
        while self._next_slot in self.used:
            self._next_slot += 1
        self.used.add(self._next_slot)
        return self._next_slot

    # -- poll -------------------------------------------------------------------------------

    def poll(self):
        try:
            completed = self._sweep()
        except Exception:
            # What this poll read and recorded is kept: the next poll goes on from there.
            # A failure to write it must not hide why the poll stopped.
            try:
                self._finish(False)
            except Exception as exc:
                self.ctx.log.warning("account %s: sensor state not written after a failed "
                                     "poll: %s", self.ctx.account, exc)
            raise
        self._finish(completed)
        return self.stats

    def _sweep(self):
        head = self.head
        while head["index"] < len(LIVE_STATUSES):
            if not self.budget.allows(1):
                return False
            status = LIVE_STATUSES[head["index"]]
            rows, total = fetch_list_page(self.client, "/subscriptions", {"status": status},
                                          head["offset"], PAGE, self.budget)
            self.stats["pages"] += 1
            for row in rows:
                self.observe(row)
            head["offset"] += len(rows)
            totals = dict(head.get("totals") or {})
            totals[status] = total if total is not None else max(
                head["offset"], totals.get(status) or 0)
            head["totals"] = totals
            if at_end(rows, total, head["offset"], PAGE):
                head["index"] += 1
                head["offset"] = 0
        return self.resolve_vanished()

    def _finish(self, completed):
        head = self.head
        if completed:
            head.update(cycle=head["cycle"] + 1, index=0, offset=0, baselined=True, polls=0)
            self.seen = SlotBitmap()
            self.stats["cycle_complete"] = True
        elif self.stats["pages"] or self.stats["detail_gets"]:
            head["polls"] = int(head.get("polls") or 0) + 1
        head["seen"] = self.seen.text()
        self._report_lag(completed)
        if head != self._head_before:
            self.state.mark("head")
        self.live.fold()
        self.state.flush("head")

    def _report_lag(self, completed):
        head = self.head
        totals = head.get("totals") or {}
        pages = sum(max(1, int(math.ceil((totals.get(s) or 0) / float(PAGE))))
                    for s in LIVE_STATUSES)
        pending = 0
        if not completed:
            for i, status in enumerate(LIVE_STATUSES):
                if i > head["index"]:
                    pending += totals.get(status) or 0
                elif i == head["index"]:
                    pending += max(0, (totals.get(status) or 0) - head["offset"])
        per_poll = max(1, self.budget.limit)
        needed = int(math.ceil(pages / float(per_poll)))
        behind = 0 if completed else int(head.get("polls") or 0)
        self.ctx.report_lag("subscription_sweep", max(1, needed), behind, pending)

    def resolve_vanished(self):
        gone = sorted(sid for sid in self.live if self.live[sid][SLOT] not in self.seen)
        for sid in gone:
            if not self.budget.allows(1):
                return False
            self.stats["detail_gets"] += 1
            try:
                row = self.client.get(self.client.path("/subscriptions/{id}", id=sid))
            except NotFoundError:
                self.ctx.log.warning("subscription %s is gone (404); no longer watched", sid)
                self._forget(sid)
                continue
            if isinstance(row, dict) and row.get("status"):
                self.observe(row)
            else:
                self.seen.set(self.live[sid][SLOT])
        return True

    def _forget(self, sid):
        slot = self.live[sid][SLOT]
        del self.live[sid]
        self.used.discard(slot)
        self.seen.set(slot, False)
        self._next_slot = min(self._next_slot, slot)

    def observe(self, row):
        sid = str(row["id"])
        status = row.get("status")
        entry = self.live.get(sid)
        live = status in LIVE_STATUSES
        if entry is None:
            if not live:
                return
            entry = [status, None, None, self._allocate(), None]
        previous = entry[STATUS]
        updated = [status, row.get("expirationDate"), row.get("renewalStatus"), entry[SLOT],
                   entry[FIRED]]
        saved = self.live.saved_state(sid)
        if not live:
            if sid in self.live:
                self._forget(sid)
        else:
            self.seen.set(updated[SLOT])
            if updated != self.live.get(sid):
                self.live[sid] = updated
        if previous != status:
            self._dispatch(sid, saved, self.CHANGED, self.changed_payload(row, previous))
            # Out and checkpointed: a failure from here on goes back to this.
            saved = self.live.saved_state(sid)
        if live:
            self.check_expiry(sid, updated, row, saved)

    def _dispatch(self, sid, saved, trigger, payload):
        try:
            self.ctx.dispatch(trigger, payload, self.live.part_of(sid))
        except Exception:
            # Not out: the entry goes back to what is stored, so that no later write
            # records the event as reported.
            self.live.restore(sid, saved)
            raise

    def check_expiry(self, sid, entry, row, saved):
        if entry[STATUS] not in EXPIRY_STATUSES or not entry[EXPIRES]:
            return
        expires = _date(entry[EXPIRES])
        if expires is None:
            return
        days = (expires - self.today).days
        if 0 <= days <= self.horizon and entry[FIRED] != entry[EXPIRES]:
            self.live[sid] = entry[:FIRED] + [entry[EXPIRES]]
            first_run = not self.head.get("baselined")
            if first_run and not self.emit_existing:
                # Written with the poll: a first run reports nothing that was already due.
                return
            self._dispatch(sid, saved, self.EXPIRING,
                           self.expiring_payload(row, days, first_run))

    # -- payloads ---------------------------------------------------------------------------

    def _fields(self, row):
        renews = row.get("renewalStatus")
        return {"account": self.ctx.account, "id": str(row["id"]),
                "name": text_or_none(row.get("name")),
                "customerId": text_or_none(row.get("customerId")),
                "status": text_or_none(row.get("status")),
                "expirationDate": text_or_none(row.get("expirationDate")),
                "renewalStatus": renews if isinstance(renews, bool) else None,
                "detected_at": iso_utc(self.now)}

    def changed_payload(self, row, previous):
        payload = self._fields(row)
        payload["previous_status"] = previous
        return payload

    def expiring_payload(self, row, days, first_run=False):
        payload = self._fields(row)
        payload.update(days_left=days, horizon_days=self.horizon, first_run=first_run)
        return payload
