"""Fires ``xvantage_order_created`` and ``xvantage_order_status_changed`` for Xvantage orders.

Order search cannot filter by modification time, so each poll fingerprints the search rows
of a rolling window of order dates and reads details only for orders whose fingerprint
moved (see ``ingram_lib.sensing.xvantage_order_watch``). GET calls stay under a per-endpoint rate
(Ingram allows 60 a minute per endpoint and app) and a per-poll cap; a sweep that does not
fit continues on the next poll. Unfinished orders older than the window (long backorders)
stay watched: searched by ship and invoice date of the last two days, and re-checked one by
one at a slow cadence. Accounts without an ``xvantage`` section are skipped.
"""

import _ingram_path  # noqa: F401
from ingram_lib.sensing.xvantage_order_watch import DEFAULTS, STATE_PARTS, XvantageOrderWatcher
from ingram_lib.sensing.xvantage_sensor import XvantagePollingSensor


class XvantageOrderSensor(XvantagePollingSensor):
    SECTION = "xvantage_orders"
    DEFAULTS = DEFAULTS
    STATE_PARTS = STATE_PARTS
    WATCHER = XvantageOrderWatcher
