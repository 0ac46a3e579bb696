"""The base of the Xvantage polling sensors: accounts with an ``xvantage`` section, a client
with short retries, and one per-endpoint rate limiter per API app, kept across polls."""

from ..core.config import xvantage_settings
from ..core.http import RetryPolicy
from ..xvantage.client import XvantageClient
from .polling import IngramPollingSensor
from .xvantage_order_watch import EndpointLimiter


class XvantagePollingSensor(IngramPollingSensor):
    """A polling sensor running one ``WATCHER(ctx, limiter)`` per account that has an
    ``xvantage`` section; short retries, a 429 pauses the account for its Retry-After."""

    WATCHER = None

    def __init__(self, sensor_service, config=None, poll_interval=None):
        super(XvantagePollingSensor, self).__init__(sensor_service=sensor_service,
                                                  config=config, poll_interval=poll_interval)
        self._limiters = {}
        # Per account: what the latest poll did (pages, rows, dispatched, ...).
        self.last_stats = {}

    def accounts(self, settings):
        out = []
        for account in super(XvantagePollingSensor, self).accounts(settings):
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
        # A poll must not sleep through minutes of backoff: the next poll is the retry.
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
        watcher = self.WATCHER(ctx, self.limiter(ctx.account, ctx.settings["requests_per_minute"]))
        try:
            watcher.poll()
        finally:
            self.last_stats[ctx.account] = watcher.stats
