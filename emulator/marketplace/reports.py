"""Reports: ``GET/POST /reports`` and ``GET /reports/{reportId}`` (UUID ids).

``POST /reports`` schedules a ``onetime`` report: ``submitted``, then ``processing`` and
``completed`` as the emulator clock passes ``state.report_seconds``. A completed report has a
``downloadUrl`` that the emulator itself serves (no auth, like the real expiring blob URL):
the orders created in the report period, as CSV, JSON, XML or a one-sheet XLSX workbook.
A report name containing ``EMU-ERROR`` ends in ``error``.
"""

import csv
import datetime
import io
import json
import uuid
from xml.sax.saxutils import escape

from ..http import HttpError, Response
from . import xlsx
from .common import body_of, envelope, single

FORMATS = ("csv", "xml", "xlsx", "json")
TYPES = ("periodic", "daily", "monthly", "onetime", "on_invoice", "unknown")
STATUSES = ("submitted", "processing", "error", "completed", "unknown")
COLUMNS = ("orderNumber", "id", "type", "customerId", "status", "creationDate", "total")
REPORT_SECONDS = 20


def _iso(ts):
    return datetime.datetime.fromtimestamp(ts, tz=datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def _date_time(value, name, required=False):
    if value in (None, ""):
        if required:
            raise HttpError(400, "%s is required" % name)
        return None
    text = str(value).strip().replace(" ", "T")
    if len(text) == 10:
        text += "T00:00:00Z"
    try:
        parsed = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise HttpError(400, "%s must be a date-time such as 2024-01-31T00:00:00Z" % name)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed.timestamp()


def refresh(state, report):
    """Moves a report along by the clock; completion fixes its download URL."""
    if report["status"] in ("completed", "error"):
        return report
    age = state.clock.now() - report["_created"]
    duration = getattr(state, "report_seconds", REPORT_SECONDS)
    if age >= duration:
        if "EMU-ERROR" in report["name"]:
            report["status"] = "error"
        else:
            report["status"] = "completed"
            _publish(report)
    elif age >= duration / 2.0:
        report["status"] = "processing"
    return report


def _publish(report):
    report["_download"] = "/_emulator/marketplace/reports/%s/download.%s?se=%s" % (
        report["id"], report["format"],
        _iso(report["_created"] + 7 * 86400).replace(":", "%3A"))


def view(report, origin):
    out = {k: v for k, v in report.items() if not k.startswith("_")}
    if report.get("_download"):
        out["downloadUrl"] = origin + report["_download"]
    return out


def rows_of(state, report):
    from . import orders
    orders.process_due(state)  # the file shows order statuses as of now
    start = _date_time(report["startDate"], "startDate")
    end = _date_time(report.get("endDate"), "endDate") or report["_created"]
    out = []
    for order in state.orders.values():
        if start <= order["_created"] <= end:
            total = order.get("total") or {}
            out.append({"orderNumber": order["orderNumber"], "id": order["id"],
                        "type": order["type"], "customerId": order["customerId"],
                        "status": order["status"], "creationDate": order["creationDate"],
                        "total": total.get("amount", "")})
    return out


def content(state, report):
    rows = rows_of(state, report)
    if report["format"] == "xlsx":
        return xlsx.workbook(COLUMNS, rows), xlsx.CONTENT_TYPE
    if report["format"] == "json":
        return json.dumps(rows), "application/json"
    if report["format"] == "xml":
        items = "".join("<order>%s</order>" % "".join(
            "<%s>%s</%s>" % (k, escape(str(r[k])), k) for k in COLUMNS) for r in rows)
        return "<?xml version=\"1.0\"?><report>%s</report>" % items, "application/xml"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue(), "text/csv"


def create(state, body, report_type="onetime", created=None):
    name = body.get("name")
    if not name:
        raise HttpError(400, "name is required")
    _date_time(body.get("startDate"), "startDate", required=True)
    _date_time(body.get("endDate"), "endDate")
    fmt = body.get("format") or "csv"
    if fmt not in FORMATS:
        raise HttpError(400, "format must be one of %s" % ", ".join(FORMATS))
    now = state.clock.now() if created is None else created
    report = {"id": str(uuid.uuid4()), "name": name, "status": "submitted",
              "type": report_type, "format": fmt, "creationDate": _iso(now),
              "startDate": body["startDate"], "_created": now}
    for key in ("customizationName", "endDate"):
        if body.get(key):
            report[key] = body[key]
    state.reports.add(report)
    return report


def _origin(request):
    return "http://%s" % (request.headers.get("Host") or "127.0.0.1")


def register(router, state):
    def list_reports(request):
        status = single(request, "status")
        name, fmt, kind = request.arg("name"), request.arg("format"), request.arg("type")
        low = _date_time(request.arg("from"), "from")
        high = _date_time(request.arg("to"), "to")
        whole_day = high is not None and len(request.arg("to")) == 10

        def after_to(created):
            if whole_day:
                # Up to the next midnight: a report of 23:59:59.5 is of that day too.
                return created >= high + 86400
            return high is not None and created > high
        rows = []
        for report in state.reports.newest_first():
            refresh(state, report)
            if ((name and name.lower() not in report["name"].lower()) or
                    (fmt and report["format"] != fmt) or
                    (status and report["status"] != status) or
                    (kind and report["type"] != kind) or
                    (low is not None and report["_created"] < low) or
                    after_to(report["_created"])):
                continue
            rows.append(report)
        origin = _origin(request)
        return Response(200, envelope(rows, request, lambda r: view(r, origin)))

    def create_report(request):
        return Response(200, view(create(state, body_of(request)), _origin(request)))

    def get_report(request):
        report = state.reports.require(request.params["reportId"], "Report")
        return Response(200, view(refresh(state, report), _origin(request)))

    router.add("GET", "/reports", list_reports)
    router.add("POST", "/reports", create_report)
    router.add("GET", "/reports/{reportId}", get_report)


def seed(state):
    now = state.clock.now()
    for days, kind, name in ((30, "monthly", "Monthly billing report"),
                             (1, "daily", "Daily report")):
        start = _iso(now - days * 86400)
        report = create(state, {"name": name, "startDate": start, "format": "csv"}, kind,
                        created=now - 3600)
        report["status"] = "completed"
        _publish(report)


def register_controls(controls, state):
    def download(request, body):
        report = state.reports.get(request.params["reportId"])
        if report is None or report["status"] != "completed":
            return Response(404, "<Error><Code>BlobNotFound</Code></Error>",
                            content_type="application/xml")
        text, kind = content(state, report)
        return Response(200, text, content_type=kind)

    # The report's downloadUrl: served without auth, like the real expiring blob URL.
    controls.add("GET", "/reports/{reportId}/download.{format}", download)
