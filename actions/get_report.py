from ingram_lib.action import IngramAction


class GetReport(IngramAction):
    def run(self, reportId, account="default"):
        client = self.marketplace(account)
        return self.call(lambda: client.get(client.path("/reports/{reportId}",
                                                        reportId=reportId)))
