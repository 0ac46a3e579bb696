from ingram_lib.action import IngramAction
from ingram_lib.marketplace.subscriptions import price_updates


class UpdateSubscriptionSpecialPricing(IngramAction):
    WRITE_LOOKUP = ("subscriptionId",)

    def run(self, subscriptionId, products, account="default"):
        body = {"products": price_updates(products, required=True)}
        client = self.marketplace(account)
        path = client.path("/subscriptions/{subscriptionId}/specialPricing",
                           subscriptionId=subscriptionId)
        # Setting prices to given values: repeating the request is harmless.
        return client.expect("object", client.post(path, body, idempotent=True), path, "POST")
