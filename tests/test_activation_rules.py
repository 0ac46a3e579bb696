"""Activation-parameter rules: every case of Ingram Micro's "Sales scenarios" page.

Unit checks of the rule set, then the validate_activation_parameters action over real HTTP
(local check first, nothing sent when it fails, then the API's results merged in).
"""

import copy

import pytest

from emulator.marketplace import validation
from ingram_lib.marketplace.activation import RuleSet
from ingram_lib.core.errors import ConfigError

from conftest import make_config

OFFICE = {"mpn": "CFQ7TTC0LDPB:0001", "vendor": "Microsoft",
          "name": "Microsoft 365 Business Standard (NCE, annual term, monthly billing)"}
LEGACY_OFFICE = {"mpn": "796B6B5F", "vendor": "Microsoft", "name": "Office 365 E3 (legacy CSP)"}
AZURE_LEGACY = {"mpn": "MS-AZR-0145P", "vendor": "Microsoft", "name": "Azure CSP (legacy)"}
AZURE_NCE = {"mpn": "DZH318Z0BPS6:0001", "vendor": "Microsoft", "name": "Microsoft Azure plan"}
AVEPOINT = {"mpn": "AVP-1", "vendor": "AvePoint",
            "name": "AvePoint Cloud Backup for Microsoft 365"}
DROPBOX = {"mpn": "DBX-1", "vendor": "Dropbox", "name": "Dropbox Business Standard"}
HELLOSIGN = {"mpn": "HS-1", "vendor": "Dropbox", "name": "HelloSign (Dropbox Sign) Standard"}

# The emulator's stand-in names for the rules whose real names are not public; the NZ rule
# is named here as the pack config would name it (the emulator reads "domain" in NZ too).
FIXTURE_NAMES = dict(validation.FIXTURE_NAMES, office365_domain_nz="domain")
TENANT = "917cd03a-c81a-43ac-91ad-a3c1c3f57bcd"


def configured():
    return RuleSet.load({"activation_rules": {"names": dict(FIXTURE_NAMES)}})


def check(rules, product, params, marketplace="us", phase="order"):
    answer = rules.check(product, [{"name": n, "value": v} for n, v in params], marketplace,
                         phase)
    return {r["name"]: (r["result"], r["message"]) for r in answer["results"]}, answer


def test_families_follow_vendor_and_product_name():
    rules = RuleSet.load()
    assert [rules.family_of(p) for p in (OFFICE, LEGACY_OFFICE, AZURE_LEGACY, AZURE_NCE,
                                         AVEPOINT, DROPBOX, HELLOSIGN)] == [
        "office365", "office365", "azure_legacy", "azure_nce", "avepoint", "dropbox",
        "hellosign"]
    assert rules.family_of({"mpn": "X", "vendor": "Acronis", "name": "Cyber Protect"}) is None


def test_only_the_public_name_ships_every_other_rule_is_nameless():
    rules = RuleSet.load()
    named = {r["id"]: r["parameter"] for r in rules.rules if r.get("parameter")}
    assert named == {"office365_domain": "domain"}
    assert {r["id"] for r in rules.rules if not r.get("parameter")} == set(FIXTURE_NAMES)


@pytest.mark.parametrize("value,ok", [("jsmith201", True), ("customer1000057", True),
                                      ("customer1000057.onmicrosoft.com", False),
                                      ("J.smith@example.org", False), ("", False)])
def test_office365_domain_is_a_bare_prefix_when_ordering(value, ok):
    results, _ = check(RuleSet.load(), OFFICE, [("domain", value)], phase="order")
    assert (results["domain"][0] == "success") is ok, results
    if value.endswith(".onmicrosoft.com"):
        assert "must not include '.onmicrosoft.com'" in results["domain"][1]


@pytest.mark.parametrize("value,ok", [("customer1000057.onmicrosoft.com", True),
                                      ("customer1000057", False),
                                      ("customer1000057.onmicrosoft.de", False)])
def test_office365_domain_is_the_full_domain_when_validating(value, ok):
    results, _ = check(RuleSet.load(), OFFICE, [("domain", value)], phase="validation")
    assert (results["domain"][0] == "success") is ok, results
    if not ok:
        assert "including '.onmicrosoft.com'" in results["domain"][1]


def test_order_value_is_converted_for_the_validation_call():
    rules = RuleSet.load()
    assert rules.to_validation(OFFICE, [{"name": "domain", "value": "jsmith201"}], "us") == [
        {"name": "domain", "value": "jsmith201.onmicrosoft.com"}]
    # NZ orders already carry the full domain; nothing to convert.
    assert configured().to_validation(OFFICE, [{"name": "domain", "value": "a.onmicrosoft.com"}],
                                      "nz")[0]["value"] == "a.onmicrosoft.com"


@pytest.mark.parametrize("phase", ["order", "validation"])
def test_nz_office365_domain_is_the_full_domain_in_both_phases(phase):
    rules = configured()
    good, _ = check(rules, OFFICE, [("domain", "customer1000057.onmicrosoft.com")], "nz", phase)
    bad, _ = check(rules, OFFICE, [("domain", "customer1000057")], "nz", phase)
    assert good["domain"][0] == "success"
    assert bad["domain"][0] == "error" and "'.onmicrosoft.com'" in bad["domain"][1]


def test_nz_rule_is_inactive_until_the_config_names_it():
    results, answer = check(RuleSet.load(), OFFICE, [("domain", "customer1000057")], "nz")
    assert results == {}  # the public 'domain' rule is for every marketplace except NZ
    assert "office365_domain_nz" in answer["inactive_rules"]


def test_tenant_id_is_optional_and_must_be_a_guid():
    rules = configured()
    ok, _ = check(rules, OFFICE, [("domain", "jsmith201"), ("emu_tenant_id", TENANT)])
    bad, _ = check(rules, OFFICE, [("emu_tenant_id", "not-a-tenant")])
    absent, _ = check(rules, OFFICE, [("domain", "jsmith201")])
    assert ok["emu_tenant_id"][0] == "success"
    assert bad["emu_tenant_id"][0] == "error" and "GUID" in bad["emu_tenant_id"][1]
    assert "emu_tenant_id" not in absent


@pytest.mark.parametrize("name,value,ok", [
    ("emu_azure_domain_prefix", "customer1000057", True),
    ("emu_azure_domain_prefix", "customer1000057.onmicrosoft.com", False),
    ("emu_azure_domain", "customer1000057.onmicrosoft.com", True),
    ("emu_azure_domain", "customer1000057", False)])
def test_azure_legacy_has_a_prefix_and_a_full_domain(name, value, ok):
    results, _ = check(configured(), AZURE_LEGACY, [(name, value)])
    assert (results[name][0] == "success") is ok


@pytest.mark.parametrize("value,ok", [("customer1000057.onmicrosoft.com", True),
                                      ("customer1000057", False)])
def test_azure_nce_domain_must_include_onmicrosoft(value, ok):
    results, _ = check(configured(), AZURE_NCE, [("emu_azure_nce_domain", value)])
    assert (results["emu_azure_nce_domain"][0] == "success") is ok


def test_avepoint_needs_two_valid_email_addresses():
    rules = configured()
    good, _ = check(rules, AVEPOINT, [("emu_avepoint_email_1", "a@example.com"),
                                      ("emu_avepoint_email_2", "b@example.com")])
    assert {v[0] for v in good.values()} == {"success"}
    bad, _ = check(rules, AVEPOINT, [("emu_avepoint_email_1", "not-an-email")])
    assert bad["emu_avepoint_email_1"] == (
        "error", "must be a valid e-mail address such as admin@example.com (order phase)")
    assert bad["emu_avepoint_email_2"][0] == "error" and "is required" in \
        bad["emu_avepoint_email_2"][1]


@pytest.mark.parametrize("product,name", [(DROPBOX, "emu_dropbox_admin_email"),
                                          (HELLOSIGN, "emu_hellosign_admin_email")])
def test_dropbox_and_hellosign_need_an_admin_email(product, name):
    rules = configured()
    assert check(rules, product, [(name, "admin@example.com")])[0][name][0] == "success"
    assert check(rules, product, [(name, "admin@example")])[0][name][0] == "error"
    assert "is required" in check(rules, product, [])[0][name][1]


def test_nameless_rules_check_nothing_and_say_so():
    results, answer = check(RuleSet.load(), DROPBOX, [("whatever", "x")])
    assert results == {}
    assert answer["inactive_rules"] == ["dropbox_admin_email"]


@pytest.mark.parametrize("product,given,expected", [
    (OFFICE, "Domain", "domain"), (OFFICE, "DOMAIN", "domain"),
    (DROPBOX, "EMU_Dropbox_Admin_Email", "emu_dropbox_admin_email")])
def test_names_differing_only_in_case_are_reported_as_such(product, given, expected):
    results, _ = check(configured(), product, [(given, "admin@example.com")])
    assert results[given] == ("error", "'%s' differs from the expected '%s' only in case; "
                              "parameter names are case-sensitive" % (given, expected))


def test_config_can_replace_and_add_rules_and_families():
    rules = RuleSet.load({"activation_rules": {
        "families": [{"id": "acronis", "match": {"vendor": "Acronis"}}],
        "rules": [{"id": "acronis_login", "family": "acronis", "parameter": "login",
                   "required": True, "format": "email"},
                  {"id": "office365_domain", "family": "office365", "parameter": "domain",
                   "format": "any"}]}})
    acronis = {"mpn": "ACR", "vendor": "Acronis", "name": "Cyber Protect"}
    assert "is required" in check(rules, acronis, [])[0]["login"][1]
    assert check(rules, OFFICE, [("domain", "x.onmicrosoft.com")])[0]["domain"][0] == "success"


@pytest.mark.parametrize("overlay,needle", [
    ({"names": {"no_such_rule": "x"}}, "no rule with id 'no_such_rule'"),
    ({"rules": [{"id": "r", "family": "f", "format": "phone"}]}, "format 'phone'"),
    ({"rules": [{"id": "r", "format": {"checkout": "email"}}]}, "phase 'checkout'"),
    ({"rules": [{"id": "r", "paramter": "x"}]}, "unknown keys: paramter")])
def test_bad_config_is_a_clear_config_error(overlay, needle):
    with pytest.raises(ConfigError) as info:
        RuleSet.load({"activation_rules": overlay})
    assert needle in str(info.value)


# -- the action, over HTTP ------------------------------------------------------------------------


def product_of(emulator, family, name_part=""):
    for product in emulator.marketplace.state.products.values():
        if product.get("_family") == family and name_part in product["name"]:
            return product
    raise AssertionError(family)


def line(product, *params):
    return {"mpn": product["mpn"], "id": product["id"],
            "parameters": [{"name": n, "value": v} for n, v in params]}


def with_names(config, marketplace=None):
    out = copy.deepcopy(config)
    out["activation_rules"] = {"names": dict(FIXTURE_NAMES)}
    if marketplace:
        out["accounts"]["default"]["marketplace"] = marketplace
    return out


def customer(emulator):
    return list(emulator.marketplace.state.customers.values())[0]["id"]


def test_local_failure_sends_no_validation_request(run_action, emulator):
    office = product_of(emulator, "office365", "Business Standard")
    result = run_action("validate_activation_parameters", customerId=customer(emulator),
                        products=[line(office, ("Domain", "contoso1.onmicrosoft.com"))])
    assert result.succeeded
    assert result.result["valid"] is False and result.result["remote_called"] is False
    assert "differs from the expected 'domain' only in case" in result.result["problems"][0]
    assert emulator.request_count(route="/validation/parameters") == 0


def test_valid_parameters_are_checked_by_the_api_and_merged(run_action, emulator):
    office = product_of(emulator, "office365", "Business Standard")
    result = run_action("validate_activation_parameters", customerId=customer(emulator),
                        products=[line(office, ("domain", "newtenant1.onmicrosoft.com"))])
    assert result.succeeded and result.result["valid"] is True
    param = result.result["products"][0]["parameters"][0]
    assert param["source"] == "local+api"
    assert param["api"]["message"] == "Domain available to purchase."
    assert emulator.request_count(route="/validation/parameters") == 1


def test_api_rejection_is_merged_and_can_fail_the_action(run_action, emulator):
    office = product_of(emulator, "office365", "Business Standard")
    result = run_action("validate_activation_parameters", customerId=customer(emulator),
                        products=[line(office, ("domain", "contoso.onmicrosoft.com"))],
                        fail_on_invalid=True)
    assert not result.succeeded and result.result["error"] == "invalid_parameters"
    assert "Domain is not available" in result.result["message"]


def test_order_phase_values_are_converted_for_the_api(run_action, emulator):
    office = product_of(emulator, "office365", "Business Standard")
    result = run_action("validate_activation_parameters", customerId=customer(emulator),
                        products=[line(office, ("domain", "jsmith201"))], phase="order")
    assert result.result["valid"] is True
    assert result.result["products"][0]["parameters"][0]["api"]["result"] == "success"


@pytest.mark.parametrize("family,name_part,params", [
    ("dropbox", "", [("emu_dropbox_admin_email", "admin@example.com")]),
    ("hellosign", "", [("emu_hellosign_admin_email", "admin@example.com")]),
    ("avepoint", "", [("emu_avepoint_email_1", "a@example.com"),
                      ("emu_avepoint_email_2", "b@example.com")]),
    ("azure_nce", "", [("emu_azure_nce_domain", "tenant9.onmicrosoft.com")]),
    ("azure_legacy", "", [("emu_azure_domain", "tenant9.onmicrosoft.com")])])
def test_config_supplied_names_pass_locally_and_at_the_api(run_action, config, emulator,
                                                          family, name_part, params):
    product = product_of(emulator, family, name_part)
    result = run_action("validate_activation_parameters", _config=with_names(config),
                        customerId=customer(emulator), products=[line(product, *params)])
    assert result.result["valid"] is True, result.result
    assert {p["source"] for p in result.result["products"][0]["parameters"]} == {"local+api"}


def test_config_supplied_name_catches_a_bad_email_locally(run_action, config, emulator):
    dropbox = product_of(emulator, "dropbox")
    result = run_action("validate_activation_parameters", _config=with_names(config),
                        customerId=customer(emulator),
                        products=[line(dropbox, ("emu_dropbox_admin_email", "admin"))])
    assert result.result["valid"] is False and result.result["remote_called"] is False
    assert emulator.request_count(route="/validation/parameters") == 0


@pytest.mark.parametrize("phase", ["order", "validation"])
def test_nz_marketplace_wants_the_full_domain_in_both_phases(run_action, server, emulator,
                                                            phase):
    config = with_names(make_config(server), marketplace="nz")
    office = product_of(emulator, "office365", "Business Standard")
    bare = run_action("validate_activation_parameters", _config=config, phase=phase,
                      customerId=customer(emulator), products=[line(office, ("domain", "nzco"))])
    assert bare.result["valid"] is False and bare.result["remote_called"] is False
    full = run_action("validate_activation_parameters", _config=config, phase=phase,
                      customerId=customer(emulator),
                      products=[line(office, ("domain", "nzco.onmicrosoft.com"))])
    assert full.result["valid"] is True, full.result
    assert full.result["marketplace"] == "nz"


def test_without_configured_names_the_api_still_judges(run_action, emulator):
    dropbox = product_of(emulator, "dropbox")
    result = run_action("validate_activation_parameters", customerId=customer(emulator),
                        products=[line(dropbox)])
    assert result.result["remote_called"] is True
    assert result.result["products"][0]["inactive_rules"] == ["dropbox_admin_email"]
    assert result.result["valid"] is False  # the API reports its required parameter
