"""The parts the emulator sells. Unknown part numbers are rejected (207 partial success).

``warehouse`` decides the sub-order a line lands in (``-11``, ``-21``, ...), so an order
with parts from two warehouses splits and ships in two steps. ``backorder`` parts stay
Backordered for ``BACKORDER_DELAY`` after release.
"""

PARTS = {
    "DF4128": {"vendorPartNumber": "920-008671", "vendorName": "LOGITECH",
               "description": "COMBO WAVE MK550 WRLS DESKTOP", "unitPrice": 61.22,
               "warehouse": "10"},
    "2GZ200": {"vendorPartNumber": "SIP-T46S", "vendorName": "YEALINK",
               "description": "SIP-T46S IP PHONE", "unitPrice": 152.45, "warehouse": "10"},
    "1C6094": {"vendorPartNumber": "C13S041568", "vendorName": "EPSON",
               "description": "PREMIUM PHOTO PAPER GLOSSY", "unitPrice": 14.29,
               "warehouse": "10"},
    "TXSLM3": {"vendorPartNumber": "SLM3-24", "vendorName": "TRIPP LITE",
               "description": "SURGE PROTECTOR 24 OUTLET", "unitPrice": 89.99,
               "warehouse": "20"},
    "6YC337": {"vendorPartNumber": "MK2E3LL/A", "vendorName": "APPLE",
               "description": "IPAD 10.2 WI-FI 64GB", "unitPrice": 309.0, "warehouse": "20",
               "serialized": True},
    "CD9807": {"vendorPartNumber": "NBX-9807", "vendorName": "LENOVO",
               "description": "THINKPAD E14 NOTEBOOK", "unitPrice": 849.5, "warehouse": "30",
               "serialized": True},
    "BO0001": {"vendorPartNumber": "BO-0001", "vendorName": "CISCO",
               "description": "CATALYST SWITCH (BACKORDERED)", "unitPrice": 1250.0,
               "warehouse": "30", "backorder": True, "serialized": True},
}

WAREHOUSES = {"10": "Mira Loma, CA", "20": "Millington, TN", "30": "Carol Stream, IL"}

# Sub-order suffix per warehouse, in the API's -11/-21/-31 style.
SUB_SUFFIX = {"10": "11", "20": "21", "30": "31"}

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
