"""The README's main command: the demo scenario passes end to end."""

import subprocess
import sys

from runner import PACK_ROOT


def test_demo_scenario_passes_against_the_embedded_emulator():
    out = subprocess.run([sys.executable, "-m", "runner", "demo"], cwd=PACK_ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "demo passed" in out.stdout
    assert "trigger ingram_micro.order_status_changed: SO" in out.stdout
    assert "FAIL" not in out.stdout
