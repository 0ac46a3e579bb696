"""Shared client library of the ingram_micro StackStorm pack.

Lives in ``actions/lib`` so that StackStorm puts it on every action's path; sensors add
the same directory to ``sys.path`` themselves (see ``sensors/_ingram_path.py``), because a
default StackStorm install gives sensors only ``sensors/``.

Packages, each importing only from those listed before it:

- ``core``: what both APIs share (HTTP transport, errors, config, tokens, redaction,
  parameter checks, times, st2's payload rules);
- ``marketplace`` and ``xvantage``: one client per API and the operations built on it;
- ``sensing``: the polling-sensor framework, its state, the watchers and the webhook receiver;
- ``action`` (a module): ``IngramAction``, the base class of every Python action.
"""

__version__ = "0.9.0"
