"""Conformance of bodies to the Marketplace API 1.15 OpenAPI spec (component schemas).

    from spec_check import assert_matches, response_schema_name
    assert_matches("ResultListCustomer", body)                      # a response body
    assert_matches("Customer", body, direction="request")           # a request body
    assert_matches(response_schema_name("GET", "/plans/{id}"), body)

How an OpenAPI 3.0 schema becomes JSON Schema here:
- ``$ref`` is inlined and ``allOf`` parts that are objects are merged into one object
  (properties and ``required`` united), so ``strict`` can forbid undeclared properties;
- ``nullable: true`` adds ``null`` to the type (and to an ``enum``);
- direction ``"response"``: a ``writeOnly`` property (e.g. a contact's ``password``) must
  NOT appear and is never required; direction ``"request"``: the same for ``readOnly``;
- ``strict=True`` (the default) rejects properties the spec does not declare, so private
  emulator fields or typos fail; pass ``strict=False`` where the API is known to add more;
- ``format`` is informative only, as in OpenAPI (``int32`` etc. are not checked), and
  ``example``/``description``/``xml``/``discriminator`` are dropped.

The spec is not part of this repository; it is the verbatim public file. It is read from
``$INGRAM_MICRO_MARKETPLACE_SPEC`` when that is set, else from ``.cache/specs/`` in the
repository or ``shared/reference/specs/`` beside it. Without it, ``assert_matches`` only
warns (so behaviour tests still run) unless ``INGRAM_MICRO_REQUIRE_SPEC=1``, which makes a
missing spec a failure; the other helpers skip the test.
"""

import copy
import functools
import json
import os
import warnings

import jsonschema
import pytest
import yaml

SPEC_FILE = "marketplace-api-1.15.yaml"
SPEC_ENV = "INGRAM_MICRO_MARKETPLACE_SPEC"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_REF = "#/components/schemas/"
_DROP = ("example", "examples", "description", "xml", "discriminator", "externalDocs",
         "deprecated", "title")
_FORBIDDEN = {"not": {}}


class SpecMissing(Exception):
    pass


def spec_path():
    configured = os.environ.get(SPEC_ENV)
    if configured:
        return configured if os.path.isfile(configured) else None
    for path in (os.path.join(ROOT, ".cache", "specs", SPEC_FILE),
                 os.path.join(os.path.dirname(ROOT), "shared", "reference", "specs", SPEC_FILE)):
        if os.path.isfile(path):
            return path
    return None


@functools.lru_cache(maxsize=None)
def _load(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load_spec():
    """The parsed spec; skips the calling test when it is not available."""
    path = spec_path()
    if path is None:
        if os.environ.get("INGRAM_MICRO_REQUIRE_SPEC") == "1":
            pytest.fail("Marketplace spec %s not found (set %s)" % (SPEC_FILE, SPEC_ENV))
        pytest.skip("Marketplace spec %s not found (set %s)" % (SPEC_FILE, SPEC_ENV))
    return _load(path)


def _components():
    return load_spec()["components"]["schemas"]


def _flag(raw, name):
    """``readOnly``/``writeOnly`` of a property, including one set on a $ref target."""
    if not isinstance(raw, dict):
        return False
    if raw.get(name):
        return True
    ref = raw.get("$ref")
    if ref and ref.startswith(_REF):
        return bool(_components()[ref[len(_REF):]].get(name))
    return False


def _merge_all_of(parts):
    merged = {"type": "object", "properties": {}}
    required = []
    for part in parts:
        # A strict part forbids the other parts' properties; the merged object decides.
        if part.get("additionalProperties") not in (None, False):
            return None
        if part.get("type", "object") != "object" or set(part) - {
                "type", "properties", "required", "additionalProperties", "readOnly",
                "writeOnly"}:
            return None
        merged["properties"].update(part.get("properties") or {})
        required += [r for r in part.get("required") or [] if r not in required]
    if required:
        merged["required"] = required
    return merged


def _convert(raw, direction, strict, stack):
    if isinstance(raw, list):
        return [_convert(item, direction, strict, stack) for item in raw]
    if not isinstance(raw, dict):
        return raw
    if "$ref" in raw:
        ref = raw["$ref"]
        if not ref.startswith(_REF):
            raise ValueError("unsupported $ref %s" % ref)
        name = ref[len(_REF):]
        if name in stack:
            return {}  # a cycle: accept anything below this point
        return _convert(_components()[name], direction, strict, stack + (name,))
    schema = {k: v for k, v in raw.items() if k not in _DROP}
    if "allOf" in schema:
        parts = [_convert(p, direction, strict, stack) for p in schema.pop("allOf")]
        own = {k: schema.pop(k) for k in ("properties", "required") if k in schema}
        if own:
            parts.append(_convert(dict(own, type="object"), direction, strict, stack))
        merged = _merge_all_of(parts)
        if merged is None:
            schema["allOf"] = [_convert(p, direction, False, stack) for p in raw["allOf"]]
            if own:
                schema["allOf"].append(_convert(dict(own, type="object"), direction, False,
                                                stack))
        else:
            schema.update(merged)
            return _finish_object(schema, _raw_properties(raw), direction, strict)
    if "items" in schema:
        schema["items"] = _convert(schema["items"], direction, strict, stack)
    if isinstance(schema.get("additionalProperties"), dict):
        schema["additionalProperties"] = _convert(schema["additionalProperties"], direction,
                                                  strict, stack)
    if schema.pop("nullable", False):
        kinds = schema.get("type")
        if kinds is not None:
            schema["type"] = (kinds if isinstance(kinds, list) else [kinds]) + ["null"]
        if "enum" in schema:
            schema["enum"] = list(schema["enum"]) + [None]
    if "properties" in schema:
        schema["properties"] = {name: _convert(sub, direction, strict, stack)
                                for name, sub in schema["properties"].items()}
        return _finish_object(schema, raw.get("properties") or {}, direction, strict)
    for key in ("readOnly", "writeOnly"):
        schema.pop(key, None)
    return schema


def _raw_properties(raw):
    """Property schemas as written, across allOf parts (for readOnly/writeOnly flags)."""
    props = {}
    for part in raw.get("allOf") or []:
        if "$ref" in part:
            part = _components()[part["$ref"][len(_REF):]]
        props.update(_raw_properties(part))
    props.update(raw.get("properties") or {})
    return props


def _finish_object(schema, raw_props, direction, strict):
    hidden = "writeOnly" if direction == "response" else "readOnly"
    banned = [name for name, sub in raw_props.items() if _flag(sub, hidden)]
    props = dict(schema.get("properties") or {})
    for name in banned:
        props[name] = _FORBIDDEN
    schema["properties"] = props
    if schema.get("required"):
        required = [r for r in schema["required"] if r not in banned]
        if required:
            schema["required"] = required
        else:
            del schema["required"]
    if strict and "additionalProperties" not in schema:
        schema["additionalProperties"] = False
    for key in ("readOnly", "writeOnly"):
        schema.pop(key, None)
    return schema


@functools.lru_cache(maxsize=None)
def _cached(name, direction, strict):
    if name not in _components():
        raise KeyError("no component schema %r in the spec" % name)
    return _convert({"$ref": _REF + name}, direction, strict, ())


def json_schema(name, direction="response", strict=True):
    """The JSON Schema (draft 7) for component ``name`` as seen in ``direction``."""
    if direction not in ("response", "request"):
        raise ValueError("direction must be 'response' or 'request'")
    return copy.deepcopy(_cached(name, direction, strict))


def errors(name, instance, direction="response", strict=True):
    """Every violation, as ``"path: message"`` strings (empty when the instance conforms)."""
    validator = jsonschema.Draft7Validator(_cached(name, direction, strict))
    found = []
    for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.path)):
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        if error.validator == "not" and error.schema == _FORBIDDEN:
            message = "must not appear in a %s (%s)" % (
                direction, "writeOnly" if direction == "response" else "readOnly")
        else:
            message = error.message
        found.append("%s: %s" % (where, message))
    return found


def assert_matches(name, instance, direction="response", strict=True):
    """Fails with every violation listed when ``instance`` does not conform to ``name``."""
    if spec_path() is None and os.environ.get("INGRAM_MICRO_REQUIRE_SPEC") != "1":
        warnings.warn("Marketplace spec not found (set %s): %s not checked" % (SPEC_ENV, name))
        return
    found = errors(name, instance, direction, strict)
    if found:
        shown = json.dumps(instance, default=str)
        raise AssertionError("%s does not match the spec's %s schema:\n  %s\nbody: %s" % (
            direction, name, "\n  ".join(found[:20]), shown[:2000]))


def _operation(method, template):
    operation = (load_spec()["paths"].get(template) or {}).get(method.lower())
    if operation is None:
        raise KeyError("the spec has no %s %s" % (method.upper(), template))
    return operation


def _schema_name(content):
    schema = ((content or {}).get("application/json") or {}).get("schema") or {}
    ref = schema.get("$ref", "")
    return ref[len(_REF):] if ref.startswith(_REF) else None


def response_schema_name(method, template):
    """Component name of an operation's response body, e.g. ("GET", "/plans/{id}")."""
    responses = _operation(method, template)["responses"]
    for status in ("default", "200", "201"):
        if status in responses:
            return _schema_name(responses[status].get("content"))
    return None


def request_schema_name(method, template):
    body = _operation(method, template).get("requestBody") or {}
    return _schema_name(body.get("content"))
