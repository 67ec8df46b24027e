"""Each section's figures against the known data set of conftest.py (March 2025)."""

import datetime as dt

import pytest
from django.utils import translation

from dashboards.sections import SECTION_NAMES, SECTIONS, claims, complaints, section_name, sla
from dashboards.sections.base import Scope
from tests.dashboards.conftest import MARCH


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def figures(section) -> dict:
    return {figure.label: figure for figure in section.figures}


def table(section, table_id: str):
    return next(t for t in section.tables if t.id == table_id)


def by(rows, key):
    return {row[key]: row for row in rows}


def test_registry_lists_the_sections_in_page_order_and_skips_missing_ones():
    names = [section_name(module) for module in SECTIONS]
    assert names == [name for name in SECTION_NAMES if name in names]
    assert {"sla", "claims", "complaints"} <= set(names)
    assert SECTION_NAMES == [
        "sla",
        "queue",
        "underwriting",
        "publicity",
        "claims",
        "complaints",
        "compliance",
    ]


# --- SLA -------------------------------------------------------------------------------------
def test_sla_counts_the_county_timers_by_state_and_rule(tree, county_manager, timers):
    # Given the timers of the data set; when the county's section is built for March
    section = sla.build(scope=Scope(user=county_manager, unit=tree.county, period=MARCH))
    # then open timers count now, ended ones only in March, the other county never.
    shown = {label: figure.value for label, figure in figures(section).items()}
    assert shown == {
        "Running": 2,
        "Overdue now": 1,
        "Breached in the period": 1,
        "Met in the period": 1,
        "Met in time": 50.0,
        "Provisional deadlines": 1,
    }
    rows = by(table(section, "sla-by-rule").rows, "code")
    assert set(rows) == {"CLM-1", "CLM-9", "REG-2"}
    assert rows["CLM-1"]["name"] == "95518 report number recorded"
    assert (rows["CLM-1"]["running"], rows["CLM-1"]["overdue"], rows["CLM-1"]["provisional"]) == (
        2,
        1,
        1,
    )
    assert (rows["CLM-9"]["breached"], rows["CLM-9"]["met"], rows["CLM-9"]["rate"]) == (1, 1, 50.0)
    assert rows["REG-2"]["paused"] == 1
    chart = section.charts[0]
    assert chart.categories == ["CLM-1", "CLM-9", "REG-2"]
    assert [s.values for s in chart.series] == [[2, 0, 0], [0, 1, 0], [0, 1, 0]]


def test_sla_of_an_outlet_counts_only_its_timers(tree, county_manager, timers):
    section = sla.build(scope=Scope(user=county_manager, unit=tree.outlet_a, period=MARCH))
    shown = {label: figure.value for label, figure in figures(section).items()}
    assert (shown["Running"], shown["Overdue now"], shown["Breached in the period"]) == (1, 0, 1)
    assert shown["Met in time"] == 0.0


def test_sla_rule_names_are_translated(tree, county_manager, timers):
    with translation.override("zh-hans"):
        section = sla.build(scope=Scope(user=county_manager, unit=tree.county, period=MARCH))
    row = by(table(section, "sla-by-rule").rows, "code")["CLM-1"]
    assert row["name"] == "已登记95518报案号"


# --- Claims -----------------------------------------------------------------------------------
def test_claims_counts_the_cases_reported_in_the_period_by_stage(tree, county_manager, cases):
    section = claims.build(scope=Scope(user=county_manager, unit=tree.county, period=MARCH))
    shown = {label: figure.value for label, figure in figures(section).items()}
    assert shown["Reported"] == 3
    assert shown["Open"] == 3  # paid is not a final stage: the case closes after payment
    assert shown["Major cases"] == 1
    assert shown["Breached CLM/REG-1 deadlines"] == 1
    stages = by(table(section, "claims-by-stage").rows, "stage")
    assert stages["Paid"]["count"] == 1
    assert stages["Paid"]["major"] == 1
    assert stages["File complete"]["count"] == 1
    assert stages["Reported at the outlet"]["count"] == 1
    assert sum(row["count"] for row in stages.values()) == 3
    outlets = table(section, "claims-by-outlet").rows
    assert [(row["reported"], row["major"], row["paid"]) for row in outlets] == [
        (2, 1, 1),
        (1, 0, 0),
    ]


def test_clm_10_cycle_times_in_calendar_days_against_the_targets(tree, county_manager, cases):
    section = claims.build(scope=Scope(user=county_manager, unit=tree.county, period=MARCH))
    cycles = table(section, "claims-cycle-times").rows
    report_to_file, file_to_transfer, transfer_to_decision, decision_to_payment = cycles
    # report → file complete: 2 and 4 days; median 3, p90 2 + 0.9 × 2 = 3.8
    assert (report_to_file["count"], report_to_file["median"], report_to_file["p90"]) == (
        2,
        3.0,
        3.8,
    )
    assert report_to_file["target"] == "—"
    # file complete → transfer: 1 day against CLM-9's 3 working days; its breach counted
    assert (file_to_transfer["median"], file_to_transfer["status"]) == (1.0, "ok")
    assert file_to_transfer["target"] == "CLM-9 3"
    assert file_to_transfer["breached"] == 1
    # transfer → decision: 4 calendar days over the 3 working days of review
    assert (transfer_to_decision["median"], transfer_to_decision["status"]) == (4.0, "warn")
    assert transfer_to_decision["target"] == "CLM-10-review 3 / CLM-10-special 30"
    assert decision_to_payment["median"] == 2.0
    assert decision_to_payment["target"] == "CLM-10-pay-small 3 / CLM-10-pay 7"


def test_claims_of_an_outlet_have_no_outlet_table(tree, county_manager, cases):
    section = claims.build(scope=Scope(user=county_manager, unit=tree.outlet_b, period=MARCH))
    assert figures(section)["Reported"].value == 1
    assert "claims-by-outlet" not in [t.id for t in section.tables]


def test_claims_of_an_empty_period_are_zero_not_errors(tree, county_manager, cases):
    period = type(MARCH)(dt.date(2024, 1, 1), dt.date(2024, 1, 31))
    section = claims.build(scope=Scope(user=county_manager, unit=tree.county, period=period))
    assert figures(section)["Reported"].value == 0
    assert all(row["median"] is None for row in table(section, "claims-cycle-times").rows)


# --- Complaints -------------------------------------------------------------------------------
def test_complaints_counts_times_escalations_and_satisfaction(tree, county_manager, complaints):
    section = complaints_build(tree, county_manager)
    shown = {label: figure.value for label, figure in figures(section).items()}
    assert shown["Received"] == 3
    assert shown["Awaiting first response"] == 1
    assert shown["First response, median"] == 1.5  # 2 h and 1 h
    assert shown["Resolution, median"] == 36.0  # 48 h and 24 h
    assert shown["Escalations (CMP-5)"] == 2
    assert shown["Satisfied"] == 50.0
    assert figures(section)["Satisfied"].status == "bad"  # under the 80% target
    assert shown["REG-2 breaches"] == 1
    channels = by(table(section, "complaints-by-channel").rows, "channel")
    assert (channels["Letter"]["count"], channels["Phone or hotline"]["count"]) == (1, 1)
    topics = by(table(section, "complaints-by-topic").rows, "topic")
    assert (topics["Claims"]["count"], topics["Underwriting"]["count"]) == (2, 1)
    steps = table(section, "complaints-escalations").rows
    assert [(row["step"], row["fired"], row["acted"]) for row in steps] == [(1, 1, 1), (2, 1, 0)]


def test_complaint_times_per_severity_beside_their_rules(tree, county_manager, complaints):
    rows = by(table(complaints_build(tree, county_manager), "complaints-times").rows, "severity")
    general, major = rows["General"], rows["Major"]
    assert (general["first_response_n"], general["first_response_median"]) == (1, 2.0)
    assert general["first_response_rule"] == "CMP-4-response-general: 1 working days"
    assert general["first_response_breached"] == 1
    assert (major["resolution_n"], major["resolution_median"]) == (1, 24.0)
    assert major["first_response_rule"] == "CMP-4-response-major: 2 working hours"
    assert rows["Minor"]["first_response_n"] == 0


def test_complaints_per_unit_on_the_county_page(tree, county_manager, complaints):
    rows = table(complaints_build(tree, county_manager), "complaints-by-unit").rows
    assert [(row["received"], row["waiting"], row["satisfaction"]) for row in rows] == [
        (2, 1, 100.0),
        (1, 0, 0.0),
    ]


def test_percentiles_fall_back_to_python_off_postgresql(
    tree, county_manager, complaints, monkeypatch
):
    from dashboards import aggregates

    monkeypatch.setattr(aggregates.connection, "vendor", "sqlite")
    section = complaints_build(tree, county_manager)
    assert figures(section)["Resolution, median"].value == 36.0


def complaints_build(tree, user):
    return complaints.build(scope=Scope(user=user, unit=tree.county, period=MARCH))
