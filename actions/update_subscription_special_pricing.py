from ingram_lib.action import IngramAction
from ingram_lib.errors import ParameterError
from ingram_lib.subscriptions import price_updates


class UpdateSubscriptionSpecialPricing(IngramAction):
    def run(self, subscriptionId, products, account="default"):
        try:
            body = {"products": price_updates(products, required=True)}
        except ParameterError as exc:
            return False, exc.to_dict()
        client = self.marketplace(account)
        # Setting prices to given values: repeating the request is harmless.
        return self.call(lambda: client.post(
            client.path("/subscriptions/{id}/specialPricing", id=subscriptionId), body,
            idempotent=True))
