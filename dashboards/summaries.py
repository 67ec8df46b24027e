"""Summary tables for the dashboards (issue 8) and how sections read them.

Each summary holds whole days up to yesterday (SummaryState.through); a reader takes the
summary for the complete days of a period and the business tables live for the rest
(today, or anything after the last refresh), so the figures are the live ones. A refresh
(dashboards.tasks, by beat) deletes and rebuilds whole days in one INSERT … SELECT …
GROUP BY: idempotent, and it rebuilds the last few days each time for what can still
change after its day.

- Issuance (UW-4) by outlet, product and day: a county's year holds about half a million
  issued policies; the summary holds at most outlets × products × days rows, and a row
  per complete month (`whole_month`). A day's premium can still change when an objection
  corrects a group list (PUB-5): REBUILD_DAYS.
- Ended SLA timers by unit, rule, kind of record and day of `ended_at` (met, breached):
  an ended timer never changes; open timers are always counted live (open_timers).
- The counter queue by outlet and day (and complete month): tickets issued, served, left,
  over the limit, told; waits as a histogram; evaluations rated that day.
"""

import datetime as dt
import json
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from core.models import SlaTimer
from dashboards.models import IssuanceDay, QueueDay, SummaryState, TimerDay
from dashboards.sections.base import Period
from outlets.models import Evaluation, QueueTicket
from underwriting.models import Policy

ISSUANCE = "issuance"
# Objections may correct a group list weeks after issuance (PUB-5).
REBUILD_DAYS = 90
FIELDS = ("count", "premium", "farmer_share", "central", "provincial", "city", "county")
ISSUED_STATUSES = (Policy.Status.ISSUED.value, Policy.Status.SURRENDERED.value)


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def issuance_through() -> dt.date | None:
    state = SummaryState.objects.filter(name=ISSUANCE).first()
    return state.through if state else None


def issuance(*, unit_ids: list[int], period: Period) -> list[dict]:
    """Rows {outlet_id, product_id, day, count, premium, farmer_share, central,
    provincial, city, county} of the policies of `unit_ids` issued in `period`; `day`
    is the first of the month for the rows summed by month from the summary."""
    through = issuance_through()
    rows = []
    live_from = period.start
    if through is not None and through >= period.start:
        last = min(through, period.end)
        # The complete months from their month rows; the days around them summed by
        # month in SQL (a county's year of days is some 30,000 rows): callers only need
        # months.
        months, ranges = _month_split(period.start, last)
        if months:
            rows += list(
                IssuanceDay.objects.filter(whole_month=True, outlet_id__in=unit_ids, day__in=months)
                .order_by()
                .values("outlet_id", "product_id", "day", *FIELDS)
            )
        for first, final in ranges:
            rows += list(
                IssuanceDay.objects.filter(
                    whole_month=False, outlet_id__in=unit_ids, day__gte=first, day__lte=final
                )
                .order_by()
                .annotate(month=TruncMonth("day"))
                .values("outlet_id", "product_id", "month")
                .annotate(**{field: Sum(field) for field in FIELDS})
                .annotate(day=F("month"))
                .values("outlet_id", "product_id", "day", *FIELDS)
            )
        live_from = last + dt.timedelta(days=1)
    if live_from <= period.end:
        rows += _live(unit_ids=unit_ids, since=_start_of(live_from), until=period.until)
    return rows


def _live(*, unit_ids: list[int], since: dt.datetime, until: dt.datetime) -> list[dict]:
    zone = timezone.get_current_timezone()
    policies = Policy.objects.filter(
        org_unit_id__in=unit_ids,
        status__in=ISSUED_STATUSES,
        issued_at__gte=since,
        issued_at__lt=until,
    )
    rows = (
        policies.order_by()
        .annotate(day=TruncDate("issued_at", tzinfo=zone))
        .values("org_unit_id", "product_id", "day")
        .annotate(
            count=Count("pk"),
            premium=Sum("premium"),
            farmer_share=Sum("farmer_share"),
            central=Sum("central"),
            provincial=Sum("provincial"),
            city=Sum("city"),
            county=Sum("county"),
        )
    )
    zero = Decimal("0.00")
    return [
        {
            "outlet_id": row["org_unit_id"],
            **{key: row[key] for key in ("product_id", "day", "count")},
            **{key: row[key] or zero for key in FIELDS[1:]},
        }
        for row in rows
    ]


def issuance_refresh(*, since: dt.date | None = None, today: dt.date | None = None) -> int:
    """Rebuild the issuance summary from `since` (default: REBUILD_DAYS ago, or the
    first issued policy when the summary is empty) up to yesterday; returns the rows
    written."""
    today = today or timezone.localdate()
    through = today - dt.timedelta(days=1)
    if since is None:
        known = issuance_through()
        if known is None:
            first = Policy.objects.filter(issued_at__isnull=False).order_by("issued_at").first()
            since = through if first is None else timezone.localtime(first.issued_at).date()
        else:
            since = min(known + dt.timedelta(days=1), today - dt.timedelta(days=REBUILD_DAYS))
    table, policies = IssuanceDay._meta.db_table, Policy._meta.db_table
    with transaction.atomic():
        # One refresh at a time: a second waits, then rebuilds the same days.
        state, _ = SummaryState.objects.select_for_update().get_or_create(
            name=ISSUANCE,
            defaults={"through": since - dt.timedelta(days=1), "refreshed_at": timezone.now()},
        )
        IssuanceDay.objects.filter(day__gte=since).delete()
        written = 0
        if since <= through:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"""
                    INSERT INTO {table} (outlet_id, day, product_id, count, premium,
                        farmer_share, central, provincial, city, county)
                    SELECT org_unit_id, (issued_at AT TIME ZONE %s)::date AS day, product_id,
                        COUNT(*), SUM(premium), SUM(farmer_share), SUM(central),
                        SUM(provincial), SUM(city), SUM(county)
                    FROM {policies}
                    WHERE status IN %s AND issued_at >= %s AND issued_at < %s
                    GROUP BY 1, 2, 3
                    """,
                    [settings.TIME_ZONE, ISSUED_STATUSES, _start_of(since), _start_of(today)],
                )
                written = cursor.rowcount
                # The complete months the rebuilt days fall in, summed from their days.
                first, last = _complete_months(since, through)
                IssuanceDay.objects.filter(whole_month=True, day__gte=first).delete()
                if first <= last:
                    cursor.execute(
                        f"""
                        INSERT INTO {table} (whole_month, outlet_id, day, product_id, count,
                            premium, farmer_share, central, provincial, city, county)
                        SELECT true, outlet_id, date_trunc('month', day)::date, product_id,
                            SUM(count), SUM(premium), SUM(farmer_share), SUM(central),
                            SUM(provincial), SUM(city), SUM(county)
                        FROM {table}
                        WHERE NOT whole_month AND day >= %s AND day <= %s
                        GROUP BY 2, 3, 4
                        """,
                        [first, last],
                    )
                    written += cursor.rowcount
        state.through = max(through, state.through) if state.through else through
        state.refreshed_at = timezone.now()
        state.save()
    return written


# --- Shared by the summaries -------------------------------------------------------------
def summary_through(name: str) -> dt.date | None:
    state = SummaryState.objects.filter(name=name).first()
    return state.through if state else None


def _refresh(
    *,
    name: str,
    model,
    since: dt.date | None,
    today: dt.date | None,
    rebuild_days: int,
    first_day,
    insert,
) -> int:
    """Rebuild the whole days of summary `name` from `since` (default: the last
    `rebuild_days` days and any day after the last refresh; everything from `first_day()`
    when the summary is empty) up to yesterday: delete them, then `insert(since, today)`
    (returns the rows written). Idempotent: a second run rebuilds the same days."""
    today = today or timezone.localdate()
    through = today - dt.timedelta(days=1)
    if since is None:
        known = summary_through(name)
        if known is None:
            first = first_day()
            since = through if first is None else first
        else:
            since = min(known + dt.timedelta(days=1), today - dt.timedelta(days=rebuild_days))
    with transaction.atomic():
        # One refresh at a time: a second waits, then rebuilds the same days.
        state, _ = SummaryState.objects.select_for_update().get_or_create(
            name=name,
            defaults={"through": since - dt.timedelta(days=1), "refreshed_at": timezone.now()},
        )
        model.objects.filter(day__gte=since).delete()
        written = insert(since, today) if since <= through else 0
        state.through = max(through, state.through) if state.through else through
        state.refreshed_at = timezone.now()
        state.save()
    return written


def _live_start(name: str, period: Period) -> tuple[dt.date | None, dt.date]:
    """(last day read from summary `name`, or None; first day read live)."""
    through = summary_through(name)
    if through is None or through < period.start:
        return None, period.start
    last = min(through, period.end)
    return last, last + dt.timedelta(days=1)


def _units_filter(column: str, unit_ids: list[int] | None) -> str:
    return "" if unit_ids is None else f"AND {column} = ANY(%(units)s)"


# --- SLA timers (SLA-1..6) ---------------------------------------------------------------
TIMERS = "timers"
# A timer ends when an action or the sweep says so; one ended late (a sweep that was down,
# an action recorded afterwards) lands in a day the nightly run still rebuilds.
TIMER_REBUILD_DAYS = 14
ENDED = (SlaTimer.State.MET.value, SlaTimer.State.BREACHED.value)
TIMER_SELECT = f"""
    SELECT org_unit_id, (ended_at AT TIME ZONE %(tz)s)::date AS day, rule_id, subject_type_id,
        COUNT(*) FILTER (WHERE state = 'met'), COUNT(*) FILTER (WHERE state = 'breached')
    FROM {SlaTimer._meta.db_table}
    WHERE state IN ('met', 'breached') AND ended_at >= %(since)s AND ended_at < %(until)s
        {{units}}
    GROUP BY 1, 2, 3, 4
"""


def _timer_sql(unit_ids: list[int] | None) -> str:
    return TIMER_SELECT.replace("{units}", _units_filter("org_unit_id", unit_ids))


def timers_refresh(*, since: dt.date | None = None, today: dt.date | None = None) -> int:
    """Rebuild the ended-timers summary up to yesterday; returns the rows written."""

    def first_day():
        first = SlaTimer.objects.filter(state__in=ENDED).order_by("ended_at").first()
        return None if first is None else timezone.localtime(first.ended_at).date()

    def insert(since, today):
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {TimerDay._meta.db_table} "
                "(outlet_id, day, rule_id, subject_type_id, met, breached) " + _timer_sql(None),
                {"tz": settings.TIME_ZONE, "since": _start_of(since), "until": _start_of(today)},
            )
            return cursor.rowcount

    return _refresh(
        name=TIMERS,
        model=TimerDay,
        since=since,
        today=today,
        rebuild_days=TIMER_REBUILD_DAYS,
        first_day=first_day,
        insert=insert,
    )


def ended_timers(*, unit_ids: list[int], period: Period) -> dict[tuple[int, int, int], list[int]]:
    """{(unit id, rule id, subject type id): [met, breached]} of the timers of `unit_ids`
    that ended in `period`: the summary for its complete days, the timers live after."""
    last, live_from = _live_start(TIMERS, period)
    result: dict[tuple[int, int, int], list[int]] = {}

    def add(key, met, breached):
        counts = result.setdefault(key, [0, 0])
        counts[0] += met
        counts[1] += breached

    if last is not None:
        rows = (
            TimerDay.objects.filter(outlet_id__in=unit_ids, day__gte=period.start, day__lte=last)
            .order_by()
            .values_list("outlet_id", "rule_id", "subject_type_id")
            .annotate(Sum("met"), Sum("breached"))
        )
        for unit, rule, subject_type, met, breached in rows:
            add((unit, rule, subject_type), met, breached)
    if live_from <= period.end:
        with connection.cursor() as cursor:
            cursor.execute(
                _timer_sql(unit_ids),
                {
                    "tz": settings.TIME_ZONE,
                    "since": _start_of(live_from),
                    "until": period.until,
                    "units": list(unit_ids),
                },
            )
            for unit, _day, rule, subject_type, met, breached in cursor.fetchall():
                add((unit, rule, subject_type), met, breached)
    return result


def open_timers(*, unit_ids: list[int]) -> list[dict]:
    """Rows {org_unit_id, rule_id, running, paused, overdue, provisional} of the open
    timers of `unit_ids` now (always live: they change by the minute)."""
    now = timezone.now()
    # COUNT(org_unit), not COUNT(id): the (org_unit, state, ended_at) index holds every column
    # read here, so PostgreSQL can answer from the index alone.
    S = SlaTimer.State
    return list(
        SlaTimer.objects.filter(org_unit_id__in=unit_ids, state__in=SlaTimer.OPEN_STATES)
        .order_by()
        .values("org_unit_id", "rule_id")
        .annotate(
            running=Count("org_unit", filter=Q(state=S.RUNNING)),
            paused=Count("org_unit", filter=Q(state=S.PAUSED)),
            overdue=Count("org_unit", filter=Q(state=S.RUNNING, due_at__lte=now)),
            provisional=Count("org_unit", filter=Q(provisional=True)),
        )
    )


# --- The counter queue (OUT-12, OUT-15) --------------------------------------------------
QUEUE = "queue"
# Tickets are of their day; an evaluation is rated within days of its ticket.
QUEUE_REBUILD_DAYS = 7
_TICKETS, _EVALUATIONS = QueueTicket._meta.db_table, Evaluation._meta.db_table
QUEUE_SELECT = f"""
    WITH t AS (
        SELECT outlet_id, day, COUNT(*) AS issued,
            COUNT(*) FILTER (WHERE state = 'done') AS served,
            COUNT(*) FILTER (WHERE state = 'left') AS gone,
            COUNT(*) FILTER (WHERE wait_breached) AS breached,
            COUNT(*) FILTER (WHERE wait_breached AND told_of_wait_at IS NOT NULL) AS told
        FROM {_TICKETS}
        WHERE day >= %(first)s AND day <= %(last)s {{units}}
        GROUP BY 1, 2
    ), w AS (
        SELECT outlet_id, day, jsonb_object_agg(bucket, n) AS waits
        FROM (
            SELECT outlet_id, day,
                FLOOR(EXTRACT(EPOCH FROM called_at - issued_at) / %(width)s)::int AS bucket,
                COUNT(*) AS n
            FROM {_TICKETS}
            WHERE day >= %(first)s AND day <= %(last)s AND called_at IS NOT NULL
                AND issued_at IS NOT NULL {{units}}
            GROUP BY 1, 2, 3
        ) AS b
        GROUP BY 1, 2
    ), e AS (
        SELECT outlet_id, (rated_at AT TIME ZONE %(tz)s)::date AS day, COUNT(*) AS evaluations,
            COUNT(*) FILTER (WHERE rating >= %(satisfied_from)s) AS satisfied
        FROM {_EVALUATIONS}
        WHERE rated_at >= %(since)s AND rated_at < %(until)s {{units}}
        GROUP BY 1, 2
    )
    SELECT COALESCE(t.outlet_id, e.outlet_id), COALESCE(t.day, e.day), COALESCE(t.issued, 0),
        COALESCE(t.served, 0), COALESCE(t.gone, 0), COALESCE(t.breached, 0),
        COALESCE(t.told, 0), COALESCE(w.waits, '{{}}'::jsonb), COALESCE(e.evaluations, 0),
        COALESCE(e.satisfied, 0)
    FROM t LEFT JOIN w ON w.outlet_id = t.outlet_id AND w.day = t.day
    FULL OUTER JOIN e ON e.outlet_id = t.outlet_id AND e.day = t.day
"""
QUEUE_FIELDS = (
    "outlet_id", "day", "issued", "served", "left", "breached", "told", "waits", "evaluations",
    "satisfied",
)  # fmt: skip


def _queue_params(first: dt.date, last: dt.date, unit_ids: list[int] | None) -> dict:
    return {
        "first": first,
        "last": last,
        "since": _start_of(first),
        "until": _start_of(last + dt.timedelta(days=1)),
        "tz": settings.TIME_ZONE,
        "width": QueueDay.WAIT_BUCKET_SECONDS,
        "satisfied_from": int(Evaluation.SATISFIED_FROM),
        "units": list(unit_ids or []),
    }


def _queue_sql(unit_ids: list[int] | None) -> str:
    return QUEUE_SELECT.replace("{units}", _units_filter("outlet_id", unit_ids))


QUEUE_MONTHS_SELECT = f"""
    WITH d AS (
        SELECT * FROM {QueueDay._meta.db_table}
        WHERE NOT whole_month AND day >= %(first)s AND day <= %(last)s
    ), c AS (
        SELECT outlet_id, date_trunc('month', day)::date AS month, SUM(issued) AS issued,
            SUM(served) AS served, SUM("left") AS gone, SUM(breached) AS breached,
            SUM(told) AS told, SUM(evaluations) AS evaluations, SUM(satisfied) AS satisfied
        FROM d GROUP BY 1, 2
    ), w AS (
        SELECT outlet_id, month, jsonb_object_agg(bucket, n) AS waits
        FROM (
            SELECT outlet_id, date_trunc('month', day)::date AS month, key AS bucket,
                SUM(value::int) AS n
            FROM d, jsonb_each_text(d.waits)
            GROUP BY 1, 2, 3
        ) AS b
        GROUP BY 1, 2
    )
    SELECT true, c.outlet_id, c.month, c.issued, c.served, c.gone, c.breached, c.told,
        COALESCE(w.waits, '{{}}'::jsonb), c.evaluations, c.satisfied
    FROM c LEFT JOIN w ON w.outlet_id = c.outlet_id AND w.month = c.month
"""


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _complete_months(since: dt.date, through: dt.date) -> tuple[dt.date, dt.date]:
    """(the first day of `since`'s month, the last day of the last month complete by
    `through`): the month rows a refresh of the days since..through rebuilds."""
    if _next_month(through) - dt.timedelta(days=1) == through:
        return since.replace(day=1), through
    return since.replace(day=1), through.replace(day=1) - dt.timedelta(days=1)


def _month_split(start: dt.date, last: dt.date) -> tuple[list[dt.date], list[tuple]]:
    """(the first days of the complete months within start..last, the (first, last)
    ranges of the days outside them)."""
    months = []
    month = start if start.day == 1 else _next_month(start)
    while _next_month(month) - dt.timedelta(days=1) <= last:
        months.append(month)
        month = _next_month(month)
    if not months:
        return [], [(start, last)]
    ranges = []
    if start < months[0]:
        ranges.append((start, months[0] - dt.timedelta(days=1)))
    after = _next_month(months[-1])
    if after <= last:
        ranges.append((after, last))
    return months, ranges


def queue_refresh(*, since: dt.date | None = None, today: dt.date | None = None) -> int:
    """Rebuild the queue summary up to yesterday; returns the rows written."""

    def first_day():
        first = QueueTicket.objects.order_by("day").values_list("day", flat=True).first()
        rated = Evaluation.objects.order_by("rated_at").values_list("rated_at", flat=True).first()
        days = [first] if first else []
        if rated:
            days.append(timezone.localtime(rated).date())
        return min(days) if days else None

    def insert(since, today):
        through = today - dt.timedelta(days=1)
        columns = ", ".join(connection.ops.quote_name(f) for f in QUEUE_FIELDS)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {QueueDay._meta.db_table} ({columns}) " + _queue_sql(None),
                _queue_params(since, through, None),
            )
            written = cursor.rowcount
            # The complete months the rebuilt days fall in, summed from their days.
            first, last = _complete_months(since, through)
            QueueDay.objects.filter(whole_month=True, day__gte=first).delete()
            if first <= last:
                cursor.execute(
                    f"INSERT INTO {QueueDay._meta.db_table} (whole_month, {columns}) "
                    + QUEUE_MONTHS_SELECT,
                    {"first": first, "last": last},
                )
                written += cursor.rowcount
        return written

    return _refresh(
        name=QUEUE,
        model=QueueDay,
        since=since,
        today=today,
        rebuild_days=QUEUE_REBUILD_DAYS,
        first_day=first_day,
        insert=insert,
    )


def queue_days(*, unit_ids: list[int], period: Period, months: bool = False) -> list[dict]:
    """Rows {outlet_id, day, issued, served, left, breached, told, waits ({bucket: n}),
    evaluations, satisfied} of `unit_ids` in `period`: the summary for its complete
    days, the tickets and evaluations live after (today). With `months`, a complete
    month of the period is one row per outlet (`day` its first day)."""
    last, live_from = _live_start(QUEUE, period)
    rows: list[dict] = []
    if last is not None:
        whole, ranges = _month_split(period.start, last) if months else ([], [(period.start, last)])
        which = Q(whole_month=True, day__in=whole) if whole else Q(pk__in=[])
        for first, final in ranges:
            which |= Q(whole_month=False, day__gte=first, day__lte=final)
        rows += list(
            QueueDay.objects.filter(which, outlet_id__in=unit_ids).order_by().values(*QUEUE_FIELDS)
        )
    if live_from <= period.end:
        with connection.cursor() as cursor:
            cursor.execute(_queue_sql(unit_ids), _queue_params(live_from, period.end, unit_ids))
            for values in cursor.fetchall():
                row = dict(zip(QUEUE_FIELDS, values, strict=True))
                if isinstance(row["waits"], str):
                    row["waits"] = json.loads(row["waits"])
                rows.append(row)
    return rows
