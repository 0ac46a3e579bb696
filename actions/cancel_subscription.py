from ingram_lib.action import IngramAction
from ingram_lib.marketplace.nce import SubscriptionChanges


class CancelSubscription(IngramAction):
    WRITE_LOOKUP = ("subscriptionId", "poNumber")

    def run(self, subscriptionId, account="default", poNumber=None, at_term_end=False,
            dry_run=False):
        return SubscriptionChanges(self.marketplace(account), self.config).cancel(
            subscriptionId, poNumber, dry_run, at_term_end)
