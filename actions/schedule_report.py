from ingram_lib.action import IngramAction
from ingram_lib.marketplace.reports import report_body


class ScheduleReport(IngramAction):
    WRITE_LOOKUP = ("name", "startDate")

    def run(self, name, startDate, account="default", endDate=None, format="csv",
            customizationName=None):
        body = report_body(name, startDate, endDate, format, customizationName)
        client = self.marketplace(account)
        return client.expect("object", client.post("/reports", body), "/reports", "POST",
                             ("id",), what="report")
