from ingram_lib import reports
from ingram_lib.action import IngramAction
from ingram_lib.errors import ParameterError, expect_object


class DownloadReport(IngramAction):
    def run(self, name, startDate, account="default", endDate=None, format="csv",
            customizationName=None, parse=True, wait_seconds=540, poll_interval=5,
            max_bytes=10485760, content_base64=False):
        try:
            body = reports.report_body(name, startDate, endDate, format, customizationName)
        except ParameterError as exc:
            return False, exc.to_dict()
        client = self.marketplace(account)

        def work():
            report = expect_object(client.post("/reports", body), "report", "/reports",
                                   ("id",), method="POST")
            report = reports.wait_for(client, report["id"], wait_seconds, poll_interval)
            if report.get("status") != "completed":
                raise reports.ReportFailed(report)
            out = {"report": report, "downloadUrl": report.get("downloadUrl")}
            if parse and out["downloadUrl"]:
                out.update(reports.content(
                    client.settings, out["downloadUrl"], report.get("format") or format,
                    max_bytes, want_base64=content_base64, logger=self.logger))
            return out
        return self.call(work)
