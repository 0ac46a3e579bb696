"""runner.datastore and the service stand-ins: StackStorm's key-value semantics."""

import os

import pytest

from runner.datastore import Datastore
from runner.services import ActionService


class FakeClock(object):
    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def store(clock):
    db = Datastore(":memory:", clock=clock)
    yield db
    db.close()


def test_values_are_stored_as_strings(store):
    store.set("n", 5)
    store.set("d", {"a": 1})
    store.set("b", True)
    assert store.get("n") == "5" and store.get("b") == "True"
    assert store.get("d") == "{'a': 1}"  # str(), not JSON: callers must serialise themselves
    assert store.get("missing") is None


def test_ttl_expires_the_key(store, clock):
    store.set("k", "v", ttl=10)
    clock.now += 9.5
    assert store.get("k") == "v" and store.names() == ["k"]
    clock.now += 0.5
    assert store.get("k") is None and store.names() == []
    store.set("k", "again")
    clock.now += 10 ** 6
    assert store.get("k") == "again"  # no TTL: never expires


@pytest.mark.parametrize("ttl", [0, -5, 0.5])
def test_ttl_must_be_a_positive_number_of_seconds(store, ttl):
    with pytest.raises(ValueError):
        store.set("k", "v", ttl=ttl)


def test_encrypted_values_read_back_as_ciphertext_unless_decrypted(store):
    store.set("secret", "hunter2", encrypt=True)
    assert store.get("secret", decrypt=True) == "hunter2"
    cipher = store.get("secret")
    assert cipher != "hunter2" and "hunter2" not in cipher
    store.set("plain", "text")
    assert store.get("plain", decrypt=True) == "text"


def test_overwrite_replaces_value_ttl_and_secrecy(store, clock):
    store.set("k", "one", ttl=5, encrypt=True)
    store.set("k", "two")
    clock.now += 100
    assert store.get("k") == "two"


def test_delete_and_prefix_listing(store):
    for name in ("a.1", "a.2", "b.1"):
        store.set(name, name)
    assert store.names(prefix="a.") == ["a.1", "a.2"]
    assert store.delete("a.1") is True and store.delete("a.1") is False
    assert store.names() == ["a.2", "b.1"]


def test_file_datastore_persists_between_instances(tmp_path):
    path = str(tmp_path / "kv.sqlite3")
    first = Datastore(path)
    first.set("token", "abc", ttl=60, encrypt=True)
    first.close()
    second = Datastore(path)
    try:
        assert second.get("token", decrypt=True) == "abc"
    finally:
        second.close()


def test_action_service_scopes_local_keys_to_the_pack_and_class(store):
    service = ActionService(store, "ListCustomers")
    service.set_value("cursor", "42")
    service.set_value("shared", "x", local=False)
    assert store.names() == ["ingram_micro.ListCustomers:cursor", "shared"]
    assert service.get_value("cursor") == "42" and service.get_value("shared") is None
    assert service.get_value("shared", local=False) == "x"
    assert ActionService(store, "Other").get_value("cursor") is None
    assert [kv.name for kv in service.list_values()] == ["ingram_micro.ListCustomers:cursor"]
    assert service.delete_value("cursor") is True
    with pytest.raises(ValueError):
        service.get_value("cursor", scope="user")


def test_list_values_shows_secrets_as_ciphertext(store):
    service = ActionService(store, "A")
    service.set_value("pw", "hunter2", encrypt=True)
    (pair,) = service.list_values()
    assert pair.value != "hunter2"


def test_datastore_file_and_folder_are_private_to_the_user(tmp_path):
    import stat
    import subprocess
    import sys
    from runner import PACK_ROOT
    home = tmp_path / "home"
    home.mkdir()
    env = dict(os.environ, HOME=str(home))
    env.pop("INGRAM_MICRO_DATASTORE", None)
    subprocess.run([sys.executable, "-m", "runner", "action", "list_customers", "limit=1"],
                   cwd=PACK_ROOT, env=env, capture_output=True, check=True, timeout=60)
    folder = home / ".ingram_micro"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "datastore.sqlite3").stat().st_mode) == 0o600
