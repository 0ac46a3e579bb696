"""Xvantage document reads declared as data: quotes, invoices, renewals, deals, returns.

The groups differ in ways a caller should not have to know: paging is ``pageNumber`` /
``pageSize`` (quotes, invoices), ``page`` / ``size`` (renewals, returns) or ``Page`` /
``Size`` (deals); quote search answers "no records" with a 404, which is an empty result
here; quote search needs the ``IM-CustomerContact`` header (an action parameter), invoices
and deal details ``IM-ApplicationID`` (the account's ``application_id``); renewals search
is a POST whose filters go in the body. Actions keep one spelling: ``pageNumber``,
``pageSize``, ``all_pages``, ``max_items``.
"""

import datetime

from ..core import checks
from ..core.errors import ParameterError
from . import results
from .operations import Get, Search, query_values

INVOICE_NUMBER_MAX = 12
INVOICE_SEARCH_NUMBER_MAX = 11
INVOICE_ORDER_BY = ("invoiceDate", "invoiceNumber", "invoiceDueDate", "orderDate",
                    "customerOrderNumber", "erpOrderNumber", "invoiceAmount")
RENEWAL_SORTS = ("renewalId", "expirationDate", "renewalValue", "endUser", "vendor")
RETURN_SORTS = ("createdOn", "modifiedOn", "caseRequestNumber", "referenceNumber",
                "estimatedTotalValue")


class RenewalSearch(Search):
    """``POST /resellers/v6/renewals/search``: vendor, end user, status and expiration dates
    go in the body (dates as the API's MM/DD/YYYY), the rest in the query."""

    BODY = ("vendor", "endUser", "status", "subStatus", "expirationDateFrom",
            "expirationDateTo")

    def parameters(self):
        return self.BODY + super().parameters()

    def request(self, params):
        checks.one_of("status", params.get("status"), ("Open", "Closed"))
        if params.get("sort") is not None:
            column = str(params["sort"]).split(",")[0].strip()
            checks.one_of("sort", column, RENEWAL_SORTS)
        return query_values(self.query, params), renewal_body(params)


def _us_date(name, value):
    text = checks.date(name, value)
    if text is None:
        return None
    return datetime.datetime.strptime(text, "%Y-%m-%d").strftime("%m/%d/%Y")


def renewal_body(params):
    body = {}
    for name in ("vendor", "endUser"):
        if params.get(name) is not None:
            body[name] = checks.text(name, params[name])
    status = checks.compact({"value": params.get("status"),
                             "subStatus": checks.text("subStatus", params.get("subStatus"))})
    if status:
        body["status"] = {"OpporutinyStatus": status}  # sic, as the API spells it
    low = _us_date("expirationDateFrom", params.get("expirationDateFrom"))
    high = _us_date("expirationDateTo", params.get("expirationDateTo"))
    if low and high and params["expirationDateFrom"] > params["expirationDateTo"]:
        raise ParameterError("expirationDateFrom", "is after expirationDateTo")
    window = checks.compact({"customStartDate": low, "customEndDate": high})
    if window:
        body["dateType"] = {"expirationDate": window}
    return body


def _check_invoices(params):
    number = params.get("invoiceNumber")
    if number is not None and len(str(number).strip()) > INVOICE_SEARCH_NUMBER_MAX:
        raise ParameterError("invoiceNumber", "must be at most %d characters, got '%s'"
                             % (INVOICE_SEARCH_NUMBER_MAX, number))
    checks.one_of("orderby", params.get("orderby"), INVOICE_ORDER_BY)
    checks.one_of("direction", params.get("direction"), ("asc", "desc"))
    for name in ("invoiceDate", "invoiceFromDate", "invoiceToDate", "invoiceDueDate",
                 "invoiceFromDueDate", "invoiceToDueDate", "orderDate", "orderFromDate",
                 "orderToDate"):
        checks.date(name, params.get(name))


def _date_pair(name, value):
    """``-bt`` filters: ``[start, end]`` dates, sent as the one ``start,end`` value the
    API takes."""
    if value is None:
        return
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ParameterError(name, "must be two dates [start, end], e.g. "
                             "[\"2026-01-01\", \"2026-01-31\"]")
    start, end = (checks.date("%s[%d]" % (name, i), v) for i, v in enumerate(value))
    if start > end:
        raise ParameterError(name, "starts after it ends (%s > %s)" % (start, end))


def _check_quotes(params):
    _date_pair("quoteCreateDateBt", params.get("quoteCreateDateBt"))
    checks.one_of("sortBy", params.get("sortBy"),
                  ("quoteNumber", "createdDate", "lastModifiedDate", "expiryDate"))
    checks.one_of("sortingOrder", params.get("sortingOrder"), ("asc", "desc"))


def _check_returns(params):
    for name in ("createdOnBt", "modifiedOnBt"):
        _date_pair(name, params.get(name))
    checks.one_of("sortingColumnName", params.get("sortingColumnName"), RETURN_SORTS)
    checks.one_of("sort", params.get("sort"), ("asc", "desc"))


class InvoiceGet(Get):
    def run(self, action, account, params):
        number = str(checks.required("invoiceNumber", params.get("invoiceNumber")))
        if len(number) > INVOICE_NUMBER_MAX:
            raise ParameterError("invoiceNumber", "must be at most %d characters, got '%s'"
                                 % (INVOICE_NUMBER_MAX, number))
        checks.one_of("customerType", params.get("customerType"), ("invoice", "order"))
        return super().run(action, account, dict(params, invoiceNumber=number))


class DealGet(Get):
    def run(self, action, account, params):
        checks.required("dealId", params.get("dealId"))
        checks.required("vendorName", params.get("vendorName"))
        return super().run(action, account, params)


class QuoteValidate(Get):
    """``GET /resellers/v6/q2o/validatequote?quoteNumber=``: the quote's lines and the
    vendor's mandatory fields; a quote that cannot be ordered is an API error (400)."""

    def parameters(self):
        return self.query

    def run(self, action, account, params):
        checks.required("quoteNumber", params.get("quoteNumber"))
        client = action.xvantage(account)
        reply = client.call("GET", self.template, params=query_values(self.query, params))
        results.require_created(reply, "GET", client.prefix + self.template, self.id_field)
        return reply.body


QUOTE_QUERY = ("quoteNumber", "specialBidNumber", "endUserContact", "vendorName", "quoteName",
               "status", "quoteCreateDateBt", "sortBy", "sortingOrder")
INVOICE_QUERY = ("invoiceNumber", "orderNumber", "customerOrderNumber",
                 "endCustomerOrderNumber", "specialBidNumber", "invoiceStatus", "invoiceType",
                 "invoiceDate", "invoiceFromDate", "invoiceToDate", "invoiceDueDate",
                 "invoiceFromDueDate", "invoiceToDueDate", "orderDate", "orderFromDate",
                 "orderToDate", "DeliveryNumber", "serialNumber", "orderby", "direction")
RETURN_QUERY = ("caseRequestNumber", "invoiceNumber", "returnClaimId", "referenceNumber",
                "ingramPartNumber", "vendorPartNumber", "returnStatusIn", "claimStatusIn",
                "createdOnBt", "modifiedOnBt", "returnReasonIn", "sortingColumnName",
                "sort")

API_NAMES = {"quoteCreateDateBt": "quoteCreateDate-bt", "returnStatusIn": "returnStatus-in",
             "claimStatusIn": "claimStatus-in", "createdOnBt": "createdOn-bt",
             "modifiedOnBt": "modifiedOn-bt", "returnReasonIn": "returnReason-in"}

OPERATIONS = {
    "xvantage_search_quotes": Search(
        "/resellers/v6/quotes/search", list_key="quotes", key="quoteNumber",
        query=QUOTE_QUERY, header_params={"IM-CustomerContact": "customerContact"},
        empty_404=True, check=_check_quotes, api_names=API_NAMES,
        joined=("quoteCreateDateBt",)),
    "xvantage_get_quote": Get("/resellers/v6/quotes/{quoteNumber}", "quoteNumber"),
    "xvantage_validate_quote": QuoteValidate("/resellers/v6/q2o/validatequote", "quoteNumber",
                                             query=("quoteNumber",)),
    "xvantage_search_invoices": Search(
        "/resellers/v6/invoices", list_key="invoices", key="invoiceNumber",
        query=INVOICE_QUERY, headers=("IM-ApplicationID",), check=_check_invoices),
    "xvantage_get_invoice": InvoiceGet(
        "/resellers/v6.1/invoices/{invoiceNumber}", "invoiceNumber",
        query=("customerType", "includeSerialNumbers"), headers=("IM-ApplicationID",)),
    "xvantage_search_renewals": RenewalSearch(
        "/resellers/v6/renewals/search", list_key="renewals", key="renewalId",
        query=("customerOrderNumber", "ingramPurchaseOrderNumber", "serialNumber", "sort"),
        paging=("page", "size"), method="POST"),
    "xvantage_get_renewal": Get("/resellers/v6/renewals/{renewalId}", "renewalId"),
    "xvantage_search_deals": Search(
        "/resellers/v6/deals/search", list_key="deals", key="dealId",
        query=("endUser", "vendor", "dealId"), paging=("Page", "Size")),
    "xvantage_get_deal": DealGet("/resellers/v6/deals/{dealId}", "dealId",
                                 query=("vendorName",), headers=("IM-ApplicationID",)),
    "xvantage_search_returns": Search(
        "/resellers/v6/returns/search", list_key="returnsClaims", key="caseRequestNumber",
        query=RETURN_QUERY, paging=("page", "size"), check=_check_returns,
        api_names=API_NAMES, joined=("createdOnBt", "modifiedOnBt")),
    "xvantage_get_return": Get("/resellers/v6/returns/{caseRequestNumber}",
                               "caseRequestNumber"),
}
