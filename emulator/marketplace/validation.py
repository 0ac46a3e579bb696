"""``POST /validation/parameters`` and the activation-parameter check of ``POST /orders``.

Only ``domain`` (Office 365) is a publicly documented parameter name. The other products'
names are not public, so the emulator uses obviously made-up fixture names (``emu_*``,
``FIXTURE_NAMES``) that tests hand to the pack through its ``activation_rules`` config.

Office 365 ``domain``: outside NZ, a bare prefix when ordering and the full
``<prefix>.onmicrosoft.com`` when validating; in NZ the full domain in both phases.
The marketplace is the one the caller's token was issued for.
"""

import re

from ..http import HttpError, Response

from .catalog import find_product

ONMICROSOFT = ".onmicrosoft.com"
_PREFIX = re.compile(r"^[A-Za-z0-9]+$")
_FULL = re.compile(r"^[A-Za-z0-9]+\.onmicrosoft\.com$", re.I)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")

FIXTURE_NAMES = {
    "office365_tenant_id": "emu_tenant_id",
    "azure_legacy_domain_prefix": "emu_azure_domain_prefix",
    "azure_legacy_domain": "emu_azure_domain",
    "azure_nce_domain": "emu_azure_nce_domain",
    "avepoint_email_1": "emu_avepoint_email_1",
    "avepoint_email_2": "emu_avepoint_email_2",
    "dropbox_admin_email": "emu_dropbox_admin_email",
    "hellosign_admin_email": "emu_hellosign_admin_email",
}

# Prefixes the emulator treats as already taken by another tenant.
TAKEN_DOMAINS = ("contoso", "fabrikam")


def family(product):
    if "_family" in product:
        return product["_family"]
    vendor = (product.get("vendor") or "").lower()
    name = (product.get("name") or "").lower()
    if vendor == "microsoft" and re.search(r"(office|microsoft) 365", name):
        return "office365"
    if vendor == "microsoft" and "azure" in name:
        return "azure_nce" if "azure plan" in name else "azure_legacy"
    for key in ("avepoint", "dropbox", "hellosign"):
        if key in vendor:
            return key
    return None


def _check_domain(value, full, nz):
    text = str(value or "")
    if full:
        if not _FULL.match(text):
            return "The domain must include '.onmicrosoft.com'%s, e.g. customer1000057" \
                   ".onmicrosoft.com" % (" in the NZ marketplace" if nz else " when validating")
    elif ONMICROSOFT in text.lower():
        return "Do not include '.onmicrosoft.com' when placing an order"
    elif not _PREFIX.match(text):
        return "The domain prefix may contain letters and digits only"
    if text.lower().split(".")[0] in TAKEN_DOMAINS:
        return "Domain is not available"
    return None


def specs(kind, phase, marketplace):
    """``[(name, required, check(value) -> error or None, type)]`` of a product family."""
    names = FIXTURE_NAMES
    email = (lambda v: None if _EMAIL.match(str(v or "")) else
             "A valid email address is required")
    nz = marketplace == "nz"
    if kind == "office365":
        full = nz or phase == "validation"
        return [("domain", False, lambda v: _check_domain(v, full, nz), "domain"),
                (names["office365_tenant_id"], False,
                 lambda v: None if _GUID.match(str(v or "")) else
                 "A Microsoft tenant id (GUID) is required", "string")]
    if kind == "azure_legacy":
        return [(names["azure_legacy_domain_prefix"], False,
                 lambda v: _check_domain(v, False, False), "domain"),
                (names["azure_legacy_domain"], False,
                 lambda v: _check_domain(v, True, False), "domain")]
    if kind == "azure_nce":
        return [(names["azure_nce_domain"], True, lambda v: _check_domain(v, True, False),
                 "domain")]
    if kind == "avepoint":
        return [(names["avepoint_email_1"], True, email, "email"),
                (names["avepoint_email_2"], True, email, "email")]
    if kind in ("dropbox", "hellosign"):
        return [(names[kind + "_admin_email"], True, email, "email")]
    return []


def results(product, parameters, marketplace, phase):
    """Per-parameter results ``{name, result, message, value, valueError, ...}``."""
    expected = specs(family(product), phase, marketplace)
    given = {}
    out = []
    for param in parameters or []:
        if isinstance(param, dict) and param.get("name"):
            given[param["name"]] = param.get("value")
    known = {name for name, _, _, _ in expected}
    for name, required, check, kind in expected:
        if name not in given:
            if required:
                out.append(_result(name, "error", "Parameter is required", None,
                                   "A value is required", phase, kind))
            continue
        error = check(given[name])
        if error:
            out.append(_result(name, "error", error, given[name], error, phase, kind))
        else:
            message = "Domain available to purchase." if kind == "domain" else "Valid."
            out.append(_result(name, "success", message, given[name], None, phase, kind))
    for name in given:
        if name not in known:
            out.append(_result(name, "error", "Unknown parameter '%s'" % name, given[name],
                               "This product has no parameter named '%s'" % name, phase,
                               "string"))
    return out


def _result(name, result, message, value, value_error, phase, kind):
    out = {"name": name, "result": result, "message": message, "valueChoices": [],
           "phase": phase, "type": kind}
    if value is not None:
        out["value"] = str(value)
    if value_error is not None:
        out["valueError"] = value_error
    return out


def order_problems(state, product, parameters, marketplace, phase="order"):
    return ["%s: %s" % (r["name"], r["message"])
            for r in results(product, parameters, marketplace, phase) if r["result"] == "error"]


def register(router, state):
    from .common import body_of

    def validate(request):
        body = body_of(request)
        if not body.get("customerId"):
            raise HttpError(400, "customerId is required")
        state.customers.require(str(body["customerId"]), "Customer")
        lines = body.get("products")
        if not isinstance(lines, list) or not lines:
            raise HttpError(400, "products: at least one product is required")
        marketplace = getattr(request, "marketplace", None) or "us"
        rows = []
        for i, line in enumerate(lines):
            if not isinstance(line, dict) or not (line.get("mpn") or line.get("id")):
                raise HttpError(400, "products[%d]: mpn or id is required" % i)
            product = find_product(state, mpn=line.get("mpn"), id=line.get("id"),
                                   vendor=line.get("vendor"),
                                   billing_period=line.get("billingPeriod"),
                                   subscription_period=line.get("subscriptionPeriod"))
            row = {"id": product["id"], "mpn": product["mpn"], "vendor": product["vendor"],
                   "parameters": results(product, line.get("parameters"), marketplace,
                                         "validation")}
            for key in ("billingPeriod", "subscriptionPeriod"):
                if product.get(key):
                    row[key] = dict(product[key])
            rows.append(row)
        # Every product gets a result: the page is as long as the request.
        return Response(200, {"data": rows, "pagination": {"offset": 0, "limit": max(
            len(rows), 10), "total": len(rows)}})

    router.add("POST", "/validation/parameters", validate)
