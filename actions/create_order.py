from ingram_lib import checks
from ingram_lib.action import IngramAction
from ingram_lib.errors import ParameterError
from ingram_lib.orders import OrderDesk


class CreateOrder(IngramAction):
    WRITE_LOOKUP = ("poNumber", "customerId")

    def run(self, customerId, account="default", type="sales", products=None, poNumber=None,
            subscriptionId=None, attributes=None, order_fields=None, dry_run=False):
        body = dict(order_fields or {})
        body.update(checks.compact({
            "type": type, "customerId": customerId, "products": products,
            "poNumber": poNumber, "subscriptionId": subscriptionId,
            "attributes": attributes}))
        if type == "sales" and not products:
            raise ParameterError("products", "a sales order needs products")
        return OrderDesk(self.marketplace(account), self.config).place(body, dry_run)
