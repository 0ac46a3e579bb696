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

import st2env  # noqa: E402

# With real StackStorm importable (the st2 tier), st2's classes are used instead of the
# stand-ins, and every payload a test dispatches is judged by st2's own dispatcher.
ST2 = st2env.importable()
standins.install()
# tests/st2/ holds the tests that only StackStorm's own code can run: not collected at all
# in the fast tier (see README, Tests).
collect_ignore_glob = [] if ST2 else ["st2/test_*.py"]

from emulator import EmulatorServer  # noqa: E402
from ingram_lib.core.tokens import TokenCache  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_token_memory():
    # Each st2 action run is a new process; the in-memory token cache must not leak
    # between tests, or datastore behaviour would go untested.
    TokenCache._memory.clear()
    yield
    TokenCache._memory.clear()


@pytest.fixture(scope="session", autouse=True)
def st2_node():
    """The st2 tier's StackStorm node: the pack registered by st2's registrars, and the
    runner's sensor service answering every dispatch with st2's dispatcher verdict."""
    if not ST2:
        if os.environ.get("INGRAM_MICRO_REQUIRE_ST2"):
            pytest.fail("INGRAM_MICRO_REQUIRE_ST2 is set but StackStorm is not importable",
                        pytrace=False)
        yield None
        return
    from runner.services import SensorService
    node = st2env.St2Environment().start()
    node.register()
    assert not node.eventlet_patched(), (
        "an imported module monkey-patched this process with eventlet (st2tests or st2's "
        "sensor_wrapper); import those in a subprocess only")
    original = SensorService.check
    SensorService.check = st2env.payload_gate_from_st2(node)
    try:
        yield node
    finally:
        SensorService.check = original
        node.stop()


@pytest.fixture(scope="session")
def st2(st2_node):
    """Real StackStorm, or a skip in the fast tier."""
    if st2_node is None:
        pytest.skip("StackStorm is not importable here (the st2 tier runs it: see README)")
    return st2_node


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
