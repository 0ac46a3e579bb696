from ingram_lib.action import IngramAction
from ingram_lib.marketplace.nce import SubscriptionChanges
from ingram_lib.marketplace.true_up import TrueUp


class TrueUpSubscription(IngramAction):
    WRITE_LOOKUP = ("subscriptionId", "poNumber")

    def run(self, subscriptionId, target_quantity, account="default", mpn=None,
            max_change=50, poNumber=None, dry_run=False):
        changes = SubscriptionChanges(self.marketplace(account), self.config)
        return TrueUp(changes).run(subscriptionId, target_quantity, mpn, max_change,
                                   dry_run, poNumber)
