"""Aggregates the sections share: medians and 90th percentiles of intervals between two
timestamps, computed by PostgreSQL (percentile_cont, linear interpolation between the
closest ranks) in the same GROUP BY query as the counts; on other databases (SQLite, the
embedded default) the same formula runs in Python over at most PYTHON_LIMIT rows, and is
left out beyond that rather than reading a whole table into memory."""

import datetime as dt
from dataclasses import dataclass

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import Aggregate, Count, DurationField, F, Q, QuerySet

from complaints.reports import percentile

MEDIAN, P90 = 0.5, 0.9
PYTHON_LIMIT = 20_000


class PercentileCont(Aggregate):
    """percentile_cont(ARRAY[median, p90]) WITHIN GROUP (ORDER BY expression): both
    percentiles from one sort; NULLs are skipped."""

    function = "percentile_cont"
    template = f"%(function)s(ARRAY[{MEDIAN}, {P90}]) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression):
        super().__init__(expression, output_field=ArrayField(DurationField()))


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
        # COUNT(start), not COUNT(id): a covering index can answer alone.
        aggregates[f"{name}__n"] = Count(
            start, filter=Q(**{f"{start}__isnull": False, f"{end}__isnull": False})
        )
        aggregates[f"{name}__pct"] = PercentileCont(elapsed)
    if group_by:
        rows = queryset.values(group_by).annotate(**aggregates)
    else:
        rows = [{None: None, **queryset.aggregate(**aggregates)}]
    result = {}
    for row in rows:
        key = row[group_by] if group_by else None
        result[key] = {
            name: IntervalStats(row[f"{name}__n"], *(row[f"{name}__pct"] or (None, None)))
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


def histogram_stats(histogram: dict[int, int], *, width_seconds: float) -> IntervalStats:
    """Count, median and 90th percentile of the intervals counted in `histogram`
    ({bucket: n}, bucket b holding the intervals from b × width to one width more), each
    interval taken as its bucket's lower bound: percentile_cont's formula over those
    values, so exact to one bucket's width."""
    total = sum(histogram.values())
    if not total:
        return EMPTY
    buckets = sorted(histogram.items())

    def at_rank(rank: int) -> float:
        seen = 0
        for bucket, n in buckets:
            seen += n
            if rank < seen:
                return bucket * width_seconds
        return buckets[-1][0] * width_seconds

    def percentile_of(fraction: float) -> dt.timedelta:
        rank = fraction * (total - 1)
        low = int(rank)
        value = at_rank(low)
        if rank > low:
            value += (rank - low) * (at_rank(low + 1) - value)
        return dt.timedelta(seconds=value)

    return IntervalStats(total, percentile_of(MEDIAN), percentile_of(P90))


def interval_stats_sets(
    queryset: QuerySet, *, intervals: dict[str, tuple[str, str]], group_bys: list[str | None]
) -> dict:
    """{group_by: interval_stats(queryset, intervals=…, group_by=group_by)} for each of
    `group_bys` (None: the whole queryset); on PostgreSQL in one scan (GROUPING SETS)
    instead of one query each."""
    if connection.vendor != "postgresql":
        return {
            group_by: interval_stats(queryset, intervals=intervals, group_by=group_by)
            for group_by in group_bys
        }
    groups = [group_by for group_by in group_bys if group_by]
    fields = sorted({field for pair in intervals.values() for field in pair})
    inner, params = queryset.order_by().values(*groups, *fields).query.sql_with_params()
    model = queryset.model
    column = {name: model._meta.get_field(name).column for name in groups + fields}
    quote = connection.ops.quote_name
    selects = [f"GROUPING({quote(column[group])})" for group in groups]
    selects += [quote(column[group]) for group in groups]
    for start, end in intervals.values():
        begin, finish = quote(column[start]), quote(column[end])
        selects.append(f"COUNT({begin}) FILTER (WHERE {finish} IS NOT NULL)")
        selects.append(
            f"percentile_cont(ARRAY[{MEDIAN}, {P90}]) WITHIN GROUP (ORDER BY {finish} - {begin})"
        )
    sets = [f"({quote(column[group])})" for group in groups]
    if None in group_bys:
        sets.append("()")
    sql = f"SELECT {', '.join(selects)} FROM ({inner}) AS q GROUP BY GROUPING SETS "
    sql += f"({', '.join(sets)})"
    result: dict = {group_by: {} for group_by in group_bys}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for row in rows:
        flags, keys, values = (
            row[: len(groups)],
            row[len(groups) : 2 * len(groups)],
            row[2 * len(groups) :],
        )
        grouped = [index for index, flag in enumerate(flags) if flag == 0]
        group_by, key = (groups[grouped[0]], keys[grouped[0]]) if grouped else (None, None)
        stats = {}
        for position, name in enumerate(intervals):
            count, pct = values[2 * position], values[2 * position + 1]
            stats[name] = IntervalStats(count, *(pct or (None, None)))
        result[group_by][key] = stats
    return result
