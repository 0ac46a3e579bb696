"""One-time reports: schedule, wait for completion, fetch the file behind ``downloadUrl``.

The download URL is a pre-signed blob URL on another host, so it is fetched without the
Marketplace credentials (they must not leak to a storage host), through a transport of its
own that retries like any other idempotent GET.
"""

import csv
import io
import json
import time

from . import checks
from .errors import ApiError, IngramMicroError
from .http import RetryPolicy, Transport

FINISHED = ("completed", "error")


class ReportNotReady(IngramMicroError):
    kind = "report_not_ready"

    def __init__(self, report, waited):
        self.report = report
        super().__init__("report %s is still '%s' after %.0f s; get_report can pick it up "
                         "later" % (report.get("id"), report.get("status"), waited))

    def to_dict(self):
        out = super().to_dict()
        out["report"] = self.report
        return out


class ReportFailed(IngramMicroError):
    kind = "report_failed"

    def __init__(self, report):
        self.report = report
        super().__init__("report %s ended in status '%s'" % (report.get("id"),
                                                             report.get("status")))

    def to_dict(self):
        out = super().to_dict()
        out["report"] = self.report
        return out


def wait_for(client, report_id, wait_seconds, poll_interval, clock=time.time,
             sleep=time.sleep, max_interval=60.0):
    started = clock()
    interval = poll_interval
    path = client.path("/reports/{reportId}", reportId=report_id)
    while True:
        report = client.get(path)
        if report.get("status") in FINISHED:
            return report
        left = started + wait_seconds - clock()
        if left <= 0:
            raise ReportNotReady(report, clock() - started)
        sleep(min(interval, left))
        interval = min(interval * 1.5, max_interval)


def download(settings, url, max_bytes, logger=None):
    """The file's text (at most ``max_bytes``) and its content type."""
    transport = Transport("", settings.connect_timeout, settings.read_timeout,
                          retry=RetryPolicy(max_retries=settings.max_retries,
                                            max_wait=settings.max_retry_wait),
                          verify=settings.verify_ssl, logger=logger, api="report-storage")
    try:
        response = transport.send("GET", url, headers={"Accept": "*/*"})
    finally:
        transport.close()
    if len(response.content) > max_bytes:
        raise ApiError(response.status_code, "report file is %d bytes, more than max_bytes=%d"
                       % (len(response.content), max_bytes), method="GET",
                       path="downloadUrl", api="report-storage")
    return response.text, response.headers.get("Content-Type", "")


def parse(text, fmt):
    """Rows of a CSV file, or the decoded JSON; other formats are returned as text."""
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(text)))
    if fmt == "json":
        return json.loads(text)
    return None


def report_body(name, start, end=None, fmt="csv", customization=None):
    body = {"name": checks.required("name", name),
            "startDate": checks.date_time("startDate", checks.required("startDate", start)),
            "format": fmt}
    if end:
        body["endDate"] = checks.date_time("endDate", end)
    if customization:
        body["customizationName"] = customization
    return body
