"""Resellers: ``/resellers`` and ``/resellers/{id}``.

The API user's own reseller is ``state.OWN_RESELLER_ID``; resellers created through the API
are its sub-resellers. ``/resellers/{id}/customers`` lives in customers.py.
"""

import re

from ..http import HttpError, Response
from .common import body_of, envelope
from .customers import check_account, make_customer_body, matches, new_account, \
    update_account, view

RESELLER_FIELDS = ("currency", "taxationProviderName", "customerClass")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def check_reseller(body):
    check_account(body, "reseller")
    currency = body.get("currency")
    if not currency:
        raise HttpError(400, "reseller: missing required field(s): currency")
    if not isinstance(currency, str) or not _CURRENCY.match(currency):
        raise HttpError(400, "reseller: currency must be an ISO 4217 code such as USD")
    for key in ("taxationProviderName", "customerClass"):
        if body.get(key) is not None and not isinstance(body[key], str):
            raise HttpError(400, "reseller: %s must be a string" % key)


class _FixedId(object):
    """A collection stand-in that hands out one given id (for the own reseller)."""

    def __init__(self, collection, item_id):
        self.collection = collection
        self.item_id = item_id

    def new_id(self):
        return self.item_id

    def add(self, item):
        return self.collection.add(item)


def new_reseller(state, body, reseller_id=None):
    extra = {k: body[k] for k in RESELLER_FIELDS if body.get(k) is not None}
    collection = state.resellers
    if reseller_id is not None:
        collection = _FixedId(collection, reseller_id)
    return new_account(state, collection, body, extra)


def register(router, state):
    def list_resellers(request):
        rows = (r for r in state.resellers.newest_first() if matches(
            r, request.arg("name"), request.arg("email"), request.arg("externalId")))
        return Response(200, envelope(rows, request, view))

    def create_reseller(request):
        body = body_of(request)
        check_reseller(body)
        return Response(200, view(new_reseller(state, body)))

    def get_reseller(request):
        return Response(200, view(state.resellers.require(request.params["id"], "Reseller")))

    def update_reseller(request):
        reseller = state.resellers.require(request.params["id"], "Reseller")
        return Response(200, view(update_account(reseller, body_of(request))))

    router.add("GET", "/resellers", list_resellers)
    router.add("POST", "/resellers", create_reseller)
    router.add("GET", "/resellers/{id}", get_reseller)
    router.add("PATCH", "/resellers/{id}", update_reseller)


def make_reseller_body(name, external_id=None, currency="USD", country="US", city="Irvine",
                       region="CA", postal="92612", first="Sam", last="Reseller",
                       customer_class=None, taxation="Avalara"):
    body = make_customer_body(name, external_id, country, city, region, postal, first, last)
    body["currency"] = currency
    if taxation:
        body["taxationProviderName"] = taxation
    if customer_class:
        body["customerClass"] = customer_class
    return body


SUB_RESELLERS = [
    ("Bluewave IT Services", "BW-100", "USD", "US", "Austin", "TX", "78701", "Nestor", "Wilke",
     "Gold"),
    ("Northern Lights Cloud", "NLC-7", "EUR", "NL", "Utrecht", None, "3511 AA", "Isaiah",
     "Langer", "Silver"),
    ("Kiwi Managed Services", None, "NZD", "NZ", "Wellington", None, "6011", "Grady",
     "Archie", None),
]

# Seeded customers (by name) that belong to a sub-reseller (by position in SUB_RESELLERS).
CUSTOMERS_OF_SUB_RESELLERS = {"Adventure Works": 1, "Tailspin Toys": 2}


def seed(state):
    if state.resellers.get(state.OWN_RESELLER_ID) is None:
        new_reseller(state, make_reseller_body(
            "Emulated Reseller Inc", "OWN-RESELLER", first="Pat", last="Partner",
            customer_class="Platinum"), reseller_id=state.OWN_RESELLER_ID)
    subs = [new_reseller(state, make_reseller_body(name, ext, currency, country, city, region,
                                                   postal, first, last, klass))
            for (name, ext, currency, country, city, region, postal, first, last, klass)
            in SUB_RESELLERS]
    for customer in state.customers.values():
        index = CUSTOMERS_OF_SUB_RESELLERS.get(customer.get("name"))
        if index is not None:
            customer["resellerId"] = subs[index]["id"]
