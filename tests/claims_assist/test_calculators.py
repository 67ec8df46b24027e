"""CLM-14 benefit calculators against the worked numbers of the source documents (the
elderly accident scheme of 潮南区, the group medical service manual, the student accident
clauses in ../shared/seeds/), and their refusals."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from claims_assist import calculators as calc
from claims_assist.calculators import (
    CalculationRefused,
    MedicalLedger,
    elderly_death_benefit,
    elderly_disability_benefit,
    elderly_hospital_allowance,
    medical_claim,
    student_death_benefit,
    student_disability_benefit,
)

D = Decimal
ACCIDENT = dt.date(2025, 3, 1)
DAY_180 = dt.date(2025, 8, 28)  # 1 March + 180 days: the last covered day
COVER = dt.date(2025, 1, 1)


def refusal_code(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return next(iter(error.error_dict.values()))[0].code
    return error.code


def outpatient(ledger: MedicalLedger, eligible: str, other: str = "0", **kwargs):
    return medical_claim(
        ledger=ledger,
        care=calc.OUTPATIENT,
        eligible_self_paid=D(eligible),
        other_insurers_paid=D(other),
        cover_starts_on=kwargs.get("cover_starts_on", COVER),
        claimed_on=kwargs.get("claimed_on", dt.date(2025, 6, 1)),
    )


def inpatient(ledger: MedicalLedger, eligible: str, other: str = "0"):
    return medical_claim(
        ledger=ledger,
        care=calc.INPATIENT,
        eligible_self_paid=D(eligible),
        other_insurers_paid=D(other),
        cover_starts_on=COVER,
        claimed_on=dt.date(2025, 6, 1),
    )


# --- Elderly accident scheme --------------------------------------------------------------
@pytest.mark.parametrize(
    ("conveyance", "amount"),
    [
        ("none", "3000.00"),
        ("commercial_motor", "30000.00"),
        ("rail", "30000.00"),
        ("ship", "50000.00"),
        ("aircraft", "100000.00"),
    ],
)
def test_clm_14_elderly_death_sums_of_the_scheme(conveyance, amount):
    """意外伤害身故赔付3000元; 营运类机动车、轨道交通工具、轮船、航空交通工具 30000、30000、
    50000、100000元."""
    result = elderly_death_benefit(accident_on=ACCIDENT, death_on=DAY_180, conveyance=conveyance)
    assert result.amount == D(amount)
    assert result.rule == "CLM-14"
    assert result.lines[-1] == f"Payable: {D(amount):,.2f} yuan"


def test_clm_14_elderly_death_after_disability_pays_the_rest_of_the_death_sum():
    """Disability already paid comes off a later death: death plus disability never
    exceed the applicable death sum."""
    disability = elderly_disability_benefit(
        accident_on=ACCIDENT, disabled_on=dt.date(2025, 5, 1), grade=5
    )
    assert disability.amount == D("1800.00")  # grade 5: 60 % × 3,000

    ordinary = elderly_death_benefit(
        accident_on=ACCIDENT, death_on=dt.date(2025, 6, 1), disability_paid=disability.amount
    )
    assert ordinary.amount == D("1200.00")
    assert disability.amount + ordinary.amount == D("3000.00")
    assert "Less disability already paid 1,800.00: 3,000.00 − 1,800.00 = 1,200.00" in ordinary.lines

    aircraft = elderly_death_benefit(
        accident_on=ACCIDENT,
        death_on=dt.date(2025, 6, 1),
        conveyance="aircraft",
        disability_paid=disability.amount,
    )
    assert aircraft.amount == D("98200.00")


@pytest.mark.parametrize(
    ("grade", "amount"),
    [(1, "3000.00"), (2, "2700.00"), (5, "1800.00"), (9, "600.00"), (10, "300.00")],
)
def test_clm_14_elderly_disability_is_grade_ratio_times_3000(grade, amount):
    """伤残按《人身保险伤残评定标准及代码》(JR/T0083—2013)对应比例给付: grade 1 100 %
    … grade 10 10 % of 3,000."""
    result = elderly_disability_benefit(accident_on=ACCIDENT, disabled_on=DAY_180, grade=grade)
    assert result.amount == D(amount)
    assert any("JR/T 0083-2013" in line for line in result.lines)


def test_clm_14_elderly_disability_in_all_stays_within_3000():
    result = elderly_disability_benefit(
        accident_on=ACCIDENT, disabled_on=DAY_180, grade=3, disability_paid=D("2700.00")
    )
    assert result.amount == D("300.00")
    with pytest.raises(CalculationRefused) as refused:
        elderly_disability_benefit(
            accident_on=ACCIDENT, disabled_on=DAY_180, grade=10, disability_paid=D("3000.00")
        )
    assert refusal_code(refused.value) == "exhausted"


def test_clm_14_elderly_hospital_allowance_worked_numbers():
    """住院津贴 30元/天; 每次住院给付日数以90天为限, 全年限180天, 累计最高赔付5400元."""
    ten_days = elderly_hospital_allowance(hospital_days=10)
    assert ten_days.amount == D("300.00")
    assert ten_days.lines[-1] == "Hospital allowance 30.00 yuan/day × 10 days = 300.00 yuan"

    long_stay = elderly_hospital_allowance(hospital_days=120)
    assert (long_stay.amount, long_stay.days_paid) == (D("2700.00"), 90)
    assert "At most 90 days are paid for one stay" in long_stay.lines

    second = elderly_hospital_allowance(hospital_days=100, days_paid_this_year=90)
    assert (second.amount, second.days_paid) == (D("2700.00"), 90)
    assert long_stay.amount + second.amount == D("5400.00")

    third = elderly_hospital_allowance(hospital_days=5, days_paid_this_year=180)
    assert (third.amount, third.days_paid) == (D("0.00"), 0)

    partly = elderly_hospital_allowance(hospital_days=30, days_paid_this_year=170)
    assert partly.amount == D("300.00")
    assert "170 of the 180 days of the policy year already paid: 10 left" in partly.lines


@pytest.mark.parametrize(
    ("event_on", "code"),
    [(dt.date(2025, 8, 29), "out_of_window"), (dt.date(2025, 2, 28), "before_accident")],
)
def test_clm_14_elderly_death_or_disability_outside_180_days_is_refused(event_on, code):
    """自意外伤害发生之日起180天内: day 181 is refused, day 180 (28 August for an
    accident on 1 March, start day not counted) still pays."""
    with pytest.raises(CalculationRefused) as death:
        elderly_death_benefit(accident_on=ACCIDENT, death_on=event_on)
    assert refusal_code(death.value) == code
    assert "death_on" in death.value.error_dict
    with pytest.raises(CalculationRefused) as disability:
        elderly_disability_benefit(accident_on=ACCIDENT, disabled_on=event_on, grade=1)
    assert refusal_code(disability.value) == code
    assert "CLM-14" in disability.value.messages[0]


@pytest.mark.parametrize("grade", [0, 11, -1, True])
def test_clm_14_unknown_disability_grade_is_refused(grade):
    with pytest.raises(CalculationRefused) as refused:
        elderly_disability_benefit(accident_on=ACCIDENT, disabled_on=DAY_180, grade=grade)
    assert refusal_code(refused.value) == "unknown_grade"
    with pytest.raises(CalculationRefused):
        student_disability_benefit(
            sum_insured=D("10000"), accident_on=ACCIDENT, assessed_on=DAY_180, grade=grade
        )


def test_clm_14_elderly_negative_inputs_are_refused():
    with pytest.raises(CalculationRefused) as paid:
        elderly_death_benefit(accident_on=ACCIDENT, death_on=DAY_180, disability_paid=D("-1"))
    assert refusal_code(paid.value) == "negative"
    with pytest.raises(CalculationRefused) as days:
        elderly_hospital_allowance(hospital_days=-3)
    assert refusal_code(days.value) == "negative"
    with pytest.raises(CalculationRefused) as over:
        elderly_hospital_allowance(hospital_days=3, days_paid_this_year=181)
    assert refusal_code(over.value) == "over_limit"
    with pytest.raises(CalculationRefused) as conveyance:
        elderly_death_benefit(accident_on=ACCIDENT, death_on=DAY_180, conveyance="bicycle")
    assert refusal_code(conveyance.value) == "invalid"
    with pytest.raises(CalculationRefused) as cents:
        elderly_death_benefit(accident_on=ACCIDENT, death_on=DAY_180, disability_paid=D("1.005"))
    assert refusal_code(cents.value) == "cents"


# --- Group medical ------------------------------------------------------------------------
def test_clm_14_medical_outpatient_pays_70_percent_above_the_600_deductible():
    """门急诊: 符合医保规定自负600元以上的部分, 按70%的比例赔付."""
    result = outpatient(MedicalLedger(), "1000.00")
    assert result.amount == D("280.00")  # 70 % × (1,000 − 600)
    assert result.lines == (
        "Eligible self-paid part: 1,000.00",
        "Less the outpatient deductible (0.00 of 600.00 used before): 1,000.00 − 600.00 = 400.00",
        "70 % × 400.00 = 280.00",
        "Payable: 280.00 yuan",
    )
    assert result.ledger == MedicalLedger(outpatient_paid=D("280.00"), deductible_used=D("600.00"))


def test_clm_14_medical_deductible_is_per_policy_year_across_claims():
    first = outpatient(MedicalLedger(), "400.00")
    assert first.amount == D("0.00")
    assert first.ledger.deductible_used == D("400.00")

    second = outpatient(first.ledger, "500.00")
    assert second.amount == D("210.00")  # 200 left of the deductible; 70 % × 300
    assert second.ledger.deductible_used == D("600.00")

    third = outpatient(second.ledger, "100.00")
    assert third.amount == D("70.00")


def test_clm_14_medical_inpatient_pays_70_percent_without_deductible():
    """住院: 符合规定的自负部分, 按70%的比例赔付; no deductible."""
    result = inpatient(MedicalLedger(), "1000.00")
    assert result.amount == D("700.00")
    assert result.ledger == MedicalLedger(inpatient_paid=D("700.00"))


def test_clm_14_medical_limits_apply_across_the_year():
    """门诊保险金额不超过1400元, 住院不超过2600元, 保险总金额4000元/保单年度."""
    ledger = MedicalLedger()
    paid = []
    for claim in (
        lambda led: outpatient(led, "2600.00"),  # 70 % × 2,000 = 1,400: the limit
        lambda led: outpatient(led, "500.00"),  # nothing left for outpatient
        lambda led: inpatient(led, "3000.00"),  # 2,100
        lambda led: inpatient(led, "1000.00"),  # 700, but only 500 left of 2,600
        lambda led: inpatient(led, "1000.00"),  # nothing left
    ):
        result = claim(ledger)
        paid.append(result.amount)
        ledger = result.ledger
    assert paid == [D("1400.00"), D("0.00"), D("2100.00"), D("500.00"), D("0.00")]
    assert ledger.total_paid == D("4000.00") == sum(paid)
    assert (ledger.outpatient_paid, ledger.inpatient_paid) == (D("1400.00"), D("2600.00"))


def test_clm_14_medical_limit_line_explains_the_cut():
    ledger = MedicalLedger(outpatient_paid=D("1300.00"), deductible_used=D("600.00"))
    result = outpatient(ledger, "1000.00")
    assert result.amount == D("100.00")
    assert any(line.startswith("Limited to what is left this policy year") for line in result.lines)


def test_clm_14_medical_other_insurers_are_deducted_first():
    """多方投保只能赔付不足部分: other insurers' payments come off before the deductible
    and the 70 %."""
    result = outpatient(MedicalLedger(), "1000.00", other="300.00")
    assert result.amount == D("70.00")  # 70 % × (1,000 − 300 − 600)
    assert result.lines[1] == "Less other insurers' payments: 1,000.00 − 300.00 = 700.00"

    union = inpatient(MedicalLedger(), "2000.00", other="1500.00")
    assert union.amount == D("350.00")
    assert union.amount + D("1500.00") <= D("2000.00")  # no profit from insurance

    all_paid = inpatient(MedicalLedger(), "800.00", other="900.00")
    assert all_paid.amount == D("0.00")


def test_clm_14_medical_rounds_the_payable_to_the_cent_half_up():
    result = inpatient(MedicalLedger(), "0.05")  # 70 % × 0.05 = 0.035
    assert result.amount == D("0.04")
    result = outpatient(MedicalLedger(deductible_used=D("600.00")), "100.01")  # 70.007
    assert result.amount == D("70.01")


def test_clm_14_medical_claim_lapses_15_months_after_cover_starts():
    """被保险人对本公司请求给付保险金的权利, 自保障开始之日起十五个月内不行使而失效."""
    last_day = outpatient(MedicalLedger(), "700.00", claimed_on=dt.date(2026, 4, 1))
    assert last_day.amount == D("70.00")
    with pytest.raises(CalculationRefused) as lapsed:
        outpatient(MedicalLedger(), "700.00", claimed_on=dt.date(2026, 4, 2))
    assert refusal_code(lapsed.value) == "lapsed"
    assert "2026-04-01" in lapsed.value.messages[0]
    # A month without the day ends on its last day: 30 Nov 2024 + 15 months.
    with pytest.raises(CalculationRefused):
        outpatient(
            MedicalLedger(),
            "700.00",
            cover_starts_on=dt.date(2024, 11, 30),
            claimed_on=dt.date(2026, 3, 1),
        )
    assert outpatient(
        MedicalLedger(),
        "700.00",
        cover_starts_on=dt.date(2024, 11, 30),
        claimed_on=dt.date(2026, 2, 28),
    ).amount == D("70.00")


def test_clm_14_medical_refusals():
    with pytest.raises(CalculationRefused) as negative:
        outpatient(MedicalLedger(), "-1.00")
    assert refusal_code(negative.value) == "negative"
    with pytest.raises(CalculationRefused) as other:
        outpatient(MedicalLedger(), "100.00", other="-5.00")
    assert refusal_code(other.value) == "negative"
    with pytest.raises(CalculationRefused) as before:
        outpatient(MedicalLedger(), "100.00", claimed_on=dt.date(2024, 12, 31))
    assert refusal_code(before.value) == "before_cover"
    with pytest.raises(CalculationRefused) as care:
        medical_claim(
            ledger=MedicalLedger(),
            care="dental",
            eligible_self_paid=D("1"),
            cover_starts_on=COVER,
            claimed_on=COVER,
        )
    assert refusal_code(care.value) == "invalid"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("outpatient_paid", "1400.01"),
        ("inpatient_paid", "2600.01"),
        ("deductible_used", "600.01"),
        ("outpatient_paid", "-0.01"),
    ],
)
def test_clm_14_medical_ledger_refuses_figures_beyond_the_limits(field, value):
    with pytest.raises(CalculationRefused) as refused:
        MedicalLedger(**{field: D(value)})
    assert field in refused.value.error_dict


# --- Student accident ---------------------------------------------------------------------
def test_clm_14_student_death_pays_sum_insured_less_disability_paid():
    """按本合同保险金额扣减累计给付的意外伤害伤残保险金后给付意外伤害身故保险金."""
    whole = student_death_benefit(sum_insured=D("20000"), accident_on=ACCIDENT, death_on=DAY_180)
    assert (whole.amount, whole.cover_ended) == (D("20000.00"), True)

    after = student_death_benefit(
        sum_insured=D("20000"),
        accident_on=ACCIDENT,
        death_on=DAY_180,
        disability_paid=D("6000"),
    )
    assert after.amount == D("14000.00")


def test_clm_14_student_disability_is_ratio_times_sum_insured():
    result = student_disability_benefit(
        sum_insured=D("20000"), accident_on=ACCIDENT, assessed_on=dt.date(2025, 6, 1), grade=7
    )
    assert (result.amount, result.cover_ended) == (D("8000.00"), False)  # 40 %
    odd = student_disability_benefit(
        sum_insured=D("12345.67"), accident_on=ACCIDENT, assessed_on=DAY_180, grade=7
    )
    assert odd.amount == D("4938.27")  # 4,938.268 rounded half up where paid


def test_clm_14_student_disability_graded_on_day_180_if_treatment_continues():
    """治疗仍未结束的, 按事故发生之日起第180日的身体情况评定伤残程度."""
    result = student_disability_benefit(
        sum_insured=D("20000"),
        accident_on=ACCIDENT,
        assessed_on=dt.date(2025, 11, 15),
        grade=4,
        treatment_continuing=True,
    )
    assert result.amount == D("14000.00")
    assert result.lines[0] == (
        "Treatment continues after day 180: graded on the condition on 2025-08-28"
    )
    with pytest.raises(CalculationRefused) as late:
        student_disability_benefit(
            sum_insured=D("20000"),
            accident_on=ACCIDENT,
            assessed_on=dt.date(2025, 11, 15),
            grade=4,
        )
    assert refusal_code(late.value) == "out_of_window"


def test_clm_14_student_cover_ends_when_disability_reaches_the_sum_insured():
    """一次或累计给付的意外伤害伤残保险金达到本合同保险金额时, 本合同终止."""
    last = student_disability_benefit(
        sum_insured=D("20000"),
        accident_on=ACCIDENT,
        assessed_on=DAY_180,
        grade=3,
        disability_paid=D("15000"),
    )
    assert (last.amount, last.cover_ended) == (D("5000.00"), True)  # 16,000 cut to 5,000
    assert last.lines[-1] == "Payable: 5,000.00 yuan; the cover ends"

    for call in (
        lambda: student_death_benefit(
            sum_insured=D("20000"),
            accident_on=ACCIDENT,
            death_on=DAY_180,
            disability_paid=D("20000"),
        ),
        lambda: student_disability_benefit(
            sum_insured=D("20000"),
            accident_on=ACCIDENT,
            assessed_on=DAY_180,
            grade=10,
            disability_paid=D("20000"),
        ),
    ):
        with pytest.raises(CalculationRefused) as ended:
            call()
        assert refusal_code(ended.value) == "cover_ended"


def test_clm_14_student_refusals():
    with pytest.raises(CalculationRefused) as late:
        student_death_benefit(
            sum_insured=D("20000"), accident_on=ACCIDENT, death_on=dt.date(2025, 8, 29)
        )
    assert refusal_code(late.value) == "out_of_window"
    with pytest.raises(CalculationRefused) as zero:
        student_death_benefit(sum_insured=D("0"), accident_on=ACCIDENT, death_on=DAY_180)
    assert refusal_code(zero.value) == "negative"
    with pytest.raises(CalculationRefused) as negative:
        student_death_benefit(
            sum_insured=D("20000"),
            accident_on=ACCIDENT,
            death_on=DAY_180,
            disability_paid=D("-1"),
        )
    assert refusal_code(negative.value) == "negative"
