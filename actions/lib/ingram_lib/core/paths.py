"""Builds request paths from templates with every parameter percent-encoded.

An id such as ``1?x=y`` or ``a#b`` stays inside its path segment. What cannot be made safe
by encoding is refused before any request: a dot segment in any encoding (``..``,
``%2e%2e``, ``..%2F``, double-encoded ``%252e``), since a proxy or framework that decodes
the path would resolve it and serve another resource; control characters (CR/LF would
split the request line); and ids too long for a URL (httpx refuses those with an exception
rather than an answer).
"""

import re
from urllib.parse import quote, unquote

from .errors import ParameterError

_FIELD = re.compile(r"\{(\w+)\}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")

# No identifier of either API comes close; a longer one is a mistake or an attack.
MAX_ID_LENGTH = 1000
# Far below httpx's URL limit (65 536) and the 8 KB request line most gateways accept.
MAX_PATH_LENGTH = 2000


def _decodings(text):
    """``text`` and every successive percent-decoding of it (a value may be encoded twice
    or more by the time it reaches a server that decodes it again)."""
    seen = [text]
    while _ESCAPE.search(text) and len(seen) < 8:
        text = unquote(text)
        seen.append(text)
    return seen


def dot_segment(text):
    """True if ``text``, decoded any number of times, holds a ``.`` or ``..`` segment."""
    for decoded in _decodings(text):
        if any(part in (".", "..") for part in re.split(r"[/\\]", decoded)):
            return True
    return False


def control_character(text):
    return any(_CONTROL.search(decoded) for decoded in _decodings(text))


def segment(name, value):
    if value is None:
        raise ParameterError(name, "is required")
    text = str(value)
    if len(text) > MAX_ID_LENGTH:
        raise ParameterError(name, "is %d characters long; an identifier has at most %d"
                             % (len(text), MAX_ID_LENGTH))
    # Checked before stripping: ``"\r2"`` must not quietly become the id ``2``.
    if control_character(text):
        raise ParameterError(name, "must not contain control characters (CR, LF, NUL...)")
    text = text.strip()
    if not text:
        raise ParameterError(name, "must not be empty")
    if dot_segment(text):
        raise ParameterError(name, "'%s' is not a valid identifier (it holds a '.' or '..' "
                             "path segment)" % text)
    return quote(text, safe="")


def field_names(template):
    """The ``{field}`` names of a path template, in order."""
    return _FIELD.findall(template)


def build(template, **values):
    """``template`` with each ``{field}`` replaced by its encoded value.

    A bad value is reported under the field's name: name the fields as the action's
    parameters are named (``/orders/{orderId}``), so the error names what the user set.
    """
    def repl(match):
        key = match.group(1)
        return segment(key, values.get(key))
    return _FIELD.sub(repl, template)


def api_path(name, path, example="/customers"):
    """Checks a caller-given path relative to an API base URL; returns it unchanged.

    The path is sent as given (already encoded), so it must not leave the API: no scheme
    or host, no dot segment in any encoding, no query (it belongs in ``query``) and no
    ``#fragment`` (an HTTP client drops it silently, so the request would not be the one
    asked for).
    """
    if not isinstance(path, str) or not path.strip():
        raise ParameterError(name, "is required, a path such as %s" % example)
    if len(path) > MAX_PATH_LENGTH:
        raise ParameterError(name, "is %d characters long; a path has at most %d"
                             % (len(path), MAX_PATH_LENGTH))
    if control_character(path):
        raise ParameterError(name, "must not contain control characters (CR, LF, NUL...)")
    shown = path if len(path) <= 200 else path[:200] + "..."
    if not path.startswith("/") or path.startswith("//") or "://" in path \
            or "\\" in unquote(path) or dot_segment(path):
        raise ParameterError(name, "must be a path below the API base URL such as %s, "
                             "without '.' or '..' segments, got '%s'" % (example, shown))
    if "?" in path:
        raise ParameterError(name, "put query parameters in 'query', not in the path")
    if "#" in path:
        raise ParameterError(name, "must not contain '#': a fragment is never sent to the "
                             "server, so the request would not be the one asked for")
    if any(ch.isspace() for ch in path):
        raise ParameterError(name, "must not contain spaces; percent-encode them (%%20)")
    return path
