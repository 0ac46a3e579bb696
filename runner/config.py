"""Pack config as st2 hands it to actions and sensors.

st2 validates ``/opt/stackstorm/configs/<pack>.yaml`` against ``config.schema.yaml`` (the
attributes wrapped in an object schema with extra keys allowed, checked by its
``CustomValidator`` with optional properties nullable: ``validate_config_against_schema``)
but stores the file as written. When it hands the config to code, its config loader fills
in the schema defaults (``ContentPackConfigLoader._assign_default_values``) and the code
gets a dict in which a missing key raises. This module does the same for the runner and
the tests.
"""

import copy
import os
import re

import yaml
from jsonschema.exceptions import best_match

from . import PACK_ROOT, loader, pack_module


class ConfigValidationError(ValueError):
    pass


class PackConfigDict(dict):
    """As st2's: reading a key that is not there raises ``ValueError`` naming its path."""

    def __init__(self, values, path="config"):
        super(PackConfigDict, self).__init__()
        self._path = path
        for key, value in values.items():
            self[key] = (PackConfigDict(value, "%s.%s" % (path, key))
                         if isinstance(value, dict) else value)

    def __missing__(self, key):
        raise ValueError("%s.%s is not set in the ingram_micro pack config" % (self._path, key))

    def __deepcopy__(self, memo):
        return PackConfigDict(copy.deepcopy(dict(self), memo), self._path)


def load_schema(root=PACK_ROOT):
    # Parsed once per change of the file (each run reads it again), the caller's own copy.
    return loader.read_yaml(os.path.join(root, "config.schema.yaml"))


def field_schema(object_schema, name):
    """The schema of key ``name`` of an object schema, whether it is listed under
    ``properties`` or under ``patternProperties`` as ``^name$`` (the settings that
    ``st2 pack config`` does not ask for)."""
    properties = object_schema.get("properties") or {}
    if name in properties:
        return properties[name]
    return (object_schema.get("patternProperties") or {})["^%s$" % name]


def validate(raw, schema):
    """Raises ``ConfigValidationError`` naming the field where st2 would refuse ``raw``."""
    errors, _ = pack_module("core.payloads").mirror_errors(
        raw, {"type": "object", "properties": schema, "additionalProperties": True})
    error = best_match(errors)
    if error is not None:
        where = ".".join(str(p) for p in error.absolute_path) or "config"
        raise ConfigValidationError("%s: %s" % (where, error.message))


def _object_schemas(schema, keys):
    """The schema of each key of an object: ``properties``, else every matching pattern of
    ``patternProperties`` (merged), else ``additionalProperties``; plus every property."""
    out = {key: {} for key in keys}
    properties = schema.get("properties") or {}
    out.update(properties)
    extra = [key for key in keys if key not in properties]
    patterns = schema.get("patternProperties") or {}
    additional = schema.get("additionalProperties")
    for key in extra:
        matched = [sub for pattern, sub in patterns.items() if re.search(pattern, key)]
        if matched:
            merged = {}
            for sub in matched:
                merged.update(sub)
            out[key] = merged
        elif isinstance(additional, dict) and additional:
            out[key] = additional
    return out


def _item_schemas(schema, count):
    items = schema.get("items") or []
    out = [items] * count if isinstance(items, dict) else list(items)
    additional = schema.get("additionalItems")
    if len(out) < count and isinstance(additional, dict) and additional:
        out.extend([additional] * (count - len(out)))
    return out


def apply_defaults(schemas, value):
    """Fills in defaults as st2's config loader does: an absent key gets its default (an
    explicit null stays null), and an object or array property with a nested schema is
    created empty where it is absent or empty, then filled the same way."""
    pairs = schemas.items() if isinstance(schemas, dict) else enumerate(schemas)
    for key, schema in pairs:
        present = key in value if isinstance(value, dict) else key < len(value)
        if "default" in schema and not present:
            value[key] = copy.deepcopy(schema["default"])
        try:
            current = value[key]
        except (KeyError, IndexError):
            current = None
        kind = schema.get("type")
        nested = (schema.get("properties"), schema.get("patternProperties"),
                  schema.get("additionalProperties"))
        if kind == "object" and any(nested):
            if not current:
                current = value[key] = {}
            apply_defaults(_object_schemas(schema, list(current)), current)
        elif kind == "array" and (schema.get("items") or schema.get("additionalItems")):
            if not current:
                current = value[key] = []
            apply_defaults(_item_schemas(schema, len(current)), current)
    return value


def _plain(value):
    # A config that was prepared before (tests edit and re-prepare) holds PackConfigDicts,
    # whose missing keys raise; st2 works on the plain values it loaded.
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return copy.deepcopy(value)


def prepare(raw, schema=None):
    """Validates a raw config and returns what code receives from st2 for it."""
    schema = schema if schema is not None else load_schema()
    config = _plain(raw) if raw else {}
    validate(config, schema)
    return PackConfigDict(apply_defaults(schema, config))


def load_file(path, schema=None):
    with open(path) as handle:
        return prepare(yaml.safe_load(handle) or {}, schema)
