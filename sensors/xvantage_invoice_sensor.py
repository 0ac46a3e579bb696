"""Fires ``xvantage_invoice_created`` once per new Xvantage invoice.

Each poll reads invoice search (``GET /resellers/v6/invoices``) newest invoice date first
over the last ``lookback_days``, a few pages per poll within a per-endpoint rate, and
reports each invoice number not seen before (see ``ingram_lib.sensing.invoice_watch``).
Accounts without an ``xvantage`` section are skipped.
"""

import _ingram_path  # noqa: F401
from ingram_lib.sensing.invoice_watch import DEFAULTS, STATE_PARTS, InvoiceWatcher
from ingram_lib.sensing.xvantage_sensor import XvantagePollingSensor


class XvantageInvoiceSensor(XvantagePollingSensor):
    SECTION = "xvantage_invoices"
    DEFAULTS = DEFAULTS
    STATE_PARTS = STATE_PARTS
    WATCHER = InvoiceWatcher
