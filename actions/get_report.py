from ingram_lib.action import IngramAction


class GetReport(IngramAction):
    def run(self, reportId, account="default"):
        return self.get_object(account, "/reports/{reportId}", "report",
                               reportId=reportId)
