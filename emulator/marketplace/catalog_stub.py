"""A minimal product catalog used until ``catalog.py`` is available.

Same interface: ``find_product(state, mpn=None, id=None, vendor=None, billing_period=None,
subscription_period=None)`` returns a 1.15 ``Product`` dict or raises ``HttpError``.
"""

from ..http import HttpError, Response
from .common import envelope

MONTH = {"type": "month", "duration": 1}
YEAR = {"type": "year", "duration": 1}

# (mpn, vendor, name, serviceName, monthly price, billing period, subscription period)
PRODUCTS = [
    ("91fd106f-4b2c-4938-95ac-f54f74e9a239", "Microsoft", "Office 365 E1", "Office 365",
     "8.00", MONTH, MONTH),
    ("CFQ7TTC0LDPB:0001", "Microsoft", "Microsoft 365 Business Standard", "Office 365",
     "12.50", MONTH, YEAR),
    ("DZH318Z0BQ3Q:0001", "Microsoft", "Azure plan", "Azure CSP", "0.00", MONTH, MONTH),
    ("DBX-BUS-STD-M", "Dropbox", "Dropbox Business Standard", "Dropbox", "15.00", MONTH,
     MONTH),
    ("AVP-CLOUD-BACKUP-M365", "AvePoint", "AvePoint Cloud Backup for Microsoft 365",
     "AvePoint", "2.50", MONTH, YEAR),
    ("HS-ESSENTIALS-M", "HelloSign", "HelloSign Essentials", "HelloSign", "15.00", MONTH,
     MONTH),
]


def seed(state):
    if len(state.products):
        return
    for mpn, vendor, name, service, price, billing, term in PRODUCTS:
        product_id = state.products.new_id()
        state.products.add({
            "id": product_id, "mpn": mpn, "vendor": vendor, "name": name,
            "serviceName": service, "minimumQuantity": "1", "maximumQuantity": "10000",
            "prices": [{"amount": price, "currency": "USD", "type": "recurring"}],
            "costs": [{"amount": "%.2f" % (float(price) * 0.8), "currency": "USD",
                       "type": "recurring"}],
            "billingPeriod": dict(billing), "subscriptionPeriod": dict(term),
            "billingModel": "chargeBeforeBillingPeriod"})


def find_product(state, mpn=None, id=None, vendor=None, billing_period=None,
                 subscription_period=None):
    seed(state)
    for product in state.products.values():
        if id is not None and product["id"] != str(id):
            continue
        if mpn is not None and product["mpn"] != mpn:
            continue
        if vendor is not None and product["vendor"] != vendor:
            continue
        return product
    raise HttpError(404, "Product not found: %s" % (mpn or id))


def register(router, state):
    def list_products(request):
        seed(state)
        rows = [p for p in state.products.newest_first()
                if all(request.arg(k) in (None, p.get(k)) for k in ("mpn", "vendor"))]
        return Response(200, envelope(rows, request))
    router.add("GET", "/products", list_products)
