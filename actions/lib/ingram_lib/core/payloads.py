"""Trigger payloads checked as StackStorm checks them, before they are dispatched.

The sensor container validates every dispatched payload (``validate_trigger_payload``) and,
when that fails, logs a warning and drops the payload; ``dispatch()`` returns nothing either
way. A sensor that checkpointed after such a call would record as delivered an event that
no rule ever saw. So the pack runs st2's check itself first and dispatches only what passes.

st2's check (``st2common.util.schema.validate`` with ``CustomValidator``) is not plain
draft-4:

* the schema is first checked against st2's meta-schema, in which ``required`` is a boolean
  on each property (draft 3); a draft-4 ``required: [..]`` list fails that check, and then
  every payload of the trigger is dropped;
* ``properties`` are validated as in draft 3 (a missing property is an error only when its
  own ``required`` is true); there is no draft-4 ``required`` keyword, and draft-4's
  boolean ``exclusiveMinimum``/``exclusiveMaximum`` are ignored;
* each optional property (and each with a ``null`` default) also accepts ``null``, in nested
  ``properties`` and array ``items`` too; a property without ``type`` becomes
  ``[string, null]``;
* defaults of ``properties`` are filled in before validation.

When StackStorm's own code is importable (any sensor process of a StackStorm install) it is
used; otherwise (the runner, the fast tests) ``MirrorValidator`` applies the same rules, and
the st2 test tier asserts that both give the same verdict on one corpus.
"""

import copy
import glob
import os
import re

import jsonschema
import yaml
from jsonschema import ValidationError
from jsonschema.validators import Draft4Validator, Draft7Validator, create

from . import PACK
from .errors import PayloadRejected

# libyaml's parser when PyYAML has it (the same documents, much faster).
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


SENSORS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))))), "sensors")

_SIMPLE_TYPES = {"enum": ["array", "boolean", "integer", "null", "number", "object", "string"]}
_SCHEMA_ARRAY = {"type": "array", "minItems": 1, "items": {"$ref": "#"}}
_NON_NEGATIVE = {"type": "integer", "minimum": 0}

# st2's ``custom`` meta-schema (draft 4 with draft-3 ``required`` and st2's keywords), as
# CustomValidator uses it: unknown keywords allowed, type lists allowed.
META_SCHEMA = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "type": "object",
    "dependencies": {"exclusiveMaximum": ["maximum"], "exclusiveMinimum": ["minimum"]},
    "properties": {
        "id": {"type": "string"},
        "$schema": {"type": "string"},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "default": {},
        "multipleOf": {"type": "number", "minimum": 0, "exclusiveMinimum": True},
        "maximum": {"type": "number"},
        "exclusiveMaximum": {"type": "boolean"},
        "minimum": {"type": "number"},
        "exclusiveMinimum": {"type": "boolean"},
        "maxLength": _NON_NEGATIVE,
        "minLength": _NON_NEGATIVE,
        "pattern": {"type": "string"},
        "additionalItems": {"anyOf": [{"type": "boolean"}, {"$ref": "#"}]},
        "items": {"anyOf": [{"$ref": "#"}, _SCHEMA_ARRAY]},
        "maxItems": _NON_NEGATIVE,
        "minItems": _NON_NEGATIVE,
        "uniqueItems": {"type": "boolean"},
        "maxProperties": _NON_NEGATIVE,
        "minProperties": _NON_NEGATIVE,
        "required": {"type": "boolean"},
        "secret": {"type": "boolean"},
        "additionalProperties": {"anyOf": [{"type": "boolean"}, {"$ref": "#"}]},
        "definitions": {"type": "object", "additionalProperties": {"$ref": "#"}},
        "properties": {"type": "object", "additionalProperties": {"$ref": "#"}},
        "patternProperties": {"type": "object", "additionalProperties": {"$ref": "#"}},
        "dependencies": {"type": "object", "additionalProperties": {"anyOf": [
            {"$ref": "#"},
            {"type": "array", "items": {"type": "string"}, "minItems": 1,
             "uniqueItems": True}]}},
        "enum": {"type": "array", "minItems": 1, "uniqueItems": True},
        "type": {"anyOf": [_SIMPLE_TYPES, {"type": "array", "items": _SIMPLE_TYPES,
                                           "minItems": 1, "uniqueItems": True}]},
        "position": {"type": "number", "minimum": 0},
        "immutable": {"type": "boolean"},
        "allOf": _SCHEMA_ARRAY,
        "anyOf": _SCHEMA_ARRAY,
        "oneOf": _SCHEMA_ARRAY,
        "not": {"$ref": "#"},
    },
}


def _properties_draft3(validator, properties, instance, schema):
    if not validator.is_type(instance, "object"):
        return
    for name, subschema in properties.items():
        if name in instance:
            for error in validator.descend(instance[name], subschema, path=name,
                                           schema_path=name):
                yield error
        elif subschema.get("required", False):
            yield ValidationError("%r is a required property" % name, validator="required",
                                  validator_value=subschema["required"], instance=instance,
                                  schema=schema, path=[name],
                                  schema_path=[name, "required"])


# The keywords CustomValidator knows, with the behaviour it gives them: draft-6+ minimum and
# maximum (so a draft-4 boolean ``exclusiveMinimum``/``exclusiveMaximum`` is ignored), no
# ``required`` keyword, draft-3 ``properties``; ``format`` is never checked.
_ST2_KEYWORDS = ("$ref", "additionalItems", "additionalProperties", "allOf", "anyOf",
                 "dependencies", "enum", "format", "items", "maxItems", "maxLength",
                 "maxProperties", "maximum", "minItems", "minLength", "minProperties",
                 "minimum", "multipleOf", "not", "oneOf", "pattern", "patternProperties",
                 "type", "uniqueItems")
_KEYWORDS = {name: Draft7Validator.VALIDATORS[name] for name in _ST2_KEYWORDS}
_KEYWORDS["properties"] = _properties_draft3

MirrorValidator = create(meta_schema=META_SCHEMA, validators=_KEYWORDS,
                         version="ingram_micro_st2_custom",
                         type_checker=Draft4Validator.TYPE_CHECKER)


# -- st2's schema adjustments, reproduced -------------------------------------------------

def _nullable(options):
    return any(t == "null" or (isinstance(t, dict) and t.get("type", "string") == "null")
               for t in options)


def allow_null_optionals(schema):
    """Optional properties (and those defaulting to null) also accept ``null``."""
    schema = copy.deepcopy(schema)
    for name, prop in (schema.get("properties") or {}).items():
        optional = not prop.get("required", False)
        if (optional or "default" in prop) and prop.get("default") is None:
            if "anyOf" in prop:
                if not _nullable(prop["anyOf"]):
                    prop["anyOf"].append({"type": "null"})
            elif "oneOf" in prop:
                if not _nullable(prop["oneOf"]):
                    prop["oneOf"].append({"type": "null"})
            elif isinstance(prop.get("type"), list):
                if "null" not in prop["type"]:
                    prop["type"].append("null")
            else:
                # st2 tests a single type with the list helper, so ``type: null`` gets a
                # second "null" and a missing type becomes "string".
                prop["type"] = [prop.get("type", "string"), "null"]
        kinds = prop.get("type")
        items = prop.get("items", {})
        if _is(kinds, "array") and items and items.get("properties", {}):
            prop["items"] = allow_null_optionals(items)
        if _is(kinds, "object") and prop.get("properties", {}):
            schema["properties"][name] = allow_null_optionals(prop)
    return schema


def _is(kinds, name):
    return kinds == name or (isinstance(kinds, list) and name in kinds)


def fill_defaults(instance, schema):
    """Defaults of ``properties`` (and of array ``items``) put where the value is missing."""
    if isinstance(instance, dict) and schema.get("type") == "object":
        return _fill_object(instance, schema)
    if isinstance(instance, list) and schema.get("type") == "array":
        return _fill_array(instance, schema)
    return instance


def _fill_value(value, schema):
    kinds = schema.get("type")
    if _is(kinds, "array"):
        return _fill_array(value, schema)
    if _is(kinds, "object"):
        return _fill_object(value, schema)
    return value


def _fill_object(instance, schema):
    if not isinstance(instance, dict):
        return instance
    properties = schema.get("properties", {})
    dependencies = schema.get("dependencies", {})
    for name, prop in properties.items():
        has_default = "default" in prop
        if has_default and name in dependencies:
            for needed in dependencies[name]:
                if "default" in properties.get(needed, {}):
                    continue
                if needed not in instance:
                    has_default = False
                    break
        if has_default and instance.get(name) is None:
            instance[name] = prop.get("default")
        if instance.get(name) is not None:
            instance[name] = _fill_value(instance[name], prop)
    return instance


def _fill_array(instance, schema):
    if not isinstance(instance, list):
        return instance
    items = schema.get("items", [])
    if not items:
        return instance
    if isinstance(items, dict):
        items = [items] * len(instance)
    for index, item in enumerate(items):
        if index >= len(instance):
            break
        if "default" in item and instance[index] is None:
            instance[index] = item.get("default")
        if instance[index] is not None:
            kinds = item.get("type")
            if _is(kinds, "array"):
                instance[index] = _fill_array(instance[index], item)
            if _is(kinds, "object"):
                instance[index] = _fill_object(instance[index], item)
    return instance


def mirror_errors(instance, schema):
    """``(errors, instance)``: every error st2's check would find in ``instance`` (with
    defaults filled in, as returned), without checking ``schema`` itself.

    jsonschema quotes the offending value in its messages (``12345678 is not of type
    'string'``); values of properties marked ``secret: true`` are shown as ``SECRET_MASK``
    instead, in the message and in the error's ``instance``, so no error text can leak one.
    """
    schema = allow_null_optionals(schema)
    instance = fill_defaults(copy.deepcopy(instance), schema)
    errors = MirrorValidator(schema).iter_errors(instance)
    hidden = secret_values(instance, schema)
    if hidden:
        errors = (_masked_error(error, hidden) for error in errors)
    return errors, instance


SECRET_MASK = "********"


def secret_values(instance, schema):
    """The values in ``instance`` held by properties that ``schema`` marks ``secret: true``
    (in nested ``properties``, ``patternProperties``, ``additionalProperties`` and array
    ``items`` too); empty values are left out."""
    found = []
    _collect_secrets(instance, schema, found)
    return found


def _collect_secrets(value, schema, found):
    if not isinstance(schema, dict):
        return
    if schema.get("secret") is True:
        if value is not None and value != "":
            found.append(value)
        return
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key) or []:
            _collect_secrets(value, sub, found)
    if isinstance(value, dict):
        properties = schema.get("properties") or {}
        patterns = schema.get("patternProperties") or {}
        additional = schema.get("additionalProperties")
        for name, item in value.items():
            subs = [properties[name]] if name in properties else []
            subs += [sub for pattern, sub in patterns.items()
                     if re.search(pattern, str(name))]
            if not subs and isinstance(additional, dict):
                subs.append(additional)
            for sub in subs:
                _collect_secrets(item, sub, found)
    elif isinstance(value, list):
        items = schema.get("items")
        subs = [items] * len(value) if isinstance(items, dict) else list(items or [])
        for item, sub in zip(value, subs):
            _collect_secrets(item, sub, found)


def mask_secrets(text, values):
    """``text`` with each of ``values`` (as ``repr`` or ``str``) replaced by the mask."""
    forms = {form for value in values for form in (repr(value), str(value)) if form}
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, SECRET_MASK)
    return text


def _masked_value(value, hidden):
    if any(value is secret or (type(value) is type(secret) and value == secret)
           for secret in hidden):
        return SECRET_MASK
    if isinstance(value, dict):
        return {k: _masked_value(v, hidden) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked_value(v, hidden) for v in value]
    return value


def _masked_error(error, hidden):
    error.message = mask_secrets(error.message, hidden)
    error.instance = _masked_value(error.instance, hidden)
    for sub in error.context or ():
        _masked_error(sub, hidden)
    return error


def mirror_validate(payload, schema):
    """Validates as st2 does, without st2: raises ``SchemaError`` or ``ValidationError``."""
    MirrorValidator.check_schema(schema)
    errors, payload = mirror_errors(payload, schema)
    error = jsonschema.exceptions.best_match(errors)
    if error is not None:
        raise error
    return payload


def _st2_validate():
    try:
        from st2common.util import schema as st2_schema
    except Exception:   # ImportError, or st2 present but unusable (missing config)
        return None

    def validate(payload, schema):
        return st2_schema.validate(payload, schema, cls=st2_schema.CustomValidator,
                                   use_default=True, allow_default_none=True)
    return validate


def validator():
    """The function that validates ``(payload, schema)``: st2's own when importable."""
    return _st2_validate() or mirror_validate


def schema_problem(schema):
    """Why st2 would refuse ``schema`` itself (every payload dropped), or None."""
    try:
        MirrorValidator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        return exc.message
    return None


def _field(error):
    return ".".join(str(p) for p in error.absolute_path) or None


def load_trigger_types(sensors_dir=SENSORS_DIR):
    """``{"<pack>.<name>": trigger_type}`` from the sensor YAML files, as registered."""
    out = {}
    for path in sorted(glob.glob(os.path.join(sensors_dir, "*.yaml"))):
        with open(path) as handle:
            meta = yaml.load(handle, Loader=_SAFE_LOADER) or {}
        for trigger in meta.get("trigger_types") or []:
            out["%s.%s" % (PACK, trigger["name"])] = trigger
    return out


class PayloadGate(object):
    """Checks payloads against their trigger type's ``payload_schema`` with st2's rules."""

    def __init__(self, trigger_types=None, validate=None):
        self.trigger_types = trigger_types if trigger_types is not None \
            else load_trigger_types()
        self.validate = validate or validator()

    def check(self, trigger, payload):
        """Raises ``PayloadRejected`` (naming the trigger and the field) if st2 would drop
        ``payload``; a trigger type without a schema accepts anything, as in st2."""
        trigger_type = self.trigger_types.get(trigger)
        if trigger_type is None:
            raise PayloadRejected(trigger, None, "no such trigger type in the pack")
        schema = trigger_type.get("payload_schema")
        if not schema:
            return
        try:
            self.validate(payload, schema)
        except jsonschema.SchemaError as exc:
            raise PayloadRejected(trigger, "payload_schema", "the trigger type's schema is "
                                  "refused by StackStorm: %s" % exc.message)
        except ValidationError as exc:
            raise PayloadRejected(trigger, _field(exc), exc.message)
        except Exception as exc:   # st2 drops the payload on any error of its check
            raise PayloadRejected(trigger, None, "%s: %s" % (type(exc).__name__, exc))


_default_gate = []


def default_gate():
    if not _default_gate:
        _default_gate.append(PayloadGate())
    return _default_gate[0]
