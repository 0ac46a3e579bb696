"""The runner's datastore keeps secrets encrypted at rest, as StackStorm's does."""

import json
import os
import sqlite3
import stat
import subprocess
import sys
import threading

import pytest

from runner import PACK_ROOT
from runner.datastore import Datastore, DatastoreError

CANARY = "canary-7f3e9a1c-secret-token"


def _file_bytes(path):
    """Every byte the datastore has on disk: the file, its WAL and shared-memory index."""
    out = b""
    for suffix in ("", "-wal", "-shm", "-journal"):
        if os.path.exists(path + suffix):
            with open(path + suffix, "rb") as handle:
                out += handle.read()
    return out


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_secret_never_reaches_the_disk_in_clear(tmp_path):
    path = str(tmp_path / "kv.sqlite3")
    store = Datastore(path)
    try:
        store.set("ingram_micro.token", json.dumps({"token": CANARY}), ttl=600, encrypt=True)
        store.set("plain", "visible-marker")
        store.set("ingram_micro.token", CANARY + "-2", encrypt=True)  # an overwrite
        # Read while the writes are still in the WAL, then after a checkpoint.
        on_disk = _file_bytes(path)
        assert b"visible-marker" in on_disk  # the scan does see what is stored
        assert CANARY.encode() not in on_disk
        store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        assert CANARY.encode() not in _file_bytes(path)
        assert store.get("ingram_micro.token", decrypt=True) == CANARY + "-2"
    finally:
        store.close()
    assert CANARY.encode() not in _file_bytes(path)
    with open(path + ".key", "rb") as handle:
        assert CANARY.encode() not in handle.read()


def test_ciphertext_is_what_reads_back_without_decrypt(tmp_path):
    store = Datastore(str(tmp_path / "kv.sqlite3"))
    try:
        store.set("pw", CANARY, encrypt=True)
        first = store.get("pw")
        assert CANARY not in first and first == first.upper()
        store.set("pw", CANARY, encrypt=True)
        assert store.get("pw") != first  # a fresh nonce each write
        assert store.get("pw", decrypt=True) == CANARY
    finally:
        store.close()


def test_key_file_is_private_and_next_to_the_datastore(tmp_path, monkeypatch):
    monkeypatch.delenv("INGRAM_MICRO_DATASTORE_KEY", raising=False)
    old = os.umask(0o022)  # a usual umask must not widen the key file
    try:
        store = Datastore(str(tmp_path / "kv.sqlite3"))
    finally:
        os.umask(old)
    store.close()
    key = str(tmp_path / "kv.sqlite3.key")
    assert _mode(key) == 0o600
    # Nothing but the datastore, its key and SQLite's own companions is left behind.
    leftovers = [n for n in os.listdir(str(tmp_path))
                 if not n.startswith("kv.sqlite3")]
    assert leftovers == []


def test_key_path_from_argument_and_environment(tmp_path, monkeypatch):
    chosen = str(tmp_path / "keys" / "ds.key")
    os.mkdir(str(tmp_path / "keys"), 0o700)
    store = Datastore(str(tmp_path / "a.sqlite3"), key_path=chosen)
    store.set("s", CANARY, encrypt=True)
    store.close()
    assert os.path.exists(chosen) and not os.path.exists(str(tmp_path / "a.sqlite3.key"))
    monkeypatch.setenv("INGRAM_MICRO_DATASTORE_KEY", chosen)
    again = Datastore(str(tmp_path / "a.sqlite3"))
    try:
        assert again.key_path == chosen and again.get("s", decrypt=True) == CANARY
    finally:
        again.close()


def test_a_replaced_key_fails_clearly_and_the_value_can_be_rewritten(tmp_path):
    path = str(tmp_path / "kv.sqlite3")
    store = Datastore(path)
    store.set("s", CANARY, encrypt=True)
    store.close()
    os.unlink(path + ".key")
    store = Datastore(path)
    try:
        with pytest.raises(DatastoreError) as info:
            store.get("s", decrypt=True)
        assert "cannot decrypt" in str(info.value) and CANARY not in str(info.value)
        store.set("s", "new", encrypt=True)
        assert store.get("s", decrypt=True) == "new"
    finally:
        store.close()


def test_a_ciphertext_cannot_be_moved_to_another_key_name(tmp_path):
    store = Datastore(str(tmp_path / "kv.sqlite3"))
    try:
        store.set("a", CANARY, encrypt=True)
        store._db.execute("INSERT INTO kv (name, value, secret) VALUES ('b', ?, 1)",
                          (store.get("a"),))
        with pytest.raises(DatastoreError):
            store.get("b", decrypt=True)
    finally:
        store.close()


def test_a_key_file_readable_by_others_is_refused(tmp_path):
    path = str(tmp_path / "kv.sqlite3")
    Datastore(path).close()
    os.chmod(path + ".key", 0o644)
    with pytest.raises(DatastoreError) as info:
        Datastore(path)
    assert "chmod 600" in str(info.value)


def test_a_key_file_that_is_not_a_key_is_refused(tmp_path):
    path = str(tmp_path / "kv.sqlite3")
    key = path + ".key"
    fd = os.open(key, os.O_CREAT | os.O_WRONLY, 0o600)
    os.write(fd, b"not json")
    os.close(fd)
    with pytest.raises(DatastoreError):
        Datastore(path)


def test_concurrent_first_opens_agree_on_one_key(tmp_path):
    path = str(tmp_path / "kv.sqlite3")
    stores, errors = [], []
    start = threading.Barrier(6)

    def open_one():
        try:
            start.wait()
            stores.append(Datastore(path))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
    threads = [threading.Thread(target=open_one) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    try:
        stores[0].set("s", CANARY, encrypt=True)
        assert all(s.get("s", decrypt=True) == CANARY for s in stores)
    finally:
        for s in stores:
            s.close()


def test_a_datastore_written_with_clear_secrets_is_sealed_on_open(tmp_path):
    path = str(tmp_path / "kv.sqlite3")
    legacy = sqlite3.connect(path, isolation_level=None)
    legacy.execute("PRAGMA journal_mode=WAL")
    legacy.execute("CREATE TABLE kv (name TEXT PRIMARY KEY, value TEXT NOT NULL, "
                   "secret INTEGER NOT NULL DEFAULT 0, expire_at REAL)")
    legacy.execute("INSERT INTO kv VALUES ('tok', ?, 1, NULL)", (CANARY,))
    legacy.execute("INSERT INTO kv VALUES ('state', 'kept', 0, NULL)")
    legacy.close()
    assert CANARY.encode() in _file_bytes(path)
    store = Datastore(path)
    try:
        assert CANARY.encode() not in _file_bytes(path)
        assert store.get("tok", decrypt=True) == CANARY and CANARY not in store.get("tok")
        assert store.get("state") == "kept"
    finally:
        store.close()
    reopened = Datastore(path)  # sealed once, not twice
    try:
        assert reopened.get("tok", decrypt=True) == CANARY
    finally:
        reopened.close()


def test_runner_keeps_the_cached_api_token_encrypted(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = dict(os.environ, HOME=str(home))
    env.pop("INGRAM_MICRO_DATASTORE", None)
    env.pop("INGRAM_MICRO_DATASTORE_KEY", None)
    subprocess.run([sys.executable, "-m", "runner", "action", "list_customers", "limit=1"],
                   cwd=PACK_ROOT, env=env, capture_output=True, check=True, timeout=60)
    path = str(home / ".ingram_micro" / "datastore.sqlite3")
    assert _mode(path + ".key") == 0o600
    store = Datastore(path)
    try:
        names = [n for n in store.names() if "token" in n]
        assert names, store.names()
        token = json.loads(store.get(names[0], decrypt=True))["token"]
        assert len(token) > 8
    finally:
        store.close()
    assert token.encode() not in _file_bytes(path)
