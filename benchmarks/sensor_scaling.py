"""How the polling sensors scale: requests, state writes and CPU per poll, and how many
polls pass before every change is reported, at sizes from 10 000 to 200 000 records.

    python benchmarks/sensor_scaling.py [--scale 0.1] [--only orders subscriptions ...]

Scenarios (sizes multiplied by ``--scale``):

* ``orders-quiet``: 200 000 orders with 100, 1 000 and 10 000 open, nothing changing;
* ``orders-busy``: the same history with 1 000 and 10 000 open, then the 500 oldest open
  orders completing at once;
* ``subscriptions``: 100 000 live subscriptions, quiet, then 1 000 changing status at once;
* ``xvantage``: 20 000 Xvantage orders in the sensor's window, then 200 new ones.

Each sensor runs in this process against an in-process emulator whose clock is frozen at
a fixed instant and moved by the poll interval before every poll. Measured per poll:
requests (as the emulator counted them), bytes and ``set_value`` calls reaching the
datastore, and CPU of the polling thread (``time.thread_time``: the emulator answers in
other threads of the same process, so process time would count its work too; the
process-wide figure is printed as well).

"Work" in the order goals is what one complete pass costs without a budget: the first
page of new orders, every page of the open-status sweeps, and one ``GET /orders/{id}``
per order that left the open set.
"""

import argparse
import collections
import json
import math
import os
import random
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for entry in (ROOT, os.path.join(ROOT, "actions", "lib")):
    if entry not in sys.path:
        sys.path.insert(0, entry)

from runner import config as pack_config, execute, standins  # noqa: E402
from runner.datastore import Datastore  # noqa: E402
from runner.emulated import emulator_config  # noqa: E402

standins.install()

from emulator import EmulatorServer  # noqa: E402
from emulator.clock import Clock, parse_instant  # noqa: E402
from emulator.marketplace import orders as emu_orders  # noqa: E402
from emulator.marketplace import subscriptions as emu_subs  # noqa: E402

# Mid-morning UTC, so that no scenario crosses midnight (expiry dates move at midnight).
START = "2026-06-01T08:00:00Z"
ACCOUNT = "default"
PAGE = 500
BUDGET = 20
STATE_PREFIX = "ingram_micro.sensor."


class CountingDatastore(Datastore):
    """Counts what the sensors write: calls and bytes (as st2 stores them, ``str(value)``)."""

    def __init__(self, *args, **kwargs):
        super(CountingDatastore, self).__init__(*args, **kwargs)
        self.set_calls = 0
        self.bytes_written = 0

    def set(self, name, value, ttl=None, encrypt=False):
        self.set_calls += 1
        self.bytes_written += len(str(value).encode("utf-8"))
        return super(CountingDatastore, self).set(name, value, ttl=ttl, encrypt=encrypt)

    def state(self):
        return {k: self.get(k) for k in self.names(STATE_PREFIX)}


class Bench(object):
    """An emulator, a sensor on it, and per-poll measurements."""

    def __init__(self, sensor_name, sensors=None, xvantage_limit=False, budget=BUDGET):
        clock = Clock(start=parse_instant(START), frozen=True)
        self.server = EmulatorServer(port=0, clock=clock).start()
        self.emulator = self.server.emulator
        if xvantage_limit and self.emulator.xvantage is not None:
            self.emulator.xvantage.rate_limit.configure(enabled=True, limit=60)
        raw = emulator_config(self.server.url, region=self.emulator.marketplace.region)
        self.budget = budget
        raw["sensors"] = dict({"max_requests_per_poll": budget}, **(sensors or {}))
        self.config = pack_config.prepare(raw)
        self.store = CountingDatastore(":memory:", clock=clock.now)
        self.sensor_name = sensor_name
        self.sensor = None
        self.service = None
        self.polls = []

    def start(self):
        self.sensor, self.service = execute.make_sensor(self.sensor_name, self.config,
                                                        self.store, strict=True)
        self.sensor.clock = self.emulator.clock.now
        self.sensor.setup()
        self.interval = float(self.sensor.get_poll_interval())
        return self

    def stop(self):
        if self.sensor is not None:
            self.sensor.cleanup()
        self.server.stop()
        self.store.close()

    def poll(self, api="marketplace", watch_parts=False):
        """One poll, a poll interval after the previous one; returns its measurements."""
        self.emulator.clock.advance(self.interval)
        before_state = self.store.state() if watch_parts else None
        requests = self.emulator.request_count(api=api)
        sets, written = self.store.set_calls, self.store.bytes_written
        dispatched = len(self.service.dispatched)
        cpu, process = time.thread_time(), time.process_time()
        self.sensor.poll()
        cpu, process = time.thread_time() - cpu, time.process_time() - process
        outcome = self.sensor.last_poll.get(ACCOUNT, {})
        row = {"requests": self.emulator.request_count(api=api) - requests,
               "sets": self.store.set_calls - sets,
               "bytes": self.store.bytes_written - written,
               "cpu": cpu, "process_cpu": process, "ok": bool(outcome.get("ok")),
               "error": outcome.get("error"), "lag": outcome.get("lag") or {},
               "stats": dict(getattr(self.sensor, "last_stats", {}).get(ACCOUNT) or {}),
               "fired": self.service.dispatched[dispatched:]}
        if watch_parts:
            after = self.store.state()
            row["changed_parts"] = sum(1 for k in set(before_state) | set(after)
                                       if before_state.get(k) != after.get(k))
        self.polls.append(row)
        return row


def summarize(rows):
    """Per-poll maxima and means over ``rows``."""
    if not rows:
        return {"polls": 0}
    out = {"polls": len(rows)}
    for key in ("requests", "sets", "bytes", "cpu", "process_cpu"):
        values = [r[key] for r in rows]
        out[key + "_max"] = max(values)
        out[key + "_mean"] = sum(values) / float(len(values))
    if all("changed_parts" in r for r in rows):
        out["sets_over_parts"] = max(r["sets"] - r["changed_parts"] for r in rows)
    out["failed_polls"] = sum(1 for r in rows if not r["ok"])
    out["lag_reported"] = any(r["lag"] for r in rows)
    return out


def scaled(value, scale, floor=1):
    return max(floor, int(round(value * scale)))


# -- orders ------------------------------------------------------------------------------------

def _order_bench(total, open_count, budget):
    bench = Bench("order_sensor", budget=budget)
    state = bench.emulator.marketplace.state
    emu_orders.bulk(state, total - len(state.orders), open_count)
    return bench.start()


def _orders_caught_up(row):
    stats = row["stats"]
    if "caught_up" in stats:
        return row["ok"] and bool(stats["caught_up"])
    return row["ok"] and all(lag["pending"] == 0 and lag["polls_behind"] == 0
                             for lag in row["lag"].values())


def _open_counts(state):
    by_status = emu_orders.book(state).by_status
    return {status: len(by_status[status]) for status in ("submitted", "processing")}


def order_work(open_counts, vanished):
    """Requests of one complete pass: see the module docstring."""
    return (1 + sum(int(math.ceil(n / float(PAGE))) for n in open_counts.values()) +
            vanished)


def orders_quiet(total, open_count, quiet_polls=5, max_polls=200, budget=BUDGET):
    bench = _order_bench(total, open_count, budget)
    try:
        baseline = []
        while len(baseline) < max_polls:
            baseline.append(bench.poll())
            if _orders_caught_up(baseline[-1]):
                break
        quiet = [bench.poll() for _ in range(quiet_polls)]
        work = order_work(_open_counts(bench.emulator.marketplace.state), 0)
        result = {"scenario": "orders-quiet", "orders": len(bench.emulator.marketplace.state
                                                            .orders),
                  "open": open_count, "work": work, "budget": budget,
                  "baseline_polls": len(baseline),
                  "caught_up": _orders_caught_up(baseline[-1]),
                  "baseline": summarize(baseline), "quiet": summarize(quiet),
                  "events": sum(len(r["fired"]) for r in baseline + quiet)}
        return result
    finally:
        bench.stop()


def orders_busy(total, open_count, completing=500, max_polls=None, budget=BUDGET):
    bench = _order_bench(total, open_count, budget)
    state = bench.emulator.marketplace.state
    try:
        for _ in range(200):
            if _orders_caught_up(bench.poll()):
                break
        open_orders = sorted(emu_orders.book(state).by_status["processing"],
                             key=lambda oid: state.orders.get(oid)["_created"])
        closing = open_orders[:completing]
        for oid in closing:
            emu_orders.force(state, state.orders.get(oid), "completed")
        work = order_work(_open_counts(state), len(closing))
        goal_polls = int(math.ceil(work / float(budget))) + 1
        max_polls = max_polls or max(60, 3 * goal_polls)
        reported = collections.Counter()
        wanted = set(closing)
        rows = []
        while len(rows) < max_polls:
            row = bench.poll()
            rows.append(row)
            for trigger, payload in row["fired"]:
                if trigger.endswith("order_status_changed") and payload["id"] in wanted:
                    reported[payload["id"]] += 1
            if len(reported) == len(wanted) and _orders_caught_up(row):
                break
        first_all = None
        seen = set()
        for number, row in enumerate(rows, 1):
            seen.update(p["id"] for t, p in row["fired"] if p.get("id") in wanted)
            if first_all is None and seen == wanted:
                first_all = number
        return {"scenario": "orders-busy", "orders": len(state.orders), "open": open_count,
                "completing": len(closing), "work": work, "goal_polls": goal_polls,
                "budget": budget,
                "reported": len(reported), "duplicates": sum(n - 1 for n in
                                                             reported.values()),
                "polls_to_all": first_all, "polls_run": len(rows),
                "busy": summarize(rows)}
    finally:
        bench.stop()


# -- subscriptions -----------------------------------------------------------------------------

def load_subscriptions(state, count, seed=1):
    """``count`` live subscriptions (mostly active), expiring 60 to 360 days out so that
    no expiry falls inside the sensor's horizon."""
    rnd = random.Random(seed)
    product = [p for p in state.products.values()
               if p["name"].startswith("Office 365 E3 (legacy")][0]
    customers = [c["id"] for c in state.customers.values()]
    today = state.clock.utcnow().date()
    import datetime
    statuses = ["active"] * 8 + ["hold", "pending"]
    for i in range(int(count)):
        sub = emu_subs.new_subscription(state, customers[i % len(customers)], product, 1,
                                        status=statuses[i % len(statuses)])
        sub["expirationDate"] = sub["renewalDate"] = (
            today + datetime.timedelta(days=rnd.randint(60, 360))).isoformat()
    return count


def _cycle(bench):
    raw = bench.store.get(STATE_PREFIX + "subscriptions.%s.head" % ACCOUNT)
    return json.loads(raw).get("cycle", 0) if raw else 0


def _full_cycle(bench, max_polls, watch_parts=True):
    """Polls until a whole sweep cycle has run after this call started."""
    start, rows = _cycle(bench), []
    while len(rows) < max_polls:
        rows.append(bench.poll(watch_parts=watch_parts))
        if _cycle(bench) >= start + 2:
            break
    return rows, _cycle(bench) >= start + 2


def subscriptions(live, changing, max_polls=None):
    bench = Bench("subscription_sensor")
    state = bench.emulator.marketplace.state
    try:
        load_subscriptions(state, live)
        bench.start()
        live_now = sum(1 for s in state.subscriptions.values()
                       if s["status"] in ("pending", "active", "hold"))
        cycle_polls = int(math.ceil((live_now / float(PAGE) + 3) / BUDGET)) + 1
        max_polls = max_polls or max(30, 4 * cycle_polls)
        baseline, baseline_done = _full_cycle(bench, max_polls, watch_parts=False)
        quiet, quiet_done = _full_cycle(bench, max_polls)
        rnd = random.Random(2)
        flips = {"active": "hold", "hold": "active", "pending": "active"}
        changed = {}
        candidates = [s for s in state.subscriptions.values()
                      if s["status"] in flips]
        for sub in rnd.sample(candidates, min(changing, len(candidates))):
            changed[str(sub["id"])] = (sub["status"], flips[sub["status"]])
            sub["status"] = flips[sub["status"]]
        reported = collections.Counter()
        rows = []
        first_all = None
        while len(rows) < max_polls:
            row = bench.poll(watch_parts=True)
            rows.append(row)
            for trigger, payload in row["fired"]:
                sid = str(payload.get("id"))
                if trigger.endswith("subscription_status_changed") and sid in changed and \
                        (payload["previous_status"], payload["status"]) == changed[sid]:
                    reported[sid] += 1
            if first_all is None and len(reported) == len(changed):
                first_all = len(rows)
                break
        state_bytes = sum(len(v or "") for v in bench.store.state().values())
        return {"scenario": "subscriptions", "live": live_now, "changing": len(changed),
                "baseline_polls": len(baseline), "baseline_done": baseline_done,
                "quiet_cycle_done": quiet_done, "quiet": summarize(quiet),
                "busy": summarize(rows), "reported": len(reported),
                "duplicates": sum(n - 1 for n in reported.values()),
                "polls_to_all": first_all, "state_bytes": state_bytes,
                "baseline": summarize(baseline)}
    finally:
        bench.stop()


# -- Xvantage ----------------------------------------------------------------------------------

def xvantage(orders, new=200, window_days=30, max_polls=None):
    bench = Bench("xvantage_order_sensor", xvantage_limit=True,
                  sensors={"xvantage_orders": {"baseline_details_per_poll": 0}})
    try:
        app = bench.emulator.xvantage
        now = bench.emulator.clock.now()
        app.bulk_create(orders, start=now - (window_days - 1) * 86400, end=now - 3600,
                        prefix="BENCH")
        in_window = len(app.store.all())
        bench.start()
        limit = max_polls or max(60, 4 * int(math.ceil(in_window / 1900.0)) + 20)
        baseline = []
        while len(baseline) < limit:
            baseline.append(bench.poll(api="xvantage"))
            if baseline[-1]["stats"].get("sweep_complete"):
                break
        now = bench.emulator.clock.now()
        placed = set(app.bulk_create(new, start=now - 120, end=now - 1, prefix="LATE"))
        reported = collections.Counter()
        rows = []
        while len(rows) < limit:
            row = bench.poll(api="xvantage")
            rows.append(row)
            for trigger, payload in row["fired"]:
                if trigger.endswith("xvantage_order_created") and \
                        payload.get("order_number") in placed:
                    reported[payload["order_number"]] += 1
            if len(reported) == len(placed):
                break
        return {"scenario": "xvantage", "orders": in_window, "new": len(placed),
                "baseline_polls": len(baseline),
                "sweep_complete": bool(baseline and
                                       baseline[-1]["stats"].get("sweep_complete")),
                "baseline": summarize(baseline), "busy": summarize(rows),
                "reported": len(reported),
                "duplicates": sum(n - 1 for n in reported.values()),
                "polls_to_all": len(rows) if len(reported) == len(placed) else None,
                "refused": app.rate_limit.refused}
    finally:
        bench.stop()


# -- report ------------------------------------------------------------------------------------

def _verdict(ok):
    return "PASS" if ok else "FAIL"


def goals(result):
    """``[(goal, measured, PASS/FAIL)]`` for one scenario's result."""
    out = []
    kind = result["scenario"]
    if kind == "orders-quiet":
        quiet = result["quiet"]
        if result["open"] <= 1000:
            out.append(("<= 3 requests per quiet poll (<= 1 000 open)",
                        "%d" % quiet["requests_max"], quiet["requests_max"] <= 3))
        worst = max(quiet["requests_max"], result["baseline"]["requests_max"])
        out.append(("no poll over the budget of %d" % result["budget"], "max %d" % worst,
                    worst <= result["budget"]))
        out.append(("the open-status sweep completes",
                    "%s after %d poll(s)" % ("caught up" if result["caught_up"] else
                                             "NOT caught up", result["baseline_polls"]),
                    result["caught_up"]))
    elif kind == "orders-busy":
        busy = result["busy"]
        ok = (result["reported"] == result["completing"] and result["duplicates"] == 0)
        out.append(("all %d reported, each once" % result["completing"],
                    "%d reported, %d duplicate(s)" % (result["reported"],
                                                      result["duplicates"]), ok))
        polls = result["polls_to_all"]
        out.append(("within ceil(work/budget)+1 = %d polls (work %d)" % (
            result["goal_polls"], result["work"]),
            "%s" % (polls if polls else "not within %d" % result["polls_run"]),
            bool(polls) and polls <= result["goal_polls"]))
        out.append(("no poll over the budget of %d" % result["budget"],
                    "max %d" % busy["requests_max"], busy["requests_max"] <= result["budget"]))
    elif kind == "subscriptions":
        quiet, busy = result["quiet"], result["busy"]
        out.append(("quiet poll <= 64 kB written", _kb(quiet["bytes_max"]),
                    quiet["bytes_max"] <= 64 * 1024))
        worst = max(quiet["bytes_max"], busy["bytes_max"])
        out.append(("<= 1 MB written per poll", _kb(worst), worst <= 1024 * 1024))
        over = max(quiet.get("sets_over_parts", 0), busy.get("sets_over_parts", 0))
        out.append(("<= changed parts + 1 set_value calls per poll",
                    "max %d over changed parts" % over, over <= 1))
        ok = result["reported"] == result["changing"] and result["duplicates"] == 0
        out.append(("all %d changes reported, each once" % result["changing"],
                    "%d reported, %d duplicate(s)" % (result["reported"],
                                                      result["duplicates"]), ok))
    elif kind == "xvantage":
        ok = result["reported"] == result["new"] and result["duplicates"] == 0
        out.append(("all %d new orders reported, each once" % result["new"],
                    "%d reported, %d duplicate(s)" % (result["reported"],
                                                      result["duplicates"]), ok))
        out.append(("the window sweep completes", "%s after %d poll(s)" % (
            "complete" if result["sweep_complete"] else "NOT complete",
            result["baseline_polls"]), result["sweep_complete"]))
        out.append(("no 429 from the 60 GET/min limit", "%d refused" % result["refused"],
                    result["refused"] == 0))
    return [(goal, measured, _verdict(ok)) for goal, measured, ok in out]


def _kb(n):
    return "%.1f kB" % (n / 1024.0)


def _line(label, phase, s, extra=""):
    if not s.get("polls"):
        return "  %-10s no polls" % phase
    return ("  %-10s polls %4d | requests/poll max %3d mean %6.1f | set_value/poll max %3d "
            "mean %5.1f | written/poll max %10s mean %10s | cpu/poll max %6.3f s mean "
            "%6.3f s (process %6.3f s)%s" % (
                phase, s["polls"], s["requests_max"], s["requests_mean"], s["sets_max"],
                s["sets_mean"], _kb(s["bytes_max"]), _kb(s["bytes_mean"]), s["cpu_max"],
                s["cpu_mean"], s["process_cpu_mean"], extra))


def report(result, out=sys.stdout):
    kind = result["scenario"]
    if kind == "orders-quiet":
        title = "orders-quiet: %d orders, %d open" % (result["orders"], result["open"])
        phases = [("baseline", result["baseline"]), ("quiet", result["quiet"])]
        note = "polls until caught up: %d" % result["baseline_polls"]
    elif kind == "orders-busy":
        title = "orders-busy: %d orders, %d open, %d old open orders completing at once" % (
            result["orders"], result["open"], result["completing"])
        phases = [("busy", result["busy"])]
        note = "polls until every event is reported: %s" % (
            result["polls_to_all"] or "not within %d" % result["polls_run"])
    elif kind == "subscriptions":
        title = "subscriptions: %d live, then %d changing" % (result["live"],
                                                             result["changing"])
        phases = [("baseline", result["baseline"]), ("quiet", result["quiet"]),
                  ("busy", result["busy"])]
        note = ("polls for the first cycle: %d; polls until every change is reported: %s; "
                "state %s" % (result["baseline_polls"], result["polls_to_all"] or
                              "not within %d" % result["busy"]["polls"],
                              _kb(result["state_bytes"])))
    else:
        title = "xvantage: %d orders in the window, then %d new" % (result["orders"],
                                                                   result["new"])
        phases = [("baseline", result["baseline"]), ("busy", result["busy"])]
        note = ("polls for the first sweep: %d; polls until every new order is reported: "
                "%s" % (result["baseline_polls"], result["polls_to_all"] or "not within %d"
                        % result["busy"]["polls"]))
    print(title, file=out)
    for phase, numbers in phases:
        lag = "" if not numbers.get("polls") else (
            " | lag reported" if numbers["lag_reported"] else " | no lag reported")
        failed = numbers.get("failed_polls")
        print(_line(kind, phase, numbers, lag + (" | %d failed poll(s)" % failed
                                                 if failed else "")), file=out)
    print("  " + note, file=out)
    for goal, measured, verdict in goals(result):
        print("  [%s] %-55s measured: %s" % (verdict, goal, measured), file=out)
    print("", file=out)
    out.flush()


def scenarios(scale, only=None):
    """``[(name, callable)]`` of the scenarios at ``scale``."""
    out = []
    orders = scaled(200000, scale, 2000)
    if not only or "orders" in only:
        for open_count in (100, 1000, 10000):
            out.append(("orders-quiet", lambda o=scaled(open_count, scale, 10):
                        orders_quiet(orders, o)))
        for open_count in (1000, 10000):
            out.append(("orders-busy", lambda o=scaled(open_count, scale, 20):
                        orders_busy(orders, o, completing=scaled(500, scale, 10))))
    if not only or "subscriptions" in only:
        out.append(("subscriptions", lambda: subscriptions(scaled(100000, scale, 1000),
                                                           scaled(1000, scale, 10))))
    if not only or "xvantage" in only:
        out.append(("xvantage", lambda: xvantage(scaled(20000, scale, 200),
                                                 new=scaled(200, scale, 10))))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply every size by this (e.g. 0.1 for a quick run)")
    parser.add_argument("--only", nargs="+", choices=("orders", "subscriptions", "xvantage"))
    args = parser.parse_args(argv)
    print("sensor scaling at scale %g, request budget %d per poll\n" % (args.scale, BUDGET))
    failed = 0
    started = time.time()
    for name, run in scenarios(args.scale, args.only):
        t0 = time.time()
        result = run()
        report(result)
        print("  (%s took %.0f s)\n" % (name, time.time() - t0))
        failed += sum(1 for _, _, verdict in goals(result) if verdict == "FAIL")
    print("%d goal(s) failed; %.0f s in all" % (failed, time.time() - started))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
