"""Canary secrets: distinct random credentials and the tokens the emulator issues for them
must never show up in a result, a log line, an exception's text, the runner's output or the
runner's datastore file -- on success, on 401, on 5xx, on a bad parameter, on a bad config.
"""

import copy
import glob
import json
import logging
import os
import re
import secrets
import subprocess
import sys
import traceback

import pytest
import yaml

from conftest import ROOT
from test_nce_changes import BASIC_MONTHLY, subscription as _nce_subscription
from test_order_actions import customer as _customer_id, office_line, \
    subscription as _subscription
from emulator.marketplace.customers import make_customer_body
from emulator.marketplace.resellers import make_reseller_body
from emulator.xvantage import deals, documents, invoices, quotes, renewals
from runner import config as pack_config
from runner import execute, loader
from runner.datastore import Datastore
from runner.emulated import emulator_config
from runner.params import ParameterValidationError

ACTIONS = sorted(n for n in loader.action_names()
                 if loader.action_meta(n).get("runner_type") == "python-script")
XVANTAGE_ACTIONS = {n for n in ACTIONS if n.startswith("xvantage_")}


class Canaries(object):
    """Random credentials, installed in the emulator and in a pack config."""

    def __init__(self, server):
        self.server = server
        self.password = "pw-" + secrets.token_hex(12)
        self.subscription_key = secrets.token_hex(16)
        self.client_secret = "cs-" + secrets.token_hex(12)
        self.webhook_secret = "wh-" + secrets.token_hex(12)
        self.receiver_secret = "rs-" + secrets.token_hex(12)
        emulator = server.emulator
        emulator.marketplace.auth.credentials.password = self.password
        emulator.marketplace.auth.credentials.subscription_key = self.subscription_key
        emulator.xvantage.auth.credentials.client_secret = self.client_secret
        # Reports complete at once, so download_report succeeds without waiting.
        emulator.marketplace.state.report_seconds = 0

    def raw_config(self):
        raw = emulator_config(self.server.url, region=self.server.emulator.marketplace.region)
        account = raw["accounts"]["default"]
        account.update({"password": self.password, "subscription_key": self.subscription_key,
                        "max_retry_wait": 0.01, "read_timeout": 5, "connect_timeout": 2})
        account["xvantage"].update({"client_secret": self.client_secret,
                                    "webhook_secret": self.webhook_secret,
                                    "max_retry_wait": 0.01, "read_timeout": 5})
        raw["xvantage_webhook"] = {"secret": self.receiver_secret}
        return raw

    def config(self):
        return pack_config.prepare(self.raw_config())

    def tokens(self):
        """Every bearer token the emulator issued or was sent."""
        found = set()
        for app in (self.server.emulator.marketplace, self.server.emulator.xvantage):
            found.update(getattr(app.auth, "_tokens", {}) or {})
        for request in list(self.server.emulator.journal):
            header = request.headers.get("Authorization") or ""
            if header.startswith("Bearer "):
                found.add(header[len("Bearer "):])
        return found

    def all(self):
        values = {self.password, self.subscription_key, self.client_secret,
                  self.webhook_secret, self.receiver_secret}
        return values | self.tokens()


def leaks(text, canaries):
    return sorted(c for c in canaries if c and c in text)


@pytest.fixture
def canary(server):
    return Canaries(server)


# -- parameters that make each action succeed against the seeded emulator -----------------

HOLD_LINES = [{"customerLineNumber": "1", "ingramPartNumber": "DF4128", "quantity": 2}]


def _office_line(emulator):
    return office_line(emulator, domain="canarytenant")


def _first(mapping):
    return list(mapping.values())[0]["id"]


def _customer_fields(name):
    body = make_customer_body(name, "CAN-" + name[:3].upper(), region="CA")
    return {k: body[k] for k in ("name", "address", "contactPersons", "externalId")}


def _held_order(run):
    out = run("xvantage_create_order", customerOrderNumber="CAN-HOLD", lines=HOLD_LINES,
              customer_hold=True)
    assert out.succeeded, out.result
    return out.result["ingramOrderNumbers"][0]


def _invoice(emulator):
    """A seeded order that has shipped: its invoice number, date and first part."""
    now = emulator.clock.now()
    invoice = next(i for order in emulator.xvantage.store.all()
                   for i in invoices.invoices_of(order, now))
    return {"invoiceNumber": invoice.number, "invoiceDate": documents.day(invoice.shipped_at),
            "ingramPartNumber": invoice.lines[0].part_number}


def _return_params(emulator, reference):
    return dict(_invoice(emulator), quantity=1, referenceNumber=reference,
                primaryReason="Product is defective", secondaryReason="Does not power on",
                shipFromInfo=SHIP_FROM)


def _return_case(emulator, run):
    out = run("xvantage_create_return", **_return_params(emulator, "CAN-RMA-SEED"))
    assert out.succeeded, out.result
    return out.result["caseRequestNumber"]


def _plan_switch(emulator):
    """A monthly NCE subscription, to be switched to the annual term its plan offers."""
    sub = _nce_subscription(emulator, BASIC_MONTHLY, quantity=6, days_ago=10)
    return {"subscriptionId": sub["id"], "planId": str(sub["planId"]),
            "subscriptionPeriod": {"type": "year", "duration": 1}}


def _quote(emulator):
    """A seeded quote that can be ordered."""
    book = quotes.book(emulator.xvantage.store)
    return next(q.number for q in book.quotes.values() if q.status == quotes.READY)


def _deal(emulator):
    deal = next(iter(deals.book(emulator.xvantage.store).deals.values()))
    return {"dealId": deal.id, "vendorName": deal.vendor}


def _renewal(emulator):
    return str(next(iter(renewals.book(emulator.xvantage.store).contracts)))


SHIP_FROM = {"companyName": "Canary Tech", "contact": "Stark", "addressLine1": "1 Main St",
             "city": "Lenexa", "state": "KS", "postalCode": "66219", "countryCode": "US",
             "email": "stark@example.com"}
SHIP_TO = {"companyName": "Contoso", "addressLine1": "1 Main St", "city": "Irvine",
           "state": "CA", "postalCode": "92612", "countryCode": "US"}
RESELLER = {"contact": "Jane Buyer", "companyName": "Reseller Inc",
            "email": "jane@reseller.example"}
QUOTE_CONTACT = "buyer@reseller.example"
# Besides one run per action, the modes of an order create that ask the catalog first.
VARIANTS = ["xvantage_create_order:dry_run", "xvantage_create_order:check"]


def success_params(case, emulator, run):
    """The parameters that make ``case`` (an action, or action:variant) succeed."""
    state = emulator.marketplace.state
    customer = _customer_id(emulator)
    line = _office_line(emulator)
    year, month = _subscription(emulator, "year"), _subscription(emulator, "month")
    order = _first(state.orders)
    reseller = make_reseller_body("Canary Partner", "CANR-1")
    table = {
        "api_request": lambda: {"path": "/customers"},
        "cancel_subscription": lambda: {"subscriptionId": month["id"]},
        "change_subscription_quantity": lambda: {
            "subscriptionId": year["id"], "quantity": int(year["products"][0]["quantity"]) + 1},
        "create_customer": lambda: _customer_fields("Canary Ltd"),
        "create_order": lambda: {"customerId": customer, "products": [line]},
        "create_reseller": lambda: {k: reseller[k] for k in (
            "name", "currency", "address", "contactPersons", "externalId")},
        "create_reseller_customer": lambda: dict(_customer_fields("Canary Sub"),
                                                 resellerId="1000002"),
        "download_report": lambda: {"name": "Orders report", "startDate": "2024-01-01",
                                    "format": "json", "wait_seconds": 30,
                                    "poll_interval": 0.1},
        "estimate_order": lambda: {"customerId": customer, "products": [line]},
        "get_customer": lambda: {"customerId": customer},
        "get_order": lambda: {"orderId": order},
        "get_report": lambda: {"reportId": _first(state.reports)},
        "get_reseller": lambda: {"resellerId": "1000000"},
        "get_service_plan": lambda: {"planId": _first(state.plans)},
        "get_subscription": lambda: {"subscriptionId": year["id"]},
        "list_customers": lambda: {"limit": 3},
        "list_orders": lambda: {"customerId": customer},
        "list_products": lambda: {"vendor": "Microsoft"},
        "list_reports": lambda: {"status": "completed"},
        "list_reseller_customers": lambda: {"resellerId": "1000002"},
        "list_reseller_orders": lambda: {"resellerId": "1000002"},
        "list_resellers": lambda: {"all_pages": True},
        "list_service_plans": lambda: {"limit": 5},
        "list_subscriptions": lambda: {"customerId": customer},
        "switch_subscription_plan": lambda: _plan_switch(emulator),
        "true_up_subscription": lambda: {
            "subscriptionId": _nce_subscription(emulator, BASIC_MONTHLY, quantity=5,
                                                days_ago=20)["id"],
            "target_quantity": 8},
        "schedule_report": lambda: {"name": "Orders report", "startDate": "2024-01-01"},
        "update_customer": lambda: {"customerId": customer, "name": "Canary Renamed"},
        "update_order": lambda: {"orderId": order, "creditCheck": False},
        "update_reseller": lambda: {"resellerId": "1000001", "name": "Canary Renamed"},
        "update_subscription": lambda: {"subscriptionId": year["id"],
                                        "attributes": {"psa": "C-1"}},
        "update_subscription_special_pricing": lambda: {
            "subscriptionId": month["id"],
            "products": [{"id": month["products"][0]["id"],
                          "unitCost": {"amount": "5.50", "currency": "USD"}}]},
        "validate_activation_parameters": lambda: {"customerId": customer, "products": [line]},
        "wait_for_order": lambda: {"orderId": order, "wait_seconds": 1, "poll_interval": 0.1},
        "xvantage_api_request": lambda: {"path": "/resellers/v6/orders/search"},
        "xvantage_cancel_order": lambda: {"ingramOrderNumber": _held_order(run)},
        "xvantage_create_order": lambda: {"customerOrderNumber": "CAN-1",
                                          "lines": HOLD_LINES},
        "xvantage_create_order:dry_run": lambda: {
            "customerOrderNumber": "CAN-DRY", "lines": HOLD_LINES, "shipToInfo": SHIP_TO,
            "resellerInfo": RESELLER, "dry_run": True},
        "xvantage_create_order:check": lambda: {"customerOrderNumber": "CAN-CHECK",
                                                "lines": HOLD_LINES, "check": True,
                                                "max_unit_price": 100},
        "xvantage_create_order_async": lambda: {"customerOrderNumber": "CAN-2",
                                                "lines": HOLD_LINES},
        "xvantage_create_return": lambda: _return_params(emulator, "CAN-RMA"),
        "xvantage_find_product": lambda: {"vendorPartNumber": "920-008671"},
        "xvantage_freight_estimate": lambda: {"customerContact": "buyer@example.com",
                                              "shipToAddressId": "200",
                                              "lines": [{"ingramPartNumber": "DF4128",
                                                         "quantity": 2}]},
        "xvantage_get_deal": lambda: _deal(emulator),
        "xvantage_get_invoice": lambda: {
            "invoiceNumber": _invoice(emulator)["invoiceNumber"],
            "includeSerialNumbers": True},
        "xvantage_get_order": lambda: {"ingramOrderNumber": _held_order(run)},
        "xvantage_get_product": lambda: {"ingramPartNumber": "DF4128"},
        "xvantage_get_quote": lambda: {"quoteNumber": _quote(emulator)},
        "xvantage_get_renewal": lambda: {"renewalId": _renewal(emulator)},
        "xvantage_get_return": lambda: {"caseRequestNumber": _return_case(emulator, run)},
        "xvantage_modify_order": lambda: {"ingramOrderNumber": _held_order(run),
                                          "notes": "canary"},
        "xvantage_price_and_availability": lambda: {
            "products": [{"ingramPartNumber": "DF4128", "quantity": 2},
                         {"vendorPartNumber": "SLM3-24", "quantity": 1}]},
        "xvantage_release_order": lambda: {"ingramOrderNumber": _held_order(run)},
        "xvantage_search_deals": lambda: {"all_pages": True},
        "xvantage_search_invoices": lambda: {"all_pages": True},
        "xvantage_search_orders": lambda: {},
        "xvantage_search_products": lambda: {"keyword": ["notebook", "ipad"]},
        "xvantage_search_quotes": lambda: {"customerContact": QUOTE_CONTACT},
        "xvantage_search_renewals": lambda: {"status": "Open"},
        "xvantage_search_returns": lambda: {"caseRequestNumber": _return_case(emulator, run)},
        "xvantage_validate_quote": lambda: {"quoteNumber": _quote(emulator)},
        "xvantage_vendor_required_info": lambda: {
            "products": [{"ingramPartNumber": "5DV320"}, {"planID": "438292"}]},
    }
    assert case in table, "no parameters that make %s succeed: add them here" % case
    return table[case]()


def _wrong_type_params(action, params):
    """``params`` with one value of a type its YAML refuses (st2 refuses such a run)."""
    meta = loader.action_meta(action).get("parameters") or {}
    bad = dict(params)
    for name, schema in meta.items():
        if name == "account" or schema.get("immutable"):
            continue
        kind = schema.get("type")
        if kind in ("string", "integer", "number", "boolean"):
            bad[name] = {"not": ["a", kind]}
            return bad
        if kind in ("array", "object"):
            bad[name] = 12345
            return bad
    bad["account"] = {"not": "a string"}
    return bad


# -- every action, every path --------------------------------------------------------------

PATHS = ["success", "401", "5xx", "parameter_error", "config_error"]
# Every request of each API except its token request.
API_CALLS = {"marketplace": r"^/marketplace/[^/]+/(?!token$)", "xvantage": r"^/resellers/"}


@pytest.fixture
def quick_reconcile(monkeypatch):
    # An order whose answer is lost is looked up again after 5 s and 15 s; once will do.
    monkeypatch.setattr("ingram_lib.marketplace.orders.RECONCILE_WAITS", (0,), raising=False)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("case", ACTIONS + VARIANTS)
def test_no_canary_in_any_output(case, path, server, canary, tmp_path, caplog,
                                 quick_reconcile):
    caplog.set_level(logging.DEBUG)
    config = canary.config()
    store = Datastore(str(tmp_path / "datastore.sqlite3"))
    action = case.split(":")[0]

    def run(action_name, /, **params):
        return execute.run_action(action_name, params, config, store)

    params = success_params(case, server.emulator, run)
    api = "xvantage" if action in XVANTAGE_ACTIONS else "marketplace"
    if path in ("401", "5xx"):
        # Past the token request, so a token is issued (a canary) and then refused, by a
        # gateway careless enough to echo the credentials it was sent in its error body.
        echoed = ((canary.client_secret,) if api == "xvantage"
                  else (canary.password, canary.subscription_key))
        server.emulator.faults.add(
            kind="status", status=401 if path == "401" else 500, api=api,
            path=API_CALLS[api], message="rejected: " + " ".join(echoed))
    elif path == "parameter_error":
        params = _wrong_type_params(action, params)
    elif path == "config_error":
        params = dict(params, account="nobody")

    texts = []
    if path == "parameter_error":
        # The runner refuses a parameter of the wrong type as st2 would: before the action
        # runs, by raising.
        with pytest.raises(ParameterValidationError) as info:
            run(action, **params)
        exc = info.value
        texts.append(str(exc))
        texts.append(repr(exc))
        texts.append("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    else:
        # Complete, well-typed parameters: any exception here is a failure of the test.
        outcome = run(action, **params)
        texts.append(json.dumps(outcome.result, default=str))
        texts.append(repr(outcome.result))
        if path == "success":
            assert outcome.succeeded, outcome.result
            assert outcome.result, "a success with an empty result"
        else:
            assert not outcome.succeeded, outcome.result
    texts.append(caplog.text)
    texts.extend(record.getMessage() for record in caplog.records)
    store.close()
    texts.append(_datastore_bytes(tmp_path))
    assert leaks("\n".join(texts), canary.all()) == []


def _datastore_bytes(folder):
    """What the runner's datastore left on disk (the SQLite file, its WAL and journal);
    the key file beside it is left out, as it holds no credential of the APIs."""
    out = []
    for name in sorted(glob.glob(os.path.join(str(folder), "datastore.sqlite3*"))):
        if name.endswith(".key"):
            continue
        with open(name, "rb") as handle:
            out.append(handle.read().decode("latin-1"))
    return "\n".join(out)


def test_datastore_file_holds_no_token(server, canary, tmp_path):
    config = canary.config()
    store = Datastore(str(tmp_path / "datastore.sqlite3"))
    for action, params in (("list_customers", {}), ("xvantage_search_orders", {})):
        outcome = execute.run_action(action, params, config, store)
        assert outcome.succeeded, outcome.result
    names = store.names()
    store.close()
    assert any(".token.marketplace." in n for n in names), names
    assert any(".token.xvantage." in n for n in names), names
    tokens = canary.tokens()
    assert len(tokens) >= 2
    assert leaks(_datastore_bytes(tmp_path), canary.all()) == []


# -- the runner's command line -------------------------------------------------------------

def _runner(args, tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT, HOME=str(tmp_path))
    done = subprocess.run([sys.executable, "-m", "runner"] + args, cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout + "\n" + done.stderr


def _write_config(tmp_path, raw):
    path = tmp_path / "ingram_micro.yaml"
    path.write_text(yaml.safe_dump(raw))
    return str(path)


@pytest.mark.parametrize("action,params,fault", [
    ("list_customers", ["limit=2"], None),
    ("get_customer", ["customerId=1000004"], {"status": 401}),
    ("create_customer", ["name=Canary CLI"], None),
    ("xvantage_search_orders", [], None),
    ("xvantage_search_orders", [], {"status": 503}),
    ("xvantage_create_order", ["customerOrderNumber=CAN-CLI",
                               "lines=" + json.dumps(HOLD_LINES)], {"status": 500}),
], ids=["list-ok", "get-401", "param-error", "xv-ok", "xv-503", "xv-create-500"])
def test_runner_output_holds_no_canary(action, params, fault, server, canary, tmp_path):
    config_path = _write_config(tmp_path, canary.raw_config())
    if fault:
        api = "xvantage" if action.startswith("xvantage") else "marketplace"
        server.emulator.faults.add(kind="status", api=api, **fault)
    store = str(tmp_path / "datastore.sqlite3")
    code, output = _runner(["-v", "--config", config_path, "--datastore", store, "action",
                            action] + params, tmp_path)
    assert code is not None
    assert leaks(output + _datastore_bytes(tmp_path), canary.all()) == [], output


# -- config errors never echo a secret -----------------------------------------------------

SECRET_FIELDS = [
    ("password", ("accounts", "default")),
    ("subscription_key", ("accounts", "default")),
    ("client_secret", ("accounts", "default", "xvantage")),
    ("webhook_secret", ("accounts", "default", "xvantage")),
    ("secret", ("xvantage_webhook",)),
]


def _numeric_canary():
    # Written unquoted in YAML, digits load as an int: the mistake this is about.
    return str(10 ** 11 + secrets.randbelow(9 * 10 ** 11))


def _with_value(raw, where, field, value):
    raw = copy.deepcopy(raw)
    target = raw
    for key in where:
        target = target.setdefault(key, {})
    target[field] = value
    return raw


def test_every_secret_config_field_is_covered():
    schema = pack_config.load_schema()
    found = set()

    def walk(node):
        if isinstance(node, dict):
            if node.get("secret") is True:
                return True
            for key, sub in node.items():
                if isinstance(sub, dict) and walk(sub):
                    found.add(key.strip("^$"))
        return False
    walk(schema)
    assert found == {field for field, _ in SECRET_FIELDS}


@pytest.mark.parametrize("field,where", SECRET_FIELDS, ids=[f for f, _ in SECRET_FIELDS])
@pytest.mark.parametrize("value_kind", ["int", "list", "object"])
def test_config_error_on_a_secret_never_shows_its_value(field, where, value_kind, server,
                                                        canary):
    digits = _numeric_canary()
    value = {"int": int(digits), "list": [digits], "object": {"value": digits}}[value_kind]
    raw = _with_value(canary.raw_config(), where, field, value)
    with pytest.raises(pack_config.ConfigValidationError) as info:
        pack_config.prepare(raw)
    text = str(info.value)
    assert ".".join(where + (field,)) in text
    assert "********" in text
    assert digits not in text and leaks(text, canary.all()) == []


@pytest.mark.parametrize("field", ["password", "subscription_key", "client_secret"])
def test_top_level_account_secret_error_hides_the_value(field, server, canary):
    # The shape `st2 pack config` writes: the account "default" as top-level keys.
    digits = _numeric_canary()
    top = canary.raw_config()["accounts"]["default"]
    (top["xvantage"] if field == "client_secret" else top)[field] = int(digits)
    with pytest.raises(pack_config.ConfigValidationError) as info:
        pack_config.prepare(top)
    assert field in str(info.value) and "********" in str(info.value)
    assert digits not in str(info.value)


def test_unquoted_secret_in_the_config_file_is_not_printed_by_the_runner(server, canary,
                                                                        tmp_path):
    digits = _numeric_canary()
    raw = canary.raw_config()
    text = yaml.safe_dump(raw).replace(canary.password, "PLACEHOLDER")
    # What a user types: password: 123456789012 (unquoted, so YAML reads a number).
    text = re.sub(r"'?PLACEHOLDER'?", digits, text)
    path = tmp_path / "ingram_micro.yaml"
    path.write_text(text)
    assert yaml.safe_load(path.read_text())["accounts"]["default"]["password"] == int(digits)
    code, output = _runner(["--config", str(path), "--datastore", ":memory:", "action",
                            "list_customers"], tmp_path)
    assert code != 0
    assert "accounts.default.password" in output and "********" in output
    assert digits not in output and leaks(output, canary.all()) == []


def test_secret_action_parameter_of_the_wrong_type_is_not_echoed(server, canary, tmp_path):
    # contactPersons[].password is marked secret in the action YAML; a number there is
    # refused without quoting it.
    digits = _numeric_canary()
    params = _customer_fields("Canary Param Ltd")
    params["contactPersons"][0]["password"] = int(digits)
    store = Datastore(":memory:")
    with pytest.raises(Exception) as info:
        execute.run_action("create_customer", params, canary.config(), store)
    text = str(info.value) + "".join(traceback.format_exception(
        info.type, info.value, info.tb))
    assert "password" in str(info.value)
    assert digits not in text
