"""Xvantage product catalog reads declared as data: product search and the two details
operations. Price and availability, vendor-required info and freight need logic and live in
``xvantage.products``.

Product flags come back as the strings ``"true"``/``"false"`` in search rows and with
drifting key case in details (``HasReturnLimits`` beside ``hasWarranty``); results give
booleans and lower-camel keys, so a rule can test ``indicators.isBackOrderAllowed``.
"""

from ..core import checks, paths
from ..core.errors import BadResponse, ParameterError
from ..core.values import as_list, pick
from . import results
from .operations import Get, Search

PART_NUMBER_MAX = 6
SEARCH_FLAGS = ("endUserRequired", "hasDiscounts", "discontinued", "newProduct",
                "directShip", "hasWarranty", "authorizedToPurchase")
SEARCH_QUERY = ("keyword", "vendor", "vendorPartNumber", "vendorNumber", "category", "type",
                "hasDiscounts", "skipAuthorisation", "groupName", "planID", "showGroupInfo")
SEARCH_TYPES = ("IM::physical", "IM::digital", "IM::any", "IM::subscription")


def _flag(value):
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "y", "yes", "1"):
        return True
    if text in ("false", "n", "no", "0"):
        return False
    return None


def search_row(row):
    if not isinstance(row, dict):
        return row
    out = dict(row)
    for name in SEARCH_FLAGS:
        value = pick(row, name)
        if value is not None:
            out[name] = _flag(value)
    return out


def _lower_camel(key):
    return key[:1].lower() + key[1:] if isinstance(key, str) else key


def product_detail(body):
    """Details with ``indicators`` keyed in one case and flags as booleans."""
    if not isinstance(body, dict):
        return body
    out = dict(body)
    indicators = pick(body, "indicators")
    if isinstance(indicators, dict):
        out["indicators"] = {_lower_camel(k): (_flag(v) if isinstance(v, str) and
                                               _flag(v) is not None else v)
                             for k, v in indicators.items()}
    authorized = pick(body, "productAuthorized")
    if authorized is not None:
        out["productAuthorized"] = _flag(authorized)
    out["subscriptionDetails"] = as_list(pick(body, "subscriptionDetails"))
    return out


def _check_search(params):
    checks.one_of("type", params.get("type"), SEARCH_TYPES)
    for name in ("keyword", "vendor", "vendorPartNumber"):
        value = params.get(name)
        if value is not None and not isinstance(value, list):
            raise ParameterError(name, "must be a list of strings")


class ProductGet(Get):
    """``GET /resellers/v6/catalog/details/{ingramPartNumber}`` (6 characters at most)."""

    def run(self, action, account, params):
        value = checks.required("ingramPartNumber", params.get("ingramPartNumber"))
        # The path's refusals (control characters, dot segments) before trimming: "\r2"
        # must not quietly become part 2.
        paths.segment("ingramPartNumber", value)
        if len(str(value).strip()) > PART_NUMBER_MAX:
            raise ParameterError("ingramPartNumber", "must be at most %d characters, got '%s'"
                                 % (PART_NUMBER_MAX, value))
        return super().run(action, account, dict(params, ingramPartNumber=str(value).strip()))


class ProductFind(Get):
    """``GET /resellers/v6/catalog/details?vendorPartNumber|planId|planName``: a product by
    its vendor part number, or the subscription plans with that id or name."""

    def run(self, action, account, params):
        query = {name: checks.text(name, params.get(name)) for name in self.query}
        if not any(v is not None and v.strip() for v in query.values()):
            raise ParameterError("vendorPartNumber", "give vendorPartNumber, planId or "
                                 "planName")
        client = action.xvantage(account)
        reply = client.call("GET", self.template, params=query)
        results.require_body(reply, "GET", client.prefix + self.template)
        body = reply.body
        if pick(body, "ingramPartNumber") in (None, "") and not as_list(
                pick(body, "subscriptionDetails")):
            raise BadResponse("the answer names neither a product nor a plan",
                              status=reply.status, method="GET",
                              path=client.prefix + self.template,
                              correlation_id=reply.correlation_id, api="xvantage")
        return product_detail(body)


OPERATIONS = {
    # No match is a 404 "No Records Found" there, an empty result here. Subscription
    # searches (type IM::subscription, groupName, planID, showGroupInfo) answer
    # subscriptionCatalog rows: plan groups, each with its plans (or the group only).
    "xvantage_search_products": Search(
        "/resellers/v6/catalog", list_key="catalog", key="ingramPartNumber",
        query=SEARCH_QUERY, max_page_size=100, row=search_row, empty_404=True,
        other_list_keys=("subscriptionCatalog",), check=_check_search),
    "xvantage_get_product": ProductGet(
        "/resellers/v6/catalog/details/{ingramPartNumber}", "ingramPartNumber",
        result=product_detail),
    "xvantage_find_product": ProductFind(
        "/resellers/v6/catalog/details", None, query=("vendorPartNumber", "planId",
                                                      "planName")),
}
