from ingram_lib.core import checks
from ingram_lib.action import IngramAction
from ingram_lib.core.errors import ParameterError
from ingram_lib.marketplace.orders import OrderDesk

ALIGNMENTS = ("CO_TERM_ON_SUBSCRIPTION", "MATCH_END_OF_CALENDAR_MONTH",
              "CO_TERM_PARTIAL_UPGRADE")


def alignment(value, order_type):
    """``alignExpirationDate``: which subscription (or month end) new terms end with."""
    if value is None:
        return None
    name = "alignExpirationDate"
    if not isinstance(value, dict):
        raise ParameterError(name, "must be an object such as {\"alignmentType\": "
                             "\"CO_TERM_ON_SUBSCRIPTION\", \"subscriptionId\": \"1000201\"}")
    unknown = set(value) - {"alignmentType", "subscriptionId"}
    if unknown:
        raise ParameterError(name, "unknown field(s) %s; only alignmentType and "
                             "subscriptionId" % ", ".join(sorted(unknown)))
    kind = value.get("alignmentType")
    if kind not in ALIGNMENTS:
        raise ParameterError(name, "alignmentType must be one of %s" % ", ".join(ALIGNMENTS))
    if kind == "CO_TERM_ON_SUBSCRIPTION" and not value.get("subscriptionId"):
        raise ParameterError(name, "CO_TERM_ON_SUBSCRIPTION needs the subscriptionId to "
                             "end with")
    allowed = ("change",) if kind == "CO_TERM_PARTIAL_UPGRADE" else ("sales", "migration")
    if order_type not in allowed:
        raise ParameterError(name, "%s applies to %s orders, not %s" % (
            kind, " and ".join(allowed), order_type))
    out = {"alignmentType": kind}
    if value.get("subscriptionId"):
        out["subscriptionId"] = str(checks.text(name, value["subscriptionId"], 40))
    return out


class CreateOrder(IngramAction):
    WRITE_LOOKUP = ("poNumber", "customerId")

    def run(self, customerId, account="default", type="sales", products=None, poNumber=None,
            subscriptionId=None, attributes=None, alignExpirationDate=None,
            placementType=None, autorenewal=None, startDate=None, migrationDate=None,
            expirationDate=None, migrationProgram=None, order_fields=None, dry_run=False):
        fields = checks.compact({
            "type": type, "customerId": customerId, "products": products,
            "poNumber": poNumber, "subscriptionId": subscriptionId,
            "attributes": attributes,
            "alignExpirationDate": alignment(alignExpirationDate, type),
            "placementType": checks.text("placementType", placementType, 40),
            "autorenewal": autorenewal, "startDate": checks.date("startDate", startDate),
            "migrationDate": checks.date("migrationDate", migrationDate),
            "expirationDate": checks.date("expirationDate", expirationDate),
            "migrationProgram": checks.text("migrationProgram", migrationProgram, 200)})
        body = dict(order_fields or {})
        # A field given both ways must agree: order_fields used to be overwritten silently
        # (a "type": "migration" in it became a sales order).
        for name, value in fields.items():
            if name in body and body[name] != value:
                raise ParameterError("order_fields", "%s is also a parameter of its own (%r); "
                                     "give it once" % (name, value))
        body.update(fields)
        migration = [n for n in ("autorenewal", "startDate", "migrationDate",
                                 "expirationDate", "migrationProgram") if n in fields]
        if migration and type != "migration":
            raise ParameterError(migration[0], "belongs to migration orders (type=migration)")
        if type in ("sales", "migration") and not products:
            raise ParameterError("products", "a %s order needs products" % type)
        if migration and fields.get("startDate") and fields.get("expirationDate") and \
                fields["startDate"] >= fields["expirationDate"]:
            raise ParameterError("expirationDate", "must be after startDate")
        return OrderDesk(self.marketplace(account), self.config).place(body, dry_run)
