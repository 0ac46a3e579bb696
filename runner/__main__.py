"""Run the ingram_micro pack's actions and sensors without StackStorm.

  python -m runner list
  python -m runner action list_customers name=Contoso all_pages=true
  python -m runner sensor order_sensor --polls 3 --interval 5
  python -m runner --config my.yaml sensor xvantage_webhook_sensor --seconds 60
  python -m runner demo

Without --config the pack runs against the local emulator: the one listening on
127.0.0.1:8470 (``python -m emulator``), or else one started inside this process.
"""

import argparse
import json
import logging
import os
import sys

from . import config as pack_config, execute, loader
from .datastore import Datastore, DatastoreError
from .emulated import DEFAULT_URL, EmbeddedEmulator, emulator_config
from .params import ParameterValidationError


def _datastore(path, key_path=None):
    path = path or os.environ.get("INGRAM_MICRO_DATASTORE") or os.path.join(
        os.path.expanduser("~"), ".ingram_micro", "datastore.sqlite3")
    if path != ":memory:":
        # The datastore holds live API tokens: private to the user, like ~/.ssh.
        folder = os.path.dirname(os.path.abspath(path))
        os.makedirs(folder, mode=0o700, exist_ok=True)
    return Datastore(path, key_path=key_path)


def _print(obj):
    print(json.dumps(obj, indent=2, sort_keys=True, default=str))


def cmd_list(args):
    for name in loader.action_names():
        print("action  %-40s %s" % (name, loader.action_meta(name).get("description", "")))
    for name, meta in loader.sensor_metas().items():
        print("sensor  %-40s %s" % (name, meta.get("description", "")))
    return 0


def _with_config(args, work):
    config_path = args.config or os.environ.get("INGRAM_MICRO_CONFIG")
    if config_path:
        return work(pack_config.load_file(config_path))
    with EmbeddedEmulator(args.emulator) as emu:
        if emu.server is not None:
            print("(no --config: using an embedded emulator at %s)" % emu.url, file=sys.stderr)
        return work(pack_config.prepare(emulator_config(emu.url)))


def cmd_action(args):
    meta = loader.action_meta(args.name)
    given = execute.params.parse_cli(args.params, meta.get("parameters") or {})
    store = _datastore(args.datastore, args.datastore_key)

    def work(config):
        outcome = execute.run_action(args.name, given, config, store)
        _print(outcome.result)
        return 0 if outcome.succeeded else 1
    return _with_config(args, work)


def describe_trigger(trigger, payload):
    """One line a person can scan: which object, and what happened to it."""
    p = payload or {}
    what = p.get("orderNumber") or p.get("order_number") or p.get("name") or ""
    line = "%-40s %s %s %s" % (trigger, p.get("account", ""), p.get("id", ""), what)
    if "previous_status" in p:
        old = "/".join(str(v) for v in (p.get("previous_status"), p.get("previous_statusCode"))
                       if v is not None) if "previous_statusCode" in p else p["previous_status"]
        new = "/".join(str(v) for v in (p.get("status"), p.get("statusCode"))
                       if v is not None) if "statusCode" in p else p.get("status")
        line += ": %s -> %s" % (old, new)
    elif "days_left" in p:
        line += ": expires %s (in %s days)" % (p.get("expirationDate"), p.get("days_left"))
    elif p.get("kind"):
        line += ": %s" % p["kind"]
    elif p.get("status"):
        line += ": %s%s" % (p.get("type") + " " if p.get("type") else "", p["status"])
    return line.rstrip()


def cmd_sensor(args):
    store = _datastore(args.datastore, args.datastore_key)

    def show(trigger, payload):
        if args.json:
            print(json.dumps({"trigger": trigger, "payload": payload}, sort_keys=True,
                             default=str))
        else:
            print(describe_trigger(trigger, payload))
            print("    " + json.dumps(payload, sort_keys=True, default=str))
        sys.stdout.flush()

    def polled(number, sensor):
        if not getattr(sensor, "active", True):
            print("poll %d/%d: standby, another copy of the sensor holds the lease"
                  % (number, args.polls), file=sys.stderr)
        for account, outcome in sorted(getattr(sensor, "last_poll", {}).items()):
            state = "ok" if outcome.get("ok") else "failed: %s" % outcome.get("error")
            print("poll %d/%d, account %s: %d request(s), %d trigger(s), %s"
                  % (number, args.polls, account, outcome.get("requests", 0),
                     outcome.get("dispatched", 0), state), file=sys.stderr)
            for sweep, lag in sorted((outcome.get("lag") or {}).items()):
                print("    %s: pass needs %d poll(s), %d poll(s) behind, %d pending"
                      % (sweep, lag["polls_needed"], lag["polls_behind"], lag["pending"]),
                      file=sys.stderr)
        sys.stderr.flush()

    def work(config):
        service = execute.run_sensor(args.name, config, store, polls=args.polls,
                                     interval=args.interval, on_dispatch=show,
                                     on_poll=polled, seconds=args.seconds)
        print("%d trigger(s) dispatched, %d dropped as invalid"
              % (len(service.dispatched), len(service.dropped)), file=sys.stderr)
        return 1 if service.dropped else 0
    return _with_config(args, work)


def cmd_demo(args):
    from .demo import run_demo
    if not args.verbose:
        # Expected failures are part of the scenario; their error logs would only be noise.
        logging.getLogger().setLevel(logging.CRITICAL)
    return run_demo(_datastore(":memory:"))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m runner", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", help="pack config YAML (default: the local emulator's)")
    parser.add_argument("--emulator", default=DEFAULT_URL,
                        help="emulator URL to use when no --config is given")
    parser.add_argument("--datastore", help="SQLite datastore file (default "
                        "~/.ingram_micro/datastore.sqlite3; ':memory:' for none)")
    parser.add_argument("--datastore-key", help="key file that encrypts the datastore's "
                        "secrets (default: $INGRAM_MICRO_DATASTORE_KEY, else the datastore "
                        "file + '.key'; created with mode 0600)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log HTTP requests")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("list", help="list actions and sensors")
    p_action = sub.add_parser("action", help="run an action")
    p_action.add_argument("name")
    p_action.add_argument("params", nargs="*", metavar="key=value")
    p_sensor = sub.add_parser("sensor", help="run a sensor for N polls (a passive one for "
                              "N seconds), printing triggers")
    p_sensor.add_argument("name")
    p_sensor.add_argument("--polls", type=int, default=1)
    p_sensor.add_argument("--interval", type=float, default=None,
                          help="seconds between polls (default: the sensor's poll_interval)")
    p_sensor.add_argument("--seconds", type=float, default=None,
                          help="how long a passive sensor (e.g. xvantage_webhook_sensor) "
                          "serves before it is stopped (default: until Ctrl-C)")
    p_sensor.add_argument("--json", action="store_true",
                          help="print each trigger as one JSON line instead of a summary")
    sub.add_parser("demo", help="a short scenario through the pack's actions on the emulator")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if args.command is None:
        parser.print_help()
        return 2
    handlers = {"list": cmd_list, "action": cmd_action, "sensor": cmd_sensor,
                "demo": cmd_demo}
    try:
        return handlers[args.command](args)
    except (ParameterValidationError, pack_config.ConfigValidationError, LookupError,
            DatastoreError) as exc:
        print("error: %s" % exc, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
