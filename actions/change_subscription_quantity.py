from ingram_lib.action import IngramAction
from ingram_lib.marketplace.nce import SubscriptionChanges


class ChangeSubscriptionQuantity(IngramAction):
    WRITE_LOOKUP = ("subscriptionId", "poNumber")

    def run(self, subscriptionId, quantity, account="default", mpn=None, poNumber=None,
            scheduledOn=None, dry_run=False):
        return SubscriptionChanges(self.marketplace(account), self.config).change_quantity(
            subscriptionId, quantity, poNumber, dry_run, mpn, scheduledOn)
