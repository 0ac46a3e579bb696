"""A short scenario through the pack's actions against an embedded emulator.

Each step runs an action exactly as ``python -m runner action`` does (st2 parameter
validation, a datastore shared between runs) and prints what a workflow would see.
"""

import json

from . import config as pack_config, execute
from .emulated import EmbeddedEmulator, emulator_config
from emulator.marketplace.customers import make_customer_body


def steps():
    body = make_customer_body("Demo Dental Clinic", external_id="PSA-4711")
    yield "list_customers", {"limit": 3}, True, lambda r: "%d of %s customers" % (
        r["count"], r["total"])
    yield "create_customer", {"name": body["name"], "address": body["address"],
                              "contactPersons": body["contactPersons"],
                              "externalId": body["externalId"]}, True, \
        lambda r: "created customer %s (%s)" % (r["id"], r["name"])
    yield "list_customers", {"externalId": "PSA-4711"}, True, \
        lambda r: "found by externalId: %s" % ", ".join(c["id"] for c in r["data"])
    yield "get_customer", {"customerId": "no-such-id"}, False, \
        lambda r: "fails as it should: %s" % r.get("message")


def run_demo(datastore):
    failures = 0
    with EmbeddedEmulator("http://127.0.0.1:0") as emu:
        config = pack_config.prepare(emulator_config(emu.url))
        print("Emulator at %s\n" % emu.url)
        for name, params, expect, describe in steps():
            outcome = execute.run_action(name, params, config, datastore)
            mark = "ok  " if outcome.succeeded == expect else "FAIL"
            print("%s %-28s %s" % (mark, name, json.dumps(params, default=str)[:70]))
            print("     -> %s" % describe(outcome.result))
            if outcome.succeeded != expect:
                failures += 1
        requests = emu.server.emulator.request_count() if emu.server else None
        print("\n%d HTTP requests to the emulator (one token for all steps)" % requests)
    return 1 if failures else 0
