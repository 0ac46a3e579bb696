from ingram_lib.action import IngramAction
from ingram_lib.orders import OrderDesk


class ValidateActivationParameters(IngramAction):
    def run(self, customerId, products, account="default", type="sales", phase="validation",
            fail_on_invalid=False):
        ok, result = self.call(lambda: OrderDesk(self.marketplace(account), self.config)
                               .validate(customerId, products, type, phase))
        if ok and fail_on_invalid and not result["valid"]:
            result = dict(result, error="invalid_parameters",
                          message="; ".join(result["problems"]))
            return False, result
        return ok, result
