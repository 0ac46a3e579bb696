from ingram_lib.action import IngramAction
from ingram_lib.errors import ParameterError
from ingram_lib.reports import report_body


class ScheduleReport(IngramAction):
    def run(self, name, startDate, account="default", endDate=None, format="csv",
            customizationName=None):
        try:
            body = report_body(name, startDate, endDate, format, customizationName)
        except ParameterError as exc:
            return False, exc.to_dict()
        client = self.marketplace(account)
        return self.call(lambda: client.post("/reports", body))
