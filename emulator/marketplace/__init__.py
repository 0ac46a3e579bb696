"""Emulator of the Cloud Marketplace API, laid out by resource (state + handlers)."""

from .app import MarketplaceApp  # noqa: F401
