"""Guards the OrderSensor's request counts (not times) from benchmarks/sensor_requests.py:
a quiet poll costs at most three requests, whatever the size of the order history."""

import importlib.util
import os

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PATH = os.path.join(os.path.dirname(HERE), "benchmarks", "sensor_requests.py")


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("sensor_requests_bench", PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quiet_poll_costs_are_small_and_flat_in_history_size(bench):
    big = bench.measure(20000, 100, quiet_polls=3, naive=False)
    small = bench.measure(2000, 100, quiet_polls=3, naive=False)
    for result in (big, small):
        assert result["quiet_max"] <= 3, result
        assert result["baseline"] <= 5, result
        assert result["busy_events"] == 15 and result["busy"] <= 6, result
        assert result["state_chars"] < 20000, result
    assert big["quiet_max"] == small["quiet_max"]
    assert big["busy"] == small["busy"]


def test_naive_full_scan_grows_with_history(bench):
    result = bench.measure(2000, 100, quiet_polls=1)
    # Every page of 500 plus a GET for each open order.
    assert result["naive"] >= 2000 // 500 + 100
