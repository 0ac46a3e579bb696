"""Sensor state in the StackStorm datastore: JSON strings under account-scoped keys.

A key is ``ingram_micro.sensor.<sensor>.<account>.<part>`` and is stored with
``local=False``, so a restarted sensor process -- or the same sensor moved to another
sensor node -- finds it again. The datastore keeps strings only (``set_value(42)`` reads
back as ``"42"`` in production), so every part is JSON-encoded here and nowhere else.

Exactly-once delivery rests on ``StateParts.dispatch``: the trigger is dispatched first and
the parts it changed are written right after, so a stopped sensor resumes after the last
dispatched event. (A process killed between those two calls replays at most that one
event; nothing is ever skipped.) The parts are encoded, and their size checked, *before*
the dispatch: a part that could not be written would fire the same event on every poll.

A map that grows with the account (open orders, live subscriptions) is a ``BucketedMap``:
sixteen parts chosen by a hash of the id, so a checkpoint rewrites a sixteenth of it and
the whole map may grow to sixteen times the value limit.
"""

import copy
import hashlib
import json
import math
import os
import socket
import uuid
from collections.abc import MutableMapping

from . import PACK
from . import trigger_payloads
from .errors import IngramMicroError

KEY_ROOT = PACK + ".sensor"
# One datastore value stays well below MongoDB's 16 MB document limit and st2's API limits.
MAX_VALUE_CHARS = 2 * 1024 * 1024
BUCKETS = 16


class StateTooLarge(IngramMicroError):
    kind = "state_too_large"


def state_key(sensor, account, part):
    return "%s.%s.%s.%s" % (KEY_ROOT, sensor, account, part)


class StateStore(object):
    """Reads and writes JSON values of one sensor and one account."""

    def __init__(self, kv, sensor, account, logger=None, max_chars=None):
        self.kv = kv
        self.sensor = sensor
        self.account = account
        self.log = logger
        self.max_chars = max_chars or MAX_VALUE_CHARS
        self.writes = 0
        # What this process last read or wrote per part: an unchanged part is not written
        # again (this sensor is the only writer of its keys).
        self._last = {}

    def key(self, part):
        return state_key(self.sensor, self.account, part)

    def load(self, part, default=None):
        raw = self.kv.get_value(self.key(part), local=False)
        if raw is None or raw == "":
            return copy.deepcopy(default)
        self._last[part] = raw
        try:
            return json.loads(raw)
        except (TypeError, ValueError):
            # A hand-edited or truncated value must not stop the sensor; starting that part
            # afresh is the only way forward, and it is logged.
            if self.log is not None:
                self.log.warning("sensor state %s is not JSON; starting it afresh",
                                 self.key(part))
            return copy.deepcopy(default)

    def encode(self, part, value):
        """The JSON text of ``value``; raises ``StateTooLarge`` over the value limit."""
        text = json.dumps(value, separators=(",", ":"), sort_keys=True)
        # A value stored already is not written again, so it cannot fail to be.
        if len(text) > self.max_chars and self._last.get(part) != text:
            raise StateTooLarge("sensor state %s would be %d characters (limit %d)"
                                % (self.key(part), len(text), self.max_chars))
        return text

    def save(self, part, value):
        self.write(part, self.encode(part, value))

    def write(self, part, text):
        if self._last.get(part) == text:
            return
        self.kv.set_value(self.key(part), text, local=False)
        self._last[part] = text
        self.writes += 1

    def delete(self, part):
        try:
            self.kv.delete_value(self.key(part), local=False)
        except Exception:
            pass


class StateParts(object):
    """The parts of one sensor/account state held in memory and checkpointed on demand.

    ``defaults`` maps each part name to the value it takes when the datastore has none;
    ``fresh`` tells which parts were missing (a first run).
    """

    def __init__(self, store, defaults):
        self.store = store
        self.values = {}
        self.fresh = set()
        for part, default in defaults.items():
            value = store.load(part, None)
            if value is None:
                self.fresh.add(part)
                value = copy.deepcopy(default)
            self.values[part] = value

    def __getitem__(self, part):
        return self.values[part]

    def __setitem__(self, part, value):
        self.values[part] = value

    def save(self, *parts):
        for part in parts or sorted(self.values):
            self.store.save(part, self.values[part])
            self.fresh.discard(part)

    def dispatch(self, sensor_service, trigger, payload, *parts):
        """Dispatches one trigger, then checkpoints ``parts`` (all parts when none given).

        The payload is first checked as StackStorm will check it (the pack's
        ``trigger_payloads`` gate): st2 would drop a payload that fails, silently, so
        such an event raises ``PayloadRejected`` and is neither dispatched nor checkpointed;
        the next poll meets it again. A part too large to write stops the dispatch too
        (``StateTooLarge``): dispatching an event whose checkpoint then fails would repeat it
        on every poll.
        """
        trigger_payloads.default_gate().check(trigger, payload)
        try:
            texts = [(part, self.store.encode(part, self.values[part]))
                     for part in parts or sorted(self.values)]
        except StateTooLarge as exc:
            raise StateTooLarge("%s; %s not dispatched, so that it is not repeated on every "
                                "poll" % (exc, trigger))
        sensor_service.dispatch(trigger=trigger, payload=payload)
        for part, text in texts:
            self.store.write(part, text)
            self.fresh.discard(part)


def bucket_parts(name):
    """``STATE_PARTS`` entries of a ``BucketedMap`` called ``name``: ``name_0`` ... ``name_f``."""
    return {"%s_%x" % (name, i): {} for i in range(BUCKETS)}


def bucket_of(name, key):
    digest = hashlib.sha1(str(key).encode("utf-8")).hexdigest()
    return "%s_%x" % (name, int(digest, 16) % BUCKETS)


class BucketedMap(MutableMapping):
    """One ``{id: value}`` map kept in the ``bucket_parts(name)`` of a ``StateParts``.

    ``part_of(id)`` names the part to checkpoint after changing that id; ``parts`` all of
    them (unchanged parts are not rewritten).
    """

    def __init__(self, state, name):
        self.state = state
        self.name = name
        self.parts = sorted(bucket_parts(name))

    def part_of(self, key):
        return bucket_of(self.name, key)

    def _bucket(self, key):
        return self.state[self.part_of(key)]

    def __getitem__(self, key):
        return self._bucket(key)[key]

    def __setitem__(self, key, value):
        self._bucket(key)[key] = value

    def __delitem__(self, key):
        del self._bucket(key)[key]

    def __contains__(self, key):
        return key in self._bucket(key)

    def __iter__(self):
        for part in self.parts:
            for key in list(self.state[part]):
                yield key

    def __len__(self):
        return sum(len(self.state[part]) for part in self.parts)

    def adopt_legacy(self, log=None):
        """Moves a map kept in one part called ``name`` (before buckets) into the buckets.

        Only while no bucket exists yet: once they do, they are newer than any such value.
        The buckets are written before the old value is deleted, so an interrupted move is
        simply done again.
        """
        if not all(part in self.state.fresh for part in self.parts):
            return 0
        legacy = self.state.store.load(self.name, None)
        if not isinstance(legacy, dict):
            return 0
        for key, value in legacy.items():
            self[key] = value
        self.state.save(*self.parts)
        self.state.store.delete(self.name)
        if log is not None:
            log.info("moved %d entries of sensor state %s into %d parts", len(legacy),
                     self.state.store.key(self.name), BUCKETS)
        return len(legacy)


def trim_oldest(mapping, limit, age):
    """Drops the entries with the smallest ``age(value)`` until ``len(mapping) <= limit``."""
    if len(mapping) <= limit:
        return []
    ordered = sorted(mapping, key=lambda k: (age(mapping[k]), k))
    dropped = ordered[:len(mapping) - limit]
    for key in dropped:
        del mapping[key]
    return dropped


class Lease(object):
    """Lets one copy of a sensor poll when several sensor nodes run it (unpartitioned HA).

    The holder's name is kept under ``ingram_micro.sensor.<sensor>.lease`` with a TTL and
    renewed on every poll; another copy polls only once the key is gone (released on a
    clean stop, expired after a crash). The datastore has no compare-and-set, so two copies
    starting at the same moment can both poll once before one of them steps back: a guard,
    not a replacement for sensor partitioning.
    """

    def __init__(self, kv, sensor, holder=None):
        self.kv = kv
        self.key = "%s.%s.lease" % (KEY_ROOT, sensor)
        self.holder = holder or "%s:%d:%s" % (socket.gethostname(), os.getpid(),
                                              uuid.uuid4().hex[:8])

    def acquire(self, ttl):
        current = self.kv.get_value(self.key, local=False)
        if current and current != self.holder:
            return False
        self.kv.set_value(self.key, self.holder, ttl=max(1, int(math.ceil(ttl))),
                          local=False)
        # Re-read: of two copies that both found the key free, the later writer wins.
        return self.kv.get_value(self.key, local=False) == self.holder

    def release(self):
        try:
            if self.kv.get_value(self.key, local=False) == self.holder:
                self.kv.delete_value(self.key, local=False)
        except Exception:
            pass
