"""Stand-ins for st2's ActionService and SensorService, over ``Datastore``."""

import logging

import jsonschema

from . import PACK_REF

SYSTEM_SCOPE = "system"


class KeyValuePair(object):
    """What ``list_values`` returns in st2: objects with ``name`` and ``value``."""

    def __init__(self, name, value):
        self.name = name
        self.value = value

    def __repr__(self):
        return "KeyValuePair(%r)" % self.name


class DatastoreService(object):
    def __init__(self, datastore, class_name, pack=PACK_REF):
        self.datastore = datastore
        self.class_name = class_name
        self.pack = pack

    def _key(self, name, local, scope):
        if scope != SYSTEM_SCOPE:
            raise ValueError("Scope %s is unsupported." % scope)
        if local:
            return "%s.%s:%s" % (self.pack, self.class_name, name)
        return name

    def get_value(self, name, local=True, scope=SYSTEM_SCOPE, decrypt=False):
        return self.datastore.get(self._key(name, local, scope), decrypt=decrypt)

    def set_value(self, name, value, ttl=None, local=True, scope=SYSTEM_SCOPE, encrypt=False):
        return self.datastore.set(self._key(name, local, scope), value, ttl=ttl,
                                  encrypt=encrypt)

    def delete_value(self, name, local=True, scope=SYSTEM_SCOPE):
        return self.datastore.delete(self._key(name, local, scope))

    def list_values(self, local=True, prefix=None, scope=SYSTEM_SCOPE):
        full = self._key(prefix or "", local, scope)
        return [KeyValuePair(n, self.datastore.get(n))
                for n in self.datastore.names(prefix=full)]


class ActionService(DatastoreService):
    pass


class InvalidPayload(AssertionError):
    pass


def validate_payload(payload, schema):
    """st2 validates with draft-4 and lets optional properties be null."""
    if not schema:
        return
    schema = _nullable_optionals(schema)
    jsonschema.Draft4Validator(schema).validate(payload)


def _nullable_optionals(schema):
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    props = schema.get("properties")
    if isinstance(props, dict):
        required = schema.get("required") if isinstance(schema.get("required"), list) else []
        new_props = {}
        for name, sub in props.items():
            sub = _nullable_optionals(sub)
            if name not in required and isinstance(sub, dict) and "type" in sub:
                types = sub["type"] if isinstance(sub["type"], list) else [sub["type"]]
                if "null" not in types:
                    sub = dict(sub, type=list(types) + ["null"])
            new_props[name] = sub
        out["properties"] = new_props
    if isinstance(schema.get("items"), dict):
        out["items"] = _nullable_optionals(schema["items"])
    return out


class SensorService(DatastoreService):
    """Dispatch validates each payload against its trigger's ``payload_schema``.

    ``strict=True`` (tests) raises on an invalid payload; otherwise it is logged and
    dropped, which is what st2 does in production.
    """

    def __init__(self, datastore, class_name, trigger_types, pack=PACK_REF, strict=True,
                 on_dispatch=None):
        super(SensorService, self).__init__(datastore, class_name, pack=pack)
        self.trigger_types = trigger_types
        self.strict = strict
        self.dispatched = []
        self.dropped = []
        self.on_dispatch = on_dispatch
        self._logger = logging.getLogger("st2.sensor.%s" % class_name)

    def get_logger(self, name):
        return logging.getLogger("st2.sensor.%s.%s" % (self.class_name, name))

    def dispatch(self, trigger, payload=None, trace_tag=None):
        return self.dispatch_with_context(trigger, payload=payload, trace_context=None)

    def dispatch_with_context(self, trigger, payload=None, trace_context=None):
        if trigger not in self.trigger_types:
            raise InvalidPayload("trigger %s is not declared by any sensor of the pack" % trigger)
        try:
            validate_payload(payload, self.trigger_types[trigger].get("payload_schema"))
        except jsonschema.ValidationError as exc:
            self.dropped.append((trigger, payload))
            if self.strict:
                raise InvalidPayload("payload for %s is invalid and st2 would drop it: %s"
                                     % (trigger, exc.message))
            self._logger.warning("dropping invalid payload for %s: %s", trigger, exc.message)
            return None
        self.dispatched.append((trigger, payload))
        if self.on_dispatch is not None:
            self.on_dispatch(trigger, payload)
        return None
