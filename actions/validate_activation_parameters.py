from ingram_lib.action import IngramAction
from ingram_lib.core.errors import ActionFailed
from ingram_lib.marketplace.orders import OrderDesk


class ValidateActivationParameters(IngramAction):
    def run(self, customerId, products, account="default", type="sales", phase="validation",
            fail_on_invalid=False):
        result = OrderDesk(self.marketplace(account), self.config).validate(
            customerId, products, type, phase)
        if fail_on_invalid and not result["valid"]:
            raise ActionFailed("invalid_parameters", "; ".join(result["problems"]), result)
        return result
