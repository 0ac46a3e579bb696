"""Path-template routing, for the APIs and for the control endpoints alike.

A template is a literal path with ``{name}`` segments. Path parameters match one raw
segment and are decoded after matching, so ``%2F`` in an id never crosses into another
route. Routes are tried in the order they were added.
"""

import re
from urllib.parse import unquote

from .http import HttpError


def _pattern(template):
    parts = re.split(r"\{(\w+)\}", template)
    # re.split alternates literal text and parameter names.
    regex = "".join(re.escape(part) if i % 2 == 0 else "(?P<%s>[^/]+)" % part
                    for i, part in enumerate(parts))
    return re.compile("^" + regex + "$")


class Router(object):
    def __init__(self):
        self._routes = []

    def add(self, method, template, handler):
        self._routes.append((method.upper(), _pattern(template), template, handler))

    def under(self, prefix):
        """This router seen from ``prefix``: ``add`` puts every template below it."""
        return _Prefixed(self, prefix)

    def template(self, path):
        """The route template a path falls under (for request counting), or the path."""
        for _, pattern, template, _ in self._routes:
            if pattern.match(path):
                return template
        return path

    def has(self, path):
        """Whether any route, under any method, serves ``path``."""
        return any(pattern.match(path) for _, pattern, _, _ in self._routes)

    def dispatch(self, request, path, *args):
        """Calls the handler of ``path`` as ``handler(request, *args)``, with the decoded
        path parameters in ``request.params``; 404 or 405 when none fits."""
        allowed = False
        for method, pattern, template, handler in self._routes:
            match = pattern.match(path)
            if not match:
                continue
            if method != request.method:
                allowed = True
                continue
            request.params = {k: unquote(v) for k, v in match.groupdict().items()}
            request.route = template
            return handler(request, *args)
        if allowed:
            raise HttpError(405, "Request method '%s' not supported" % request.method)
        raise HttpError(404, "No handler found for %s %s" % (request.method, path))


class _Prefixed(object):
    def __init__(self, router, prefix):
        self._router = router
        self.prefix = prefix.rstrip("/")

    def add(self, method, template, handler):
        self._router.add(method, self.prefix + template, handler)

    def under(self, prefix):
        return _Prefixed(self._router, self.prefix + prefix)
