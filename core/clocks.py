"""SLA-3/SLA-4: the one clock service every app uses for deadlines.

Three clocks:
- wall: plain elapsed time;
- working hours: the county's published periods on working days;
- working days: a deadline of N working days ends at the end of the Nth working day
  after the start day (Chinese official calendar, make-up workdays included).

A working day is looked up in the stored calendar. A year that is not stored yet is
computed with weekends only and the result is marked provisional; intake never fails
because of the calendar.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from core.models import CalendarDay, CalendarYear, Clock, WorkingPeriod

# A deadline is never searched for further than this: it guards against a calendar
# entered with no working days at all.
_MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class Deadline:
    due: dt.datetime
    provisional: bool


@dataclass(frozen=True)
class Measure:
    amount: dt.timedelta
    provisional: bool


class Calendar:
    """A snapshot of the official calendar: which years are known and their exceptions."""

    def __init__(self, known_years: set[int], exceptions: dict[dt.date, bool]):
        self.known_years = known_years
        self.exceptions = exceptions

    @classmethod
    def load(cls) -> "Calendar":
        return cls(
            set(CalendarYear.objects.values_list("year", flat=True)),
            {
                day: kind == CalendarDay.Kind.WORKDAY
                for day, kind in CalendarDay.objects.values_list("date", "kind")
            },
        )

    def is_known(self, day: dt.date) -> bool:
        return day.year in self.known_years

    def is_workday(self, day: dt.date) -> bool:
        if day.year in self.known_years and day in self.exceptions:
            return self.exceptions[day]
        return day.weekday() < 5


def working_periods(county) -> list[tuple[dt.time, dt.time]]:
    """The county's published opening periods, or the default ones."""
    if county is not None:
        periods = [(p.start, p.end) for p in WorkingPeriod.objects.filter(county=county)]
        if periods:
            return periods
    return [
        (dt.time.fromisoformat(start), dt.time.fromisoformat(end))
        for start, end in settings.DEFAULT_WORKING_PERIODS
    ]


def _at(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=timezone.get_current_timezone())


def end_of_day(day: dt.date) -> dt.datetime:
    return _at(day, dt.time(23, 59, 59))


def add(
    *,
    clock: str,
    start: dt.datetime,
    amount: dt.timedelta,
    county=None,
    calendar: Calendar | None = None,
) -> Deadline:
    """The due time `amount` after `start` on `clock`."""
    if clock == Clock.WALL:
        return Deadline(start + amount, provisional=False)
    calendar = calendar or Calendar.load()
    start = timezone.localtime(start)
    if clock == Clock.WORKING_DAYS:
        return _add_working_days(start, amount.days, calendar)
    if clock == Clock.WORKING_HOURS:
        return _add_working_hours(start, amount, working_periods(county), calendar)
    raise ValueError(f"unknown clock {clock!r}")


def measure(
    *,
    clock: str,
    start: dt.datetime,
    end: dt.datetime,
    county=None,
    calendar: Calendar | None = None,
) -> Measure:
    """How much of `clock` runs between `start` and `end` (zero if end <= start).

    For working days this is the number of working days after the start day up to and
    including the end day, so that add() and measure() are inverses.
    """
    if end <= start:
        return Measure(dt.timedelta(0), provisional=False)
    if clock == Clock.WALL:
        return Measure(end - start, provisional=False)
    calendar = calendar or Calendar.load()
    start, end = timezone.localtime(start), timezone.localtime(end)
    days = [
        start.date() + dt.timedelta(days=i) for i in range((end.date() - start.date()).days + 1)
    ]
    provisional = any(not calendar.is_known(day) for day in days)
    if clock == Clock.WORKING_DAYS:
        count = sum(1 for day in days[1:] if calendar.is_workday(day))
        return Measure(dt.timedelta(days=count), provisional)
    if clock == Clock.WORKING_HOURS:
        total = dt.timedelta(0)
        for day in days:
            if not calendar.is_workday(day):
                continue
            for opens, closes in working_periods(county):
                lo, hi = max(start, _at(day, opens)), min(end, _at(day, closes))
                if hi > lo:
                    total += hi - lo
        return Measure(total, provisional)
    raise ValueError(f"unknown clock {clock!r}")


def _add_working_days(start: dt.datetime, days: int, calendar: Calendar) -> Deadline:
    day = start.date()
    provisional = not calendar.is_known(day)
    counted = 0
    for _ in range(_MAX_DAYS):
        if counted >= days:
            return Deadline(end_of_day(day), provisional)
        day += dt.timedelta(days=1)
        provisional = provisional or not calendar.is_known(day)
        if calendar.is_workday(day):
            counted += 1
    raise ValueError("no working day found within three years")


def _add_working_hours(
    start: dt.datetime,
    amount: dt.timedelta,
    periods: list[tuple[dt.time, dt.time]],
    calendar: Calendar,
) -> Deadline:
    remaining = amount
    day = start.date()
    provisional = False
    for _ in range(_MAX_DAYS):
        provisional = provisional or not calendar.is_known(day)
        if calendar.is_workday(day):
            for opens, closes in periods:
                lo, hi = max(start, _at(day, opens)), _at(day, closes)
                if hi <= lo:
                    continue
                if remaining <= hi - lo:
                    return Deadline(lo + remaining, provisional)
                remaining -= hi - lo
        day += dt.timedelta(days=1)
    raise ValueError("no working hours found within three years")
