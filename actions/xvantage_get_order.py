from ingram_lib.core import checks
from ingram_lib.xvantage import orders as req
from ingram_lib.action import IngramAction


class XvantageGetOrder(IngramAction):
    def run(self, ingramOrderNumber, account="default", simulateStatus=None,
            ingramOrderDate=None, vendorNumber=None, isIml=None, regionCode=None):
        number = req.order_number(ingramOrderNumber)
        params = checks.compact({
            "simulateStatus": checks.one_of("simulateStatus", simulateStatus,
                                            req.SIMULATE_STATUSES),
            "ingramOrderDate": checks.date("ingramOrderDate", ingramOrderDate),
            "vendorNumber": checks.text("vendorNumber", vendorNumber), "isIml": isIml,
            "regionCode": checks.text("regionCode", regionCode)})
        return self.xvantage(account).get_order(number, params)
