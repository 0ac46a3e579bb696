"""SubscriptionSensor state writes follow what changed: a quiet poll writes the head part at
most, a busy one each changed part once (plus the checkpoint right after each dispatched
event), and a sweep cycle spread over polls resumes from its stored position after a
restart, reporting how far behind it is."""

import collections
import datetime
import json

import pytest

from emulator.marketplace import subscriptions as emu_subs
from ingram_lib.sensing import state as sensor_state

from sensor_support import make_sensor, poll, sensor_config

SUBS = "ingram_micro.sensor.subscriptions.default."
HEAD = SUBS + "head"
CHANGED = "ingram_micro.subscription_status_changed"
LIVE = ("pending", "active", "hold")


def add_subscriptions(emulator, count):
    emulator.clock.freeze()
    state = emulator.marketplace.state
    product = [p for p in state.products.values()
               if p["name"].startswith("Office 365 E3 (legacy")][0]
    customers = [c["id"] for c in state.customers.values()]
    far = (emulator.clock.utcnow().date() + datetime.timedelta(days=300)).isoformat()
    for i in range(count):
        emu_subs.new_subscription(state, customers[i % len(customers)], product, 1)
    for sub in state.subscriptions.values():
        sub["expirationDate"] = sub["renewalDate"] = far


def live_subs(emulator):
    return [s for s in emulator.marketplace.state.subscriptions.values()
            if s["status"] in LIVE]


class Recorder(object):
    """Every datastore write and every dispatch of one sensor, in order."""

    def __init__(self, datastore):
        self.datastore = datastore
        self.events = []

    def attach(self, service):
        real_set, real_dispatch = service.set_value, service.dispatch

        def set_value(name, value, **kw):
            self.events.append(("set", name, len(str(value).encode("utf-8"))))
            return real_set(name, value, **kw)

        def dispatch(trigger, payload=None, trace_tag=None):
            result = real_dispatch(trigger, payload)
            self.events.append(("dispatch", trigger, payload))
            return result
        service.set_value, service.dispatch = set_value, dispatch

    def mark(self):
        return len(self.events), self.datastore.writes, self.datastore.bytes_set

    def since(self, mark):
        start, writes, written = mark
        events = self.events[start:]
        sets = [e for e in events if e[0] == "set"]
        # set_value calls are counted by the datastore too: nothing writes around the sensor.
        assert len(sets) == self.datastore.writes - writes
        assert sum(e[2] for e in sets) == self.datastore.bytes_set - written
        checkpoints, others = [], []
        after_dispatch = False
        for event in events:
            if event[0] == "dispatch":
                after_dispatch = True
            elif after_dispatch:
                checkpoints.append(event)
                after_dispatch = False
            else:
                others.append(event)
        return {"sets": len(sets), "bytes": sum(e[2] for e in sets),
                "dispatched": [e[2] for e in events if e[0] == "dispatch"],
                "checkpoints": checkpoints, "others": others,
                "keys": [e[1] for e in sets]}


def start(server, emulator, datastore, recorder, budget=None):
    sensors = {"max_requests_per_poll": budget} if budget else None
    config = sensor_config(server, sensors=sensors)
    sensor, service = make_sensor("subscription_sensor", config, datastore, emulator)
    recorder.attach(service)
    return sensor, service


def head(datastore):
    return json.loads(datastore.get(HEAD))


def live_values(datastore):
    return {k: datastore.get(k) for k in datastore.names(SUBS) if k != HEAD}


def full_cycle(sensor, service, datastore, limit=40):
    fired, polls, cycle = [], 0, head(datastore)["cycle"] if datastore.get(HEAD) else 1
    while polls < limit:
        fired += poll(sensor, service)
        polls += 1
        if head(datastore)["cycle"] > cycle:
            return fired, polls
    raise AssertionError("no complete cycle in %d polls" % limit)


@pytest.fixture
def small_parts(monkeypatch):
    """Parts as large, relative to these few subscriptions, as at 100 000: every large part
    then takes changes through its delta."""
    monkeypatch.setattr(sensor_state, "FOLD_SMALL_CHARS", 256)
    monkeypatch.setattr(sensor_state, "FOLD_DELTA_CHARS", 400)


def test_quiet_polls_write_the_head_at_most_and_never_the_subscriptions(
        server, emulator, datastore):
    add_subscriptions(emulator, 3200)                   # 9 pages: 3 polls at 4 a poll
    recorder = Recorder(datastore)
    sensor, service = start(server, emulator, datastore, recorder, budget=4)
    full_cycle(sensor, service, datastore)              # the baseline
    stored = live_values(datastore)
    assert len(stored) == 16
    for _ in range(2):                                  # two quiet cycles, several polls each
        mark = recorder.mark()
        _, polls = full_cycle(sensor, service, datastore)
        assert polls >= 2
        writes = recorder.since(mark)
        assert writes["dispatched"] == []
        assert set(writes["keys"]) == {HEAD}
        assert writes["sets"] <= polls                  # at most one write a poll
        assert writes["bytes"] <= polls * 64 * 1024
    # Entries hold no "last seen" that moves with every cycle.
    assert live_values(datastore) == stored
    # A quiet poll whose position does not move (no budget left for a page) writes nothing.
    sensor.settings = lambda real=sensor.settings: dict(real(), max_requests_per_poll=0)
    mark = recorder.mark()
    poll(sensor, service)
    assert recorder.since(mark)["sets"] == 0


def test_a_busy_poll_writes_each_changed_part_once(
        server, emulator, datastore, small_parts):
    add_subscriptions(emulator, 1200)                   # deltas stay well below the parts
    recorder = Recorder(datastore)
    sensor, service = start(server, emulator, datastore, recorder)
    full_cycle(sensor, service, datastore)
    largest = max(len(v) for v in live_values(datastore).values())
    folds = 0
    for wave in range(5):
        changing = live_subs(emulator)[wave * 40:(wave + 1) * 40]
        for sub in changing:
            sub["status"] = "hold" if sub["status"] != "hold" else "active"
        mark = recorder.mark()
        fired = poll(sensor, service)                   # the whole cycle fits in one poll
        writes = recorder.since(mark)
        assert sorted(p["id"] for _, p in fired) == sorted(s["id"] for s in changing)
        # Nothing is written while events go out; at the end each changed part is written
        # once, the small delta parts holding the events, the head last.
        events = recorder.events[mark[0]:]
        last_dispatch = max(i for i, e in enumerate(events) if e[0] == "dispatch")
        assert all(e[0] != "set" for e in events[:last_dispatch])
        others = [e[1] for e in events if e[0] == "set"]
        assert len(others) == len(set(others))
        assert others[-1] == HEAD
        assert any(".recent_" in key for key in others)
        # At most one large part is rewritten (folded) a poll; the rest stays in deltas.
        large = [k for k in others if ".live_" in k]
        assert len(large) <= 1
        folds += len(large)
        # The goal: changed parts + 1 set_value calls at most.
        assert writes["sets"] <= len(set(writes["keys"])) + 1
        assert writes["bytes"] <= 16 * 2 * 1024 + 2 * largest + 4096
        assert poll(sensor, service) == []              # nothing repeats
    # The deltas did grow past the fold size and were folded.
    assert folds >= 1
    # A restarted sensor reads the deltas as part of the map.
    sensor.cleanup()
    again, service2 = start(server, emulator, datastore, recorder)
    assert poll(again, service2) == []
    target = live_subs(emulator)[0]
    before = target["status"]
    target["status"] = "active" if before == "hold" else "hold"
    assert [(p["id"], p["previous_status"]) for _, p in poll(again, service2)] == [
        (target["id"], before)]


def test_a_cycle_over_several_polls_resumes_after_a_restart_and_reports_each_change_once(
        server, emulator, datastore, small_parts):
    add_subscriptions(emulator, 3200)
    recorder = Recorder(datastore)
    sensor, service = start(server, emulator, datastore, recorder, budget=4)
    full_cycle(sensor, service, datastore)
    subs = live_subs(emulator)
    flips = {"active": "hold", "hold": "active", "pending": "active"}
    expected = {}
    for sub in subs[::35]:
        expected[sub["id"]] = (sub["status"], flips[sub["status"]])
        sub["status"] = flips[sub["status"]]
    gone = subs[7]
    emu_subs.terminate(emulator.marketplace.state, gone)
    expected[gone["id"]] = ("active", "terminated")

    seen = collections.Counter()

    def record(fired):
        for trigger, p in fired:
            assert trigger == CHANGED
            seen[(p["id"], p["previous_status"], p["status"])] += 1

    cycle = head(datastore)["cycle"]
    record(poll(sensor, service))
    lag = sensor.last_poll["default"]["lag"]["subscription_sweep"]
    assert lag["polls_behind"] == 1 and lag["polls_needed"] >= 2
    assert 0 < lag["pending"] < len(subs)
    position = head(datastore)
    assert position["cycle"] == cycle and (position["index"], position["offset"]) != (0, 0)

    sensor.cleanup()                                    # a restart in the middle of a cycle
    sensor, service = start(server, emulator, datastore, recorder, budget=4)
    record(poll(sensor, service))
    after = head(datastore)
    # Went on from the stored position: further along, not back at the start.
    assert (after["index"], after["offset"]) > (position["index"], position["offset"]) or \
        after["cycle"] > cycle
    behind = [sensor.last_poll["default"]["lag"]["subscription_sweep"]]
    while head(datastore)["cycle"] == cycle:
        record(poll(sensor, service))
        behind.append(sensor.last_poll["default"]["lag"]["subscription_sweep"])
    # polls_behind counts on until the cycle completes, then is 0 with nothing pending.
    assert [b["polls_behind"] for b in behind[:-1]] == list(range(2, len(behind) + 1))
    assert behind[-1]["polls_behind"] == 0 and behind[-1]["pending"] == 0
    assert seen == {(sid,) + change: 1 for sid, change in expected.items()}
    # The next cycle reports nothing again.
    fired, _ = full_cycle(sensor, service, datastore)
    assert fired == []


def test_a_checkpoint_that_fails_repeats_at_most_that_polls_events_and_loses_none(
        server, emulator, datastore, small_parts):
    add_subscriptions(emulator, 300)
    recorder = Recorder(datastore)
    sensor, service = start(server, emulator, datastore, recorder)
    full_cycle(sensor, service, datastore)
    changing = live_subs(emulator)[:6]
    for sub in changing:
        sub["status"] = "hold" if sub["status"] != "hold" else "active"
    real_set = service.set_value
    failed = []

    def set_value(name, value, **kw):
        # The datastore goes away right after the third event went out.
        if len(service.dispatched) >= 3:
            failed.append(name)
            raise RuntimeError("datastore unavailable")
        return real_set(name, value, **kw)
    service.set_value = set_value
    sensor.poll()
    assert failed and not sensor.last_poll["default"]["ok"]
    first = [p["id"] for _, p in service.dispatched]
    assert len(first) == len(changing)  # written once at the end, so all went out first
    sensor.cleanup()
    again, service2 = start(server, emulator, datastore, recorder)
    rest = [p["id"] for _, p in poll(again, service2)]
    assert poll(again, service2) == []
    everything = collections.Counter(first + rest)
    # None lost; what repeats is that one poll's events, each at most once more.
    assert set(everything) == {s["id"] for s in changing}
    assert max(everything.values()) <= 2


def test_state_of_the_layout_that_kept_the_cycle_last_seen_is_taken_over(
        server, emulator, datastore):
    add_subscriptions(emulator, 40)
    recorder = Recorder(datastore)
    sensor, service = start(server, emulator, datastore, recorder)
    full_cycle(sensor, service, datastore)
    # As the earlier layout stored it: the cycle last seen where the slot is now.
    old_head = head(datastore)
    cycle = old_head["cycle"]
    datastore.set(HEAD, json.dumps({k: old_head[k] for k in
                                    ("cycle", "index", "offset", "baselined")}))
    for key, text in live_values(datastore).items():
        value = json.loads(text)
        datastore.set(key, json.dumps({sid: e[:3] + [cycle - 1] + e[4:]
                                       for sid, e in value.items()}))
    sensor.cleanup()
    sensor, service = start(server, emulator, datastore, recorder)
    fired, _ = full_cycle(sensor, service, datastore)
    assert fired == []
    slots = [e[3] for text in live_values(datastore).values()
             for e in json.loads(text).values() if e is not None]
    assert len(slots) == len(set(slots)) == len(live_subs(emulator))
    # Vanishing is noticed again: a terminated subscription fires once.
    gone = live_subs(emulator)[3]
    emu_subs.terminate(emulator.marketplace.state, gone)
    fired, _ = full_cycle(sensor, service, datastore)
    assert [(p["id"], p["status"]) for _, p in fired] == [(gone["id"], "terminated")]
    assert full_cycle(sensor, service, datastore)[0] == []
