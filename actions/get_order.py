from ingram_lib.action import IngramAction


class GetOrder(IngramAction):
    def run(self, orderId, account="default"):
        client = self.marketplace(account)
        return self.call(lambda: client.get(client.path("/orders/{id}", id=orderId)))
