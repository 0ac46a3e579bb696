"""The Xvantage webhook receiver: an HTTP endpoint that turns signed deliveries into triggers.

One ``WebhookReceiver`` serves the configured local host/port/path (stdlib, one thread
per connection, at most ``max_connections`` at once). A connection gets
``header_timeout`` seconds for its request line and headers, then ``body_timeout``
seconds for its body, however slowly it sends; after that it is dropped (headers) or
answered 408 (body). A delivery is answered 200 only after its triggers
(``ingram_micro.xvantage_order_event`` per order, ``ingram_micro.xvantage_stock_update`` per
part of a stock update) passed StackStorm's payload check, were dispatched and its event id
persisted, so a failure answers 500 and Ingram may redeliver; a redelivery or replay of a
known event id is answered 200 and not dispatched again, across restarts (the ids live in
the datastore with a TTL). When dispatching fails part-way through an event's triggers, the
number that went out is persisted with the id, and the redelivery sends only the rest.

Ingram signs only ``eventId`` (see ``xvantage_webhook``); the body and ``eventTimeStamp``
are not authenticated. Event ids are therefore remembered for ``dedupe_ttl`` (400 days by
default), and a rule that acts on money should re-read the order (xvantage_get_order)
rather than trust the payload. A list body is checked event by event against the one
``x-hub-signature``; it is accepted only when every event verifies, and the ids that failed
are logged.
"""

import hashlib
import io
import json
import socket
import sys
import threading
import time
from collections import OrderedDict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ..core import checks, payloads as trigger_payloads
from ..core.config import account_entries, config_value
from ..core.payloads import PayloadRejected
from ..core.values import pick
from ..xvantage.webhook import WebhookRejected, check_event, split_events, triggers_for
from .state import KEY_ROOT

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
    "header_timeout": 10,     # seconds for the request line and headers, from connect
    "body_timeout": 10,       # seconds for the body, from the end of the headers
    "max_connections": 64,    # open connections at once; more are answered 503 and closed
}
# Same naming as the polling sensors' state (ingram_lib.sensing.state), not class-local, so
# a receiver moved to another sensor node still knows which events it dispatched.
EVENT_KEY_PREFIX = KEY_ROOT + ".xvantage_webhook.event."
MEMORY_IDS = 10000
# Seconds a redelivery waits for a delivery of the same event id still under way.
IN_FLIGHT_WAIT = 8
CONCURRENT_DELIVERIES = 32
# An order event nests a handful of levels (event > resource > orders > lines > shipment
# details > packages); far deeper is not an event, and walking it would exhaust the stack.
MAX_BODY_DEPTH = 32
# Whatever the client does, the answer is written within this many seconds or dropped.
WRITE_TIMEOUT = 10
BUSY_ANSWER = (b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: application/json\r\n"
               b"Content-Length: 40\r\nConnection: close\r\n\r\n"
               b'{"error": "busy; deliver again later"}\r\n')
# A client that went away or stalled: worth one line in the log, never a traceback.
CLIENT_GONE = (ConnectionError, socket.timeout)


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
        self._lock = threading.Condition()

    @staticmethod
    def key(event_id):
        return EVENT_KEY_PREFIX + hashlib.sha256(event_id.encode("utf-8")).hexdigest()[:40]

    def _remember(self, event_id):
        self._memory[event_id] = True
        self._memory.move_to_end(event_id)
        while len(self._memory) > self._size:
            self._memory.popitem(last=False)

    def claim(self, event_id, wait=IN_FLIGHT_WAIT):
        """How many of the event's triggers went out already (0 for a new event), or None
        for a duplicate: then the caller dispatches nothing.

        A redelivery arriving while another delivery of the same id is under way waits for
        it: answered 200 as a duplicate before the first one succeeded, it would make Ingram
        forget an event whose first delivery may yet fail.
        """
        with self._lock:
            if not self._lock.wait_for(lambda: event_id not in self._claimed, wait):
                raise WebhookRejected(503, "this event is being delivered on another "
                                           "connection; deliver again later")
            if event_id in self._memory:
                return None
            self._claimed.add(event_id)
        try:
            stored = self._service.get_value(self.key(event_id), local=False)
        except Exception:
            self.release(event_id)
            raise
        if stored is None:
            return 0
        done = _dispatched_before(stored)
        if done is None:
            with self._lock:
                self._claimed.discard(event_id)
                self._remember(event_id)
                self._lock.notify_all()
        return done

    def release(self, event_id):
        with self._lock:
            self._claimed.discard(event_id)
            self._lock.notify_all()

    def progress(self, event_id, dispatched, received_at):
        """Records that the first ``dispatched`` triggers of an event whose delivery failed
        went out, so that its redelivery sends only the rest."""
        value = json.dumps({"event_id": event_id[:200], "received_at": received_at,
                            "dispatched": int(dispatched)})
        self._service.set_value(self.key(event_id), value, ttl=self._ttl, local=False)

    def commit(self, event_id, received_at):
        value = json.dumps({"event_id": event_id[:200], "received_at": received_at})
        self._service.set_value(self.key(event_id), value, ttl=self._ttl, local=False)
        with self._lock:
            self._claimed.discard(event_id)
            self._remember(event_id)
            self._lock.notify_all()


def _dispatched_before(stored):
    """The count a ``progress`` record holds; None for a delivered event."""
    try:
        value = json.loads(stored)
    except (TypeError, ValueError):
        return None
    done = value.get("dispatched") if isinstance(value, dict) else None
    if isinstance(done, int) and not isinstance(done, bool) and done >= 0:
        return done
    return None


def _read_exactly(stream, size):
    data = stream.read(size)
    if len(data) < size:
        raise WebhookRejected(400, "body shorter than announced (%d of %d bytes): the client "
                              "closed the connection" % (len(data), size))
    return data


def read_body(headers, stream, limit):
    """The request body, from Content-Length or chunked transfer coding, at most ``limit``
    bytes. A body that ends before its announced length is refused with 400."""
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
            chunks.append(_read_exactly(stream, chunk))
            stream.readline(4)               # the CRLF after each chunk
    length = headers.get("Content-Length")
    if length is None or not length.strip().isdigit():
        raise WebhookRejected(411, "Content-Length required")
    if int(length) > limit:
        raise WebhookRejected(413, "body larger than %d bytes" % limit)
    return _read_exactly(stream, int(length))


class _DeadlineSocketReader(io.RawIOBase):
    """Reads a socket until the handler's current deadline, however slowly bytes arrive:
    a per-read timeout alone lets a client that sends one byte at a time hold a thread."""

    def __init__(self, sock, handler):
        super(_DeadlineSocketReader, self).__init__()
        self._sock = sock
        self._handler = handler

    def readable(self):
        return True

    def readinto(self, buffer):
        remaining = self._handler.deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout("deadline passed")
        self._sock.settimeout(remaining)
        return self._sock.recv_into(buffer)


class _Handler(BaseHTTPRequestHandler):
    server_version = "ingram-micro-webhook"
    sys_version = ""

    def setup(self):
        super(_Handler, self).setup()
        settings = self.server.receiver.settings
        self.deadline = time.monotonic() + float(settings["header_timeout"])
        self.rfile.close()
        self.rfile = io.BufferedReader(_DeadlineSocketReader(self.connection, self))

    def _answer(self, status, body, headers_only=False):
        self.connection.settimeout(WRITE_TIMEOUT)
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
        self.deadline = time.monotonic() + float(receiver.settings["body_timeout"])
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

    def process_request(self, request, client_address):
        # Bounds the threads: each connection holds one until it is answered or timed out.
        if not self.connections.acquire(blocking=False):
            self.receiver.log.warning("webhook receiver busy (%d connections open); "
                                      "answered 503", self.max_connections)
            try:
                request.setblocking(False)
                request.send(BUSY_ANSWER)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super(_Server, self).process_request(request, client_address)
        except BaseException:
            self.connections.release()
            raise

    def process_request_thread(self, request, client_address):
        try:
            super(_Server, self).process_request_thread(request, client_address)
        finally:
            self.connections.release()

    def handle_error(self, request, client_address):
        # The stdlib prints a traceback to stderr; the sensor's log gets one line instead
        # when the client went away or stalled, and the traceback only for a real fault.
        error = sys.exc_info()[1]
        if isinstance(error, CLIENT_GONE):
            self.receiver.log.info("webhook client %s went away or stalled: %s",
                                   client_address[0], type(error).__name__)
        else:
            self.receiver.log.exception("webhook connection from %s failed",
                                        client_address[0])


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
        server.max_connections = int(self.settings["max_connections"])
        server.connections = threading.BoundedSemaphore(server.max_connections)
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
        except ConnectionError as exc:
            self.log.info("webhook client went away before its body arrived: %s",
                          type(exc).__name__)
            return 400, {"error": "connection lost"}
        except socket.timeout:
            self.log.warning("webhook delivery refused (408): the body did not arrive within "
                             "%s s", self.settings["body_timeout"])
            return 408, {"error": "the body did not arrive within %s s"
                                  % self.settings["body_timeout"]}
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
        except RecursionError:
            body = too_deep = True
        else:
            too_deep = checks.nested_too_deep(body, MAX_BODY_DEPTH)
        if too_deep:
            raise WebhookRejected(400, "body nested more than %d levels deep; not an event"
                                  % MAX_BODY_DEPTH)
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
                event_id = pick(event, "eventId")
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
        done = self.seen.claim(event_id)
        if done is None:
            self.log.info("webhook event %s already dispatched; acknowledged again", event_id)
            return False
        sent = done
        received = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
        try:
            pairs = triggers_for(event, account, received)
            for trigger, payload in pairs:
                self.gate.check(trigger, payload)
            with self._dispatch_lock:
                for trigger, payload in pairs[done:]:
                    self.service.dispatch(trigger=trigger, payload=payload)
                    sent += 1
            if not pairs:
                self.log.warning("webhook event %s carries no order or stock resource",
                                 event_id)
            self.seen.commit(event_id, received)
        except Exception:
            if sent > done:
                self._keep_progress(event_id, sent, received)
            self.seen.release(event_id)
            raise
        return True

    def _keep_progress(self, event_id, sent, received):
        try:
            self.seen.progress(event_id, sent, received)
        except Exception as exc:
            self.log.error("webhook event %s: %d trigger(s) went out but could not be "
                           "recorded (%s); a redelivery dispatches them again",
                           event_id, sent, exc)
