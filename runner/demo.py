"""A short scenario through the pack against an embedded emulator.

Every step runs an action exactly as ``python -m runner action`` does (st2 parameter
validation, one datastore shared by all runs), and the order sensor runs as the sensor
container would run it. What a workflow would see is printed after each step.
"""

import json

from . import config as pack_config, execute
from .emulated import EmbeddedEmulator, emulator_config
from emulator.marketplace.customers import make_customer_body


class Demo(object):
    def __init__(self, config, datastore, emulator):
        self.config = config
        self.datastore = datastore
        self.emulator = emulator
        self.failures = 0
        self.sensor, _ = execute.make_sensor("order_sensor", config, datastore, strict=True,
                                             on_dispatch=self._trigger)

    def step(self, name, params, describe, expect=True):
        outcome = execute.run_action(name, params, self.config, self.datastore)
        ok = outcome.succeeded == expect
        self.failures += 0 if ok else 1
        shown = json.dumps(params, default=str)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        print("%s %-30s %s" % ("ok  " if ok else "FAIL", name, shown))
        try:
            print("     -> %s" % describe(outcome.result))
        except (KeyError, TypeError, IndexError, ValueError):
            print("     -> %s" % json.dumps(outcome.result, default=str)[:300])
        return outcome.result

    def _trigger(self, trigger, payload):
        print("     trigger %s: %s %s%s" % (
            trigger, payload.get("orderNumber"),
            "%s -> " % payload["previous_status"] if payload.get("previous_status") else "",
            payload.get("status")))

    def poll(self, label):
        print("---- order sensor poll (%s)" % label)
        self.sensor.poll()

    def advance(self, seconds):
        self.emulator.clock.advance(seconds)
        print("---- emulator clock +%d s" % seconds)


def marketplace(demo):
    body = make_customer_body("Demo Dental Clinic", external_id="PSA-4711")
    demo.step("list_customers", {"limit": 3},
              lambda r: "%d of %s customers, newest first" % (r["count"], r["total"]))
    customer = demo.step(
        "create_customer", {"name": body["name"], "address": body["address"],
                            "contactPersons": body["contactPersons"],
                            "externalId": body["externalId"]},
        lambda r: "customer %s (%s)" % (r["id"], r["name"]))
    products = demo.step("list_products", {"name": "Business Standard", "limit": 10},
                         lambda r: "; ".join(p["name"] for p in r["data"]))
    product = [p for p in products["data"] if "monthly term" in p["name"]][0]
    line = {"id": product["id"], "mpn": product["mpn"], "quantity": 5}
    demo.step("validate_activation_parameters",
              {"customerId": customer["id"], "products": [dict(line, parameters=[
                  {"name": "domain", "value": "demodental.onmicrosoft.com"}])]},
              lambda r: "valid=%s" % r.get("valid"))
    demo.step("create_order",
              {"customerId": customer["id"], "products": [dict(line, parameters=[
                  {"name": "domain", "value": "demodental.onmicrosoft.com"}])]},
              lambda r: "refused, nothing sent to /orders: %s" % r["message"], expect=False)
    ordered = dict(line, parameters=[{"name": "domain", "value": "demodental"}])
    demo.step("create_order", {"customerId": customer["id"], "products": [ordered],
                               "dry_run": True},
              lambda r: "dry run, nothing placed; estimate %s" % json.dumps(
                  (r.get("estimate") or {}).get("total")))
    demo.poll("baseline: existing orders are recorded, not fired")
    order = demo.step("create_order", {"customerId": customer["id"], "products": [ordered],
                                       "poNumber": "PO-DEMO-1"},
                      lambda r: "order %s %s (PO %s)" % (
                          r["order"]["orderNumber"], r["order"]["status"], r["poNumber"]))["order"]
    demo.poll("a new order")
    demo.advance(120)
    demo.step("wait_for_order", {"orderId": order["id"]},
              lambda r: "order %s is %s after %d check(s)" % (
                  r["order"]["orderNumber"], r["status"], r["polls"]))
    demo.poll("its status changes")
    subs = demo.step("list_subscriptions", {"customerId": customer["id"]},
                     lambda r: "subscriptions: %s" % ", ".join(
                         "%s %s" % (s["id"], s["status"]) for s in r["data"]))
    demo.step("change_subscription_quantity",
              {"subscriptionId": subs["data"][0]["id"], "quantity": 8},
              lambda r: "change order %s for the new total of 8" % r["order"]["orderNumber"])
    demo.step("change_subscription_quantity",
              {"subscriptionId": subs["data"][0]["id"], "quantity": 9},
              lambda r: "refused, no LO conflict hit: %s" % r["message"], expect=False)


def xvantage(demo):
    created = demo.step(
        "xvantage_create_order",
        {"customerOrderNumber": "PO-DEMO-HW-1",
         "lines": [{"customerLineNumber": "1", "ingramPartNumber": "DF4128", "quantity": 2},
                   {"customerLineNumber": "2", "ingramPartNumber": "NOSUCHPART",
                    "quantity": 1}]},
        lambda r: r.get("summary") or r)
    number = created["orders"][0]["ingramOrderNumber"]
    demo.step("xvantage_get_order", {"ingramOrderNumber": number},
              lambda r: "%s is %s" % (r["ingramOrderNumber"], r["orderStatus"]))
    demo.step("xvantage_search_orders", {"customerOrderNumber": "PO-DEMO-HW-1"},
              lambda r: "%s order(s) found" % r.get("recordsFound"))


def run_demo(datastore):
    with EmbeddedEmulator("http://127.0.0.1:0") as emu:
        config = pack_config.prepare(emulator_config(emu.url))
        print("Emulator at %s\n" % emu.url)
        demo = Demo(config, datastore, emu.server.emulator)
        demo.sensor.setup()
        try:
            marketplace(demo)
            print()
            xvantage(demo)
        finally:
            demo.sensor.cleanup()
        print("\n%d HTTP requests to the emulator in all; one token per API"
              % emu.server.emulator.request_count())
    print("%s" % ("demo passed" if not demo.failures else "%d step(s) FAILED" % demo.failures))
    return 1 if demo.failures else 0
