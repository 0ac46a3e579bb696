"""Fires ``xvantage_renewal_due`` once per Xvantage renewal and due date.

Each poll reads renewal search (``POST /resellers/v6/renewals/search``) for renewals whose
expiration date is within the next ``days_ahead`` days, a few pages per poll within a
per-endpoint rate (see ``ingram_lib.sensing.renewal_watch``). A renewal whose date moves
fires again for the new date. Accounts without an ``xvantage`` section are skipped.
"""

import _ingram_path  # noqa: F401
from ingram_lib.sensing.renewal_watch import DEFAULTS, STATE_PARTS, RenewalWatcher
from ingram_lib.sensing.xvantage_sensor import XvantagePollingSensor


class XvantageRenewalSensor(XvantagePollingSensor):
    SECTION = "xvantage_renewals"
    DEFAULTS = DEFAULTS
    STATE_PARTS = STATE_PARTS
    WATCHER = RenewalWatcher
