"""CLM-14 calculators under random inputs (hypothesis): never above a limit, never
negative, death plus disability never above the sum insured, ledger totals equal to the
payments, other insurers deducted first."""

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from claims_assist import calculators as calc
from claims_assist.calculators import CalculationRefused, MedicalLedger

ACCIDENT = dt.date(2025, 3, 1)
COVER = dt.date(2025, 1, 1)
CLAIMED = dt.date(2025, 9, 1)
SETTINGS = settings(max_examples=200, deadline=None)

money = st.decimals(
    min_value=Decimal("0.00"), max_value=Decimal("20000.00"), places=2, allow_nan=False
)
cares = st.sampled_from([calc.OUTPATIENT, calc.INPATIENT])
claims = st.lists(st.tuples(cares, money, money), max_size=25)
grades = st.integers(min_value=1, max_value=10)
in_window = st.integers(min_value=0, max_value=calc.ACCIDENT_WINDOW_DAYS)


def claim(ledger: MedicalLedger, care: str, eligible: Decimal, other: Decimal):
    return calc.medical_claim(
        ledger=ledger,
        care=care,
        eligible_self_paid=eligible,
        other_insurers_paid=other,
        cover_starts_on=COVER,
        claimed_on=CLAIMED,
    )


@SETTINGS
@given(claims)
def test_clm_14_medical_year_replay_stays_within_limits_and_ledger_adds_up(year):
    ledger = MedicalLedger()
    paid = {calc.OUTPATIENT: Decimal(0), calc.INPATIENT: Decimal(0)}
    outpatient_nets = Decimal(0)
    for care, eligible, other in year:
        result = claim(ledger, care, eligible, other)
        net = max(eligible - other, Decimal(0))
        assert result.amount >= 0
        assert result.amount == result.amount.quantize(calc.CENT)
        assert result.amount <= calc.to_cent(net * calc.MEDICAL_RATE)
        assert result.amount + min(other, eligible) <= eligible  # no profit from insurance
        paid[care] += result.amount
        if care == calc.OUTPATIENT:
            outpatient_nets += net
        ledger = result.ledger
    assert ledger.outpatient_paid == paid[calc.OUTPATIENT] <= calc.MEDICAL_OUTPATIENT_LIMIT
    assert ledger.inpatient_paid == paid[calc.INPATIENT] <= calc.MEDICAL_INPATIENT_LIMIT
    assert ledger.total_paid == sum(paid.values()) <= calc.MEDICAL_TOTAL_LIMIT
    assert ledger.deductible_used == min(outpatient_nets, calc.MEDICAL_OUTPATIENT_DEDUCTIBLE)


@SETTINGS
@given(
    cares,
    money,
    money,
    st.decimals(min_value=0, max_value=calc.MEDICAL_OUTPATIENT_LIMIT, places=2),
    st.decimals(min_value=0, max_value=calc.MEDICAL_INPATIENT_LIMIT, places=2),
    st.decimals(min_value=0, max_value=calc.MEDICAL_OUTPATIENT_DEDUCTIBLE, places=2),
)
def test_clm_14_medical_other_insurers_come_off_first(
    care, eligible, other, outpatient_paid, inpatient_paid, deductible_used
):
    """A claim with other insurers' payments is the claim of what they left unpaid: they
    come off before the deductible, the 70 % and the limits."""
    ledger = MedicalLedger(
        outpatient_paid=outpatient_paid,
        inpatient_paid=inpatient_paid,
        deductible_used=deductible_used,
    )
    with_other = claim(ledger, care, eligible, other)
    left_unpaid = claim(ledger, care, max(eligible - other, Decimal(0)), Decimal(0))
    assert (with_other.amount, with_other.ledger) == (left_unpaid.amount, left_unpaid.ledger)
    assert with_other.ledger.total_paid <= calc.MEDICAL_TOTAL_LIMIT


@SETTINGS
@given(
    st.lists(grades, max_size=4),
    st.sampled_from(list(calc.ELDERLY_DEATH_SUMS)),
    in_window,
    st.booleans(),
)
def test_clm_14_elderly_death_plus_disability_never_above_the_death_sum(
    disabilities, conveyance, days, dies
):
    paid = Decimal(0)
    for grade in disabilities:
        try:
            result = calc.elderly_disability_benefit(
                accident_on=ACCIDENT,
                disabled_on=ACCIDENT + dt.timedelta(days=days),
                grade=grade,
                disability_paid=paid,
            )
        except CalculationRefused:
            assert paid == calc.ELDERLY_SUM
            continue
        assert result.amount >= 0
        paid += result.amount
        assert paid <= calc.ELDERLY_SUM
    if dies:
        death = calc.elderly_death_benefit(
            accident_on=ACCIDENT,
            death_on=ACCIDENT + dt.timedelta(days=days),
            conveyance=conveyance,
            disability_paid=paid,
        )
        assert death.amount >= 0
        assert paid + death.amount == calc.ELDERLY_DEATH_SUMS[conveyance]


@SETTINGS
@given(st.lists(st.integers(min_value=0, max_value=400), max_size=10))
def test_clm_14_elderly_hospital_allowance_never_above_its_limits(stays):
    days_paid = 0
    total = Decimal(0)
    for stay in stays:
        result = calc.elderly_hospital_allowance(hospital_days=stay, days_paid_this_year=days_paid)
        assert 0 <= result.days_paid <= min(stay, calc.ELDERLY_ALLOWANCE_DAYS_PER_STAY)
        assert result.amount == calc.ELDERLY_ALLOWANCE_PER_DAY * result.days_paid
        days_paid += result.days_paid
        total += result.amount
    assert days_paid <= calc.ELDERLY_ALLOWANCE_DAYS_PER_YEAR
    assert total <= Decimal("5400.00")


@SETTINGS
@given(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500000.00"), places=2),
    st.lists(grades, max_size=6),
    st.booleans(),
    in_window,
)
def test_clm_14_student_death_plus_disability_never_above_the_sum_insured(
    sum_insured, disabilities, dies, days
):
    paid = Decimal(0)
    ended = False
    for grade in disabilities:
        try:
            result = calc.student_disability_benefit(
                sum_insured=sum_insured,
                accident_on=ACCIDENT,
                assessed_on=ACCIDENT + dt.timedelta(days=days),
                grade=grade,
                disability_paid=paid,
            )
        except CalculationRefused:
            assert ended  # only once the cover has ended
            continue
        assert not ended
        assert result.amount >= 0
        paid += result.amount
        ended = result.cover_ended
        assert ended == (paid == sum_insured)
        assert paid <= sum_insured
    if dies and not ended:
        death = calc.student_death_benefit(
            sum_insured=sum_insured,
            accident_on=ACCIDENT,
            death_on=ACCIDENT + dt.timedelta(days=days),
            disability_paid=paid,
        )
        assert death.amount > 0
        assert paid + death.amount == sum_insured
