from ingram_lib import checks, paths
from ingram_lib.action import IngramAction

STATUSES = ("submitted", "processing", "error", "completed", "cancelled")


class ListResellerOrders(IngramAction):
    def run(self, resellerId, account="default", customerId=None, subscriptionId=None,
            status=None, creationTimeFrom=None, creationTimeTo=None, offset=0, limit=10,
            all_pages=False, max_items=1000):
        path = paths.build("/resellers/{resellerId}/orders", resellerId=resellerId)
        filters = {
            "customerId": customerId, "subscriptionId": subscriptionId,
            "status": checks.one_of("status", checks.single_value("status", status),
                                    STATUSES),
            "creationTimeFrom": checks.date_time("creationTimeFrom", creationTimeFrom),
            "creationTimeTo": checks.date_time("creationTimeTo", creationTimeTo)}
        return self.list_page(account, path, filters, offset, limit, all_pages, max_items)
