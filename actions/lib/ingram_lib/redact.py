"""Keeps secrets (passwords, keys, tokens) out of logs, results and exception text."""

MASK = "********"


class Redactor(object):
    def __init__(self, secrets=()):
        self._secrets = set()
        for s in secrets:
            self.add(s)

    def add(self, secret):
        # Very short values would mask ordinary words; real secrets are long.
        if secret and isinstance(secret, str) and len(secret) >= 4:
            self._secrets.add(secret)

    def text(self, value):
        if not isinstance(value, str) or not self._secrets:
            return value
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in value:
                value = value.replace(secret, MASK)
        return value

    def data(self, value):
        """Returns a copy of a JSON-like value with every secret masked."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.data(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.data(v) for v in value]
        return value

    def error(self, exc):
        """Masks secrets inside an IngramMicroError in place and returns it."""
        for attr in ("message", "body", "path"):
            if hasattr(exc, attr):
                setattr(exc, attr, self.data(getattr(exc, attr)))
        exc.args = tuple(self.data(a) for a in exc.args)
        return exc
