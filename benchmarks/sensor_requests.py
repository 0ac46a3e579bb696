"""HTTP requests per OrderSensor poll, against the emulator, by order-history size.

    python benchmarks/sensor_requests.py [--orders 20000 2000] [--open 100] [--polls 5]
    python benchmarks/sensor_requests.py --xvantage 300 100   # invoice and renewal sensors

For each history size it reports the requests of the first (baseline) poll, of a quiet
poll (nothing changed), and of a busy poll (new orders and status changes), the size of
the sensor state, and what a naive full scan costs: walking every page of ``/orders`` and
``GET /orders/{id}`` for each open order. Counts, not times: the API's budget is counted
in requests (about 60 a minute).
"""

import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for entry in (ROOT, os.path.join(ROOT, "actions", "lib")):
    if entry not in sys.path:
        sys.path.insert(0, entry)

from runner import config as pack_config, execute, standins  # noqa: E402
from runner.datastore import Datastore  # noqa: E402
from runner.emulated import emulator_config  # noqa: E402

standins.install()

from emulator import EmulatorServer  # noqa: E402
from emulator.marketplace import orders as emu_orders  # noqa: E402
from ingram_lib.core.config import marketplace_settings  # noqa: E402
from ingram_lib.marketplace.client import MarketplaceClient  # noqa: E402


def _orders_requests(emulator):
    return emulator.request_count(api="marketplace", method="GET")


def _place(emulator, count):
    state = emulator.marketplace.state
    product = [p for p in state.products.values()
               if p["name"].startswith("Office 365 E3 (legacy")][0]
    customer = list(state.customers.values())[0]["id"]
    for _ in range(count):
        emu_orders.create(state, {"type": "sales", "customerId": customer,
                                  "products": [{"id": product["id"], "quantity": 1}]})


def naive_scan_requests(config, emulator):
    """Every page of /orders, then one GET per open order: what a stateless poll costs."""
    client = MarketplaceClient(marketplace_settings(config, "default"))
    client.authenticate()
    before = _orders_requests(emulator)
    open_ids = [row["id"] for row in client.paginate("/orders", page_size=500)
                if row.get("status") in ("submitted", "processing")]
    for order_id in open_ids:
        client.get(client.path("/orders/{id}", id=order_id))
    return _orders_requests(emulator) - before


def measure(total, open_count, quiet_polls=5, naive=True):
    server = EmulatorServer(port=0).start()
    try:
        emulator = server.emulator
        emulator.clock.freeze()
        emu_orders.bulk(emulator.marketplace.state, total - len(emulator.marketplace.state.orders),
                        open_count)
        config = pack_config.prepare(emulator_config(server.url))
        store = Datastore(":memory:")
        sensor, service = execute.make_sensor("order_sensor", config, store, strict=True)
        sensor.clock = emulator.clock.now
        sensor.setup()

        def one_poll():
            before = _orders_requests(emulator)
            sensor.poll()
            assert sensor.last_poll["default"]["ok"], sensor.last_poll
            return _orders_requests(emulator) - before

        result = {"orders": len(emulator.marketplace.state.orders),
                  "open": len(emu_orders.book(emulator.marketplace.state)
                              .by_status["processing"]),
                  "baseline": one_poll()}
        quiet = [one_poll() for _ in range(quiet_polls)]
        result["quiet_max"] = max(quiet)
        result["quiet_mean"] = sum(quiet) / float(len(quiet))
        # Busy: 10 new orders, and 5 of the earlier ones completing in the same poll.
        _place(emulator, 5)
        one_poll()
        emulator.clock.advance(5)
        one_poll()
        _place(emulator, 10)
        emulator.clock.advance(60)
        dispatched = len(service.dispatched)
        result["busy"] = one_poll()
        result["busy_events"] = len(service.dispatched) - dispatched
        result["state_chars"] = sum(len(store.get(k) or "")
                                    for k in store.names("ingram_micro.sensor."))
        if naive:
            result["naive"] = naive_scan_requests(config, emulator)
        sensor.cleanup()
        return result
    finally:
        server.stop()


def measure_xvantage_documents(orders, renewals, quiet_polls=3):
    """Requests per poll of the invoice and renewal sensors, with about ``orders`` orders
    invoiced in the last two days and ``renewals`` renewals due in the next 30: the first
    (baseline) poll, a quiet poll, a busy one (new invoices / renewals), and the polls one
    sweep takes at the default page cap."""
    from emulator.xvantage import renewals as emu_renewals
    server = EmulatorServer(port=0).start()
    try:
        emulator = server.emulator
        emulator.clock.freeze()
        now = emulator.clock.now()
        emulator.xvantage.bulk_create(orders, start=now - 2 * 86400, end=now - 8 * 3600,
                                      prefix="INV")
        book = emu_renewals.book(emulator.xvantage.store)
        for i in range(renewals):
            book.add(1 + i % 30)
        config = pack_config.prepare(emulator_config(server.url))
        out = {}
        for name, busy in (("xvantage_invoice_sensor", lambda: _invoiced(emulator)),
                           ("xvantage_renewal_sensor", lambda: [book.add(5 + i)
                                                                for i in range(10)])):
            store = Datastore(":memory:")
            sensor, service = execute.make_sensor(name, config, store, strict=True)
            sensor.clock = emulator.clock.now
            sensor.log.setLevel("ERROR")            # "sweep is behind" is expected here
            sensor.setup()

            def one_poll():
                # A poll interval apart, so the per-minute rate allows a full poll.
                emulator.clock.advance(61)
                sensor.poll()
                assert sensor.last_poll["default"]["ok"], sensor.last_poll
                return sensor.last_poll["default"]["requests"]
            result = {"baseline": one_poll()}
            lag = list(sensor.last_poll["default"]["lag"].values())[0]
            result["polls_per_sweep"] = lag["polls_needed"]
            while not sensor.last_stats["default"]["sweep_complete"]:
                one_poll()
            quiet = [one_poll() for _ in range(quiet_polls * lag["polls_needed"])]
            result["quiet_max"] = max(quiet)
            busy()
            dispatched = len(service.dispatched)
            result["busy"] = one_poll()
            while not sensor.last_stats["default"]["sweep_complete"]:
                result["busy"] = max(result["busy"], one_poll())
            result["busy_events"] = len(service.dispatched) - dispatched
            result["state_chars"] = sum(len(store.get(k) or "")
                                        for k in store.names("ingram_micro.sensor."))
            sensor.cleanup()
            out[name] = result
        return out
    finally:
        server.stop()


def _invoiced(emulator):
    """Ten new orders, shipped (invoiced) seven hours later."""
    now = emulator.clock.now()
    emulator.xvantage.bulk_create(10, start=now - 60, end=now, prefix="BUSY")
    emulator.clock.advance(7 * 3600)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, nargs="+", default=[20000, 2000])
    parser.add_argument("--open", type=int, default=100)
    parser.add_argument("--polls", type=int, default=5)
    parser.add_argument("--xvantage", type=int, nargs=2, metavar=("ORDERS", "RENEWALS"),
                        help="measure the Xvantage invoice and renewal sensors instead")
    args = parser.parse_args(argv)
    if args.xvantage:
        print("%-24s %9s %6s %10s %14s %12s" % ("sensor", "baseline", "sweep", "quiet max",
                                                "busy (events)", "state chars"))
        for name, r in sorted(measure_xvantage_documents(*args.xvantage).items()):
            print("%-24s %9d %6d %10d %8d (%3d) %12d" % (
                name, r["baseline"], r["polls_per_sweep"], r["quiet_max"], r["busy"],
                r["busy_events"], r["state_chars"]))
        return 0
    header = ("orders", "open", "baseline", "quiet max", "quiet mean", "busy (events)",
              "state chars", "naive scan")
    print("%8s %6s %9s %10s %11s %14s %12s %11s" % header)
    for total in args.orders:
        r = measure(total, args.open, args.polls)
        print("%8d %6d %9d %10d %11.1f %8d (%3d) %12d %11d" % (
            r["orders"], r["open"], r["baseline"], r["quiet_max"], r["quiet_mean"],
            r["busy"], r["busy_events"], r["state_chars"], r["naive"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
