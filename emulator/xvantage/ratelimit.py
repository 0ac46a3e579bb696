"""The portal's "60 calls per minute per endpoint" for GET calls, per API app.

Off by default so that ordinary tests never trip it; tests switch it on over
``/_emulator/xvantage/ratelimit`` or ``app.rate_limit.enabled = True``. Windows are fixed
minutes of emulator time, so ``Clock.advance(60)`` resets them. The limiter itself is
shared with the Marketplace app (``emulator.ratelimit``).
"""

from ..ratelimit import RateLimiter  # noqa: F401

TOO_MANY = {"errors": [{"field": None, "message": "too many requests"}]}
