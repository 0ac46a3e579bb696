from ingram_lib import checks
from ingram_lib.action import IngramAction
from ingram_lib.errors import ParameterError


class UpdateOrder(IngramAction):
    def run(self, orderId, account="default", creditCheck=None, statusCode=None):
        body = checks.compact({"creditCheck": creditCheck, "statusCode": statusCode})
        if not body:
            return False, ParameterError("statusCode", "give creditCheck or statusCode").to_dict()
        client = self.marketplace(account)
        return self.call(lambda: client.patch(client.path("/orders/{id}", id=orderId), body))
