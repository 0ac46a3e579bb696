"""A key-value store with StackStorm's datastore semantics, kept in SQLite.

What st2 does and st2tests' mock does not: values are stored as ``str(value)``; a TTL
expires the key; a secret written with ``encrypt=True`` is encrypted at rest and reads back
as ciphertext unless ``decrypt=True`` is asked for.

Secrets are sealed with AES-256-GCM (``cryptography``'s AEAD), the key name bound in as
associated data so a ciphertext cannot be moved to another key. The key lives in its own
file, created with mode 0600 (default: ``<datastore file>.key``; ``key_path`` or the
``INGRAM_MICRO_DATASTORE_KEY`` environment variable choose another); an in-memory datastore
keeps an in-process key. Only ciphertext is ever written to the SQLite file or its WAL.
"""

import base64
import binascii
import json
import os
import sqlite3
import stat
import tempfile
import threading
import time

try:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
except ImportError:  # the pack itself does not need it; only the runner's datastore does
    AESGCM = None
    InvalidTag = None

KEY_ENV = "INGRAM_MICRO_DATASTORE_KEY"
CIPHER_NAME = "AES-256-GCM"
# Stored layout: version byte, nonce, ciphertext+tag, written as upper-case hex as st2
# shows its own ciphertext.
FORMAT_VERSION = 1
NONCE_BYTES = 12
# user_version 0 is the layout that kept secrets in clear; 1 keeps them encrypted.
SCHEMA_VERSION = 1


class DatastoreError(RuntimeError):
    """The datastore's key is missing, unsafe or does not match what was encrypted."""


def default_key_path(path):
    return os.environ.get(KEY_ENV) or path + ".key"


def _require_cryptography():
    if AESGCM is None:
        raise DatastoreError(
            "the runner's datastore encrypts secrets with the 'cryptography' package, which "
            "is not installed: pip install -r requirements-runner.txt")


def _read_key(key_path):
    st = os.stat(key_path)
    if os.name == "posix" and stat.S_IMODE(st.st_mode) & 0o077:
        raise DatastoreError(
            "datastore key file %s is readable by other users (mode %o): chmod 600 it"
            % (key_path, stat.S_IMODE(st.st_mode)))
    with open(key_path, "r") as handle:
        text = handle.read()
    try:
        data = json.loads(text)
        key = base64.b64decode(data["key"], validate=True)
        if data.get("cipher") != CIPHER_NAME or len(key) != 32:
            raise ValueError("wrong cipher or key length")
    except (ValueError, KeyError, TypeError, binascii.Error, AttributeError):
        raise DatastoreError("datastore key file %s is not a %s key written by the runner"
                             % (key_path, CIPHER_NAME))
    return key


def _write_new_key(key_path):
    """Publishes a fresh key at ``key_path`` unless another process got there first.

    The key is written and flushed under a private temporary name and then hard-linked into
    place: a reader never sees a half-written file, and of two processes starting together
    exactly one key wins (``link`` refuses an existing name) and both use it.
    """
    folder = os.path.dirname(os.path.abspath(key_path))
    body = json.dumps({"cipher": CIPHER_NAME,
                       "key": base64.b64encode(AESGCM.generate_key(bit_length=256))
                       .decode("ascii")})
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".datastore-key-")  # mode 0600
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(body)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, key_path)
        except FileExistsError:
            pass
        except OSError:
            # A filesystem without hard links: exclusive create still gives one winner.
            try:
                out = os.open(key_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            except FileExistsError:
                return
            with os.fdopen(out, "w") as handle:
                handle.write(body)
                handle.flush()
                os.fsync(handle.fileno())
    finally:
        os.unlink(tmp)


def load_or_create_key(key_path):
    _require_cryptography()
    try:
        return _read_key(key_path)
    except FileNotFoundError:
        pass
    _write_new_key(key_path)
    return _read_key(key_path)


class Datastore(object):
    def __init__(self, path=":memory:", clock=time.time, key_path=None):
        _require_cryptography()
        self.path = path
        self.clock = clock
        self._lock = threading.Lock()
        if path == ":memory:":
            self.key_path = None
            key = AESGCM.generate_key(bit_length=256)
        else:
            # The file holds live tokens (encrypted) and sensor state: private to the user.
            os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
            os.chmod(path, 0o600)
            self.key_path = key_path or default_key_path(path)
            key = load_or_create_key(self.key_path)
        self._aead = AESGCM(key)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        # Freed pages are zeroed, so an old value does not linger in the file.
        self._db.execute("PRAGMA secure_delete=ON")
        if path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
        self._open_schema()
        self.writes = 0
        # UTF-8 bytes of the values given to set() (before any encryption).
        self.bytes_set = 0

    def _open_schema(self):
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            exists = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                                "AND name = 'kv'").fetchone()
            version = db.execute("PRAGMA user_version").fetchone()[0]
            migrated = False
            if not exists:
                db.execute(
                    "CREATE TABLE kv (name TEXT PRIMARY KEY, value TEXT NOT NULL, "
                    "secret INTEGER NOT NULL DEFAULT 0, expire_at REAL)")
            elif version < SCHEMA_VERSION:
                # A datastore written before secrets were encrypted: seal them now.
                for name, value in db.execute(
                        "SELECT name, value FROM kv WHERE secret = 1").fetchall():
                    db.execute("UPDATE kv SET value = ? WHERE name = ?",
                               (self._seal(name, value), name))
                migrated = True
            if version < SCHEMA_VERSION:
                db.execute("PRAGMA user_version = %d" % SCHEMA_VERSION)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        if migrated and self.path != ":memory:":
            # Rewrite the file and empty the WAL so no page keeps the old clear text.
            db.execute("VACUUM")
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _seal(self, name, value):
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, value.encode("utf-8"), name.encode("utf-8"))
        return binascii.hexlify(bytes([FORMAT_VERSION]) + nonce + sealed).decode("ascii").upper()

    def _open(self, name, stored):
        try:
            raw = binascii.unhexlify(stored)
            if raw[:1] != bytes([FORMAT_VERSION]):
                raise ValueError("unknown format")
            nonce, sealed = raw[1:1 + NONCE_BYTES], raw[1 + NONCE_BYTES:]
            return self._aead.decrypt(nonce, sealed, name.encode("utf-8")).decode("utf-8")
        except (ValueError, binascii.Error, InvalidTag):
            raise DatastoreError(
                "cannot decrypt the value of '%s' with %s (the key file was replaced, or the "
                "value was not written by this datastore)"
                % (name, self.key_path or "this process's key"))

    def get(self, name, decrypt=False):
        with self._lock:
            row = self._db.execute(
                "SELECT value, secret, expire_at FROM kv WHERE name = ?", (name,)).fetchone()
            if row is None:
                return None
            value, secret, expire_at = row
            if expire_at is not None and expire_at <= self.clock():
                self._db.execute("DELETE FROM kv WHERE name = ?", (name,))
                return None
        if secret and decrypt:
            return self._open(name, value)
        return value

    def set(self, name, value, ttl=None, encrypt=False):
        if ttl is not None:
            ttl = int(ttl)
            if ttl < 1:
                raise ValueError("ttl must be a positive number of seconds, got %r" % (ttl,))
        expire_at = self.clock() + ttl if ttl else None
        stored = self._seal(name, str(value)) if encrypt else str(value)
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO kv (name, value, secret, expire_at) VALUES (?,?,?,?)",
                (name, stored, 1 if encrypt else 0, expire_at))
            self.writes += 1
            self.bytes_set += len(str(value).encode("utf-8"))
        return True

    def delete(self, name):
        with self._lock:
            cur = self._db.execute("DELETE FROM kv WHERE name = ?", (name,))
        return cur.rowcount > 0

    def names(self, prefix=None):
        now = self.clock()
        with self._lock:
            rows = self._db.execute(
                "SELECT name, expire_at FROM kv ORDER BY name").fetchall()
        return [n for n, exp in rows
                if (exp is None or exp > now) and (prefix is None or n.startswith(prefix))]

    def close(self):
        self._db.close()
