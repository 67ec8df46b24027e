"""CLM-14: benefit calculators with exact money and the working shown line by line.

Three schemes, from the source documents in ../shared/seeds/:

- the government elderly accident scheme (老年人意外伤害综合保险): accidental death
  3,000; death as a passenger of a commercial motor vehicle 30,000, rail 30,000, ship
  50,000, aircraft 100,000; disability = grade ratio × 3,000 (JR/T 0083-2013, grade 1
  100 % … grade 10 10 %); death or disability within 180 days of the accident; hospital
  allowance 30 yuan/day, at most 90 days a stay and 180 days a policy year (5,400);
- group outpatient/inpatient medical (门急诊、住院医疗): per insured and policy year 4,000
  in all, outpatient at most 1,400, inpatient at most 2,600; outpatient pays 70 % of the
  eligible self-paid part above 600 a year, inpatient 70 % of the eligible self-paid
  part; other insurers' payments come off first (no profit from insurance); the right to
  claim lapses 15 months after cover starts;
- student accident (学生平安意外伤害): death pays the sum insured minus disability
  already paid; disability = ratio × sum insured, assessed on the condition at day 180
  if treatment continues; the cover ends when disability payments reach the sum insured.

Money is `Decimal`, computed exactly. Rounding happens once, where money is paid: each
payable amount is rounded to the cent half up (`to_cent`) before the limits are applied,
so that limits, ledgers and the amounts paid are all whole cents and add up exactly.
Inputs are yuan with at most two decimals.

Periods "within N days of the accident" and "N months after cover starts" are counted as
the Civil Code does (art. 201–203): the start day is not counted, so the 180-day window
of an accident on 1 March ends at the end of 28 August (1 March + 180 days), and 15
months from 1 January 2025 end at the end of 1 April 2026 (a month without the day ends
on its last day).

A refusal is a `CalculationRefused` (a Django ValidationError) with a code and a
message naming CLM-14.
"""

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

RULE = "CLM-14"
CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# Periods counted from the accident (death, disability) and from the start of cover.
ACCIDENT_WINDOW_DAYS = 180
MEDICAL_CLAIM_MONTHS = 15

# JR/T 0083-2013 人身保险伤残评定标准: grade 1 pays 100 %, each grade 10 % less.
DISABILITY_RATIOS: dict[int, Decimal] = {
    grade: Decimal(11 - grade) / Decimal(10) for grade in range(1, 11)
}

# --- Elderly accident scheme --------------------------------------------------------------
ELDERLY_SUM = Decimal("3000.00")
ELDERLY_ALLOWANCE_PER_DAY = Decimal("30.00")
ELDERLY_ALLOWANCE_DAYS_PER_STAY = 90
ELDERLY_ALLOWANCE_DAYS_PER_YEAR = 180

# Conveyance of a death as a passenger; "none" is any other accidental death.
CONVEYANCE_NONE = "none"
CONVEYANCE_MOTOR = "commercial_motor"
CONVEYANCE_RAIL = "rail"
CONVEYANCE_SHIP = "ship"
CONVEYANCE_AIRCRAFT = "aircraft"
ELDERLY_DEATH_SUMS: dict[str, Decimal] = {
    CONVEYANCE_NONE: ELDERLY_SUM,
    CONVEYANCE_MOTOR: Decimal("30000.00"),
    CONVEYANCE_RAIL: Decimal("30000.00"),
    CONVEYANCE_SHIP: Decimal("50000.00"),
    CONVEYANCE_AIRCRAFT: Decimal("100000.00"),
}

# --- Group medical ------------------------------------------------------------------------
MEDICAL_TOTAL_LIMIT = Decimal("4000.00")
MEDICAL_OUTPATIENT_LIMIT = Decimal("1400.00")
MEDICAL_INPATIENT_LIMIT = Decimal("2600.00")
MEDICAL_OUTPATIENT_DEDUCTIBLE = Decimal("600.00")
MEDICAL_RATE = Decimal("0.70")
OUTPATIENT = "outpatient"
INPATIENT = "inpatient"


class CalculationRefused(ValidationError):
    """CLM-14: the claim is outside the cover or the inputs cannot be right."""


def to_cent(amount: Decimal) -> Decimal:
    """The one rounding: a payable amount to the cent, half up."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def yuan(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def percent(ratio: Decimal) -> str:
    return f"{(ratio * 100).normalize():f} %"


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the last day of that month if it has none."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def _refuse(message: str, code: str, field_name: str | None = None) -> CalculationRefused:
    if field_name:
        return CalculationRefused({field_name: [ValidationError(message, code=code)]})
    return CalculationRefused(message, code=code)


def _money(value: Decimal, field_name: str, *, positive: bool = False) -> Decimal:
    """An input amount: a Decimal in yuan, not negative, at most two decimals."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise _refuse(_("Enter an amount in yuan (CLM-14)."), "invalid", field_name)
    if value < 0 or (positive and value == 0):
        raise _refuse(
            _("The amount must be greater than zero (CLM-14).")
            if positive
            else _("The amount cannot be negative (CLM-14)."),
            "negative",
            field_name,
        )
    if value != value.quantize(CENT):
        raise _refuse(
            _("Amounts are yuan with at most two decimals (CLM-14)."), "cents", field_name
        )
    return value.quantize(CENT)


def _count(value: int, field_name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _refuse(_("Enter a whole number, not negative (CLM-14)."), "negative", field_name)
    return value


def disability_ratio(grade: int) -> Decimal:
    """The JR/T 0083-2013 ratio of a disability grade (1: 100 % … 10: 10 %)."""
    if isinstance(grade, bool) or grade not in DISABILITY_RATIOS:
        raise _refuse(
            _("Unknown disability grade: JR/T 0083-2013 has grades 1 to 10 (CLM-14)."),
            "unknown_grade",
            "grade",
        )
    return DISABILITY_RATIOS[grade]


def _within_accident_window(*, accident_on: dt.date, event_on: dt.date, field_name: str) -> None:
    """Death or disability within 180 days of the accident (start day not counted)."""
    if event_on < accident_on:
        raise _refuse(
            _("This date is before the accident (CLM-14)."), "before_accident", field_name
        )
    last_day = accident_on + dt.timedelta(days=ACCIDENT_WINDOW_DAYS)
    if event_on > last_day:
        raise _refuse(
            _(
                "Not covered: more than {days} days after the accident of {accident}; the "
                "last covered day was {last} (CLM-14)."
            ).format(days=ACCIDENT_WINDOW_DAYS, accident=accident_on, last=last_day),
            "out_of_window",
            field_name,
        )


@dataclass(frozen=True)
class Calculation:
    """An explained result: the amount payable and the lines of its working."""

    amount: Decimal
    lines: tuple[str, ...]
    rule: str = field(default=RULE, kw_only=True)


@dataclass(frozen=True)
class AllowanceCalculation(Calculation):
    days_paid: int = field(kw_only=True)


@dataclass(frozen=True)
class StudentCalculation(Calculation):
    cover_ended: bool = field(kw_only=True)


# --- Elderly accident scheme --------------------------------------------------------------
def elderly_death_benefit(
    *,
    accident_on: dt.date,
    death_on: dt.date,
    conveyance: str = CONVEYANCE_NONE,
    disability_paid: Decimal = ZERO,
) -> Calculation:
    """CLM-14 elderly scheme: the death sum of the case (3,000, or the passenger's sum
    of the commercial conveyance), less disability already paid for the person, never
    below zero: death plus disability never exceed the applicable death sum."""
    if conveyance not in ELDERLY_DEATH_SUMS:
        raise _refuse(_("Unknown conveyance (CLM-14)."), "invalid", "conveyance")
    disability_paid = _money(disability_paid, "disability_paid")
    _within_accident_window(accident_on=accident_on, event_on=death_on, field_name="death_on")
    death_sum = ELDERLY_DEATH_SUMS[conveyance]
    lines = [
        _(
            "Death on {death}, {days} days after the accident of {accident} (at most {limit})"
        ).format(
            death=death_on,
            days=(death_on - accident_on).days,
            accident=accident_on,
            limit=ACCIDENT_WINDOW_DAYS,
        ),
        _elderly_death_line(conveyance, death_sum),
    ]
    amount = max(death_sum - disability_paid, ZERO)
    if disability_paid:
        lines.append(
            _("Less disability already paid {paid}: {sum} − {paid} = {amount}").format(
                paid=yuan(disability_paid), sum=yuan(death_sum), amount=yuan(amount)
            )
        )
    lines.append(_("Payable: {amount} yuan").format(amount=yuan(amount)))
    return Calculation(amount=amount, lines=tuple(lines))


def _elderly_death_line(conveyance: str, death_sum: Decimal) -> str:
    labels = {
        CONVEYANCE_NONE: _("Accidental death"),
        CONVEYANCE_MOTOR: _("Death as a passenger of a commercial motor vehicle"),
        CONVEYANCE_RAIL: _("Death as a passenger of a rail vehicle"),
        CONVEYANCE_SHIP: _("Death as a passenger of a ship"),
        CONVEYANCE_AIRCRAFT: _("Death as a passenger of an aircraft"),
    }
    return _("{label}: {sum} yuan").format(label=labels[conveyance], sum=yuan(death_sum))


def elderly_disability_benefit(
    *,
    accident_on: dt.date,
    disabled_on: dt.date,
    grade: int,
    disability_paid: Decimal = ZERO,
) -> Calculation:
    """CLM-14 elderly scheme: grade ratio × 3,000, the disability established within
    180 days of the accident; all disability paid for one person stays within 3,000."""
    ratio = disability_ratio(grade)
    disability_paid = _money(disability_paid, "disability_paid")
    if disability_paid >= ELDERLY_SUM:
        raise _refuse(
            _("Disability payments have reached the {sum} yuan sum insured (CLM-14).").format(
                sum=yuan(ELDERLY_SUM)
            ),
            "exhausted",
            "disability_paid",
        )
    _within_accident_window(accident_on=accident_on, event_on=disabled_on, field_name="disabled_on")
    gross = to_cent(ratio * ELDERLY_SUM)
    amount = min(gross, ELDERLY_SUM - disability_paid)
    lines = [
        _(
            "Disability established on {day}, {days} days after the accident (at most {limit})"
        ).format(
            day=disabled_on, days=(disabled_on - accident_on).days, limit=ACCIDENT_WINDOW_DAYS
        ),
        _("Disability grade {grade} (JR/T 0083-2013): {ratio} × {sum} = {gross} yuan").format(
            grade=grade, ratio=percent(ratio), sum=yuan(ELDERLY_SUM), gross=yuan(gross)
        ),
    ]
    if amount < gross:
        lines.append(
            _("Limited to what is left of {sum} after {paid} already paid: {amount}").format(
                sum=yuan(ELDERLY_SUM), paid=yuan(disability_paid), amount=yuan(amount)
            )
        )
    lines.append(_("Payable: {amount} yuan").format(amount=yuan(amount)))
    return Calculation(amount=amount, lines=tuple(lines))


def elderly_hospital_allowance(
    *, hospital_days: int, days_paid_this_year: int = 0
) -> AllowanceCalculation:
    """CLM-14 elderly scheme: 30 yuan a day in hospital, at most 90 days for this stay
    and 180 days in the policy year (5,400 yuan)."""
    hospital_days = _count(hospital_days, "hospital_days")
    days_paid_this_year = _count(days_paid_this_year, "days_paid_this_year")
    if days_paid_this_year > ELDERLY_ALLOWANCE_DAYS_PER_YEAR:
        raise _refuse(
            _("At most {days} days a year are paid; check the days already paid (CLM-14).").format(
                days=ELDERLY_ALLOWANCE_DAYS_PER_YEAR
            ),
            "over_limit",
            "days_paid_this_year",
        )
    left_this_year = ELDERLY_ALLOWANCE_DAYS_PER_YEAR - days_paid_this_year
    days = min(hospital_days, ELDERLY_ALLOWANCE_DAYS_PER_STAY, left_this_year)
    lines = [_("Days in hospital: {days}").format(days=hospital_days)]
    if hospital_days > ELDERLY_ALLOWANCE_DAYS_PER_STAY:
        lines.append(
            _("At most {days} days are paid for one stay").format(
                days=ELDERLY_ALLOWANCE_DAYS_PER_STAY
            )
        )
    if min(hospital_days, ELDERLY_ALLOWANCE_DAYS_PER_STAY) > left_this_year:
        lines.append(
            _("{paid} of the {year} days of the policy year already paid: {left} left").format(
                paid=days_paid_this_year, year=ELDERLY_ALLOWANCE_DAYS_PER_YEAR, left=left_this_year
            )
        )
    amount = ELDERLY_ALLOWANCE_PER_DAY * days
    lines.append(
        _("Hospital allowance {rate} yuan/day × {days} days = {amount} yuan").format(
            rate=yuan(ELDERLY_ALLOWANCE_PER_DAY), days=days, amount=yuan(amount)
        )
    )
    return AllowanceCalculation(amount=amount, lines=tuple(lines), days_paid=days)


# --- Group medical ------------------------------------------------------------------------
@dataclass(frozen=True)
class MedicalLedger:
    """CLM-14: what one insured has had from the group medical cover in one policy year.

    Every claim of the year reads it (the limits and the deductible left) and returns the
    ledger after it (`MedicalCalculation.ledger`); replaying a year's claims in order
    through it gives the year's totals. Figures are whole cents within the limits."""

    outpatient_paid: Decimal = ZERO
    inpatient_paid: Decimal = ZERO
    deductible_used: Decimal = ZERO

    def __post_init__(self):
        for name, limit in (
            ("outpatient_paid", MEDICAL_OUTPATIENT_LIMIT),
            ("inpatient_paid", MEDICAL_INPATIENT_LIMIT),
            ("deductible_used", MEDICAL_OUTPATIENT_DEDUCTIBLE),
        ):
            value = _money(getattr(self, name), name)
            if value > limit:
                raise _refuse(
                    _("Cannot exceed {limit} yuan a policy year (CLM-14).").format(
                        limit=yuan(limit)
                    ),
                    "over_limit",
                    name,
                )
            object.__setattr__(self, name, value)

    @property
    def total_paid(self) -> Decimal:
        return self.outpatient_paid + self.inpatient_paid

    @property
    def outpatient_left(self) -> Decimal:
        return min(
            MEDICAL_OUTPATIENT_LIMIT - self.outpatient_paid, MEDICAL_TOTAL_LIMIT - self.total_paid
        )

    @property
    def inpatient_left(self) -> Decimal:
        return min(
            MEDICAL_INPATIENT_LIMIT - self.inpatient_paid, MEDICAL_TOTAL_LIMIT - self.total_paid
        )

    @property
    def deductible_left(self) -> Decimal:
        return MEDICAL_OUTPATIENT_DEDUCTIBLE - self.deductible_used


@dataclass(frozen=True)
class MedicalCalculation(Calculation):
    ledger: MedicalLedger = field(kw_only=True)


def medical_claim(
    *,
    ledger: MedicalLedger,
    care: str,
    eligible_self_paid: Decimal,
    other_insurers_paid: Decimal = ZERO,
    cover_starts_on: dt.date,
    claimed_on: dt.date,
) -> MedicalCalculation:
    """CLM-14 group medical: one outpatient or inpatient claim against the insured's
    policy-year ledger. In this order:

    1. the claim must be made within 15 months of the start of cover;
    2. what other insurers paid comes off the eligible self-paid part (no profit);
    3. outpatient only: the rest of the year's 600 deductible comes off, and is used up;
    4. 70 % of what is left, rounded to the cent half up (the payable amount);
    5. limited to what is left of the outpatient (1,400) or inpatient (2,600) limit and
       of the 4,000 total of the policy year.
    """
    if care not in (OUTPATIENT, INPATIENT):
        raise _refuse(_("Choose outpatient or inpatient (CLM-14)."), "invalid", "care")
    eligible = _money(eligible_self_paid, "eligible_self_paid")
    other = _money(other_insurers_paid, "other_insurers_paid")
    if claimed_on < cover_starts_on:
        raise _refuse(
            _("The claim date is before the cover starts (CLM-14)."), "before_cover", "claimed_on"
        )
    lapses_after = add_months(cover_starts_on, MEDICAL_CLAIM_MONTHS)
    if claimed_on > lapses_after:
        raise _refuse(
            _(
                "The right to claim lapsed {months} months after cover started on {start}: "
                "the last day was {last} (CLM-14)."
            ).format(months=MEDICAL_CLAIM_MONTHS, start=cover_starts_on, last=lapses_after),
            "lapsed",
            "claimed_on",
        )

    lines = [_("Eligible self-paid part: {amount}").format(amount=yuan(eligible))]
    net = max(eligible - other, ZERO)
    if other:
        lines.append(
            _("Less other insurers' payments: {eligible} − {other} = {net}").format(
                eligible=yuan(eligible), other=yuan(other), net=yuan(net)
            )
        )
    deductible = ZERO
    if care == OUTPATIENT:
        deductible = min(net, ledger.deductible_left)
        lines.append(
            _(
                "Less the outpatient deductible ({used} of {full} used before): "
                "{net} − {deductible} = {rest}"
            ).format(
                used=yuan(ledger.deductible_used),
                full=yuan(MEDICAL_OUTPATIENT_DEDUCTIBLE),
                net=yuan(net),
                deductible=yuan(deductible),
                rest=yuan(net - deductible),
            )
        )
    base = net - deductible
    gross = to_cent(base * MEDICAL_RATE)
    lines.append(
        _("{rate} × {base} = {gross}").format(
            rate=percent(MEDICAL_RATE), base=yuan(base), gross=yuan(gross)
        )
    )
    left = ledger.outpatient_left if care == OUTPATIENT else ledger.inpatient_left
    amount = min(gross, left)
    if amount < gross:
        limit = MEDICAL_OUTPATIENT_LIMIT if care == OUTPATIENT else MEDICAL_INPATIENT_LIMIT
        lines.append(
            _(
                "Limited to what is left this policy year ({limit} for this care, {total} in "
                "all, {paid} paid before): {amount}"
            ).format(
                limit=yuan(limit),
                total=yuan(MEDICAL_TOTAL_LIMIT),
                paid=yuan(ledger.total_paid),
                amount=yuan(amount),
            )
        )
    lines.append(_("Payable: {amount} yuan").format(amount=yuan(amount)))
    after = MedicalLedger(
        outpatient_paid=ledger.outpatient_paid + (amount if care == OUTPATIENT else ZERO),
        inpatient_paid=ledger.inpatient_paid + (amount if care == INPATIENT else ZERO),
        deductible_used=ledger.deductible_used + deductible,
    )
    return MedicalCalculation(amount=amount, lines=tuple(lines), ledger=after)


# --- Student accident ---------------------------------------------------------------------
def _student_amounts(sum_insured: Decimal, disability_paid: Decimal) -> tuple[Decimal, Decimal]:
    sum_insured = _money(sum_insured, "sum_insured", positive=True)
    disability_paid = _money(disability_paid, "disability_paid")
    if disability_paid >= sum_insured:
        raise _refuse(
            _(
                "The cover ended when disability payments reached the sum insured of {sum} "
                "yuan (CLM-14)."
            ).format(sum=yuan(sum_insured)),
            "cover_ended",
            "disability_paid",
        )
    return sum_insured, disability_paid


def student_death_benefit(
    *,
    sum_insured: Decimal,
    accident_on: dt.date,
    death_on: dt.date,
    disability_paid: Decimal = ZERO,
) -> StudentCalculation:
    """CLM-14 student accident: death within 180 days of the accident pays the sum
    insured less the disability already paid; the contract then ends."""
    sum_insured, disability_paid = _student_amounts(sum_insured, disability_paid)
    _within_accident_window(accident_on=accident_on, event_on=death_on, field_name="death_on")
    amount = sum_insured - disability_paid
    lines = [
        _(
            "Death on {death}, {days} days after the accident of {accident} (at most {limit})"
        ).format(
            death=death_on,
            days=(death_on - accident_on).days,
            accident=accident_on,
            limit=ACCIDENT_WINDOW_DAYS,
        ),
        _("Sum insured: {sum} yuan").format(sum=yuan(sum_insured)),
    ]
    if disability_paid:
        lines.append(
            _("Less disability already paid {paid}: {sum} − {paid} = {amount}").format(
                paid=yuan(disability_paid), sum=yuan(sum_insured), amount=yuan(amount)
            )
        )
    lines.append(_("Payable: {amount} yuan; the cover ends").format(amount=yuan(amount)))
    return StudentCalculation(amount=amount, lines=tuple(lines), cover_ended=True)


def student_disability_benefit(
    *,
    sum_insured: Decimal,
    accident_on: dt.date,
    assessed_on: dt.date,
    grade: int,
    treatment_continuing: bool = False,
    disability_paid: Decimal = ZERO,
) -> StudentCalculation:
    """CLM-14 student accident: ratio × sum insured for a disability assessed within 180
    days of the accident; if treatment still continues at day 180, the grade is the one
    of the condition on day 180 (and a later assessment date is accepted). Payments in
    all never exceed the sum insured; the cover ends when they reach it."""
    ratio = disability_ratio(grade)
    sum_insured, disability_paid = _student_amounts(sum_insured, disability_paid)
    day_180 = accident_on + dt.timedelta(days=ACCIDENT_WINDOW_DAYS)
    if treatment_continuing and assessed_on > day_180:
        basis = _("Treatment continues after day {limit}: graded on the condition on {day}").format(
            limit=ACCIDENT_WINDOW_DAYS, day=day_180
        )
    else:
        _within_accident_window(
            accident_on=accident_on, event_on=assessed_on, field_name="assessed_on"
        )
        basis = _("Assessed on {day}, {days} days after the accident (at most {limit})").format(
            day=assessed_on, days=(assessed_on - accident_on).days, limit=ACCIDENT_WINDOW_DAYS
        )
    gross = to_cent(ratio * sum_insured)
    left = sum_insured - disability_paid
    amount = min(gross, left)
    lines = [
        basis,
        _("Disability grade {grade} (JR/T 0083-2013): {ratio} × {sum} = {gross} yuan").format(
            grade=grade, ratio=percent(ratio), sum=yuan(sum_insured), gross=yuan(gross)
        ),
    ]
    if amount < gross:
        lines.append(
            _("Limited to what is left of {sum} after {paid} already paid: {amount}").format(
                sum=yuan(sum_insured), paid=yuan(disability_paid), amount=yuan(amount)
            )
        )
    cover_ended = disability_paid + amount >= sum_insured
    lines.append(
        _("Payable: {amount} yuan; the cover ends").format(amount=yuan(amount))
        if cover_ended
        else _("Payable: {amount} yuan").format(amount=yuan(amount))
    )
    return StudentCalculation(amount=amount, lines=tuple(lines), cover_ended=cover_ended)
