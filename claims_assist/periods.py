"""CLM-6: how long an adjuster authorisation may last."""

import datetime as dt


def one_year_after(day: dt.date) -> dt.date:
    """The same calendar day a year later (28 February for 29 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def authority_ends_in_time(*, valid_from: dt.date, valid_to: dt.date) -> bool:
    """CLM-6: an authorisation lasts at most one year: from 1 March 2026 it may run to
    28 February 2027 inclusive, not to 1 March 2027."""
    return valid_from <= valid_to < one_year_after(valid_from)
