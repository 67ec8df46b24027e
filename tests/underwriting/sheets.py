"""Household-list workbooks and csv files as counties make them, for the import tests.

`county_sheet` builds the usual template: a title row, a two-row header with 财政补贴
merged over 中央/省级/市级/县级, one row per household and a 合计 row; every part can
be changed or left out.
"""

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from tests.underwriting.factories import resident_id
from underwriting.premiums import premium_for, split_premium

RICE_RATES = {
    "central": Decimal("0.45"),
    "provincial": Decimal("0.25"),
    "city": Decimal("0.05"),
    "county": Decimal("0.05"),
}
TOP = [
    "序号",
    "农户姓名",
    "身份证号码",
    "联系电话",
    "村组",
    "标的名称",
    "投保面积(亩)",
    "总保费",
    "农户自缴",
    "财政补贴",
    None,
    None,
    None,
    "银行账号",
    "开户行",
    "农户签字",
]
SUB = [None] * 9 + ["中央", "省级", "市级", "县级"] + [None] * 3


@dataclass
class Household:
    n: int
    quantity: object = Decimal("10")
    name: str = ""
    id_number: object = None
    phone: object = "13800138000"
    village: str = "东村一组"
    subject: str = "水稻"
    premium: object = None  # None: computed like the county does
    farmer_share: object = None
    bank_account: object = "6217000000000000123"
    bank_name: str = "农村信用社"
    signature: object = None
    extra: dict = field(default_factory=dict)

    def values(self) -> list:
        quantity = _decimal(self.quantity)
        premium = self.premium
        if premium is None and quantity is not None:
            premium = premium_for(
                quantity=quantity, sum_insured_per_unit=Decimal(1000), rate=Decimal("0.06")
            )
        split = split_premium(premium=premium, rates=RICE_RATES) if premium is not None else None
        return [
            self.n,
            self.name or f"农户{self.n}",
            resident_id(self.n) if self.id_number is None else self.id_number,
            self.phone,
            self.village,
            self.subject,
            _cell(self.quantity),
            _cell(premium),
            _cell(
                self.farmer_share
                if self.farmer_share is not None
                else (split.farmer_share if split else None)
            ),
            *[_cell(getattr(split, level)) if split else None for level in RICE_RATES],
            self.bank_account,
            self.bank_name,
            self.signature,
        ]


def _decimal(value) -> Decimal | None:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | float):
        return Decimal(str(value))
    return None


def _cell(value):
    """Amounts as Excel holds them: floats."""
    return float(value) if isinstance(value, Decimal) else value


def county_rows(
    households: list[Household],
    *,
    titles: tuple[str, ...] = ("东村2026年早稻种植保险分户投保清单",),
    totals: bool | list = True,
) -> list[list]:
    rows = [[title] for title in titles] + [list(TOP), list(SUB)]
    body = [h.values() for h in households]
    rows += body
    if totals is True:
        sums = [sum(_decimal(r[i]) or 0 for r in body) for i in (6, 7, 8)]
        rows.append(["合计", None, None, None, None, None, *map(float, sums)])
    elif totals:
        rows.append(totals)
    return rows


def xlsx_bytes(rows: list[list], *, merges: tuple[str, ...] = ()) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for cells in merges:
        sheet.merge_cells(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def county_sheet(households: list[Household], **options) -> bytes:
    """The county template as an xlsx workbook, header merges included."""
    titles = options.get("titles", ("东村2026年早稻种植保险分户投保清单",))
    top = len(titles) + 1
    merges = [f"J{top}:M{top}"] + [f"{col}{top}:{col}{top + 1}" for col in "ABCDEFGHINOP"]
    if titles:
        merges += [f"A{i}:P{i}" for i in range(1, len(titles) + 1)]
    return xlsx_bytes(county_rows(households, **options), merges=tuple(merges))


def csv_bytes(rows: list[list], *, encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue().encode(encoding)


def upload(content: bytes, name: str = "清单.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)
