"""``python -m runner action ...`` as a separate process, as a user runs it: against an
emulator this test starts, with a datastore file that outlives each run."""

import json
import os
import subprocess
import sys

import pytest
import yaml

from conftest import ROOT
from runner.emulated import emulator_config


ADDRESS = ('address={"streetAddress": "1 Dam", "postalCode": "1012 AB", "city": "Amsterdam", '
           '"countryCode": "NL"}')
CONTACTS = ('contactPersons=[{"type": "admin", "firstName": "Ann", "lastName": "Dam", '
            '"email": "ann@example.com", "phoneNumber": "31##205550100#"}]')


def _env():
    env = dict(os.environ)
    for key in ("INGRAM_MICRO_CONFIG", "INGRAM_MICRO_DATASTORE"):
        env.pop(key, None)
    return env


@pytest.fixture
def runner(server, tmp_path):
    """Runs the CLI against the test's emulator; returns (exit code, stdout JSON, stderr)."""
    store = str(tmp_path / "datastore.sqlite3")

    def run(*args, config=None):
        target = ["--config", config] if config else ["--emulator", server.url]
        proc = subprocess.run(
            [sys.executable, "-m", "runner"] + target + ["--datastore", store] + list(args),
            cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=60)
        try:
            out = json.loads(proc.stdout) if proc.stdout.strip() else None
        except ValueError:
            out = proc.stdout
        return proc.returncode, out, proc.stderr
    run.store = store
    return run


def test_success_prints_the_result_as_json_and_exits_0(runner, emulator):
    code, out, err = runner("action", "get_customer", "customerId=1000001")
    assert code == 0, err
    assert out["id"] == "1000001" and out["name"] == "Contoso Ltd"
    assert "embedded emulator" not in err  # it used the emulator it was pointed at
    assert emulator.request_count(method="GET", route="/customers/{id}") == 1


def test_api_failure_prints_a_structured_error_and_exits_non_zero(runner):
    code, out, _ = runner("action", "get_reseller", "resellerId=424242")
    assert code != 0
    assert out["error"] == "not_found" and out["status"] == 404
    assert out["correlation_id"].startswith("a8n-") and "424242" in out["message"]


def test_typed_parameters_are_cast_from_the_command_line(runner):
    code, out, err = runner("action", "list_products", "vendor=Dropbox", "all_pages=true",
                            "max_items=1")
    assert code == 0, err
    assert out["count"] == 1 and out["truncated"] is True
    code, out, err = runner("action", "create_reseller", "name=CLI Partner", "currency=EUR",
                            ADDRESS, CONTACTS)
    assert code == 0, err
    assert out["currency"] == "EUR" and out["address"]["city"] == "Amsterdam"


@pytest.mark.parametrize("args,message", [
    (["list_customers", "limit=abc"], "cannot read 'abc' as integer"),
    (["list_customers", "all_pages=maybe"], "cannot read 'maybe' as boolean"),
    (["list_customers", "limit=0"], "less than the minimum"),
    (["list_customers", "bogus=1"], "'bogus' is not a parameter"),
    (["list_customers", "no-equals-sign"], "expected key=value"),
    (["get_customer"], "'customerId' is a required property"),
    (["create_reseller", "name=x", "currency=euro", ADDRESS, CONTACTS],
     "parameter 'currency': 'euro' does not match"),
    (["create_reseller", "name=x", "currency=EUR", "address={}", CONTACTS],
     "parameter 'address.city': 'city' is a required property"),
    (["update_customer", "customerId=1", "status=deleted"], "status"),
    (["no_such_action"], "no action 'no_such_action'"),
])
def test_bad_parameters_exit_2_before_any_request(runner, emulator, args, message):
    code, out, err = runner("action", *args)
    assert code == 2
    assert message in err and out is None
    assert emulator.request_count() == 0


def test_datastore_file_keeps_the_token_between_runs(runner, emulator):
    code, _, err = runner("action", "get_customer", "customerId=1000002")
    assert code == 0, err
    assert emulator.request_count() == 2  # token + GET
    assert emulator.marketplace.auth.issued == 1
    emulator.reset_counts()
    code, _, err = runner("action", "get_customer", "customerId=1000003")
    assert code == 0, err
    assert emulator.request_count() == 1
    assert emulator.request_count(route="/token") == 0
    assert os.path.getsize(runner.store) > 0


def test_a_revoked_token_in_the_datastore_is_replaced_once(runner, emulator):
    assert runner("action", "list_service_plans")[0] == 0
    emulator.marketplace.auth.revoke_all()
    emulator.reset_counts()
    code, out, err = runner("action", "list_service_plans", "limit=2")
    assert code == 0, err
    assert out["count"] == 2
    assert emulator.request_count(route="/token") == 1
    assert emulator.request_count(route="/plans") == 2  # the 401, then the retry


def test_config_file_instead_of_emulator_url(runner, server, tmp_path):
    path = tmp_path / "ingram_micro.yaml"
    path.write_text(yaml.safe_dump(emulator_config(server.url)))
    code, out, err = runner("action", "list_resellers", "name=bluewave", config=str(path))
    assert code == 0, err
    assert [r["name"] for r in out["data"]] == ["Bluewave IT Services"]


def test_invalid_config_file_exits_2(runner, tmp_path, emulator):
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump({"accounts": {"default": {"read_timeout": "soon"}}}))
    code, _, err = runner("action", "list_resellers", config=str(path))
    assert code == 2 and "read_timeout" in err
    assert emulator.request_count() == 0
