"""The queue section (OUT-12 waits, OUT-15 satisfaction) against a small known data set of
March 2025."""

import datetime as dt
import secrets
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from dashboards.sections import queue
from dashboards.sections.base import Period, Scope
from outlets.models import Evaluation, OutletSettings, QueueTicket
from tests.dashboards.conftest import MARCH, at

T = QueueTicket.State


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def ticket(outlet, day, number, *, wait_minutes, purpose="consultation", state=T.DONE, told=False):
    issued = at(day.month, day.day, 9) + dt.timedelta(minutes=number)
    called = issued + dt.timedelta(minutes=wait_minutes)
    return QueueTicket.objects.create(
        outlet=outlet,
        day=day,
        number=number,
        purpose=purpose,
        state=state,
        issued_at=issued,
        called_at=called,
        served_at=called if state == T.DONE else None,
        done_at=called + dt.timedelta(minutes=5) if state == T.DONE else None,
        wait_breached=wait_minutes > 30,
        told_of_wait_at=issued + dt.timedelta(minutes=5) if told else None,
        rating_token=secrets.token_urlsafe(16),
    )


def evaluate(outlet, rating, when, tkt=None):
    return Evaluation.objects.create(
        outlet=outlet, ticket=tkt, rating=rating, channel=Evaluation.Channel.QR, rated_at=when
    )


@pytest.fixture
def queue_data(tree):
    """March: at A waits of 10, 20 and 40 minutes (the 40 over the limit, told in
    advance), one customer who left; at B a complaint ticket that waited 50 minutes,
    not told. Evaluations in March: A 5, 4, 2; B 5. Not counted: A's ticket and
    evaluation of February, C's ticket and evaluation of March."""
    march_3, march_4 = dt.date(2025, 3, 3), dt.date(2025, 3, 4)
    a1 = ticket(tree.outlet_a, march_3, 1, wait_minutes=10)
    ticket(tree.outlet_a, march_3, 2, wait_minutes=20)
    ticket(tree.outlet_a, march_4, 1, wait_minutes=40, told=True)
    ticket(tree.outlet_a, march_4, 2, wait_minutes=15, purpose="issuance", state=T.LEFT)
    ticket(tree.outlet_b, march_3, 1, wait_minutes=50, purpose="complaint")
    ticket(tree.outlet_a, dt.date(2025, 2, 27), 1, wait_minutes=60)
    ticket(tree.outlet_c, march_3, 1, wait_minutes=45)
    evaluate(tree.outlet_a, 5, at(3, 3, 11), a1)
    evaluate(tree.outlet_a, 4, at(3, 4, 11))
    evaluate(tree.outlet_a, 2, at(3, 5, 11))
    evaluate(tree.outlet_b, 5, at(3, 6, 11))
    evaluate(tree.outlet_a, 1, at(2, 27, 11))
    evaluate(tree.outlet_c, 1, at(3, 6, 11))


def shown(section) -> dict:
    return {figure.label: figure.value for figure in section.figures}


def test_out_12_out_15_county_figures_count_the_period_and_the_branch(
    tree, county_manager, queue_data
):
    # Given the tickets and evaluations of the data set; when the county's section is built
    section = queue.build(scope=Scope(user=county_manager, unit=tree.county, period=MARCH))
    figures = shown(section)
    # then only March in outlets A and B counts; waits are from issue to call over the
    # 5 called tickets (10, 15, 20, 40, 50 minutes).
    assert figures["Tickets issued"] == 5
    assert figures["Customers served"] == 4
    assert figures["Wait, median"] == 20.0
    assert figures["Wait, 90th percentile"] == 46.0
    assert figures["Waits over 30 minutes (OUT-12)"] == 2
    assert figures["of which told in advance"] == 1
    assert figures["of which not told"] == 1
    # 3 of 4 evaluations satisfied: 75% against the default 80% target.
    satisfaction = next(f for f in section.figures if f.label == "Satisfaction (OUT-15)")
    assert satisfaction.value == Decimal("75.0")
    assert (satisfaction.status, satisfaction.target) == ("bad", "80.0%")


def test_out_15_target_is_the_county_setting(tree, county_manager, queue_data):
    # Given a county whose satisfaction target is 70%
    OutletSettings.objects.create(county=tree.county, satisfaction_target=Decimal("0.700"))
    # when the section is built, then 75% meets it.
    section = queue.build(scope=Scope(user=county_manager, unit=tree.county, period=MARCH))
    satisfaction = next(f for f in section.figures if f.label == "Satisfaction (OUT-15)")
    assert (satisfaction.status, satisfaction.target) == ("ok", "70.0%")


def test_per_outlet_table_links_each_row_to_the_outlet_queue_stats(
    tree, county_manager, queue_data
):
    section = queue.build(scope=Scope(user=county_manager, unit=tree.county, period=MARCH))
    rows = {row["outlet"]: row for row in section.tables[0].rows}
    assert set(rows) == {tree.outlet_a.name, tree.outlet_b.name}
    a, b = rows[tree.outlet_a.name], rows[tree.outlet_b.name]
    assert (a["issued"], a["served"], a["left"], a["breached"], a["told"], a["untold"]) == (
        4, 3, 1, 1, 1, 0,
    )  # fmt: skip
    assert (a["evaluations"], a["rate"]) == (3, Decimal("66.7"))
    assert (b["breached"], b["untold"], b["rate"]) == (1, 1, Decimal("100.0"))
    stats = reverse("outlets:queue_stats", args=[tree.outlet_a.pk])
    assert a["_links"]["breached"] == f"{stats}?start=2025-03-01&end=2025-03-31"
    # The county figures lead to that table (there is no county-wide ticket list).
    assert {figure.link for figure in section.figures} == {"#queue-by-outlet"}


def test_outlet_drill_down_counts_only_that_outlet(tree, county_manager, queue_data):
    section = queue.build(scope=Scope(user=county_manager, unit=tree.outlet_b, period=MARCH))
    figures = shown(section)
    assert (figures["Tickets issued"], figures["Waits over 30 minutes (OUT-12)"]) == (1, 1)
    stats = reverse("outlets:queue_stats", args=[tree.outlet_b.pk])
    assert all(figure.link.startswith(stats) for figure in section.figures)


def test_chart_has_a_bar_per_day_and_per_month_over_long_periods(tree, county_manager, queue_data):
    march = queue.build(scope=Scope(user=county_manager, unit=tree.county, period=MARCH))
    chart = march.charts[0]
    assert chart.categories == ["03-03", "03-04"]
    assert chart.series[0].values == [3, 2]
    year = Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    chart = queue.build(scope=Scope(user=county_manager, unit=tree.county, period=year)).charts[0]
    assert chart.categories == ["2025-02", "2025-03"]
    assert chart.series[1].values == [1, 2]


def test_empty_period_shows_no_rate(tree, county_manager):
    section = queue.build(scope=Scope(user=county_manager, unit=tree.county, period=MARCH))
    figures = shown(section)
    assert figures["Tickets issued"] == 0
    assert figures["Wait, median"] is None
    assert figures["Satisfaction (OUT-15)"] is None
