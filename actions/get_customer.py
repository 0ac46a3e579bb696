from ingram_lib.action import IngramAction


class GetCustomer(IngramAction):
    def run(self, customerId, account="default"):
        client = self.marketplace(account)
        path = "/customers/{customerId}"
        return self.call(lambda: client.get(client.path(path, customerId=customerId)))
