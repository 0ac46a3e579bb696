"""Test harness: the pack's code on st2 stand-ins (or real st2 when importable), driven
over real HTTP against the emulator on an ephemeral loopback port."""

import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for path in (ROOT, os.path.join(ROOT, "actions", "lib")):
    if path not in sys.path:
        sys.path.insert(0, path)

from runner import config as pack_config  # noqa: E402
from runner import execute, standins  # noqa: E402
from runner.datastore import Datastore  # noqa: E402
from runner.emulated import emulator_config  # noqa: E402

standins.install()

from emulator import EmulatorServer  # noqa: E402
from ingram_lib.tokens import TokenCache  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_token_memory():
    # Each st2 action run is a new process; the in-memory token cache must not leak
    # between tests, or datastore behaviour would go untested.
    TokenCache._memory.clear()
    yield
    TokenCache._memory.clear()


@pytest.fixture
def server():
    srv = EmulatorServer(port=0).start()
    yield srv
    srv.stop()


@pytest.fixture
def emulator(server):
    return server.emulator


def make_config(server, **account_overrides):
    raw = emulator_config(server.url, region=server.emulator.marketplace.region)
    # Short waits keep retry tests fast; Retry-After handling is asserted separately.
    raw["accounts"]["default"].update({"max_retry_wait": 0.01, "read_timeout": 5,
                                       "connect_timeout": 2})
    raw["accounts"]["default"]["xvantage"].update({"max_retry_wait": 0.01, "read_timeout": 5})
    raw["accounts"]["default"].update(account_overrides)
    return pack_config.prepare(raw)


@pytest.fixture
def config(server):
    return make_config(server)


@pytest.fixture
def datastore():
    store = Datastore(":memory:")
    yield store
    store.close()


@pytest.fixture
def run_action(config, datastore):
    """Runs an action as st2 would: parameters validated and defaulted from its YAML."""
    # Positional-only, so that an action parameter called ``name`` can be passed.
    def run(action_name, /, _config=None, **params):
        return execute.run_action(action_name, params, _config or config, datastore)
    return run
