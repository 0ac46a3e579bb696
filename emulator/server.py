"""The emulator process: HTTP plumbing, API dispatch, faults, control endpoints."""

import collections
import logging
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .clock import Clock
from .faults import FaultInjector
from .http import HttpError, Request, Response
from .marketplace import MarketplaceApp
from .router import Router
from .xvantage import XvantageApp

log = logging.getLogger("emulator")

# Where the control endpoints live: ``/_emulator/faults``, ``/_emulator/<api>/...``.
CONTROL = "/_emulator"


class Emulator(object):
    """Both APIs behind one dispatcher. Not tied to a socket: tests may call ``handle``."""

    def __init__(self, clock=None, seed=0, marketplace_options=None, xvantage_options=None):
        self.clock = clock or Clock()
        self.faults = FaultInjector(seed)
        self.counts = collections.Counter()
        # The latest API requests as received, so a test can check what a client sent.
        self.journal = collections.deque(maxlen=200)
        # Every request outside the control endpoints, matched or not, with its path exactly
        # as it arrived (still percent-encoded), so a test can see where a client really went.
        self._received = collections.deque(maxlen=1000)
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        self.marketplace = MarketplaceApp(self.clock, **(marketplace_options or {}))
        self.xvantage = XvantageApp(self.clock, **(xvantage_options or {}))
        # Each app serves the paths its ``match`` accepts and owns /_emulator/<app.api>/...
        self.apps = [self.marketplace, self.xvantage]
        self.controls = Router()
        self._register_controls(self.controls.under(CONTROL))
        for app in self.apps:
            app.register_controls(self.controls.under(CONTROL + "/" + app.api))

    def request_count(self, api=None, method=None, route=None):
        with self._lock:
            return sum(n for key, n in self.counts.items()
                       if all(want is None or want == got
                              for want, got in zip((api, method, route), key)))

    def sent(self, method, route):
        """Bodies (decoded JSON) of the journalled requests to ``route`` with ``method``."""
        return [r.json() for r in list(self.journal)
                if r.method == method and r.route == route]

    def received(self):
        """``(method, raw path)`` of the latest requests to any API path, oldest first,
        including those no route answered (``request_count`` counts routed ones only)."""
        with self._lock:
            return list(self._received)

    def clear_received(self):
        with self._lock:
            self._received.clear()

    def reset_counts(self):
        with self._lock:
            self.counts.clear()

    def handle(self, request):
        """Returns ``(response, fault)``; the caller lets the fault release the answer."""
        if request.path.startswith(CONTROL + "/"):
            return self._control(request), None
        with self._lock:
            self._received.append((request.method, request.path))
        for app in self.apps:
            subpath = app.match(request.path)
            if subpath is None:
                continue
            request.route = app.router.template(subpath)
            self.journal.append(request)
            fault = self.faults.pick(app.api, request.method, request.path)
            response = None if fault is None else fault.answer(app, request)
            if response is None:
                response = self._run(app, request, subpath)
                if fault is not None:
                    response = fault.alter(response)
            with self._lock:
                self.counts[(app.api, request.method, request.route or request.path)] += 1
            return response, fault
        return Response(404, {"message": "no API at %s" % request.path}), None

    @staticmethod
    def _run(app, request, subpath):
        try:
            return app.handle(request, subpath)
        except HttpError as exc:
            return app.error_response(request, exc)
        except Exception as exc:  # a bug in the emulator must not kill the server
            log.exception("emulator handler failed")
            return app.error_response(request, HttpError(500, repr(exc)))

    # -- control endpoints: /_emulator/... ------------------------------------------------

    def _register_controls(self, controls):
        def add_fault(request, body):
            try:
                fault = self.faults.add(**body)
            except (TypeError, ValueError) as exc:
                raise HttpError(400, str(exc))
            return Response(201, fault.describe())

        def clear_faults(request, body):
            self.faults.clear()
            return Response(204)

        def advance_clock(request, body):
            self.clock.advance(float(body.get("advance", 0)))
            return Response(200, {"now": self.clock.iso()})

        def clear_requests(request, body):
            self.reset_counts()
            return Response(204)

        def list_requests(request, body):
            with self._lock:
                rows = [{"api": a, "method": m, "route": r, "count": n}
                        for (a, m, r), n in sorted(self.counts.items())]
            return Response(200, {"total": sum(r["count"] for r in rows), "routes": rows})

        controls.add("POST", "/faults", add_fault)
        controls.add("DELETE", "/faults", clear_faults)
        controls.add("GET", "/faults", lambda request, body: Response(200, self.faults.list()))
        controls.add("POST", "/clock", advance_clock)
        controls.add("GET", "/clock", lambda request, body: Response(
            200, {"now": self.clock.iso(), "epoch": self.clock.now()}))
        controls.add("DELETE", "/requests", clear_requests)
        controls.add("GET", "/requests", list_requests)

    def _control(self, request):
        path = request.path[len(CONTROL):]
        if not self.controls.has(request.path):
            return Response(404, {"message": "unknown control endpoint %s" % path})
        try:
            body = request.json() or {}
            return self.controls.dispatch(request, request.path, body)
        except ValueError as exc:  # a body that is not JSON
            return Response(400, {"message": str(exc)})
        except HttpError as exc:
            body = {"message": exc.message} if exc.body is None else exc.body
            return Response(exc.status, body, headers=exc.headers)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ingram-emulator"
    # Headers and body go out in two writes; with Nagle on, the body waits for the
    # client's delayed ACK (about 40 ms per request on Linux loopback).
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        log.debug("%s " + fmt, self.address_string(), *args)

    def _serve(self):
        emulator = self.server.emulator
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        request = Request(self.command, path, query, self.headers.items(), body)
        response, fault = emulator.handle(request)
        if fault is not None and not fault.release(emulator.stopping):
            self.close_connection = True
            return
        payload = response.encode()
        try:
            self.send_response(response.status)
            headers = {"X-Correlation-ID": "a8n-%s" % uuid.uuid4()}
            headers.update(response.headers)
            for key, value in headers.items():
                self.send_header(key, str(value))
            if payload or response.status not in (204, 304):
                self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if payload and self.command != "HEAD":
                self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


class EmulatorServer(object):
    """Serves an ``Emulator`` on a loopback port (0 = ephemeral) in a background thread."""

    def __init__(self, emulator=None, host="127.0.0.1", port=0, **kwargs):
        self.emulator = emulator or Emulator(**kwargs)
        self._server = _Server((host, port), _Handler)
        self._server.emulator = self.emulator
        self._thread = None

    @property
    def port(self):
        return self._server.server_address[1]

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    @property
    def marketplace_url(self):
        return self.url + "/marketplace/" + self.emulator.marketplace.region

    def start(self):
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name="emulator", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self):
        self._server.serve_forever(poll_interval=0.2)

    def stop(self):
        self.emulator.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
