"""Named accounts from the pack configuration.

An MSP often runs several marketplaces or regions, so the config holds
``accounts: {<name>: {...}}`` and every action takes ``account`` (default ``default``).
The defaults below mirror ``config.schema.yaml``; a test keeps the two in step.
"""

from .errors import ConfigError

DEFAULT_ACCOUNT = "default"

MARKETPLACE_DEFAULTS = {
    "connect_timeout": 10.0,
    "read_timeout": 60.0,
    "order_timeout": 180.0,
    "max_retries": 5,
    "max_retry_wait": 60.0,
    "verify_ssl": True,
}

XVANTAGE_DEFAULTS = {
    "api_url": "https://api.ingrammicro.com:443",
    "sandbox": False,
    "country_code": "US",
    "connect_timeout": 10.0,
    "read_timeout": 60.0,
    "order_timeout": 180.0,
    "max_retries": 5,
    "max_retry_wait": 60.0,
    "verify_ssl": True,
}

MARKETPLACE_REQUIRED = ("api_url", "marketplace", "username", "password", "subscription_key")
XVANTAGE_REQUIRED = ("client_id", "client_secret", "customer_number", "sender_id")


def config_value(mapping, key):
    """``mapping[key]``, or None where it is missing or ``mapping`` is no mapping at all."""
    # st2's PackConfigDict raises on a missing key; treat that like absence.
    try:
        return mapping.get(key)
    except (AttributeError, KeyError, ValueError):
        return None


def account_names(config):
    accounts = config_value(config or {}, "accounts") or {}
    return sorted(accounts.keys())


def account_settings(config, account=None):
    """Returns the raw settings dict of one named account."""
    name = account or DEFAULT_ACCOUNT
    accounts = config_value(config or {}, "accounts")
    if not accounts:
        raise ConfigError(
            "pack config has no 'accounts'; run `st2 pack config ingram_micro` or see "
            "ingram_micro.yaml.example")
    settings = config_value(accounts, name)
    if settings is None:
        raise ConfigError("account '%s' is not in the pack config (configured: %s)"
                          % (name, ", ".join(sorted(accounts.keys())) or "none"))
    return settings


class _ConnectionSettings(object):
    """Timeouts and retry limits, which both APIs take from the same setting names."""

    def __init__(self, name, values):
        self.account = name
        self.connect_timeout = float(values["connect_timeout"])
        self.read_timeout = float(values["read_timeout"])
        self.order_timeout = float(values["order_timeout"])
        self.max_retries = int(values["max_retries"])
        self.max_retry_wait = float(values["max_retry_wait"])
        self.verify_ssl = bool(values["verify_ssl"])


class MarketplaceSettings(_ConnectionSettings):
    def __init__(self, name, values):
        super(MarketplaceSettings, self).__init__(name, values)
        self.api_url = values["api_url"].rstrip("/")
        self.marketplace = values["marketplace"]
        self.username = values["username"]
        self.password = values["password"]
        self.subscription_key = values["subscription_key"]

    @property
    def secrets(self):
        return (self.password, self.subscription_key)


class XvantageSettings(_ConnectionSettings):
    def __init__(self, name, values):
        super(XvantageSettings, self).__init__(name, values)
        url = values["api_url"].rstrip("/")
        if values.get("sandbox") and not url.endswith("/sandbox"):
            url += "/sandbox"
        self.api_url = url
        self.client_id = values["client_id"]
        self.client_secret = values["client_secret"]
        self.customer_number = values["customer_number"]
        self.country_code = values["country_code"]
        self.sender_id = values["sender_id"]

    @property
    def secrets(self):
        return (self.client_secret,)


def _resolve(name, raw, defaults, required, section):
    values = dict(defaults)
    for key, value in (raw or {}).items():
        if value is not None:
            values[key] = value
    missing = [k for k in required if not values.get(k)]
    if missing:
        raise ConfigError("account '%s' is missing %s setting(s): %s"
                          % (name, section, ", ".join(missing)))
    return values


def marketplace_settings(config, account=None):
    name = account or DEFAULT_ACCOUNT
    raw = account_settings(config, name)
    values = _resolve(name, {k: v for k, v in raw.items() if k != "xvantage"},
                      MARKETPLACE_DEFAULTS, MARKETPLACE_REQUIRED, "Marketplace")
    return MarketplaceSettings(name, values)


def xvantage_settings(config, account=None):
    name = account or DEFAULT_ACCOUNT
    raw = config_value(account_settings(config, name), "xvantage")
    if not raw:
        raise ConfigError("account '%s' has no 'xvantage' section in the pack config" % name)
    values = _resolve(name, raw, XVANTAGE_DEFAULTS, XVANTAGE_REQUIRED, "Xvantage")
    return XvantageSettings(name, values)
