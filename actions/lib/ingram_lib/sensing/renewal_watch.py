"""Renewals coming due: ``POST /resellers/v6/renewals/search`` by expiration date.

Each sweep walks the renewals whose expiration date falls within the next ``days_ahead``
days (the window is fixed when the sweep starts; see ``xvantage_sweep``) and fires
``xvantage_renewal_due`` once per renewal and due date: the dates a renewal was reported
for are kept with its id, so neither the next sweep nor a restart repeats one, and a
renewal whose date moves (extended, renegotiated) fires again for the new date -- never a
second time for a date it already fired for, even if the date moves back.

Renewal search states no sort order, so rows may move between pages while a sweep spans
polls; a renewal stays in the window for days, long after the next sweep has read it. The
first sweep of an account records the renewals already inside the window without reporting
them, unless ``emit_existing_on_first_run``. A renewal is forgotten once its dates are all
before the window.
"""

import calendar
import time

from ..core.values import number_or_none, pick, text_or_none
from .xvantage_order_watch import DAY, day_epoch, day_string
from .xvantage_sweep import WindowSweep, search_page, sweep_state_parts

TRIGGER = "ingram_micro.xvantage_renewal_due"
PATH = "/resellers/v6/renewals/search"
STATE_PARTS = sweep_state_parts("renewals")
DEFAULTS = {
    "poll_interval": 1800,
    "requests_per_minute": 30,
    "days_ahead": 30,
    "page_size": 100,
    "max_search_pages_per_poll": 10,
    "emit_existing_on_first_run": False,
    "max_retries": 1,
    "max_retry_wait": 5,
}
# Dates remembered per renewal: a date moved back and forth more often than this could fire
# again for an old date, a price worth the bound on the state.
DATES_KEPT = 8


def due_date(value):
    """``YYYY-MM-DD`` of an expiration date as sent (``2023-07-04T00:00:00``, ``2023-07-04``
    or the search request's ``07/04/2023``), else None."""
    text = str(value or "").strip()
    if day_epoch(text[:10]) is not None and text[4:5] == "-":
        return text[:10]
    try:
        return time.strftime("%Y-%m-%d", time.strptime(text[:10], "%m/%d/%Y"))
    except ValueError:
        return None


def request_date(day):
    """The search request's date format (the spec's example: ``05/27/2023``)."""
    return time.strftime("%m/%d/%Y", time.strptime(day, "%Y-%m-%d"))


def renewal_page(status, body, page, size):
    """The spec's example answers with a list holding the page object; the schema with the
    object itself."""
    if isinstance(body, list) and len(body) == 1 and isinstance(body[0], dict):
        body = body[0]
    return search_page(status, body, page, size, "renewals", "POST", PATH)


def days_until(day, now):
    return int((calendar.timegm(time.strptime(day, "%Y-%m-%d")) -
                day_epoch(day_string(now))) // DAY)


def renewal_payload(account, row, day, now, previous):
    return {
        "account": account,
        "renewal_id": str(pick(row, "renewalId")),
        "due_date": day,
        "expiration_date": text_or_none(pick(row, "expirationDate")),
        "days_left": days_until(day, now),
        "previous_due_date": previous,
        "status": text_or_none(pick(row, "status")),
        "customer_order_number": text_or_none(pick(row, "customerOrderNumber")),
        "reference_number": text_or_none(pick(row, "referenceNumber")),
        "end_user": text_or_none(pick(row, "endUser")),
        "vendor": text_or_none(pick(row, "vendor")),
        "renewal_value": number_or_none(pick(row, "renewalValue")),
    }


class RenewalWatcher(WindowSweep):
    SWEEP = "xvantage_renewal_sweep"
    ENDPOINT = "renewals"
    KEY = "renewals"

    def window(self):
        ahead = int(self.settings["days_ahead"])
        return [day_string(self.now), day_string(self.now + ahead * DAY)]

    def fetch(self, window, page):
        body = {"dateType": {"expirationDate": {"customStartDate": request_date(window[0]),
                                                "customEndDate": request_date(window[1])}}}
        reply = self.client.call("POST", PATH, params={"page": page, "size": self.page_size},
                                 body=body, idempotent=True)
        return renewal_page(reply.status, reply.body, page, self.page_size)

    def consider(self, row):
        ident = pick(row, "renewalId")
        day = due_date(pick(row, "expirationDate"))
        window = self.meta["window"]
        if ident is None or str(ident).strip() == "" or day is None:
            return
        # The search may be looser than its filter: only dates inside the window are due.
        if not window[0] <= day <= window[1]:
            return
        ident = str(ident)
        dates = list(self.recall(ident) or [])
        if day in dates:
            return
        previous = dates[-1] if dates else None
        dates = (dates + [day])[-DATES_KEPT:]
        if self.first_sweep:
            self.remember(ident, dates)
            return
        payload = renewal_payload(self.ctx.account, row, day, self.now, previous)
        self.report(TRIGGER, payload, ident, dates)

    def expire(self, window):
        for ident, dates in self.remembered():
            kept = [d for d in dates if d >= window[0]]
            if not kept:
                self.forget(ident)
            elif kept != dates:
                self.remember(ident, kept)
