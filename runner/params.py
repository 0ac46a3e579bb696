"""Action parameters as st2 treats them: CLI casting, defaults, validation.

st2 wraps the action's parameters in an object schema (``properties`` keep their boolean
``required`` flags), fills in defaults, lets optional parameters be null, and validates
with its ``CustomValidator`` (draft 4 with draft-3 ``required``) before the action runs;
``ingram_lib.core.payloads`` holds the same rules for trigger payloads, and they are
used here too.
"""

import json
import math
import re

from . import pack_module

# st2 stores an execution's parameters inside one MongoDB document, and MongoDB refuses
# documents nested deeper than 100 levels; a parameter nested deeper than this can never run
# there, and walking it recursively would only exhaust Python's stack.
MAX_DEPTH = 64
# How much of a refused value an error message quotes.
SHOWN_CHARS = 80

# ASCII digits only: Python's int() and float() also read other scripts' digits ('\u0661'),
# which no API of the pack accepts, and '1_000'; st2's casts are looser, never stricter.
INTEGER = re.compile(r"[ \t]*([+-]?[0-9]+)[ \t]*\Z")
NUMBER = re.compile(r"[ \t]*([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)[ \t]*\Z")


class ParameterValidationError(ValueError):
    """A parameter st2 would refuse; ``parameter`` names it as the action's YAML does."""

    kind = "parameter_error"

    def __init__(self, message, parameter=None):
        super(ParameterValidationError, self).__init__(message)
        self.parameter = parameter

    def to_dict(self):
        out = {"error": self.kind, "message": str(self)}
        if self.parameter is not None:
            out["parameter"] = self.parameter
        return out


def _shown(text, secret=False):
    if secret:
        return "(secret value not shown)"
    text = repr(text)
    if len(text) > SHOWN_CHARS:
        text = text[:SHOWN_CHARS] + "... (%d characters)" % len(text)
    return text


def _has_secret(schema):
    """Whether ``schema`` or any schema nested in it marks its value ``secret``."""
    stack = [schema]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if item.get("secret") is True:
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _short(text):
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "..."


def _too_deep(value):
    return pack_module("core.checks").nested_too_deep(value, MAX_DEPTH)


def _not_finite(value):
    """True when ``value`` holds a NaN or infinity, which JSON (and st2's API) cannot carry."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return True
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return False


def _json(text):
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise ValueError("nested too deeply")
    if _too_deep(value):
        raise ValueError("nested too deeply")
    return value


def _refuse_constant(name):
    raise ValueError("%s is not JSON" % name)


def _cast(name, schema, text):
    schema = schema if isinstance(schema, dict) else {}
    kind = schema.get("type")
    if not isinstance(text, str):
        return text
    try:
        if kind == "integer":
            match = INTEGER.match(text)
            if not match:
                raise ValueError(text)
            return int(match.group(1))
        if kind == "number":
            match = NUMBER.match(text)
            if not match:
                raise ValueError(text)
            literal = match.group(1)
            if not any(c in literal for c in ".eE"):
                return int(literal)
            number = float(literal)
            if not math.isfinite(number):
                raise ValueError(text)
            return number
        if kind == "boolean":
            lowered = text.strip().lower()
            if lowered in ("true", "1", "yes", "on"):
                return True
            if lowered in ("false", "0", "no", "off"):
                return False
            raise ValueError(text)
        if kind == "object":
            return _json(text)
        if kind == "array":
            stripped = text.strip()
            if stripped.startswith("["):
                return _json(stripped)
            items = schema.get("items")
            item_schema = {"type": items.get("type")} if isinstance(items, dict) else {}
            return [_cast(name, item_schema, p.strip())
                    for p in stripped.split(",") if p.strip()]
    except (ValueError, OverflowError) as exc:
        reason = " (nested more than %d levels deep)" % MAX_DEPTH \
            if "nested too deeply" in str(exc) else ""
        raise ParameterValidationError(
            "parameter '%s': cannot read %s as %s%s"
            % (name, _shown(text, _has_secret(schema)), kind, reason), parameter=name)
    return text


def parse_cli(pairs, parameters):
    """``key=value`` strings -> typed values, as ``st2 run`` casts them."""
    values = {}
    for pair in pairs:
        if "=" not in pair:
            raise ParameterValidationError("expected key=value, got %s" % _shown(pair))
        key, text = pair.split("=", 1)
        if key not in parameters:
            raise ParameterValidationError("%s is not a parameter of this action"
                                           % _shown(key), parameter=key)
        values[key] = _cast(key, parameters[key], text)
    return values


ANY_TYPE = {"anyOf": [{"type": t} for t in
                      ("array", "boolean", "integer", "number", "object", "string")]}


def to_json_schema(parameters):
    """The schema st2 validates an action's parameters with (an empty spec takes any type)."""
    properties = {name: (spec or ANY_TYPE) for name, spec in (parameters or {}).items()}
    return {"type": "object", "properties": properties, "additionalProperties": False}


def _secret_on_path(spec, path):
    """Whether the failing value is, or holds, a ``secret`` one (so must not be quoted)."""
    schema = spec
    for step in list(path)[1:]:
        if not isinstance(schema, dict):
            return False
        if schema.get("secret") is True:
            return True
        if isinstance(step, int):
            schema = schema.get("items")
        else:
            schema = (schema.get("properties") or {}).get(step)
    return _has_secret(schema)


def _error_message(err, spec):
    if _secret_on_path(spec, err.path):
        # jsonschema quotes the value; a secret is described by the rule it broke instead.
        return "the value does not satisfy '%s' (secret value not shown)" % err.validator
    message = err.message
    if len(message) > 4 * SHOWN_CHARS:
        message = "%s does not satisfy '%s': %s" % (
            _shown(err.instance), err.validator, _shown(err.validator_value))
    return message


def resolve(parameters, given):
    """Applies defaults and validates; returns the kwargs the action's run() receives."""
    parameters = parameters or {}
    unknown = set(given) - set(parameters)
    if unknown:
        raise ParameterValidationError(
            "unknown parameter(s): %s" % ", ".join(sorted(_short(str(u)) for u in unknown)),
            parameter=sorted(unknown)[0])
    for name in sorted(given):
        if _too_deep(given[name]):
            raise ParameterValidationError(
                "parameter '%s': nested more than %d levels deep" % (name, MAX_DEPTH),
                parameter=name)
        if _not_finite(given[name]):
            raise ParameterValidationError(
                "parameter '%s': NaN and infinity are not JSON numbers" % name,
                parameter=name)
    values = {}
    for name, spec in parameters.items():
        # st2 replaces an explicit null with the default (a workflow passing ``limit: null``
        # gets 10, not None).
        if name in given and not (given[name] is None and "default" in spec):
            values[name] = given[name]
        elif "default" in spec:
            values[name] = spec["default"]
    errors, values = pack_module("core.payloads").mirror_errors(
        values, to_json_schema(parameters))
    errors = sorted(errors, key=lambda e: [str(p) for p in e.path])
    if errors:
        err = errors[0]
        where = ".".join(str(p) for p in err.path)
        name = str(err.path[0]) if err.path else None
        message = _error_message(err, parameters.get(name) if name else None)
        raise ParameterValidationError(
            "parameter '%s': %s" % (where, message) if where else message, parameter=name)
    # Checked after the schema, as st2's create_request does. st2 refuses an immutable
    # parameter that is given at all -- even with its default value, even null -- rather
    # than silently keep its default.
    immutable = [name for name in given if (parameters.get(name) or {}).get("immutable")]
    if immutable:
        raise ParameterValidationError(
            "Override of immutable parameter(s) %s is unsupported." % str(immutable),
            parameter=immutable[0])
    return values
