"""Service plans: ``GET /plans`` (paging only) and ``GET /plans/{id}``.

``ServicePlan.id`` is a string, while ``planSwitches[].planId`` (and a subscription's
``planId``) are integers, as in the 1.15 spec. Seeding also stamps each catalog product with
the private ``_planId`` (int) of its plan, so orders can fill a subscription's ``planId``.
"""

from ..http import Response
from .common import envelope

MONTH = {"type": "month", "duration": 1}
YEAR = {"type": "year", "duration": 1}
SUMMARY_FIELDS = ("id", "name", "shortDescription", "longDescription", "published",
                  "subscriptionPeriods", "billingPeriod", "billingModel")


def period(kind, duration=1, trial=False, active=True):
    return {"type": kind, "duration": duration, "trial": trial, "active": active}


def switch(plan_id, target, source, policy="prorate_starting_new_subscription_period",
           when="immediately"):
    return {"planId": int(plan_id), "subscriptionPeriod": dict(target),
            "sourceSubscriptionPeriod": dict(source), "billingPolicy": policy,
            "whenEffective": when}


# key, name, short description, subscription periods, billing period, billing model, MPNs
PLANS = [
    ("m365-basic", "Microsoft 365 Business Basic (NCE)",
     "Web and mobile Office apps, Exchange, Teams and 1 TB OneDrive per user.",
     [period("month"), period("year")], MONTH, "chargeBeforeBillingPeriod",
     ["CFQ7TTC0LH18:0001"]),
    ("m365-standard", "Microsoft 365 Business Standard (NCE)",
     "Everything in Business Basic plus desktop Office apps.",
     [period("month"), period("year")], MONTH, "chargeBeforeBillingPeriod",
     ["CFQ7TTC0LDPB:0001"]),
    ("m365-premium", "Microsoft 365 Business Premium (NCE)",
     "Business Standard plus Intune, Entra ID P1 and Defender for Business.",
     [period("month"), period("year")], MONTH, "chargeBeforeBillingPeriod",
     ["CFQ7TTC0LCHC:0002"]),
    ("o365-e3", "Office 365 E3 (NCE)", "Enterprise Office apps, mail, Teams and compliance.",
     [period("month"), period("year")], MONTH, "chargeBeforeBillingPeriod",
     ["CFQ7TTC0LF8Q:0001"]),
    ("o365-e3-legacy", "Office 365 E3 (legacy CSP)",
     "Legacy CSP licensing; month-to-month, cancel any time.",
     [period("month")], MONTH, "chargeBeforeBillingPeriod",
     ["796B6B5F-613C-4E24-A17C-EBA730D49C02", "A9A5C4BC-6B88-4F4B-9C3B-2B0A5E2A3B41"]),
    ("azure-plan", "Microsoft Azure plan", "Pay-as-you-go Azure consumption, billed monthly.",
     [period("month")], MONTH, "chargeExternalRating", ["DZH318Z0BPS6:0001"]),
    ("azure-csp", "Azure CSP (legacy)", "Legacy Azure in CSP, rated from usage.",
     [period("month")], MONTH, "chargeExternalRating", ["MS-AZR-0145P"]),
    ("dropbox-standard", "Dropbox Business Standard", "5 TB of team storage, 3+ users.",
     [period("month", trial=True), period("month")], MONTH, "chargeBeforeBillingPeriod",
     ["DBX-BUS-STD-1M"]),
    ("dropbox-advanced", "Dropbox Business Advanced", "As much space as the team needs.",
     [period("month")], MONTH, "chargeBeforeBillingPeriod", ["DBX-BUS-ADV-1M"]),
    ("hellosign", "HelloSign (Dropbox Sign) Standard", "Legally binding e-signatures.",
     [period("month")], MONTH, "chargeBeforeBillingPeriod", ["HS-STD-1M"]),
    ("avepoint", "AvePoint Cloud Backup for Microsoft 365",
     "Automated backup of Exchange, OneDrive, SharePoint and Teams.",
     [period("year")], MONTH, "chargeBeforeBillingPeriod", ["AVP-CB-M365-1Y"]),
    ("acronis", "Acronis Cyber Protect", "Backup and anti-malware, billed on usage.",
     [period("month")], MONTH, "chargeAfterBillingPeriod", ["ACR-CP-STD-WKS"]),
    ("bitdefender", "Bitdefender GravityZone Business Security",
     "Endpoint security for workstations and servers.",
     [period("year")], YEAR, "chargeBeforeSubscriptionPeriod", ["BD-GZ-BS-1Y"]),
    ("m365-basic-retired", "Microsoft 365 Business Basic (legacy CSP, retired)",
     "No longer sold; kept for existing subscriptions.",
     [period("month", active=False)], MONTH, "chargeBeforeBillingPeriod", []),
]

# (from key, to key, target period, source period, billing policy, when effective)
SWITCHES = [
    ("m365-basic", "m365-basic", YEAR, MONTH, "prorate_starting_new_subscription_period",
     "immediately"),
    ("m365-basic", "m365-basic", MONTH, YEAR, "no_refund", "next_subscription_period"),
    ("m365-basic", "m365-standard", YEAR, YEAR, "prorate_keeping_exp_date", "immediately"),
    ("m365-standard", "m365-premium", YEAR, YEAR, "prorate_keeping_exp_date", "immediately"),
    ("m365-standard", "m365-basic", YEAR, YEAR, "no_refund", "next_subscription_period"),
    ("o365-e3", "o365-e3", YEAR, MONTH, "prorate_starting_new_subscription_period",
     "immediately"),
    ("o365-e3-legacy", "o365-e3", YEAR, MONTH, "prorate_refund", "next_billing_period"),
    ("azure-csp", "azure-plan", MONTH, MONTH, "period_change", "next_billing_period"),
    ("dropbox-standard", "dropbox-advanced", MONTH, MONTH, "prorate_keeping_exp_date",
     "immediately"),
]


def view(plan, detailed=False):
    if detailed:
        return {k: v for k, v in plan.items() if not k.startswith("_")}
    return {k: plan[k] for k in SUMMARY_FIELDS if k in plan}


def seed(state):
    ids = {}
    for key, name, short, periods, billing, model, mpns in PLANS:
        plan_id = state.plans.new_id()
        ids[key] = plan_id
        state.plans.add({
            "id": plan_id, "name": name, "shortDescription": short,
            "longDescription": "%s. %s" % (name, short), "published": bool(mpns),
            "subscriptionPeriods": [dict(p) for p in periods], "billingPeriod": dict(billing),
            "billingModel": model, "planSwitches": [], "_mpns": list(mpns)})
    for source, target, to_period, from_period, policy, when in SWITCHES:
        state.plans.get(ids[source])["planSwitches"].append(
            switch(ids[target], to_period, from_period, policy, when))
    by_mpn = {mpn: plan["id"] for plan in state.plans.values() for mpn in plan["_mpns"]}
    for product in state.products.values():
        if product["mpn"] in by_mpn:
            product["_planId"] = int(by_mpn[product["mpn"]])


def register(router, state):
    def list_plans(request):
        return Response(200, envelope(state.plans.newest_first(), request, view))

    def get_plan(request):
        plan = state.plans.require(request.params["id"], "Service plan")
        return Response(200, view(plan, detailed=True))

    router.add("GET", "/plans", list_plans)
    router.add("GET", "/plans/{id}", get_plan)
