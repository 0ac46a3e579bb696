"""One-time reports: schedule, wait for completion, fetch the file behind ``downloadUrl``.

The download URL is a pre-signed blob URL on another host, so it is fetched without the
Marketplace credentials (they must not leak to a storage host), through a transport of its
own that retries like any other idempotent GET.
"""

import base64
import csv
import io
import json
import time
from urllib.parse import urlsplit

from ..core import checks
from ..core.errors import ReportNotReady, ResponseTooLarge, expect_object
from ..core.http import RetryPolicy, Transport
from ..core.redact import Redactor

FINISHED = ("completed", "error")
PARSED_FORMATS = ("csv", "json")
# Larger xml would swell the st2 execution record; the URL serves it better.
XML_TEXT_LIMIT = 1024 * 1024


def wait_for(client, report_id, wait_seconds, poll_interval, clock=time.time,
             sleep=time.sleep, max_interval=60.0):
    started = clock()
    interval = poll_interval
    path = client.path("/reports/{reportId}", reportId=report_id)
    while True:
        report = expect_object(client.get(path), "report", path)
        if report.get("status") in FINISHED:
            return report
        left = started + wait_seconds - clock()
        if left <= 0:
            raise ReportNotReady(report, clock() - started)
        if getattr(client, "log", None) is not None:
            # One line per check: StackStorm shows it in the execution's output, the runner
            # on stderr.
            client.log.info("waiting for report %s: status %s, next check in %g s", report_id,
                            report.get("status"), round(min(interval, left), 1))
        sleep(min(interval, left))
        interval = min(interval * 1.5, max_interval)


def download(settings, url, max_bytes, logger=None):
    """The file's bytes (read as a stream, abandoned past ``max_bytes``) and content type."""
    # The URL's query string is its signature: keep it out of errors and logs.
    redactor = Redactor([urlsplit(url).query])
    if logger is not None:
        logger.info("downloading the report file from %s (at most %d bytes)",
                    urlsplit(url).netloc, max_bytes)
    transport = Transport("", settings.connect_timeout, settings.read_timeout,
                          retry=RetryPolicy(max_retries=settings.max_retries,
                                            max_wait=settings.max_retry_wait),
                          verify=settings.verify_ssl, redactor=redactor, logger=logger,
                          api="report-storage")
    try:
        return transport.download(url, max_bytes, headers={"Accept": "*/*"},
                                  what="the report file")
    finally:
        transport.close()


def parse(text, fmt):
    """Rows of a CSV file, or the decoded JSON; None for other formats."""
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(text)))
    if fmt == "json":
        return json.loads(text)
    return None


def content(settings, url, fmt, max_bytes, want_base64=False, logger=None):
    """What download_report returns about the file besides its URL.

    csv and json are parsed; xml comes back as text only while it is small; a binary
    format (xlsx) is never decoded as text: base64 when asked for, else just the URL.
    """
    if fmt in PARSED_FORMATS:
        data, _ = download(settings, url, max_bytes, logger)
        return {"content": parse(data.decode("utf-8-sig", "replace"), fmt)}
    if fmt == "xml":
        limit = min(max_bytes, XML_TEXT_LIMIT)
        try:
            data, _ = download(settings, url, limit, logger)
        except ResponseTooLarge:
            return {"note": "the xml file is larger than %d bytes; download it from "
                            "downloadUrl" % limit}
        return {"text": data.decode("utf-8", "replace")}
    if not want_base64:
        return {"note": "%s files are binary; download it from downloadUrl, or set "
                        "content_base64 to get it base64-encoded" % fmt}
    data, kind = download(settings, url, max_bytes, logger)
    return {"content_base64": base64.b64encode(data).decode("ascii"), "content_type": kind}


def report_body(name, start, end=None, fmt="csv", customization=None):
    body = {"name": checks.required("name", name),
            "startDate": checks.date_time("startDate", checks.required("startDate", start)),
            "format": fmt}
    if end:
        body["endDate"] = checks.date_time("endDate", end)
    if customization:
        body["customizationName"] = customization
    return body
