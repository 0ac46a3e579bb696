"""Xvantage reads declared as data (see ``marketplace.operations`` for the idea).

``Get`` reads one document by the ids in its path; ``Search`` walks a paged search and
returns one page, or every page up to ``max_items``. Both check the body before returning
it, so a 200 carrying an HTML page or a truncated answer is a failure, never a result.
"""

from ..core import checks, paths
from ..core.errors import BadResponse
from ..core.values import as_int, as_list, pick
from . import results

SEARCH_PAGING = ("pageNumber", "pageSize", "all_pages", "max_items")


def _query(names, params):
    return {name: _query_value(name, params.get(name)) for name in names}


def _query_value(name, value):
    # Arrays go out as repeated keys and booleans as true/false (the transport's encoding);
    # str() would send "['a', 'b']" and "True".
    if isinstance(value, bool):
        return value
    if isinstance(value, (list, tuple)):
        return [checks.text("%s[%d]" % (name, i), item) for i, item in enumerate(value)] or None
    return checks.text(name, value)


class Get(object):
    """``GET template``: the answer must be an object naming ``id_field``.

    ``query`` lists query parameters (spelled as the API and the YAML spell them);
    ``headers`` adds per-group headers (``IM-ApplicationID``) from the account's settings.
    """

    def __init__(self, template, id_field, query=(), headers=(), result=None):
        self.template = template
        self.id_field = id_field
        self.query = tuple(query)
        self.headers = tuple(headers)
        self.result = result

    def parameters(self):
        return tuple(paths.field_names(self.template)) + self.query

    def run(self, action, account, params):
        client = action.xvantage(account)
        ids = {name: params.get(name) for name in paths.field_names(self.template)}
        path = paths.build(self.template, **ids)
        reply = client.call("GET", path, params=_query(self.query, params),
                            headers=client.group_headers(self.headers))
        results.require_created(reply, "GET", client.prefix + path, self.id_field)
        return self.result(reply.body) if self.result else reply.body


class Search(object):
    """A paged search answering ``{recordsFound, pageSize, pageNumber, <list_key>: [...]}``.

    ``key`` names the field that identifies a row, to drop the duplicates a walk meets when
    new documents shift the pages under it. ``method`` POST sends the filters as the JSON
    body (renewals search) and the paging in the query.
    """

    def __init__(self, template, list_key, key, query=(), method="GET", headers=(),
                 max_page_size=100, default_page_size=25, row=None):
        self.template = template
        self.list_key = list_key
        self.key = key
        self.query = tuple(query)
        self.method = method
        self.headers = tuple(headers)
        self.max_page_size = max_page_size
        self.default_page_size = default_page_size
        self.row = row

    def parameters(self):
        return tuple(paths.field_names(self.template)) + self.query + SEARCH_PAGING

    def page(self, client, path, filters, number, size):
        paging = {"pageNumber": number, "pageSize": size}
        headers = client.group_headers(self.headers)
        if self.method == "GET":
            reply = client.call("GET", path, params=dict(filters, **paging), headers=headers)
        else:
            reply = client.call(self.method, path, params=paging, read=True, headers=headers,
                                body=checks.compact(filters))
        if reply.status == 204:
            return [], 0
        raw = pick(reply.body, self.list_key)
        records = as_int(pick(reply.body, "recordsFound", "totalRecords"))
        records = records if isinstance(records, int) and not isinstance(records, bool) \
            else None
        if not isinstance(reply.body, dict) or (raw is None and records != 0):
            raise BadResponse("the search answered without a '%s' list (page %d)"
                              % (self.list_key, number), status=reply.status,
                              method=self.method, path=client.prefix + path,
                              correlation_id=reply.correlation_id, api="xvantage")
        rows = [self.row(r) if self.row else r for r in as_list(raw)]
        return rows, records

    def run(self, action, account, params):
        client = action.xvantage(account)
        ids = {name: params.get(name) for name in paths.field_names(self.template)}
        path = paths.build(self.template, **ids)
        filters = _query(self.query, params)
        if not params.get("all_pages"):
            size = checks.positive_int("pageSize", params.get("pageSize",
                                                              self.default_page_size),
                                       1, self.max_page_size)
            number = checks.positive_int("pageNumber", params.get("pageNumber", 1), 1)
            rows, records = self.page(client, path, filters, number, size)
            more = (number * size < records) if records is not None else len(rows) >= size
            return {self.list_key: rows, "count": len(rows), "recordsFound": records,
                    "pageNumber": number, "pageSize": size, "truncated": more}
        max_items = checks.max_items("max_items", params.get("max_items", 1000))
        size = self.max_page_size
        seen, out, number, records, truncated = set(), [], 1, None, False
        while True:
            rows, page_records = self.page(client, path, filters, number, size)
            if page_records is not None:
                records = page_records
            for row in rows:
                ident = pick(row, self.key) if isinstance(row, dict) else None
                if ident is not None and ident in seen:
                    continue
                seen.add(ident)
                if len(out) >= max_items:
                    truncated = True
                    break
                out.append(row)
            last = (not rows or (records is None and len(rows) < size) or
                    (records is not None and number * size >= records))
            if truncated or last:
                break
            number += 1
        return {self.list_key: out, "count": len(out),
                "recordsFound": records if records is not None else len(out),
                "pages": number, "truncated": truncated or (records is not None and
                                                            len(out) < records)}


# Filled by the catalog, quotes, invoices, renewals, deals and returns modules' entries.
OPERATIONS = {}
