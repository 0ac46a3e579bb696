"""One timestamp reader for the whole pack, the same on Python 3.8 as on 3.11+: the
formats ``datetime.fromisoformat`` rejects before 3.11 (``Z``, ``+0000``, fractions of
1, 2, 4, 5 or 7+ digits) are read everywhere -- sensors, order reconciliation and the
date-time parameters of actions."""

import pytest

from ingram_lib.core import checks, times
from ingram_lib.core.errors import ParameterError

import clock_support
from clock_support import at_times_of_day
from test_order_actions import customer, office_line, order_posts

# conftest's emulator, started at the instant of each @at_times_of_day run.
server, time_of_day = clock_support.server, clock_support.time_of_day

BASE = 1634233570.0  # 2021-10-14T17:46:10Z


@pytest.mark.parametrize("text, expected", [
    ("2021-10-14T17:46:10Z", BASE),
    ("2021-10-14T17:46:10z", BASE),
    ("2021-10-14 17:46:10", BASE),
    ("2021-10-14T17:46", BASE - 10),
    ("2021-10-14T19:46:10+02:00", BASE),
    ("2021-10-14T19:46:10+0200", BASE),
    ("2021-10-14T19:46:10+02", BASE),
    ("2021-10-14T15:46:10-02:00", BASE),
    ("2021-10-14T17:46:10+0000", BASE),
    ("2021-10-14T17:46:10.5Z", BASE + 0.5),
    ("2021-10-14T17:46:10.25Z", BASE + 0.25),
    ("2021-10-14T17:46:10.500Z", BASE + 0.5),
    ("2021-10-14T17:46:10.1250Z", BASE + 0.125),
    ("2021-10-14T17:46:10.12500+0000", BASE + 0.125),
    ("2021-10-14T17:46:10.500000Z", BASE + 0.5),
    ("2021-10-14T17:46:10.1250000Z", BASE + 0.125),
    ("2021-10-14T17:46:10,5Z", BASE + 0.5),
    ("2021-10-14T17:46:10.123456789-00:00", BASE + 0.123456),
    ("2021-10-14", BASE - (17 * 3600 + 46 * 60 + 10)),
    ("yesterday", None), (None, None), ("", None), ("2021-13-40", None),
    ("2021-10-14T25:00:00Z", None), ("2021-10-14T17:46:10+2", None),
])
def test_parse_time_reads_every_format_on_every_python(text, expected):
    got = times.parse_time(text)
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("text", [
    "2021-10-14T17:46:10.1Z", "2021-10-14T17:46:10.12+0000", "2021-10-14T17:46:10.1234Z",
    "2021-10-14T17:46:10.12345Z", "2021-10-14T17:46:10.1234567Z", "2021-10-14T19:46:10+0200",
    "2021-10-14 17:46:10", "2021-10-14T17:46:10",
])
def test_date_time_parameters_accept_the_same_formats(text):
    assert checks.date_time("creationTimeFrom", text) == "2021-10-14T17:46:10Z"


def test_date_time_parameter_errors_name_the_parameter():
    with pytest.raises(ParameterError) as caught:
        checks.date_time("creationTimeTo", "14/10/2021")
    assert caught.value.parameter == "creationTimeTo"


def test_list_orders_sends_a_normalised_time_filter(run_action, emulator):
    # 7-digit fraction and a +0000 offset: rejected by fromisoformat before Python 3.11.
    everything = run_action("list_orders", all_pages=True).result["total"]
    future = run_action("list_orders", creationTimeFrom="2999-01-01T00:00:00.1234567+0000")
    assert future.succeeded, future.result
    assert future.result["total"] == 0
    past = run_action("list_orders", creationTimeFrom="2000-01-01T00:00:00.1+0000")
    assert past.succeeded and past.result["total"] == everything


@at_times_of_day
def test_reconcile_stops_at_old_orders_whatever_their_date_format(
        run_action, emulator, monkeypatch):
    monkeypatch.setattr("ingram_lib.marketplace.orders.RECONCILE_WAITS", (0,))
    owner = customer(emulator, 0)
    mine = [o for o in emulator.marketplace.state.orders.values()
            if o["customerId"] == owner]
    assert mine
    for index, order in enumerate(mine):
        order["creationDate"] = "2020-01-0%dT10:00:00.%s+0000" % (
            1 + index % 9, "1234567"[:1 + index % 7])
    # The gateway fails before the platform sees the order: the lookup finds nothing.
    emulator.faults.add(kind="status", status=504, method="POST", path="/orders$", count=1)
    result = run_action("create_order", customerId=owner, poNumber="PO-OLD-ONLY",
                        products=[office_line(emulator)])
    assert result.result["error"] == "order_outcome_unknown"
    assert order_posts(emulator) == 1
    # The first listed row is older than the request: no order detail is read.
    assert emulator.request_count(method="GET", route="/orders/{id}") == 0
