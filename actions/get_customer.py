from ingram_lib.action import IngramAction


class GetCustomer(IngramAction):
    def run(self, customerId, account="default"):
        return self.get_object(account, "/customers/{customerId}", "customer",
                               customerId=customerId)
