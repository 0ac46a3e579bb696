from ingram_lib.core import checks
from ingram_lib.action import IngramAction
from ingram_lib.core.errors import ParameterError
from ingram_lib.marketplace.subscriptions import price_updates


class UpdateSubscription(IngramAction):
    WRITE_LOOKUP = ("subscriptionId",)

    def run(self, subscriptionId, account="default", renewalStatus=None, attributes=None,
            products=None):
        body = checks.compact({"renewalStatus": renewalStatus, "attributes": attributes,
                               "products": price_updates(products)})
        if not body:
            raise ParameterError("renewalStatus", "give renewalStatus, attributes or "
                                 "products (prices) to change")
        client = self.marketplace(account)
        path = client.path("/subscriptions/{subscriptionId}", subscriptionId=subscriptionId)
        return client.expect("object", client.patch(path, body), path, "PATCH", ("id",),
                             what="subscription")
