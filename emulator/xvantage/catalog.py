"""The parts the emulator sells, and their stock. One catalog for every resource: orders,
product search and details, price and availability, vendor-required info, freight.

``warehouse`` decides the sub-order a line lands in (``-11``, ``-21``, ...), so an order
with parts from two warehouses splits and ships in two steps; it is also the warehouse whose
stock an order consumes when it is released (at once, or when a held order is released).
``backorder`` parts stay Backordered for ``BACKORDER_DELAY`` after release.

``stock`` is the opening quantity per warehouse; each emulator instance keeps its own
:class:`Stock` (see :func:`stock`), so orders placed through the API lower what price and
availability reports. ``subscription`` parts are licences sold for ``termMonths``; they are
digital, carry a plan (``planId``/``planName``/``groupName``) and ship no boxes.

``vmf`` / ``vri`` list the vendor-required fields of a part (``vendorrequiredinfo``):
``vmf`` for hardware and software (``vmfAdditionalAttributes``), ``vri`` for cloud
subscriptions (``vriAdditionalAttributes``). Names and descriptions are the spec's.
"""

import threading

# Vendor-required fields, as the spec's vendorrequiredinfo examples name them.
HEADER_ENDUSER = {"attributeName": "HEADER_ENDUSER", "attributeDescription": "HeaderEndUser"}
VEUD_AUTH = {"attributeName": "VEUD_AUTH_NBR_FLG",
             "attributeDescription": "Authorization Number"}
MS_DOMAIN = {"attributeName": "microsoft_domain", "attributeDescription": "Microsoft Domain Name",
             "attributeHint": "Up to 27 characters long"}
MS_FIRST_NAME = {"attributeName": "first_name_agreement",
                 "attributeDescription": "Customer first name for Agreement",
                 "attributeHint": "Please specify a valid Customer first name for the Agreement"}
MS_LAST_NAME = {"attributeName": "last_name_agreement",
                "attributeDescription": "Customer last name for Agreement",
                "attributeHint": "Please specify a valid Customer Last Name for the Agreement."}
MS_EMAIL = {"attributeName": "email_address_agreement", "attributeDescription": "Email Address",
            "attributeHint": ""}
MS_AGREEMENT_DATE = {"attributeName": "agreement_date",
                     "attributeDescription": "Microsoft Customer Agreement Date",
                     "attributeHint": "Please add the date when the Microsoft Customer "
                                      "Agreement was accepted. (MM-DD-YYYY)"}
MS_TIER1_MPN = {"attributeName": "tier1_mpn", "attributeDescription": "Microsoft Partner Number"}

PARTS = {
    "DF4128": {"vendorPartNumber": "920-008671", "vendorName": "LOGITECH",
               "description": "COMBO WAVE MK550 WRLS DESKTOP", "unitPrice": 61.22,
               "warehouse": "10", "vendorNumber": "6126", "upc": "097855070340",
               "category": "Input Devices", "subCategory": "Keyboard/Mouse Combos",
               "retailPrice": 79.99, "weight": 3.1, "stock": {"10": 120, "20": 35, "30": 0},
               "hasDiscounts": True},
    "2GZ200": {"vendorPartNumber": "SIP-T46S", "vendorName": "YEALINK",
               "description": "SIP-T46S IP PHONE", "unitPrice": 152.45, "warehouse": "10",
               "vendorNumber": "X871", "upc": "841526100359", "category": "Telephony",
               "subCategory": "IP Phones", "retailPrice": 189.0, "weight": 2.9,
               "stock": {"10": 40, "20": 12, "30": 8}},
    "1C6094": {"vendorPartNumber": "C13S041568", "vendorName": "EPSON",
               "description": "PREMIUM PHOTO PAPER GLOSSY", "unitPrice": 14.29,
               "warehouse": "10", "vendorNumber": "5830", "upc": "010343602847",
               "category": "Printer Supplies", "subCategory": "Paper", "retailPrice": 19.99,
               "weight": 1.2, "stock": {"10": 3, "20": 500, "30": 210}},
    "TXSLM3": {"vendorPartNumber": "SLM3-24", "vendorName": "TRIPP LITE",
               "description": "SURGE PROTECTOR 24 OUTLET", "unitPrice": 89.99,
               "warehouse": "20", "vendorNumber": "2L77", "upc": "037332135471",
               "category": "Power Protection", "subCategory": "Surge Suppressors",
               "retailPrice": 119.99, "weight": 6.5, "stock": {"10": 0, "20": 64, "30": 5}},
    "6YC337": {"vendorPartNumber": "MK2E3LL/A", "vendorName": "APPLE",
               "description": "IPAD 10.2 WI-FI 64GB", "unitPrice": 309.0, "warehouse": "20",
               "serialized": True, "vendorNumber": "A061", "upc": "194252515819",
               "category": "Computers", "subCategory": "Notebooks & Tablets",
               "retailPrice": 329.0, "weight": 1.9, "stock": {"10": 15, "20": 22, "30": 0},
               "endUserRequired": True, "vmf": [HEADER_ENDUSER]},
    "CD9807": {"vendorPartNumber": "NBX-9807", "vendorName": "LENOVO",
               "description": "THINKPAD E14 NOTEBOOK", "unitPrice": 849.5, "warehouse": "30",
               "serialized": True, "vendorNumber": "0000500082", "upc": "196119831243",
               "category": "Computers", "subCategory": "Notebooks & Tablets",
               "retailPrice": 999.0, "weight": 5.8, "stock": {"10": 6, "20": 0, "30": 18},
               "hasWarranty": True},
    "BO0001": {"vendorPartNumber": "BO-0001", "vendorName": "CISCO",
               "description": "CATALYST SWITCH (BACKORDERED)", "unitPrice": 1250.0,
               "warehouse": "30", "backorder": True, "serialized": True,
               "vendorNumber": "1234", "upc": "889728298543", "category": "Networking",
               "subCategory": "Switches", "retailPrice": 1599.0, "weight": 14.0,
               "stock": {"10": 0, "20": 0, "30": 0}, "onOrder": {"30": 40},
               "vmf": [VEUD_AUTH]},
    # Out of stock everywhere and not back-orderable: the part a careful order refuses.
    "EOL512": {"vendorPartNumber": "SSD-512-EOL", "vendorName": "HP",
               "description": "512GB SATA SSD (END OF LIFE)", "unitPrice": 58.4,
               "warehouse": "20", "backorder": True, "vendorNumber": "0207",
               "upc": "190781234512", "category": "Storage", "subCategory": "Solid State Drives",
               "retailPrice": 74.0, "weight": 0.4, "stock": {"10": 0, "20": 0, "30": 0},
               "discontinued": True, "acceptBackOrder": False},
    # Software sold on media: both vendor-required fields of the spec's example.
    "5DV320": {"vendorPartNumber": "WS1-EMM-STD", "vendorName": "OMNISSA WS1",
               "description": "WORKSPACE ONE EMM STANDARD", "unitPrice": 42.0,
               "warehouse": "10", "vendorNumber": "V440", "upc": "810041320011",
               "category": "Software", "subCategory": "Device Management",
               "retailPrice": 55.0, "weight": 0.1, "stock": {"10": 900, "20": 900, "30": 900},
               "endUserRequired": True, "vmf": [HEADER_ENDUSER, VEUD_AUTH]},
    # Licences: renewable subscriptions, fulfilled electronically.
    "MS365B": {"vendorPartNumber": "CFQ7TTC0LDPB:0001", "vendorName": "MICROSOFT",
               "description": "MICROSOFT 365 BUSINESS STANDARD 1 YEAR", "unitPrice": 150.0,
               "warehouse": "10", "vendorNumber": "8001", "upc": "",
               "category": "Software", "subCategory": "Cloud Productivity",
               "retailPrice": 150.0, "weight": 0.0,
               "stock": {"10": 100000, "20": 0, "30": 0},
               "subscription": True, "termMonths": 12, "planId": "438292",
               "planName": "Microsoft 365 Business Standard (NCE COM ANN)",
               "groupName": "NCE Microsoft 365 (Commercial)", "resourceId": "15613396",
               "vri": [MS_DOMAIN, MS_FIRST_NAME, MS_LAST_NAME, MS_EMAIL, MS_AGREEMENT_DATE]},
    "MSDEF2": {"vendorPartNumber": "CFQ7TTC0LFK5:0001", "vendorName": "MICROSOFT",
               "description": "MICROSOFT DEFENDER FOR ENDPOINT P2 1 YEAR", "unitPrice": 62.4,
               "warehouse": "10", "vendorNumber": "8001", "upc": "",
               "category": "Software", "subCategory": "Security",
               "retailPrice": 62.4, "weight": 0.0,
               "stock": {"10": 100000, "20": 0, "30": 0},
               "subscription": True, "termMonths": 12, "planId": "471490",
               "planName": "Microsoft Defender for Endpoint P2 (NCE COM ANN)",
               "groupName": "Microsoft Defender for Endpoint P2 (NCE COM MTH)",
               "resourceId": "15698812", "vri": [MS_TIER1_MPN, MS_EMAIL]},
}

WAREHOUSES = {"10": "Mira Loma, CA", "20": "Millington, TN", "30": "Carol Stream, IL"}

# Sub-order suffix per warehouse, in the API's -11/-21/-31 style.
SUB_SUFFIX = {"10": "11", "20": "21", "30": "31"}

# The parts ``orders.bulk_create`` draws from unless told otherwise: the hardware the
# emulator first sold, so bulk-created orders stay the same as the catalog grows.
BULK_PARTS = ("1C6094", "2GZ200", "6YC337", "BO0001", "CD9807", "DF4128", "TXSLM3")

BY_VENDOR_PART = {p["vendorPartNumber"].upper(): ipn for ipn, p in PARTS.items()}


def lookup(ingram_part=None, vendor_part=None):
    """``(ingramPartNumber, part)`` or ``(None, None)`` when the part is unknown."""
    if ingram_part:
        key = str(ingram_part).strip().upper()
        return (key, PARTS[key]) if key in PARTS else (None, None)
    if vendor_part:
        key = BY_VENDOR_PART.get(str(vendor_part).strip().upper())
        return (key, PARTS[key]) if key else (None, None)
    return None, None


def by_plan(plan_id=None, plan_name=None):
    """Subscription parts whose plan id / plan name (case-insensitive) match."""
    out = []
    for ipn, part in sorted(PARTS.items()):
        if not part.get("subscription"):
            continue
        if plan_id and str(plan_id).strip() != part["planId"]:
            continue
        if plan_name and str(plan_name).strip().lower() != part["planName"].lower():
            continue
        out.append((ipn, part))
    return out


class Stock(object):
    """Units on hand per part and warehouse, for one emulator instance."""

    def __init__(self):
        self._lock = threading.Lock()
        self._on_hand = {ipn: dict(part.get("stock") or {}) for ipn, part in PARTS.items()}
        # Units ordered but not on hand, per part and warehouse.
        self._backordered = {}
        # Called as ``listener(ingramPartNumber, units on hand)`` after a part's total
        # changed (the webhook emitter's stock updates).
        self.listeners = []

    def _notify(self, before):
        for ipn, total in sorted(before.items()):
            now = self.total(ipn)
            if now != total:
                for listener in list(self.listeners):
                    listener(ipn, now)

    def available(self, ipn, warehouse=None):
        with self._lock:
            levels = self._on_hand.get(ipn, {})
            if warehouse is not None:
                return levels.get(warehouse, 0)
            return dict(levels)

    def backordered(self, ipn):
        with self._lock:
            return dict(self._backordered.get(ipn, {}))

    def total(self, ipn):
        with self._lock:
            return sum(self._on_hand.get(ipn, {}).values())

    def set(self, ipn, warehouse, quantity):
        before = {ipn: self.total(ipn)}
        with self._lock:
            self._on_hand.setdefault(ipn, {})[warehouse] = max(0, int(quantity))
        self._notify(before)

    def consume(self, lines):
        """Takes the lines of a released order out of the warehouse each ships from; what
        is not on hand is back-ordered, never taken below zero."""
        before = {line.part_number: self.total(line.part_number) for line in lines}
        with self._lock:
            for line in lines:
                levels = self._on_hand.setdefault(line.part_number, {})
                have = levels.get(line.warehouse, 0)
                short = max(0, int(line.quantity) - have)
                levels[line.warehouse] = max(0, have - int(line.quantity))
                if short:
                    waiting = self._backordered.setdefault(line.part_number, {})
                    waiting[line.warehouse] = waiting.get(line.warehouse, 0) + short
        self._notify(before)


def stock(store):
    """The :class:`Stock` of the emulator instance that owns ``store``."""
    with store.lock:
        held = getattr(store, "catalog_stock", None)
        if held is None:
            held = store.catalog_stock = Stock()
        return held
