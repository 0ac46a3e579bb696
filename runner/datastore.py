"""A key-value store with StackStorm's datastore semantics, kept in SQLite.

What st2 does and st2tests' mock does not: values are stored as ``str(value)``; a TTL
expires the key; a secret written with ``encrypt=True`` reads back as ciphertext unless
``decrypt=True`` is asked for.
"""

import base64
import hashlib
import os
import sqlite3
import threading
import time


class Datastore(object):
    def __init__(self, path=":memory:", clock=time.time):
        self.path = path
        self.clock = clock
        self._lock = threading.Lock()
        if path != ":memory:":
            # Tokens are stored in clear (st2 encrypts at rest; this file stands in for it).
            os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
            os.chmod(path, 0o600)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        if path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS kv (name TEXT PRIMARY KEY, value TEXT NOT NULL, "
            "secret INTEGER NOT NULL DEFAULT 0, expire_at REAL)")
        self.writes = 0

    @staticmethod
    def _cipher(value):
        # Not security: it makes a forgotten decrypt=True visible, as st2's ciphertext does.
        digest = hashlib.sha256(value.encode("utf-8")).hexdigest()[:16]
        return "ENC:" + digest + base64.b16encode(value.encode("utf-8")).decode("ascii")

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
        if secret and not decrypt:
            return self._cipher(value)
        return value

    def set(self, name, value, ttl=None, encrypt=False):
        if ttl is not None:
            ttl = int(ttl)
            if ttl < 1:
                raise ValueError("ttl must be a positive number of seconds, got %r" % (ttl,))
        expire_at = self.clock() + ttl if ttl else None
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO kv (name, value, secret, expire_at) VALUES (?,?,?,?)",
                (name, str(value), 1 if encrypt else 0, expire_at))
            self.writes += 1
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
