"""The pack's sensors in processes started as StackStorm's sensor container starts them,
against the emulator; see ``sensor_boot.py`` for what runs inside each process.

``run_sensor_scenarios(server)`` runs all the pack's sensors in parallel through one scenario and
returns what st2's dispatcher accepted, per trigger ref; ``shared_run()`` does it once per
session (on an emulator of its own) and keeps the details, and the session fixture
``st2_sensor_payloads`` hands its payloads to any test module that imports it.
"""

import base64
import collections
import datetime
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import types
import uuid
from unittest import mock

import pytest
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
PACK_ROOT = os.path.dirname(os.path.dirname(HERE))
PACK = "ingram_micro"
BOOT_SCRIPT = os.path.join(HERE, "sensor_boot.py")
# What "st2 pack install" puts into /opt/stackstorm/packs/<pack>.
PACK_CONTENT = ["pack.yaml", "config.schema.yaml", "requirements.txt", "icon.png",
                "actions", "sensors", "rules"]
# What st2's TriggerDispatcherService logs when it drops a payload.
DROP_MARKERS = ("Trigger payload validation failed", "not dispatching",
                "Failed to validate payload")
# What the pack logs when its own check (st2's, run before dispatching) refuses one.
REFUSALS = ("payload rejected",)

LOGGING_CONF = """\
[loggers]
keys=root,api0,api1,api2,api3

[handlers]
keys=consoleHandler,apiHandler

[formatters]
keys=simpleConsoleFormatter

[logger_root]
level=INFO
handlers=consoleHandler

[logger_api0]
level=INFO
handlers=apiHandler
propagate=0
qualname=st2.st2common.router

[logger_api1]
level=INFO
handlers=apiHandler
propagate=0
qualname=st2.st2common.middleware

[logger_api2]
level=INFO
handlers=apiHandler
propagate=0
qualname=st2.st2api

[logger_api3]
level=INFO
handlers=apiHandler
propagate=0
qualname=st2common.models.api.keyvalue

[handler_consoleHandler]
class=StreamHandler
level=INFO
formatter=simpleConsoleFormatter
args=(sys.stderr,)

[handler_apiHandler]
class=FileHandler
level=INFO
formatter=simpleConsoleFormatter
args=(%(api_log)r,)

[formatter_simpleConsoleFormatter]
class=st2common.logging.formatters.ConsoleLogFormatter
format=%%(asctime)s %%(levelname)s %%(name)s [-] %%(message)s
datefmt=
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sensor_definitions():
    """``{class_name: sensor YAML}`` of the pack's sensors."""
    out = {}
    sensors_dir = os.path.join(PACK_ROOT, "sensors")
    for name in sorted(os.listdir(sensors_dir)):
        if name.endswith(".yaml"):
            with open(os.path.join(sensors_dir, name)) as fh:
                meta = yaml.safe_load(fh)
            out[meta["class_name"]] = meta
    return out


def trigger_refs(meta):
    return ["%s.%s" % (PACK, t["name"]) for t in meta.get("trigger_types") or []]


class Site(object):
    """A StackStorm layout in a directory: packs/<pack> (what ``st2 pack install`` copies),
    base/configs/<pack>.yaml, a datastore key, and per sensor process (``node()``) an
    st2.conf and logging config. Each process holds its own database and API, so each gets
    its own API port."""

    def __init__(self, root, pack_config):
        self.root = root
        self.packs = os.path.join(root, "packs")
        self.base = os.path.join(root, "base")
        self.pack_dir = os.path.join(self.packs, PACK)
        self.key_path = os.path.join(root, "datastore_key.json")
        os.makedirs(self.pack_dir)
        os.makedirs(os.path.join(self.base, "configs"))
        os.makedirs(os.path.join(root, "system_packs"))
        os.makedirs(os.path.join(root, "cwd"))
        for name in PACK_CONTENT:
            src = os.path.join(PACK_ROOT, name)
            dst = os.path.join(self.pack_dir, name)
            if os.path.isdir(src):
                shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))
            elif os.path.exists(src):
                shutil.copy2(src, dst)
        with open(os.path.join(self.base, "configs", PACK + ".yaml"), "w") as fh:
            yaml.safe_dump(pack_config, fh, default_flow_style=False)
        from st2common.util.crypto import AESKey
        with open(self.key_path, "w") as fh:
            fh.write(AESKey.generate().to_json())

    def node(self, name):
        """Writes ``<name>.st2.conf`` (and its logging config); returns its path."""
        api_port = free_port()
        logging_conf = os.path.join(self.root, "%s.logging.conf" % name)
        with open(logging_conf, "w") as fh:
            fh.write(LOGGING_CONF % {"api_log": os.path.join(self.root, "%s.api.log" % name)})
        conf = os.path.join(self.root, "%s.st2.conf" % name)
        with open(conf, "w") as fh:
            fh.write("\n".join([
                "[database]",
                "db_name = st2",
                "[auth]",
                "enable = False",
                "api_url = http://127.0.0.1:%d/" % api_port,
                "[api]",
                "host = 127.0.0.1",
                "port = %d" % api_port,
                "[system]",
                "base_path = %s" % self.base,
                "validate_trigger_payload = True",
                "[content]",
                "system_packs_base_path = %s" % os.path.join(self.root, "system_packs"),
                "packs_base_paths = %s" % self.packs,
                "[sensorcontainer]",
                "logging = %s" % logging_conf,
                "[keyvalue]",
                "encryption_key_path = %s" % self.key_path,
                "[log]",
                "redirect_stderr = False",
                "",
            ]))
        return conf

    def sensor_object(self, meta):
        """The sensor dict ``SensorContainerManager._to_sensor_object`` builds from the
        registered sensor (``sensor_boot`` checks that it matches the registration)."""
        return {
            "pack": PACK,
            "file_path": os.path.join(self.pack_dir, "sensors", meta["entry_point"]),
            "class_name": meta["class_name"],
            "trigger_types": trigger_refs(meta),
            "poll_interval": meta.get("poll_interval"),
            "ref": "%s.%s" % (PACK, meta["class_name"]),
        }

    def command(self, meta, conf):
        """The command line ``ProcessSensorContainer`` builds for the sensor, with
        ``sensor_boot.py`` in place of ``sensor_wrapper.py``, the container having been
        started as ``st2sensorcontainer --config-file <conf>``."""
        from st2reactor.container.process_container import ProcessSensorContainer
        container = types.SimpleNamespace(_wrapper_script_path=BOOT_SCRIPT)
        with mock.patch.object(sys, "argv", ["st2sensorcontainer", "--config-file", conf]):
            return ProcessSensorContainer._get_args_for_wrapper_script(
                container, python_binary=sys.executable, sensor=self.sensor_object(meta))

    @staticmethod
    def environment(record_path):
        """The environment ``_spawn_sensor_process`` gives a sensor (a copy of the
        container's, PYTHONPATH from ``get_sandbox_python_path``), for a container started
        without a PYTHONPATH of its own; plus where ``sensor_boot`` records."""
        from st2common.util.sandboxing import get_sandbox_python_path
        env = os.environ.copy()
        env.pop("PYTHONPATH", None)
        with mock.patch.dict(os.environ, {"PYTHONPATH": ""}):
            env["PYTHONPATH"] = get_sandbox_python_path(inherit_from_parent=True,
                                                        inherit_parent_virtualenv=True)
        env["ST2_SENSOR_RECORD"] = record_path
        return env


class SensorProcess(object):
    def __init__(self, site, meta):
        self.site = site
        self.meta = meta
        self.name = meta["class_name"]
        self.record_path = os.path.join(site.root, "%s.jsonl" % self.name)
        self.stderr_path = os.path.join(site.root, "%s.log" % self.name)
        self.api_log_path = os.path.join(site.root, "%s.api.log" % self.name)
        self.conf = site.node(self.name)
        self.args = site.command(meta, self.conf)
        self.proc = None
        self.env = None
        self._stderr = None

    def start(self):
        open(self.record_path, "w").close()
        self._stderr = open(self.stderr_path, "wb")
        from st2common.util.shell import on_parent_exit
        # cwd: an empty directory, since the sandbox PYTHONPATH starts with ":" (the cwd).
        # As in the container, the sensor gets SIGTERM if this process dies.
        self.env = self.site.environment(self.record_path)
        self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL,
                                     stdout=self._stderr, stderr=subprocess.STDOUT,
                                     env=self.env,
                                     cwd=os.path.join(self.site.root, "cwd"),
                                     preexec_fn=on_parent_exit("SIGTERM"))
        return self

    def records(self, kind=None):
        out = []
        with open(self.record_path) as fh:
            for line in fh:
                if not line.endswith("\n"):
                    break  # being written
                item = json.loads(line)
                if kind is None or item["kind"] == kind:
                    out.append(item)
        return out

    def dispatched(self, trigger=None):
        return [(r["trigger"], r["payload"]) for r in self.records("dispatch")
                if trigger is None or r["trigger"] == trigger]

    def polls(self):
        return len(self.records("poll"))

    def poll_finished_after(self, trigger):
        """Whether a poll ended after the first dispatch of ``trigger``."""
        records = self.records()
        for i, item in enumerate(records):
            if item["kind"] == "dispatch" and item["trigger"] == trigger:
                return any(r["kind"] == "poll" for r in records[i + 1:])
        return False

    def log(self):
        with open(self.stderr_path, "rb") as fh:
            return fh.read().decode("utf-8", "replace")

    def api_log(self):
        if not os.path.exists(self.api_log_path):
            return ""
        with open(self.api_log_path, "rb") as fh:
            return fh.read().decode("utf-8", "replace")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None


def warnings_of(log):
    return [line for line in log.splitlines()
            if " WARNING " in line or " ERROR " in line or "Traceback" in line]


def report(processes, lines=15):
    """Per process: its warnings and errors, then the end of its log."""
    out = []
    for proc in processes:
        log = proc.log()
        out.append("--- %s (%d polls; exit %s) ---\nwarnings:\n%s\nlast lines:\n%s" % (
            proc.name, proc.polls(), proc.proc.poll() if proc.proc else None,
            "\n".join(warnings_of(log)[-10:]) or "(none)",
            "\n".join(log.splitlines()[-lines:])))
    return "\n".join(out)


class Deadline(object):
    def __init__(self, seconds):
        self.end = time.monotonic() + seconds
        self.seconds = seconds

    def wait_for(self, what, check, processes):
        """Polls ``check()`` until it is truthy. Fails, with each process's warnings and log
        tail, at the deadline, when a process exits, or as soon as st2 drops a payload."""
        while True:
            result = check()
            if result:
                return result
            for proc in processes:
                if proc.proc.poll() is not None:
                    raise AssertionError("%s exited while waiting for %s\n%s" % (
                        proc.name, what, report(processes)))
                dropped = [line for line in proc.log().splitlines()
                           if any(marker in line for marker in DROP_MARKERS + REFUSALS)]
                if dropped:
                    raise AssertionError("%s dropped a payload while waiting for %s:\n%s\n%s" % (
                        proc.name, what, "\n".join(dropped[:5]), report(processes)))
            if time.monotonic() > self.end:
                raise AssertionError("not within %ds: %s\n%s" % (
                    self.seconds, what, report(processes)))
            time.sleep(0.1)


# -- the scenario ----------------------------------------------------------------------------

WEBHOOK_SECRET = "st2-tier-webhook-secret"
WEBHOOK_PATH = "/xvantage/webhook"
POLL_INTERVAL = 4       # st2's minimum, which the pack enforces
# A part the emulator stocks in more than one warehouse: emptying one leaves a total > 0.
STOCK_PART, STOCK_WAREHOUSE = "TXSLM3", "20"
DEADLINE = 60


def sign(secret, event_id):
    """x-hub-signature as Ingram computes it: Base64(HMAC-SHA512(secret, eventId))."""
    digest = hmac.new(secret.encode("utf-8"), event_id.encode("utf-8"), hashlib.sha512)
    return base64.b64encode(digest.digest()).decode("ascii")


def pack_config(server, webhook_port):
    """The pack config file (``configs/ingram_micro.yaml``) pointing at the emulator; st2's
    registrar validates it against config.schema.yaml and applies nothing else."""
    from runner.emulated import emulator_config
    raw = emulator_config(server.url, region=server.emulator.marketplace.region)
    account = raw["accounts"]["default"]
    account.update({"max_retry_wait": 0.01, "read_timeout": 5, "connect_timeout": 2})
    account["xvantage"].update({"max_retry_wait": 0.01, "read_timeout": 5})
    raw["sensors"] = {
        "orders": {"poll_interval": POLL_INTERVAL, "emit_existing_on_first_run": True},
        "subscriptions": {"poll_interval": POLL_INTERVAL, "expiry_horizon_days": 30,
                          "emit_existing_on_first_run": True},
        "xvantage_orders": {"poll_interval": POLL_INTERVAL,
                            "emit_existing_on_first_run": True},
        # Invoices there at the first poll are recorded silently: the one the scenario's
        # order gets when it ships is the new one.
        "xvantage_invoices": {"poll_interval": POLL_INTERVAL},
        "xvantage_renewals": {"poll_interval": POLL_INTERVAL, "days_ahead": 30,
                              "emit_existing_on_first_run": True},
    }
    raw["xvantage_webhook"] = {"enabled": True, "host": "127.0.0.1", "port": webhook_port,
                               "path": WEBHOOK_PATH, "secret": WEBHOOK_SECRET}
    return raw


def async_create_event(event_id, customer_order_number, order_number):
    """A v7 asynchronous order-create result, as the Xvantage spec shows it."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    return [{
        "topic": "resellers/orders", "event": "IM::created", "eventTimeStamp": stamp,
        "eventId": event_id,
        "resource": {
            "eventType": "IM::async_order_create", "customerOrderNumber": customer_order_number,
            "orderSplit": False, "processedPartially": True, "purchaseOrderTotal": 290,
            "orders": [{"ingramOrderNumber": order_number, "ingramOrderDate": stamp[:10],
                        "orderTotal": 290, "currencyCode": "USD",
                        "lines": [{"subOrderNumber": order_number + "-11",
                                   "customerLineNumber": "001", "ingramLineNumber": "001",
                                   "lineStatus": "Backordered", "ingramPartNumber": "CD9807",
                                   "quantityOrdered": 1, "quantityBackOrdered": 1}]}],
            "rejectedLineItems": [{"customerLinenumber": "002", "ingramPartNumber": "XX0000",
                                   "rejectCode": "EN", "rejectReason": "SKU-NOTFOUND"}]},
    }]


def post_webhook(url, event):
    import httpx
    first = event[0] if isinstance(event, list) else event
    return httpx.post(url, content=json.dumps(event).encode("utf-8"), timeout=10,
                      headers={"Content-Type": "application/json",
                               "x-hub-signature": sign(WEBHOOK_SECRET, first["eventId"])})


def place_order(emulator, po):
    """A one-line sales order placed straight into the emulator's state (as POST /orders)."""
    from emulator.marketplace import orders as emu_orders
    state = emulator.marketplace.state
    customer = list(state.customers.values())[0]
    product = [p for p in state.products.values()
               if p["name"].startswith("Office 365 E3 (legacy")][0]
    return emu_orders.create(state, {"type": "sales", "customerId": customer["id"],
                                     "poNumber": po,
                                     "products": [{"id": product["id"], "quantity": 1}]})


def invoice_numbers(emulator, order_number=None):
    """Invoice numbers the emulator's invoice search can return now (of one order)."""
    from emulator.xvantage import invoices as emu_invoices
    now = emulator.clock.now()
    return {i.number for order in emulator.xvantage.store.all()
            if order_number is None or order.number == order_number
            for i in emu_invoices.invoices_of(order, now)}


def first_renewal_due(emulator):
    """The renewal that expires soonest from now on (the emulator seeds one 20 days out)."""
    from emulator.xvantage import renewals as emu_renewals
    now = emulator.clock.now()
    return min((r for r in emu_renewals.book(emulator.xvantage.store).all(now)
                if r.expires > now), key=lambda r: r.expires)


def swept(proc, sweep):
    """Whether a poll of a window-sweep sensor finished its sweep (so what it read is its
    baseline): nothing behind, nothing pending."""
    for poll in proc.records("poll"):
        outcome = (poll.get("last_poll") or {}).get("default") or {}
        lag = (outcome.get("lag") or {}).get(sweep)
        if outcome.get("ok") and lag and lag["polls_behind"] == 0 and lag["pending"] == 0:
            return True
    return False


def listening(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


class ScenarioRun(object):
    """What one run produced: ``payloads`` ({trigger ref: [payload, ...]} of the pack's
    triggers, as accepted by st2's dispatcher), the ids the scenario created (``ids``), and
    per sensor process its command line, records and log."""

    def __init__(self):
        self.payloads = collections.OrderedDict()
        self.ids = {}
        self.processes = {}
        self.webhook_answers = []
        self.seconds = None


class ProcessReport(object):
    def __init__(self, proc):
        self.name = proc.name
        self.args = list(proc.args)
        self.pythonpath = proc.env["PYTHONPATH"]
        self.records = proc.records()
        self.log = proc.log()
        self.api_log = proc.api_log()
        self.conf = proc.conf
        self.returncode = proc.proc.poll() if proc.proc is not None else None

    def of_kind(self, kind):
        return [r for r in self.records if r["kind"] == kind]


def _first(proc, trigger, **match):
    for ref, payload in proc.dispatched(trigger):
        if all(payload.get(k) == v for k, v in match.items()):
            return payload
    return None


def run_scenarios(server, workdir=None):
    """Starts each of the pack's sensors (one process per sensor YAML) as st2's sensor
    container would, then drives the emulator so that each of the pack's triggers fires.
    Every wait is bounded; the processes are always stopped.
    ``workdir`` (kept afterwards) holds the st2 layout, logs and records; by default a
    temporary directory, removed at the end."""
    root = workdir or tempfile.mkdtemp(prefix="st2-sensors-")
    try:
        return _run_scenarios(server, root)
    finally:
        if workdir is None:
            shutil.rmtree(root, ignore_errors=True)


def _run_scenarios(server, root):
    from emulator.marketplace import orders as emu_orders
    from emulator.xvantage import catalog

    started = time.monotonic()
    emulator = server.emulator
    run = ScenarioRun()
    webhook_port = free_port()
    site = Site(root, pack_config(server, webhook_port))

    # Before the sensors start: one Marketplace order that stays open (EMU-HOLD keeps it in
    # processing for months), one subscription inside the expiry horizon and the others well
    # outside it, one fresh Xvantage order, and Xvantage renewals (seeded; the soonest is
    # within 30 days). The invoices already there are the invoice sensor's baseline.
    order = place_order(emulator, po="EMU-HOLD st2-tier")
    subs = list(emulator.marketplace.state.subscriptions.values())
    today = emulator.clock.utcnow().date()
    for sub, days in zip(subs, [10] + [200] * (len(subs) - 1)):
        sub["expirationDate"] = sub["renewalDate"] = (
            today + datetime.timedelta(days=days)).isoformat()
    expiring, held = subs[0], subs[1]
    now = emulator.clock.now()
    [xv_number] = emulator.xvantage.bulk_create(1, start=now - 60, end=now, prefix="ST2TIER")
    renewal = first_renewal_due(emulator)
    run.ids.update(order_id=order["id"], order_number=order["orderNumber"],
                   expiring_subscription=expiring["id"], held_subscription=held["id"],
                   xvantage_order=xv_number, renewal=str(renewal.id),
                   invoices_before=sorted(invoice_numbers(emulator)))

    metas = sensor_definitions()
    procs = {name: SensorProcess(site, meta) for name, meta in metas.items()}
    try:
        for proc in procs.values():
            proc.start()
        every = list(procs.values())
        deadline = Deadline(DEADLINE)
        orders, subscriptions = procs["OrderSensor"], procs["SubscriptionSensor"]
        xvantage, webhook = procs["XvantageOrderSensor"], procs["XvantageWebhookSensor"]
        invoices, renewals = procs["XvantageInvoiceSensor"], procs["XvantageRenewalSensor"]

        # 1. What exists at the first poll: announced because of emit_existing_on_first_run.
        deadline.wait_for("order_created for %s" % order["id"], lambda: _first(
            orders, PACK + ".order_created", id=order["id"]), every)
        deadline.wait_for("subscription_expiring for %s" % expiring["id"], lambda: _first(
            subscriptions, PACK + ".subscription_expiring", id=expiring["id"]), every)
        deadline.wait_for("xvantage_order_created for %s" % xv_number, lambda: _first(
            xvantage, PACK + ".xvantage_order_created", order_number=xv_number), every)
        deadline.wait_for("xvantage_renewal_due for %s" % renewal.id, lambda: _first(
            renewals, PACK + ".xvantage_renewal_due", renewal_id=str(renewal.id)), every)
        # A finished poll has stored what it saw, so a change made now is a change to it.
        for proc in (orders, subscriptions, xvantage):
            deadline.wait_for("a first finished poll of %s" % proc.name, proc.polls, every)
        deadline.wait_for("%s's poll that dispatched xvantage_renewal_due to finish"
                          % renewals.name, lambda: renewals.poll_finished_after(
                              PACK + ".xvantage_renewal_due"), every)
        # Only a finished sweep is a baseline: an invoice met by the first sweep is recorded,
        # not reported, unless it is dated after the day that sweep started.
        deadline.wait_for("a first finished invoice sweep", lambda: swept(
            invoices, "xvantage_invoice_sweep"), every)
        deadline.wait_for("the webhook receiver on port %d" % webhook_port,
                          lambda: listening(webhook_port), every)

        # 2. Changes: the order cancelled (as PATCH statusCode=CL does), a subscription put
        # on hold, the renewal extended by five days, a part's stock taken to zero in one
        # warehouse, and seven hours for the Xvantage orders to ship (and be invoiced) --
        # which the emulator reports to the receiver as signed order-status webhooks, with
        # the stock change as a stock-update webhook.
        webhook_url = "http://127.0.0.1:%d%s" % (webhook_port, WEBHOOK_PATH)
        with emu_orders.book(emulator.marketplace.state).lock:
            emu_orders.update(emulator.marketplace.state, order, {"statusCode": "CL"})
        held["status"] = "hold"
        renewal.expires += 5 * 86400
        emulator.xvantage.webhooks.configure(webhook_url, WEBHOOK_SECRET, stock=True)
        stock = catalog.stock(emulator.xvantage.store)
        stock.set(STOCK_PART, STOCK_WAREHOUSE, 0)
        emulator.clock.advance(7 * 3600)
        sent = emulator.xvantage.webhooks.flush()
        event_id = "ST2TIER" + uuid.uuid4().hex[:12].upper()
        answer = post_webhook(webhook_url, async_create_event(
            event_id, "ST2TIER-PO-1", "20-ST201"))
        run.webhook_answers = [(r["eventId"], r["status"]) for r in sent] + [
            (event_id, answer.status_code)]
        stock_events = [r["eventId"] for r in sent
                        if r["event"].get("topic") == "resellers/catalog"]
        [invoice] = invoice_numbers(emulator, xv_number)
        run.ids.update(webhook_events=[r["eventId"] for r in sent
                                       if r["eventId"] not in stock_events],
                       stock_events=stock_events, async_create_event=event_id,
                       stock_level=stock.total(STOCK_PART), invoice=invoice)

        deadline.wait_for("order_status_changed (cancelled) for %s" % order["id"],
                          lambda: _first(orders, PACK + ".order_status_changed",
                                         id=order["id"], status="cancelled"), every)
        deadline.wait_for("subscription_status_changed for %s" % held["id"], lambda: _first(
            subscriptions, PACK + ".subscription_status_changed", id=held["id"]), every)
        deadline.wait_for("xvantage_order_status_changed for %s" % xv_number, lambda: _first(
            xvantage, PACK + ".xvantage_order_status_changed", order_number=xv_number), every)
        deadline.wait_for("xvantage_order_event for %s" % event_id, lambda: _first(
            webhook, PACK + ".xvantage_order_event", event_id=event_id), every)
        deadline.wait_for("xvantage_stock_update for %s" % STOCK_PART, lambda: _first(
            webhook, PACK + ".xvantage_stock_update", ingram_part_number=STOCK_PART), every)
        deadline.wait_for("xvantage_invoice_created for %s" % invoice, lambda: _first(
            invoices, PACK + ".xvantage_invoice_created", invoice_number=invoice), every)
        deadline.wait_for("xvantage_renewal_due for %s's new date" % renewal.id,
                          lambda: len([p for _, p in renewals.dispatched(
                              PACK + ".xvantage_renewal_due")
                              if p["renewal_id"] == str(renewal.id)]) >= 2, every)
        # The polls that dispatched those have also stored what they saw.
        for proc, trigger in ((orders, "order_status_changed"),
                              (subscriptions, "subscription_status_changed"),
                              (xvantage, "xvantage_order_status_changed"),
                              (invoices, "xvantage_invoice_created")):
            deadline.wait_for("%s's poll that dispatched %s to finish" % (proc.name, trigger),
                              lambda p=proc, t=trigger: p.poll_finished_after(PACK + "." + t),
                              every)
    finally:
        for proc in procs.values():
            proc.stop()
    for name, proc in procs.items():
        run.processes[name] = ProcessReport(proc)
        for trigger, payload in proc.dispatched():
            if trigger.startswith(PACK + "."):
                run.payloads.setdefault(trigger, []).append(payload)
    run.seconds = time.monotonic() - started
    return run


def run_sensor_scenarios(server):
    """``{trigger ref: [payload, ...]}``: every payload of the pack's triggers that st2's
    dispatcher accepted during one run of the scenario against ``server``."""
    return run_scenarios(server).payloads


_SHARED = {}


def shared_run():
    """One scenario run per test session, against an emulator of its own (payloads are
    plain data, so later tests can reuse them without starting the sensors again)."""
    if "run" not in _SHARED:
        from emulator import EmulatorServer
        server = EmulatorServer(port=0).start()
        try:
            _SHARED["run"] = run_scenarios(server)
        finally:
            server.stop()
    return _SHARED["run"]


@pytest.fixture(scope="session")
def st2_sensor_payloads():
    """The payloads of ``shared_run()``: import this fixture into a test module to use it."""
    return shared_run().payloads
