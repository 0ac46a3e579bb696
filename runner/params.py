"""Action parameters as st2 treats them: CLI casting, defaults, validation.

st2 builds a draft-4 object schema from the action's parameters (``required: true`` flags
become the ``required`` list), fills in defaults, lets optional parameters be null, and
rejects a value of the wrong type before the action runs.
"""

import json

import jsonschema

from .services import _nullable_optionals


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


def to_json_schema(parameters):
    properties, required = {}, []
    for name, spec in (parameters or {}).items():
        spec = dict(spec)
        if spec.pop("required", False):
            required.append(name)
        for key in ("secret", "immutable", "position"):
            spec.pop(key, None)
        properties[name] = _strip_flags(spec)
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return _nullable_optionals(schema)


def _strip_flags(schema):
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key in ("secret", "immutable", "position"):
            continue
        if key == "required" and isinstance(value, bool):
            continue
        if key in ("properties", "patternProperties") and isinstance(value, dict):
            value = {k: _strip_flags(v) for k, v in value.items()}
        elif key == "items" and isinstance(value, dict):
            value = _strip_flags(value)
        out[key] = value
    # Nested ``required: true`` flags become the draft-4 list st2 builds from them.
    if isinstance(schema.get("properties"), dict):
        nested = [k for k, v in schema["properties"].items()
                  if isinstance(v, dict) and v.get("required") is True]
        if nested:
            out["required"] = nested
    return out


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
    validator = jsonschema.Draft4Validator(to_json_schema(parameters))
    errors = sorted(validator.iter_errors(values), key=lambda e: list(e.path))
    if errors:
        err = errors[0]
        where = ".".join(str(p) for p in err.path)
        raise ParameterValidationError(
            "parameter '%s': %s" % (where, err.message) if where else err.message)
    return values
