from ingram_lib import checks
from ingram_lib.action import IngramAction

STATUSES = ("submitted", "processing", "error", "completed", "cancelled")


class ListOrders(IngramAction):
    def run(self, account="default", customerId=None, subscriptionId=None, orderNumber=None,
            status=None, statusCode=None, creationTimeFrom=None, creationTimeTo=None,
            offset=0, limit=10, all_pages=False, max_items=1000):
        filters = {
            "customerId": customerId, "subscriptionId": subscriptionId,
            "orderNumber": orderNumber,
            "status": checks.one_of("status", checks.single_value("status", status),
                                    STATUSES),
            "statusCode": checks.single_value("statusCode", statusCode),
            "creationTimeFrom": checks.date_time("creationTimeFrom", creationTimeFrom),
            "creationTimeTo": checks.date_time("creationTimeTo", creationTimeTo)}
        return self.list_page(account, "/orders", filters, offset, limit, all_pages,
                              max_items)
