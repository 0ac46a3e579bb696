"""Polls the Cloud Marketplace for subscription status changes and upcoming expiries.

Dispatches ``ingram_micro.subscription_status_changed`` and
``ingram_micro.subscription_expiring``; see ``ingram_lib/subscription_watch.py``.
"""

import _ingram_path  # noqa: F401

from ingram_lib.sensing import subscription_watch
from ingram_lib.sensing.polling import IngramPollingSensor


class SubscriptionSensor(IngramPollingSensor):
    SECTION = "subscriptions"
    DEFAULTS = subscription_watch.DEFAULTS
    STATE_PARTS = subscription_watch.STATE_PARTS

    def __init__(self, sensor_service, config=None, poll_interval=None):
        super(SubscriptionSensor, self).__init__(sensor_service=sensor_service, config=config,
                                                 poll_interval=poll_interval)
        self.last_stats = {}

    def poll_account(self, ctx):
        self.last_stats[ctx.account] = subscription_watch.SubscriptionWatcher(ctx).poll()
