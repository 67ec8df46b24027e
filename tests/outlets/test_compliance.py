"""OUT-16: the compliance score from OUT-3..OUT-15 with its documented weights, the
monthly history (stored per month, computed as of the month's end), the beat task and
the components read from waits (OUT-12) and satisfaction against target (OUT-15)."""

import datetime as dt
import secrets
from decimal import Decimal

import pytest

from outlets.models import (
    ComplianceScore,
    DutyAssignment,
    Evaluation,
    Finding,
    HolidayService,
    Inspection,
    InspectionResult,
    OutletSettings,
    QueueTicket,
    StaffMember,
)
from outlets.services.compliance import (
    WEIGHTS,
    compliance_compute,
    compliance_recompute_all,
    score_rows,
)
from outlets.tasks import recompute_compliance, recompute_compliance_all
from tests.outlets.staffing_support import (  # noqa: F401
    add_staff,
    at,
    monday,
    publish_standard_week,
)

SEPTEMBER = dt.date(2026, 9, 1)


def inspect(outlet, inspector, day, *, met, not_met, na=0):
    inspection = Inspection.objects.create(
        outlet=outlet,
        inspector=inspector,
        inspected_on=day,
        state=Inspection.State.COMPLETED,
        completed_at=at(day, 16),
    )
    for result, count in (("met", met), ("not_met", not_met), ("na", na)):
        for i in range(count):
            InspectionResult.objects.create(
                inspection=inspection, standard=f"OUT-3-{result}-{i}", result=result
            )
    return inspection


def ticket(outlet, day, number, *, breached=False, state="done"):
    return QueueTicket.objects.create(
        outlet=outlet,
        day=day,
        number=number,
        purpose="consultation",
        state=state,
        issued_at=at(day, 9),
        wait_breached=breached,
        rating_token=secrets.token_urlsafe(16),
    )


def rate(outlet, day, *ratings):
    for rating in ratings:
        Evaluation.objects.create(outlet=outlet, rating=rating, channel="qr", rated_at=at(day, 11))


def finding(outlet, owner, *, due_on, raised_at=None):
    row = Finding.objects.create(
        outlet=outlet,
        source=Finding.Source.MANUAL,
        standard="OUT-7-counter",
        description="柜台未摆放服务承诺",
        corrective_action="摆放服务承诺",
        owner=owner,
        due_on=due_on,
    )
    if raised_at:
        Finding.objects.filter(pk=row.pk).update(raised_at=raised_at)
    return row


@pytest.fixture
def scored_outlet(tree, profile_a, outlet_head_a, county_manager, monday):  # noqa: F811
    """Outlet A in September 2026: 8 of 10 standards met, 3 staff for the lowest band,
    normal hours covered, 4 tickets of which 1 waited too long, 4 of 5 satisfied, one
    open finding not yet due."""
    inspect(tree.outlet_a, county_manager, dt.date(2026, 9, 10), met=8, not_met=2, na=1)
    add_staff(tree.outlet_a, 3)
    publish_standard_week(tree.outlet_a)
    for number in range(1, 4):
        ticket(tree.outlet_a, dt.date(2026, 9, 14), number)
    ticket(tree.outlet_a, dt.date(2026, 9, 15), 1, breached=True)
    ticket(tree.outlet_a, dt.date(2026, 9, 28), 1, state="waiting")  # no outcome yet
    rate(tree.outlet_a, dt.date(2026, 9, 14), 5, 4, 4, 5, 2)
    finding(tree.outlet_a, outlet_head_a, due_on=dt.date(2026, 10, 15))
    return tree.outlet_a


def test_out_16_score_is_the_documented_weighted_mean(scored_outlet):
    score = compliance_compute(outlet=scored_outlet, month=SEPTEMBER)
    rows = {row.code: row for row in score_rows(score)}
    assert rows["standards"].points == Decimal("24.00")  # 8 / (8 + 2) × 30
    assert rows["staffing"].points == Decimal("15.00")
    assert rows["hours"].points == Decimal("10.00")
    assert rows["duty"].points is None  # no holiday promised: left out
    assert rows["waits"].points == Decimal("11.25")  # 3 / 4 × 15 (OUT-12)
    assert rows["satisfaction"].points == Decimal("15.00")  # 80% = target (OUT-15)
    assert rows["findings"].points == Decimal("9.00")  # one open finding
    # 84.25 points of the 95 weight counted.
    assert score.score == Decimal("88.68")
    assert score.breakdown["weight_counted"] == 95 and sum(WEIGHTS.values()) == 100
    assert score.open_findings == 1 and score.month == SEPTEMBER


def test_out_15_satisfaction_below_target_scales_and_county_target_applies(scored_outlet, tree):
    rate(tree.outlet_a, dt.date(2026, 9, 20), 1, 1, 1, 1, 1)  # now 4 of 10
    rows = {
        r.code: r for r in score_rows(compliance_compute(outlet=scored_outlet, month=SEPTEMBER))
    }
    assert rows["satisfaction"].percent == Decimal("50.0")  # 0.4 / 0.8
    OutletSettings.objects.create(county=tree.county, satisfaction_target=Decimal("0.400"))
    rows = {
        r.code: r for r in score_rows(compliance_compute(outlet=scored_outlet, month=SEPTEMBER))
    }
    assert rows["satisfaction"].percent == Decimal("100.0")
    assert rows["satisfaction"].detail["target"] == "0.400"


def test_out_16_overdue_findings_weigh_more_than_open_ones(scored_outlet, outlet_head_a):
    finding(scored_outlet, outlet_head_a, due_on=dt.date(2026, 9, 20))
    rows = {
        r.code: r for r in score_rows(compliance_compute(outlet=scored_outlet, month=SEPTEMBER))
    }
    assert rows["findings"].detail == {"open": 2, "overdue": 1}
    assert rows["findings"].points == Decimal("6.50")  # 1 − 0.10 − 0.25


@pytest.mark.usefixtures("monday")
def test_out_16_an_outlet_never_inspected_scores_zero_on_standards(tree, profile_b):
    score = compliance_compute(outlet=tree.outlet_b, month=SEPTEMBER)
    rows = {r.code: r for r in score_rows(score)}
    assert rows["standards"].percent == Decimal("0.0")
    assert rows["standards"].detail == {"inspection": None}
    # Understaffed (0 of 3), no hours published, nothing else with data: only
    # standards, staffing, hours and findings count.
    assert score.breakdown["weight_counted"] == 30 + 15 + 10 + 10
    assert score.score == Decimal("15.38")  # 10 / 65


def test_out_16_a_past_month_is_computed_as_of_its_end_and_kept_per_month(
    scored_outlet, county_manager
):
    # The inspection and the tickets are September's: August had none of them.
    august = compliance_compute(outlet=scored_outlet, month=dt.date(2026, 8, 1))
    rows = {r.code: r for r in score_rows(august)}
    assert rows["standards"].percent == Decimal("0.0")
    assert rows["waits"].points is None and rows["satisfaction"].points is None
    assert august.breakdown["as_of"].startswith("2026-08-31T23:59:59")
    compliance_compute(outlet=scored_outlet, month=SEPTEMBER)
    compliance_compute(outlet=scored_outlet, month=SEPTEMBER)
    months = list(ComplianceScore.objects.values_list("month", flat=True))
    assert sorted(months) == [dt.date(2026, 8, 1), SEPTEMBER]


def test_out_16_the_beat_task_recomputes_this_and_last_month_for_every_outlet(scored_outlet, tree):
    assert compliance_recompute_all() == 6  # three outlets, two months
    assert recompute_compliance_all() == 6
    assert ComplianceScore.objects.count() == 6
    assert recompute_compliance(tree.outlet_a.pk, "2026-09-01") == "88.68"
    assert recompute_compliance(999999, "2026-09-01") is None


def test_out_11_duty_component_counts_promised_days_that_came(scored_outlet, tree, time_machine):

    staffed = HolidayService.objects.create(outlet=tree.outlet_a, day=dt.date(2026, 9, 20))
    DutyAssignment.objects.create(service=staffed, staff=StaffMember.objects.first())
    HolidayService.objects.create(outlet=tree.outlet_a, day=dt.date(2026, 9, 27))
    HolidayService.objects.create(outlet=tree.outlet_a, day=dt.date(2026, 9, 30))  # to come
    rows = {
        r.code: r for r in score_rows(compliance_compute(outlet=scored_outlet, month=SEPTEMBER))
    }
    assert rows["duty"].detail == {"promised": 2, "staffed": 1}
    assert rows["duty"].points == Decimal("2.50")
