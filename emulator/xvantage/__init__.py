"""Emulator of the Xvantage reseller Orders API: ``/oauth/oauth20/token`` and
``/resellers/v6|v6.1|v7/orders...``, also under ``/sandbox``.

For tests and other emulator parts (``app = emulator.xvantage``):

- ``app.bulk_create(n, start=, end=, hold_every=, prefix=)``: n orders without HTTP;
- ``app.store``: orders by number (``get``), by PO (``by_customer_order_number``), by
  creation time (``created_between``); ``store.listeners`` are called with
  ``(event, order)`` on created/modified/released/cancelled;
- ``order.transitions()``: every status change an order goes through on the clock
  (hold -> voided, shipped, delivered per sub-order), for emitting webhooks;
- ``app.rate_limit.configure(enabled=True, limit=60)``, ``app.maintenance = True``;
- ``app.webhooks.configure(url, secret)`` then ``app.webhooks.flush()``: signed webhooks
  for the status changes and v7 creations since the previous flush.

Control over HTTP: ``POST /_emulator/xvantage/ratelimit {"enabled": true}``,
``POST /_emulator/xvantage/maintenance {"enabled": true}``,
``POST /_emulator/xvantage/orders/bulk {"count": 1000}``,
``POST /_emulator/xvantage/webhooks {"url": ..., "secret": ...}``,
``POST /_emulator/xvantage/webhooks/flush``, ``GET|DELETE /_emulator/xvantage/orders``.
"""

from .app import XvantageApp  # noqa: F401
