"""Where the header of a household list is, and which column holds which field (UW-3).

County templates differ: up to two title rows above the header, a header of one row or
of two (a group label such as 财政补贴 merged over 中央/省级/市级/县级 in the row below),
columns in any order under many names, and the unit sometimes in the header
("面积(亩)"). In openpyxl's read-only mode a merged cell reads as None except its
top-left cell, so a group label is carried right over the empty cells it spans.

Labels are compared after NFKC (full-width to half-width), without whitespace, line
breaks or the "*" that marks required columns, and without a trailing "(…)" (which
may name the unit).
"""

import re
import unicodedata
from dataclasses import dataclass

from underwriting.premiums import LEVELS

# Up to two title rows above the header.
MAX_TITLE_ROWS = 2
# How many leading rows header detection needs: titles, two header rows, one data row.
LOOKAHEAD_ROWS = MAX_TITLE_ROWS + 3
# A header row names at least this many known fields.
MIN_FIELDS = 3

SYNONYMS: dict[str, tuple[str, ...]] = {
    # Earlier names win when a sheet has two candidates for one field (姓名 before 户名,
    # which some templates use for the bank account holder).
    "seq": ("序号", "编号"),
    "name": (
        "姓名",
        "被保险人",
        "被保险人姓名",
        "农户姓名",
        "户主姓名",
        "户主",
        "单位名称",
        "投保人姓名",
        "户名",
    ),
    "id_number": (
        "身份证号",
        "身份证号码",
        "证件号码",
        "证件号",
        "身份证",
        "统一社会信用代码",
        "身份证号/统一社会信用代码",
        "证件号码/统一社会信用代码",
    ),
    "phone": ("联系电话", "电话", "手机号", "手机号码", "电话号码", "联系方式"),
    "subject_type": ("标的名称", "标的种类", "标的类型", "作物", "作物名称", "品种"),
    "quantity": (
        "投保数量",
        "数量",
        "投保面积",
        "面积",
        "头数",
        "株数",
        "投保头数",
        "投保株数",
        "承保数量",
        "承保面积",
        "保险数量",
        "保险面积",
    ),
    "unit": ("单位", "计量单位"),
    "village_group": ("村组", "所在村组", "地址", "村民小组", "所在村", "住址"),
    "plot": ("地块", "地块编号", "地块名称", "地块位置"),
    "forest_certificate": ("林权证号", "林权证", "林权证编号"),
    "subject_tag": ("耳标号", "批次号", "标的识别码", "耳标", "耳标号码"),
    "premium": (
        "总保费",
        "保费合计",
        "应缴保费",
        "保费总额",
        "保险费合计",
        "总保险费",
        "保费",
        "保险费",
        "保费金额",
    ),
    "farmer_share": (
        "农户自缴",
        "农户自交",
        "自缴保费",
        "农户自缴保费",
        "农户自交保费",
        "农户承担",
        "农户缴费",
        "个人自缴",
    ),
    "bank_account": (
        "银行账号",
        "一卡通",
        "一卡通账号",
        "卡号",
        "银行卡号",
        "存折号",
        "账号",
        "银行账户",
    ),
    "bank_name": ("开户行", "开户银行", "开户行名称"),
    "condition": ("标的状况", "标的状态"),
    "signature": ("签字", "签名", "农户签字", "农户签名", "被保险人签字", "本人签字"),
    "proxy_authorisation": ("代签授权", "代签授权书", "授权委托书", "授权书编号", "委托书编号"),
    "subsidy_total": ("补贴合计", "财政补贴合计"),
}
_LEVEL_STEMS = {
    "central": ("中央",),
    "provincial": ("省", "省级"),
    "city": ("市", "市级"),
    "county": ("县", "县级", "县区", "县(区)"),
}
for _level, _stems in _LEVEL_STEMS.items():
    SYNONYMS[_level] = tuple(
        stem + suffix
        for stem in _stems
        for suffix in ("", "财政", "补贴", "财政补贴", "承担", "财政承担")
    )
assert set(_LEVEL_STEMS) == set(LEVELS)

# Group labels of a two-row header, and what their sub-labels mean beneath them.
SUBSIDY_GROUPS = {"财政补贴", "各级财政补贴", "政府补贴", "财政补贴保费", "补贴", "财政承担"}
PREMIUM_GROUPS = {"保费", "保险费", "保费金额", "保费构成", "应缴保费"}
_TOTAL_WORDS = {"合计", "小计", "总计", "总额", "金额"}
_FARMER_WORDS = {"农户", "个人", "农户自缴", "农户自交", "农户承担", "自缴"}

REQUIRED = ("name", "id_number", "quantity")
# How a missing required column is named to the clerk (the usual header of the field).
FIELD_LABELS = {"name": "姓名", "id_number": "身份证号", "quantity": "投保数量"}

_INDEX = {label: field for field, labels in SYNONYMS.items() for label in labels}
_KNOWN = set(_INDEX) | SUBSIDY_GROUPS | PREMIUM_GROUPS
_STRIP = re.compile(r"[\s*:：]+")
_TRAILING_PAREN = re.compile(r"^(.+?)\(([^()]*)\)$")
# A "(…)" after a label that is not a unit.
_NOT_UNITS = {"元", "人民币", "必填", "选填", "18位", "文本"}


@dataclass(frozen=True)
class Column:
    index: int
    label: str  # the header text as in the sheet, for messages


@dataclass(frozen=True)
class Header:
    columns: dict[str, Column]
    rows: tuple[int, ...]  # sheet row numbers (1-based) of the header
    quantity_unit: str  # unit named in the quantity header, "" if none

    @property
    def first_data_row(self) -> int:
        return self.rows[-1] + 1

    @property
    def width(self) -> int:
        return max(column.index for column in self.columns.values()) + 1

    def missing(self) -> list[str]:
        """The usual names of the required columns this header lacks."""
        return [FIELD_LABELS[field] for field in REQUIRED if field not in self.columns]


def normalise_label(value) -> tuple[str, str]:
    """(label, unit): the comparable form of a header cell and the unit in its "(…)"."""
    if value is None:
        return "", ""
    text = _STRIP.sub("", unicodedata.normalize("NFKC", str(value)))
    match = _TRAILING_PAREN.match(text)
    if match and match.group(1) in _KNOWN:
        inner = match.group(2)
        return match.group(1), "" if inner in _NOT_UNITS else inner
    return text, ""


def _field_of(label: str, group: str) -> str | None:
    if group in PREMIUM_GROUPS:
        if label in _TOTAL_WORDS:
            return "premium"
        if label in _FARMER_WORDS:
            return "farmer_share"
    if group in SUBSIDY_GROUPS and label in _TOTAL_WORDS:
        return "subsidy_total"
    return _INDEX.get(label)


def _is_sub_header(top: tuple, below: tuple) -> bool:
    """A second header row: below a row with known labels (not a title), text only, and
    at least one cell a known (sub-)label."""
    if not any(normalise_label(v)[0] in _KNOWN for v in top):
        return False
    if any(v is not None and not isinstance(v, str) for v in below):
        return False
    groups = _carried(top)
    return any(
        _field_of(normalise_label(v)[0], groups[i]) for i, v in enumerate(below) if v is not None
    )


def _carried(top: tuple) -> list[str]:
    """Each column's label in the top row, a merged label carried over the None cells it
    spans (read-only mode leaves them empty)."""
    labels, current = [], ""
    for value in top:
        if value is not None and str(value).strip():
            current = normalise_label(value)[0]
        labels.append(current)
    return labels


def _build(rows: list[tuple], start: int, two_rows: bool) -> Header:
    top = rows[start]
    below = rows[start + 1] if two_rows else ()
    groups = _carried(top)
    candidates: dict[str, tuple[int, int, str, str]] = {}  # field -> (rank, index, label, unit)
    for index in range(max(len(top), len(below))):
        sub = below[index] if index < len(below) else None
        cell = top[index] if index < len(top) else None
        if sub is not None and str(sub).strip():
            label, unit = normalise_label(sub)
            field = _field_of(label, groups[index] if index < len(groups) else "")
            shown = f"{groups[index]}/{sub}" if index < len(groups) and groups[index] else sub
        elif cell is not None and str(cell).strip():
            label, unit = normalise_label(cell)
            field, shown = _INDEX.get(label), cell
        else:
            continue
        if field is None:
            continue
        rank = SYNONYMS[field].index(label) if label in SYNONYMS[field] else 0
        best = candidates.get(field)
        if best is None or rank < best[0]:
            candidates[field] = (rank, index, str(shown).strip()[:40], unit)
    columns = {field: Column(index=c[1], label=c[2]) for field, c in candidates.items()}
    quantity_unit = candidates["quantity"][3] if "quantity" in candidates else ""
    numbers = (start + 1, start + 2) if two_rows else (start + 1,)
    return Header(columns=columns, rows=numbers, quantity_unit=quantity_unit)


def detect_header(rows: list[tuple]) -> Header | None:
    """The header among the first rows of a sheet (rows[0] is sheet row 1), or None.

    The header is the row, among the first MAX_TITLE_ROWS + 1, that names most known
    fields (with the row below it when that is a second header row).
    """
    best: Header | None = None
    for start in range(min(MAX_TITLE_ROWS + 1, len(rows))):
        two_rows = start + 1 < len(rows) and _is_sub_header(rows[start], rows[start + 1])
        header = _build(rows, start, two_rows)
        if len(header.columns) >= MIN_FIELDS and (
            best is None or len(header.columns) > len(best.columns)
        ):
            best = header
    return best
