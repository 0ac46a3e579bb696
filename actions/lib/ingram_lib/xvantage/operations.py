"""Xvantage reads declared as data (see ``marketplace.operations`` for the idea).

``Get`` reads one document by the ids in its path; ``Search`` walks a paged search and
returns one page, or every page up to ``max_items``. Both check the body before returning
it, so a 200 carrying an HTML page or a truncated answer is a failure, never a result.
"""

from ..core import checks, paths
from ..core.errors import NotFoundError
from ..core.values import pick
from . import results

SEARCH_PAGING = ("pageNumber", "pageSize", "all_pages", "max_items")


def query_values(names, params):
    """The values of the query parameters ``names``, checked as text (lists item by item)."""
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
        reply = client.call("GET", path, params=query_values(self.query, params),
                            headers=client.group_headers(self.headers))
        results.require_created(reply, "GET", client.prefix + path, self.id_field)
        return self.result(reply.body) if self.result else reply.body


class Search(object):
    """A paged search answering ``{recordsFound, pageSize, pageNumber, <list_key>: [...]}``.

    ``key`` names the field that identifies a row, to drop the duplicates a walk meets when
    new documents shift the pages under it. The API groups differ, and these say how:

    - ``paging``: the page number and size as the group spells them (``pageNumber`` /
      ``pageSize``, ``page`` / ``size``, ``Page`` / ``Size``); actions keep one spelling;
    - ``method`` POST sends the filters as the JSON body (``request`` may split them
      otherwise) and the paging in the query;
    - ``api_names``: filters sent under another name than the YAML's (``createdOn-bt``:
      StackStorm parameter names are identifiers); ``joined``: list filters sent as one
      comma-separated value (``[start, end]`` date pairs);
    - ``headers``: per-group headers from the account (``IM-ApplicationID``);
      ``header_params``: headers given by a required action parameter;
    - ``empty_404``: a 404 "no records" is an empty page; ``other_list_keys``: where else
      the rows may be; ``check(params)`` validates parameters before anything is sent.
    """

    def __init__(self, template, list_key, key, query=(), method="GET", headers=(),
                 max_page_size=100, default_page_size=25, row=None,
                 paging=("pageNumber", "pageSize"), api_names=None, joined=(),
                 header_params=None, empty_404=False, other_list_keys=(), check=None):
        self.template = template
        self.list_key = list_key
        self.key = key
        self.query = tuple(query)
        self.method = method
        self.headers = tuple(headers)
        self.max_page_size = max_page_size
        self.default_page_size = default_page_size
        self.row = row
        self.paging = paging
        self.api_names = dict(api_names or {})
        self.joined = tuple(joined)
        self.header_params = dict(header_params or {})
        self.empty_404 = empty_404
        self.list_keys = (list_key,) + tuple(other_list_keys)
        self.check = check

    def parameters(self):
        return (tuple(self.header_params.values()) + tuple(paths.field_names(self.template)) +
                self.query + SEARCH_PAGING)

    def request(self, params):
        """``(query filters, JSON body)`` of the search."""
        filters = query_values(self.query, params)
        if self.method == "GET":
            return filters, None
        return {}, checks.compact(filters)

    def page(self, client, path, query, body, headers, number, size):
        params = {}
        for name, value in query.items():
            if name in self.joined and value:
                value = ",".join(value)
            params[self.api_names.get(name, name)] = value
        params[self.paging[0]], params[self.paging[1]] = number, size
        try:
            reply = client.call(self.method, path, params=params, body=body,
                                read=self.method != "GET",
                                headers=dict(client.group_headers(self.headers), **headers))
        except NotFoundError as exc:
            if self.empty_404 and "no records" in str(exc.message or "").lower():
                return [], 0
            raise
        rows, records = results.page_rows(reply.status, reply.body, self.list_keys, number,
                                          self.method, client.prefix + path,
                                          reply.correlation_id)
        return [self.row(r) if self.row else r for r in rows], records

    def run(self, action, account, params):
        headers = {header: checks.text(name, checks.required(name, params.get(name)),
                                       64).strip()
                   for header, name in self.header_params.items()}
        if self.check is not None:
            self.check(params)
        query, body = self.request(params)
        client = action.xvantage(account)
        ids = {name: params.get(name) for name in paths.field_names(self.template)}
        path = paths.build(self.template, **ids)
        if not params.get("all_pages"):
            size = checks.positive_int("pageSize", params.get("pageSize",
                                                              self.default_page_size),
                                       1, self.max_page_size)
            number = checks.positive_int("pageNumber", params.get("pageNumber", 1), 1)
            rows, records = self.page(client, path, query, body, headers, number, size)
            more = (number * size < records) if records is not None else len(rows) >= size
            return {self.list_key: rows, "count": len(rows), "recordsFound": records,
                    "pageNumber": number, "pageSize": size, "truncated": more}
        max_items = checks.max_items("max_items", params.get("max_items", 1000))
        size = self.max_page_size
        seen, out, number, records, truncated = set(), [], 1, None, False
        while True:
            rows, page_records = self.page(client, path, query, body, headers, number, size)
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
