"""CMP-8 exports: the per-complaint rows of a report as CSV or Excel, for the page and
the API alike. Every export is logged (REG-3) before the file is sent: the rows carry
complainants' names, masked, and never a phone number or an address."""

import csv
import datetime as dt
import tempfile
from collections.abc import Iterator

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponseBase, StreamingHttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from complaints.models import Complaint
from complaints.reports import (
    ReportRow,
    can_export_report,
    complaint_report_rows,
    report_complaints,
    report_period,
)
from core.audit import personal_data_logged
from core.models import OrgUnit, PersonalDataAccess, User

FORMATS = {"csv", "xlsx"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A cell starting with one of these is a formula to Excel: data must stay data.
FORMULA_PREFIXES = ("=", "+", "-", "@")


def export_headers() -> list[str]:
    return [
        _("Complaint number"),
        _("Received at"),
        _("Channel"),
        _("Topic"),
        _("Handled at"),
        _("Status"),
        _("First response (hours)"),
        _("Resolution (hours)"),
        _("Escalation steps"),
        _("Satisfaction"),
        _("Complainant"),
    ]


def _values(row: ReportRow) -> list:
    return [
        row.number,
        row.received_at.replace(tzinfo=None),  # Beijing time; Excel has no time zones
        row.channel,
        row.topic,
        row.org_unit,
        row.status,
        row.first_response_hours,
        row.resolution_hours,
        row.escalated_steps,
        row.satisfaction,
        row.complainant,
    ]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return str(value)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterator[ReportRow]) -> Iterator[str]:
    """UTF-8 CSV with a byte-order mark, so that Excel opens the Chinese text as such."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(export_headers())
    for row in rows:
        yield writer.writerow([_text(value) for value in _values(row)])


def write_xlsx(rows: Iterator[ReportRow], target) -> None:
    """One sheet, header in bold, streamed (openpyxl write-only): constant memory."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Complaints")[:31])
    for column, width in zip(
        "ABCDEFGHIJK", (22, 17, 12, 12, 24, 18, 12, 12, 10, 12, 10), strict=True
    ):
        sheet.column_dimensions[column].width = width
    bold = Font(bold=True)
    header = []
    for title in export_headers():
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        cells = []
        for value in _values(row):
            if isinstance(value, str):
                # Text stays text even when it starts with "=".
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"
                value = cell
            elif isinstance(value, dt.datetime):
                value = WriteOnlyCell(sheet, value=value)
                value.number_format = "yyyy-mm-dd hh:mm"
            cells.append(value)
        sheet.append(cells)
    workbook.save(target)


def complaint_export_response(
    *,
    user: User,
    fmt: str,
    date_from: dt.date | None,
    date_to: dt.date | None,
    org_unit: OrgUnit | None,
    ip_address: str | None,
) -> HttpResponseBase:
    """CMP-8: the report's complaints as a CSV or Excel download, logged (REG-3).
    PermissionDenied for roles without exports; ValidationError on a reversed period."""
    if not can_export_report(user=user):
        raise PermissionDenied(_("Your role sees the figures but cannot export complaints."))
    if fmt not in FORMATS:
        raise ValueError(fmt)
    date_from, date_to = report_period(date_from=date_from, date_to=date_to)
    complaints = report_complaints(
        user=user, date_from=date_from, date_to=date_to, org_unit=org_unit
    )
    personal_data_logged(
        user=user,
        action=PersonalDataAccess.Action.EXPORT,
        model=Complaint,
        fields=("complainant_name",),
        purpose=(
            f"CMP-8 complaint report {date_from:%Y-%m-%d}..{date_to:%Y-%m-%d}"
            f"{f' {org_unit.code}' if org_unit else ''} ({fmt}, names masked)"
        ),
        row_count=complaints.count(),
        ip_address=ip_address,
    )
    filename = f"complaints-{date_from:%Y%m%d}-{date_to:%Y%m%d}.{fmt}"
    rows = complaint_report_rows(complaints=complaints)
    if fmt == "csv":
        response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    # FileResponse closes the file once sent; a temporary file keeps memory flat.
    target = tempfile.TemporaryFile()  # noqa: SIM115
    write_xlsx(rows, target)
    target.seek(0)
    return FileResponse(target, as_attachment=True, filename=filename, content_type=XLSX_TYPE)
