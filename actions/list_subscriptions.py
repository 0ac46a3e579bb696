from ingram_lib import checks
from ingram_lib.action import IngramAction

STATUSES = ("pending", "active", "hold", "terminated", "removed", "unknown")


class ListSubscriptions(IngramAction):
    def run(self, account="default", customerId=None, status=None, creationDateFrom=None,
            creationDateTo=None, offset=0, limit=10, all_pages=False, max_items=1000):
        filters = {
            "customerId": customerId,
            "status": checks.one_of("status", checks.single_value("status", status),
                                    STATUSES),
            "creationDateFrom": checks.date("creationDateFrom", creationDateFrom),
            "creationDateTo": checks.date("creationDateTo", creationDateTo)}
        return self.list_page(account, "/subscriptions", filters, offset, limit, all_pages,
                              max_items)
