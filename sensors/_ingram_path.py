"""Puts the pack's shared client (``actions/lib``) on a sensor process's path.

StackStorm starts a sensor with only ``sensors/`` on ``sys.path`` (``actions/lib`` is an
action-only path, and ``[packs] enable_common_libs`` is off by default), so each sensor
module imports this first: ``import _ingram_path  # noqa: F401``.
"""

import os
import sys

LIB = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                   "actions", "lib")
if LIB not in sys.path:
    sys.path.append(LIB)
