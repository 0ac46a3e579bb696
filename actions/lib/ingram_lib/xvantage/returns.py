"""Return requests (``POST /resellers/v6/returns/create``): one part of one invoice per
request, sent once. When the answer is lost the return is looked up by the caller's
``referenceNumber`` (echoed in returns search) among the returns created in the last days,
never created again.
"""

import datetime
import time

from ..core import checks
from ..core.errors import (BadResponse, OutcomeUnknown, ParameterError, RequestError,
                           answer_may_be_lost)
from ..core.values import as_list, pick
from . import results

CREATE = "/resellers/v6/returns/create"
SEARCH = "/resellers/v6/returns/search"
ADDRESS_REQUIRED = ("companyName", "contact", "addressLine1", "city", "state", "postalCode",
                    "countryCode", "email")
REFERENCE_MAX = 35


def create_body(invoiceNumber, invoiceDate, quantity, primaryReason, secondaryReason,
                referenceNumber, shipFromInfo, ingramPartNumber=None, vendorPartNumber=None,
                numberOfBoxes=1, **optional):
    """The create body (a one-item ``list``), each problem named by its parameter."""
    for name, value in (("invoiceNumber", invoiceNumber), ("primaryReason", primaryReason),
                        ("secondaryReason", secondaryReason),
                        ("referenceNumber", referenceNumber)):
        checks.text(name, checks.required(name, value))
    checks.text("referenceNumber", referenceNumber, REFERENCE_MAX)
    checks.date("invoiceDate", checks.required("invoiceDate", invoiceDate))
    if not (ingramPartNumber or vendorPartNumber):
        raise ParameterError("ingramPartNumber", "give ingramPartNumber or vendorPartNumber "
                             "of the part to return")
    quantity = checks.positive_int("quantity", quantity, 1)
    boxes = checks.positive_int("numberOfBoxes", numberOfBoxes, 1)
    if not isinstance(shipFromInfo, dict):
        raise ParameterError("shipFromInfo", "must be the address the parts ship back from: "
                             "{\"companyName\", \"contact\", \"addressLine1\", \"city\", "
                             "\"state\", \"postalCode\", \"countryCode\", \"email\"}")
    missing = [k for k in ADDRESS_REQUIRED if not str(shipFromInfo.get(k) or "").strip()]
    if missing:
        raise ParameterError("shipFromInfo", "lacks %s" % ", ".join(missing))
    item = {"invoiceNumber": str(invoiceNumber).strip(), "invoiceDate": invoiceDate,
            "ingramPartNumber": ingramPartNumber, "vendorPartNumber": vendorPartNumber,
            "quantity": quantity, "primaryReason": primaryReason,
            "secondaryReason": secondaryReason, "referenceNumber": referenceNumber,
            "numberOfBoxes": boxes, "shipFromInfo": [dict(shipFromInfo)]}
    item.update(optional)
    return {"list": [checks.compact(item)]}


def create(client, body, clock=time.time):
    reference = body["list"][0]["referenceNumber"]
    started = clock()
    try:
        reply = client.call("POST", CREATE, body=body, idempotent=False,
                            read_timeout=client.settings.order_timeout)
        results.require_body(reply, "POST", client.prefix + CREATE)
        claims = as_list(pick(reply.body, "returnsClaims"))
        if not claims or not pick(claims[0], "caseRequestNumber"):
            raise BadResponse("the answer names no caseRequestNumber", status=reply.status,
                              method="POST", path=client.prefix + CREATE,
                              correlation_id=reply.correlation_id, api="xvantage")
    except RequestError as exc:
        if not answer_may_be_lost(exc):
            raise
        return reconcile(client, reference, exc, started)
    return {"created": True, "reconciled": False, "returnsClaims": claims,
            "caseRequestNumber": pick(claims[0], "caseRequestNumber"),
            "correlation_id": reply.correlation_id}


def reconcile(client, reference, cause, started):
    """Finds the return a create without a usable answer may have made; never resends."""
    what = cause.message if isinstance(cause, RequestError) else str(cause)
    day = datetime.timedelta(days=1)
    today = datetime.datetime.fromtimestamp(started, tz=datetime.timezone.utc).date()
    window = "%s,%s" % (today - day, today + day)
    found, failure = [], None
    for attempt in range(2):
        if attempt:
            client.retry.sleep(min(2.0, client.retry.max_wait))
        try:
            reply = client.call("GET", SEARCH, params={
                "referenceNumber": reference, "createdOn-bt": window, "size": 100}, read=True)
            found = [r for r in as_list(pick(reply.body, "returnsClaims"))
                     if str(pick(r, "referenceNumber") or "") == reference]
            failure = None
        except RequestError as exc:
            failure = exc.message
            continue
        if found:
            break
    lookup = {"referenceNumber": reference}
    if len(found) == 1:
        return {"created": True, "reconciled": True, "returnsClaims": found,
                "caseRequestNumber": pick(found[0], "caseRequestNumber"),
                "message": "return create got no usable answer (%s); the return with "
                           "referenceNumber '%s' was found afterwards and was NOT resubmitted"
                           % (what, reference)}
    if found:
        raise OutcomeUnknown(
            "return create for referenceNumber '%s' got no usable answer (%s); %d returns "
            "with that reference were created in the last days (%s), so which one is this "
            "is unknown. It was NOT resubmitted: check them with xvantage_get_return"
            % (reference, what, len(found), ", ".join(
                str(pick(r, "caseRequestNumber")) for r in found)),
            lookup=lookup, cause=what)
    raise OutcomeUnknown(
        "return create for referenceNumber '%s' got no usable answer (%s); %s, so the "
        "outcome is unknown. It was NOT resubmitted: run xvantage_search_returns "
        "referenceNumber=%s later before creating it again"
        % (reference, what, "the lookup failed (%s)" % failure if failure else
           "no return with that reference was found afterwards", reference),
        lookup=lookup, cause=what)
