"""Local checks of product activation parameters, before anything is sent to the API.

Rules live in ``activation_rules.yaml`` beside this module; the pack config can name
parameters and add or replace rules (``activation_rules`` in config.schema.yaml).

Data format (the YAML file and ``activation_rules.rules``/``families`` in the config)::

    families:                       # ordered; the first family whose match fits wins
      - id: office365
        match:                      # every given key must fit
          vendor: Microsoft         #   vendor, case-insensitive equality
          name: '(?i)\\b365\\b'     #   regular expression searched in the product name
          serviceName: ...          #   regular expression searched in the service name
          mpns: [ABC:0001]          #   exact MPNs (no catalog lookup needed for these)
    rules:
      - id: office365_domain        # stable id; the config refers to rules by it
        family: office365
        marketplaces: {exclude: [nz]}   # or {only: [nz]}; omitted = every marketplace
        parameter: domain           # case-sensitive name; null = inactive until configured
        required: false
        format: {order: domain_prefix, validation: onmicrosoft_domain}  # or one format
        to_validation: append_onmicrosoft   # optional: order value -> validation value
        description: ...

Formats: ``email``, ``tenant_guid`` (Microsoft tenant id), ``onmicrosoft_domain``
(``name.onmicrosoft.com``), ``domain_prefix`` (the bare prefix, letters and digits),
``any``. Phases: ``order`` (values as placed in POST /orders) and ``validation`` (values as
sent to POST /validation/parameters).

Config overlay::

    activation_rules:
      names: {dropbox_admin_email: <name from Ingram Micro>}   # activates a rule
      rules: [{id: ..., ...}]        # a new rule, or a full replacement of one with that id
      families: [{id: ..., match: {...}}]   # checked before the built-in families

Parameter names are never guessed: a rule without a name checks nothing, and results say
which rules are inactive so users know what to configure.
"""

import copy
import os
import re

import yaml

from ..core.config import config_value
from ..core.errors import ConfigError

# libyaml's parser when PyYAML has it (the same documents, much faster).
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


PHASES = ("order", "validation")
RULES_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "activation_rules.yaml")
ONMICROSOFT = ".onmicrosoft.com"

_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_PREFIX = re.compile(r"^[A-Za-z0-9]+$")
_FULL = re.compile(r"^[A-Za-z0-9]+\.onmicrosoft\.com$", re.I)


def _email(value):
    if not _EMAIL.match(value):
        return "must be a valid e-mail address such as admin@example.com"
    return None


def _guid(value):
    if not _GUID.match(value):
        return ("must be a Microsoft tenant id (a GUID such as "
                "917cd03a-c81a-43ac-91ad-a3c1c3f57bcd)")
    return None


def _full_domain(value):
    if not _FULL.match(value):
        return ("must be the full tenant domain including '.onmicrosoft.com', such as "
                "customer1000057.onmicrosoft.com")
    return None


def _prefix(value):
    if ONMICROSOFT in value.lower():
        return ("must not include '.onmicrosoft.com' here: give only the prefix, such as "
                "customer1000057")
    if not _PREFIX.match(value):
        return "must be a bare domain prefix (letters and digits only), such as customer1000057"
    return None


FORMATS = {
    "email": _email,
    "tenant_guid": _guid,
    "onmicrosoft_domain": _full_domain,
    "domain_prefix": _prefix,
    "any": lambda value: None,
}

TRANSFORMS = {
    "append_onmicrosoft": lambda value: value if value.lower().endswith(ONMICROSOFT)
    else value + ONMICROSOFT,
}

RULE_KEYS = frozenset(("id", "family", "marketplaces", "parameter", "required", "format",
                       "to_validation", "description"))


def _load_file(path):
    with open(path) as handle:
        data = yaml.load(handle, Loader=_SAFE_LOADER) or {}
    return copy.deepcopy(data.get("families") or []), copy.deepcopy(data.get("rules") or [])


def _check_rule(rule, where):
    if not isinstance(rule, dict) or not rule.get("id"):
        raise ConfigError("%s: every activation rule needs an 'id'" % where)
    unknown = set(rule) - RULE_KEYS
    if unknown:
        raise ConfigError("%s: activation rule '%s' has unknown keys: %s"
                          % (where, rule["id"], ", ".join(sorted(unknown))))
    formats = rule.get("format") or "any"
    for phase, name in (formats.items() if isinstance(formats, dict) else [(None, formats)]):
        if phase is not None and phase not in PHASES:
            raise ConfigError("%s: rule '%s': phase '%s' is not one of %s"
                              % (where, rule["id"], phase, ", ".join(PHASES)))
        if name not in FORMATS:
            raise ConfigError("%s: rule '%s': format '%s' is not one of %s"
                              % (where, rule["id"], name, ", ".join(sorted(FORMATS))))
    if rule.get("to_validation") and rule["to_validation"] not in TRANSFORMS:
        raise ConfigError("%s: rule '%s': to_validation '%s' is not one of %s"
                          % (where, rule["id"], rule["to_validation"], ", ".join(TRANSFORMS)))


class RuleSet(object):
    """Families and rules after the pack config's overlay."""

    def __init__(self, families, rules):
        self.families = families
        self.rules = rules

    @classmethod
    def load(cls, config=None, path=RULES_FILE):
        families, rules = _load_file(path)
        overlay = config_value(config or {}, "activation_rules") or {}
        extra_families = list(config_value(overlay, "families") or [])
        for family in extra_families:
            if not isinstance(family, dict) or not family.get("id"):
                raise ConfigError("activation_rules.families: every family needs an 'id'")
        families = [copy.deepcopy(dict(f)) for f in extra_families] + families
        by_id = {rule["id"]: i for i, rule in enumerate(rules)}
        for rule in config_value(overlay, "rules") or []:
            rule = copy.deepcopy(dict(rule)) if isinstance(rule, dict) else rule
            _check_rule(rule, "activation_rules.rules")
            if rule["id"] in by_id:
                rules[by_id[rule["id"]]] = rule
            else:
                by_id[rule["id"]] = len(rules)
                rules.append(rule)
        names = config_value(overlay, "names") or {}
        for rule_id, name in names.items():
            if rule_id not in by_id:
                raise ConfigError("activation_rules.names: no rule with id '%s' (known: %s)"
                                  % (rule_id, ", ".join(sorted(by_id))))
            if not isinstance(name, str) or not name.strip():
                raise ConfigError("activation_rules.names.%s must be a parameter name"
                                  % rule_id)
            rules[by_id[rule_id]]["parameter"] = name
        for rule in rules:
            _check_rule(rule, "activation rules")
        return cls(families, rules)

    # -- which rules apply ------------------------------------------------------------------

    def family_of(self, product):
        """The family id of ``product`` (a dict with mpn, vendor, name, serviceName)."""
        for family in self.families:
            if _fits(family.get("match") or {}, product):
                return family["id"]
        return None

    def needs_catalog(self, mpn):
        """True unless some family lists ``mpn`` explicitly."""
        return not any(mpn in ((f.get("match") or {}).get("mpns") or [])
                       for f in self.families)

    def rules_for(self, family, marketplace):
        out = []
        for rule in self.rules:
            if rule.get("family") != family:
                continue
            scope = rule.get("marketplaces") or {}
            code = (marketplace or "").lower()
            if scope.get("only") and code not in [m.lower() for m in scope["only"]]:
                continue
            if code in [m.lower() for m in scope.get("exclude") or []]:
                continue
            out.append(rule)
        return out

    # -- checks --------------------------------------------------------------------------------

    def check(self, product, parameters, marketplace, phase="order"):
        """Per-parameter results of the local rules for one product line.

        Returns ``{"family", "results": [...], "inactive_rules": [...]}``; each result is
        ``{name, result: success|error, message, value, phase, rule, source: "local"}``.
        """
        if phase not in PHASES:
            raise ValueError("phase must be one of %s" % ", ".join(PHASES))
        family = self.family_of(product)
        rules = self.rules_for(family, marketplace) if family else []
        given = []
        results = []
        for index, param in enumerate(parameters or []):
            if not isinstance(param, dict) or not isinstance(param.get("name"), str):
                results.append(_result("parameters[%d]" % index, "error",
                                       "each parameter must be {\"name\": ..., \"value\": ...}",
                                       None, phase, None))
                continue
            given.append(param)
        names = [p["name"] for p in given]
        for name in sorted({n for n in names if names.count(n) > 1}):
            results.append(_result(name, "error", "is given more than once", None, phase, None))
        by_name = {p["name"]: p for p in given}
        inactive = []
        for rule in rules:
            expected = rule.get("parameter")
            if not expected:
                inactive.append(rule["id"])
                continue
            if expected in by_name:
                results.append(_check_value(rule, by_name[expected], phase))
                continue
            near = [n for n in by_name if n.lower() == expected.lower()]
            if near:
                for name in near:
                    results.append(_result(
                        name, "error", "'%s' differs from the expected '%s' only in case; "
                        "parameter names are case-sensitive" % (name, expected),
                        by_name[name].get("value"), phase, rule["id"]))
            elif rule.get("required"):
                results.append(_result(expected, "error", "is required (%s)"
                                       % (rule.get("description") or rule["id"]).strip(),
                                       None, phase, rule["id"]))
        return {"family": family, "results": results, "inactive_rules": inactive}

    def to_validation(self, product, parameters, marketplace):
        """Order-phase parameter values converted to what POST /validation/parameters
        expects (e.g. the Office 365 domain prefix gains '.onmicrosoft.com')."""
        family = self.family_of(product)
        transforms = {}
        for rule in self.rules_for(family, marketplace) if family else []:
            if rule.get("parameter") and rule.get("to_validation"):
                transforms[rule["parameter"]] = TRANSFORMS[rule["to_validation"]]
        out = []
        for param in parameters or []:
            param = dict(param)
            convert = transforms.get(param.get("name"))
            if convert is not None and isinstance(param.get("value"), str):
                param["value"] = convert(param["value"])
            out.append(param)
        return out


def _fits(match, product):
    if not match:
        return False
    mpns = match.get("mpns")
    if mpns and product.get("mpn") not in mpns:
        return False
    vendor = match.get("vendor")
    if vendor and (product.get("vendor") or "").lower() != vendor.lower():
        return False
    for key in ("name", "serviceName"):
        pattern = match.get(key)
        if pattern and not re.search(pattern, product.get(key) or ""):
            return False
    return True


def _format_for(rule, phase):
    formats = rule.get("format") or "any"
    if isinstance(formats, dict):
        return formats.get(phase) or "any"
    return formats


def _check_value(rule, param, phase):
    value = param.get("value")
    name = rule["parameter"]
    if value is None and param.get("structured_value") is not None:
        return _result(name, "success", "structured value, not checked locally", None, phase,
                       rule["id"])
    if not isinstance(value, str) or not value.strip():
        return _result(name, "error", "needs a non-empty text value", value, phase, rule["id"])
    fmt = _format_for(rule, phase)
    problem = FORMATS[fmt](value.strip())
    if problem:
        return _result(name, "error", "%s (%s phase)" % (problem, phase), value, phase,
                       rule["id"])
    return _result(name, "success", "matches the %s format" % fmt, value, phase, rule["id"])


def _result(name, result, message, value, phase, rule_id):
    out = {"name": name, "result": result, "message": message, "phase": phase,
           "rule": rule_id, "source": "local"}
    if value is not None:
        out["value"] = value
    return out


def errors_of(checks):
    """Flattens error results of several ``check`` answers into readable lines."""
    lines = []
    for where, answer in checks:
        for result in answer["results"]:
            if result["result"] == "error":
                lines.append("%s: parameter '%s': %s" % (where, result["name"],
                                                         result["message"]))
    return lines
