"""The request-count goals of benchmarks/marketplace_requests.py, guarded in CI (counts, not
time), plus the two properties that keep the streaming paginator's memory flat."""

import gc
import os
import sys
import weakref

import pytest

from emulator.marketplace import customers
from ingram_lib.core.http import Transport

from conftest import ROOT
from test_marketplace_client import client_for

sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
import marketplace_requests as bench  # noqa: E402


def test_runner_runs_after_the_first_cost_one_request(server, tmp_path):
    counts = bench.runner_requests(server.url, runs=3,
                                   datastore=str(tmp_path / "datastore.sqlite3"))
    assert counts == [2, 1, 1]


def test_walking_bulk_customers_costs_one_request_per_500_rows(server):
    assert bench.pagination_requests(server.url, 1200) == (1200, 3)


def test_paginate_skips_repeats_when_many_rows_arrive_between_requests(config, emulator):
    state = emulator.marketplace.state
    customers.bulk(state, 95)
    existing = {c["id"] for c in state.customers.values()}
    client = client_for(config)
    seen = []
    for row in client.paginate("/customers", page_size=10):
        seen.append(row["id"])
        if len(seen) in (15, 35):
            # one and a half pages of new customers between two requests: the next page
            # starts with rows from two pages back
            customers.bulk(state, 15, prefix="Late %d" % len(seen))
    assert len(seen) == len(set(seen))
    assert existing <= set(seen)


@pytest.fixture
def responses(monkeypatch):
    """Weak references to every httpx response the client receives."""
    refs = []
    original = Transport._once

    def spy(self, *args, **kwargs):
        response = original(self, *args, **kwargs)
        refs.append(weakref.ref(response))
        return response
    monkeypatch.setattr(Transport, "_once", spy)
    return refs


def test_a_page_is_freed_as_soon_as_it_is_decoded(config, responses):
    client = client_for(config)
    gc.disable()
    try:
        client.get("/customers", {"limit": 500})
        client.get("/customers", {"limit": 500})
        assert len(responses) == 3  # token + two pages
        assert all(ref() is None for ref in responses)  # freed without a garbage collection
    finally:
        gc.enable()
