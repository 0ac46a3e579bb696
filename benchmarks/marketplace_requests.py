"""Requests and memory of the Marketplace client, measured against a local emulator.

    python3 benchmarks/marketplace_requests.py [--runs 5] [--rows 10000]

(a) Runs ``get_customer`` several times through ``python -m runner`` as separate processes
    sharing one datastore file: after the first run the token comes from the datastore, so
    each run costs exactly one HTTP request.
(b) Bulk-creates customers and walks them with the streaming paginator: one request per
    500 rows, and peak memory that does not grow with the number of pages (compared with
    walking the first 1,000 rows).

Prints a table and exits 1 when a goal is missed. The emulator runs in its own process so
that only the client's allocations are traced.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for _path in (ROOT, os.path.join(ROOT, "actions", "lib")):
    if _path not in sys.path:
        sys.path.insert(0, _path)

PAGE = 500
BULK_PREFIX = "Bulk customer"
# Peak memory walking all rows may exceed walking 1,000 of them by at most this factor.
FLAT_FACTOR = 1.25


# -- emulator control (plain HTTP, so the same code works in- and out-of-process) ----------

def control(url, path, body=None, method=None):
    data = json.dumps(body).encode("utf-8") if body is not None else None
    request = urllib.request.Request(url + "/_emulator" + path, data=data, method=method or (
        "POST" if data is not None else "GET"), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        raw = response.read()
    return json.loads(raw) if raw else None


def request_total(url, route=None):
    rows = control(url, "/requests")["routes"]
    return sum(r["count"] for r in rows if route is None or r["route"] == route)


def bulk_customers(url, count):
    return control(url, "/marketplace/customers/bulk", {"count": count})


class EmulatorProcess(object):
    """``python -m emulator --port 0`` in a child process; its URL is read from stdout."""

    def __enter__(self):
        self.proc = subprocess.Popen([sys.executable, "-m", "emulator", "--port", "0"],
                                     cwd=ROOT, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        first = self.proc.stdout.readline().strip()
        if "http://" not in first:
            self.proc.kill()
            raise RuntimeError("emulator did not start: %r" % first)
        self.url = first[first.index("http://"):].split("/marketplace/")[0]
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(timeout=10)


# -- (a) requests per runner execution ----------------------------------------------------

def runner_requests(url, runs=5, customer_id="1000001", datastore=None):
    """HTTP requests each ``python -m runner action get_customer`` run costs."""
    tmp = None
    if datastore is None:
        tmp = tempfile.TemporaryDirectory()
        datastore = os.path.join(tmp.name, "datastore.sqlite3")
    env = {k: v for k, v in os.environ.items()
           if k not in ("INGRAM_MICRO_CONFIG", "INGRAM_MICRO_DATASTORE")}
    counts = []
    try:
        for _ in range(runs):
            before = request_total(url)
            proc = subprocess.run(
                [sys.executable, "-m", "runner", "--emulator", url, "--datastore", datastore,
                 "action", "get_customer", "customerId=%s" % customer_id],
                cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
            if proc.returncode != 0:
                raise RuntimeError("runner failed: %s %s" % (proc.stdout, proc.stderr))
            counts.append(request_total(url) - before)
    finally:
        if tmp is not None:
            tmp.cleanup()
    return counts


# -- (b) pagination -----------------------------------------------------------------------

def client_for(url):
    from ingram_lib.core.config import marketplace_settings
    from ingram_lib.marketplace.client import MarketplaceClient
    from runner import config as pack_config
    from runner.emulated import emulator_config
    return MarketplaceClient(marketplace_settings(pack_config.prepare(emulator_config(url))))


def walk(client, name_filter, trace=False):
    """Streams every matching customer without keeping rows; returns (rows, peak bytes)."""
    if trace:
        tracemalloc.reset_peak()
        start = tracemalloc.get_traced_memory()[0]
    rows = 0
    for _ in client.paginate("/customers", {"name": name_filter}, page_size=PAGE):
        rows += 1
    peak = tracemalloc.get_traced_memory()[1] - start if trace else None
    return rows, peak


def pagination_requests(url, rows, client=None):
    """GET /customers requests needed to walk ``rows`` bulk customers (created here)."""
    bulk_customers(url, rows)
    client = client or client_for(url)
    client.authenticate()
    before = request_total(url, "/customers")
    seen, _ = walk(client, BULK_PREFIX)
    return seen, request_total(url, "/customers") - before


def pagination_memory(url):
    """Peak traced bytes walking the first 1,000 bulk customers (names ``... 000xxx``) and
    all ``rows`` of them, with the same warmed-up client."""
    client = client_for(url)
    small_filter = BULK_PREFIX + " 000"
    walk(client, small_filter)  # warm-up: imports, connection pool, token
    tracemalloc.start()
    try:
        small_rows, small_peak = walk(client, small_filter, trace=True)
        big_rows, big_peak = walk(client, BULK_PREFIX, trace=True)
    finally:
        tracemalloc.stop()
    return (small_rows, small_peak), (big_rows, big_peak)


# -- report -------------------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runner executions (a)")
    parser.add_argument("--rows", type=int, default=10000, help="bulk customers (b)")
    args = parser.parse_args(argv)
    results = []  # (measure, value, goal, ok)
    started = time.time()
    with EmulatorProcess() as emulator:
        counts = runner_requests(emulator.url, args.runs)
        results.append(("runner get_customer: requests per run",
                        ",".join(str(c) for c in counts), "2 then 1",
                        counts[0] <= 2 and all(c == 1 for c in counts[1:])))
        rows, requests = pagination_requests(emulator.url, args.rows)
        pages = -(-args.rows // PAGE)
        results.append(("paginate %d customers: rows seen" % args.rows, str(rows),
                        str(args.rows), rows == args.rows))
        results.append(("paginate %d customers: GET requests" % args.rows, str(requests),
                        str(pages), requests == pages))
        (small_rows, small_peak), (big_rows, big_peak) = pagination_memory(emulator.url)
        results.append(("peak memory walking %d rows" % small_rows,
                        "%.2f MiB" % (small_peak / 2.0 ** 20), "-", True))
        ratio = big_peak / float(small_peak)
        results.append(("peak memory walking %d rows" % big_rows,
                        "%.2f MiB (x%.2f)" % (big_peak / 2.0 ** 20, ratio),
                        "<= x%.2f" % FLAT_FACTOR, ratio <= FLAT_FACTOR and big_rows == args.rows))
    width = max(len(r[0]) for r in results)
    print("%-*s  %-20s  %-10s  %s" % (width, "measure", "value", "goal", "ok"))
    for measure, value, goal, ok in results:
        print("%-*s  %-20s  %-10s  %s" % (width, measure, value, goal, "yes" if ok else "NO"))
    print("(%.1f s)" % (time.time() - started))
    return 0 if all(r[3] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
