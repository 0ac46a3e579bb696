"""Shared by the parameter fuzz and path-safety suites: a valid baseline call of every
action, one run with everything the emulator received during it, and where (path, query
or body) each string parameter of each action ends up in the request."""

import json
import traceback
from urllib.parse import unquote

from runner import execute, loader, pack_module
from runner.params import ParameterValidationError

ACTIONS = [n for n in loader.action_names()
           if loader.action_meta(n).get("runner_type") == "python-script"]
META = {n: loader.action_meta(n) for n in ACTIONS}

CONTACT = {"type": "admin", "firstName": "Ada", "lastName": "Lovelace",
           "email": "ada@example.com", "phoneNumber": "+1 555 0100"}
ADDRESS = {"streetAddress": "1 Main St", "postalCode": "92612", "city": "Irvine",
           "countryCode": "US"}
LINES = [{"ingramPartNumber": "DF4128", "quantity": 1}]

# A call each action accepts (it may still end in an API answer such as a 404): the fuzz
# changes one parameter of it at a time, so whatever fails is that parameter's doing.
BASELINE = {
    "api_request": {"path": "/customers"},
    "cancel_subscription": {"subscriptionId": "1000001", "dry_run": True},
    "change_subscription_quantity": {"subscriptionId": "1000001", "quantity": 2,
                                     "dry_run": True},
    "create_customer": {"name": "Fuzz Co", "address": ADDRESS, "contactPersons": [CONTACT]},
    "create_order": {"customerId": "1000001", "products": [{"mpn": "MPN-1", "quantity": 1}],
                     "dry_run": True},
    "create_reseller": {"name": "Fuzz Reseller", "currency": "USD", "address": ADDRESS,
                        "contactPersons": [CONTACT]},
    "create_reseller_customer": {"resellerId": "1000001", "name": "Fuzz Co",
                                 "address": ADDRESS, "contactPersons": [CONTACT]},
    "download_report": {"name": "Subscriptions", "startDate": "2026-01-01",
                        "wait_seconds": 1, "poll_interval": 0.1},
    "estimate_order": {"customerId": "1000001",
                       "products": [{"mpn": "MPN-1", "quantity": 1}]},
    "get_customer": {"customerId": "1000001"},
    "get_order": {"orderId": "1000001"},
    "get_report": {"reportId": "1000001"},
    "get_reseller": {"resellerId": "1000001"},
    "get_service_plan": {"planId": "1000001"},
    "get_subscription": {"subscriptionId": "1000001"},
    "list_customers": {},
    "list_orders": {},
    "list_products": {},
    "list_reports": {},
    "list_reseller_customers": {"resellerId": "1000001"},
    "list_reseller_orders": {"resellerId": "1000001"},
    "list_resellers": {},
    "list_service_plans": {},
    "list_subscriptions": {},
    "schedule_report": {"name": "Subscriptions", "startDate": "2026-01-01"},
    "switch_subscription_plan": {"subscriptionId": "1000001", "planId": "101",
                                 "dry_run": True},
    "true_up_subscription": {"subscriptionId": "1000001", "target_quantity": 2,
                             "dry_run": True},
    "update_customer": {"customerId": "1000001", "name": "Fuzz Co"},
    "update_order": {"orderId": "1000001", "statusCode": "CL"},
    "update_reseller": {"resellerId": "1000001", "name": "Fuzz Co"},
    "update_subscription": {"subscriptionId": "1000001", "renewalStatus": True},
    "update_subscription_special_pricing": {
        "subscriptionId": "1000001",
        "products": [{"mpn": "MPN-1", "unitPrice": {"amount": "1.00", "currency": "USD"}}]},
    "validate_activation_parameters": {"customerId": "1000001",
                                       "products": [{"mpn": "MPN-1", "quantity": 1}]},
    "wait_for_order": {"orderId": "1000001", "wait_seconds": 1, "poll_interval": 0.1},
    "xvantage_api_request": {"path": "/resellers/v6/orders/search"},
    "xvantage_cancel_order": {"ingramOrderNumber": "20-NOSUCH"},
    "xvantage_create_order": {"customerOrderNumber": "FUZZ-1", "lines": LINES},
    "xvantage_create_order_async": {"customerOrderNumber": "FUZZ-1", "lines": LINES},
    "xvantage_get_order": {"ingramOrderNumber": "20-NOSUCH"},
    "xvantage_modify_order": {"ingramOrderNumber": "20-NOSUCH", "notes": "call first"},
    "xvantage_release_order": {"ingramOrderNumber": "20-NOSUCH"},
    "xvantage_search_orders": {},
    "xvantage_search_products": {},
    "xvantage_get_product": {"ingramPartNumber": "DF4128"},
    "xvantage_find_product": {"vendorPartNumber": "920-008671"},
    "xvantage_price_and_availability": {"products": LINES},
    "xvantage_vendor_required_info": {"products": [{"ingramPartNumber": "DF4128"}]},
    "xvantage_freight_estimate": {"lines": LINES, "customerContact": "fuzz@example.com",
                                  "shipToAddressId": "200"},
    "xvantage_create_return": {
        "invoiceNumber": "20-NOSUCH", "invoiceDate": "2026-01-05",
        "ingramPartNumber": "DF4128", "quantity": 1, "primaryReason": "Product is defective",
        "secondaryReason": "Does not power on", "referenceNumber": "FUZZ-RMA-1",
        "shipFromInfo": {"companyName": "Fuzz Co", "contact": "Ada", "addressLine1": "1 Main",
                         "city": "Irvine", "state": "CA", "postalCode": "92612",
                         "countryCode": "US", "email": "fuzz@example.com"}},
}

# A declared read (entry point operation.py) needs no entry above: any well-formed value of
# each required parameter makes a valid call (an unknown id is answered 404, which is what
# the fuzz suites need), and its path ids are known from the operation's template.
SAMPLE = {"string": "1000001", "integer": 1, "number": 1, "boolean": True}
OPERATIONS = pack_module("operations").registry()
for _name in ACTIONS:
    _params = META[_name].get("parameters") or {}
    if META[_name]["entry_point"] != "operation.py" or _name in BASELINE:
        continue
    BASELINE[_name] = {k: SAMPLE[v["type"]] for k, v in _params.items()
                       if v.get("required") and "default" not in v}


class Run(object):
    """One action run: how it ended and every request the emulator saw meanwhile."""

    def __init__(self, kind, result, requests, journal):
        self.kind = kind            # "ok", "failed", "refused" (st2's schema) or "crashed"
        self.result = result        # the result dict, the refusal text or the traceback
        self.requests = requests    # [(method, raw path)], as the emulator received them
        self.journal = journal      # the emulator's Request objects of routed requests

    def __repr__(self):
        text = self.result if isinstance(self.result, str) else json.dumps(
            self.result, default=str)
        return "Run(%s, %s, requests=%r)" % (self.kind, text[:600], self.requests[:5])


def run(emulator, config, datastore, action, params):
    emulator.clear_received()
    emulator.journal.clear()
    try:
        outcome = execute.run_action(action, params, config, datastore)
    except ParameterValidationError as exc:
        kind, result = "refused", str(exc)
    except BaseException:  # noqa: B902 -- RecursionError, KeyboardInterrupt-free crashes
        kind, result = "crashed", traceback.format_exc()
    else:
        kind = "ok" if outcome.succeeded else "failed"
        result = outcome.result
    return Run(kind, result, emulator.received(), list(emulator.journal))


MARK = "Qz7"


def _marker(index):
    """Six characters at most: Xvantage part numbers are six, order numbers short."""
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    for _ in range(3):
        index, rest = divmod(index, 36)
        out = digits[rest] + out
    return MARK + out


def _string_params(action):
    for name, spec in (META[action].get("parameters") or {}).items():
        if spec.get("type") == "string" and not spec.get("enum") and "pattern" not in spec \
                and name != "account":
            yield name


def where_sent(journal, marker):
    """Where ``marker`` travelled: {"path", "query", "body"} (decoded before looking)."""
    places = set()
    for request in journal:
        if marker in unquote(request.path):
            places.add("path")
        if any(marker in v for values in request.query.values() for v in values):
            places.add("query")
        if marker.encode() in request.body:
            places.add("body")
    return places


def placements(emulator, config, datastore):
    """{(action, parameter): places} for every free-text string parameter, found by
    running each action with a marker in that parameter and reading what arrived."""
    found = {}
    dates = ("startDate", "endDate", "creationTimeFrom", "creationTimeTo", "creationDateFrom",
             "creationDateTo", "from_date", "to_date", "ingramOrderDate")
    pairs = [(a, n) for a in ACTIONS for n in _string_params(a)
             if n != "path" and n not in dates]     # dates must parse: no marker passes
    for index, (action, name) in enumerate(pairs):
        marker = _marker(index)
        params = dict(BASELINE[action], **{name: marker})
        outcome = run(emulator, config, datastore, action, params)
        found[(action, name)] = where_sent(outcome.journal, marker)
    return found


# Parameters interpolated into a request path (read from the actions' code; the path-safety
# suite checks this list against where a marker value really travels).
PATH_PARAMS = {
    ("cancel_subscription", "subscriptionId"),
    ("change_subscription_quantity", "subscriptionId"),
    ("create_reseller_customer", "resellerId"),
    ("get_customer", "customerId"),
    ("get_order", "orderId"),
    ("get_report", "reportId"),
    ("get_reseller", "resellerId"),
    ("get_service_plan", "planId"),
    ("get_subscription", "subscriptionId"),
    ("switch_subscription_plan", "subscriptionId"),
    ("true_up_subscription", "subscriptionId"),
    ("list_reseller_customers", "resellerId"),
    ("list_reseller_orders", "resellerId"),
    ("update_customer", "customerId"),
    ("update_order", "orderId"),
    ("update_reseller", "resellerId"),
    ("update_subscription", "subscriptionId"),
    ("update_subscription_special_pricing", "subscriptionId"),
    ("wait_for_order", "orderId"),
    ("xvantage_cancel_order", "ingramOrderNumber"),
    ("xvantage_get_order", "ingramOrderNumber"),
    ("xvantage_get_product", "ingramPartNumber"),
    ("xvantage_modify_order", "ingramOrderNumber"),
    ("xvantage_release_order", "ingramOrderNumber"),
}
PATH_PARAMS |= {(_name, field) for _name in ACTIONS
                if META[_name]["entry_point"] == "operation.py"
                for field in pack_module("core.paths").field_names(
                    OPERATIONS[META[_name]["parameters"]["operation"]["default"]].template)}
API_PATH_ACTIONS = ("api_request", "xvantage_api_request")


def nested(depth, kind="object"):
    """A JSON value nested ``depth`` levels deep, built without recursion."""
    value = {} if kind == "object" else []
    for _ in range(depth):
        value = {"a": value} if kind == "object" else [value]
    return value
