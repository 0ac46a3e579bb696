"""Polls the Cloud Marketplace for new orders and order status changes.

Dispatches ``ingram_micro.order_created`` and ``ingram_micro.order_status_changed``; the
detection design (a newest-first walk down to a checkpoint, plus open-status sweeps) is in
``ingram_lib/order_watch.py``.
"""

import _ingram_path  # noqa: F401

from ingram_lib.sensing import order_watch
from ingram_lib.sensing.polling import IngramPollingSensor


class OrderSensor(IngramPollingSensor):
    SECTION = "orders"
    DEFAULTS = order_watch.DEFAULTS
    STATE_PARTS = order_watch.STATE_PARTS

    def __init__(self, sensor_service, config=None, poll_interval=None):
        super(OrderSensor, self).__init__(sensor_service=sensor_service, config=config,
                                          poll_interval=poll_interval)
        self.last_stats = {}

    def poll_account(self, ctx):
        self.last_stats[ctx.account] = order_watch.OrderWatcher(ctx).poll()
