"""Path-template routing. Path parameters match one raw segment and are decoded after
matching, so ``%2F`` in an id never crosses into another route."""

import re
from urllib.parse import unquote

from .http import HttpError


class Router(object):
    def __init__(self):
        self._routes = []

    def add(self, method, template, handler):
        pattern = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "$"
        self._routes.append((method.upper(), re.compile(pattern), template, handler))

    def route(self, method, template):
        def decorator(handler):
            self.add(method, template, handler)
            return handler
        return decorator

    def template(self, path):
        """The route template a path falls under (for request counting), or the path."""
        for _, pattern, template, _ in self._routes:
            if pattern.match(path):
                return template
        return path

    def dispatch(self, request, path):
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
            return handler(request)
        if allowed:
            raise HttpError(405, "Request method '%s' not supported" % request.method)
        raise HttpError(404, "No handler found for %s %s" % (request.method, path))
