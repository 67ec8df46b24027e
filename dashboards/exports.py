"""A dashboard table as an Excel sheet, and the whole page as a PDF."""

import io
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from core.pdf import render_pdf
from dashboards.sections.base import Scope, Section, Table

MONEY_FORMAT = "#,##0.00"
SHEET_TITLE_MAX = 31  # Excel's limit


def table_xlsx(*, table: Table, scope: Scope) -> bytes:
    """Typed cells: counts and times as numbers, Decimal money with two decimals, text as
    text; a first row naming the unit and the period."""
    book = Workbook()
    sheet = book.active
    sheet.title = table.id[:SHEET_TITLE_MAX]
    sheet.append(
        [
            table.title,
            str(scope.unit),
            _("%(start)s to %(end)s")
            % {"start": scope.period.start.isoformat(), "end": scope.period.end.isoformat()},
        ]
    )
    sheet.append([str(column.label) for column in table.columns])
    for row in table.rows:
        values = []
        for column in table.columns:
            value = row.get(column.key)
            values.append(str(value) if value is not None and not column.numeric else value)
        sheet.append(values)
        for index, column in enumerate(table.columns, start=1):
            if isinstance(row.get(column.key), Decimal):
                sheet.cell(row=sheet.max_row, column=index).number_format = MONEY_FORMAT
    for index, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(
            12, min(40, len(str(column.label)) * 2)
        )
    sheet.freeze_panes = "A3"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def page_pdf(*, scope: Scope, sections: list[Section], title: str) -> bytes:
    """The page on A4 landscape, the charts inline as SVG."""
    context = {"title": title, "scope": scope, "sections": sections, "org_name": str(scope.unit)}
    return render_pdf(
        template_name="dashboards/pdf.html", context=context, base_url=str(settings.BASE_DIR)
    )
