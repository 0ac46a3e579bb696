"""StackStorm's registration rules for pack metadata, as checks that run without st2.

The rules follow st2's API models (ActionAPI, SensorTypeAPI, TriggerTypeAPI, RuleAPI,
PackAPI, ConfigSchemaAPI) and the parameter meta-schema every action parameter and config
attribute is validated against: draft-4 keywords plus ``required`` (a boolean, at every
depth), ``secret``, ``immutable`` and ``position``; no other key; one type per schema.
"""

import copy
import re

import jsonschema

from . import pack_module

SIMPLE_TYPES = ["array", "boolean", "integer", "null", "number", "object", "string",
                "raw_string"]

# st2's parameter meta-schema (action_params.json) is its custom trigger-payload meta-schema
# with one type per schema and no unknown keys; each nested schema refers back to it, so the
# strict rules apply at every depth (a nested draft-4 ``required: [..]`` list is rejected).
PARAMETER_META_SCHEMA = copy.deepcopy(pack_module("core.payloads").META_SCHEMA)
PARAMETER_META_SCHEMA["additionalProperties"] = False
PARAMETER_META_SCHEMA["properties"]["type"] = {"enum": SIMPLE_TYPES}

# st2's meta-schema for an action's output_schema (action_output_schema.json, checked with
# its top-level ``additionalProperties: false`` removed): one type per schema, ``required`` a
# boolean, unknown keywords allowed. A schema that fails it, or has no top-level ``type`` (a
# "legacy" schema), is not enforced: st2 logs a warning and skips the validation.
OUTPUT_META_SCHEMA = copy.deepcopy(PARAMETER_META_SCHEMA)
del OUTPUT_META_SCHEMA["additionalProperties"]
OUTPUT_META_SCHEMA["properties"]["type"] = {"enum": [t for t in SIMPLE_TYPES
                                                     if t != "raw_string"]}

NAME = re.compile(r"^\w+$")
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[\da-zA-Z-.]+)?"
                    r"(?:\+[\da-zA-Z-.]+)?$")
ST2_VERSION = re.compile(r"^((>?>|<?<|=|>=|<=)\s*\d+\.\d+\.\d+(\s*,\s*)?)+$")

ACTION_KEYS = {"name", "runner_type", "description", "enabled", "entry_point", "pack",
               "parameters", "output_schema", "tags", "notify", "metadata_file", "id", "ref",
               "uid"}
PYTHON_RUNNER_PARAMETERS = {"debug", "content_version", "env", "timeout", "log_level"}
SENSOR_KEYS = {"class_name", "entry_point", "description", "enabled", "poll_interval",
               "trigger_types", "name", "pack", "artifact_uri", "id", "ref", "uid",
               "metadata_file"}
TRIGGER_KEYS = {"name", "description", "payload_schema", "parameters_schema", "tags",
                "pack", "metadata_file"}
RULE_KEYS = {"name", "pack", "description", "enabled", "trigger", "criteria", "action",
             "context", "tags", "ref", "uid", "id", "metadata_file", "type"}
ALIAS_KEYS = {"name", "pack", "description", "enabled", "action_ref", "formats", "ack",
              "result", "extra", "immutable_parameters", "metadata_file", "id", "ref", "uid"}
# The types of the ack and result keys st2 knows (it lets other keys through unchecked).
ALIAS_MESSAGE_TYPES = {"enabled": bool, "format": str, "extra": dict, "append_url": bool}
MINIMUM_POLL_INTERVAL = 4

_param_validator = jsonschema.Draft4Validator(PARAMETER_META_SCHEMA)
_output_validator = jsonschema.Draft4Validator(OUTPUT_META_SCHEMA)


def parameter_errors(name, schema, where):
    errors = []
    if not NAME.match(str(name)):
        errors.append("%s: parameter name '%s' must match ^\\w+$" % (where, name))
    for err in _param_validator.iter_errors(schema):
        path = ".".join(str(p) for p in err.path)
        errors.append("%s.%s%s: %s" % (where, name, "." + path if path else "", err.message))
    return errors


def action_errors(meta, where="action"):
    errors = []
    if not isinstance(meta, dict):
        return ["%s: not a mapping" % where]
    for key in ("name", "runner_type"):
        if not meta.get(key):
            errors.append("%s: '%s' is required" % (where, key))
    extra = set(meta) - ACTION_KEYS
    if extra:
        errors.append("%s: additional properties are not allowed (%s)"
                      % (where, ", ".join(sorted(extra))))
    params = meta.get("parameters") or {}
    positions = []
    for name, schema in params.items():
        errors.extend(parameter_errors(name, schema, where))
        if not isinstance(schema, dict):
            continue
        if meta.get("runner_type") in ("python-script",) and name in PYTHON_RUNNER_PARAMETERS:
            overrides = set(schema) - {"default", "description", "enum", "immutable", "required"}
            if overrides:
                errors.append("%s.%s: overrides the runner parameter with %s"
                              % (where, name, ", ".join(sorted(overrides))))
        if schema.get("immutable") and "default" not in schema:
            errors.append("%s.%s: immutable requires a default" % (where, name))
        if "position" in schema:
            positions.append(schema["position"])
    if sorted(positions) != list(range(len(positions))):
        errors.append("%s: positions %s must be unique and contiguous from 0"
                      % (where, sorted(positions)))
    if meta.get("output_schema") is not None:
        errors.extend(output_schema_errors(meta["output_schema"], where))
    return errors


def output_schema_errors(schema, where="action"):
    """Why st2 would not enforce an action's ``output_schema``: it registers such a schema,
    then skips validating results with it (a warning in the action runner's log)."""
    if not isinstance(schema, dict):
        return ["%s: output_schema must be a mapping" % where]
    errors = []
    if "type" not in schema:
        errors.append("%s.output_schema: no top-level type; StackStorm takes it for a legacy "
                      "schema and does not validate results with it" % where)
    for err in _output_validator.iter_errors(schema):
        path = ".".join(str(p) for p in err.path)
        errors.append("%s.output_schema%s: %s (StackStorm does not enforce such a schema)"
                      % (where, "." + path if path else "", err.message))
    return errors


def config_schema_errors(schema, where="config.schema.yaml"):
    if not schema:
        return ["%s: the file exists but is empty" % where]
    errors = []
    for name, attr in schema.items():
        errors.extend(parameter_errors(name, attr, where))
    return errors


def trigger_type_errors(trigger, where):
    errors = []
    if not trigger.get("name"):
        errors.append("%s: trigger type without a name" % where)
    extra = set(trigger) - TRIGGER_KEYS
    if extra:
        errors.append("%s: unknown trigger type keys %s (st2 drops them silently)"
                      % (where, ", ".join(sorted(extra))))
    if not trigger.get("payload_schema"):
        errors.append("%s: trigger type %s has no payload_schema" % (where, trigger.get("name")))
    else:
        # st2 checks the schema with its own meta-schema at every dispatch and drops every
        # payload when that fails (draft-4 ``required`` lists, for one).
        problem = pack_module("core.payloads").schema_problem(trigger["payload_schema"])
        if problem:
            errors.append("%s: StackStorm refuses the payload_schema of %s, so it would drop "
                          "every payload: %s" % (where, trigger.get("name"), problem))
    return errors


def sensor_errors(meta, where="sensor"):
    errors = []
    if not meta.get("class_name"):
        errors.append("%s: class_name is required" % where)
    if not meta.get("entry_point"):
        errors.append("%s: entry_point is required" % where)
    extra = set(meta) - SENSOR_KEYS
    if extra:
        errors.append("%s: unknown keys %s" % (where, ", ".join(sorted(extra))))
    interval = meta.get("poll_interval")
    numeric = isinstance(interval, (int, float))
    if interval is not None and (not numeric or interval < MINIMUM_POLL_INTERVAL):
        errors.append("%s: poll_interval must be >= %d" % (where, MINIMUM_POLL_INTERVAL))
    for trigger in meta.get("trigger_types") or []:
        errors.extend(trigger_type_errors(trigger, where))
    return errors


def rule_errors(meta, where="rule"):
    errors = []
    if not meta.get("name"):
        errors.append("%s: name is required" % where)
    extra = set(meta) - RULE_KEYS
    if extra:
        errors.append("%s: additional properties are not allowed (%s)"
                      % (where, ", ".join(sorted(extra))))
    trigger = meta.get("trigger") or {}
    if not trigger.get("type"):
        errors.append("%s: trigger.type is required" % where)
    if set(trigger) - {"type", "parameters", "ref", "description"}:
        errors.append("%s: unknown trigger keys" % where)
    action = meta.get("action") or {}
    if not action.get("ref"):
        errors.append("%s: action.ref is required" % where)
    if set(action) - {"ref", "parameters", "description"}:
        errors.append("%s: unknown action keys %s" % (where, sorted(set(action))))
    for key, criterion in (meta.get("criteria") or {}).items():
        if not isinstance(criterion, dict) or "type" not in criterion \
                or "pattern" not in criterion:
            errors.append("%s: criterion %s needs type and pattern" % (where, key))
    return errors


def alias_errors(meta, where="alias"):
    """ActionAliasAPI's rules: required keys, no other keys, formats as strings or
    ``{display, representation: [..]}``, ack and result as mappings of typed keys."""
    if not isinstance(meta, dict):
        return ["%s: not a mapping" % where]
    errors = []
    for key in ("name", "pack", "action_ref"):
        if not isinstance(meta.get(key), str) or not meta.get(key):
            errors.append("%s: '%s' is required (a string)" % (where, key))
    extra = set(meta) - ALIAS_KEYS
    if extra:
        errors.append("%s: additional properties are not allowed (%s)"
                      % (where, ", ".join(sorted(extra))))
    formats = meta.get("formats", [])
    if not isinstance(formats, list):
        errors.append("%s: formats must be a list" % where)
        formats = []
    for item in formats:
        if isinstance(item, str):
            continue
        if not isinstance(item, dict) or set(item) - {"display", "representation"} \
                or not isinstance(item.get("display", ""), str) \
                or not isinstance(item.get("representation", []), list) \
                or not all(isinstance(r, str) for r in item.get("representation", [])):
            errors.append("%s: a format is a string or {display, representation: [..]}: %r"
                          % (where, item))
    for key in ("ack", "result"):
        value = meta.get(key)
        if value is None:
            continue
        if not isinstance(value, dict):
            errors.append("%s: %s must be a mapping" % (where, key))
            continue
        for name, kind in ALIAS_MESSAGE_TYPES.items():
            if name in value and not isinstance(value[name], kind):
                errors.append("%s: %s.%s must be a %s" % (where, key, name, kind.__name__))
    for key in ("extra", "immutable_parameters"):
        if key in meta and not isinstance(meta[key], dict):
            errors.append("%s: %s must be a mapping" % (where, key))
    if "enabled" in meta and not isinstance(meta["enabled"], bool):
        errors.append("%s: enabled must be a boolean" % where)
    return errors


def pack_errors(meta):
    errors = []
    for key in ("name", "description", "version", "author"):
        if not meta.get(key):
            errors.append("pack.yaml: '%s' is required" % key)
    if not isinstance(meta.get("version"), str) or not SEMVER.match(meta.get("version", "")):
        errors.append("pack.yaml: version must be a quoted strict semver string")
    ref = meta.get("ref")
    if not ref or not re.match(r"^[a-z0-9_]+$", ref) or ref in ("_global", "core", "packs"):
        errors.append("pack.yaml: ref must match ^[a-z0-9_]+$ and not be reserved")
    versions = meta.get("python_versions") or []
    if not versions or any(v not in ("2", "3") for v in versions) \
            or len(set(versions)) != len(versions):
        errors.append("pack.yaml: python_versions must hold '2' and/or '3'")
    st2v = meta.get("stackstorm_version")
    if st2v is not None and not ST2_VERSION.match(str(st2v)):
        errors.append("pack.yaml: stackstorm_version must look like '>=3.8.0'")
    return errors
