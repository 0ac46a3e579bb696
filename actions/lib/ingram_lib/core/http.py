"""HTTP transport shared by the Marketplace and Xvantage clients.

One ``httpx.Client`` per transport (connection reuse), separate connect and read timeouts,
and retries with exponential backoff and jitter that honour ``Retry-After`` -- for
idempotent requests only. A request that may create something is sent once: if it fails
on the way back, the caller reconciles instead of repeating it.
"""

import email.utils
import json
import logging
import random
import ssl
import time

import certifi
import httpx

from .errors import RETRY_STATUSES, ParameterError, RequestError, ResponseTooLarge, \
    TransportError, answer_may_be_lost, error_class_for
from .redact import Redactor

IDEMPOTENT_METHODS = frozenset(("GET", "HEAD", "OPTIONS", "PUT", "DELETE"))
READ_METHODS = frozenset(("GET", "HEAD", "OPTIONS"))
# httpx refuses longer URLs; refusing them here names the cause instead.
MAX_URL_LENGTH = 8192


def parse_retry_after(value, now=None):
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if value is None:
        return None
    value = str(value).strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


class RetryPolicy(object):
    """Exponential backoff (base * 2^n, capped) with full jitter; Retry-After wins.

    ``max_wait`` (the account's ``max_retry_wait``) bounds every wait, the server's
    Retry-After and the backoff alike.
    """

    def __init__(self, max_retries=5, base=1.0, cap=15.0, max_wait=60.0,
                 sleep=time.sleep, rand=random.random):
        self.max_retries = max_retries
        self.base = base
        self.cap = cap
        self.max_wait = max_wait
        self.sleep = sleep
        self.rand = rand

    def delay(self, attempt, retry_after=None):
        if retry_after is not None:
            return min(retry_after, self.max_wait)
        ceiling = min(self.cap, self.max_wait, self.base * (2 ** attempt))
        return ceiling / 2.0 + self.rand() * ceiling / 2.0


def decode_json(response):
    """The response body as JSON, or None when it is empty or not JSON (e.g. an HTML 504)."""
    if not response.content:
        return None
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        return None


def text_snippet(response, limit=200):
    text = response.text or ""
    text = " ".join(text.split())
    if "<title>" in text.lower():
        start = text.lower().index("<title>") + 7
        end = text.lower().find("</title>", start)
        if end > start:
            return text[start:end].strip()
    return text[:limit]


_TLS_CONTEXTS = {}


def _tls(verify):
    """One TLS context per process and setting: building one reads the whole CA bundle
    (tens of milliseconds), and an action or sensor opens several clients."""
    if verify is not True:
        return verify
    if "default" not in _TLS_CONTEXTS:
        _TLS_CONTEXTS["default"] = ssl.create_default_context(cafile=certifi.where())
    return _TLS_CONTEXTS["default"]


class Transport(object):
    def __init__(self, base_url, connect_timeout, read_timeout, retry=None, verify=True,
                 redactor=None, logger=None, api="marketplace", error_parser=None,
                 retry_after_parser=None, client=None):
        self.base_url = base_url.rstrip("/")
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.retry = retry or RetryPolicy()
        self.redactor = redactor or Redactor()
        self.log = logger or logging.getLogger(__name__)
        self.api = api
        self.error_parser = error_parser
        self.retry_after_parser = retry_after_parser or (
            lambda resp: parse_retry_after(resp.headers.get("Retry-After")))
        self.request_count = 0
        # (method, path, outcome) of each write request sent: "done", "lost" (the server
        # may have acted on it) or "refused".
        self.writes = []
        self._client = client or httpx.Client(verify=_tls(verify), follow_redirects=False)

    def close(self):
        self._client.close()

    def _timeout(self, read_timeout):
        read = self.read_timeout if read_timeout is None else read_timeout
        return httpx.Timeout(connect=self.connect_timeout, read=read, write=read,
                             pool=self.connect_timeout)

    def write_may_have_happened(self):
        return any(outcome != "refused" for _, _, outcome in self.writes)

    def _note(self, is_write, method, path, outcome):
        if is_write:
            self.writes.append((method, path, outcome))

    def send(self, method, path, params=None, json_body=None, data=None, headers=None,
             idempotent=None, read_timeout=None, auth=None, read=False):
        """Sends one request; returns the 2xx ``httpx.Response`` or raises a
        ``RequestError`` (``ApiError`` for an error status, ``TransportError`` for none).

        ``path`` must already be percent-encoded (see ``paths.build``). ``read`` marks a
        POST that changes nothing (a token, a validation, an estimate); any other
        POST/PUT/PATCH/DELETE is a write, and ``writes`` records what became of it.
        """
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        is_write = method not in READ_METHODS and not read
        url = self.base_url + path
        # httpx sends a None as an empty value ("?status="), which the APIs read as a filter;
        # an unset optional parameter must be absent. Lists and booleans httpx encodes as the
        # APIs expect: repeated keys, "true"/"false".
        if params:
            params = {key: value for key, value in params.items() if value is not None}
        if len(url) > MAX_URL_LENGTH:
            raise ParameterError("path", "the request URL would be %d characters, over the "
                                 "%d this pack sends; shorten the identifier"
                                 % (len(url), MAX_URL_LENGTH))
        attempt = 0
        while True:
            try:
                response = self._once(method, url, path, params, json_body, data, headers,
                                      read_timeout, auth)
            except TransportError as exc:
                self._note(is_write, method, path, "lost" if exc.request_sent else "refused")
                if idempotent and attempt < self.retry.max_retries:
                    wait = self.retry.delay(attempt)
                    self.log.warning("%s %s: %s; retry %d in %.1fs", method, path,
                                     exc.message, attempt + 1, wait)
                    self.retry.sleep(wait)
                    attempt += 1
                    continue
                raise
            if response.status_code < 400:
                self._note(is_write, method, path, "done")
                return response
            error = self.build_error(response, method, path)
            self._note(is_write, method, path,
                       "lost" if answer_may_be_lost(error) else "refused")
            retry = idempotent and response.status_code in RETRY_STATUSES
            if retry and attempt < self.retry.max_retries:
                wait = self.retry.delay(attempt, error.retry_after)
                self.log.warning("%s %s: HTTP %s (correlation id %s); retry %d in %.1fs",
                                 method, path, response.status_code, error.correlation_id,
                                 attempt + 1, wait)
                self.retry.sleep(wait)
                attempt += 1
                continue
            raise error

    def _transport_error(self, exc, method, path):
        if isinstance(exc, httpx.TimeoutException):
            sent = not isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout))
            return self.redactor.error(TransportError(
                "timed out (%s)" % type(exc).__name__, method=method, path=path,
                timed_out=True, request_sent=sent, api=self.api))
        sent = not isinstance(exc, httpx.ConnectError)
        return self.redactor.error(TransportError(
            "connection failed (%s: %s)" % (type(exc).__name__, exc), method=method,
            path=path, request_sent=sent, api=self.api))

    def _once(self, method, url, path, params, json_body, data, headers, read_timeout, auth):
        self.request_count += 1
        started = time.monotonic()
        try:
            response = self._client.request(
                method, url, params=params, json=json_body, data=data, headers=headers,
                timeout=self._timeout(read_timeout), auth=auth)
        except httpx.InvalidURL as exc:
            raise ParameterError("path", "not a usable URL (%s)" % exc)
        except httpx.TransportError as exc:
            raise self._transport_error(exc, method, path)
        self.log.debug("%s %s -> %s in %.0f ms (correlation id %s)", method, path,
                       response.status_code, (time.monotonic() - started) * 1000,
                       self.correlation_id(response))
        # The body is read; httpx's stream still points back at the response, a cycle that
        # keeps every page alive until a full garbage collection. Paging through thousands
        # of rows would then grow memory with the page count.
        response.stream = httpx.ByteStream(response.content)
        return response

    def download(self, path, max_bytes, headers=None, what="response body"):
        """GETs ``path`` as a stream: ``(bytes, content type)``, retried like any GET.

        Reading stops as soon as the body passes ``max_bytes`` (``ResponseTooLarge``), so
        a large file never sits in memory whole.
        """
        attempt = 0
        while True:
            try:
                return self._download_once(path, max_bytes, headers, what)
            except RequestError as exc:
                if not exc.retryable or attempt >= self.retry.max_retries:
                    raise
                wait = self.retry.delay(attempt, exc.retry_after)
                self.log.warning("GET %s: %s; retry %d in %.1fs", path, exc.message,
                                 attempt + 1, wait)
                self.retry.sleep(wait)
                attempt += 1

    def _download_once(self, path, max_bytes, headers, what):
        self.request_count += 1
        try:
            with self._client.stream("GET", self.base_url + path, headers=headers,
                                     timeout=self._timeout(None)) as response:
                if response.status_code >= 400:
                    response.read()
                    raise self.build_error(response, "GET", path)
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise ResponseTooLarge(what, max_bytes, int(declared))
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise ResponseTooLarge(what, max_bytes)
                    chunks.append(chunk)
                return b"".join(chunks), response.headers.get("Content-Type", "")
        except httpx.TransportError as exc:
            raise self._transport_error(exc, "GET", path)

    @staticmethod
    def correlation_id(response):
        for name in ("X-Correlation-ID", "IM-CorrelationID", "x-correlation-id"):
            if name in response.headers:
                return response.headers[name]
        return None

    def build_error(self, response, method, path):
        body = decode_json(response)
        message, correlation_id = None, None
        if self.error_parser is not None:
            message, correlation_id = self.error_parser(body)
        if not message:
            if body is not None:
                message = json.dumps(body)[:300]
            else:
                message = text_snippet(response) or response.reason_phrase
        correlation_id = correlation_id or self.correlation_id(response)
        cls = error_class_for(response.status_code)
        error = cls(response.status_code, message, method=method, path=path,
                    correlation_id=correlation_id, body=body,
                    retry_after=self.retry_after_parser(response), api=self.api)
        return self.redactor.error(error)
