from ingram_lib.action import IngramAction
from ingram_lib.orders import OrderDesk


class ChangeSubscriptionQuantity(IngramAction):
    WRITE_LOOKUP = ("subscriptionId", "poNumber")

    def run(self, subscriptionId, quantity, account="default", mpn=None, poNumber=None,
            dry_run=False):
        return OrderDesk(self.marketplace(account), self.config).change_quantity(
            subscriptionId, quantity, poNumber, dry_run, mpn)
