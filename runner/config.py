"""Pack config as st2 hands it to actions and sensors.

st2 validates ``/opt/stackstorm/configs/<pack>.yaml`` against ``config.schema.yaml`` (extra
keys allowed), applies schema defaults at load time, and gives code a dict in which a
missing key raises. This module does the same for the runner and the tests.
"""

import copy
import os
import re

import jsonschema
import yaml

from . import PACK_ROOT
from .params import _strip_flags


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
    with open(os.path.join(root, "config.schema.yaml")) as handle:
        return yaml.safe_load(handle)


def _schema_for_validation(schema):
    properties = {k: _strip_flags(v) for k, v in schema.items()}
    required = [k for k, v in schema.items() if v.get("required") is True and "default" not in v]
    out = {"type": "object", "properties": properties, "additionalProperties": True}
    if required:
        out["required"] = required
    return out


def apply_defaults(schema, value):
    """Fills schema defaults into ``value`` (recursively, including patternProperties)."""
    if not isinstance(schema, dict):
        return value
    if value is None and "default" in schema:
        value = copy.deepcopy(schema["default"])
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        for name, sub in props.items():
            if name not in value and isinstance(sub, dict) and "default" in sub:
                value[name] = copy.deepcopy(sub["default"])
            if name in value:
                value[name] = apply_defaults(sub, value[name])
        for pattern, sub in (schema.get("patternProperties") or {}).items():
            for name in list(value):
                if name not in props and re.search(pattern, name):
                    value[name] = apply_defaults(sub, value[name])
    return value


def prepare(raw, schema=None):
    """Validates a raw config and returns it with defaults applied, as st2 would."""
    schema = schema if schema is not None else load_schema()
    config = copy.deepcopy(raw) if raw else {}
    config = apply_defaults({"properties": schema}, config)
    try:
        jsonschema.Draft4Validator(_schema_for_validation(schema)).validate(config)
    except jsonschema.ValidationError as exc:
        where = ".".join(str(p) for p in exc.path) or "config"
        raise ConfigValidationError("%s: %s" % (where, exc.message))
    return PackConfigDict(config)


def load_file(path, schema=None):
    with open(path) as handle:
        return prepare(yaml.safe_load(handle) or {}, schema)
