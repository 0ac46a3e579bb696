from ingram_lib import checks
from ingram_lib.action import IngramAction
from ingram_lib.errors import ParameterError
from ingram_lib.subscriptions import price_updates


class UpdateSubscription(IngramAction):
    def run(self, subscriptionId, account="default", renewalStatus=None, attributes=None,
            products=None):
        try:
            body = checks.compact({"renewalStatus": renewalStatus, "attributes": attributes,
                                   "products": price_updates(products)})
            if not body:
                raise ParameterError("renewalStatus", "give renewalStatus, attributes or "
                                     "products (prices) to change")
        except ParameterError as exc:
            return False, exc.to_dict()
        client = self.marketplace(account)
        return self.call(lambda: client.patch(
            client.path("/subscriptions/{id}", id=subscriptionId), body))
