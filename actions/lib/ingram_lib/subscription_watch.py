"""Subscription status changes and upcoming expiries, from per-status list sweeps.

Subscriptions carry only a date-granular ``lastModifiedDate`` and no filter on it, so the
sensor sweeps the live statuses (``pending``, ``active``, ``hold``; one status per request,
500 rows a page) in a *cycle* that may span several polls when the request budget is
small. Each live subscription is remembered with its status, expiry date and the cycle it
was last seen in. A status that differs from the stored one is a change; a subscription
not seen in a whole cycle has left the live statuses (terminated, removed), and one
``GET /subscriptions/{id}`` tells which.

``subscription_expiring`` fires once per subscription and expiry date: the date it fired
for is stored with the subscription, so neither a restart nor the next cycle repeats it,
and a renewal (a new expiry date) arms it again. Subscriptions already inside the horizon
during the first cycle are only marked, unless ``emit_existing_on_first_run`` is set (then
they fire with ``first_run: true``).
"""

import datetime

from .errors import NotFoundError
from .polling import at_end, fetch_list_page, iso_utc, utc_date, text_or_none
from .sensor_state import BucketedMap, bucket_parts

LIVE_STATUSES = ("pending", "active", "hold")
EXPIRY_STATUSES = ("active", "hold")
PAGE = 500

DEFAULTS = {
    "poll_interval": 300,
    "expiry_horizon_days": 30,
    "emit_existing_on_first_run": False,
}

STATE_PARTS = dict({
    # cycle: number of the sweep cycle; index/offset: where in it the next poll goes on.
    "head": {"cycle": 1, "index": 0, "offset": 0, "baselined": False},
}, **bucket_parts("live"))
# live_0 ... live_f by a hash of the id (earlier versions kept one part, "live"):
# {id: [status, expirationDate, renewalStatus, cycle last seen, expiry date fired for]}

STATUS, EXPIRES, RENEWS, SEEN, FIRED = range(5)


def _date(text):
    try:
        return datetime.date(*[int(p) for p in str(text)[:10].split("-")])
    except (TypeError, ValueError):
        return None


class SubscriptionWatcher(object):
    CHANGED = "ingram_micro.subscription_status_changed"
    EXPIRING = "ingram_micro.subscription_expiring"

    def __init__(self, ctx):
        self.ctx = ctx
        self.state = ctx.state
        self.head = ctx.state["head"]
        self.live = BucketedMap(ctx.state, "live")
        self.live.adopt_legacy(ctx.log)
        self.client = ctx.client
        self.budget = ctx.budget
        self.now = ctx.now
        self.today = utc_date(ctx.now)
        self.horizon = int(ctx.settings["expiry_horizon_days"])
        self.emit_existing = bool(ctx.settings["emit_existing_on_first_run"])
        self.stats = {"pages": 0, "detail_gets": 0, "cycle_complete": False}

    def poll(self):
        head = self.head
        while head["index"] < len(LIVE_STATUSES):
            if not self.budget.allows(1):
                return self.stats
            status = LIVE_STATUSES[head["index"]]
            rows, total = fetch_list_page(self.client, "/subscriptions", {"status": status},
                                          head["offset"], PAGE, self.budget)
            self.stats["pages"] += 1
            for row in rows:
                self.observe(row)
            head["offset"] += len(rows)
            if at_end(rows, total, head["offset"], PAGE):
                head["index"] += 1
                head["offset"] = 0
            self.state.save("head", *self.live.parts)
        if self.resolve_vanished():
            head.update(cycle=head["cycle"] + 1, index=0, offset=0, baselined=True)
            self.state.save("head")
            self.stats["cycle_complete"] = True
        return self.stats

    def resolve_vanished(self):
        cycle = self.head["cycle"]
        for sid in sorted(s for s, e in self.live.items() if e[SEEN] != cycle):
            if not self.budget.allows(1):
                return False
            self.stats["detail_gets"] += 1
            try:
                row = self.client.get(self.client.path("/subscriptions/{id}", id=sid))
            except NotFoundError:
                self.ctx.log.warning("subscription %s is gone (404); no longer watched", sid)
                del self.live[sid]
                self.state.save(self.live.part_of(sid))
                continue
            if isinstance(row, dict) and row.get("status"):
                self.observe(row)
            else:
                self.live[sid][SEEN] = cycle
        return True

    def observe(self, row):
        sid = str(row["id"])
        status = row.get("status")
        entry = self.live.get(sid)
        live = status in LIVE_STATUSES
        if entry is None:
            if not live:
                return
            entry = self.live[sid] = [status, row.get("expirationDate"),
                                      row.get("renewalStatus"), self.head["cycle"], None]
        previous = entry[STATUS]
        self._update(entry, row)
        if not live:
            del self.live[sid]
        if previous != status:
            self.ctx.dispatch(self.CHANGED, self.changed_payload(row, previous),
                              self.live.part_of(sid))
        if live:
            self.check_expiry(sid, entry, row)

    def _update(self, entry, row):
        entry[STATUS] = row.get("status")
        entry[EXPIRES] = row.get("expirationDate")
        entry[RENEWS] = row.get("renewalStatus")
        entry[SEEN] = self.head["cycle"]

    def check_expiry(self, sid, entry, row):
        if entry[STATUS] not in EXPIRY_STATUSES or not entry[EXPIRES]:
            return
        expires = _date(entry[EXPIRES])
        if expires is None:
            return
        days = (expires - self.today).days
        if 0 <= days <= self.horizon and entry[FIRED] != entry[EXPIRES]:
            entry[FIRED] = entry[EXPIRES]
            first_run = not self.head.get("baselined")
            if first_run and not self.emit_existing:
                # Written with the page: a first run reports nothing that was already due.
                return
            self.ctx.dispatch(self.EXPIRING, self.expiring_payload(row, days, first_run),
                              self.live.part_of(sid))

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
