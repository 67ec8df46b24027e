"""The validation report of an import as an Excel workbook the clerk can download.

Sheet 1 is the uploaded sheet as it was (title rows, header, every row) with one more
column, 错误/提示, listing beside each row that row's errors and warnings; sheet 2 lists
the issues of the whole list. Both the source and the issues are streamed (openpyxl
write-only), so a 50,000-row report takes constant memory.
"""

import itertools
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from underwriting.imports.headers import LOOKAHEAD_ROWS, detect_header
from underwriting.imports.reader import open_sheet, sniff
from underwriting.models import HouseholdList, ImportIssue

REPORT_COLUMN = "错误/提示"
_ERROR_FONT = Font(color="C00000", bold=True)
_WARNING_FONT = Font(color="9C5700")
_WRAP = Alignment(wrap_text=True, vertical="top")


def _label(severity: str) -> str:
    return str(ImportIssue.Severity(severity).label)


def _safe(sheet, value):
    """Text that starts with "=" stays text: a report must not turn data into formulas."""
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


@contextmanager
def build_report(*, household_list: HouseholdList) -> Iterator:
    """An open temporary file holding the report (UnreadableFile if the source cannot be
    read)."""
    workbook = Workbook(write_only=True)
    rows_sheet = workbook.create_sheet(title=_("Household list")[:31])
    list_sheet = workbook.create_sheet(title=_("Whole-list issues")[:31])
    with (
        household_list.source.open("rb") as source,
        open_sheet(source, sniff(source)) as sheet,
    ):
        head = list(itertools.islice(sheet.rows, LOOKAHEAD_ROWS))
        header = detect_header([values for _number, values in head])
        width = max((len(values) for _number, values in head), default=0)
        if header is not None:
            width = max(width, header.width)
        rows_sheet.column_dimensions[get_column_letter(width + 1)].width = 60
        label_row = header.rows[0] if header else None
        issues = (
            ImportIssue.objects.filter(household_list=household_list, row_number__isnull=False)
            .order_by("row_number", "pk")
            .values_list("row_number", "severity", "message")
            .iterator(chunk_size=2_000)
        )
        pending = next(issues, None)
        for number, values in itertools.chain(head, sheet.rows):
            messages, worst = [], None
            while pending is not None and pending[0] <= number:
                if pending[0] == number:
                    messages.append(f"[{_label(pending[1])}] {pending[2]}")
                    if worst != ImportIssue.Severity.ERROR:
                        worst = pending[1]
                pending = next(issues, None)
            cells = [_safe(rows_sheet, v) for v in values]
            cells += [None] * (width - len(cells))
            if number == label_row:
                cells.append(REPORT_COLUMN)
            elif messages:
                note = WriteOnlyCell(rows_sheet, value="\n".join(messages))
                note.font = _ERROR_FONT if worst == ImportIssue.Severity.ERROR else (_WARNING_FONT)
                note.alignment = _WRAP
                cells.append(note)
            rows_sheet.append(cells)
    list_sheet.column_dimensions["D"].width = 100
    list_sheet.append([_("Severity"), _("Code"), _("Column"), _("Message")])
    whole_list = ImportIssue.objects.filter(
        household_list=household_list, row_number__isnull=True
    ).order_by("pk")
    for issue in whole_list.iterator():
        list_sheet.append([_label(issue.severity), issue.code, issue.column, issue.message])
    with tempfile.TemporaryFile(suffix=".xlsx") as out:
        workbook.save(out)
        out.seek(0)
        yield out
