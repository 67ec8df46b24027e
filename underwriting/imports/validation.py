"""Checking a household list one row at a time (UW-3, UW-4, UW-5, UW-7).

`RowChecker.check` parses one sheet row into an unsaved HouseholdRow (None when the row
has a blocking error) and the row's issues; it keeps only running totals, so a list of
50,000 rows is checked in constant memory. Checks that need the whole list (duplicates,
other policies, village capacity) run in SQL afterwards (services.imports).

Numbers never go through float: an xlsx number is converted with Decimal(str(value)),
and an ID number or long account number that Excel stored as a number is refused,
because Excel keeps only 15 significant digits and may already have changed it.
"""

import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from core.formats import plain_decimal
from underwriting.identity import IdentityError, identity_kind, normalise_identity
from underwriting.imports.headers import Header
from underwriting.models import HouseholdRow, ImportIssue, Product
from underwriting.premiums import LEVELS, RowAllocator, premium_for, to_cent

ERROR = ImportIssue.Severity.ERROR
WARNING = ImportIssue.Severity.WARNING

# UW-5: the verification flags a row can carry (stable codes, stored in HouseholdRow.flags).
LARGE_QUANTITY = "large_quantity"
OVER_CAPACITY = "over_capacity"
DAMAGED = "damaged"
EPIDEMIC_ZONE = "epidemic_zone"
PROXY_UNAUTHORISED = "proxy_unauthorised"
PHONE_FORMAT = "phone_format"
NO_BANK_ACCOUNT = "no_bank_account"
FLAGS = (
    LARGE_QUANTITY,
    OVER_CAPACITY,
    DAMAGED,
    EPIDEMIC_ZONE,
    PROXY_UNAUTHORISED,
    PHONE_FORMAT,
    NO_BANK_ACCOUNT,
)

QUANTUM = Decimal("0.0001")  # HouseholdRow.quantity has four decimals
QUANTITY_TOLERANCE = Decimal("0.01")
MAX_QUANTITY = Decimal(10) ** 10
SAFE_DIGITS = 15  # Excel keeps 15 significant digits of a number
TOTAL_WORDS = ("合计", "总计")
CONDITION_OK = {"正常", "良好", "健康", "完好"}
UNSIGNED_WORDS = {"未签", "未签字", "未签名"}

_NUMBER = re.compile(r"^([+-]?\d+(?:\.\d+)?)(\D*)$")
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:\.\d+)?[eE][+-]?\d+$")
_PHONE = re.compile(r"^(?:1[3-9]\d{9}|0\d{9,11}|\d{7,8})$")
_PHONE_NOISE = re.compile(r"[\s\-()]")
_PROXY = re.compile(r"^(.+?)\(?代签?\)?$")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Issue:
    severity: str
    code: str
    message: str
    row_number: int | None = None
    column: str = ""


def is_blank(values: tuple) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def text_of(value) -> str:
    """A cell as text: numbers without a spurious ".0", strings trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_number(value) -> tuple[Decimal, str]:
    """(number, unit written after it) of a cell such as 12.5, "12.5亩", "１２．５ 亩" or
    "1,200头"; ValueError if it is not a finite number."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float | Decimal):
        number, unit = Decimal(str(value)), ""
    else:
        text = _SPACES.sub("", unicodedata.normalize("NFKC", str(value))).replace(",", "")
        match = _NUMBER.match(text)
        if not match:
            raise ValueError(value)
        number, unit = Decimal(match.group(1)), match.group(2)
    if not number.is_finite():
        raise ValueError(value)
    return number, unit


@dataclass
class SheetTotals:
    """The totals row (合计) of the sheet: what the county says the rows add up to."""

    row_number: int
    quantity: Decimal | None
    premium: Decimal | None
    farmer_share: Decimal | None


class RowChecker:
    """Checks the data rows of one list in order. Keep one per import."""

    def __init__(
        self,
        *,
        header: Header,
        product: Product,
        rates: dict[str, Decimal],
        tolerance: Decimal,
        default_subject: str,
        household_list_id: int,
    ):
        self.header = header
        self.columns = {field: column.index for field, column in header.columns.items()}
        self.labels = {field: column.label for field, column in header.columns.items()}
        self.product = product
        self.unit = product.unit
        self.tolerance = tolerance
        self.default_subject = default_subject[:60]
        self.household_list_id = household_list_id
        self.allocator = RowAllocator(rates=rates)
        self.first_column = 0
        # Running figures (constant memory).
        self.data_rows = 0
        self.sheet_quantity = Decimal(0)
        self.sheet_premium = Decimal(0)
        self.sheet_farmer_share = Decimal(0)
        self.totals: SheetTotals | None = None
        self.rows_after_totals: list[int] = []  # at most a few row numbers, for the message

    # List-level findings of the header -----------------------------------------------
    def header_issues(self) -> list[Issue]:
        missing = self.header.missing()
        if missing:
            return [
                Issue(
                    ERROR,
                    "missing_columns",
                    _(
                        "The list has no column for: %(columns)s. Add the column(s) and upload "
                        "the list again."
                    )
                    % {"columns": "、".join(missing)},
                )
            ]
        issues = []
        unit = self.header.quantity_unit
        if unit and unit != self.unit:
            issues.append(
                Issue(
                    ERROR,
                    "unit_mismatch",
                    _(
                        "The quantity column is in %(unit)s but %(product)s is insured per "
                        "%(expected)s."
                    )
                    % {"unit": unit, "product": self.product.name, "expected": self.unit},
                    column=self.labels.get("quantity", ""),
                )
            )
        if "phone" not in self.columns:
            issues.append(Issue(WARNING, PHONE_FORMAT, _("The list has no contact phone column.")))
        if "bank_account" not in self.columns:
            issues.append(
                Issue(
                    WARNING,
                    NO_BANK_ACCOUNT,
                    _(
                        "The list has no bank account column: indemnities cannot be paid to "
                        "the households' accounts until they are recorded."
                    ),
                )
            )
        return issues

    # One row -------------------------------------------------------------------------
    def cell(self, values: tuple, field: str):
        index = self.columns.get(field)
        if index is None or index >= len(values):
            return None
        value = values[index]
        if isinstance(value, str) and not value.strip():
            return None
        return value

    def is_totals_row(self, values: tuple) -> bool:
        for value in (values[0] if values else None, self.cell(values, "name")):
            if isinstance(value, str) and any(w in _SPACES.sub("", value) for w in TOTAL_WORDS):
                return True
        return False

    def check(self, row_number: int, values: tuple) -> tuple[HouseholdRow | None, list[Issue]]:
        """The row's HouseholdRow (None if blank, the totals row or in error) and issues."""
        if is_blank(values):
            return None, []
        if self.totals is not None:
            # Below the totals row come signatures and notes, not households; a row there
            # with an ID number is a household the county put in the wrong place.
            if self.cell(values, "id_number") is not None and len(self.rows_after_totals) < 5:
                self.rows_after_totals.append(row_number)
            return None, []
        if self.is_totals_row(values):
            self.totals = SheetTotals(
                row_number=row_number,
                quantity=self._number_or_none(values, "quantity"),
                premium=self._number_or_none(values, "premium"),
                farmer_share=self._number_or_none(values, "farmer_share"),
            )
            return None, []
        self.data_rows += 1
        return _Row(self, row_number, values).check()

    def _number_or_none(self, values: tuple, field: str) -> Decimal | None:
        value = self.cell(values, field)
        try:
            return parse_number(value)[0] if value is not None else None
        except (ValueError, InvalidOperation):
            return None

    # After the last row --------------------------------------------------------------
    def finish_issues(self) -> list[Issue]:
        """The totals row against the rows, and households below the totals row."""
        issues = []
        if self.rows_after_totals:
            issues.append(
                Issue(
                    ERROR,
                    "rows_after_totals",
                    _(
                        "Row(s) %(rows)s below the totals row have ID numbers. Put every "
                        "household above the totals row."
                    )
                    % {"rows": ", ".join(map(str, self.rows_after_totals))},
                )
            )
        totals = self.totals
        if totals is None:
            return issues
        checks = (
            ("quantity", totals.quantity, self.sheet_quantity, QUANTITY_TOLERANCE),
            ("premium", totals.premium, self.sheet_premium, self.tolerance),
            ("farmer_share", totals.farmer_share, self.sheet_farmer_share, self.tolerance),
        )
        for field, given, summed, tolerance in checks:
            if given is not None and abs(given - summed) > tolerance:
                issues.append(
                    Issue(
                        ERROR,
                        "totals_mismatch",
                        _(
                            "The totals row says %(given)s for %(column)s but the rows add up "
                            "to %(sum)s."
                        )
                        % {
                            "given": plain_decimal(given),
                            "column": self.labels[field],
                            "sum": plain_decimal(summed),
                        },
                        row_number=totals.row_number,
                        column=self.labels[field],
                    )
                )
        return issues


class _Row:
    """The parse of one data row; collects its issues as it goes."""

    def __init__(self, checker: RowChecker, row_number: int, values: tuple):
        self.c = checker
        self.number = row_number
        self.values = values
        self.issues: list[Issue] = []
        self.flags: list[str] = []

    def error(self, field: str, code: str, message: str) -> None:
        self.issues.append(Issue(ERROR, code, message, self.number, self.c.labels.get(field, "")))

    def warn(self, field: str, code: str, message: str) -> None:
        self.issues.append(Issue(WARNING, code, message, self.number, self.c.labels.get(field, "")))
        if code not in self.flags:
            self.flags.append(code)

    def text(self, field: str, max_length: int) -> str:
        value = self.c.cell(self.values, field)
        text = text_of(value)
        if len(text) > max_length:
            self.error(
                field,
                "too_long",
                _("%(column)s is longer than %(n)s characters.")
                % {"column": self.c.labels[field], "n": max_length},
            )
            return ""
        return text

    def long_digits(self, field: str, max_length: int) -> str:
        """Account and tag numbers: refused when Excel stored a long one as a number."""
        value = self.c.cell(self.values, field)
        if isinstance(value, int | float) and len(text_of(value)) > SAFE_DIGITS:
            self.error(
                field,
                "number_not_text",
                _(
                    "Excel stored %(column)s as a number and may have changed its last digits. "
                    "Format the column as text, type the number again and upload the list "
                    "again."
                )
                % {"column": self.c.labels[field]},
            )
            return ""
        return _SPACES.sub("", unicodedata.normalize("NFKC", self.text(field, max_length)))

    def money(self, field: str) -> Decimal | None:
        value = self.c.cell(self.values, field)
        if value is None:
            return None
        try:
            amount, unit = parse_number(value)
        except (ValueError, InvalidOperation):
            unit = "?"
        if unit not in ("", "元"):
            self.error(
                field,
                "amount_invalid",
                _("%(column)s is not an amount: %(value)s.")
                % {"column": self.c.labels[field], "value": text_of(value)},
            )
            return None
        return amount

    def check(self) -> tuple[HouseholdRow | None, list[Issue]]:
        c = self.c
        name = self.text("name", 100)
        if not name:
            self.error("name", "name_missing", _("The name is missing."))
        id_kind, id_number = self.identity()
        quantity, unit = self.quantity()
        phone = self.phone()
        bank_account = self.long_digits("bank_account", 32) if "bank_account" in c.columns else ""
        if "bank_account" in c.columns and not bank_account and not self.issues_for("bank_account"):
            self.warn("bank_account", NO_BANK_ACCOUNT, _("The bank account is missing."))
        elif "bank_account" not in c.columns:
            self.flags.append(NO_BANK_ACCOUNT)
        condition = self.text("condition", 40)
        if condition and condition not in CONDITION_OK:
            self.warn(
                "condition",
                DAMAGED,
                _(
                    "The subject is recorded as %(condition)s: verify it on site before "
                    "accepting it."
                )
                % {"condition": condition},
            )
        signature, proxy_name, authorisation = self.signature()
        split = self.premium(quantity) if quantity is not None else None
        if any(issue.severity == ERROR for issue in self.issues):
            return None, self.issues
        row = HouseholdRow(
            household_list_id=c.household_list_id,
            row_number=self.number,
            name=name,
            id_kind=id_kind,
            id_number=id_number,
            phone=phone,
            subject_type=self.text("subject_type", 60) or c.default_subject,
            quantity=quantity,
            unit=unit,
            village_group=self.text("village_group", 100),
            plot=self.text("plot", 100),
            forest_certificate=self.text("forest_certificate", 60),
            subject_tag=self.long_digits("subject_tag", 60),
            condition=condition,
            bank_account=bank_account,
            bank_name=self.text("bank_name", 60),
            signature=signature,
            proxy_name=proxy_name,
            proxy_authorisation=authorisation,
            flags=self.flags,
            **split.as_dict(),
        )
        # Lengths checked while building the row (plot, tag, …) may have added errors.
        if any(issue.severity == ERROR for issue in self.issues):
            return None, self.issues
        return row, self.issues

    def issues_for(self, field: str) -> bool:
        label = self.c.labels.get(field, "")
        return any(issue.column == label for issue in self.issues)

    def identity(self) -> tuple[str, str]:
        value = self.c.cell(self.values, "id_number")
        if value is None:
            self.error("id_number", "id_missing", _("The ID number is missing."))
            return "", ""
        text = text_of(value)
        if isinstance(value, int | float | Decimal) or _SCIENTIFIC.match(text):
            self.error(
                "id_number",
                "id_as_number",
                _(
                    "Excel stored the ID number as a number (%(value)s), which cannot be "
                    "trusted: Excel keeps only 15 digits. Format the ID column as text, type "
                    "the number again and upload the list again."
                )
                % {"value": text},
            )
            return "", ""
        try:
            number = normalise_identity(text)
        except IdentityError as exc:
            self.error("id_number", exc.code or "id_invalid", exc.messages[0])
            return "", ""
        kind = (
            HouseholdRow.IdKind.RESIDENT
            if identity_kind(number) == "resident"
            else (HouseholdRow.IdKind.USCC)
        )
        return kind, number

    def quantity(self) -> tuple[Decimal | None, str]:
        c = self.c
        value = c.cell(self.values, "quantity")
        if value is None:
            self.error("quantity", "quantity_missing", _("The quantity is missing."))
            return None, ""
        try:
            number, cell_unit = parse_number(value)
        except (ValueError, InvalidOperation):
            self.error(
                "quantity",
                "quantity_invalid",
                _("The quantity %(value)s is not a number.") % {"value": text_of(value)},
            )
            return None, ""
        number = number.quantize(QUANTUM, rounding=ROUND_HALF_UP)
        if number <= 0 or number >= MAX_QUANTITY:
            self.error(
                "quantity",
                "quantity_not_positive",
                _("The quantity must be more than 0; %(value)s was given.")
                % {"value": text_of(value)},
            )
            return None, ""
        unit_cell = text_of(c.cell(self.values, "unit"))
        for field, unit in (("quantity", cell_unit), ("unit", unit_cell)):
            unit = unicodedata.normalize("NFKC", unit).strip()
            if unit and unit != c.unit:
                self.error(
                    field,
                    "unit_mismatch",
                    _(
                        "The unit %(unit)s does not match the product, which is insured per "
                        "%(expected)s."
                    )
                    % {"unit": unit, "expected": c.unit},
                )
                return None, ""
        limit = c.product.flag_quantity_over
        if limit is not None and number > limit:
            self.warn(
                "quantity",
                LARGE_QUANTITY,
                _("%(quantity)s %(unit)s is more than %(limit)s %(unit)s: verify on site (UW-5).")
                % {
                    "quantity": plain_decimal(number),
                    "unit": c.unit,
                    "limit": plain_decimal(limit),
                },
            )
        return number, c.unit

    def phone(self) -> str:
        if "phone" not in self.c.columns:
            return ""
        text = self.text("phone", 40)
        cleaned = _PHONE_NOISE.sub("", unicodedata.normalize("NFKC", text))
        if not cleaned:
            self.warn("phone", PHONE_FORMAT, _("The contact phone is missing."))
            return ""
        if not _PHONE.match(cleaned):
            self.warn(
                "phone",
                PHONE_FORMAT,
                _("The phone number %(phone)s does not look like a mobile or landline number.")
                % {"phone": text},
            )
            return text[:20]
        return cleaned

    def signature(self) -> tuple[str, str, str]:
        """UW-7: signed, proxy-signed "{name}代" (only with an authorisation), unsigned."""
        text = _SPACES.sub("", self.text("signature", 100))
        if not text or text in UNSIGNED_WORDS:
            return HouseholdRow.Signature.UNSIGNED, "", ""
        match = _PROXY.match(unicodedata.normalize("NFKC", text))
        if not match:
            return HouseholdRow.Signature.SIGNED, "", ""
        proxy = match.group(1)
        authorisation = self.text("proxy_authorisation", 200)
        if authorisation:
            return HouseholdRow.Signature.PROXY, proxy, authorisation
        self.warn(
            "signature",
            PROXY_UNAUTHORISED,
            _(
                "Signed by %(proxy)s for the insured, but no authorisation is recorded: the "
                "row counts as unsigned until it is."
            )
            % {"proxy": proxy},
        )
        return HouseholdRow.Signature.UNSIGNED, proxy, ""

    def premium(self, quantity: Decimal):
        """UW-4: the row's premium is ours (quantity × sum insured × rate); the list's
        figures must agree within the county's tolerance. The split comes from the
        list-order allocator."""
        c, product = self.c, self.c.product
        c.sheet_quantity += quantity
        expected = premium_for(
            quantity=quantity, sum_insured_per_unit=product.sum_insured_per_unit, rate=product.rate
        )
        given = self.money("premium")
        split = c.allocator.allocate(expected)
        if given is not None:
            c.sheet_premium += given
            if abs(given - expected) > c.tolerance:
                self.error(
                    "premium",
                    "premium_mismatch",
                    _(
                        "The premium %(given)s is wrong: %(quantity)s %(unit)s × %(sum)s × "
                        "%(rate)s = %(expected)s."
                    )
                    % {
                        "given": plain_decimal(given),
                        "quantity": plain_decimal(quantity),
                        "unit": c.unit,
                        "sum": plain_decimal(product.sum_insured_per_unit),
                        "rate": plain_decimal(product.rate),
                        "expected": expected,
                    },
                )
                # The list's shares follow from its wrong premium: one message is enough.
                return split
        farmer = self.money("farmer_share")
        if farmer is not None:
            c.sheet_farmer_share += farmer
            if abs(farmer - split.farmer_share) > c.tolerance:
                self.error(
                    "farmer_share",
                    "farmer_share_mismatch",
                    _(
                        "The farmer's own share %(given)s is wrong: it is %(expected)s of the "
                        "premium %(premium)s after subsidies."
                    )
                    % {
                        "given": plain_decimal(farmer),
                        "expected": split.farmer_share,
                        "premium": expected,
                    },
                )
        for level in LEVELS:
            amount = self.money(level)
            if amount is not None and abs(to_cent(amount) - getattr(split, level)) > c.tolerance:
                self.error(
                    level,
                    "subsidy_mismatch",
                    _("%(column)s is %(given)s but the subsidy is %(expected)s.")
                    % {
                        "column": c.labels[level],
                        "given": plain_decimal(amount),
                        "expected": getattr(split, level),
                    },
                )
        return split
