from ingram_lib.core import checks
from ingram_lib.xvantage import orders as req
from ingram_lib.action import IngramAction


class XvantageModifyOrder(IngramAction):
    WRITE_LOOKUP = ("ingramOrderNumber",)

    def run(self, ingramOrderNumber, account="default", lines=None, notes=None,
            shipToInfo=None, additionalAttributes=None, regionCode=None):
        number = req.order_number(ingramOrderNumber)
        body = req.modify_body(lines=lines, notes=notes, shipToInfo=shipToInfo,
                               additionalAttributes=additionalAttributes)
        return self.xvantage(account).modify_order(
            number, body, checks.compact({"regionCode": checks.text("regionCode", regionCode)}))
