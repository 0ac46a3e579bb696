"""Process time of one ``xvantage_get_order`` run: the pack's runner vs the official SDK.

Both sides are fresh Python processes doing one order-details call against the same local
emulator, as a StackStorm action run would be:

  runner:  python3 -m runner --config <tmp>/config.yaml --datastore <tmp>/datastore.sqlite3 \\
               action xvantage_get_order ingramOrderNumber=<number>
           (the datastore is warmed first, so the cached token is reused, as in production)
  SDK:     ACCESS_TOKEN=<token> python3 <tmp>/sdk_get_order.py <emulator url> <number>
           (xi.sdk.resellers OrdersApi.get_orderdetails_v6_1 with a ready token)

Run it from the pack root:

  python3 benchmarks/xvantage_get_order.py [--runs 9]

It prints the median wall-clock and CPU (user+sys) time of each side and the ratio
runner/SDK; the goal is <= 0.5. Where the time goes: ``python3 -X importtime -m runner ...``.
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

SDK_SCRIPT = '''
import os, sys, uuid
import xi.sdk.resellers as sdk
config = sdk.Configuration(host=sys.argv[1], access_token=os.environ["ACCESS_TOKEN"])
api = sdk.OrdersApi(sdk.ApiClient(config))
order = api.get_orderdetails_v6_1(sys.argv[2], "20-222222", "US", uuid.uuid4().hex,
                                  im_sender_id="st2-ingram-micro")
print(order.to_json())
'''


def timed(command, env=None):
    """``(wall seconds, cpu seconds, stdout)`` of one subprocess."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise SystemExit("command failed: %s\n%s" % (" ".join(command), done.stderr))
    return wall, cpu, done.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    try:
        import xi.sdk.resellers  # noqa: F401
    except ImportError:
        raise SystemExit("pip install 'xi.sdk.resellers>=1.3,<2' first")
    import httpx
    import yaml

    from emulator import EmulatorServer
    from runner.emulated import emulator_config

    with EmulatorServer(port=0) as server, tempfile.TemporaryDirectory() as tmp:
        number = server.emulator.xvantage.bulk_create(1, prefix="BENCH")[0]
        config_path = os.path.join(tmp, "config.yaml")
        with open(config_path, "w") as handle:
            yaml.safe_dump(emulator_config(server.url), handle)
        sdk_path = os.path.join(tmp, "sdk_get_order.py")
        with open(sdk_path, "w") as handle:
            handle.write(SDK_SCRIPT)
        token = httpx.post(server.url + "/oauth/oauth20/token", data={
            "grant_type": "client_credentials", "client_id": "emulator-client",
            "client_secret": "emulator-client-secret"}).json()["access_token"]
        runner = [sys.executable, "-m", "runner", "--config", config_path, "--datastore",
                  os.path.join(tmp, "datastore.sqlite3"), "action", "xvantage_get_order",
                  "ingramOrderNumber=" + number]
        sdk = [sys.executable, sdk_path, server.url, number]
        sdk_env = dict(os.environ, ACCESS_TOKEN=token)

        timed(runner)  # warms the datastore (token) and the OS caches
        timed(sdk, sdk_env)
        results = {"runner": [], "sdk": []}
        for _ in range(args.runs):
            wall, cpu, out = timed(runner)
            assert number in out
            results["runner"].append((wall, cpu))
            wall, cpu, out = timed(sdk, sdk_env)
            assert number in out
            results["sdk"].append((wall, cpu))
        tokens_issued = server.emulator.xvantage.auth.issued

    medians = {}
    for side, rows in results.items():
        medians[side] = (statistics.median(r[0] for r in rows),
                         statistics.median(r[1] for r in rows))
        print("%-7s median wall %6.3f s   median cpu %6.3f s   (%d runs)"
              % (side, medians[side][0], medians[side][1], len(rows)))
    ratio = medians["runner"][0] / medians["sdk"][0]
    print("ratio runner/SDK (wall): %.2f  (goal <= 0.5)" % ratio)
    print("ratio runner/SDK (cpu):  %.2f" % (medians["runner"][1] / medians["sdk"][1]))
    print("tokens issued: %d (1 for the runner's warm-up, 1 for the SDK)" % tokens_issued)
    return 0 if ratio <= 0.5 else 1


if __name__ == "__main__":
    sys.exit(main())
