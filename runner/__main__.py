"""Run the ingram_micro pack's actions and sensors without StackStorm.

  python -m runner list
  python -m runner action create_order --help
  python -m runner action list_customers name=Contoso all_pages=true
  python -m runner sensor order_sensor --polls 3 --interval 5
  python -m runner --config my.yaml sensor xvantage_webhook_sensor --seconds 60
  python -m runner demo

Without --config the pack runs against the local emulator: the one listening on
127.0.0.1:8470 (python -m emulator), or else one started for this run only, whose
state is gone when the run ends. An action's result is JSON on stdout; progress and
problems go to stderr. Exit codes: 0 success, 1 the action failed, 2 a bad name, value or
file, 130 interrupted, 141 stdout closed early.
"""

import argparse
import json
import logging
import os
import sqlite3
import sys
import traceback

from . import PACK_REF, config as pack_config, console, describe, execute, loader, workflow
from .console import CommandError, StdoutClosed
from .datastore import Datastore, DatastoreError
from .emulated import DEFAULT_URL, EmbeddedEmulator, embedded_notice, emulator_config
from .params import ParameterValidationError


def _datastore(path, key_path=None):
    path = path or os.environ.get("INGRAM_MICRO_DATASTORE") or os.path.join(
        os.path.expanduser("~"), ".ingram_micro", "datastore.sqlite3")
    try:
        if path != ":memory:":
            # The datastore holds live API tokens: private to the user, like ~/.ssh.
            folder = os.path.dirname(os.path.abspath(path))
            os.makedirs(folder, mode=0o700, exist_ok=True)
        return Datastore(path, key_path=key_path)
    except (OSError, sqlite3.Error) as exc:
        raise CommandError("cannot open the datastore %s: %s"
                           % (path, getattr(exc, "strerror", None) or exc))


def _print(obj):
    console.out(json.dumps(obj, indent=2, sort_keys=True, default=str))


def cmd_list(args):
    for line in describe.list_lines():
        console.out(line)
    return 0


def _with_config(args, work):
    if args.config:
        return work(console.read_config(args.config))
    if os.environ.get("INGRAM_MICRO_CONFIG"):
        return work(console.read_config(os.environ["INGRAM_MICRO_CONFIG"],
                                        "INGRAM_MICRO_CONFIG"))
    with EmbeddedEmulator(args.emulator) as emu:
        if emu.server is not None:
            console.err(embedded_notice(args.emulator, emu.url))
        return work(pack_config.prepare(emulator_config(emu.url)))


def _action_meta(name):
    names = loader.action_names()
    if name not in names:
        raise CommandError(describe.unknown("action", name, names))
    return loader.action_meta(name)


def _responder(text):
    """Answers a workflow's inquiries (core.ask): with --respond's JSON, else by asking on
    the terminal, else (no terminal) nobody answers and the inquiry times out."""
    if text is not None:
        try:
            answer = json.loads(text)
        except ValueError as exc:
            raise CommandError("--respond must be a JSON object: %s" % exc)
        if not isinstance(answer, dict):
            raise CommandError("--respond must be a JSON object, such as {\"approved\": true}")
        return lambda inquiry: answer

    def ask(inquiry):
        if not sys.stdin.isatty():
            console.err("task %s asks for a response and there is no terminal: the inquiry "
                        "times out (--respond JSON answers it)" % inquiry["task"])
            return None
        console.err("task %s asks (schema: %s)" % (
            inquiry["task"], json.dumps(inquiry["schema"], sort_keys=True)))
        text = input("response as JSON (empty: no answer, the inquiry times out): ").strip()
        return json.loads(text) if text else None
    return ask


def cmd_action(args):
    if args.name is None:
        console.err("usage: python -m runner action NAME [key=value ...]   "
                    "(python -m runner list shows the names; NAME --help its parameters)")
        return console.EXIT_USAGE
    meta = _action_meta(args.name)
    if args.help:
        console.out(describe.action_help(args.name))
        return 0
    given = execute.params.parse_cli(args.params, meta.get("parameters") or {})
    orquesta = meta.get("runner_type") == "orquesta" and workflow.available()
    if not describe.runs_here(meta) and not orquesta:
        raise CommandError("%s is %s: only StackStorm runs it (st2 run %s.%s)" % (
            args.name, describe.why_st2_only(meta), PACK_REF, args.name))
    responder = _responder(args.respond)
    store = _datastore(args.datastore, args.datastore_key)

    def work(config):
        with console.action_log(args.verbose):
            if orquesta:
                outcome = workflow.run_workflow(args.name, given, config, store,
                                                responder=responder)
            else:
                outcome = execute.run_action(args.name, given, config, store)
        try:
            _print(outcome.result)
        except StdoutClosed:
            raise StdoutClosed("the action %s before its result could be written"
                               % ("succeeded" if outcome.succeeded else "failed"))
        return 0 if outcome.succeeded else console.EXIT_FAILED
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


def _sensor_name(name):
    metas = loader.sensor_metas()
    classes = [m.get("class_name") for m in metas.values()]
    if name not in metas and name not in classes:
        raise CommandError(describe.unknown("sensor", name, sorted(metas)))


def cmd_sensor(args):
    _sensor_name(args.name)
    store = _datastore(args.datastore, args.datastore_key)

    def show(trigger, payload):
        if args.json:
            console.out(json.dumps({"trigger": trigger, "payload": payload}, sort_keys=True,
                                   default=str))
        else:
            console.out(describe_trigger(trigger, payload))
            console.out("    " + json.dumps(payload, sort_keys=True, default=str))

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
    # Its own -h: the action's parameters, read from its YAML, not argparse's usage.
    p_action = sub.add_parser("action", help="run an action (NAME --help: its parameters)",
                              add_help=False)
    p_action.add_argument("-h", "--help", action="store_true",
                          help="show the action's description and parameters")
    p_action.add_argument("--respond", metavar="JSON", help="the response to every inquiry "
                          "(core.ask) of a workflow, e.g. '{\"approved\": true}'")
    p_action.add_argument("name", nargs="?")
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
        return console.EXIT_USAGE
    handlers = {"list": cmd_list, "action": cmd_action, "sensor": cmd_sensor,
                "demo": cmd_demo}
    try:
        return handlers[args.command](args)
    except (CommandError, ParameterValidationError, pack_config.ConfigValidationError,
            LookupError, DatastoreError, workflow.WorkflowError) as exc:
        console.err("error: %s" % exc)
        return getattr(exc, "code", console.EXIT_USAGE)
    except StdoutClosed as exc:
        console.drop_stdout()
        console.err("error: stdout was closed before all output was written (its reader, "
                    "e.g. head, exited)%s" % ("; %s" % exc if str(exc) else ""))
        return console.EXIT_STDOUT_CLOSED
    except KeyboardInterrupt:
        console.err("interrupted")
        return console.EXIT_INTERRUPTED
    except Exception as exc:
        # A bug in the runner or the pack: one line by default, the traceback with -v.
        if args.verbose:
            traceback.print_exc()
        console.err("error: the runner failed: %s: %s%s" % (
            type(exc).__name__, exc, "" if args.verbose else " (-v shows the traceback)"))
        return console.EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
