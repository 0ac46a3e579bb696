"""Runs the pack's actions and sensors without a StackStorm install.

``python -m runner action <name> key=value ...`` loads ``actions/<name>.yaml``, validates the
parameters as st2 does, and runs the action class against a persistent SQLite datastore.
``python -m runner sensor <name> --polls N`` runs a sensor and prints the triggers it fires.
The same stand-ins back the test-suite; real st2common/st2reactor win when importable.
"""

import importlib
import os
import sys

PACK_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACK_REF = "ingram_micro"
LIB_DIR = os.path.join(PACK_ROOT, "actions", "lib")


def pack_module(name):
    """``ingram_lib.<name>`` from ``actions/lib``, the one copy actions and sensors import."""
    if LIB_DIR not in sys.path:
        sys.path.append(LIB_DIR)
    return importlib.import_module("ingram_lib." + name)
