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

Writes follow what changed: ``StateParts`` remembers which parts were changed (``mark``,
and every ``BucketedMap`` change) and ``flush`` writes each of them once, data before the
parts named last (the sweep position), so a position is never stored ahead of the data it
stands for. A map with a *delta* (``BucketedMap(..., delta=name)``) keeps recent changes in
sixteen small parts beside the large ones: the checkpoint after a dispatch rewrites one
small part, and a large part is rewritten only when its delta has grown (``fold``).
"""

import copy
import hashlib
import json
import math
import os
import socket
import uuid
from collections.abc import MutableMapping

from ..core import PACK
from ..core import payloads as trigger_payloads
from ..core.errors import StateTooLarge  # noqa: F401 (raised here, imported from here)

KEY_ROOT = PACK + ".sensor"
# One datastore value stays well below MongoDB's 16 MB document limit and st2's API limits.
MAX_VALUE_CHARS = 2 * 1024 * 1024
BUCKETS = 16


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
    ``fresh`` tells which parts were missing (a first run); ``dirty`` which parts changed
    in memory since they were last written.
    """

    def __init__(self, store, defaults):
        self.store = store
        self.values = {}
        self.fresh = set()
        self.dirty = set()
        # {part: text}: each part as it stood when its last dispatch was accepted, written
        # by ``write_accepted`` when a poll fails before its ``flush``.
        self.accepted = {}
        self.defaults = defaults
        # {small part: large part}: a dispatch checkpointing the small one also checks that
        # folding it into the large one will fit (see BucketedMap's delta).
        self.folds_into = {}
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
        self.dirty.add(part)

    def mark(self, *parts):
        """Records that ``parts`` changed in memory; ``flush`` writes them."""
        self.dirty.update(parts)

    def save(self, *parts):
        for part in parts or sorted(self.values):
            self.store.save(part, self.values[part])
            self.fresh.discard(part)
            self.dirty.discard(part)
            self.accepted.pop(part, None)

    def write_accepted(self):
        """After a failed poll: the parts as they stood at their last accepted dispatch, so
        no event StackStorm took is met again, and nothing half-done is recorded."""
        for part in sorted(self.accepted):
            self.store.write(part, self.accepted[part])
            self.fresh.discard(part)
        self.accepted = {}

    def flush(self, *last):
        """Writes every changed part once: large parts, then delta parts, then ``last`` in
        that order.

        A part never stored that is still at its default is not written (a first poll that
        changes nothing there stores nothing). Returns the parts written.
        """
        deltas = set(self.folds_into)
        todo = sorted(p for p in self.dirty if p not in last and p not in deltas)
        todo += sorted(p for p in self.dirty if p not in last and p in deltas)
        todo += [p for p in last if p in self.dirty]
        written = []
        for part in todo:
            if part in self.fresh and self.values[part] == self.defaults.get(part):
                self.dirty.discard(part)
                self.accepted.pop(part, None)
                continue
            self.save(part)
            written.append(part)
        return written

    def dispatch(self, sensor_service, trigger, payload, *parts):
        """Dispatches one trigger and records ``parts`` (all parts when none given) as they
        stand, to be written once at the end of the poll (``flush``) -- or, if the poll
        fails first, as they stood at this dispatch (``write_accepted``).

        So a busy poll writes each changed part once, not once per event. The price: a
        sensor killed (not stopped) in the middle of a poll meets that poll's events again
        after its restart; none is ever lost.

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
            for part, text in texts:
                if part in self.folds_into:
                    self._check_fold(self.folds_into[part], text)
        except StateTooLarge as exc:
            raise StateTooLarge("%s; %s not dispatched, so that it is not repeated on every "
                                "poll" % (exc, trigger))
        sensor_service.dispatch(trigger=trigger, payload=payload)
        for part, text in texts:
            self.accepted[part] = text
            self.dirty.add(part)

    def _check_fold(self, large, delta_text):
        # The large part's last written text is at hand; its size plus the delta's bounds
        # the folded value from above (keys both hold count twice), without encoding it.
        base = self.store._last.get(large)
        if base is None:
            base = self.store.encode(large, self.values[large])
        size = len(base) + len(delta_text)
        if size > self.store.max_chars:
            raise StateTooLarge("sensor state %s would be up to %d characters (limit %d)"
                                % (self.store.key(large), size, self.store.max_chars))


def bucket_parts(name):
    """``STATE_PARTS`` entries of a ``BucketedMap`` called ``name``: ``name_0`` ... ``name_f``."""
    return {"%s_%x" % (name, i): {} for i in range(BUCKETS)}


def bucket_of(name, key):
    digest = hashlib.sha1(str(key).encode("utf-8")).hexdigest()
    return "%s_%x" % (name, int(digest, 16) % BUCKETS)


# A delta part is folded into its large part once it holds this many characters (one
# such part a poll), or at once when the large part is this small (rewriting it is then
# as cheap as the delta); a delta past FOLD_MAX_CHARS is folded whatever else is, as each
# checkpoint after a dispatch rewrites it.
FOLD_DELTA_CHARS = 4096
FOLD_SMALL_CHARS = 2048
FOLD_MAX_CHARS = 32768


class BucketedMap(MutableMapping):
    """One ``{id: value}`` map kept in the ``bucket_parts(name)`` of a ``StateParts``.

    ``part_of(id)`` names the part to checkpoint after changing that id; ``parts`` the
    large parts (unchanged parts are not rewritten). Every change marks its part dirty in
    the ``StateParts``; values are replaced, not changed in place, or the change is not
    seen.

    With ``delta`` (a second name, whose ``bucket_parts`` are in the state too), changes go
    to the small delta part of their bucket (``None`` marks a deleted id) and ``fold``
    moves them into the large parts. Readers see the merged map. ``bulk`` (a poll that
    will change most entries and dispatch little, such as a first sweep) writes changes
    straight to the large parts.
    """

    def __init__(self, state, name, delta=None, bulk=False):
        self.state = state
        self.name = name
        self.delta = delta
        self.parts = sorted(bucket_parts(name))
        self.delta_parts = sorted(bucket_parts(delta)) if delta else []
        # Parts changed through this map (since it was made: one poll), written or not.
        self.touched = set()
        # Buckets whose large part is small and delta empty take changes directly: a
        # checkpoint of a small part costs no more than one of its delta.
        self.direct = set()
        for i, (small, large) in enumerate(zip(self.delta_parts, self.parts)):
            state.folds_into[small] = large
            if not state[small] and (bulk or self._size(large) <= FOLD_SMALL_CHARS):
                self.direct.add(i)

    def _size(self, part):
        text = self.state.store._last.get(part)
        if text is None:
            text = json.dumps(self.state[part], separators=(",", ":"))
        return len(text)

    def part_of(self, key):
        part = bucket_of(self.name, key)
        if not self.delta or int(part.rsplit("_", 1)[1], 16) in self.direct:
            return part
        return bucket_of(self.delta, key)

    def _base(self, key):
        return self.state[bucket_of(self.name, key)]

    def __getitem__(self, key):
        if self.delta:
            changes = self.state[bucket_of(self.delta, key)]
            if key in changes:
                if changes[key] is None:
                    raise KeyError(key)
                return changes[key]
        return self._base(key)[key]

    def __setitem__(self, key, value):
        part = self.part_of(key)
        self.state[part][key] = value
        self.state.mark(part)
        self.touched.add(part)

    def __delitem__(self, key):
        if key not in self:
            raise KeyError(key)
        part = self.part_of(key)
        if part in self.state.folds_into and key in self._base(key):
            self.state[part][key] = None
        else:
            del self.state[part][key]
        self.state.mark(part)
        self.touched.add(part)

    def __contains__(self, key):
        if self.delta:
            changes = self.state[bucket_of(self.delta, key)]
            if key in changes:
                return changes[key] is not None
        return key in self._base(key)

    def __iter__(self):
        for i, part in enumerate(self.parts):
            base = self.state[part]
            changes = self.state[self.delta_parts[i]] if self.delta else {}
            for key in list(base):
                if key not in changes:
                    yield key
            for key, value in list(changes.items()):
                if value is not None:
                    yield key

    def __len__(self):
        return sum(1 for _ in self)

    def fold(self, changed_only=True):
        """Moves delta parts into their large parts: every delta whose large part is small
        or not much larger than the delta (a bulk of new entries: rewriting the large part
        then costs about what the delta does) or that is past ``FOLD_MAX_CHARS``; of the
        rest, the one grown the most once past ``FOLD_DELTA_CHARS`` -- one such rewrite per
        call. With ``changed_only`` (a poll's end), only deltas changed through this map are
        considered, so a poll that changed nothing folds nothing. Returns the large parts
        folded."""
        candidates = []
        for small, large in zip(self.delta_parts, self.parts):
            changes = self.state[small]
            if not changes or (changed_only and small not in self.touched):
                continue
            delta_size = len(json.dumps(changes, separators=(",", ":")))
            base_size = self._size(large)
            cheap = (base_size <= FOLD_SMALL_CHARS or delta_size * 2 >= base_size or
                     delta_size > FOLD_MAX_CHARS)
            candidates.append((cheap, delta_size, small, large))
        folded = []
        large_done = False
        for cheap, delta_size, small, large in sorted(candidates, reverse=True):
            if not cheap:
                if large_done or delta_size < FOLD_DELTA_CHARS:
                    continue
                large_done = True
            base = self.state[large]
            for key, value in self.state[small].items():
                if value is None:
                    base.pop(key, None)
                else:
                    base[key] = value
            self.state[small].clear()
            self.state.mark(large, small)
            folded.append(large)
        return folded

    def saved_state(self, key):
        """What the checkpointed part of ``key`` holds for it, for ``restore``."""
        part = self.state[self.part_of(key)]
        return (key in part, part.get(key))

    def restore(self, key, saved):
        """Undoes changes to ``key`` since ``saved_state`` (a dispatch that did not go out
        must leave nothing behind that a later write would store)."""
        present, value = saved
        part = self.state[self.part_of(key)]
        if present:
            part[key] = value
        else:
            part.pop(key, None)

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
            self._base(key)[key] = value
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
