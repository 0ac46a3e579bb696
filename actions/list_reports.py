from ingram_lib import checks
from ingram_lib.action import IngramAction

STATUSES = ("submitted", "processing", "error", "completed", "unknown")


class ListReports(IngramAction):
    def run(self, account="default", name=None, format=None, status=None, type=None,
            from_date=None, to_date=None, offset=0, limit=10, all_pages=False,
            max_items=1000):
        filters = {
            "name": name, "format": format, "type": type,
            "status": checks.one_of("status", checks.single_value("status", status),
                                    STATUSES),
            "from": checks.date("from_date", from_date),
            "to": checks.date("to_date", to_date)}
        return self.list_page(account, "/reports", filters, offset, limit, all_pages,
                              max_items)
