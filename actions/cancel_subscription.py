from ingram_lib.action import IngramAction
from ingram_lib.orders import OrderDesk


class CancelSubscription(IngramAction):
    WRITE_LOOKUP = ("subscriptionId", "poNumber")

    def run(self, subscriptionId, account="default", poNumber=None, dry_run=False):
        return OrderDesk(self.marketplace(account), self.config).cancel(
            subscriptionId, poNumber, dry_run)
