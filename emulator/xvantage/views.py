"""Schema-typed renderings of an order: create, details v6.1, search row, modify.

Arrays stay arrays, counts are integers and money is a JSON number, as the spec's schemas
say (its examples often do otherwise; the official SDK accepts only the schema types).
"""

import datetime
import zlib

from . import catalog
from .state import (BACKORDERED, CANCELLED, DELIVERED, HOLD, PROCESSING, SHIPPED,
                    header_phase)

DETAIL_STATUS = {HOLD: "On Hold", PROCESSING: "Processing", BACKORDERED: "Backordered",
                 SHIPPED: "Shipped", DELIVERED: "Delivered", CANCELLED: "Canceled"}
LINE_STATUS = dict(DETAIL_STATUS, **{PROCESSING: "In Progress"})
SEARCH_STATUS = {HOLD: "ON HOLD", PROCESSING: "PROCESSING", BACKORDERED: "BACKORDERED",
                 SHIPPED: "SHIPPED", DELIVERED: "DELIVERED", CANCELLED: "CANCELLED"}
CARRIER = {"carrierCode": "UP", "carrierName": "UPS GROUND"}


def iso(ts):
    when = datetime.datetime.fromtimestamp(ts, tz=datetime.timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def day(ts):
    return iso(ts)[:10]


def money(value):
    return round(float(value), 2)


def link(number, topic="orders"):
    return {"topic": topic, "href": "/resellers/v6.1/orders/%s" % number, "type": "GET"}


def ship_to(order):
    return {k: v for k, v in order.ship_to.items() if v is not None}


# -- derived shipping data ---------------------------------------------------------------

def tracking_number(order, sub_number):
    return "1Z%s%s" % (order.number.replace("-", ""), sub_number.rsplit("-", 1)[1])


def invoice_number(order, sub_number):
    return "%d%s" % (order.seq, sub_number.rsplit("-", 1)[1])


def serial_numbers(order, line):
    if not line.part.get("serialized"):
        return []
    return ["S%s%s%02d" % (order.number[3:], line.number, i + 1)
            for i in range(min(line.quantity, 50))]


def delivery_number(order, sub_number):
    return "%010d" % (zlib.crc32(sub_number.encode("ascii")) % 10 ** 10)


# -- create ------------------------------------------------------------------------------

def created_line(order, line, status):
    backordered = line.part.get("backorder")
    return {
        "subOrderNumber": order.sub_number(line),
        "ingramLineNumber": line.number,
        "customerLineNumber": line.customer_number,
        "lineStatus": "Backordered" if backordered else status,
        "ingramPartNumber": line.part_number,
        "vendorPartNumber": line.part["vendorPartNumber"],
        "unitPrice": money(line.unit_price),
        "extendedUnitPrice": money(line.total),
        "quantityOrdered": line.quantity,
        "quantityConfirmed": 0 if backordered else line.quantity,
        "quantityBackOrdered": line.quantity if backordered else 0,
        "notes": line.notes or line.part["description"],
        "shipmentDetails": [dict(CARRIER, shipFromWarehouseId=line.warehouse,
                                 shipFromLocation=catalog.WAREHOUSES[line.warehouse])],
        "additionalAttributes": [],
    }


def rejected_line(item):
    return {"customerLinenumber": item.get("customerLineNumber"),
            "ingramPartNumber": item.get("ingramPartNumber"),
            "vendorPartNumber": item.get("vendorPartNumber"),
            "quantityOrdered": item.get("quantityOrdered"),
            "rejectCode": item["rejectCode"], "rejectReason": item["rejectReason"]}


def create_response(order, rejected):
    status = "On Hold" if order.hold else "Open"
    lines = [created_line(order, line, status) for line in order.lines]
    entry = {
        "numberOfLinesWithSuccess": len(lines),
        "numberOfLinesWithError": len(rejected),
        "numberOfLinesWithWarning": 0,
        "ingramOrderNumber": order.number,
        "ingramOrderDate": day(order.created),
        "notes": order.notes or "",
        "orderType": "S",
        "orderTotal": order.total,
        "freightCharges": 0.0,
        "totalTax": 0.0,
        "currencyCode": "USD",
        "lines": lines,
        "miscellaneousCharges": [],
        "links": [link(order.number)],
        "rejectedLineItems": [rejected_line(r) for r in rejected],
        "additionalAttributes": [],
    }
    return {
        "customerOrderNumber": order.customer_order_number,
        "endCustomerOrderNumber": order.end_customer_order_number,
        "billToAddressId": order.bill_to_address_id or "000",
        "specialBidNumber": order.special_bid,
        "orderSplit": False,
        "processedPartially": bool(rejected),
        "purchaseOrderTotal": order.total,
        "shipToInfo": ship_to(order),
        "endUserInfo": dict(order.end_user),
        "orders": [entry],
    }


# -- details v6.1 ------------------------------------------------------------------------

def shipment(order, sub_number, line, phase, now, schedule, invoiced=True):
    ship_at, deliver_at = schedule
    if phase not in (SHIPPED, DELIVERED):
        return [{"quantity": line.quantity, "estimatedShipDate": day(max(ship_at, now)),
                 "estimatedDeliveryDate": day(max(deliver_at, now)),
                 "shipFromWarehouseId": line.warehouse,
                 "shipFromLocation": catalog.WAREHOUSES[line.warehouse],
                 "carrierDetails": []}]
    carrier = dict(CARRIER, quantity=line.quantity, shippedDate=day(ship_at),
                   estimatedDeliveryDate=day(deliver_at), carrierPickupDate=day(ship_at),
                   trackingDetails=[{
                       "trackingNumber": tracking_number(order, sub_number),
                       "trackingUrl": "https://www.ups.com/track?tracknum=%s"
                                      % tracking_number(order, sub_number),
                       "packageWeight": "2.5", "cartonNumber": "1",
                       "quantityInBox": str(line.quantity),
                       "serialNumbers": [{"serialNumber": s}
                                         for s in serial_numbers(order, line)]}])
    if phase == DELIVERED:
        carrier["deliveredDate"] = day(deliver_at)
    entry = {"quantity": line.quantity, "deliveryNumber": delivery_number(order, sub_number),
             "estimatedShipDate": day(ship_at), "shippedDate": day(ship_at),
             "estimatedDeliveryDate": day(deliver_at), "shipFromWarehouseId": line.warehouse,
             "shipFromLocation": catalog.WAREHOUSES[line.warehouse],
             "carrierDetails": [carrier]}
    if invoiced:
        entry["invoiceNumber"] = invoice_number(order, sub_number)
        entry["invoiceDate"] = day(ship_at)
    return [entry]


def detail_line(order, sub_number, line, phase, now, schedule):
    shipped = phase in (SHIPPED, DELIVERED)
    backordered = phase == BACKORDERED
    return {
        "subOrderNumber": sub_number,
        "ingramOrderLineNumber": line.number,
        "customerLineNumber": line.customer_number,
        "lineStatus": LINE_STATUS[phase],
        "ingramPartNumber": line.part_number,
        "vendorPartNumber": line.part["vendorPartNumber"],
        "vendorName": line.part["vendorName"],
        "partDescription": line.part["description"],
        "unitPrice": money(line.unit_price),
        "extendedPrice": money(line.total),
        "taxAmount": 0.0,
        "currencyCode": "USD",
        "quantityOrdered": line.quantity,
        "quantityConfirmed": 0 if backordered or phase == CANCELLED else line.quantity,
        "quantityBackOrdered": line.quantity if backordered else 0,
        "specialBidNumber": line.special_bid,
        "promisedDeliveryDate": day(schedule[1]) if phase != CANCELLED else None,
        "backOrderETADate": day(schedule[0]) if backordered else None,
        "lineNotes": line.notes,
        "shipmentDetails": (shipment(order, sub_number, line, phase, now, schedule)
                            if phase not in (HOLD, CANCELLED) else []),
        "additionalAttributes": [],
        "links": [link(sub_number, "invoices")] if shipped else [],
    }


# simulateStatus value -> phase per sub-order index (0 = first sub-order).
def simulated_phase(simulate, index):
    if simulate == "IM::HOLD":
        return HOLD
    if simulate in ("IM::SHIPPED", "IM::INVOICED"):
        return SHIPPED
    if simulate == "IM::PARTIALLY_SHIPPED":
        return SHIPPED if index == 0 else PROCESSING
    return None


def detail(order, now, sub=None, simulate=None):
    lines_out, phases = [], []
    for index, (sub_number, lines) in enumerate(order.sub_orders()):
        if sub is not None and sub_number != sub:
            continue
        phase = simulated_phase(simulate, index) or order.phase_of(sub_number, now, lines)
        if order.released_at is not None:
            ship_at, deliver_at, _ = order.schedule(sub_number, lines)
        else:
            ship_at = now + 2 * 3600
            deliver_at = ship_at + 48 * 3600
        if simulate:
            ship_at, deliver_at = min(ship_at, now), max(deliver_at, now + 3600)
        phases.append(phase)
        for line in lines:
            lines_out.append(detail_line(order, sub_number, line, phase, now,
                                         (ship_at, deliver_at)))
    header = header_phase(phases) if phases else order.phase_of(None, now)
    total = round(sum(li["extendedPrice"] for li in lines_out), 2)
    return {
        "ingramOrderNumber": order.number,
        "ingramOrderDate": iso(order.created),
        "orderType": "S",
        "customerOrderNumber": order.customer_order_number,
        "endCustomerOrderNumber": order.end_customer_order_number,
        "vendorSalesOrderNumber": None,
        "ingramPurchaseOrderNumber": order.customer_order_number,
        "orderStatus": DETAIL_STATUS[header],
        "orderTotal": total,
        "orderSubTotal": total,
        "freightCharges": 0.0,
        "currencyCode": "USD",
        "totalWeight": 0.0,
        "totalTax": 0.0,
        "totalFees": 0.0,
        "paymentTerms": "Net 30 days",
        "notes": order.notes,
        "billToInfo": {"companyName": "EMULATED RESELLER", "addressLine1": "1 EMULATOR WAY",
                       "city": "IRVINE", "state": "CA", "postalCode": "92612",
                       "countryCode": "US"},
        "shipToInfo": {k: v for k, v in ship_to(order).items()
                       if k in DETAIL_ADDRESS_FIELDS},
        "endUserInfo": {k: v for k, v in order.end_user.items() if k in DETAIL_ADDRESS_FIELDS},
        "lines": lines_out,
        "miscellaneousCharges": [],
        "additionalAttributes": [],
    }


DETAIL_ADDRESS_FIELDS = ("contact", "companyName", "addressLine1", "addressLine2",
                         "addressLine3", "city", "state", "postalCode", "countryCode",
                         "phoneNumber", "email")


# -- search ------------------------------------------------------------------------------

def search_row(order, now, phases=None):
    subs = order.sub_orders()
    if phases is None:
        phases = [order.phase_of(s, now, ls) for s, ls in subs]
    if all(p == CANCELLED for p in phases):
        status = "CANCELLED"
    elif all(p == DELIVERED for p in phases):
        status = "CLOSED"
    else:
        status = "OPEN"
    vendors = sorted({line.part["vendorName"] for line in order.lines})
    row = {
        "ingramOrderNumber": order.number,
        "ingramOrderDate": iso(order.created),
        "customerOrderNumber": order.customer_order_number,
        "vendorSalesOrderNumber": None,
        "vendorName": vendors[0] if len(vendors) == 1 else ("MULTIPLE" if vendors else None),
        "endUserCompanyName": order.end_user.get("companyName"),
        "orderTotal": order.total,
        "orderStatus": status,
        "subOrders": [{"subOrderNumber": sub,
                       "subOrderTotal": round(sum(li.total for li in lines), 2),
                       "subOrderStatus": SEARCH_STATUS[phase],
                       "links": [link(sub)]}
                      for (sub, lines), phase in zip(subs, phases)],
        "links": link(order.number),
    }
    # Values as messy as production's (strings for numbers, nulls), set by a test.
    row.update(order.search_overrides)
    return row


# -- modify ------------------------------------------------------------------------------

def modify_line(order, line):
    return {"subOrderNumber": order.sub_number(line), "ingramLineNumber": line.number,
            "customerLineNumber": line.customer_number, "ingramPartNumber": line.part_number,
            "vendorPartNumber": line.part["vendorPartNumber"],
            "quantityOrdered": line.quantity, "quantityConfirmed": line.quantity,
            "quantityBackOrdered": 0, "shipmentDetails": dict(CARRIER),
            "additionalAttributes": [], "notes": line.notes}


def modify_response(order, status, changed, rejected, description):
    return {
        "ingramOrderNumber": order.number,
        "changeDescription": description,
        "orderModifiedDate": iso(order.modified_at or order.created),
        "customerOrderNumber": order.customer_order_number,
        "endCustomerOrderNumber": order.end_customer_order_number,
        "orderTotal": order.total,
        "notes": order.notes,
        "orderSubTotal": order.total,
        "freightCharges": 0.0,
        "totalTax": 0.0,
        "orderStatus": status,
        "billToAddressId": order.bill_to_address_id or "000",
        "shipToInfo": {k: v for k, v in ship_to(order).items()
                       if k in DETAIL_ADDRESS_FIELDS + ("addressId",)},
        "lines": [modify_line(order, line) for line in changed],
        "rejectedLineItems": rejected,
        "additionalAttributes": [],
    }
