"""Every python-script action of the pack, run once as a StackStorm 3.9 node runs it: the
execution requested as st2api requests it, dispatched by the action runner's container,
``python_action_wrapper.py`` started by ``PythonRunner`` in its own process with st2's
command line, sandboxed PYTHONPATH, environment and the registered pack config, and its
output parsed by st2 -- against the emulator over real HTTP. Some actions also run in a
second mode (an order's dry run or check), and the reads of a return run after the run that
created it (``python_runner_xvantage``).

The datastore (st2api) is unreachable for these runs, as when st2api is down: the pack keeps
its API tokens there only to save logins, so every action must still succeed.
"""

import base64
import json
import os

import pytest

NO_ST2 = "real StackStorm is not importable here (the st2 tier runs this module)"
pytest.importorskip("st2common", reason=NO_ST2)
# The fast tier's stand-ins provide a fake ``st2common`` package; these are real st2 only.
for _module in ("st2common.util.sandboxing", "st2actions.container.base",
                "python_runner.python_runner"):
    pytest.importorskip(_module, reason=NO_ST2)

from emulator.marketplace.customers import make_customer_body  # noqa: E402
from emulator.marketplace.resellers import make_reseller_body  # noqa: E402
from runner import config as runner_config  # noqa: E402
from runner.emulated import emulator_config  # noqa: E402

import python_runner_support as support  # noqa: E402
from test_nce_changes import BASIC_MONTHLY, subscription as nce_subscription  # noqa: E402
import python_runner_xvantage as xv_runs  # noqa: E402

HOLD_LINES = [{"customerLineNumber": "1", "ingramPartNumber": "DF4128", "quantity": 2},
              {"customerLineNumber": "2", "ingramPartNumber": "6YC337", "quantity": 1}]
CONTACT_LOGIN = "wd.admin.login"
CONTACT_PASSWORD = "Wingtip-S3cret-9"


def raw_config(server):
    """The pack config an operator would register, pointing at the emulator, with every
    secret of the schema set so that a leak of any of them shows."""
    raw = emulator_config(server.url, region=server.emulator.marketplace.region)
    account = raw["accounts"]["default"]
    # Short retry waits keep an unexpected retry from slowing the run down.
    account.update({"max_retry_wait": 0.01, "read_timeout": 10, "connect_timeout": 5})
    account["xvantage"].update({"max_retry_wait": 0.01, "read_timeout": 10,
                                "webhook_secret": "account-webhook-secret-4711"})
    raw["xvantage_webhook"] = {"secret": "receiver-webhook-secret-0815"}
    return raw


@pytest.fixture
def action_runner(st2, server):
    """The st2 node's action runner, with the emulator's config registered for the pack
    and st2api down."""
    with support.refused_url() as url:
        with support.ActionRunnerNode(raw_config(server), url) as runner:
            yield runner


# -- what each action is given, and what its result must show -------------------------------

def _state(emulator):
    return emulator.marketplace.state


def _office_line(emulator, quantity=2, domain="advworks"):
    product = next(p for p in _state(emulator).products.values()
                   if p.get("_family") == "office365" and "legacy CSP" in p["name"])
    return {"mpn": product["mpn"], "quantity": quantity,
            "parameters": [{"name": "domain", "value": domain}]}


def _customer_params(name, external_id):
    body = make_customer_body(name, external_id, region="CA")
    body["contactPersons"][0].update(login=CONTACT_LOGIN, password=CONTACT_PASSWORD)
    return {k: body[k] for k in ("name", "address", "contactPersons", "externalId")}


def _reseller_params(name, external_id):
    body = make_reseller_body(name, external_id)
    return {k: body[k] for k in ("name", "currency", "address", "contactPersons", "externalId")}


def _ids(rows):
    return [row["id"] for row in rows]


def _placed_order(result, emulator, order_type):
    order = result["order"]
    stored = _state(emulator).orders.get(order["id"])
    assert stored is not None and stored["type"] == order_type, order
    return order, stored


def _check_api_request(result, emulator):
    assert len(result["data"]) == 2 and result["pagination"]["offset"] == 1
    assert all(_state(emulator).customers.get(i) for i in _ids(result["data"]))


def _check_cancel_subscription(result, emulator):
    order, _ = _placed_order(result, emulator, "cancellation")
    assert order["subscriptionId"] == "1000004"


def _check_change_quantity(result, emulator):
    order, stored = _placed_order(result, emulator, "change")
    assert result["previous_quantity"] == 25
    assert stored["products"][0]["quantity"] == 27


def _check_create_customer(result, emulator):
    stored = _state(emulator).customers.get(result["id"])
    assert stored["name"] == result["name"] == "Wingtip Dental"


def _check_create_order(result, emulator):
    order, stored = _placed_order(result, emulator, "sales")
    assert stored["customerId"] == "1000004" and stored["poNumber"] == "PO-ST2-RUNNER"
    assert result["poNumber"] == "PO-ST2-RUNNER" and order["orderNumber"].startswith("SO")


def _check_create_reseller(result, emulator):
    assert _state(emulator).resellers.get(result["id"])["name"] == "Coral Reef IT"


def _check_create_reseller_customer(result, emulator):
    stored = _state(emulator).customers.get(result["id"])
    assert stored["resellerId"] == result["resellerId"] == "1000002"


def _check_download_report(result, emulator):
    rows = result["content"]
    numbers = {o["orderNumber"] for o in _state(emulator).orders.values()}
    assert len(rows) >= 5 and {row["orderNumber"] for row in rows} <= numbers


def _check_estimate_order(result, emulator):
    assert result["total"] == {"amount": "60.00", "currency": "USD"}


def _check_get_customer(result, emulator):
    assert result["id"] == "1000001" and result["name"] == "Contoso Ltd"


def _check_get_order(result, emulator):
    assert result["orderNumber"] == _state(emulator).orders.get("1000001")["orderNumber"]


def _check_get_report(result, emulator):
    assert result["status"] == "completed" and result["downloadUrl"]


def _check_get_reseller(result, emulator):
    assert (result["id"], result["currency"]) == ("1000000", "USD")


def _check_get_service_plan(result, emulator):
    assert result["id"] == "106" and result["name"] == _state(emulator).plans.get("106")["name"]


def _check_get_subscription(result, emulator):
    stored = _state(emulator).subscriptions.get("1000003")
    assert result["products"][0]["quantity"] == stored["products"][0]["quantity"] == 8


def _check_list_customers(result, emulator):
    assert result["count"] == 3
    assert all(_state(emulator).customers.get(i) for i in _ids(result["data"]))


def _check_list_orders(result, emulator):
    assert _ids(result["data"]) == ["1000003"]


def _check_list_products(result, emulator):
    assert result["total"] == 3 and {p["mpn"] for p in result["data"]} == {"CFQ7TTC0LH18:0001"}


def _check_list_reports(result, emulator):
    seeded = [r["id"] for r in _state(emulator).reports.values() if r["status"] == "completed"]
    assert set(seeded) <= set(_ids(result["data"]))


def _check_list_reseller_customers(result, emulator):
    assert [c["name"] for c in result["data"]] == ["Tailspin Toys"]


def _check_list_reseller_orders(result, emulator):
    assert _ids(result["data"]) == ["1000003"]


def _check_list_resellers(result, emulator):
    assert [r["name"] for r in result["data"]] == ["Kiwi Managed Services"]


def _check_list_service_plans(result, emulator):
    assert result["total"] == result["count"] == len(_state(emulator).plans)


def _check_list_subscriptions(result, emulator):
    assert _ids(result["data"]) == ["1000003"]


def _check_schedule_report(result, emulator):
    assert result["type"] == "onetime"
    assert _state(emulator).reports.get(result["id"])["name"] == "Orders report"


def _check_switch_plan(result, emulator, sub):
    stored = _state(emulator).orders.get(result["order"]["id"])
    assert (stored["type"], stored["subscriptionId"]) == ("change", sub["id"])
    assert stored["planId"] == sub["planId"]
    assert stored["subscriptionPeriod"] == {"type": "year", "duration": 1}


def _check_true_up(result, emulator, sub):
    assert (result["decision"], result["change"]) == ("increase_now", 3)
    stored = _state(emulator).orders.get(result["order"]["id"])
    assert stored["subscriptionId"] == sub["id"]
    assert stored["products"][0]["quantity"] == 8


def _check_update_customer(result, emulator):
    assert result["taxRegId"] == _state(emulator).customers.get("1000002")["taxRegId"] \
        == "TAX-ST2"


def _check_update_order(result, emulator):
    assert result["creditCheck"] is True
    assert _state(emulator).orders.get("1000004")["creditCheck"] is True


def _check_update_reseller(result, emulator):
    assert result["status"] == _state(emulator).resellers.get("1000001")["status"] \
        == "creditHold"


def _check_update_subscription(result, emulator):
    stored = _state(emulator).subscriptions.get("1000002")
    assert result["renewalStatus"] is False and stored["renewalStatus"] is False
    assert stored["attributes"] == {"psa": "T-ST2"}


def _check_special_pricing(result, emulator):
    stored = _state(emulator).subscriptions.get("1000005")
    assert result["products"][0]["unitCost"]["amount"] == "5.50"
    assert stored["products"][0]["unitCost"]["amount"] == "5.50"


def _check_validate_activation(result, emulator):
    assert result["valid"] is True


def _check_wait_for_order(result, emulator):
    assert result["status"] == "completed" and result["order"]["id"] == "1000002"


def _check_xv_api_request(result, emulator):
    assert result["httpStatus"] == 200 and result["body"]["pageSize"] == 5


def _xv_order(emulator, number):
    return emulator.xvantage.store.get(number)


def _check_xv_cancel(result, emulator, held):
    assert result["cancelled"] is True
    assert _xv_order(emulator, held[0]).cancelled_at is not None


def _check_xv_create(result, emulator):
    assert result["httpStatus"] == 201 and result["outcome"] == "accepted"
    stored = _xv_order(emulator, result["ingramOrderNumbers"][0])
    assert stored.customer_order_number == "PO-ST2-SYNC"


def _check_xv_create_async(result, emulator):
    assert result["confirmationNumber"]
    assert len(emulator.xvantage.store.by_customer_order_number("PO-ST2-V7")) == 1


def _check_xv_get_order(result, emulator):
    assert result["ingramOrderNumber"] == "20-A0001"
    assert result["customerOrderNumber"] == "SEED-000001"


def _check_xv_modify(result, emulator, held):
    assert _xv_order(emulator, held[2]).notes == "rush"


def _check_xv_release(result, emulator, held):
    assert result["released"] is True
    assert _xv_order(emulator, held[1]).released_at is not None


def _check_xv_search(result, emulator):
    assert [o["ingramOrderNumber"] for o in result["orders"]] == ["20-A0002"]


def cases(emulator, held):
    """run -> (parameters, check(result, emulator)); a run is an action, or ``action:mode``
    for a second run of one action. Runs go side by side, so no two touch the same
    customer, order, subscription or held Xvantage order."""
    report_id = next(r["id"] for r in _state(emulator).reports.values()
                     if r["status"] == "completed")
    special_line = _state(emulator).subscriptions.get("1000005")["products"][0]["id"]

    def on_held(check):
        return lambda result, emu: check(result, emu, held)

    # NCE monthly subscriptions of their own (Adventure Works), bought days ago.
    monthly = nce_subscription(emulator, BASIC_MONTHLY, quantity=6, days_ago=10)
    seats = nce_subscription(emulator, BASIC_MONTHLY, quantity=5, days_ago=20)

    def on(sub, check):
        return lambda result, emu: check(result, emu, sub)

    table = {
        "api_request": ({"path": "/customers", "query": {"limit": 2, "offset": 1}},
                        _check_api_request),
        "cancel_subscription": ({"subscriptionId": "1000004"}, _check_cancel_subscription),
        "change_subscription_quantity": ({"subscriptionId": "1000001", "quantity": 27},
                                         _check_change_quantity),
        "create_customer": (_customer_params("Wingtip Dental", "WD-1"), _check_create_customer),
        "create_order": ({"customerId": "1000004", "poNumber": "PO-ST2-RUNNER",
                          "products": [_office_line(emulator)]}, _check_create_order),
        "create_reseller": (_reseller_params("Coral Reef IT", "CR-1"), _check_create_reseller),
        "create_reseller_customer": (dict(_customer_params("Wingtip Toys", "WT-9"),
                                          resellerId="1000002"),
                                     _check_create_reseller_customer),
        "download_report": ({"name": "Orders report", "startDate": "2020-01-01",
                             "format": "json", "poll_interval": 0.1}, _check_download_report),
        "estimate_order": ({"customerId": "1000004",
                            "products": [_office_line(emulator, quantity=3)]},
                           _check_estimate_order),
        "get_customer": ({"customerId": "1000001"}, _check_get_customer),
        "get_order": ({"orderId": "1000001"}, _check_get_order),
        "get_report": ({"reportId": report_id}, _check_get_report),
        "get_reseller": ({"resellerId": "1000000"}, _check_get_reseller),
        "get_service_plan": ({"planId": "106"}, _check_get_service_plan),
        "get_subscription": ({"subscriptionId": "1000003"}, _check_get_subscription),
        "list_customers": ({"limit": 3}, _check_list_customers),
        "list_orders": ({"customerId": "1000003"}, _check_list_orders),
        "list_products": ({"name": "Business Basic", "vendor": "Microsoft"},
                          _check_list_products),
        "list_reports": ({"status": "completed", "limit": 50}, _check_list_reports),
        "list_reseller_customers": ({"resellerId": "1000003"},
                                    _check_list_reseller_customers),
        "list_reseller_orders": ({"resellerId": "1000000", "customerId": "1000003"},
                                 _check_list_reseller_orders),
        "list_resellers": ({"name": "kiwi"}, _check_list_resellers),
        "list_service_plans": ({"limit": 500}, _check_list_service_plans),
        "list_subscriptions": ({"customerId": "1000003"}, _check_list_subscriptions),
        "schedule_report": ({"name": "Orders report", "startDate": "2024-01-01",
                             "format": "json"}, _check_schedule_report),
        "switch_subscription_plan": ({"subscriptionId": monthly["id"],
                                      "planId": str(monthly["planId"]),
                                      "subscriptionPeriod": {"type": "year", "duration": 1}},
                                     on(monthly, _check_switch_plan)),
        "true_up_subscription": ({"subscriptionId": seats["id"], "target_quantity": 8},
                                 on(seats, _check_true_up)),
        "update_customer": ({"customerId": "1000002", "taxRegId": "TAX-ST2"},
                            _check_update_customer),
        "update_order": ({"orderId": "1000004", "creditCheck": True}, _check_update_order),
        "update_reseller": ({"resellerId": "1000001", "status": "creditHold"},
                            _check_update_reseller),
        "update_subscription": ({"subscriptionId": "1000002", "renewalStatus": False,
                                 "attributes": {"psa": "T-ST2"}}, _check_update_subscription),
        "update_subscription_special_pricing": (
            {"subscriptionId": "1000005", "products": [
                {"id": special_line, "unitCost": {"amount": "5.50", "currency": "USD"}}]},
            _check_special_pricing),
        # The validation phase wants the full tenant domain; orders want the prefix only.
        "validate_activation_parameters": (
            {"customerId": "1000004",
             "products": [_office_line(emulator, domain="advworks.onmicrosoft.com")]},
            _check_validate_activation),
        "wait_for_order": ({"orderId": "1000002", "poll_interval": 0.1},
                           _check_wait_for_order),
        "xvantage_api_request": ({"path": "/resellers/v6/orders/search",
                                  "query": {"pageSize": 5}}, _check_xv_api_request),
        "xvantage_cancel_order": ({"ingramOrderNumber": held[0]}, on_held(_check_xv_cancel)),
        "xvantage_create_order": ({"customerOrderNumber": "PO-ST2-SYNC", "lines": HOLD_LINES},
                                  _check_xv_create),
        "xvantage_create_order_async": ({"customerOrderNumber": "PO-ST2-V7",
                                         "lines": HOLD_LINES}, _check_xv_create_async),
        "xvantage_get_order": ({"ingramOrderNumber": "20-A0001"}, _check_xv_get_order),
        "xvantage_modify_order": ({"ingramOrderNumber": held[2], "notes": "rush"},
                                  on_held(_check_xv_modify)),
        "xvantage_release_order": ({"ingramOrderNumber": held[1]}, on_held(_check_xv_release)),
        "xvantage_search_orders": ({"customerOrderNumber": "SEED-000002"}, _check_xv_search),
    }
    table.update(xv_runs.cases(emulator))
    return table


def _held_orders(emulator):
    """Three Xvantage orders on customer hold, placed minutes ago (a hold lapses after 24 h)."""
    now = emulator.clock.now()
    return emulator.xvantage.bulk_create(3, start=now - 600, end=now - 60, hold_every=1,
                                         prefix="ST2-HOLD")


def _leaked_secrets(execution, secrets):
    text = execution.text()
    return [s[:4] + "..." for s in secrets if s in text]


# -- the tests ----------------------------------------------------------------------------------

def test_every_python_script_action_has_a_run(emulator):
    runs = list(cases(emulator, ["H1", "H2", "H3"])) + list(xv_runs.FOLLOW_UPS)
    covered = {xv_runs.action_of(run) for run in runs}
    actions = set(support.python_script_actions())
    assert covered == actions, {"never run": sorted(actions - covered),
                                "not a python-script action": sorted(covered - actions)}


def _run_table(action_runner, table):
    """Runs every entry of ``table`` side by side: [(run, execution, check)]."""
    executions = action_runner.run([(xv_runs.action_of(run), params)
                                    for run, (params, _) in table.items()])
    return [(run, execution, check)
            for (run, (_, check)), execution in zip(table.items(), executions)]


def _succeeded(execution):
    return (execution.status, execution.liveaction_status) == ("succeeded", "succeeded") \
        and execution.output["exit_code"] == 0


def test_every_python_script_action_succeeds_under_st2(server, emulator, action_runner):
    emulator.marketplace.state.report_seconds = 0.2
    held = _held_orders(emulator)
    done = _run_table(action_runner, cases(emulator, held))
    # Then the runs that read what the first ones created.
    first = {run: execution.result for run, execution, _ in done if _succeeded(execution)}
    problems = []
    try:
        later = xv_runs.follow_ups(first)
    except (KeyError, TypeError) as exc:
        problems.append("follow-up runs %s not started: a first run they read from "
                        "failed (%s: %s)" % (xv_runs.FOLLOW_UPS, type(exc).__name__, exc))
    else:
        done += _run_table(action_runner, later)

    raw = action_runner.raw_config
    secrets = support.secret_values(support.config_schema(), raw)
    assert len(secrets) == 5, "every secret: true field of the config schema is set"
    account = raw["accounts"]["default"]
    # A logged Authorization header would carry the password base64-encoded.
    secrets.append(base64.b64encode(("%s:%s" % (account["username"], account["password"]))
                                    .encode("utf-8")).decode("ascii"))
    tokens = list(emulator.marketplace.auth._tokens) + list(emulator.xvantage.auth._tokens)

    for run, execution, check in done:
        where = "%s (%.1f s): %r" % (run, execution.seconds, execution)
        if not _succeeded(execution):
            problems.append("did not succeed: " + where)
            continue
        try:
            check(execution.result, emulator)
        except (AssertionError, KeyError, TypeError, IndexError, ValueError) as exc:
            problems.append("unexpected result (%s: %s): %s"
                            % (type(exc).__name__, exc, where))
        param_secrets = support.secret_values(action_runner.action_parameters(
            execution.action), execution.parameters)
        leaked = _leaked_secrets(execution, secrets + param_secrets + tokens)
        if leaked:
            problems.append("secret(s) %s in the output of %s" % (leaked, run))
    assert problems == [], "\n".join(problems)

    # Each run asked st2api for its cached token, was refused, and logged in instead.
    for _, execution, _ in done:
        stderr = execution.output["stderr"]
        assert "Retrieving value from the datastore" in stderr, execution
        assert "could not store the API token in the datastore: ConnectionError" in stderr, \
            execution
    logins = emulator.marketplace.auth.issued + emulator.xvantage.auth.issued
    assert logins == len(done)


def _command_parameters(command):
    """The parameters st2 hands the wrapper (``--parameters=<json>``), as run() gets them."""
    return json.loads(command[7].split("=", 1)[1])


def test_st2_starts_the_wrapper_with_the_sandbox_it_computes(action_runner):
    from python_runner import python_runner
    from st2common.content.utils import get_pack_base_path
    execution, = action_runner.run([("get_customer", {"customerId": "1000001"})])
    assert execution.status == "succeeded", execution
    command, env = execution.command, execution.env
    pack_dir = get_pack_base_path(support.PACK)
    assert command[0] == os.path.join(action_runner.virtualenv, "bin", "python")
    # A declared read: the one entry point of every such action, told which read it is by
    # the immutable parameter that st2 fills in from the action's YAML.
    assert command[2:6] == [python_runner.WRAPPER_SCRIPT_PATH, "--pack=ingram_micro",
                            "--file-path=%s/actions/operation.py" % pack_dir,
                            "--user=stanley"]
    assert json.loads(command[6].split("=", 1)[1]) == ["--config-file",
                                                       action_runner.conf_path]
    assert _command_parameters(command) == {"operation": "get_customer",
                                            "customerId": "1000001", "account": "default"}
    config = json.loads(command[8].split("=", 1)[1])
    assert config["accounts"]["default"]["order_timeout"] == 180, "schema defaults applied"
    assert "%s/actions/lib" % pack_dir in env["PYTHONPATH"].split(":")
    assert env["ST2_ACTION_API_URL"] == action_runner.api_url + "/v1"
    assert env["ST2_ACTION_AUTH_TOKEN"]
    # run() got the operation: the customer asked for came back.
    _check_get_customer(execution.result, None)


def test_each_declared_read_runs_its_own_operation_through_one_entry_point(action_runner,
                                                                         emulator):
    runs = [("get_order", {"orderId": "1000001"}),
            ("xvantage_get_renewal", {"renewalId": "4239002"})]
    order, renewal = action_runner.run(runs)
    assert order.command[4] == renewal.command[4] and order.command[4].endswith(
        "/actions/operation.py")
    assert _command_parameters(order.command)["operation"] == "get_order"
    assert _command_parameters(renewal.command)["operation"] == "xvantage_get_renewal"
    assert order.status == renewal.status == "succeeded", (order, renewal)
    _check_get_order(order.result, emulator)
    assert renewal.result["renewalId"] == "4239002"


@pytest.mark.parametrize("operation", ["get_customer", "get_order"],
                         ids=["its-own-default", "another-read"])
def test_st2_refuses_an_operation_given_explicitly_as_the_runner_does(action_runner,
                                                                    operation):
    from st2common.persistence.liveaction import LiveAction
    from runner import loader, params
    given = {"operation": operation, "customerId": "1000001"}
    before = LiveAction.count()
    with pytest.raises(ValueError) as refused:
        action_runner.request("get_customer", given)
    message = "Override of immutable parameter(s) ['operation'] is unsupported."
    assert str(refused.value) == message
    assert LiveAction.count() == before, "nothing was scheduled"
    with pytest.raises(params.ParameterValidationError) as stand_in:
        params.resolve(loader.action_meta("get_customer")["parameters"], given)
    assert str(stand_in.value) == message and stand_in.value.parameter == "operation"


def test_an_api_error_is_a_failed_execution_with_a_structured_result(action_runner):
    execution, = action_runner.run([("get_order", {"orderId": "9999999"})])
    assert execution.status == execution.liveaction_status == "failed", execution
    # The action returned (False, error): the process exits 0 and st2 takes the status
    # from the result it parsed, with the error dict as the execution's result.
    assert execution.output["exit_code"] == 0
    error = execution.result
    assert error["error"] == "not_found" and error["status"] == 404
    assert error["path"].endswith("/orders/9999999") and error["correlation_id"]


def test_st2_loads_the_pack_config_the_runner_imitates(action_runner):
    assert action_runner.pack_config() == runner_config.prepare(action_runner.raw_config)
