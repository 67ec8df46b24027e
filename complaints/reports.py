"""CMP-8: the complaint figures of a branch over a period, and the per-complaint rows
behind them. Reads only (selectors): plain keyword-only functions that the page, the API
and the exports call.

What is counted
- The complaints *received* in the period (from 00:00 of the first day to 24:00 of the
  last, Asia/Shanghai), whatever has happened to them since: every figure (times,
  escalations, satisfaction, reopenings, REG-2 breaches) is about that cohort, so the
  numbers of one period never change meaning as later work lands.
- Scope: the complaints the user may see (complaints.selectors.complaint_list) that are
  handled (`org_unit`) in the user's branch of the org tree. A report is about units: a
  complaint a clerk received and handed to another outlet (which CMP-1 keeps visible to
  that clerk) is counted in the report of the outlet that handles it, not the clerk's.
  So an outlet's staff see their outlet, a county manager the county, the city and the
  province everything below them; `org_unit` narrows to one unit of that branch (and
  everything below it).
- Times are wall-clock hours as the complainant lives them: first response is
  received_at → first_response_at, resolution is received_at → outcome_told_at (the
  last time an outcome was told, so a reopened complaint counts its whole life).
  Complaints still waiting are left out of the statistic and shown as "waiting".
- Median and p90 use linear interpolation between the closest ranks (PostgreSQL's
  percentile_cont): for 1, 2, 3, 4, 10 hours the median is 3 and p90 is 7.6. On
  PostgreSQL the database computes them (one query per measure); on other databases
  (SQLite, the embedded default) the same formula runs in Python over a streamed
  values_list, holding one float per measured complaint.
"""

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import Channel, Complaint, Escalation, Topic
from complaints.selectors import complaint_list
from core.access import get_in_scope, scope_q
from core.masking import mask
from core.models import OrgUnit, Role, SlaTimer, User

# CMP-8 / REG-3: the per-complaint export carries complainants' (masked) names; it is for
# the people who answer for a unit's complaints and for auditors. Counter clerks and
# claims-assist staff see their outlet's figures only.
EXPORT_ROLES = {
    Role.OUTLET_HEAD,
    Role.COUNTY_MANAGER,
    Role.CLAIMS_CENTRE,
    Role.AUDITOR,
    Role.API_CLIENT,
}
PERCENTILES = {"median": 0.5, "p90": 0.9}
REG_2_RULE_PREFIX = "REG-2"
EVALUATED = [Complaint.Satisfaction.SATISFIED, Complaint.Satisfaction.UNSATISFIED]
SECONDS_PER_HOUR = 3600
ROWS_CHUNK = 2_000


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


@dataclass(frozen=True)
class CountLine:
    value: str
    label: str
    count: int


@dataclass(frozen=True)
class TimeStats:
    """Hours from receipt to an event over the complaints that reached it."""

    count: int
    median_hours: float | None
    p90_hours: float | None


NO_TIMES = TimeStats(count=0, median_hours=None, p90_hours=None)


@dataclass(frozen=True)
class EscalationStep:
    """CMP-5: how often a step of the chain fired, and how often someone acted on it."""

    step: int
    fired: int
    acted: int


@dataclass(frozen=True)
class UnitFigures:
    org_unit_id: int
    code: str
    name: str
    received: int
    waiting_response: int
    first_response: TimeStats
    resolution: TimeStats
    escalated: int
    satisfied: int
    evaluated: int
    satisfaction_rate: float | None
    reopened: int

    @property
    def satisfaction_percent(self) -> float | None:
        return _percent(self.satisfaction_rate)


@dataclass(frozen=True)
class ComplaintReport:
    date_from: dt.date
    date_to: dt.date
    org_unit: OrgUnit | None
    received: int
    by_channel: list[CountLine]
    by_topic: list[CountLine]
    by_status: list[CountLine]
    by_unit: list[UnitFigures]
    waiting_response: int
    waiting_resolution: int
    first_response: TimeStats
    resolution: TimeStats
    escalated: int
    escalations_acted: int
    escalation_steps: list[EscalationStep]
    satisfied: int
    unsatisfied: int
    evaluated: int
    unreachable: int
    satisfaction_rate: float | None
    reopened: int
    reopenings: int
    reg2_breaches: int

    @property
    def satisfaction_percent(self) -> float | None:
        return _percent(self.satisfaction_rate)


@dataclass(frozen=True)
class ReportRow:
    """One complaint of the export: no phone, no address, the name masked (REG-3)."""

    number: str
    received_at: dt.datetime
    channel: str
    topic: str
    org_unit: str
    status: str
    first_response_hours: float | None
    resolution_hours: float | None
    escalated_steps: str
    satisfaction: str
    complainant: str


# --- Who, which units, which period ---------------------------------------------------------
def can_export_report(*, user: User) -> bool:
    """CMP-8: who may download the per-complaint rows (see EXPORT_ROLES)."""
    return user.is_active and (user.is_superuser or user.role in EXPORT_ROLES)


def report_units(*, user: User) -> QuerySet[OrgUnit]:
    """The units the user may narrow the report to: their node and everything below."""
    return OrgUnit.objects.filter(scope_q(user, OrgUnit), is_active=True).order_by("path")


def report_unit_get(*, user: User, pk) -> OrgUnit:
    """One unit of the user's branch, or NotInScope (a 404 that reveals nothing)."""
    return get_in_scope(OrgUnit, user, pk=pk)


def report_period(*, date_from: dt.date | None, date_to: dt.date | None) -> tuple[dt.date, dt.date]:
    """The period asked for; an open start is the first of this month, an open end today
    (Asia/Shanghai). The end may not come before the start."""
    date_to = date_to or timezone.localdate()
    date_from = date_from or date_to.replace(day=1)
    if date_from > date_to:
        raise ValidationError({"date_to": _("The end of the period is before its start.")})
    return date_from, date_to


def _bounds(date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_default_timezone()
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, end


def report_complaints(
    *, user: User, date_from: dt.date, date_to: dt.date, org_unit: OrgUnit | None = None
) -> QuerySet[Complaint]:
    """The cohort of the report: received in the period, handled in the user's branch
    (narrowed to `org_unit` if given; pass a unit from report_unit_get)."""
    start, end = _bounds(date_from, date_to)
    complaints = complaint_list(user=user).filter(
        scope_q(user, Complaint), received_at__gte=start, received_at__lt=end
    )
    if org_unit is not None:
        complaints = complaints.filter(org_unit__path__startswith=org_unit.path)
    return complaints


# --- Percentiles ------------------------------------------------------------------------------
class _PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate; over an interval it returns an interval."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, *, fraction: float):
        # `fraction` is one of PERCENTILES' constants, never user input.
        super().__init__(expression, fraction=float(fraction), output_field=DurationField())


def percentile(values: list[float], fraction: float) -> float:
    """Linear interpolation between the closest ranks of sorted `values`, exactly as
    percentile_cont: position fraction × (n − 1), counted from 0."""
    position = fraction * (len(values) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(values) - 1)
    return values[lower] + (position - lower) * (values[upper] - values[lower])


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / SECONDS_PER_HOUR, 2)


def _duration_hours(value: dt.timedelta | None) -> float | None:
    return None if value is None else _hours(value.total_seconds())


def _time_stats_sql(complaints: QuerySet, end_field: str, by_unit: bool) -> dict:
    elapsed = F(end_field) - F("received_at")
    aggregates = {
        "n": Count("pk"),
        **{name: _PercentileCont(elapsed, fraction=f) for name, f in PERCENTILES.items()},
    }
    measured = complaints.filter(**{f"{end_field}__isnull": False}).order_by()
    if by_unit:
        rows = measured.values("org_unit_id").annotate(**aggregates)
    else:
        rows = [{"org_unit_id": None, **measured.aggregate(**aggregates)}]
    return {
        row["org_unit_id"]: TimeStats(
            count=row["n"],
            median_hours=_duration_hours(row["median"]),
            p90_hours=_duration_hours(row["p90"]),
        )
        for row in rows
        if row["n"]
    }


def _time_stats_python(complaints: QuerySet, end_field: str, by_unit: bool) -> dict:
    seconds: dict[int | None, list[float]] = defaultdict(list)
    rows = (
        complaints.filter(**{f"{end_field}__isnull": False})
        .order_by()
        .values_list("org_unit_id", "received_at", end_field)
        .iterator(chunk_size=ROWS_CHUNK)
    )
    for unit_id, received_at, ended_at in rows:
        seconds[unit_id if by_unit else None].append((ended_at - received_at).total_seconds())
    stats = {}
    for key, values in seconds.items():
        values.sort()
        stats[key] = TimeStats(
            count=len(values),
            median_hours=_hours(percentile(values, PERCENTILES["median"])),
            p90_hours=_hours(percentile(values, PERCENTILES["p90"])),
        )
    return stats


def time_stats(
    *, complaints: QuerySet[Complaint], end_field: str, by_unit: bool = False, in_sql=None
) -> dict[int | None, TimeStats]:
    """Hours from receipt to `end_field` (first_response_at or outcome_told_at): count,
    median and p90, overall (key None) or per handling unit (key org_unit_id). In SQL on
    PostgreSQL, in Python elsewhere; `in_sql` forces one or the other (tests)."""
    if in_sql is None:
        in_sql = connection.vendor == "postgresql"
    compute = _time_stats_sql if in_sql else _time_stats_python
    return compute(complaints, end_field, by_unit)


# --- The report -------------------------------------------------------------------------------
def _counts(complaints: QuerySet, field: str, choices: Iterable[tuple[str, str]]) -> list:
    found = {
        row[field]: row["n"] for row in complaints.order_by().values(field).annotate(n=Count("pk"))
    }
    return [
        CountLine(value=value, label=str(label), count=found.get(value, 0))
        for value, label in choices
    ]


def _rate(satisfied: int, evaluated: int) -> float | None:
    return round(satisfied / evaluated, 4) if evaluated else None


def _figures() -> dict:
    """The counts computed together, for the whole cohort and per unit."""
    return {
        "received": Count("pk"),
        "waiting_response": Count("pk", filter=Q(first_response_at__isnull=True)),
        "waiting_resolution": Count("pk", filter=Q(outcome_told_at__isnull=True)),
        "escalated": Count("pk", filter=Q(has_escalation=True)),
        "escalations_acted": Count("pk", filter=Q(has_acted_escalation=True)),
        "satisfied": Count("pk", filter=Q(satisfaction=Complaint.Satisfaction.SATISFIED)),
        "unsatisfied": Count("pk", filter=Q(satisfaction=Complaint.Satisfaction.UNSATISFIED)),
        "evaluated": Count("pk", filter=Q(satisfaction__in=EVALUATED)),
        "unreachable": Count("pk", filter=Q(satisfaction=Complaint.Satisfaction.NO_ANSWER)),
        "reopened": Count("pk", filter=Q(reopen_count__gt=0)),
        "reopenings": Coalesce(Sum("reopen_count"), 0),
    }


def _with_escalation_flags(complaints: QuerySet) -> QuerySet:
    steps = Escalation.objects.filter(complaint=OuterRef("pk"))
    return complaints.order_by().annotate(
        has_escalation=Exists(steps), has_acted_escalation=Exists(steps.exclude(acted_at=None))
    )


def _escalation_steps(complaints: QuerySet) -> list[EscalationStep]:
    rows = (
        Escalation.objects.filter(complaint__in=complaints.order_by().values("pk"))
        .order_by("step")
        .values("step")
        .annotate(fired=Count("pk"), acted=Count("pk", filter=Q(acted_at__isnull=False)))
    )
    return [EscalationStep(step=r["step"], fired=r["fired"], acted=r["acted"]) for r in rows]


def _reg2_breaches(complaints: QuerySet) -> int:
    """REG-2: breached timers of the regulator's bound (and its extensions)."""
    return SlaTimer.objects.filter(
        subject_type=ContentType.objects.get_for_model(Complaint),
        subject_id__in=complaints.order_by().values("pk"),
        rule__code__startswith=REG_2_RULE_PREFIX,
        state=SlaTimer.State.BREACHED,
    ).count()


def _by_unit(complaints: QuerySet, first: dict, resolution: dict) -> list[UnitFigures]:
    rows = (
        _with_escalation_flags(complaints)
        .values("org_unit_id", "org_unit__code", "org_unit__name", "org_unit__path")
        .annotate(**_figures())
        .order_by("org_unit__path")
    )
    return [
        UnitFigures(
            org_unit_id=row["org_unit_id"],
            code=row["org_unit__code"],
            name=row["org_unit__name"],
            received=row["received"],
            waiting_response=row["waiting_response"],
            first_response=first.get(row["org_unit_id"], NO_TIMES),
            resolution=resolution.get(row["org_unit_id"], NO_TIMES),
            escalated=row["escalated"],
            satisfied=row["satisfied"],
            evaluated=row["evaluated"],
            satisfaction_rate=_rate(row["satisfied"], row["evaluated"]),
            reopened=row["reopened"],
        )
        for row in rows
    ]


def complaint_report(
    *,
    user: User,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    org_unit: OrgUnit | None = None,
) -> ComplaintReport:
    """CMP-8: the figures of the complaints received in the period in the user's branch
    (or `org_unit`, a unit from report_unit_get). ValidationError on a reversed period."""
    date_from, date_to = report_period(date_from=date_from, date_to=date_to)
    complaints = report_complaints(
        user=user, date_from=date_from, date_to=date_to, org_unit=org_unit
    )
    totals = _with_escalation_flags(complaints).aggregate(**_figures())
    first = time_stats(complaints=complaints, end_field="first_response_at", by_unit=True)
    resolution = time_stats(complaints=complaints, end_field="outcome_told_at", by_unit=True)
    return ComplaintReport(
        date_from=date_from,
        date_to=date_to,
        org_unit=org_unit,
        by_channel=_counts(complaints, "channel", Channel.choices),
        by_topic=_counts(complaints, "topic", Topic.choices),
        by_status=_counts(complaints, "status", Complaint.Status.choices),
        by_unit=_by_unit(complaints, first, resolution),
        first_response=time_stats(complaints=complaints, end_field="first_response_at").get(
            None, NO_TIMES
        ),
        resolution=time_stats(complaints=complaints, end_field="outcome_told_at").get(
            None, NO_TIMES
        ),
        escalation_steps=_escalation_steps(complaints),
        satisfaction_rate=_rate(totals["satisfied"], totals["evaluated"]),
        reg2_breaches=_reg2_breaches(complaints),
        **totals,
    )


# --- The per-complaint rows of the exports ------------------------------------------------
def _elapsed_hours(start: dt.datetime, end: dt.datetime | None) -> float | None:
    return None if end is None else _hours((end - start).total_seconds())


def complaint_report_rows(*, complaints: QuerySet[Complaint]) -> Iterator[ReportRow]:
    """The rows of `complaints` (a report_complaints cohort) in order of receipt, streamed
    in chunks with their escalation steps. No phone or address; the complainant's name
    masked (REG-3)."""
    steps = Prefetch("escalations", queryset=Escalation.objects.only("complaint_id", "step"))
    rows = (
        complaints.select_related(None)
        .select_related("org_unit")
        .only(
            "number",
            "received_at",
            "channel",
            "topic",
            "org_unit__name",
            "status",
            "first_response_at",
            "outcome_told_at",
            "satisfaction",
            "complainant_name",
        )
        .prefetch_related(steps)
        .order_by("received_at", "pk")
    )
    for complaint in rows.iterator(chunk_size=ROWS_CHUNK):
        yield ReportRow(
            number=complaint.number,
            received_at=timezone.localtime(complaint.received_at),
            channel=complaint.get_channel_display(),
            topic=complaint.get_topic_display(),
            org_unit=complaint.org_unit.name,
            status=complaint.get_status_display(),
            first_response_hours=_elapsed_hours(complaint.received_at, complaint.first_response_at),
            resolution_hours=_elapsed_hours(complaint.received_at, complaint.outcome_told_at),
            escalated_steps=",".join(
                str(step) for step in sorted(e.step for e in complaint.escalations.all())
            ),
            satisfaction=complaint.get_satisfaction_display() if complaint.satisfaction else "",
            complainant=mask(complaint.complainant_name, "name"),
        )
