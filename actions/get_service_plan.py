from ingram_lib.action import IngramAction


class GetServicePlan(IngramAction):
    def run(self, planId, account="default"):
        client = self.marketplace(account)
        return self.call(lambda: client.get(client.path("/plans/{planId}", planId=planId)))
