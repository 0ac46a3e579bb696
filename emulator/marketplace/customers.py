"""Customers: ``/customers``, ``/customers/{id}`` and the reseller-scoped
``/resellers/{id}/customers``."""

from ..http import HttpError, Response
from .common import body_of, copy_known, envelope, require_fields

STATUSES = ("pending", "active", "creditHold", "adminHold", "cancelled", "error")
ACCOUNT_FIELDS = ("externalId", "attributes", "name", "address", "contactPersons", "language",
                  "taxRegId")
UPDATE_FIELDS = ("externalId", "name", "taxRegId", "status", "address", "contactPersons")
ADDRESS_REQUIRED = ("streetAddress", "postalCode", "city", "countryCode")
CONTACT_REQUIRED = ("type", "firstName", "lastName", "email", "phoneNumber")
CONTACT_FIELDS = ("type", "firstName", "lastName", "email", "phoneNumber")


def check_account(body, where):
    require_fields(body, ("name", "language", "address", "contactPersons"), where)
    if not isinstance(body["address"], dict):
        raise HttpError(400, "%s: address must be an object" % where)
    require_fields(body["address"], ADDRESS_REQUIRED, where + ".address")
    if not isinstance(body["contactPersons"], list):
        raise HttpError(400, "%s: contactPersons must be an array" % where)
    for i, contact in enumerate(body["contactPersons"]):
        if not isinstance(contact, dict):
            raise HttpError(400, "%s.contactPersons[%d] must be an object" % (where, i))
        require_fields(contact, CONTACT_REQUIRED, "%s.contactPersons[%d]" % (where, i))
        if contact["type"] not in ("admin", "billing", "technical"):
            raise HttpError(400, "%s.contactPersons[%d].type must be admin, billing or "
                            "technical" % (where, i))
    attributes = body.get("attributes")
    if attributes is not None and (not isinstance(attributes, dict) or any(
            not isinstance(v, str) for v in attributes.values())):
        raise HttpError(400, "%s: attributes must map names to strings" % where)


def contacts_view(contacts):
    # login and password are write-only.
    return [copy_known(c, CONTACT_FIELDS) for c in contacts or []]


def view(account):
    out = {k: v for k, v in account.items() if not k.startswith("_")}
    out["contactPersons"] = contacts_view(account.get("contactPersons"))
    return out


def new_account(state, collection, body, extra=None):
    account = copy_known(body, ACCOUNT_FIELDS)
    account["id"] = collection.new_id()
    account["status"] = "active"
    account["_created"] = state.clock.now()
    account.update(extra or {})
    account["contactPersons"] = [dict(c) for c in body["contactPersons"]]
    return collection.add(account)


def matches(account, name=None, email=None, external_id=None, reseller_id=None):
    if name and name.lower() not in (account.get("name") or "").lower():
        return False
    if email and not any((c.get("email") or "").lower() == email.lower()
                         for c in account.get("contactPersons") or []):
        return False
    if external_id and account.get("externalId") != external_id:
        return False
    if reseller_id and account.get("resellerId") != reseller_id:
        return False
    return True


def update_account(account, body, statuses=STATUSES):
    if "status" in body and body["status"] not in statuses:
        raise HttpError(400, "status must be one of %s" % ", ".join(statuses))
    if "address" in body:
        if not isinstance(body["address"], dict):
            raise HttpError(400, "address must be an object")
        merged = dict(account.get("address") or {}, **body["address"])
        require_fields(merged, ADDRESS_REQUIRED, "address")
        body = dict(body, address=merged)
    if "contactPersons" in body:
        check_account(dict(account, contactPersons=body["contactPersons"]), "update")
    for key in UPDATE_FIELDS:
        if key in body and body[key] is not None:
            account[key] = body[key]
    return account


def register(router, state):
    def list_customers(request):
        rows = (c for c in state.customers.newest_first() if matches(
            c, request.arg("name"), request.arg("email"), request.arg("externalId"),
            request.arg("resellerId")))
        return Response(200, envelope(rows, request, view))

    def create_customer(request):
        body = body_of(request)
        check_account(body, "customer")
        customer = new_account(state, state.customers, body,
                               {"resellerId": state.OWN_RESELLER_ID})
        return Response(200, view(customer))

    def get_customer(request):
        return Response(200, view(state.customers.require(request.params["id"], "Customer")))

    def update_customer(request):
        customer = state.customers.require(request.params["id"], "Customer")
        return Response(200, view(update_account(customer, body_of(request))))

    def list_reseller_customers(request):
        reseller = state.resellers.require(request.params["id"], "Reseller")
        rows = (c for c in state.customers.newest_first() if matches(
            c, request.arg("name"), request.arg("email"), request.arg("externalId"),
            reseller["id"]))
        return Response(200, envelope(rows, request, view))

    def create_reseller_customer(request):
        reseller = state.resellers.require(request.params["id"], "Reseller")
        body = body_of(request)
        check_account(body, "customer")
        customer = new_account(state, state.customers, body, {"resellerId": reseller["id"]})
        return Response(200, view(customer))

    router.add("GET", "/customers", list_customers)
    router.add("POST", "/customers", create_customer)
    router.add("GET", "/customers/{id}", get_customer)
    router.add("PATCH", "/customers/{id}", update_customer)
    router.add("GET", "/resellers/{id}/customers", list_reseller_customers)
    router.add("POST", "/resellers/{id}/customers", create_reseller_customer)


SAMPLE = [
    ("Contoso Ltd", "CONTOSO-001", "US", "Seattle", "WA", "98101", "Megan", "Bowen"),
    ("Fabrikam Inc", "FAB-7", "US", "Irvine", "CA", "92612", "Alex", "Wilber"),
    ("Northwind Traders", None, "GB", "London", None, "EC1A 1BB", "Adele", "Vance"),
    ("Adventure Works", "AW-42", "NL", "Amsterdam", None, "1012 AB", "Lidia", "Holloway"),
    ("Tailspin Toys", None, "NZ", "Auckland", None, "1010", "Diego", "Siciliani"),
]


def make_customer_body(name, external_id=None, country="US", city="Irvine", region=None,
                       postal="92612", first="Jane", last="Doe"):
    domain = "".join(ch for ch in name.lower() if ch.isalnum())
    email = "%s.%s@%s.example" % (first.lower(), last.lower(), domain)
    body = {"name": name, "language": "en_US",
            "address": {"streetAddress": "555 Main Street", "postalCode": postal, "city": city,
                        "countryCode": country},
            "contactPersons": [{"type": "admin", "firstName": first, "lastName": last,
                                "email": email,
                                "phoneNumber": "1##5555550100#"}]}
    if region:
        body["address"]["state"] = region
    if external_id:
        body["externalId"] = external_id
    return body


def seed(state):
    for row in SAMPLE:
        new_account(state, state.customers, make_customer_body(*row),
                    {"resellerId": state.OWN_RESELLER_ID})


def bulk(state, count, prefix="Bulk customer"):
    """Adds ``count`` customers quickly (benchmarks page through tens of thousands)."""
    for i in range(int(count)):
        new_account(state, state.customers, make_customer_body("%s %06d" % (prefix, i)),
                    {"resellerId": state.OWN_RESELLER_ID})


def register_controls(controls, state):
    def add_bulk(request, body):
        bulk(state, body.get("count", 1000))
        return Response(201, {"customers": len(state.customers)})

    controls.add("POST", "/customers/bulk", add_bulk)
