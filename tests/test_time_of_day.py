"""The suite's pinned clocks do what they say, and what a late-evening or midnight clock
brought to light in the emulator stays fixed: dates belong to the moment of the event,
and a whole day lasts until the next midnight."""

import datetime
import subprocess
import sys
import time
import types

import httpx
import pytest

from emulator.clock import Clock, parse_instant
from ingram_lib.marketplace import orders as pack_orders
from ingram_lib.core.config import marketplace_settings
from ingram_lib.marketplace.client import MarketplaceClient
from runner import PACK_ROOT

import clock_support
from clock_support import PINNED, WALL_CLOCK_MODULES
from test_orders_emulator import place

server, time_of_day = clock_support.server, clock_support.time_of_day

pinned = pytest.mark.parametrize("time_of_day", PINNED, indirect=True)


def close_to(value, expected, slack=30.0):
    return expected <= value < expected + slack


def order_desk():
    return pack_orders.OrderDesk(types.SimpleNamespace(settings=None), rules=object())


@pinned
def test_a_pinned_run_starts_the_emulator_and_the_pack_wall_clock_at_the_instant(
        time_of_day, server, request):
    instant = parse_instant(request.node.callspec.params["time_of_day"])
    assert close_to(server.emulator.clock.now(), instant)
    answer = httpx.get(server.url + "/_emulator/clock").json()
    assert close_to(answer["epoch"], instant)
    for name in WALL_CLOCK_MODULES:
        assert close_to(sys.modules[name].time.time(), instant), name
    # The wall clock the pack's order desk compares with the platform's creation times.
    assert close_to(order_desk().clock(), instant)
    # Both run on: a pinned clock is not a stopped one.
    before = server.emulator.clock.now()
    time.sleep(0.02)
    assert server.emulator.clock.now() > before
    assert time_of_day.time() > before


def test_without_a_pinned_instant_everything_reads_the_real_clock(server):
    assert abs(server.emulator.clock.now() - time.time()) < 30
    assert pack_orders.time is time
    assert order_desk().clock is time.time


def test_instants_are_read_as_utc_and_anything_else_is_refused():
    assert parse_instant("2026-12-31T23:59:30Z") == 1798761570.0
    assert parse_instant("2026-12-31 23:59:30") == 1798761570.0
    for bad in ("2026-12-31", "23:59:30", "2026-12-31T23:59:30+01:00", "tomorrow"):
        with pytest.raises(ValueError):
            parse_instant(bad)


def test_advancing_the_emulator_clock_leaves_its_wall_clock_alone():
    wall = [1798761570.0]
    clock = Clock(wall=lambda: wall[0], frozen=True)
    assert clock.now() == clock.wall() == 1798761570.0
    clock.advance(7 * 3600)
    assert clock.now() == 1798761570.0 + 7 * 3600
    assert clock.wall() == 1798761570.0


@pinned
def test_shipment_webhooks_are_dated_by_the_shipment_not_by_the_flush(server):
    emulator = server.emulator
    emulator.clock.freeze()
    placed = emulator.clock.now()
    [number] = emulator.xvantage.bulk_create(1, start=placed, end=placed, prefix="WH",
                                             parts=["6YC337"])      # ships 4 h after
    emulator.clock.advance(3 * 86400)                      # delivered long before the flush
    events = emulator.xvantage.webhooks.due(placed, emulator.clock.now())
    order = emulator.xvantage.store.get(number)
    shipped = {}
    for event in events:
        resource = event["resource"][0]
        if resource["eventType"] == "im::order_shipped":
            for line in resource["lines"]:
                shipped[line["subOrderNumber"]] = line["shipmentDetails"][0]["shipmentDate"]
        # When the event is sent: the wall clock, never the advanced emulator clock.
        sent = datetime.datetime.strptime(event["eventTimeStamp"], "%Y-%m-%dT%H:%M:%S.000Z")
        sent = sent.replace(tzinfo=datetime.timezone.utc).timestamp()
        assert abs(sent - emulator.clock.wall()) < 5
    [(sub, lines)] = order.sub_orders()
    assert shipped == {sub: emulator.clock.date(order.schedule(sub, lines)[0])}
    assert shipped[sub] != emulator.clock.date()


@pytest.mark.parametrize("time_of_day", ["2026-12-31T23:59:30Z"], indirect=True)
def test_a_report_of_the_last_second_of_a_day_is_listed_for_that_day(server, config):
    emulator = server.emulator
    client = MarketplaceClient(marketplace_settings(config, "default"))
    emulator.clock.freeze()
    emulator.clock.advance(parse_instant("2026-12-31T23:59:59Z") + 0.5 - emulator.clock.now())
    report = client.post("/reports", {"name": "Orders report", "startDate": "2024-01-01"})
    assert report["creationDate"] == "2026-12-31T23:59:59Z"

    def listed(day):
        page = client.get("/reports", {"from": day, "to": day})
        return [r["id"] for r in page["data"]]
    assert report["id"] in listed("2026-12-31")
    assert report["id"] not in listed("2027-01-01")


@pytest.mark.parametrize("time_of_day", ["2026-12-31T23:59:30Z"], indirect=True)
def test_an_order_completed_before_midnight_and_read_after_keeps_its_day(server, config):
    emulator = server.emulator
    emulator.clock.freeze()
    httpx.post(server.url + "/_emulator/marketplace/orders/timing",
               json={"submit_seconds": 5, "sales_seconds": 15})
    client = MarketplaceClient(marketplace_settings(config, "default"))
    order = place(client, emulator)
    emulator.clock.advance(3600)                 # nobody looks until the next day
    done = client.get(client.path("/orders/{id}", id=order["id"]))
    assert done["status"] == "completed"
    assert done["provisioningDate"][:10] == "2026-12-31"
    sub = client.get(client.path("/subscriptions/{id}", id=done["subscriptionId"]))
    assert sub["creationDate"] == sub["lastModifiedDate"] == "2026-12-31"
    history = httpx.get(server.url + "/_emulator/marketplace/orders/%s/history"
                        % order["id"]).json()
    assert [h["time"][:10] for h in history] == ["2026-12-31"] * len(history)


def test_the_emulator_command_starts_its_clock_at_a_given_instant():
    proc = subprocess.Popen(
        [sys.executable, "-m", "emulator", "--port", "0", "--clock-start",
         "2026-12-31T23:59:30Z"], cwd=PACK_ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True)
    try:
        url = proc.stdout.readline().split()[-1].split("/marketplace/")[0]
        answer = httpx.get(url + "/_emulator/clock", timeout=5).json()
    finally:
        proc.terminate()
        proc.wait(5)
    assert answer["now"].startswith("2026-12-31T23:59:3")
    refused = subprocess.run([sys.executable, "-m", "emulator", "--clock-start", "tomorrow"],
                             cwd=PACK_ROOT, capture_output=True, text=True, timeout=30)
    assert refused.returncode == 2 and "2026-12-31T23:59:30Z" in refused.stderr
