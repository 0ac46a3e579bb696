"""XvantageOrderSensor against what production sends on a bad day: 200 answers without a
JSON body, messy values in search rows, orders older than the window that are still moving,
and an unspecified result order. Real HTTP to the emulator, on its clock."""

import json
import math

import httpx
import pytest

from ingram_lib.core import values
from ingram_lib.xvantage import results as xvantage_results
from ingram_lib.core.errors import BadResponse
from runner import config as pack_config, execute

import clock_support
from clock_support import at_times_of_day
from conftest import make_config

# conftest's emulator, started at the instant of each @at_times_of_day run.
server, time_of_day = clock_support.server, clock_support.time_of_day

HOUR = 3600.0
DAY = 86400.0
CREATED = "ingram_micro.xvantage_order_created"
CHANGED = "ingram_micro.xvantage_order_status_changed"


def new_sensor(server, datastore, **settings):
    config = make_config(server)
    config["sensors"] = {"xvantage_orders": dict({"baseline_details_per_poll": 0}, **settings)}
    sensor, service = execute.make_sensor("xvantage_order_sensor",
                                          pack_config.prepare(config), datastore, strict=True)
    sensor.clock = server.emulator.clock.now
    sensor.setup()
    return sensor, service


def control(server, path, body):
    answer = httpx.post(server.url + "/_emulator" + path, json=body)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def place(emulator, count=1, prefix="NEW", ago=60.0, **kwargs):
    now = emulator.clock.now()
    return emulator.xvantage.bulk_create(count, start=now - ago, end=now, prefix=prefix,
                                         **kwargs)


def fired(service, trigger=None):
    return [p for t, p in service.dispatched if trigger is None or t == trigger]


def stored(datastore):
    out = {}
    for name in datastore.names(prefix="ingram_micro.sensor.xvantage_orders.default.orders_"):
        out.update(json.loads(datastore.get(name)))
    return out


# -- a 200 that is not an order list ---------------------------------------------------------

@pytest.mark.parametrize("kind", ["html200", "empty200"])
def test_a_200_without_json_fails_the_poll_and_never_ends_the_first_sweep(server, datastore,
                                                                          kind):
    emulator = server.emulator
    place(emulator, 250, prefix="OLD", ago=5 * DAY)          # 256 orders: three pages
    sensor, service = new_sensor(server, datastore, max_search_pages_per_poll=1)
    sensor.poll()                                             # page 1 of the first sweep
    control(server, "/faults", {"kind": kind, "api": "xvantage", "path": "/orders/search",
                                "count": 1})
    sensor.poll()
    assert sensor.last_poll["default"]["ok"] is False
    assert "order search answered without an order list" in sensor.last_poll["default"]["error"]
    sensor.poll()
    assert not sensor.last_stats["default"]["sweep_complete"]
    sensor.poll()                                             # page 3: the sweep ends
    assert sensor.last_stats["default"]["sweep_complete"]
    # Every order existed before the sensor started: none is announced.
    assert fired(service) == []
    [number] = place(emulator)
    sensor.poll()
    assert [p["order_number"] for p in fired(service, CREATED)] == [number]


def test_search_action_reports_a_200_html_page_as_an_error(server, run_action):
    control(server, "/faults", {"kind": "html200", "api": "xvantage", "path": "/orders/search",
                                "count": 1})
    out = run_action("xvantage_search_orders")
    assert out.succeeded is False
    assert out.result["error"] == "bad_response"


def test_only_204_is_an_empty_page():
    assert xvantage_results.search_page(204, None, 1, 100)["orders"] == []
    for body in (None, "<html>maintenance</html>", [], {"errors": []}):
        with pytest.raises(BadResponse):
            xvantage_results.search_page(200, body, 1, 100)
    # An explicit zero count with no list is an empty answer, not a broken one.
    assert xvantage_results.search_page(200, {"recordsFound": 0}, 1, 100)["orders"] == []


class PagedClient(object):
    """Pages without ``recordsFound`` (the emulator always sends it)."""

    class _Transport(object):
        request_count = 0

    def __init__(self, rows):
        self.transport = self._Transport()
        self.rows = rows
        self.pages = []

    def search_page(self, filters, page, size):
        self.transport.request_count += 1
        self.pages.append(page)
        body = {"orders": self.rows[(page - 1) * size:page * size]}
        return xvantage_results.search_page(200, body, page, size)

    def get_order(self, number):
        self.transport.request_count += 1
        return xvantage_results.order_detail({"ingramOrderNumber": number, "lines": []})


def test_without_records_found_a_short_page_ends_the_sweep(server, datastore):
    rows = [{"ingramOrderNumber": "20-A%04d" % i, "ingramOrderDate": "2026-11-20",
             "orderStatus": "OPEN", "orderTotal": 10} for i in range(5)]
    sensor, service = new_sensor(server, datastore, page_size=2)
    sensor.clock = lambda: 1795651200.0                       # 2026-11-22
    client = PagedClient(rows)
    sensor._clients["default"] = client
    sensor.poll()
    assert client.pages == [1, 2, 3]                          # 2 + 2 + 1 rows
    assert sensor.last_stats["default"]["sweep_complete"]
    assert len(stored(datastore)) == 5
    client.pages = []
    client.rows = rows + [dict(rows[0], ingramOrderNumber="20-B0001")]
    sensor.poll()
    assert client.pages == [1, 2, 3, 4]                       # a full last page: one more
    assert [p["order_number"] for p in fired(service, CREATED)] == ["20-B0001"]


# -- messy values reach payloads typed as the schema says -----------------------------------

MESSY_ROWS = [
    {"orderTotal": "N/A"},
    {"orderTotal": True, "customerOrderNumber": 4711, "vendorName": None},
    {"orderTotal": "NaN", "endUserCompanyName": ["ACME"], "ingramOrderDate": None},
    {"orderTotal": None, "orderStatus": 7, "subOrders": [
        {"subOrderNumber": 11, "subOrderTotal": "n/a", "subOrderStatus": None}]},
    {"orderTotal": "1,012.50", "customerOrderNumber": None, "subOrders": None},
]


@pytest.mark.parametrize("messy", MESSY_ROWS)
def test_messy_search_values_still_give_valid_payloads(server, datastore, messy):
    """The runner's SensorService is strict: an invalid payload raises (st2 would drop it
    after the state was saved, and the event would be lost)."""
    emulator = server.emulator
    sensor, service = new_sensor(server, datastore, window_days=40)
    sensor.poll()
    [number] = place(emulator)
    control(server, "/xvantage/orders/%s/search-row" % number, messy)
    sensor.poll()
    assert sensor.last_poll["default"]["ok"], sensor.last_poll
    [created] = fired(service, CREATED)
    assert created["order_number"] == number
    total = created["order_total"]
    assert total is None or (isinstance(total, (int, float)) and
                             not isinstance(total, bool) and math.isfinite(total))
    if isinstance(messy.get("orderTotal"), str):
        assert created["order_total_raw"] == messy["orderTotal"]
    # Then the order moves: the previous total comes from the stored record.
    control(server, "/xvantage/orders/%s/search-row" % number,
            dict(messy, orderTotal="12.5 EUR"))
    emulator.clock.advance(7 * HOUR)
    sensor.poll()
    assert sensor.last_poll["default"]["ok"], sensor.last_poll
    changed = [p for p in fired(service, CHANGED) if p["order_number"] == number]
    assert changed and changed[0]["order_total"] is None
    assert changed[0]["previous_order_total"] == (total if total is not None else None)


def test_strict_numbers_for_payloads():
    assert values.number_or_none("1,012.50") == 1012.5
    assert values.number_or_none("3") == 3
    for value in ("N/A", True, False, "nan", "inf", {"a": 1}, [1], "", None):
        assert values.number_or_none(value) is None, value


# -- orders older than the window ------------------------------------------------------------

def backordered_order(emulator):
    return place(emulator, prefix="BO", parts=["BO0001"])[0]


@at_times_of_day
def test_an_unfinished_order_past_the_window_reports_its_late_shipment(server, datastore):
    """A backorder ships 3 days after placement; with a 1-day window it has left the
    window by then. The slow re-check (search by number) still reports the shipment."""
    emulator = server.emulator
    sensor, service = new_sensor(server, datastore, window_days=1,
                                 recent_changes_interval=0, stale_recheck_hours=6)
    sensor.poll()
    number = backordered_order(emulator)
    sensor.poll()
    [created] = fired(service, CREATED)
    assert created["status"] == "BACKORDERED"
    emulator.clock.advance(2.5 * DAY)                         # out of the window, unshipped
    sensor.poll()
    assert number in stored(datastore)
    emulator.clock.advance(0.7 * DAY)                         # ships at 72 h
    sensor.poll()
    changed = [p for p in fired(service, CHANGED) if p["order_number"] == number]
    assert [(c["previous_status"], c["status"]) for c in changed] == [
        ("BACKORDERED", "SHIPPED")]
    emulator.clock.advance(3 * DAY)                           # delivered: finished
    for _ in range(3):
        emulator.clock.advance(7 * HOUR)
        sensor.poll()
    assert [c["status"] for c in fired(service, CHANGED)
            if c["order_number"] == number][-1] == "DELIVERED"
    assert number not in stored(datastore)                    # finished and old: forgotten


@at_times_of_day
def test_the_ship_date_search_reports_an_old_order_before_its_recheck(server, datastore):
    emulator = server.emulator
    sensor, service = new_sensor(server, datastore, window_days=1,
                                 recent_changes_interval=900, stale_recheck_hours=1000)
    sensor.poll()
    number = backordered_order(emulator)
    sensor.poll()
    emulator.clock.advance(2.5 * DAY)
    sensor.poll()
    emulator.reset_counts()
    emulator.clock.advance(0.7 * DAY)
    sensor.poll()
    changed = [p for p in fired(service, CHANGED) if p["order_number"] == number]
    assert [c["status"] for c in changed] == ["SHIPPED"]
    # Found by one search per date filter, not by a re-check of the order.
    assert "stale_checked" not in sensor.last_stats["default"]
    assert emulator.request_count(api="xvantage", route="/resellers/v6/orders/search") == 3


def test_unfinished_old_orders_are_bounded(server, datastore, caplog):
    emulator = server.emulator
    sensor, _ = new_sensor(server, datastore, window_days=1, max_stale_orders=3,
                           recent_changes_interval=0)
    sensor.poll()
    backorders = place(emulator, 6, prefix="BO", parts=["BO0001"])
    sensor.poll()
    emulator.clock.advance(2.5 * DAY)
    caplog.set_level("WARNING")
    sensor.poll()
    kept = stored(datastore)
    assert len(kept) == 3 and set(kept) <= set(backorders)
    assert "exceed max_stale_orders (3)" in caplog.text


# -- an order placed during a first sweep spread over several polls -------------------------

@at_times_of_day
def test_an_order_placed_during_the_first_sweep_is_announced(server, datastore):
    emulator = server.emulator
    control(server, "/xvantage/search", {"oldest_first": True})
    place(emulator, 250, prefix="OLD", ago=5 * DAY)
    sensor, service = new_sensor(server, datastore, max_search_pages_per_poll=1)
    sensor.poll()                                             # page 1 of 3
    emulator.clock.advance(120)
    [number] = place(emulator, ago=30)                        # lands on the last page
    sensor.poll()
    sensor.poll()
    assert sensor.last_stats["default"]["sweep_complete"]
    assert [p["order_number"] for p in fired(service, CREATED)] == [number]
    for _ in range(3):
        sensor.poll()
    assert [p["order_number"] for p in fired(service, CREATED)] == [number]
