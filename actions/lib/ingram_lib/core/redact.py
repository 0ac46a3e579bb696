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

    def extend(self, other):
        self._secrets.update(other._secrets)

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


# The config keys config.schema.yaml marks ``secret: true``, at whatever depth they appear.
SECRET_KEYS = frozenset(("password", "subscription_key", "client_secret", "webhook_secret"))


def config_secrets(config, depth=0):
    """Every secret value in a pack config, as text (an unquoted ``password: 12345678``
    arrives as a number and must be masked all the same)."""
    found = []
    if depth > 6:
        return found
    try:
        items = list(config.items())
    except (AttributeError, TypeError, KeyError, ValueError):
        return found
    for key, value in items:
        if key in SECRET_KEYS and value not in (None, ""):
            found.append(str(value))
        elif isinstance(value, (dict, list)) or hasattr(value, "items"):
            children = value if isinstance(value, list) else [value]
            for child in children:
                found.extend(config_secrets(child, depth + 1))
    return found
