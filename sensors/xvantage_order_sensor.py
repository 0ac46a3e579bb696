"""Fires ``xvantage_order_created`` and ``xvantage_order_status_changed`` for Xvantage orders.

Order search cannot filter by modification time, so each poll fingerprints the search rows
of a rolling window of order dates and reads details only for orders whose fingerprint
moved (see ``ingram_lib.xvantage_order_watch``). GET calls stay under a per-endpoint rate
(Ingram allows 60 a minute per endpoint and app) and a per-poll cap; a sweep that does not
fit continues on the next poll. Unfinished orders older than the window (long backorders)
stay watched: searched by ship and invoice date of the last two days, and re-checked one by
one at a slow cadence. Accounts without an ``xvantage`` section are skipped.
"""

import _ingram_path  # noqa: F401
from ingram_lib.config import xvantage_settings
from ingram_lib.http import RetryPolicy
from ingram_lib.polling import IngramPollingSensor
from ingram_lib.xvantage import XvantageClient
from ingram_lib.xvantage_order_watch import STATE_PARTS, EndpointLimiter, XvantageOrderWatcher


class XvantageOrderSensor(IngramPollingSensor):
    SECTION = "xvantage_orders"
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
    STATE_PARTS = STATE_PARTS

    def __init__(self, sensor_service, config=None, poll_interval=None):
        super(XvantageOrderSensor, self).__init__(sensor_service=sensor_service,
                                                  config=config, poll_interval=poll_interval)
        self._limiters = {}
        # Per account: what the latest poll did (pages, details, created, changed, ...).
        self.last_stats = {}

    def accounts(self, settings):
        out = []
        for account in super(XvantageOrderSensor, self).accounts(settings):
            try:
                xvantage_settings(self.pack_config, account)
            except Exception:
                continue
            out.append(account)
        if not out:
            self.log.info("no account has an 'xvantage' section; nothing to watch")
        return out

    def make_client(self, account):
        settings = self.settings()
        # Short retries: a poll must not sleep through minutes of backoff; the next poll
        # is the retry, and a 429 pauses this account's polling for its Retry-After.
        retry = RetryPolicy(max_retries=int(settings["max_retries"]),
                            max_wait=float(settings["max_retry_wait"]))
        return XvantageClient(xvantage_settings(self.pack_config, account),
                              kv=self.sensor_service, logger=self.log, retry=retry)

    def limiter(self, account, per_minute):
        # Ingram counts calls per API app, so accounts sharing a client id share a limiter.
        settings = xvantage_settings(self.pack_config, account)
        key = (settings.api_url, settings.client_id)
        limiter = self._limiters.get(key)
        if limiter is None or limiter.per_minute != int(per_minute):
            limiter = EndpointLimiter(per_minute, clock=lambda: self.clock())
            self._limiters[key] = limiter
        return limiter

    def poll_account(self, ctx):
        limiter = self.limiter(ctx.account, ctx.settings["requests_per_minute"])
        watcher = XvantageOrderWatcher(ctx, limiter)
        try:
            watcher.poll()
        finally:
            self.last_stats[ctx.account] = watcher.stats
