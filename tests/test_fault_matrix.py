"""Every fault the emulator can inject x every write action, over real HTTP.

A write either succeeds with the body its operation promises, or fails with a structured
result that says whether the write may have happened and, if so, by which key to find it.
The emulator must never receive (and so never carry out) the same write twice.
"""

import copy
import re

import pytest

from emulator.faults import KINDS
from emulator.marketplace.customers import make_customer_body
from emulator.marketplace.resellers import make_reseller_body

from conftest import make_config
from test_order_actions import customer as _customer_id, office_line, \
    subscription as _subscription
from runner import execute

# Each fault as injected: (id, Fault keyword arguments). Every kind in ``KINDS`` is here;
# ``status`` is the gateway's error answer before the handler runs, the others let the
# handler run (the write is carried out) and then spoil or delay the answer.
FAULTS = [
    ("429", {"kind": "status", "status": 429, "retry_after": 1}),
    ("500", {"kind": "status", "status": 500}),
    ("502", {"kind": "status", "status": 502}),
    ("503", {"kind": "status", "status": 503}),
    ("504", {"kind": "status", "status": 504}),
    ("html504", {"kind": "html504"}),
    ("slow", {"kind": "slow", "delay": 0.3}),
    ("timeout", {"kind": "timeout", "delay": 2.0}),
    ("drop", {"kind": "drop"}),
    ("html200", {"kind": "html200"}),
    ("empty200", {"kind": "empty200"}),
]
# The faults after which the emulator has carried out the write.
HANDLER_RAN = ("html504", "slow", "timeout", "drop", "html200", "empty200")
# Short enough that a ``timeout`` fault (answer after 2 s) times the client out.
SHORT_TIMEOUT = 0.5

HOLD_LINES = [{"customerLineNumber": "1", "ingramPartNumber": "DF4128", "quantity": 2},
              {"customerLineNumber": "2", "ingramPartNumber": "6YC337", "quantity": 1}]


def test_every_emulator_fault_kind_is_in_the_matrix():
    assert {spec["kind"] for _, spec in FAULTS} == set(KINDS)


# -- emulator data the cases need ----------------------------------------------------------

def _office_line(emulator):
    return office_line(emulator, domain="faultmatrix")


def _customer_params(name):
    body = make_customer_body(name, "FM-" + name[:3].upper(), region="CA")
    return {k: body[k] for k in ("name", "address", "contactPersons", "externalId")}


def _reseller_params(name):
    body = make_reseller_body(name, "FMR-" + name[:3].upper())
    return {k: body[k] for k in ("name", "currency", "address", "contactPersons",
                                 "externalId")}


def _placed_order(run, emulator):
    out = run("create_order", customerId=_customer_id(emulator), poNumber="PO-FM-SEED",
              products=[_office_line(emulator)])
    assert out.succeeded, out.result
    return out.result["order"]["id"]


def _held_xvantage_order(run, emulator):
    out = run("xvantage_create_order", customerOrderNumber="FM-HOLD", lines=HOLD_LINES,
              customer_hold=True)
    assert out.succeeded, out.result
    return out.result["ingramOrderNumbers"][0]


# -- the write actions ---------------------------------------------------------------------
#
# Each case: setup(run, emulator) -> (params, identifiers, check). ``identifiers`` are the
# values a ``lookup`` may name to find the write; ``check(result, params)`` says whether a
# success carries the operation's content. ``method``/``path`` pick the write request, the
# one the fault is put on and counted.

def _create_order(run, emulator):
    params = {"customerId": _customer_id(emulator), "poNumber": "PO-FM-1",
              "products": [_office_line(emulator)]}
    return params, {"PO-FM-1"}, lambda r, p: (r["order"]["poNumber"] == "PO-FM-1" and
                                              bool(r["order"]["id"]))


def _update_order(run, emulator):
    order_id = _placed_order(run, emulator)
    # A placed order has creditCheck on, so turning it off is a change the API must make.
    return ({"orderId": order_id, "creditCheck": False}, {order_id},
            lambda r, p: str(r["id"]) == str(order_id) and r["creditCheck"] is False)


def _change_quantity(run, emulator):
    sub = _subscription(emulator, "year")
    quantity = int(sub["products"][0]["quantity"]) + 2
    return ({"subscriptionId": sub["id"], "quantity": quantity, "poNumber": "PO-FM-CHG"},
            {"PO-FM-CHG"}, lambda r, p: r["order"]["poNumber"] == "PO-FM-CHG")


def _cancel_subscription(run, emulator):
    sub = _subscription(emulator, "month")
    return ({"subscriptionId": sub["id"], "poNumber": "PO-FM-CXL"}, {"PO-FM-CXL"},
            lambda r, p: r["order"]["poNumber"] == "PO-FM-CXL")


def _create_customer(run, emulator):
    params = _customer_params("Faultmatrix Ltd")
    return (params, {params["externalId"], params["name"]},
            lambda r, p: r["name"] == p["name"] and bool(r["id"]))


def _update_customer(run, emulator):
    target = _customer_id(emulator)
    return ({"customerId": target, "name": "Renamed Faultmatrix"}, {target},
            lambda r, p: r["name"] == "Renamed Faultmatrix" and str(r["id"]) == str(target))


def _create_reseller(run, emulator):
    params = _reseller_params("Faultmatrix Partner")
    return (params, {params["externalId"], params["name"]},
            lambda r, p: r["name"] == p["name"] and bool(r["id"]))


def _update_reseller(run, emulator):
    return ({"resellerId": "1000001", "name": "Renamed Partner"}, {"1000001"},
            lambda r, p: r["name"] == "Renamed Partner" and str(r["id"]) == "1000001")


def _create_reseller_customer(run, emulator):
    params = dict(_customer_params("Faultmatrix Sub"), resellerId="1000002")
    return (params, {params["externalId"], params["name"]},
            lambda r, p: r["name"] == p["name"] and bool(r["id"]))


def _update_subscription(run, emulator):
    sub = _subscription(emulator, "year")
    return ({"subscriptionId": sub["id"], "attributes": {"psa": "FM-1"}}, {sub["id"]},
            lambda r, p: r["attributes"] == {"psa": "FM-1"} and str(r["id"]) == str(sub["id"]))


def _special_pricing(run, emulator):
    sub = _subscription(emulator, "month")
    line = {"id": sub["products"][0]["id"], "unitCost": {"amount": "5.50", "currency": "USD"}}
    return ({"subscriptionId": sub["id"], "products": [line]}, {sub["id"]},
            lambda r, p: r["products"][0]["unitCost"]["amount"] == "5.50")


def _schedule_report(run, emulator):
    params = {"name": "Orders report", "startDate": "2024-01-01", "format": "json"}
    return params, {"Orders report"}, lambda r, p: bool(r["id"]) and r["status"]


def _api_request_post(run, emulator):
    body = make_customer_body("Generic Post Ltd", "FM-GEN", region="CA")
    # A generic request names no key of its own: a lookup, if any, is whatever it offers.
    return ({"path": "/customers", "method": "POST", "body": body}, None,
            lambda r, p: r["name"] == "Generic Post Ltd" and bool(r["id"]))


def _xv_create(run, emulator):
    return ({"customerOrderNumber": "FM-1001", "lines": HOLD_LINES}, {"FM-1001"},
            lambda r, p: bool(r["ingramOrderNumbers"]) and r["orders"])


def _xv_create_async(run, emulator):
    return ({"customerOrderNumber": "FM-2001", "lines": HOLD_LINES}, {"FM-2001"},
            lambda r, p: any(r.get(k) for k in ("confirmationNumber", "ingramOrderNumbers",
                                                "orders")))


def _xv_modify(run, emulator):
    number = _held_xvantage_order(run, emulator)
    return ({"ingramOrderNumber": number, "notes": "rush"}, {number},
            lambda r, p: r["orderStatus"] == "ON HOLD")


def _xv_release(run, emulator):
    number = _held_xvantage_order(run, emulator)
    return ({"ingramOrderNumber": number}, {number}, lambda r, p: r["released"] is True)


def _xv_cancel(run, emulator):
    number = _held_xvantage_order(run, emulator)
    return ({"ingramOrderNumber": number}, {number}, lambda r, p: r["cancelled"] is True)


def _xv_api_request_post(run, emulator):
    body = {"customerOrderNumber": "FM-3001",
            "lines": [{"customerLineNumber": "1", "ingramPartNumber": "DF4128",
                       "quantity": 1}]}
    return ({"path": "/resellers/v6/orders", "method": "POST", "body": body}, None,
            lambda r, p: r["httpStatus"] in (200, 201, 207) and bool(r["body"]))


MP, XV = "marketplace", "xvantage"
WRITES = {
    # action: (api, method, path regex of the write request, setup)
    "create_order": (MP, "POST", r"/orders$", _create_order),
    "update_order": (MP, "PATCH", r"/orders/[^/]+$", _update_order),
    "change_subscription_quantity": (MP, "POST", r"/orders$", _change_quantity),
    "cancel_subscription": (MP, "POST", r"/orders$", _cancel_subscription),
    "create_customer": (MP, "POST", r"/customers$", _create_customer),
    "update_customer": (MP, "PATCH", r"/customers/[^/]+$", _update_customer),
    "create_reseller": (MP, "POST", r"/resellers$", _create_reseller),
    "update_reseller": (MP, "PATCH", r"/resellers/[^/]+$", _update_reseller),
    "create_reseller_customer": (MP, "POST", r"/resellers/[^/]+/customers$",
                                 _create_reseller_customer),
    "update_subscription": (MP, "PATCH", r"/subscriptions/[^/]+$", _update_subscription),
    "update_subscription_special_pricing": (MP, "POST", r"/subscriptions/[^/]+/specialPricing$",
                                            _special_pricing),
    "schedule_report": (MP, "POST", r"/reports$", _schedule_report),
    "api_request": (MP, "POST", r"/customers$", _api_request_post),
    "xvantage_create_order": (XV, "POST", r"/resellers/v6/orders$", _xv_create),
    "xvantage_create_order_async": (XV, "POST", r"/resellers/v7/orders$", _xv_create_async),
    "xvantage_modify_order": (XV, "PUT", r"/resellers/v6/orders/[^/]+$", _xv_modify),
    "xvantage_release_order": (XV, "PUT", r"/resellers/v6/orders/[^/]+$", _xv_release),
    "xvantage_cancel_order": (XV, "DELETE", r"/resellers/v6/orders/[^/]+$", _xv_cancel),
    "xvantage_api_request": (XV, "POST", r"/resellers/v6/orders$", _xv_api_request_post),
}


# Writes that set values (the same request twice leaves the same state): the client may
# resend them, as it does reads.
IDEMPOTENT = {"update_customer", "update_reseller", "update_subscription",
              "update_subscription_special_pricing", "xvantage_modify_order"}


@pytest.fixture
def quick_reconcile(monkeypatch):
    # The Marketplace reconcile re-reads after 5 s and 15 s; one immediate read suffices
    # here, since every fault in this suite answers at once or not at all.
    monkeypatch.setattr("ingram_lib.marketplace.orders.RECONCILE_WAITS", (0,), raising=False)


def _short_config(server):
    config = copy.deepcopy(make_config(server, read_timeout=SHORT_TIMEOUT,
                                       order_timeout=SHORT_TIMEOUT))
    config["accounts"]["default"]["xvantage"]["read_timeout"] = SHORT_TIMEOUT
    config["accounts"]["default"]["xvantage"]["order_timeout"] = SHORT_TIMEOUT
    return config


def _runner(config, datastore):
    # Positional-only, so that an action parameter called ``name`` can be passed.
    def run(action_name, /, **params):
        return execute.run_action(action_name, params, config, datastore)
    return run


def _writes(emulator, api, method, path):
    """How many write requests of ``method`` to ``path`` reached the emulator."""
    prefix = "/marketplace/" if api == MP else "/resellers/"
    return sum(1 for r in list(emulator.journal)
               if r.method == method and r.path.startswith(prefix) and re.search(path, r.path))


def _non_empty_json(value):
    return isinstance(value, (dict, list)) and len(value) > 0


def _has_content(check, result, params):
    try:
        return bool(check(result, params))
    except (KeyError, IndexError, TypeError, AttributeError):
        return False


def _lookup_values(lookup):
    return {str(v) for v in lookup.values()}


@pytest.mark.parametrize("fault_id,fault", FAULTS, ids=[f[0] for f in FAULTS])
@pytest.mark.parametrize("action", sorted(WRITES))
def test_write_under_fault_succeeds_with_content_or_says_if_it_happened(
        action, fault_id, fault, server, emulator, datastore, quick_reconcile):
    api, method, path, setup = WRITES[action]
    config = _short_config(server)

    run = _runner(config, datastore)

    params, identifiers, content = setup(run, emulator)
    before = _writes(emulator, api, method, path)
    emulator.faults.add(api=api, method=method, path=path, **fault)

    outcome = run(action, **params)
    result = outcome.result
    sent = _writes(emulator, api, method, path) - before
    where = "%s under %s -> %r" % (action, fault_id, result)

    if action in IDEMPOTENT:
        # Sending the same values twice leaves the same state, so a retry is allowed.
        assert sent >= 1, where
    elif fault["kind"] in HANDLER_RAN or fault.get("status") != 429:
        # The emulator carries out every write that reaches it past a status fault; a
        # second request would be a second order, customer or cancellation.
        assert sent == 1, "%s: the write was sent %d times" % (where, sent)
    if outcome.succeeded:
        assert fault["kind"] == "slow" or fault["kind"] in HANDLER_RAN, \
            "%s: success although the API never carried out the write" % where
        assert _non_empty_json(result), "%s: success with an empty body" % where
        assert _has_content(content, result, params), \
            "%s: success without the operation's content" % where
        return
    assert fault["kind"] != "slow", "%s: a slow but good answer must succeed" % where
    assert isinstance(result, dict), where
    assert isinstance(result.get("error"), str) and result["error"], where
    assert isinstance(result.get("message"), str) and result["message"], where
    assert isinstance(result.get("may_have_happened"), bool), \
        "%s: no may_have_happened" % where
    if fault["kind"] in HANDLER_RAN:
        assert result["may_have_happened"] is True, \
            "%s: the write happened but the result says it did not" % where
    if fault.get("status") == 429 and fault["kind"] == "status":
        assert result["may_have_happened"] is False, \
            "%s: a 429 is refused before it is carried out" % where
    if result["may_have_happened"]:
        lookup = result.get("lookup")
        assert isinstance(lookup, dict), "%s: no lookup" % where
        if identifiers is not None:
            assert _lookup_values(lookup) & {str(i) for i in identifiers}, \
                "%s: lookup names none of %s" % (where, sorted(identifiers))


# -- reads under a 200 that is not the answer ---------------------------------------------

def _read_params(run, emulator):
    order_id = _placed_order(run, emulator)
    number = _held_xvantage_order(run, emulator)
    return {
        "list_customers": (MP, r"/customers$", {}),
        "get_customer": (MP, r"/customers/[^/]+$", {"customerId": _customer_id(emulator)}),
        "list_orders": (MP, r"/orders$", {}),
        "get_order": (MP, r"/orders/[^/]+$", {"orderId": order_id}),
        "get_subscription": (MP, r"/subscriptions/[^/]+$",
                             {"subscriptionId": _subscription(emulator, "year")["id"]}),
        "xvantage_get_order": (XV, r"/resellers/v6\.1/orders/[^/]+$",
                               {"ingramOrderNumber": number}),
        "xvantage_search_orders": (XV, r"/resellers/v6/orders/search$", {}),
    }


READS = ["list_customers", "get_customer", "list_orders", "get_order", "get_subscription",
         "xvantage_get_order", "xvantage_search_orders"]


@pytest.mark.parametrize("kind", ["html200", "empty200"])
@pytest.mark.parametrize("action", READS)
def test_read_of_a_200_that_is_not_json_is_a_bad_response(action, kind, server, emulator,
                                                          datastore):
    config = _short_config(server)

    run = _runner(config, datastore)

    api, path, params = _read_params(run, emulator)[action]
    emulator.faults.add(kind=kind, api=api, method="GET", path=path)
    outcome = run(action, **params)
    assert not outcome.succeeded, "%s under %s succeeded: %r" % (action, kind, outcome.result)
    assert outcome.result["error"] == "bad_response", outcome.result


# -- a lost answer whose reconcile cannot read either ------------------------------------

RECONCILES = {
    # action: (api, write path, reconcile read path, setup, key the lookup must name)
    "create_order": (MP, r"/orders$", r"/orders$", _create_order, "PO-FM-1"),
    "cancel_subscription": (MP, r"/orders$", r"/orders$", _cancel_subscription, "PO-FM-CXL"),
    "xvantage_create_order": (XV, r"/resellers/v6/orders$", r"/resellers/v6/orders/search$",
                              _xv_create, "FM-1001"),
    "xvantage_create_order_async": (XV, r"/resellers/v7/orders$",
                                    r"/resellers/v6/orders/search$", _xv_create_async,
                                    "FM-2001"),
}


@pytest.mark.parametrize("action", sorted(RECONCILES))
def test_dropped_create_with_failing_reconcile_is_outcome_unknown(action, server, emulator,
                                                                  datastore, quick_reconcile):
    api, write_path, read_path, setup, key = RECONCILES[action]
    config = _short_config(server)

    run = _runner(config, datastore)

    params, _, _ = setup(run, emulator)
    before = _writes(emulator, api, "POST", write_path)
    emulator.faults.add(kind="drop", api=api, method="POST", path=write_path)
    emulator.faults.add(kind="status", status=503, api=api, method="GET", path=read_path)
    outcome = run(action, **params)
    result = outcome.result
    assert not outcome.succeeded, result
    assert result["error"] in ("order_outcome_unknown", "outcome_unknown"), result
    assert key in (result.get("poNumber"), result.get("customerOrderNumber")), result
    assert result.get("may_have_happened") is True, result
    assert key in _lookup_values(result.get("lookup") or {}), result
    assert _writes(emulator, api, "POST", write_path) - before == 1
