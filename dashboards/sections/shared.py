"""Aggregates more than one section of a page reads, computed once per page through
Scope.shared: the open and ended timers of the subtree, the claim cases reported in the
period by outlet and stage, the complaints received by unit."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q

from claims_assist.models import ClaimCase
from complaints.models import Complaint
from core.models import TimerRule
from dashboards import summaries
from dashboards.sections.base import Scope


def open_timers(scope: Scope) -> list[dict]:
    """Rows {org_unit_id, rule_id, running, paused, overdue, provisional} now."""
    return scope.shared("open_timers", lambda: summaries.open_timers(unit_ids=scope.unit_ids))


def ended_timers(scope: Scope) -> dict[tuple[int, int, int], list[int]]:
    """{(unit id, rule id, subject type id): [met, breached]} ended in the period."""
    return scope.shared(
        "ended_timers",
        lambda: summaries.ended_timers(unit_ids=scope.unit_ids, period=scope.period),
    )


def rule_codes(scope: Scope) -> dict[int, str]:
    """{rule id: code} of every rule (a county's override shares its default's code)."""
    return scope.shared("rule_codes", lambda: dict(TimerRule.objects.values_list("pk", "code")))


def claim_counts(scope: Scope) -> list[dict]:
    """Rows {org_unit_id, stage, n, major, special, paid} of the cases reported in the
    period."""

    def compute():
        # COUNT(org_unit), not COUNT(id): the case_dashboard index holds every column read
        # here, so PostgreSQL can answer from the index alone.
        return list(
            ClaimCase.objects.filter(
                org_unit_id__in=scope.unit_ids,
                reported_at__gte=scope.period.since,
                reported_at__lt=scope.period.until,
            )
            .order_by()
            .values("org_unit_id", "stage")
            .annotate(
                n=Count("org_unit"),
                major=Count("org_unit", filter=Q(major=True)),
                special=Count("org_unit", filter=Q(special=True)),
                paid=Count("org_unit", filter=Q(paid_at__isnull=False)),
            )
        )

    return scope.shared("claim_counts", compute)


def claim_type_id() -> int:
    return ContentType.objects.get_for_model(ClaimCase).pk


COMPLAINT_COUNTS = ("received", "waiting", "unresolved", "satisfied", "evaluated", "reopened")


def complaint_rows(scope: Scope) -> list[dict]:
    """Rows {org_unit_id, channel, topic, received, waiting, unresolved, satisfied,
    evaluated, reopened} of the complaints received in the period."""
    S = Complaint.Satisfaction

    def compute():
        return list(
            Complaint.objects.filter(
                org_unit_id__in=scope.unit_ids,
                received_at__gte=scope.period.since,
                received_at__lt=scope.period.until,
            )
            .order_by()
            .values("org_unit_id", "channel", "topic")
            .annotate(
                received=Count("pk"),
                waiting=Count("pk", filter=Q(first_response_at__isnull=True)),
                unresolved=Count("pk", filter=Q(outcome_told_at__isnull=True)),
                satisfied=Count("pk", filter=Q(satisfaction=S.SATISFIED)),
                evaluated=Count("pk", filter=Q(satisfaction__in=[S.SATISFIED, S.UNSATISFIED])),
                reopened=Count("pk", filter=Q(reopen_count__gt=0)),
            )
        )

    return scope.shared("complaint_rows", compute)


def complaint_counts(scope: Scope) -> dict[int, dict]:
    """{unit id: the COMPLAINT_COUNTS of its complaints received in the period}."""
    by_unit: dict[int, dict] = {}
    for row in complaint_rows(scope):
        counts = by_unit.setdefault(row["org_unit_id"], dict.fromkeys(COMPLAINT_COUNTS, 0))
        for key in COMPLAINT_COUNTS:
            counts[key] += row[key]
    return by_unit
