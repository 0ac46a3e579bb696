"""Marketplace reads declared as data.

A read that only fetches (one object by id, or a filtered list) needs no Python of its own:
an entry here and an action YAML whose entry point is ``operation.py`` (see the README's
contributor section). The entry says where the parameters go; the YAML says what they mean.
"""

from ..core import checks, paths

ORDER_STATUSES = ("submitted", "processing", "error", "completed", "cancelled")
SUBSCRIPTION_STATUSES = ("pending", "active", "hold", "terminated", "removed", "unknown")
REPORT_STATUSES = ("submitted", "processing", "error", "completed", "unknown")
PAGING = ("offset", "limit", "all_pages", "max_items")


def one_value_of(choices):
    """A filter taking one of ``choices`` (the API reads a comma list as one unknown value)."""
    def check(name, value):
        return checks.one_of(name, checks.single_value(name, value), choices)
    return check


def one_value(name, value):
    return checks.single_value(name, value)


class Get(object):
    """``GET`` of one object by the ids in ``template``; the answer must carry its ``id``."""

    def __init__(self, template, what):
        self.template = template
        self.what = what

    def parameters(self):
        return tuple(paths.field_names(self.template))

    def run(self, action, account, params):
        ids = {name: params.get(name) for name in paths.field_names(self.template)}
        return action.get_object(account, self.template, self.what, **ids)


class List(object):
    """A paged list below ``template``: path ids, then query filters, then paging.

    ``filters`` maps each filter parameter (as the YAML spells it) to a check or None;
    ``api_names`` renames the few whose query name the YAML cannot use (``from``).
    """

    def __init__(self, template, filters=None, api_names=None):
        self.template = template
        self.filters = dict(filters or {})
        self.api_names = dict(api_names or {})

    def parameters(self):
        return tuple(paths.field_names(self.template)) + tuple(self.filters) + PAGING

    def run(self, action, account, params):
        ids = {name: params.get(name) for name in paths.field_names(self.template)}
        path = paths.build(self.template, **ids) if ids else self.template
        query = {}
        for name, check in self.filters.items():
            value = checks.text(name, params.get(name))
            if check is not None:
                value = check(name, value)
            query[self.api_names.get(name, name)] = value
        return action.list_page(account, path, query, params.get("offset", 0),
                                params.get("limit", 10), params.get("all_pages", False),
                                params.get("max_items", 1000))


ACCOUNT_FILTERS = {"name": None, "email": None, "externalId": None}

OPERATIONS = {
    "get_customer": Get("/customers/{customerId}", "customer"),
    "get_order": Get("/orders/{orderId}", "order"),
    "get_report": Get("/reports/{reportId}", "report"),
    "get_reseller": Get("/resellers/{resellerId}", "reseller"),
    "get_service_plan": Get("/plans/{planId}", "service plan"),
    "get_subscription": Get("/subscriptions/{subscriptionId}", "subscription"),
    "list_customers": List("/customers", dict(ACCOUNT_FILTERS, resellerId=None)),
    "list_resellers": List("/resellers", ACCOUNT_FILTERS),
    "list_reseller_customers": List("/resellers/{resellerId}/customers", ACCOUNT_FILTERS),
    "list_products": List("/products", {"name": None, "serviceName": None, "mpn": None,
                                        "vendor": None}),
    "list_service_plans": List("/plans"),
    "list_orders": List("/orders", {
        "customerId": None, "subscriptionId": None, "orderNumber": None,
        "status": one_value_of(ORDER_STATUSES), "statusCode": one_value,
        "creationTimeFrom": checks.date_time, "creationTimeTo": checks.date_time}),
    "list_reseller_orders": List("/resellers/{resellerId}/orders", {
        "customerId": None, "subscriptionId": None,
        "status": one_value_of(ORDER_STATUSES),
        "creationTimeFrom": checks.date_time, "creationTimeTo": checks.date_time}),
    "list_subscriptions": List("/subscriptions", {
        "customerId": None, "status": one_value_of(SUBSCRIPTION_STATUSES),
        "creationDateFrom": checks.date, "creationDateTo": checks.date}),
    "list_reports": List("/reports", {
        "name": None, "format": None, "type": None,
        "status": one_value_of(REPORT_STATUSES),
        "from_date": checks.date, "to_date": checks.date},
        api_names={"from_date": "from", "to_date": "to"}),
}
