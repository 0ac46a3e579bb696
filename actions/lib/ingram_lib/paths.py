"""Builds request paths from templates with every parameter percent-encoded.

An id such as ``../orders`` or ``1?x=y`` must stay inside its path segment.
"""

import re
from urllib.parse import quote

from .errors import ParameterError

_FIELD = re.compile(r"\{(\w+)\}")


def segment(name, value):
    if value is None:
        raise ParameterError(name, "is required")
    text = str(value).strip()
    if not text:
        raise ParameterError(name, "must not be empty")
    if text in (".", ".."):
        raise ParameterError(name, "'%s' is not a valid identifier" % text)
    return quote(text, safe="")


def build(template, **values):
    def repl(match):
        key = match.group(1)
        return segment(key, values.get(key))
    return _FIELD.sub(repl, template)
