"""Helpers for the sensor tests: sensors on the runner's strict SensorService, the
emulator's clock, and orders placed straight into the emulator's state."""

import copy

from runner import config as pack_config, execute, loader
from runner.services import validate_payload

from emulator.marketplace import orders as emu_orders
from ingram_lib.core.http import RetryPolicy

from conftest import make_config


def sensor_config(server, sensors=None, accounts=None, **account_overrides):
    config = make_config(server, **account_overrides)
    raw = copy.deepcopy(dict(config))
    if accounts:
        base = raw["accounts"]["default"]
        raw["accounts"] = {name: dict(base) for name in accounts}
    raw["sensors"] = sensors or {}
    return pack_config.prepare(raw)


def make_sensor(name, config, datastore, emulator, fast_retries=True):
    sensor, service = execute.make_sensor(name, config, datastore, strict=True)
    sensor.clock = emulator.clock.now
    sensor.setup()
    if fast_retries:
        # Backoff without Retry-After is 0.5-1 s by default; the retry logic itself is
        # covered by the client's tests.
        for account in sensor.accounts(sensor.settings()):
            sensor.client(account).transport.retry = RetryPolicy(
                max_retries=8, base=0.005, cap=0.02, max_wait=0.02)
    return sensor, service


def poll(sensor, service, expect_ok=True):
    """One poll; returns the triggers it dispatched as ``[(trigger, payload), ...]``."""
    before = len(service.dispatched)
    sensor.poll()
    assert service.dropped == [], service.dropped
    if expect_ok:
        for account, outcome in sensor.last_poll.items():
            assert outcome["ok"], (account, outcome)
    fired = service.dispatched[before:]
    schemas = loader.trigger_types()
    for trigger, payload in fired:
        validate_payload(payload, schemas[trigger]["payload_schema"])
    return fired


def names(fired, trigger=None):
    return [p["id"] for t, p in fired if trigger is None or t.endswith(trigger)]


def place(emulator, po=None, customer=0, order_type="sales"):
    state = emulator.marketplace.state
    customer_id = list(state.customers.values())[customer]["id"]
    product = [p for p in state.products.values()
               if p["name"].startswith("Office 365 E3 (legacy")][0]
    body = {"type": order_type, "customerId": customer_id,
            "products": [{"id": product["id"], "quantity": 1}]}
    if po:
        body["poNumber"] = po
    return emu_orders.create(state, body)


def order(emulator, order_id):
    return emulator.marketplace.state.orders.get(order_id)


def settle(emulator):
    """Applies every transition due by the (frozen) emulator clock."""
    emu_orders.process_due(emulator.marketplace.state)
