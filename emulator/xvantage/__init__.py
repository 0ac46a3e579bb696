"""Emulator of the Xvantage reseller Orders API: ``/oauth/oauth20/token`` and
``/resellers/v6|v6.1|v7/orders...``, also under ``/sandbox``."""

from .app import XvantageApp  # noqa: F401
