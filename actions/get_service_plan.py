from ingram_lib.action import IngramAction


class GetServicePlan(IngramAction):
    def run(self, planId, account="default"):
        return self.get_object(account, "/plans/{planId}", "service plan",
                               planId=planId)
