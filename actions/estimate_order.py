from ingram_lib import checks
from ingram_lib.action import IngramAction


class EstimateOrder(IngramAction):
    def run(self, customerId, products, account="default", type="sales", subscriptionId=None,
            order_fields=None):
        body = dict(order_fields or {})
        body.update(checks.compact({"type": type, "customerId": customerId,
                                    "products": products, "subscriptionId": subscriptionId}))
        client = self.marketplace(account)
        return self.call(lambda: client.post("/orders/estimate", body, idempotent=True))
