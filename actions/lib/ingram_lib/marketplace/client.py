"""Client of the Ingram Micro Cloud Marketplace API (CloudBlue "SimpleAPI").

Token: ``POST {base}/token`` with Basic auth, ``X-Subscription-Key`` and a
``{"marketplace": code}`` body; every later call sends ``Authorization: Bearer`` plus the key.
"""

import base64
import collections
import json

from ..core import checks, limits, paths
from ..core.bearer import BearerTokenMixin
from ..core.errors import BadResponse, expect_object
from ..core.http import RetryPolicy, Transport, decode_json, text_snippet
from ..core.redact import Redactor
from ..core.tokens import TokenCache, cache_key

MAX_PAGE = 500
DEFAULT_PAGE = 10


def parse_error(body):
    """Message and correlation id from the error bodies the gateway is known to send.

    ``{timeStamp, status, message, path, correlationId}`` (documented),
    ``{timestamp, status, error, path, correlationId}`` (seen in a client) and APIM's
    ``{statusCode, message}``.
    """
    if isinstance(body, dict):
        message = body.get("message") or body.get("error") or body.get("error_description")
        if isinstance(message, dict):
            message = message.get("message") or str(message)
        return message, body.get("correlationId")
    if isinstance(body, list) and body and isinstance(body[0], dict):
        return parse_error(body[0])
    return None, None


class MarketplaceClient(BearerTokenMixin):
    api = "marketplace"

    def __init__(self, settings, kv=None, logger=None, transport=None, retry=None):
        self.settings = settings
        self.log = logger
        self.redactor = Redactor(settings.secrets)
        self.transport = transport or Transport(
            settings.api_url, settings.connect_timeout, settings.read_timeout,
            retry=retry or RetryPolicy(max_retries=settings.max_retries,
                                       max_wait=settings.max_retry_wait),
            verify=settings.verify_ssl, redactor=self.redactor, logger=logger,
            api=self.api, error_parser=parse_error)
        self.last_total = None
        self.tokens = TokenCache(
            cache_key(self.api, settings.account, settings.api_url, settings.username,
                      settings.marketplace), kv=kv, logger=logger)

    # -- authentication -------------------------------------------------------------------

    def authenticate(self):
        basic = base64.b64encode(("%s:%s" % (self.settings.username, self.settings.password))
                                 .encode("utf-8")).decode("ascii")
        self.redactor.add(basic)
        response = self.transport.send(
            "POST", "/token", json_body={"marketplace": self.settings.marketplace},
            headers={"Authorization": "Basic " + basic,
                     "X-Subscription-Key": self.settings.subscription_key,
                     "Accept": "application/json"},
            idempotent=True, read=True)
        body = decode_json(response) or {}
        token = body.get("token") if isinstance(body, dict) else None
        if not token:
            raise BadResponse("token response has no 'token' field",
                              status=response.status_code, method="POST", path="/token",
                              api=self.api)
        return self._remember(token, body.get("expiresInSeconds") or 1500)

    def _headers(self, token):
        return {"Authorization": "Bearer " + token,
                "X-Subscription-Key": self.settings.subscription_key,
                "Accept": "application/json"}

    # -- requests -------------------------------------------------------------------------

    def request(self, method, path, params=None, body=None, idempotent=None,
                read_timeout=None, read=False):
        """Sends an authenticated request; returns the decoded JSON body.

        ``path`` is relative to the account's base URL and must already be encoded
        (use ``paths.build``). A 401 re-authenticates once. Every operation of this API
        answers with JSON, so a 2xx with an empty or non-JSON body (a proxy's maintenance
        page) raises ``BadResponse``.
        """
        def send(token):
            return self.transport.send(
                method, path, params=params, json_body=body,
                headers=self._headers(token), idempotent=idempotent,
                read_timeout=read_timeout, read=read)
        response = self._send_authenticated(send)
        answer = decode_json(response)
        if answer is None:
            raise BadResponse(
                "the answer to %s %s is %s, not JSON" % (
                    method, path, "empty" if not response.content else
                    "'%s'" % text_snippet(response, 80)),
                status=response.status_code, method=method, path=path, api=self.api,
                correlation_id=self.transport.correlation_id(response))
        return answer

    def get(self, path, params=None):
        return self.request("GET", path, params=params)

    def post(self, path, body, idempotent=False, read_timeout=None, read=False):
        """``read=True`` for a POST that changes nothing (validation, estimate)."""
        return self.request("POST", path, body=body, idempotent=idempotent,
                            read_timeout=read_timeout, read=read)

    def patch(self, path, body, idempotent=True):
        """Retried by default: a PATCH that sets fields to given values can be repeated.

        A PATCH that triggers a transition (an order's statusCode) is not such a PATCH: a
        repeat after a lost answer meets the new state and fails. Pass ``idempotent=False``.
        """
        return self.request("PATCH", path, body=body, idempotent=idempotent)

    def expect(self, kind, answer, path, method="GET", fields=(), what="object"):
        """``answer`` if it has the shape the operation promises (``kind``: "object" with
        ``fields``, or "list" envelope), else ``BadResponse``."""
        if kind == "list":
            if not isinstance(answer, dict) or not isinstance(answer.get("data"), list):
                raise BadResponse("the answer has no list envelope (data)", method=method,
                                  path=path, api=self.api)
            return answer
        return expect_object(answer, what, path, fields, method=method, api=self.api)

    # -- lists ----------------------------------------------------------------------------

    def paginate(self, path, params=None, page_size=MAX_PAGE, max_items=None, offset=0):
        """Yields rows of a list endpoint, walking ``offset`` up to ``pagination.total``.

        A short page ends the walk only when the API sends no total: a server that caps
        ``limit`` below ``page_size`` still gets walked to the end.

        Lists are newest first, so rows created while we page push older rows onto the
        next page; rows are de-duplicated by ``id``. A repeat can only come from the rows
        just before it, so only the ids of the last two pages are remembered: memory stays
        one page plus a bounded window, however many pages the list has.
        """
        page_size = checks.positive_int("limit", page_size, 1, MAX_PAGE)
        recent = collections.deque()
        seen = set()
        window = 2 * page_size
        yielded = 0
        while True:
            page = self.expect("list", self.get(path, dict(params or {}, offset=offset,
                                                           limit=page_size)), path)
            rows = page["data"]
            total = (page.get("pagination") or {}).get("total")
            self.last_total = total
            for row in rows:
                key = row.get("id") if isinstance(row, dict) else None
                if key is not None:
                    if key in seen:
                        continue
                    seen.add(key)
                    recent.append(key)
                    if len(recent) > window:
                        seen.discard(recent.popleft())
                yield row
                yielded += 1
                if max_items is not None and yielded >= max_items:
                    return
            offset += len(rows)
            if not rows:
                return
            # A gateway may serve fewer rows than asked; only the total says when to stop.
            if total is not None:
                if offset >= total:
                    return
            elif len(rows) < page_size:
                return

    def list(self, path, params=None, offset=0, limit=DEFAULT_PAGE, all_pages=False,
             max_items=1000):
        """One page as the API returns it, or every page (bounded by ``max_items`` and by
        what a StackStorm result can hold).

        A result that stops early says so: ``truncated`` and ``next_offset``, the
        ``offset`` that continues the list in another run.
        """
        offset = checks.positive_int("offset", offset, 0)
        if not all_pages:
            limit = checks.positive_int("limit", limit, 1, MAX_PAGE)
            page = self.expect("list", self.get(path, dict(params or {}, offset=offset,
                                                           limit=limit)), path)
            rows = page["data"]
            pagination = page.get("pagination")
            pagination = pagination if isinstance(pagination, dict) else {}
            truncated = (pagination.get("total") or 0) > offset + len(rows)
            return {"data": rows, "count": len(rows), "total": pagination.get("total"),
                    "offset": pagination.get("offset", offset),
                    "limit": pagination.get("limit", limit), "truncated": truncated,
                    "next_offset": offset + len(rows) if truncated else None}
        max_items = checks.max_items("max_items", max_items)
        self.last_total = None
        rows, size, truncated = [], 0, False
        # Room for the envelope and for StackStorm's own fields around the result.
        room = limits.MAX_RESULT_BYTES - 64 * 1024
        for row in self.paginate(path, params, max_items=max_items + 1, offset=offset):
            if len(rows) == max_items:
                truncated = True
                break
            size += len(json.dumps(row, default=str)) + 2
            if size > room:
                truncated = True
                break
            rows.append(row)
        return {"data": rows, "count": len(rows), "total": self.last_total,
                "offset": offset, "limit": None, "truncated": truncated,
                "next_offset": offset + len(rows) if truncated else None}

    @staticmethod
    def path(template, **values):
        return paths.build(template, **values)
