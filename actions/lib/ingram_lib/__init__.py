"""Shared client library of the ingram_micro StackStorm pack.

Lives in ``actions/lib`` so that StackStorm puts it on every action's path; sensors add
the same directory to ``sys.path`` themselves (see ``sensors/_ingram_path.py``), because a
default StackStorm install gives sensors only ``sensors/``.
"""

PACK = "ingram_micro"
__version__ = "0.8.0"
