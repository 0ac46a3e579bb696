"""The webhook receiver under hostile or broken clients, over real sockets: it answers 400
or 408 instead of 500, never holds a thread longer than its deadlines, bounds its open
connections, and logs a vanished client in one line, not a traceback."""

import json
import logging
import socket
import struct
import threading
import time

import pytest


from ingram_lib.xvantage.webhook import sign

from test_sensor_xvantage_webhook import PATH, SECRET, Receiver, status_event, \
    webhook_config

# Small deadlines keep the tests of the deadlines fast (the defaults are 10 s each); tests
# that expect an answer other than a deadline's get deadlines no busy machine reaches.
HEADER_TIMEOUT = 0.4
BODY_TIMEOUT = 0.4
GENEROUS = 30.0
# Far below the 10 s a stalled read used to take; far above the deadlines on a busy machine.
PROMPT = 5.0


class Served(Receiver):
    """The webhook sensor, started with the given deadlines, and raw-socket clients for it."""

    def __init__(self, store, **settings):
        super(Served, self).__init__(store, webhook_config(), dict(
            {"header_timeout": GENEROUS, "body_timeout": GENEROUS}, **settings))
        self.address = self.sensor.receiver.address

    def connect(self):
        sock = socket.create_connection(self.address, timeout=10)
        return sock

    def request(self, body, content_length=None, event_id="EVT-1", extra=b""):
        head = ("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "x-hub-signature: %s\r\nContent-Length: %d\r\n\r\n"
                % (PATH, sign(SECRET, event_id),
                   len(body) if content_length is None else content_length))
        return head.encode("ascii") + body + extra

    def exchange(self, data, shut_write=False):
        """Sends ``data``, returns (status or None, seconds until the server answered/closed)."""
        with self.connect() as sock:
            started = time.monotonic()
            sock.sendall(data)
            if shut_write:
                sock.shutdown(socket.SHUT_WR)
            answer = read_all(sock)
            return status_of(answer), time.monotonic() - started, answer


def read_all(sock):
    chunks = []
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def status_of(answer):
    if not answer:
        return None
    return int(answer.split(b" ", 2)[1])


@pytest.fixture
def served(datastore):
    srv = Served(datastore)
    yield srv
    srv.stop()


@pytest.fixture
def hurried(datastore):
    srv = Served(datastore, header_timeout=HEADER_TIMEOUT, body_timeout=BODY_TIMEOUT)
    yield srv
    srv.stop()


def no_tracebacks(caplog, capfd):
    assert "Traceback" not in capfd.readouterr().err
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []


@pytest.mark.parametrize("body", [
    b"[" * 100000 + b"]" * 100000,
    b'{"a":' * 100000 + b"1" + b"}" * 100000,
    # Parses, but far deeper than any event: refused before anything walks it.
    json.dumps(status_event("DEEP")).encode()[:-1] + b', "x": ' + b"[" * 500 + b"]" * 500 +
    b"}",
])
def test_a_deeply_nested_body_is_refused_400(served, body, caplog, capfd):
    status, _, answer = served.exchange(served.request(body, event_id="DEEP"))
    assert status == 400 and b"nested" in answer
    assert served.service.dispatched == []
    no_tracebacks(caplog, capfd)


def test_a_body_shorter_than_content_length_is_answered_408_after_the_body_deadline(
        hurried, caplog, capfd):
    status, elapsed, answer = hurried.exchange(hurried.request(b'{"eventId": "x"}',
                                                             content_length=5000))
    assert status == 408 and b"did not arrive" in answer
    assert elapsed < PROMPT
    no_tracebacks(caplog, capfd)


def test_a_body_cut_short_by_the_client_is_refused_400_at_once(served, caplog, capfd):
    status, elapsed, answer = served.exchange(
        served.request(b'{"eventId": "x"}', content_length=5000), shut_write=True)
    assert status == 400 and b"shorter than announced" in answer
    no_tracebacks(caplog, capfd)


def test_a_chunked_body_cut_short_is_refused_400(served):
    head = ("POST %s HTTP/1.1\r\nHost: x\r\nx-hub-signature: %s\r\n"
            "Transfer-Encoding: chunked\r\n\r\n" % (PATH, sign(SECRET, "C"))).encode()
    status, _, _ = served.exchange(head + b"400\r\n{\"a\"", shut_write=True)
    assert status == 400


def dribble(sock, data, pause, until):
    """Sends ``data`` a byte at a time; returns how long until the server closed on us."""
    started = time.monotonic()
    for i in range(len(data)):
        try:
            sock.sendall(data[i:i + 1])
        except (BrokenPipeError, ConnectionResetError):
            break
        if time.monotonic() - started > until:
            break
        time.sleep(pause)
    answer = read_all(sock)
    return answer, time.monotonic() - started


def test_slowly_dribbled_headers_are_cut_off_at_the_header_deadline(hurried, caplog, capfd):
    data = hurried.request(b"{}")
    # One byte every 50 ms: each read is quick, only a whole-request deadline stops it.
    with hurried.connect() as sock:
        answer, elapsed = dribble(sock, data, 0.05, until=PROMPT + 2)
    assert status_of(answer) is None  # dropped before a request was read
    assert elapsed < PROMPT
    assert hurried.service.dispatched == []
    no_tracebacks(caplog, capfd)


def test_a_slowly_dribbled_body_is_answered_408(hurried, caplog, capfd):
    body = json.dumps(status_event("SLOW")).encode()
    with hurried.connect() as sock:
        sock.sendall(hurried.request(b"", content_length=len(body), event_id="SLOW"))
        answer, elapsed = dribble(sock, body, 0.05, until=PROMPT + 2)
    assert status_of(answer) == 408
    assert elapsed < PROMPT
    assert hurried.service.dispatched == []
    no_tracebacks(caplog, capfd)


def test_open_connections_are_bounded_and_freed_by_the_deadline(datastore, caplog):
    # Idle connections are closed by the header deadline; the requests that must be served
    # send everything at once, so only a machine stalled for a second would miss it.
    srv = Served(datastore, max_connections=2, header_timeout=1.0)
    try:
        idle = [srv.connect() for _ in range(2)]
        time.sleep(0.1)  # both accepted and holding their threads
        status, elapsed, _ = srv.exchange(srv.request(json.dumps(
            status_event("BUSY")).encode(), event_id="BUSY"))
        assert status == 503 and elapsed < PROMPT
        for sock in idle:  # the header deadline closes them
            sock.settimeout(PROMPT)
            assert read_all(sock) == b""
            sock.close()
        time.sleep(0.1)
        status, _, _ = srv.exchange(srv.request(json.dumps(
            status_event("LATER")).encode(), event_id="LATER"))
        assert status == 200
        assert [p["event_id"] for _, p in srv.service.dispatched] == ["LATER"]
    finally:
        srv.stop()


def test_a_client_that_disconnects_early_leaves_one_log_line(served, caplog, capfd):
    receiver = served.sensor.receiver
    # On the sensor's own logger: StackStorm's logging config sets its ancestors to WARNING.
    caplog.set_level(logging.DEBUG, logger=receiver.log.name)
    original = receiver.handle
    client_gone = threading.Event()

    def handle_after_the_client_left(*args):
        outcome = original(*args)
        client_gone.wait(5)
        time.sleep(0.1)  # the reset has reached the server's socket
        return outcome
    receiver.handle = handle_after_the_client_left
    sock = served.connect()
    sock.sendall(served.request(json.dumps(status_event("GONE")).encode(), event_id="GONE"))
    time.sleep(0.1)
    # Close with a reset (linger 0), as a client that times out or crashes does.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()
    client_gone.set()
    deadline = time.monotonic() + PROMPT
    while time.monotonic() < deadline and not any(
            "went away" in r.getMessage() for r in caplog.records):
        time.sleep(0.05)
    gone = [r for r in caplog.records if "went away" in r.getMessage()]
    assert len(gone) == 1 and gone[0].levelno <= logging.INFO
    no_tracebacks(caplog, capfd)
    receiver.handle = original
    # The receiver still serves.
    status, _, _ = served.exchange(served.request(json.dumps(
        status_event("AFTER")).encode(), event_id="AFTER"))
    assert status == 200
