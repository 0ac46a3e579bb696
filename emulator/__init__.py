"""Local emulator of the Ingram Micro Cloud Marketplace API and the Xvantage reseller API.

``python -m emulator`` serves both on a loopback port; tests start ``EmulatorServer`` on an
ephemeral port. State lives in memory, time runs on a controllable clock, and faults
(429 + Retry-After, 5xx, slow answers, accept-then-timeout) can be switched on over
``/_emulator/faults`` or in-process.
"""

from .server import Emulator, EmulatorServer  # noqa: F401
