"""Product catalog: ``GET /products`` and ``find_product`` for the order emulator.

Products are stored as the spec's ``Product`` schema plus private ``_``-prefixed keys
(``_family`` says which activation-parameter scenario a product belongs to; ``None`` for
products that need no parameters). ``view()`` strips the private keys.

Several NCE products share one MPN across terms and billing periods, as on the real
platform, so an MPN alone does not always identify a product: ``find_product`` then fails
the way the API does until vendor, id or periods are given.
"""

from ..http import HttpError, Response
from .common import envelope

MONTH = {"type": "month", "duration": 1}
YEAR = {"type": "year", "duration": 1}

NCE_COTERMING = {"required": "ALLOWED", "type": "SUBSCRIPTION"}
LEGACY_COTERMING = {"required": "RESTRICTED", "type": "SUBSCRIPTION"}
MONTHLY_COTERMING = {"required": "ALLOWED", "type": "END_OF_MONTH"}


def money(amount, kind="recurring", model="FLAT", currency="USD", lower_limit=None):
    price = {"amount": amount, "currency": currency, "type": kind, "model": model}
    if lower_limit is not None:
        price["lowerLimit"] = float(lower_limit)
    return price


def _product(mpn, vendor, service, name, price, cost, billing=MONTH, term=YEAR,
             billing_model="chargeBeforeBillingPeriod", minimum="1", maximum="300",
             coterming=NCE_COTERMING, family=None, extra_prices=(), extra_costs=()):
    return {
        "mpn": mpn, "vendor": vendor, "serviceName": service, "name": name,
        "minimumQuantity": minimum, "maximumQuantity": maximum,
        "prices": [money(price)] + list(extra_prices),
        "costs": [money(cost)] + list(extra_costs),
        "billingPeriod": dict(billing), "subscriptionPeriod": dict(term),
        "billingModel": billing_model, "coterming": dict(coterming), "dependsOn": [],
        "_family": family,
    }


def _nce_terms(mpn, name, monthly, monthly_cost, family="office365", maximum="300"):
    """One NCE license in its three sellable shapes, all under the same MPN."""
    annual = "%.2f" % (float(monthly) * 12)
    annual_cost = "%.2f" % (float(monthly_cost) * 12)
    month_term = "%.2f" % (float(monthly) * 1.2)
    month_term_cost = "%.2f" % (float(monthly_cost) * 1.2)
    vendor, service = "Microsoft", "MICROSOFT_NCE"
    return [
        _product(mpn, vendor, service, name + " (NCE, annual term, monthly billing)", monthly,
                 monthly_cost, MONTH, YEAR, family=family, maximum=maximum),
        _product(mpn, vendor, service, name + " (NCE, annual term, annual billing)", annual,
                 annual_cost, YEAR, YEAR, family=family, maximum=maximum),
        _product(mpn, vendor, service, name + " (NCE, monthly term)", month_term,
                 month_term_cost, MONTH, MONTH, coterming=MONTHLY_COTERMING, family=family,
                 maximum=maximum),
    ]


LEGACY_E3_MPN = "796B6B5F-613C-4E24-A17C-EBA730D49C02"
LEGACY_STORAGE_MPN = "A9A5C4BC-6B88-4F4B-9C3B-2B0A5E2A3B41"


def catalog():
    """The seeded catalog, oldest first (lists are served newest first)."""
    products = []
    products += _nce_terms("CFQ7TTC0LH18:0001", "Microsoft 365 Business Basic", "6.00", "5.10")
    products += _nce_terms("CFQ7TTC0LDPB:0001", "Microsoft 365 Business Standard", "12.50",
                           "10.63")
    products += _nce_terms("CFQ7TTC0LCHC:0002", "Microsoft 365 Business Premium", "22.00",
                           "18.70")
    products += _nce_terms("CFQ7TTC0LF8Q:0001", "Office 365 E3", "23.00", "19.55",
                           maximum="10000")
    products += [
        _product(LEGACY_E3_MPN, "Microsoft", "O365_APS", "Office 365 E3 (legacy CSP)", "20.00",
                 "17.00", MONTH, MONTH, coterming=LEGACY_COTERMING, family="office365",
                 maximum="10000"),
        _product(LEGACY_STORAGE_MPN, "Microsoft", "O365_APS",
                 "Office 365 Extra File Storage (legacy CSP, per GB)", "0.20", "0.17", MONTH,
                 MONTH, coterming=LEGACY_COTERMING, family="office365", maximum="100000"),
        _product("DZH318Z0BPS6:0001", "Microsoft", "AZURE_PLAN", "Microsoft Azure plan", "0.00",
                 "0.00", MONTH, MONTH, billing_model="chargeExternalRating", maximum="1",
                 coterming=MONTHLY_COTERMING, family="azure_nce",
                 extra_prices=[money("0.00", "overuse", "VOLUME_RESOURCE_AGGREGATED",
                                     lower_limit=0)],
                 extra_costs=[money("0.00", "overuse", "VOLUME_RESOURCE_AGGREGATED",
                                    lower_limit=0)]),
        _product("MS-AZR-0145P", "Microsoft", "AZURE_CSP", "Azure CSP (legacy)", "0.00", "0.00",
                 MONTH, MONTH, billing_model="chargeExternalRating", maximum="1",
                 coterming=LEGACY_COTERMING, family="azure_legacy"),
        _product("DBX-BUS-STD-1M", "Dropbox", "DROPBOX", "Dropbox Business Standard", "15.00",
                 "12.75", MONTH, MONTH, minimum="3", maximum="1000",
                 coterming=MONTHLY_COTERMING, family="dropbox"),
        _product("DBX-BUS-ADV-1M", "Dropbox", "DROPBOX", "Dropbox Business Advanced", "24.00",
                 "20.40", MONTH, MONTH, minimum="3", maximum="1000",
                 coterming=MONTHLY_COTERMING, family="dropbox"),
        _product("HS-STD-1M", "Dropbox", "HELLOSIGN", "HelloSign (Dropbox Sign) Standard",
                 "25.00", "21.25", MONTH, MONTH, maximum="100",
                 coterming=MONTHLY_COTERMING, family="hellosign"),
        _product("AVP-CB-M365-1Y", "AvePoint", "AVEPOINT",
                 "AvePoint Cloud Backup for Microsoft 365", "2.50", "2.00", MONTH, YEAR,
                 minimum="10", maximum="50000", family="avepoint",
                 extra_prices=[money("50.00", "setup")], extra_costs=[money("40.00", "setup")]),
        _product("ACR-CP-STD-WKS", "Acronis", "ACRONIS", "Acronis Cyber Protect Standard "
                 "(workstation)", "4.80", "3.84", MONTH, MONTH,
                 billing_model="chargeAfterBillingPeriod", maximum="5000",
                 coterming=MONTHLY_COTERMING,
                 extra_prices=[money("4.30", "recurring", "TIERED", lower_limit=100)],
                 extra_costs=[money("3.44", "recurring", "TIERED", lower_limit=100)]),
        _product("BD-GZ-BS-1Y", "Bitdefender", "BITDEFENDER",
                 "Bitdefender GravityZone Business Security", "30.00", "24.00", YEAR, YEAR,
                 billing_model="chargeBeforeSubscriptionPeriod", minimum="3", maximum="3000",
                 coterming=LEGACY_COTERMING),
    ]
    return products


def add_product(state, product):
    """Stores ``product`` (a Product dict without id) with a fresh id; returns it."""
    stored = dict(product, id=state.products.new_id())
    stored.setdefault("dependsOn", [])
    stored.setdefault("_family", None)
    return state.products.add(stored)


def seed(state):
    by_mpn = {}
    for product in catalog():
        by_mpn.setdefault(product["mpn"], add_product(state, product))
    storage = next(p for p in state.products.values() if p["mpn"] == LEGACY_STORAGE_MPN)
    e3 = by_mpn[LEGACY_E3_MPN]
    storage["dependsOn"] = [{"mpn": e3["mpn"], "id": e3["id"]}]


def view(product):
    return {k: v for k, v in product.items() if not k.startswith("_")}


def _same_period(stored, wanted):
    if wanted is None:
        return True
    try:
        return (stored.get("type") == wanted.get("type") and
                int(stored.get("duration")) == int(wanted.get("duration")))
    except (AttributeError, TypeError, ValueError):
        return False


def _ieq(value, wanted):
    # Order lines come from request bodies, where a number may stand in for a string.
    return (value or "").lower() == str(wanted).lower()


def find_product(state, mpn=None, id=None, vendor=None, billing_period=None,
                 subscription_period=None):
    """The one stored product that an order line identifies.

    ``billing_period``/``subscription_period`` are ``{"type", "duration"}`` dicts. Returns
    the stored dict (treat it as read-only; ``view()`` gives the API shape). Raises
    HttpError 404 when nothing matches and 500 when the MPN stays ambiguous, as the API
    does for a non-unique MPN without vendor, id or periods.
    """
    if not mpn and not id:
        raise HttpError(400, "Product line must identify the product by mpn or id")
    if id:
        product = state.products.get(str(id))
        candidates = [product] if product is not None else []
    else:
        candidates = list(state.products.values())
    candidates = [p for p in candidates if
                  (not mpn or _ieq(p["mpn"], mpn)) and
                  (not vendor or _ieq(p["vendor"], vendor)) and
                  _same_period(p["billingPeriod"], billing_period) and
                  _same_period(p["subscriptionPeriod"], subscription_period)]
    if not candidates:
        described = ", ".join("%s %s" % (k, v) for k, v in (
            ("id", id), ("MPN", mpn), ("vendor", vendor)) if v)
        raise HttpError(404, "Product not found: %s" % described)
    if len(candidates) > 1:
        raise HttpError(500, "Ambiguous MPN '%s': %d products match; specify vendor, id or "
                        "periods (billingPeriod, subscriptionPeriod)" % (mpn, len(candidates)))
    return candidates[0]


def matches(product, name=None, service_name=None, mpn=None, vendor=None):
    if name and name.lower() not in product["name"].lower():
        return False
    if service_name and not _ieq(product["serviceName"], service_name):
        return False
    if mpn and not _ieq(product["mpn"], mpn):
        return False
    if vendor and not _ieq(product["vendor"], vendor):
        return False
    return True


def register(router, state):
    def list_products(request):
        rows = (p for p in state.products.newest_first() if matches(
            p, request.arg("name"), request.arg("serviceName"), request.arg("mpn"),
            request.arg("vendor")))
        return Response(200, envelope(rows, request, view))

    router.add("GET", "/products", list_products)
