from ingram_lib.action import IngramAction


class GetSubscription(IngramAction):
    def run(self, subscriptionId, account="default"):
        client = self.marketplace(account)
        return self.call(lambda: client.get(client.path("/subscriptions/{id}",
                                                        id=subscriptionId)))
