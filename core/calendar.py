"""SLA-4: loading and correcting the official calendar."""

import chinese_calendar
from django.db import transaction

from core.models import CalendarDay, CalendarYear

# chinesecalendar names holidays in English; the calendar is shown in Chinese.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
}


def _name(holiday) -> str:
    return HOLIDAY_NAMES.get(holiday, holiday or "")


def library_years() -> list[int]:
    """The years the chinesecalendar package knows."""
    return sorted({day.year for day in chinese_calendar.holidays})


@transaction.atomic
def calendar_load_year(*, year: int) -> CalendarYear:
    """Store one year from the chinesecalendar package (replacing its exceptions) and
    schedule the recomputation of the timers that reach into it."""
    if year not in library_years():
        raise ValueError(f"chinesecalendar has no data for {year}")
    calendar_year, _ = CalendarYear.objects.update_or_create(
        year=year, defaults={"source": CalendarYear.Source.LIBRARY}
    )
    calendar_year.days.all().delete()
    days = [
        CalendarDay(
            calendar_year=calendar_year,
            date=day,
            kind=CalendarDay.Kind.HOLIDAY,
            name=_name(holiday),
        )
        for day, holiday in chinese_calendar.holidays.items()
        if day.year == year and day.weekday() < 5
    ] + [
        CalendarDay(
            calendar_year=calendar_year,
            date=day,
            kind=CalendarDay.Kind.WORKDAY,
            name=_name(holiday),
        )
        for day, holiday in chinese_calendar.workdays.items()
        if day.year == year and day.weekday() >= 5
    ]
    CalendarDay.objects.bulk_create(days)
    calendar_changed(year=year)
    return calendar_year


def calendar_changed(*, year: int) -> None:
    """Recompute the calendar-bound timers once the change has committed (SLA-4)."""
    from core.tasks import recompute_timers_for_year

    recompute_timers_for_year.delay_on_commit(year)


# Older years matter to no open deadline.
FIRST_STORED_YEAR = 2024


def calendar_load_missing_years() -> list[int]:
    """Load every year the package knows that is not stored yet (SLA-4)."""
    stored = set(CalendarYear.objects.values_list("year", flat=True))
    missing = [y for y in library_years() if y >= FIRST_STORED_YEAR and y not in stored]
    for year in missing:
        calendar_load_year(year=year)
    return missing
