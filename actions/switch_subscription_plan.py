from ingram_lib.action import IngramAction
from ingram_lib.marketplace.nce import SubscriptionChanges


class SwitchSubscriptionPlan(IngramAction):
    WRITE_LOOKUP = ("subscriptionId", "poNumber")

    def run(self, subscriptionId, planId, account="default", subscriptionPeriod=None,
            upgradeStartType=None, scheduledOn=None, poNumber=None, dry_run=False):
        return SubscriptionChanges(self.marketplace(account), self.config).switch_plan(
            subscriptionId, planId, subscriptionPeriod, upgradeStartType, scheduledOn,
            poNumber, dry_run)
