"""The scaling goals of benchmarks/sensor_scaling.py at small sizes: counts of requests,
polls, bytes and set_value calls (never times), one test per scenario family."""

import os
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
import sensor_scaling as bench  # noqa: E402

# Thousands of orders per scenario: .ci/run runs these with -m slow; benchmarks/ measures
# the same scenarios at full size.
pytestmark = pytest.mark.slow


def test_quiet_order_polls_cost_three_requests_and_write_nothing():
    result = bench.orders_quiet(6000, 300, quiet_polls=3)
    assert result["caught_up"]
    assert result["quiet"]["requests_max"] <= 3
    assert result["quiet"]["sets_max"] == 0
    assert result["events"] == 0


def test_more_open_orders_than_a_poll_can_sweep_are_swept_within_the_budget():
    # 2 400 open orders are 5 pages of open-status sweep: more than a budget of 4 allows,
    # as 10 000 open orders are more than the default 20 allows.
    result = bench.orders_quiet(6000, 2400, quiet_polls=4, budget=4)
    assert result["caught_up"]
    assert result["quiet"]["requests_max"] <= 4
    assert result["baseline"]["requests_max"] <= 4


def test_old_open_orders_completing_together_are_each_reported_once_in_time():
    result = bench.orders_busy(6000, 2400, completing=60, budget=4)
    assert result["reported"] == 60
    assert result["duplicates"] == 0
    assert result["polls_to_all"] is not None
    assert result["polls_to_all"] <= result["goal_polls"]
    assert result["busy"]["requests_max"] <= 4


def test_subscription_writes_follow_what_changed():
    result = bench.subscriptions(3000, 40)
    assert result["baseline_done"] and result["quiet_cycle_done"]
    assert result["reported"] == 40 and result["duplicates"] == 0
    assert result["quiet"]["bytes_max"] <= 64 * 1024
    assert max(result["quiet"]["bytes_max"], result["busy"]["bytes_max"]) <= 1024 * 1024
    assert result["quiet"]["sets_over_parts"] <= 1
    assert result["busy"]["sets_over_parts"] <= 1


def test_a_large_xvantage_window_is_swept_and_new_orders_reported_once():
    result = bench.xvantage(2500, new=60)
    assert result["sweep_complete"]
    assert result["reported"] == 60 and result["duplicates"] == 0
    assert result["refused"] == 0
    # A burst of new orders waits for at most one sweep to come round, then takes the
    # detail reads a poll leaves (budget 20: a page, two spare, 17 details): the sweep does
    # not move on past orders still waiting for their details.
    assert result["polls_to_all"] <= result["baseline_polls"] + -(-60 // 17) + 1
