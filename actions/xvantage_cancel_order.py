from ingram_lib import checks
from ingram_lib import xvantage_requests as req
from ingram_lib.action import IngramAction


class XvantageCancelOrder(IngramAction):
    def run(self, ingramOrderNumber, account="default", regionCode=None):
        def work():
            number = req.order_number(ingramOrderNumber)
            return self.xvantage(account).cancel_order(
                number, checks.compact({"regionCode": regionCode}))
        return self.call(work)
