from ingram_lib.action import IngramAction


class GetSubscription(IngramAction):
    def run(self, subscriptionId, account="default"):
        return self.get_object(account, "/subscriptions/{subscriptionId}", "subscription",
                               subscriptionId=subscriptionId)
