"""The compliance section (OUT-16): monthly scores with their components, open findings
by standard and age; March 2025."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from dashboards.sections import compliance
from dashboards.sections.base import Period, Scope
from outlets.models import ComplianceScore, Finding
from outlets.services.compliance import WEIGHTS
from tests.dashboards.conftest import MARCH, at


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def score(outlet, month: dt.date, value: str, *, open_findings=0) -> ComplianceScore:
    points = {code: Decimal(weight) * Decimal(value) / 100 for code, weight in WEIGHTS.items()}
    breakdown = {
        "components": [
            {
                "code": code,
                "weight": weight,
                "value": "1",
                "points": str(points[code]),
                "detail": {},
            }
            for code, weight in WEIGHTS.items()
        ]
    }
    return ComplianceScore.objects.create(
        outlet=outlet,
        month=month,
        score=Decimal(value),
        breakdown=breakdown,
        open_findings=open_findings,
        computed_at=at(3, 31),
    )


def finding(outlet, owner, standard, *, age_days, due_in_days, state=Finding.State.OPEN):
    row = Finding.objects.create(
        outlet=outlet,
        source=Finding.Source.INSPECTION,
        standard=standard,
        description="铭牌尺寸不符",
        corrective_action="更换铭牌",
        owner=owner,
        due_on=timezone.localdate() + dt.timedelta(days=due_in_days),
        state=state,
        closed_at=timezone.now() if state == Finding.State.CLOSED else None,
    )
    # raised_at is set on creation; the data set needs findings of some age.
    Finding.objects.filter(pk=row.pk).update(raised_at=timezone.now() - dt.timedelta(days=age_days))
    return row


@pytest.fixture
def scores(tree, outlet_head_a, county_manager):
    """March scores: A 55 (2 open findings), B 85. February: A 40. Findings open now:
    at A an OUT-6 nameplate finding of 10 days, overdue, and an OUT-6 signage one of 45
    days; at B an OUT-4 one of 100 days, not yet due. Not counted: A's closed finding,
    C's open one and score."""
    score(tree.outlet_a, dt.date(2025, 3, 1), "55.00", open_findings=2)
    score(tree.outlet_b, dt.date(2025, 3, 1), "85.00")
    score(tree.outlet_a, dt.date(2025, 2, 1), "40.00")
    score(tree.outlet_c, dt.date(2025, 3, 1), "10.00")
    finding(tree.outlet_a, outlet_head_a, "OUT-6-nameplate", age_days=10, due_in_days=-1)
    finding(tree.outlet_a, outlet_head_a, "OUT-6-signage", age_days=45, due_in_days=5)
    finding(tree.outlet_b, county_manager, "OUT-4-area", age_days=100, due_in_days=20)
    finding(
        tree.outlet_a, outlet_head_a, "OUT-7-board", age_days=5, due_in_days=-3,
        state=Finding.State.CLOSED,
    )  # fmt: skip
    finding(tree.outlet_c, county_manager, "OUT-4-area", age_days=3, due_in_days=-3)


def figures(section) -> dict:
    return {figure.label: figure for figure in section.figures}


def test_out_16_scores_of_the_month_the_period_ends_in(tree, county_manager, scores):
    # Given the scores of the data set; when the county's section is built for March
    section = compliance.build(scope=Scope(user=county_manager, unit=tree.county, period=MARCH))
    shown = figures(section)
    # then March's scores of A and B count (C is another county).
    assert shown["Average score of 2025-03"].value == Decimal("70.0")
    assert shown["Lowest score"].value == Decimal("55.00")
    assert shown["Lowest score"].link == reverse("outlets:compliance", args=[tree.outlet_a.pk])
    assert (shown["Outlets below 60"].value, shown["Outlets below 60"].status) == (1, "bad")
    assert shown["Outlets without a score"].value == 0


def test_out_16_component_breakdown_per_outlet_lowest_first(tree, county_manager, scores):
    section = compliance.build(scope=Scope(user=county_manager, unit=tree.county, period=MARCH))
    rows = section.tables[0].rows
    assert [row["outlet"] for row in rows] == [tree.outlet_a.name, tree.outlet_b.name]
    # 55% of each component's weight: standards 30 → 16.5 points.
    assert rows[0]["standards"] == Decimal("16.5")
    assert rows[0]["open_findings"] == 2
    detail = reverse("outlets:compliance", args=[tree.outlet_a.pk])
    assert rows[0]["_links"]["score"] == detail


def test_out_16_open_findings_by_standard_and_age(tree, county_manager, scores):
    section = compliance.build(scope=Scope(user=county_manager, unit=tree.county, period=MARCH))
    shown = figures(section)
    assert (shown["Open findings"].value, shown["Overdue findings (OUT-16)"].value) == (3, 1)
    by_rule = {row["rule"]: row for row in section.tables[1].rows}
    assert set(by_rule) == {"OUT-4", "OUT-6"}
    assert (by_rule["OUT-6"]["open"], by_rule["OUT-6"]["overdue"]) == (2, 1)
    assert (by_rule["OUT-6"]["age_30"], by_rule["OUT-6"]["age_90"]) == (1, 1)
    assert by_rule["OUT-4"]["age_older"] == 1
    findings = reverse("outlets:finding_list")
    assert shown["Overdue findings (OUT-16)"].link == (
        f"{findings}?unit={tree.county.pk}&state=open&overdue=on"
    )


def test_chart_averages_each_month_of_the_period(tree, county_manager, scores):
    period = Period(dt.date(2025, 2, 1), dt.date(2025, 3, 31))
    section = compliance.build(scope=Scope(user=county_manager, unit=tree.county, period=period))
    chart = section.charts[0]
    assert chart.categories == ["2025-02", "2025-03"]
    assert chart.series[0].values == [Decimal("40.0"), Decimal("70.0")]


def test_outlet_drill_down(tree, county_manager, scores):
    section = compliance.build(scope=Scope(user=county_manager, unit=tree.outlet_b, period=MARCH))
    shown = figures(section)
    assert shown["Average score of 2025-03"].value == Decimal("85.0")
    assert shown["Open findings"].value == 1
    assert f"unit={tree.outlet_b.pk}" in shown["Open findings"].link


def test_outlets_without_a_score_are_counted(tree, county_manager):
    section = compliance.build(scope=Scope(user=county_manager, unit=tree.county, period=MARCH))
    shown = figures(section)
    assert shown["Average score of 2025-03"].value is None
    assert shown["Outlets without a score"].value == 2
