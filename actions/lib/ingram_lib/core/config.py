"""Named accounts from the pack configuration.

An MSP often runs several marketplaces or regions, so the config holds
``accounts: {<name>: {...}}`` and every action takes ``account`` (default ``default``).
The account ``default`` may instead be written as top-level keys (``api_url`` ...
``verify_ssl``, ``xvantage``), the shape ``st2 pack config`` produces. Both at once is an
error whenever ``default`` is used: neither silently wins. Named accounts inherit nothing
from the top level.

An ``xvantage`` section counts only when it sets one of ``XVANTAGE_MARKERS``: StackStorm
fills the defaults of an object property in every account (``country_code``, ``sandbox``),
so a section of defaults alone is no section.

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
XVANTAGE_MARKERS = XVANTAGE_REQUIRED + ("webhook_secret",)
# The top-level keys that make up the account ``default``, besides ``xvantage``.
TOP_LEVEL_KEYS = MARKETPLACE_REQUIRED + tuple(MARKETPLACE_DEFAULTS)


def config_value(mapping, key):
    """``mapping[key]``, or None where it is missing or ``mapping`` is no mapping at all."""
    # st2's PackConfigDict raises on a missing key; treat that like absence.
    try:
        return mapping.get(key)
    except (AttributeError, KeyError, ValueError):
        return None


def _is_set(value):
    return value is not None and value != ""


def xvantage_section(settings):
    """The ``xvantage`` section of one account's settings, or None where it sets nothing
    of its own (absent, empty, or only defaults)."""
    section = config_value(settings, "xvantage")
    if section and any(_is_set(config_value(section, k)) for k in XVANTAGE_MARKERS):
        return section
    return None


def top_level_account(config):
    """The account ``default`` as written at the top level of the config, or None when no
    top-level account key is set."""
    values = {k: config_value(config or {}, k) for k in TOP_LEVEL_KEYS}
    settings = {k: v for k, v in values.items() if _is_set(v)}
    section = xvantage_section(config or {})
    if section is not None:
        settings["xvantage"] = section
    return settings or None


def _named_accounts(config):
    return config_value(config or {}, "accounts") or {}


def account_names(config):
    names = set(_named_accounts(config).keys())
    if top_level_account(config) is not None:
        names.add(DEFAULT_ACCOUNT)
    return sorted(names)


def account_entries(config):
    """``[(name, raw settings)]`` of every configured account, without resolving the
    account ``default`` written both ways: both entries are listed."""
    out = []
    top = top_level_account(config)
    if top is not None:
        out.append((DEFAULT_ACCOUNT, top))
    accounts = _named_accounts(config)
    for name in sorted(accounts.keys()):
        out.append((name, accounts[name]))
    return out


def account_settings(config, account=None):
    """Returns the raw settings dict of one account."""
    name = account or DEFAULT_ACCOUNT
    accounts = _named_accounts(config)
    top = top_level_account(config)
    if top is not None and name == DEFAULT_ACCOUNT:
        if config_value(accounts, name) is not None:
            raise ConfigError(
                "account 'default' is configured twice: by top-level keys of the pack config "
                "(%s) and by accounts.default; keep one of them" % ", ".join(sorted(top)))
        return top
    if not accounts and top is None:
        raise ConfigError(
            "pack config has no 'accounts' and no top-level account settings (%s); run "
            "`st2 pack config ingram_micro` or see ingram_micro.yaml.example"
            % ", ".join(MARKETPLACE_REQUIRED))
    settings = config_value(accounts, name)
    if settings is None:
        raise ConfigError("account '%s' is not in the pack config (configured: %s)"
                          % (name, ", ".join(account_names(config)) or "none"))
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
        # Invoices (and other groups the spec marks) want IM-ApplicationID; the sender id
        # is what identifies the sending system when no separate one is set.
        self.application_id = values.get("application_id") or values["sender_id"]

    @property
    def secrets(self):
        return (self.client_secret,)


def _resolve(name, raw, defaults, required, section, where):
    values = dict(defaults)
    for key, value in (raw or {}).items():
        if value is not None:
            values[key] = value
    missing = [k for k in required if not values.get(k)]
    if missing:
        raise ConfigError("account '%s' is missing %s setting(s): %s (%s)"
                          % (name, section, ", ".join(missing), where))
    return values


def _where(config, name, xvantage=False):
    """Where the settings of account ``name`` live in the config, for error messages."""
    if name == DEFAULT_ACCOUNT and top_level_account(config) is not None:
        return ("xvantage at the top level of the pack config" if xvantage
                else "top-level keys of the pack config")
    return "accounts.%s%s" % (name, ".xvantage" if xvantage else "")


def marketplace_settings(config, account=None):
    name = account or DEFAULT_ACCOUNT
    raw = account_settings(config, name)
    values = _resolve(name, {k: v for k, v in raw.items() if k != "xvantage"},
                      MARKETPLACE_DEFAULTS, MARKETPLACE_REQUIRED, "Marketplace",
                      _where(config, name))
    return MarketplaceSettings(name, values)


def xvantage_settings(config, account=None):
    name = account or DEFAULT_ACCOUNT
    raw = xvantage_section(account_settings(config, name))
    if raw is None:
        raise ConfigError(
            "account '%s' has no 'xvantage' section in the pack config (one that sets %s)"
            % (name, ", ".join(XVANTAGE_REQUIRED)))
    values = _resolve(name, raw, XVANTAGE_DEFAULTS, XVANTAGE_REQUIRED, "Xvantage",
                      _where(config, name, xvantage=True))
    return XvantageSettings(name, values)
