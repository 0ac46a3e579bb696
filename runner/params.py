"""Action parameters as st2 treats them: CLI casting, defaults, validation.

st2 wraps the action's parameters in an object schema (``properties`` keep their boolean
``required`` flags), fills in defaults, lets optional parameters be null, and validates
with its ``CustomValidator`` (draft 4 with draft-3 ``required``) before the action runs;
``ingram_lib.trigger_payloads`` holds the same rules for trigger payloads, and they are
used here too.
"""

import json

from . import pack_module


class ParameterValidationError(ValueError):
    pass


def _cast(name, schema, text):
    kind = (schema or {}).get("type")
    if not isinstance(text, str):
        return text
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text) if any(c in text for c in ".eE") else int(text)
        if kind == "boolean":
            lowered = text.strip().lower()
            if lowered in ("true", "1", "yes", "on"):
                return True
            if lowered in ("false", "0", "no", "off"):
                return False
            raise ValueError(text)
        if kind == "object":
            return json.loads(text)
        if kind == "array":
            stripped = text.strip()
            if stripped.startswith("["):
                return json.loads(stripped)
            item_type = ((schema.get("items") or {}).get("type"))
            return [_cast(name, {"type": item_type}, p.strip())
                    for p in stripped.split(",") if p.strip()]
    except ValueError:
        raise ParameterValidationError(
            "parameter '%s': cannot read '%s' as %s" % (name, text, kind))
    return text


def parse_cli(pairs, parameters):
    """``key=value`` strings -> typed values, as ``st2 run`` casts them."""
    values = {}
    for pair in pairs:
        if "=" not in pair:
            raise ParameterValidationError("expected key=value, got '%s'" % pair)
        key, text = pair.split("=", 1)
        if key not in parameters:
            raise ParameterValidationError("'%s' is not a parameter of this action" % key)
        values[key] = _cast(key, parameters[key], text)
    return values


ANY_TYPE = {"anyOf": [{"type": t} for t in
                      ("array", "boolean", "integer", "number", "object", "string")]}


def to_json_schema(parameters):
    """The schema st2 validates an action's parameters with (an empty spec takes any type)."""
    properties = {name: (spec or ANY_TYPE) for name, spec in (parameters or {}).items()}
    return {"type": "object", "properties": properties, "additionalProperties": False}


def resolve(parameters, given):
    """Applies defaults and validates; returns the kwargs the action's run() receives."""
    unknown = set(given) - set(parameters or {})
    if unknown:
        raise ParameterValidationError("unknown parameter(s): %s" % ", ".join(sorted(unknown)))
    values = {}
    for name, spec in (parameters or {}).items():
        # st2 replaces an explicit null with the default (a workflow passing ``limit: null``
        # gets 10, not None).
        if name in given and not (given[name] is None and "default" in spec):
            values[name] = given[name]
        elif "default" in spec:
            values[name] = spec["default"]
    for name, spec in (parameters or {}).items():
        if spec.get("immutable") and name in given and given[name] != spec.get("default"):
            raise ParameterValidationError("parameter '%s' is immutable" % name)
    errors, values = pack_module("trigger_payloads").mirror_errors(
        values, to_json_schema(parameters))
    errors = sorted(errors, key=lambda e: [str(p) for p in e.path])
    if errors:
        err = errors[0]
        where = ".".join(str(p) for p in err.path)
        raise ParameterValidationError(
            "parameter '%s': %s" % (where, err.message) if where else err.message)
    return values
