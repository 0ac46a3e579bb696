from ingram_lib.marketplace import reports
from ingram_lib.action import IngramAction
from ingram_lib.core.errors import ReportFailed


class DownloadReport(IngramAction):
    WRITE_LOOKUP = ("name", "startDate")

    def run(self, name, startDate, account="default", endDate=None, format="csv",
            customizationName=None, parse=True, wait_seconds=540, poll_interval=5,
            max_bytes=10485760, content_base64=False):
        body = reports.report_body(name, startDate, endDate, format, customizationName)
        client = self.marketplace(account)
        report = client.expect("object", client.post("/reports", body), "/reports", "POST",
                               ("id",), what="report")
        report = reports.wait_for(client, report["id"], wait_seconds, poll_interval)
        if report.get("status") != "completed":
            raise ReportFailed(report)
        out = {"report": report, "downloadUrl": report.get("downloadUrl")}
        if parse and out["downloadUrl"]:
            out.update(reports.content(
                client.settings, out["downloadUrl"], report.get("format") or format,
                max_bytes, want_base64=content_base64, logger=self.logger))
        return out
