"""Webhooks as Ingram sends them: order-status events, v7 async order-create results and
stock (availability) updates.

Nothing is sent on its own. ``flush()`` (or ``POST /_emulator/xvantage/webhooks/flush``)
POSTs every event that became due since the previous flush -- status changes that orders
went through on the emulator clock, the result of each v7 order created meanwhile, and (when
configured with ``stock=True``) the latest stock level of each part whose stock changed --
to the configured URL, signed with
``x-hub-signature`` = Base64(HMAC-SHA512(secret, eventId)). Payloads follow the schemas
(``OrderStatusAsyncNotificationRequest`` with ``LineNumber`` and string quantities;
``OrderCreateV7Response`` as a list of events; ``AvailabilityAsyncNotificationRequest``
with string ``totalAvailability``, several parts per event).
"""

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.request
import uuid

from . import catalog, views
from .state import BACKORDERED, CANCELLED, HOLD, SHIPPED

STATUS_EVENTS = {HOLD: "im::order_hold", CANCELLED: "im::order_voided",
                 BACKORDERED: "im::order_backordered", SHIPPED: "im::order_shipped"}
LINE_STATUS = {HOLD: "Open", CANCELLED: "Open", BACKORDERED: "Backordered",
               SHIPPED: "Shipped"}
# Parts per stock-update event (the spec's example carries two).
STOCK_BATCH = 50


def signature(secret, event_id):
    digest = hmac.new(secret.encode("utf-8"), event_id.encode("utf-8"),
                      hashlib.sha512).digest()
    return base64.b64encode(digest).decode("ascii")


class WebhookEmitter(object):
    def __init__(self, store, clock):
        self.store = store
        self.clock = clock
        self.url = None
        self.secret = None
        self.stock_updates = False
        self.sent = []
        self._since = clock.now()
        self._created = []
        # {ingramPartNumber: units on hand}: the latest level of each part whose stock
        # changed since the previous flush.
        self._stock = {}
        self._lock = threading.Lock()
        # A leaf lock: stock changes are reported while the order store's lock is held,
        # which flush() takes after its own.
        self._stock_lock = threading.Lock()
        store.listeners.append(self._on_store_event)
        catalog.stock(store).listeners.append(self._on_stock_change)

    def configure(self, url=None, secret=None, stock=False):
        """``stock``: also send stock updates. At Ingram that is a webhook of its own (one
        per resource type), so it is off unless asked for."""
        with self._lock:
            self.url = url
            self.secret = secret
            self.stock_updates = bool(stock)
            self._since = self.clock.now()
            self._created = []
            with self._stock_lock:
                self._stock = {}

    def _on_stock_change(self, part_number, total):
        with self._stock_lock:
            if self.stock_updates:
                self._stock[part_number] = total

    def _on_store_event(self, event, order):
        if event == "created" and order.api == "v7":
            with self._lock:
                self._created.append(order)

    @staticmethod
    def event_id():
        # Unique across emulator restarts too: a receiver remembers ids in its datastore.
        return uuid.uuid4().hex[:18].upper()

    # -- payloads -------------------------------------------------------------------------

    def _envelope(self, event, topic="resellers/orders"):
        # eventTimeStamp is when the event is sent, and the POST really happens now: the
        # wall clock, not the (possibly advanced) emulator clock, or receivers checking
        # freshness would refuse every event after Clock.advance.
        sent = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(self.clock.wall()))
        return {"topic": topic, "event": event, "eventTimeStamp": sent,
                "eventId": self.event_id()}

    def status_event(self, order, sub_number, phase, when=None):
        """``when``: the moment of the change; a shipment is dated by it, not by the flush
        (which may come days of emulator time later)."""
        when = self.clock.now() if when is None else when
        lines = [line for line in order.lines
                 if sub_number is None or order.sub_number(line) == sub_number]
        shipped = phase == SHIPPED
        body = self._envelope("im::updated")
        body["resource"] = [{
            "eventType": STATUS_EVENTS[phase],
            "orderNumber": order.number,
            "customerOrderNumber": order.customer_order_number,
            "orderEntryTimeStamp": views.iso(order.created),
            "lines": [{
                "LineNumber": line.number,
                "subOrderNumber": order.sub_number(line),
                "lineStatus": LINE_STATUS[phase],
                "ingramPartNumber": line.part_number,
                "vendorPartNumber": line.part["vendorPartNumber"],
                "requestedQuantity": str(line.quantity),
                "shippedQuantity": str(line.quantity if shipped else 0),
                "backorderedQuantity": str(line.quantity if phase == BACKORDERED else 0),
                "shipmentDetails": [{
                    "shipmentDate": views.day(when),
                    "shipFromWarehouseId": line.warehouse,
                    "carrierCode": "FG", "carrierName": "FEDEX GROUND",
                    "packageDetails": [{
                        "cartonNumber": "1", "quantityInbox": str(line.quantity),
                        "trackingNumber": views.tracking_number(order,
                                                                order.sub_number(line))}]}]
                if shipped else [],
                "serialNumberDetails": [],
            } for line in lines],
            "links": [views.link(order.number)],
        }]
        return body

    def create_event(self, order):
        body = self._envelope("IM::created")
        resource = views.create_response(order, order.rejected)
        resource["eventType"] = "IM::async_order_create"
        body["resource"] = resource
        return [body]

    def stock_event(self, levels):
        """One availability update for ``[(ingramPartNumber, units on hand)]``."""
        body = self._envelope("im::updated", topic="resellers/catalog")
        resources = []
        for part_number, total in levels:
            _, part = catalog.lookup(part_number)
            part = part or {}
            resources.append({
                "eventType": "IM::STOCK_UPDATE",
                "ingramPartNumber": part_number,
                "vendorPartNumber": part.get("vendorPartNumber"),
                "vendorName": part.get("vendorName"),
                "upcCode": part.get("upc") or None,
                "skuStatus": "Active",
                "backOrderFlag": "Y" if part.get("backorder") or not total else "N",
                "totalAvailability": str(total),
                "links": [{"topic": "catalog", "type": "GET",
                           "href": "/resellers/v6/catalog/details/%s" % part_number}]})
        body["resource"] = resources
        return body

    def due(self, since, until):
        """Events for everything that happened in ``(since, until]``."""
        out = []
        for order in self.store.all():
            for when, sub_number, phase in order.transitions():
                if since < when <= until and phase in STATUS_EVENTS:
                    out.append((when, self.status_event(order, sub_number, phase,
                                                        when)))
        return [body for _, body in sorted(out, key=lambda item: item[0])]

    # -- delivery -------------------------------------------------------------------------

    def flush(self):
        """POSTs the due events; returns ``[{eventId, status}]``."""
        with self._lock:
            if not self.url:
                return []
            now = self.clock.now()
            created, self._created = self._created, []
            with self._stock_lock:
                levels, self._stock = sorted(self._stock.items()), {}
            events = [self.create_event(order) for order in created]
            events += self.due(self._since, now)
            events += [self.stock_event(levels[i:i + STOCK_BATCH])
                       for i in range(0, len(levels), STOCK_BATCH)]
            self._since = now
        return [self.post(event) for event in events]

    def post(self, event):
        first = event[0] if isinstance(event, list) else event
        data = json.dumps(event).encode("utf-8")
        request = urllib.request.Request(self.url, data=data, method="POST", headers={
            "Content-Type": "application/json",
            "x-hub-signature": signature(self.secret or "", first["eventId"])})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError:
            status = None
        result = {"eventId": first["eventId"], "status": status, "event": event}
        self.sent.append(result)
        return result
