"""Aggregates the sections share: medians and 90th percentiles of intervals between two
timestamps, computed by PostgreSQL (percentile_cont, linear interpolation between the
closest ranks) in the same GROUP BY query as the counts; on other databases (SQLite, the
embedded default) the same formula runs in Python over at most PYTHON_LIMIT rows, and is
left out beyond that rather than reading a whole table into memory."""

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import Aggregate, Count, DurationField, F, Q, QuerySet

from complaints.reports import percentile

MEDIAN, P90 = 0.5, 0.9
PYTHON_LIMIT = 20_000


class PercentileCont(Aggregate):
    """percentile_cont(fraction) WITHIN GROUP (ORDER BY expression); NULLs are skipped."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, *, fraction: float):
        # `fraction` is one of this module's constants, never user input.
        super().__init__(expression, fraction=float(fraction), output_field=DurationField())


@dataclass(frozen=True)
class IntervalStats:
    count: int
    median: dt.timedelta | None
    p90: dt.timedelta | None

    def hours(self, which: str) -> float | None:
        value = getattr(self, which)
        return None if value is None else round(value.total_seconds() / 3600, 1)

    def days(self, which: str) -> float | None:
        value = getattr(self, which)
        return None if value is None else round(value.total_seconds() / 86400, 1)


EMPTY = IntervalStats(0, None, None)


def interval_stats(
    queryset: QuerySet, *, intervals: dict[str, tuple[str, str]], group_by: str | None = None
) -> dict:
    """{group value (None without group_by): {interval name: IntervalStats}} for each
    interval (start field, end field) over the rows where both are set."""
    queryset = queryset.order_by()
    if connection.vendor == "postgresql":
        return _in_sql(queryset, intervals, group_by)
    return _in_python(queryset, intervals, group_by)


def _in_sql(queryset, intervals, group_by):
    aggregates = {}
    for name, (start, end) in intervals.items():
        elapsed = F(end) - F(start)
        aggregates[f"{name}__n"] = Count(
            "pk", filter=Q(**{f"{start}__isnull": False, f"{end}__isnull": False})
        )
        aggregates[f"{name}__median"] = PercentileCont(elapsed, fraction=MEDIAN)
        aggregates[f"{name}__p90"] = PercentileCont(elapsed, fraction=P90)
    if group_by:
        rows = queryset.values(group_by).annotate(**aggregates)
    else:
        rows = [{None: None, **queryset.aggregate(**aggregates)}]
    result = {}
    for row in rows:
        key = row[group_by] if group_by else None
        result[key] = {
            name: IntervalStats(row[f"{name}__n"], row[f"{name}__median"], row[f"{name}__p90"])
            for name in intervals
        }
    return result


def _in_python(queryset, intervals, group_by):
    fields = sorted({field for pair in intervals.values() for field in pair})
    columns = ([group_by] if group_by else []) + fields
    rows = list(queryset.values_list(*columns)[: PYTHON_LIMIT + 1])
    if len(rows) > PYTHON_LIMIT:
        return {}
    samples: dict = {}
    for row in rows:
        key = row[0] if group_by else None
        values = dict(zip(fields, row[1:] if group_by else row, strict=True))
        per_key = samples.setdefault(key, {name: [] for name in intervals})
        for name, (start, end) in intervals.items():
            if values[start] is not None and values[end] is not None:
                per_key[name].append((values[end] - values[start]).total_seconds())
    result = {}
    for key, per_key in samples.items():
        result[key] = {}
        for name, seconds in per_key.items():
            seconds.sort()
            if not seconds:
                result[key][name] = EMPTY
                continue
            result[key][name] = IntervalStats(
                len(seconds),
                dt.timedelta(seconds=percentile(seconds, MEDIAN)),
                dt.timedelta(seconds=percentile(seconds, P90)),
            )
    return result
