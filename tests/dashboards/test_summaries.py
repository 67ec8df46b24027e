"""The timers, queue and issuance summaries (issue 8): a section reads the same figures from them
as live, across the refresh boundary, and a refresh rebuilds whole days idempotently."""

import datetime as dt
import random

import pytest
from django.conf import settings
from django.utils import translation

from complaints.reports import percentile
from core.models import SlaTimer
from dashboards import aggregates, summaries, tasks
from dashboards.models import IssuanceDay, QueueDay, TimerDay
from dashboards.sections import claims, queue, sla, underwriting
from dashboards.sections.base import Period, Scope
from dashboards.selectors import dashboard_sections
from tests.dashboards.conftest import MARCH, at, make_timer
from tests.dashboards.test_sections_queue import queue_data  # noqa: F401 - a fixture
from tests.dashboards.test_sections_underwriting import issued, products  # noqa: F401

YEAR = Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
APRIL_1 = dt.date(2025, 4, 1)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def shown(section) -> dict:
    """Everything a section shows: figures, tables (rows without links) and charts."""
    return {
        "figures": [(f.label, f.value, f.status) for f in section.figures],
        "tables": [
            [{k: v for k, v in row.items() if k != "_links"} for row in t.rows]
            for t in section.tables
        ],
        "charts": [(c.categories, [s.values for s in c.series]) for c in section.charts],
    }


def build(module, tree, user, period=MARCH, unit=None):
    return shown(module.build(scope=Scope(user=user, unit=unit or tree.county, period=period)))


# --- Timers ----------------------------------------------------------------------------------
def test_sla_1_timer_summary_shows_the_same_as_live(tree, county_manager, timers, cases):
    # Given the sections built live (no summary yet)
    live = {m: build(m, tree, county_manager) for m in (sla, claims)}
    live_outlet = build(sla, tree, county_manager, unit=tree.outlet_a)
    # when the summary is refreshed on 1 April (complete through 31 March)
    written = summaries.timers_refresh(since=dt.date(2025, 1, 1), today=APRIL_1)
    # then it holds a row per unit, rule, kind of record and day of the ended timers
    assert written == TimerDay.objects.count() == 4
    assert summaries.summary_through(summaries.TIMERS) == dt.date(2025, 3, 31)
    # and the sections show exactly what they showed live.
    assert {m: build(m, tree, county_manager) for m in (sla, claims)} == live
    assert build(sla, tree, county_manager, unit=tree.outlet_a) == live_outlet


def test_sla_1_timer_summary_and_live_combine_across_the_refresh_boundary(
    tree, county_manager, timers
):
    live = build(sla, tree, county_manager)
    # Given the summary complete through 10 March only (A's breach of the 10th in it, B's
    # met timer of the 11th not)
    summaries.timers_refresh(since=dt.date(2025, 1, 1), today=dt.date(2025, 3, 11))
    assert TimerDay.objects.filter(day=dt.date(2025, 3, 10), breached=1).exists()
    assert not TimerDay.objects.filter(day=dt.date(2025, 3, 11)).exists()
    # then days up to the 10th come from the summary, the rest live: the same figures.
    assert build(sla, tree, county_manager) == live


def test_sla_1_timer_refresh_rebuilds_whole_days_idempotently(tree, county_manager, timers):
    summaries.timers_refresh(since=dt.date(2025, 1, 1), today=APRIL_1)
    before = sorted(TimerDay.objects.values_list("outlet", "day", "rule", "met", "breached"))
    # Given a timer that ended on 25 March, recorded after the refresh (an action
    # recorded late, within the TIMER_REBUILD_DAYS the nightly run rebuilds)
    make_timer(unit=tree.outlet_b, code="CLM-9", state=SlaTimer.State.MET, ended_at=at(3, 25))
    # when the nightly run rebuilds the last days again, twice
    summaries.timers_refresh(today=APRIL_1)
    summaries.timers_refresh(today=APRIL_1)
    after = sorted(TimerDay.objects.values_list("outlet", "day", "rule", "met", "breached"))
    # then the day holds it once, and nothing else changed.
    assert len(after) == len(before) + 1
    assert set(before) < set(after)
    assert build(sla, tree, county_manager)["figures"][3] == ("Met in the period", 2, "")


# --- The counter queue -----------------------------------------------------------------------
@pytest.mark.parametrize("today", [APRIL_1, dt.date(2025, 3, 4)], ids=["after", "mid-period"])
def test_out_12_queue_summary_shows_the_same_as_live(tree, county_manager, queue_data, today):  # noqa: F811
    periods = [MARCH, YEAR, Period(dt.date(2025, 2, 15), dt.date(2025, 3, 31))]
    units = [tree.county, tree.outlet_a]
    live = [build(queue, tree, county_manager, p, u) for p in periods for u in units]
    # Given the summary refreshed (through 31 March, or through 3 March only)
    summaries.queue_refresh(since=dt.date(2025, 1, 1), today=today)
    # then every period shows the same figures, tables and charts as live.
    assert [build(queue, tree, county_manager, p, u) for p in periods for u in units] == live


def test_out_12_queue_summary_rows_and_months(tree, queue_data):  # noqa: F811
    # When refreshed on 1 April
    summaries.queue_refresh(since=dt.date(2025, 1, 1), today=APRIL_1)
    # then A's 3 March holds its two tickets (waits of 10 and 20 minutes, in 6-second
    # buckets) and the evaluation rated that day
    day = QueueDay.objects.get(outlet=tree.outlet_a, day=dt.date(2025, 3, 3), whole_month=False)
    assert (day.issued, day.served, day.evaluations, day.satisfied) == (2, 2, 1, 1)
    assert day.waits == {"100": 1, "200": 1}
    # and each complete month is summed in a row of its own.
    march = QueueDay.objects.get(outlet=tree.outlet_a, day=dt.date(2025, 3, 1), whole_month=True)
    assert (march.issued, march.served, march.left, march.breached, march.told) == (4, 3, 1, 1, 1)
    assert (march.evaluations, march.satisfied) == (3, 2)
    assert march.waits == {"100": 1, "150": 1, "200": 1, "400": 1}


def test_out_12_queue_refresh_is_idempotent(tree, queue_data):  # noqa: F811
    summaries.queue_refresh(since=dt.date(2025, 1, 1), today=APRIL_1)
    first = sorted(QueueDay.objects.values_list("outlet", "day", "whole_month", "issued", "waits"))
    summaries.queue_refresh(since=dt.date(2025, 3, 1), today=APRIL_1)
    summaries.queue_refresh(today=APRIL_1)
    again = sorted(QueueDay.objects.values_list("outlet", "day", "whole_month", "issued", "waits"))
    assert again == first


def test_waits_from_the_histogram_are_percentile_cont_over_the_buckets():
    # Given waits in whole buckets, the histogram gives percentile_cont's own values.
    rng = random.Random(8)
    for _ in range(50):
        waits = [rng.randrange(0, 400) for _ in range(rng.randrange(1, 60))]
        histogram: dict[int, int] = {}
        for wait in waits:
            histogram[wait] = histogram.get(wait, 0) + 1
        stats = aggregates.histogram_stats(histogram, width_seconds=6)
        ordered = sorted(w * 6 for w in waits)
        assert stats.count == len(waits)
        assert stats.median.total_seconds() == pytest.approx(percentile(ordered, 0.5))
        assert stats.p90.total_seconds() == pytest.approx(percentile(ordered, 0.9))
    assert aggregates.histogram_stats({}, width_seconds=6) == aggregates.EMPTY


# --- The page --------------------------------------------------------------------------------
def test_page_reads_the_shared_aggregates_once(
    tree, county_manager, timers, cases, django_assert_max_num_queries
):
    # The outlets table and the sla, claims and complaints sections share their
    # aggregates: the whole county page stays within a fixed number of queries.
    with django_assert_max_num_queries(40):
        sections = dashboard_sections(
            scope=Scope(user=county_manager, unit=tree.county, period=MARCH)
        )
    outlets = {row["outlet"].split(" ", 1)[1]: row for row in sections[0].tables[0].rows}
    a = outlets[tree.outlet_a.name]
    assert (a["running"], a["breached"], a["claims"]) == (1, 2, 2)


def test_beat_keeps_the_summaries():
    tasks_run = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for task in (tasks.refresh_timer_summary, tasks.refresh_queue_summary):
        assert task.name in tasks_run


# --- Issuance --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "period",
    [YEAR, Period(dt.date(2025, 2, 15), dt.date(2025, 3, 31)), MARCH],
    ids=["year", "across-months", "march"],
)
def test_uw_4_issuance_month_rows_show_the_same_as_live(
    tree,
    county_manager,
    issued,  # noqa: F811
    period,
):
    live = build(underwriting, tree, county_manager, period)
    # Given the summary with its rows of complete months (January to March)
    summaries.issuance_refresh(since=dt.date(2025, 1, 1), today=APRIL_1)
    assert IssuanceDay.objects.filter(whole_month=True).exists()
    # then the section shows the same, whichever rows it reads.
    assert build(underwriting, tree, county_manager, period) == live
