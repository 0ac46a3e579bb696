"""One corpus of trigger payload schemas, payloads and action parameters, good and bad,
on which the stand-ins and StackStorm must give the same verdicts.

``tests/st2/test_st2_agreement.py`` asks StackStorm itself and keeps its answers in
``tests/st2_verdicts.json``; ``tests/test_st2_verdicts.py`` holds the fast tier's checks to
those answers (it runs with another jsonschema than StackStorm's).
"""

import json
import os

from runner import loader

VERDICTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "st2_verdicts.json")

S = {"type": "string"}
OBJ = "object"

# (schema, [payloads]); every payload is tried against its schema.
CORPUS = [
    # draft-4 list: st2 refuses the schema, so it drops even a perfect payload
    ({"type": OBJ, "required": ["a"], "properties": {"a": S}},
     [{"a": "x"}, {}]),
    ({"type": OBJ, "properties": {"o": {"type": OBJ, "required": ["b"],
                                        "properties": {"b": S}}}},
     [{"o": {"b": "x"}}, {}]),
    ({"type": OBJ, "properties": {"a": dict(S, required="yes")}}, [{"a": "x"}]),
    ({"type": OBJ, "properties": {"a": {"type": "raw_string"}}}, [{"a": "x"}]),
    # st2's own shape: boolean required at each depth
    ({"type": OBJ, "additionalProperties": False,
      "properties": {"a": dict(S, required=True), "n": {"type": "integer"},
                     "o": {"type": OBJ, "properties": {"b": dict(S, required=True),
                                                       "c": {"type": "boolean"}}}}},
     [{"a": "x"}, {}, {"a": None}, {"a": 1}, {"a": "x", "n": None}, {"a": "x", "n": 1.0},
      {"a": "x", "n": True}, {"a": "x", "extra": 1}, {"a": "x", "o": {}},
      {"a": "x", "o": {"b": "y", "c": None}}, {"a": "x", "o": None}, {"a": "x", "o": []}]),
    # an optional property without a type becomes [string, null] in st2
    ({"type": OBJ, "properties": {"free": {"description": "anything?"}}},
     [{"free": "x"}, {"free": 5}, {"free": {"k": 1}}, {"free": None}, {}]),
    # a required property with a default is filled in before the check
    ({"type": OBJ, "properties": {"d": dict(S, required=True, default="z"),
                                  "e": {"type": "integer", "default": 3}}},
     [{}, {"d": None}, {"e": None}, {"e": "three"}]),
    # type lists, enum, anyOf, oneOf, not
    ({"type": OBJ, "properties": {
        "t": {"type": ["string", "integer"]},
        "en": {"type": "string", "enum": ["x", "y"]},
        "any": {"anyOf": [{"type": "integer"}, {"type": "boolean"}]},
        "one": {"oneOf": [{"type": "integer"}, {"type": "number"}]},
        "neg": {"not": {"type": "string"}, "type": "integer"}}},
     [{"t": 1}, {"t": 1.5}, {"en": "z"}, {"en": None}, {"any": "s"}, {"any": None},
      {"one": 2}, {"one": 2.5}, {"neg": 3}, {"neg": "s"}]),
    # arrays of objects: optional item fields are nullable too
    ({"type": OBJ, "properties": {"rows": {"type": "array", "items": {
        "type": OBJ, "additionalProperties": False,
        "properties": {"id": dict(S, required=True), "q": {"type": "integer"}}}}}},
     [{"rows": [{"id": "1"}]}, {"rows": [{"id": "1", "q": None}]}, {"rows": [{}]},
      {"rows": [{"id": "1", "zz": 1}]}, {"rows": "no"}, {"rows": None}]),
    # patternProperties, bounds, format (st2 checks no formats)
    ({"type": OBJ, "patternProperties": {"^x_": {"type": "integer"}},
      "properties": {"s": {"type": "string", "minLength": 2, "maxLength": 3,
                           "pattern": "^[a-z]+$"},
                     "when": {"type": "string", "format": "date-time"},
                     "n": {"type": "number", "minimum": 0, "exclusiveMinimum": True}}},
     [{"x_a": 1}, {"x_a": "1"}, {"s": "a"}, {"s": "abcd"}, {"s": "AB"}, {"s": "ab"},
      {"when": "not a date"}, {"n": 0}, {"n": 0.1}]),
    ({"type": OBJ, "properties": {"n": {"type": "number", "exclusiveMinimum": True}}},
     [{"n": 1}]),
    ({"type": "array", "items": S}, [["a"], [1], {}]),
]


def _pack_corpus():
    """Each of the pack's trigger types with payloads derived from a valid one."""
    out = []
    for ref, trigger in sorted(loader.trigger_types().items()):
        schema = trigger["payload_schema"]
        good = {name: _sample(prop) for name, prop in schema["properties"].items()}
        payloads = [good, dict(good, unknown_field="x")]
        for name, prop in schema["properties"].items():
            payloads.append({k: v for k, v in good.items() if k != name})
            payloads.append(dict(good, **{name: None}))
            payloads.append(dict(good, **{name: _wrong(prop)}))
        out.append((ref, schema, payloads))
    return out


def _types(prop):
    kinds = prop.get("type", "string")
    return [k for k in (kinds if isinstance(kinds, list) else [kinds]) if k != "null"]


def _sample(prop):
    kind = _types(prop)[0]
    if kind == "object":
        return {name: _sample(sub) for name, sub in (prop.get("properties") or {}).items()
                if sub.get("required")}
    if kind == "array":
        items = prop.get("items") or {}
        return [_sample(items)] if items.get("type") == "object" else []
    return {"string": "x", "integer": 1, "number": 1.5, "boolean": True}[kind]


def _wrong(prop):
    return 12345 if "string" not in _types(prop) else {"not": "a string"}


CASES = [(i, schema, payload) for i, (schema, payloads) in enumerate(CORPUS)
         for payload in payloads]
PACK_CASES = [(ref, schema, payload) for ref, schema, payloads in _pack_corpus()
              for payload in payloads]


def action_cases():
    cases = []
    for name in loader.action_names():
        meta = loader.action_meta(name)
        if meta.get("runner_type") != "python-script":
            continue
        spec = meta.get("parameters") or {}
        needed = [k for k, v in spec.items() if v.get("required") and "default" not in v]
        good = {k: _sample(spec[k]) for k in needed}
        tries = [good]
        for key, prop in spec.items():
            if "default" in prop or prop.get("immutable") or not prop.get("type"):
                continue
            tries.append(dict(good, **{key: None}))
            tries.append(dict(good, **{key: _wrong(prop)}))
        cases.extend((name, given) for given in tries)
    return cases


def case_key(kind, name, value):
    """A stable text key for one verdict."""
    return json.dumps([kind, name, value], sort_keys=True)


def load_verdicts():
    with open(VERDICTS) as handle:
        return json.load(handle)
