"""Finds new Xvantage invoices: ``GET /resellers/v6/invoices``, newest invoice date first.

Each sweep walks the invoices dated within the last ``lookback_days`` (the window is fixed
when the sweep starts; see ``xvantage_sweep`` for how sweeps span polls), sorted by
``orderby=invoiceDate&direction=desc``, so that new invoices, dated today, come first and
push older ones back rather than forward. Invoices of one day share the sort key and come
in no stated order; that is why every page of the window is read each sweep and why an
invoice is reported by its number, never by its position: once per invoice number and
account, whatever page it is met on and however often.

An invoice number is remembered with its invoice date and forgotten once that date is
before the window (the search cannot return it again). The lookback is the time an
invoice may take to show up in the search after the date it carries; the first sweep of an
account records the invoices already there without reporting them.
"""

from ..core.values import as_list, number_or_none, pick, text_or_none
from .xvantage_order_watch import DAY, day_epoch, day_string
from .xvantage_sweep import WindowSweep, search_page, sweep_state_parts

TRIGGER = "ingram_micro.xvantage_invoice_created"
PATH = "/resellers/v6/invoices"
STATE_PARTS = sweep_state_parts("invoices")
DEFAULTS = {
    "poll_interval": 300,
    "requests_per_minute": 30,
    "lookback_days": 3,
    "page_size": 100,
    "max_search_pages_per_poll": 10,
    "emit_existing_on_first_run": False,
    "max_retries": 1,
    "max_retry_wait": 5,
}


def invoice_page(status, body, page, size):
    return search_page(status, body, page, size, "invoices", "GET", PATH)


def invoice_payload(account, row):
    return {
        "account": account,
        "invoice_number": str(pick(row, "invoiceNumber")),
        "invoice_date": text_or_none(pick(row, "invoiceDate")),
        "invoice_status": text_or_none(pick(row, "invoiceStatus")),
        "invoice_due_date": text_or_none(pick(row, "invoiceDueDate")),
        "payment_terms_due_date": text_or_none(pick(row, "paymentTermsDueDate")),
        "order_number": text_or_none(pick(row, "erpOrderNumber")),
        "customer_order_number": text_or_none(pick(row, "customerOrderNumber")),
        "end_customer_order_number": text_or_none(pick(row, "endCustomerOrderNumber")),
        "order_create_date": text_or_none(pick(row, "orderCreateDate")),
        "invoiced_amount_due": number_or_none(pick(row, "invoicedAmountDue")),
        "invoice_amount_incl_tax": number_or_none(pick(row, "invoiceAmountInclTax")),
        "special_bid_numbers": [str(s) for s in as_list(pick(row, "specialBidNumbers"))
                                if s is not None],
        "gst_invoice_number": text_or_none(pick(row, "gstInvoiceNumber")),
    }


class InvoiceWatcher(WindowSweep):
    SWEEP = "xvantage_invoice_sweep"
    ENDPOINT = "invoices"
    KEY = "invoices"

    def window(self):
        # To tomorrow: an invoice dated ahead of this clock (another time zone) is found.
        lookback = int(self.settings["lookback_days"])
        return [day_string(self.now - lookback * DAY), day_string(self.now + DAY)]

    def fetch(self, window, page):
        params = {"invoiceFromDate": window[0], "invoiceToDate": window[1],
                  "orderby": "invoiceDate", "direction": "desc",
                  "pageNumber": page, "pageSize": self.page_size}
        reply = self.client.call("GET", PATH, params=params,
                                 headers=self.client.group_headers(("IM-ApplicationID",)))
        return invoice_page(reply.status, reply.body, page, self.page_size)

    def consider(self, row):
        number = pick(row, "invoiceNumber")
        if number is None or str(number).strip() == "":
            return
        number = str(number)
        if self.recall(number) is not None:
            return
        date = str(pick(row, "invoiceDate") or "")[:10]
        # The date it is forgotten by; an invoice without a readable date is kept as if
        # dated today.
        remembered = date if day_epoch(date) is not None else day_string(self.now)
        if self.first_sweep and not self._dated_after_start(date):
            self.remember(number, remembered)
            return
        self.report(TRIGGER, invoice_payload(self.ctx.account, row), number, remembered)

    def _dated_after_start(self, date):
        # Only a later day than the first sweep's start is surely new: an invoice of the
        # same day may have been there before the sensor started.
        started = self.meta.get("baseline_started")
        placed = day_epoch(date)
        return bool(started) and placed is not None and placed > day_epoch(day_string(started))

    def expire(self, window):
        oldest = day_epoch(window[0])
        for number, date in self.remembered():
            dated = day_epoch(date)
            if dated is not None and dated < oldest:
                self.forget(number)
