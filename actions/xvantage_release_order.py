from ingram_lib.core import checks
from ingram_lib.xvantage import orders as req
from ingram_lib.action import IngramAction


class XvantageReleaseOrder(IngramAction):
    WRITE_LOOKUP = ("ingramOrderNumber",)

    def run(self, ingramOrderNumber, account="default", regionCode=None):
        number = req.order_number(ingramOrderNumber)
        return self.xvantage(account).release_order(
            number, checks.compact({"regionCode": checks.text("regionCode", regionCode)}))
