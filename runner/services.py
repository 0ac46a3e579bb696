"""Stand-ins for st2's ActionService and SensorService, over ``Datastore``."""

import logging

from . import PACK_REF, pack_module

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


def _trigger_payloads():
    # The pack's own st2-rules check, the same module a sensor process imports.
    return pack_module("core.payloads")


def validate_payload(payload, schema):
    """Validates as st2's dispatcher does: st2's own check when st2common is importable,
    else the pack's mirror of it (boolean ``required`` on each property, draft-3
    ``properties``, optional properties nullable, defaults filled in). Raises
    ``jsonschema.SchemaError`` or ``jsonschema.ValidationError``."""
    if not schema:
        return payload
    return _trigger_payloads().validator()(payload, schema)


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
        self._gate = None
        self._logger = logging.getLogger("st2.sensor.%s" % class_name)

    def check(self, trigger, payload):
        """Why st2 would drop ``payload`` (a message), or None when it accepts it.

        The st2 test tier replaces this with StackStorm's own dispatcher check.
        """
        if self._gate is None:
            self._gate = _trigger_payloads().PayloadGate(self.trigger_types)
        try:
            self._gate.check(trigger, payload)
        except _trigger_payloads().PayloadRejected as exc:
            return str(exc)
        return None

    def get_logger(self, name):
        return logging.getLogger("st2.sensor.%s.%s" % (self.class_name, name))

    def dispatch(self, trigger, payload=None, trace_tag=None):
        return self.dispatch_with_context(trigger, payload=payload, trace_context=None)

    def dispatch_with_context(self, trigger, payload=None, trace_context=None):
        if trigger not in self.trigger_types:
            raise InvalidPayload("trigger %s is not declared by any sensor of the pack" % trigger)
        verdict = self.check(trigger, payload)
        if verdict is not None:
            self.dropped.append((trigger, payload))
            if self.strict:
                raise InvalidPayload("payload for %s is invalid and st2 would drop it: %s"
                                     % (trigger, verdict))
            # st2's words and level: a warning, and dispatch() returns None all the same.
            self._logger.warning("Trigger payload validation failed and validation is enabled, "
                                 "not dispatching a trigger \"%s\": %s", trigger, verdict)
            return None
        self.dispatched.append((trigger, payload))
        if self.on_dispatch is not None:
            self.on_dispatch(trigger, payload)
        return None
