"""The Xvantage webhook receiver: an HTTP endpoint that turns signed deliveries into triggers.

One ``WebhookReceiver`` serves the configured local host/port/path (stdlib, one thread per
request). A delivery is answered 200 only after its ``ingram_micro.xvantage_order_event``
triggers passed StackStorm's payload check, were dispatched and its event id persisted, so
a failure answers 500 and Ingram may redeliver; a redelivery or replay of a known event id
is answered 200 and not dispatched again, across restarts (the ids live in the datastore
with a TTL).

Ingram signs only ``eventId`` (see ``xvantage_webhook``); the body and ``eventTimeStamp``
are not authenticated. Event ids are therefore remembered for ``dedupe_ttl`` (400 days by
default), and a rule that acts on money should re-read the order (xvantage_get_order)
rather than trust the payload. A list body is checked event by event against the one
``x-hub-signature``; it is accepted only when every event verifies, and the ids that failed
are logged.
"""

import hashlib
import json
import threading
import time
from collections import OrderedDict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import trigger_payloads
from .config import account_entries, config_value
from .sensor_state import KEY_ROOT
from .trigger_payloads import PayloadRejected
from .xvantage_webhook import (ORDER_EVENT_TRIGGER, WebhookRejected, check_event, get_ci,
                               payloads_for, split_events)

DEFAULTS = {
    "enabled": False,
    "host": "127.0.0.1",
    "port": 8471,
    "path": "/xvantage/webhook",
    "secret": None,
    "account": "default",
    "replay_window": 900,
    "dedupe_ttl": 34560000,   # 400 days
    "max_body_bytes": 1048576,
}
# Same naming as the polling sensors' state (ingram_lib.sensor_state), not class-local, so
# a receiver moved to another sensor node still knows which events it dispatched.
EVENT_KEY_PREFIX = KEY_ROOT + ".xvantage_webhook.event."
REQUEST_READ_TIMEOUT = 10
MEMORY_IDS = 10000
CONCURRENT_DELIVERIES = 32


def webhook_settings(config):
    """The pack config's ``xvantage_webhook`` section over ``DEFAULTS``, with ``secrets``:
    ``[(account, secret)]`` from that section and from each account's
    ``xvantage.webhook_secret`` (the top-level ``xvantage`` for the account ``default``)."""
    out = dict(DEFAULTS)
    out.update({k: v for k, v in (config_value(config or {}, "xvantage_webhook") or {}).items()
                if v is not None})
    out["path"] = "/" + str(out["path"]).strip("/")
    secrets = []
    if out["secret"]:
        secrets.append((out["account"], out["secret"]))
    # The account ``default`` written both ways is a conflict only where it is used; here
    # either secret names the same account, and a receiver that is off must not fail.
    for name, settings in account_entries(config):
        secret = config_value(config_value(settings, "xvantage") or {}, "webhook_secret")
        if secret and (name, secret) not in secrets:
            secrets.append((name, secret))
    out["secrets"] = secrets
    return out


class SeenEvents(object):
    """Event ids already dispatched: a bounded memory in front of datastore keys with a TTL.

    Keys hold a hash of the id, so a hostile id cannot shape the datastore key.
    """

    def __init__(self, service, ttl, size=MEMORY_IDS):
        self._service = service
        self._ttl = int(ttl)
        self._size = size
        self._memory = OrderedDict()
        self._claimed = set()
        self._lock = threading.Lock()

    @staticmethod
    def key(event_id):
        return EVENT_KEY_PREFIX + hashlib.sha256(event_id.encode("utf-8")).hexdigest()[:40]

    def _remember(self, event_id):
        self._memory[event_id] = True
        self._memory.move_to_end(event_id)
        while len(self._memory) > self._size:
            self._memory.popitem(last=False)

    def claim(self, event_id):
        """True if the caller should dispatch ``event_id``; False if it is a duplicate."""
        with self._lock:
            if event_id in self._memory or event_id in self._claimed:
                return False
            self._claimed.add(event_id)
        try:
            stored = self._service.get_value(self.key(event_id), local=False)
        except Exception:
            self.release(event_id)
            raise
        if stored is not None:
            with self._lock:
                self._claimed.discard(event_id)
                self._remember(event_id)
            return False
        return True

    def release(self, event_id):
        with self._lock:
            self._claimed.discard(event_id)

    def commit(self, event_id, received_at):
        value = json.dumps({"event_id": event_id[:200], "received_at": received_at})
        self._service.set_value(self.key(event_id), value, ttl=self._ttl, local=False)
        with self._lock:
            self._claimed.discard(event_id)
            self._remember(event_id)


def read_body(headers, stream, limit):
    """The request body, from Content-Length or chunked transfer coding, at most ``limit``
    bytes."""
    if "chunked" in (headers.get("Transfer-Encoding") or "").lower():
        chunks, size = [], 0
        while True:
            line = stream.readline(1026).split(b";", 1)[0].strip()
            try:
                chunk = int(line, 16)
            except ValueError:
                raise WebhookRejected(400, "malformed chunked body")
            if chunk == 0:
                while stream.readline(1026).strip():
                    pass                     # trailers
                return b"".join(chunks)
            size += chunk
            if size > limit:
                raise WebhookRejected(413, "body larger than %d bytes" % limit)
            chunks.append(stream.read(chunk))
            stream.readline(4)               # the CRLF after each chunk
    length = headers.get("Content-Length")
    if length is None or not length.strip().isdigit():
        raise WebhookRejected(411, "Content-Length required")
    if int(length) > limit:
        raise WebhookRejected(413, "body larger than %d bytes" % limit)
    return stream.read(int(length))


class _Handler(BaseHTTPRequestHandler):
    server_version = "ingram-micro-webhook"
    sys_version = ""
    timeout = REQUEST_READ_TIMEOUT

    def _answer(self, status, body, headers_only=False):
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if status == 405:
            self.send_header("Allow", "POST")
        self.end_headers()
        if not headers_only:
            self.wfile.write(data)

    def _refuse_method(self):
        self.close_connection = True
        self._answer(405, {"error": "method not allowed; POST JSON here"},
                     headers_only=self.command == "HEAD")

    do_GET = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _refuse_method

    def do_POST(self):
        receiver = self.server.receiver
        if not receiver.slots.acquire(blocking=False):
            # A flood must not pile up threads; Ingram (or the proxy) can deliver again.
            self.close_connection = True
            self._answer(503, {"error": "busy; deliver again later"})
            return
        try:
            status, body = receiver.handle(self.path, self.headers, self.rfile)
        finally:
            receiver.slots.release()
        if status >= 400:
            self.close_connection = True
        self._answer(status, body)

    def log_message(self, fmt, *args):
        self.server.receiver.log.debug("%s " + fmt, self.address_string(), *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class WebhookReceiver(object):
    """Serves webhook deliveries for ``settings`` (see ``webhook_settings``) and dispatches
    their triggers through ``service`` (a st2 sensor service: datastore and dispatch).

    ``bind()`` opens the socket (``OSError`` when it cannot), ``serve_forever()`` answers
    requests until ``stop()``, from any thread, and closes it; ``wait()`` sleeps until then.
    """

    def __init__(self, settings, service, log):
        self.settings = settings
        self.service = service
        self.log = log
        self.clock = time.time
        self.seen = SeenEvents(service, settings["dedupe_ttl"])
        self.gate = trigger_payloads.default_gate()
        self.address = None
        self.slots = threading.BoundedSemaphore(CONCURRENT_DELIVERIES)
        self._server = None
        self._stop = threading.Event()
        self._dispatch_lock = threading.Lock()

    @property
    def enabled(self):
        return bool(self.settings["enabled"] and self.settings["secrets"])

    def bind(self):
        """Listens on the configured host and port; returns the bound ``(host, port)``."""
        server = _Server((self.settings["host"], int(self.settings["port"])), _Handler)
        server.receiver = self
        # Short, so that serve_forever() notices stop() within a quarter second.
        server.timeout = 0.25
        self._server = server
        self.address = server.server_address[:2]
        return self.address

    def serve_forever(self):
        try:
            while not self._stop.is_set():
                self._server.handle_request()
        finally:
            self._server.server_close()
            self._server = None

    def stop(self):
        self._stop.set()

    @property
    def stopping(self):
        return self._stop.is_set()

    def wait(self, seconds=None):
        """True once ``stop()`` was called, after at most ``seconds`` (None: until then)."""
        return self._stop.wait(seconds)

    # -- one delivery ---------------------------------------------------------------------

    def handle(self, path, headers, stream):
        """Returns ``(status, body)`` for one POST; never raises."""
        try:
            return self._handle(path, headers, stream)
        except WebhookRejected as exc:
            self.log.warning("webhook delivery refused (%d): %s", exc.status, exc.message)
            return exc.status, {"error": exc.message}
        except PayloadRejected as exc:
            # StackStorm would drop this payload; answering 2xx would make Ingram forget the
            # event, so it is refused with a 5xx and Ingram delivers it again.
            self.log.error("webhook delivery not accepted: %s (trigger %s, field %s); "
                           "answered 500 so that it is delivered again",
                           exc, exc.trigger, exc.field or "-")
            return 500, {"error": "the event could not be turned into a trigger StackStorm "
                                  "accepts; deliver again later"}
        except Exception:
            self.log.exception("webhook delivery failed")
            return 500, {"error": "internal error; the delivery was not accepted"}

    def _handle(self, path, headers, stream):
        if path.split("?", 1)[0].rstrip("/") != self.settings["path"].rstrip("/"):
            raise WebhookRejected(404, "not found")
        raw = read_body(headers, stream, int(self.settings["max_body_bytes"]))
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise WebhookRejected(400, "body is not JSON")
        signature = headers.get("x-hub-signature")
        if not signature:
            raise WebhookRejected(401, "x-hub-signature header missing")
        now = self.clock()
        window = int(self.settings["replay_window"])
        events = self._check_all(split_events(body), signature, now, window)
        accepted, duplicates = [], []
        for event, event_id, _, account in events:
            delivered = self._deliver(event, event_id, account, now)
            (accepted if delivered else duplicates).append(event_id)
        return 200, {"accepted": accepted, "duplicates": duplicates}

    def _check_all(self, events, signature, now, window):
        """Every event of a delivery, checked against the delivery's one signature.

        A batch is accepted only when each event verifies: accepting part of it would
        dispatch events whose authenticity is unknown. The ids that failed are logged and
        answered, so an operator can tell a wrong secret from a batch signed otherwise.
        """
        checked, failed = [], []
        for event in events:
            try:
                checked.append((event,) + check_event(event, self.settings["secrets"],
                                                      signature, now, window))
            except WebhookRejected as exc:
                event_id = get_ci(event, "eventId")
                failed.append((exc, str(event_id)[:100] if event_id is not None else None))
        if not failed:
            return checked
        if len(events) == 1:
            raise failed[0][0]
        status = max(exc.status for exc, _ in failed)
        detail = "; ".join("%s: %s" % (event_id, exc.message) for exc, event_id in failed)
        raise WebhookRejected(status, "%d of %d events in the batch failed (%s); the batch is "
                              "accepted only when every event verifies"
                              % (len(failed), len(events), detail))

    def _deliver(self, event, event_id, account, now):
        if not self.seen.claim(event_id):
            self.log.info("webhook event %s already dispatched; acknowledged again", event_id)
            return False
        try:
            received = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
            payloads = payloads_for(event, account, received)
            for payload in payloads:
                self.gate.check(ORDER_EVENT_TRIGGER, payload)
            with self._dispatch_lock:
                for payload in payloads:
                    self.service.dispatch(trigger=ORDER_EVENT_TRIGGER, payload=payload)
            if not payloads:
                self.log.warning("webhook event %s carries no order resource", event_id)
            self.seen.commit(event_id, received)
        except Exception:
            self.seen.release(event_id)
            raise
        return True
