"""The runs of the Xvantage catalog and document actions (and the order modes that look at
the catalog first) that ``test_python_runner_actions`` has StackStorm make: what each is
given and what its result, and the emulator, must then show.

A run is named by its action, or ``action:mode`` for a second run of one action. Runs go
side by side, so none depends on another's effect, except the follow-ups: they read what a
first run created (a return) and start once the first runs have ended.
"""

from emulator.xvantage import catalog, deals, documents, invoices, quotes, renewals, returns

SHIP_TO = {"companyName": "Contoso", "addressLine1": "1 Main St", "city": "Irvine",
           "state": "CA", "postalCode": "92612", "countryCode": "US"}
SHIP_FROM = {"companyName": "ABC TECH", "contact": "Stark", "addressLine1": "1 Main St",
             "city": "Lenexa", "state": "KS", "postalCode": "66219", "countryCode": "US",
             "email": "stark@example.com"}
RESELLER = {"contact": "Jane Buyer", "companyName": "Reseller Inc",
            "email": "jane@reseller.example"}
QUOTE_CONTACT = "buyer@reseller.example"
FREIGHT_CONTACT = "freight.st2@example.com"
RETURN_REFERENCE = "RMA-ST2-1"


def _store(emulator):
    return emulator.xvantage.store


def _invoice(emulator, customer_order_number):
    """The first invoice of a seeded order that has shipped."""
    now = emulator.clock.now()
    order = _store(emulator).by_customer_order_number(customer_order_number)[0]
    return invoices.invoices_of(order, now)[0]


def _ready_quote(emulator, vendor):
    return next(q for q in quotes.book(_store(emulator)).quotes.values()
                if q.status == quotes.READY and q.vendor == vendor)


def _journal(emulator, route):
    return [r for r in emulator.journal if r.route == route]


# -- checks --------------------------------------------------------------------------------

def _check_search_products(result, emulator):
    assert [r["ingramPartNumber"] for r in result["catalog"]] == ["6YC337", "CD9807"]
    # The API's "true"/"false" strings became booleans on the way.
    assert result["catalog"][0]["endUserRequired"] is True
    assert result["catalog"][0]["discontinued"] is False


def _check_get_product(result, emulator):
    assert result["ingramPartNumber"] == "EOL512"
    assert result["indicators"]["isBackOrderAllowed"] is False


def _check_find_product(result, emulator):
    assert result["ingramPartNumber"] == "DF4128"
    assert result["vendorPartNumber"] == catalog.PARTS["DF4128"]["vendorPartNumber"]


def _check_price_and_availability(result, emulator):
    mouse, surge, unknown = result["products"]
    # Stock moves as the orders of other runs are placed; prices do not.
    assert (mouse["customerPrice"], mouse["extendedPrice"]) == (61.22, 122.44)
    assert surge["ingramPartNumber"] == "TXSLM3" and surge["enoughStock"] is False
    assert unknown["found"] is False and result["notFound"] == ["NOPE99"]


def _check_vendor_required_info(result, emulator):
    software, licence = result["products"]
    assert software["required"] == ["HEADER_ENDUSER", "VEUD_AUTH_NBR_FLG"]
    assert "email_address_agreement" in licence["required"]


def _check_freight_estimate(result, emulator):
    assert result["distribution"] and result["grossAmount"] == round(
        result["totalNetAmount"] + result["totalFreightAmount"], 2)
    sent = [r.headers.get("IM-CustomerContact")
            for r in _journal(emulator, "/resellers/v6/freightestimate")]
    assert FREIGHT_CONTACT in sent


def _check_search_quotes(result, emulator):
    assert [q["quoteNumber"] for q in result["quotes"]] == [
        _ready_quote(emulator, "LOGITECH").number]


def _check_get_quote(result, emulator):
    quote = _ready_quote(emulator, "LOGITECH")
    assert result["quoteNumber"] == quote.number and result["status"] == quotes.READY
    assert result["extendedQuotePriceTotal"] == quote.total


def _check_validate_quote(result, emulator):
    quote = _ready_quote(emulator, "MICROSOFT")
    assert [line["ingramPartNumber"] for line in result["lines"]] == [
        ipn for ipn, _, _ in quote.products]


def _check_search_invoices(result, emulator):
    order = _store(emulator).by_customer_order_number("SEED-000002")[0]
    expected = {i.number for i in invoices.invoices_of(order, emulator.clock.now())}
    assert len(expected) == 2 and {i["invoiceNumber"] for i in result["invoices"]} == expected


def _check_get_invoice(result, emulator):
    invoice = _invoice(emulator, "SEED-000001")
    assert result["invoiceNumber"] == invoice.number
    assert "serialNumbers" in result["lines"][0]


def _check_search_renewals(result, emulator):
    dates = [r["expirationDate"] for r in result["renewals"]]
    assert dates and dates == sorted(dates, reverse=True)
    seeded = set(renewals.book(_store(emulator)).contracts)
    assert seeded <= {int(r["renewalId"]) for r in result["renewals"]}


def _check_get_renewal(result, emulator):
    renewal = renewals.book(_store(emulator)).contracts[4239002]
    assert result["renewalId"] == "4239002" and result["vendor"] == renewal.vendor


def _check_search_deals(result, emulator):
    assert {d["dealId"] for d in result["deals"]} == set(
        d.id for d in deals.book(_store(emulator)).deals.values())


def _check_get_deal(result, emulator):
    assert result["dealId"] == "DL-20417"
    assert result["products"][0]["ingramPartNumber"] == "CD9807"


def _check_create_return(result, emulator):
    case = returns.book(_store(emulator)).get(result["caseRequestNumber"])
    assert case is not None and case.reference == RETURN_REFERENCE and case.quantity == 1
    assert result["reconciled"] is False


def _check_get_return(result, emulator):
    case, = returns.book(_store(emulator)).cases.values()
    assert result["caseRequestNumber"] == case.number
    assert result["products"][0]["quantity"] == 1


def _check_search_returns(result, emulator):
    case, = returns.book(_store(emulator)).cases.values()
    assert [r["caseRequestNumber"] for r in result["returnsClaims"]] == [case.number]


def _check_dry_run(result, emulator):
    assert result["dryRun"] is True and result["passed"] is True
    assert result["lines"][0]["unitPrice"] == 61.22
    assert result["freight"]["distribution"]
    assert _store(emulator).by_customer_order_number("PO-ST2-DRY") == []


def _check_checked_order(result, emulator):
    assert result["check"]["passed"] is True and result["confirmationNumber"]
    assert len(_store(emulator).by_customer_order_number("PO-ST2-CHECK")) == 1


def cases(emulator):
    """run -> (parameters, check(result, emulator)), for the runs that go side by side."""
    invoice = _invoice(emulator, "SEED-000004")
    return {
        "xvantage_search_products": ({"keyword": ["notebook", "ipad"],
                                      "vendor": ["LENOVO", "APPLE"]}, _check_search_products),
        "xvantage_get_product": ({"ingramPartNumber": "EOL512"}, _check_get_product),
        "xvantage_find_product": ({"vendorPartNumber": "920-008671"}, _check_find_product),
        "xvantage_price_and_availability": (
            {"products": [{"ingramPartNumber": "DF4128", "quantity": 2},
                          {"vendorPartNumber": "SLM3-24", "quantity": 1000},
                          {"ingramPartNumber": "NOPE99"}]}, _check_price_and_availability),
        "xvantage_vendor_required_info": (
            {"products": [{"ingramPartNumber": "5DV320"}, {"planID": "438292"}]},
            _check_vendor_required_info),
        "xvantage_freight_estimate": (
            {"customerContact": FREIGHT_CONTACT, "shipToAddressId": "200",
             "lines": [{"ingramPartNumber": "DF4128", "quantity": 1},
                       {"ingramPartNumber": "CD9807", "quantity": 1, "carrierCode": "UG"}]},
            _check_freight_estimate),
        "xvantage_search_quotes": ({"customerContact": QUOTE_CONTACT, "vendorName": "LOGITECH"},
                                   _check_search_quotes),
        "xvantage_get_quote": ({"quoteNumber": _ready_quote(emulator, "LOGITECH").number},
                               _check_get_quote),
        "xvantage_validate_quote": ({"quoteNumber": _ready_quote(emulator, "MICROSOFT").number},
                                    _check_validate_quote),
        "xvantage_search_invoices": ({"customerOrderNumber": "SEED-000002"},
                                     _check_search_invoices),
        "xvantage_get_invoice": ({"invoiceNumber": _invoice(emulator, "SEED-000001").number,
                                  "includeSerialNumbers": True}, _check_get_invoice),
        "xvantage_search_renewals": ({"sort": "expirationDate,desc", "all_pages": True},
                                     _check_search_renewals),
        "xvantage_get_renewal": ({"renewalId": "4239002"}, _check_get_renewal),
        "xvantage_search_deals": ({"all_pages": True}, _check_search_deals),
        "xvantage_get_deal": ({"dealId": "DL-20417", "vendorName": "LENOVO"}, _check_get_deal),
        "xvantage_create_return": (
            {"invoiceNumber": invoice.number, "invoiceDate": documents.day(invoice.shipped_at),
             "ingramPartNumber": invoice.lines[0].part_number, "quantity": 1,
             "referenceNumber": RETURN_REFERENCE, "primaryReason": "Product is defective",
             "secondaryReason": "Does not power on", "shipFromInfo": SHIP_FROM},
            _check_create_return),
        "xvantage_create_order:dry_run": (
            {"customerOrderNumber": "PO-ST2-DRY", "shipToInfo": SHIP_TO,
             "resellerInfo": RESELLER, "dry_run": True,
             "lines": [{"customerLineNumber": "1", "ingramPartNumber": "DF4128",
                        "quantity": 2}]}, _check_dry_run),
        "xvantage_create_order_async:check": (
            {"customerOrderNumber": "PO-ST2-CHECK", "check": True, "max_unit_price": 900,
             "lines": [{"customerLineNumber": "1", "ingramPartNumber": "CD9807",
                        "quantity": 1}]}, _check_checked_order),
    }


def follow_ups(results):
    """run -> (parameters, check), for the runs that read what the first runs created;
    ``results`` maps each first run to its result."""
    case = results["xvantage_create_return"]["caseRequestNumber"]
    return {
        "xvantage_get_return": ({"caseRequestNumber": case}, _check_get_return),
        "xvantage_search_returns": ({"referenceNumber": RETURN_REFERENCE},
                                    _check_search_returns),
    }


FOLLOW_UPS = ("xvantage_get_return", "xvantage_search_returns")


def action_of(run):
    """The action a run (``action`` or ``action:mode``) runs."""
    return run.split(":")[0]
