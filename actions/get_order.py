from ingram_lib.action import IngramAction


class GetOrder(IngramAction):
    def run(self, orderId, account="default"):
        return self.get_object(account, "/orders/{orderId}", "order",
                               orderId=orderId)
