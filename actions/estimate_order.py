from ingram_lib.core import checks
from ingram_lib.action import IngramAction


class EstimateOrder(IngramAction):
    def run(self, customerId, products, account="default", type="sales", subscriptionId=None,
            order_fields=None):
        checks.required("customerId", customerId)
        body = dict(order_fields or {})
        body.update(checks.compact({"type": type, "customerId": customerId,
                                    "products": products, "subscriptionId": subscriptionId}))
        client = self.marketplace(account)
        # A price estimate changes nothing: safe to repeat, and not a write.
        answer = client.post("/orders/estimate", body, idempotent=True, read=True)
        return client.expect("object", answer, "/orders/estimate", "POST", what="estimate")
