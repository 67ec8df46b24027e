"""SLA-3/SLA-4: the clock service on the three clocks and the official calendar."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from core import clocks
from core.calendar import calendar_load_year
from core.models import CalendarDay, CalendarYear, Clock, WorkingPeriod

SH = ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


pytestmark = pytest.mark.django_db


def test_sla_3_wall_clock_is_plain_elapsed_time():
    deadline = clocks.add(clock=Clock.WALL, start=at(2026, 10, 1, 9), amount=dt.timedelta(hours=24))
    assert deadline == clocks.Deadline(at(2026, 10, 2, 9), provisional=False)


def test_sla_3_working_days_skip_national_day_2026_and_count_make_up_workday():
    # Given the 2026 calendar: 1–7 October off, Saturday 10 October a make-up workday.
    assert CalendarYear.objects.filter(year=2026).exists()
    # When a 3-working-day deadline starts on Wednesday 30 September
    deadline = clocks.add(
        clock=Clock.WORKING_DAYS, start=at(2026, 9, 30, 15), amount=dt.timedelta(days=3)
    )
    # Then it ends at the end of Saturday 10 October: Thursday 8 and Friday 9 October
    # are the first two working days after the holiday, the make-up Saturday the third.
    assert deadline.due == at(2026, 10, 10, 23, 59, 59)
    assert not deadline.provisional


def test_sla_3_make_up_saturday_counts_as_a_working_day():
    deadline = clocks.add(
        clock=Clock.WORKING_DAYS, start=at(2026, 10, 9, 10), amount=dt.timedelta(days=1)
    )
    assert deadline.due == at(2026, 10, 10, 23, 59, 59)


def test_sla_3_working_days_end_at_end_of_nth_day_after_start_day():
    # Monday 16 November 2026, 3 working days → end of Thursday 19 November.
    deadline = clocks.add(
        clock=Clock.WORKING_DAYS, start=at(2026, 11, 16, 8), amount=dt.timedelta(days=3)
    )
    assert deadline.due == at(2026, 11, 19, 23, 59, 59)


def test_sla_3_working_hours_follow_county_published_hours(tree):
    WorkingPeriod.objects.create(county=tree.county, start=dt.time(8, 30), end=dt.time(12))
    WorkingPeriod.objects.create(county=tree.county, start=dt.time(14), end=dt.time(17, 30))
    # 11:30 + 1 working hour: 30 minutes before lunch, 30 after.
    deadline = clocks.add(
        clock=Clock.WORKING_HOURS,
        start=at(2026, 11, 20, 11, 30),
        amount=dt.timedelta(hours=1),
        county=tree.county,
    )
    assert deadline.due == at(2026, 11, 20, 14, 30)
    # Friday 17:10 + 1 hour: 20 minutes on Friday, 40 on Monday morning.
    deadline = clocks.add(
        clock=Clock.WORKING_HOURS,
        start=at(2026, 11, 20, 17, 10),
        amount=dt.timedelta(hours=1),
        county=tree.county,
    )
    assert deadline.due == at(2026, 11, 23, 9, 10)


def test_sla_3_working_hours_skip_national_day(tree):
    deadline = clocks.add(
        clock=Clock.WORKING_HOURS,
        start=at(2026, 9, 30, 17),
        amount=dt.timedelta(hours=1),
        county=tree.county,
    )
    # Default hours 08:30–12:00 / 14:00–17:30: 30 minutes on 30 September, the rest on
    # Thursday 8 October.
    assert deadline.due == at(2026, 10, 8, 9, 0)


def test_sla_4_deadline_in_unknown_year_uses_weekends_and_is_provisional():
    assert not CalendarYear.objects.filter(year=2027).exists()
    # Wednesday 30 December 2026 + 3 working days: 31 Dec, then 2027 is unknown:
    # Friday 1 Jan counts (weekends only), Monday 4 Jan is the third.
    deadline = clocks.add(
        clock=Clock.WORKING_DAYS, start=at(2026, 12, 30, 10), amount=dt.timedelta(days=3)
    )
    assert deadline == clocks.Deadline(at(2027, 1, 4, 23, 59, 59), provisional=True)


def test_sla_4_entering_a_year_makes_deadlines_definite():
    year = CalendarYear.objects.create(year=2027, source=CalendarYear.Source.MANUAL)
    CalendarDay.objects.create(
        calendar_year=year, date=dt.date(2027, 1, 1), kind="holiday", name="元旦"
    )
    deadline = clocks.add(
        clock=Clock.WORKING_DAYS, start=at(2026, 12, 30, 10), amount=dt.timedelta(days=3)
    )
    assert deadline == clocks.Deadline(at(2027, 1, 5, 23, 59, 59), provisional=False)


def test_sla_3_measure_is_the_inverse_of_add(tree):
    start = at(2026, 9, 28, 10)
    for clock, amount in [
        (Clock.WALL, dt.timedelta(hours=5)),
        (Clock.WORKING_HOURS, dt.timedelta(hours=9, minutes=15)),
        (Clock.WORKING_DAYS, dt.timedelta(days=6)),
    ]:
        due = clocks.add(clock=clock, start=start, amount=amount, county=tree.county).due
        measured = clocks.measure(clock=clock, start=start, end=due, county=tree.county)
        assert measured.amount == amount, clock


def test_sla_4_calendar_load_stores_only_exceptions_to_weekends():
    calendar_load_year(year=2026)
    kinds = dict(CalendarDay.objects.filter(date__year=2026).values_list("date", "kind"))
    assert kinds[dt.date(2026, 10, 1)] == CalendarDay.Kind.HOLIDAY
    assert kinds[dt.date(2026, 10, 10)] == CalendarDay.Kind.WORKDAY
    assert dt.date(2026, 10, 3) not in kinds  # a Saturday off anyway
