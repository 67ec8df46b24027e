"""The blank household list a clerk hands to the village (UW-3, UW-10): every column the
import reads, under the names counties use, with the ID and account columns stored as
text so that Excel cannot turn an 18-digit ID into a rounded number."""

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from underwriting.models import Policy

SUBSIDY_GROUP = "财政补贴"
# (header, group header above it or None, width, stored as text)
COLUMNS = [
    ("序号", None, 6, False),
    ("姓名", None, 10, False),
    ("身份证号/统一社会信用代码", None, 22, True),
    ("联系电话", None, 14, True),
    ("村组", None, 12, False),
    ("地块", None, 10, False),
    ("林权证号", None, 12, True),
    ("耳标号", None, 12, True),
    ("标的名称", None, 10, False),
    ("投保数量", None, 10, False),
    ("单位", None, 6, False),
    ("标的状况", None, 8, False),
    ("总保费", None, 10, False),
    ("农户自缴", None, 10, False),
    ("中央", SUBSIDY_GROUP, 9, False),
    ("省级", SUBSIDY_GROUP, 9, False),
    ("市级", SUBSIDY_GROUP, 9, False),
    ("县级", SUBSIDY_GROUP, 9, False),
    ("银行账号", None, 22, True),
    ("开户行", None, 12, False),
    ("签字", None, 10, False),
]
FIRST_DATA_ROW = 4


def household_list_template(*, policy: Policy, rows: list[list] | None = None) -> bytes:
    """An xlsx with a title row, a two-row header (财政补贴 over the four levels) and
    `rows` (values in COLUMNS order) if given; blank lines to fill in otherwise."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "分户清单"
    title = f"{policy.organiser}{policy.season}{policy.product.name}分户标的投保清单"
    sheet.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    group_columns = [i for i, column in enumerate(COLUMNS, 1) if column[1]]
    for index, (header, group, width, as_text) in enumerate(COLUMNS, 1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = width
        if group:
            sheet.cell(row=3, column=index, value=header)
        else:
            sheet.cell(row=2, column=index, value=header)
            sheet.merge_cells(start_row=2, start_column=index, end_row=3, end_column=index)
        for row in range(FIRST_DATA_ROW, FIRST_DATA_ROW + max(len(rows or []), 50)):
            if as_text:
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.cell(row=2, column=group_columns[0], value=SUBSIDY_GROUP)
    sheet.merge_cells(
        start_row=2, start_column=group_columns[0], end_row=2, end_column=group_columns[-1]
    )
    for row in sheet.iter_rows(min_row=2, max_row=3):
        for cell in row:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for offset, values in enumerate(rows or []):
        for index, value in enumerate(values, 1):
            sheet.cell(row=FIRST_DATA_ROW + offset, column=index, value=value)
    sheet.freeze_panes = sheet.cell(row=FIRST_DATA_ROW, column=3)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
