"""Summary tables for the dashboards (issue 8) and how sections read them.

Issuance (UW-4) by outlet, product and day: a county's year holds about half a million
issued policies, too many to sum live in a page's budget; the summary holds at most
outlets × products × days rows. `issuance_refresh` rebuilds the days from `since` up to
yesterday in one INSERT … SELECT … GROUP BY (a day's premium can still change after
issuance when an objection corrects a group list, so the nightly run rebuilds the last
REBUILD_DAYS days), and `issuance` reads the summary for the complete days and the
policy table live for the rest (today, or anything after the last refresh).
"""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from dashboards.models import IssuanceDay, SummaryState
from dashboards.sections.base import Period
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
        # Summed by month in SQL: a county's year is some 30,000 summary rows, too many
        # to add up in Python within the page's budget; callers only need months.
        rows += list(
            IssuanceDay.objects.filter(outlet_id__in=unit_ids, day__gte=period.start, day__lte=last)
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
        state.through = max(through, state.through) if state.through else through
        state.refreshed_at = timezone.now()
        state.save()
    return written
