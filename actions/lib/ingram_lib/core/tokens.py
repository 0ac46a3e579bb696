"""Bearer-token cache: in memory within a process, in the StackStorm datastore across them.

Every StackStorm action run is a new process, and minting a token per run would double the
request count (and each Marketplace token is backed by a portal login). The token is stored
encrypted, with a TTL shorter than its lifetime so that the datastore drops it first.
"""

import hashlib
import json
import time

from . import PACK

# Refresh this long before the API's own expiry.
EXPIRY_MARGIN = 60


def cache_key(api, account, *identity):
    digest = hashlib.sha256("|".join(str(i) for i in identity).encode("utf-8")).hexdigest()
    return "%s.token.%s.%s.%s" % (PACK, api, account, digest[:16])


class TokenCache(object):
    _memory = {}

    def __init__(self, key, kv=None, logger=None, clock=time.time):
        self.key = key
        self.kv = kv
        self.log = logger
        self.clock = clock

    def get(self):
        now = self.clock()
        cached = self._memory.get(self.key)
        if cached and cached[1] - EXPIRY_MARGIN > now:
            return cached[0]
        stored = self._load()
        if stored and stored[1] - EXPIRY_MARGIN > now:
            self._memory[self.key] = stored
            return stored[0]
        return None

    def put(self, token, expires_in):
        expires_at = self.clock() + float(expires_in)
        self._memory[self.key] = (token, expires_at)
        if self.kv is None:
            return
        ttl = max(1, int(float(expires_in)) - EXPIRY_MARGIN)
        value = json.dumps({"token": token, "expires_at": expires_at})
        try:
            self.kv.set_value(self.key, value, ttl=ttl, local=False, encrypt=True)
        except Exception as exc:  # the datastore is an optimisation, never a failure
            self._warn("could not store the API token in the datastore: %s" % type(exc).__name__)

    def drop(self):
        self._memory.pop(self.key, None)
        if self.kv is None:
            return
        try:
            self.kv.delete_value(self.key, local=False)
        except Exception:
            pass

    def _load(self):
        if self.kv is None:
            return None
        try:
            raw = self.kv.get_value(self.key, local=False, decrypt=True)
        except Exception as exc:
            self._warn("could not read the API token from the datastore: %s"
                       % type(exc).__name__)
            return None
        if not raw:
            return None
        try:
            data = json.loads(raw)
            return data["token"], float(data["expires_at"])
        except (ValueError, KeyError, TypeError):
            return None

    def _warn(self, message):
        if self.log is not None:
            self.log.warning(message)
