"""Read-side queries of the core app; every one is scoped through core.access (OUT-1)."""

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from core.access import get_in_scope, in_scope
from core.models import EvidencePhoto, Notification, OrgUnit, SlaTimer, User

RECENT_BREACH_DAYS = 7


def evidence_for(*, user: User, subject: models.Model) -> models.QuerySet[EvidencePhoto]:
    """The evidence photos of `subject` that `user` may see, oldest first."""
    photos = EvidencePhoto.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk
    )
    return in_scope(photos, user)


def _timers_for_display(queryset: QuerySet) -> QuerySet:
    """Open timers first, the most urgent at the top, then the most recently ended."""
    return (
        queryset.select_related("rule", "org_unit", "owner")
        .prefetch_related("subject")
        .annotate(
            is_closed=Case(
                When(state__in=SlaTimer.OPEN_STATES, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            running_due=Case(When(state=SlaTimer.State.RUNNING, then=F("due_at"))),
        )
        .order_by(
            "is_closed",
            F("running_due").asc(nulls_last=True),
            F("ended_at").desc(nulls_last=True),
            "-pk",
        )
    )


def timer_list_for_owner(*, user) -> QuerySet:
    """SLA-6: the timers `user` owns."""
    return _timers_for_display(in_scope(SlaTimer.objects.filter(owner=user), user))


def timer_list_in_scope(
    *,
    user,
    state: str | None = None,
    rule: str | None = None,
    unit: OrgUnit | None = None,
) -> QuerySet:
    """The timers of the user's branch of the org tree, optionally in one state, of one
    rule (its code) or below one unit of the branch (the dashboards link here)."""
    queryset = in_scope(SlaTimer.objects.all(), user)
    if state:
        queryset = queryset.filter(state=state)
    if rule:
        queryset = queryset.filter(rule__code=rule)
    if unit is not None:
        queryset = queryset.filter(org_unit__path__startswith=unit.path)
    return _timers_for_display(queryset)


def timer_get(*, user, pk: int) -> SlaTimer:
    """One timer with its pause and event history (SLA-6); NotInScope if the user may
    not see it."""
    queryset = SlaTimer.objects.select_related(
        "rule", "org_unit", "owner", "subject_type"
    ).prefetch_related("subject", "pauses__paused_by", "events__by")
    return get_in_scope(queryset, user, pk=pk)


def _timer_counts(queryset: QuerySet, now: dt.datetime) -> dict[str, int]:
    since = now - dt.timedelta(days=RECENT_BREACH_DAYS)
    states = {state.value: Count("pk", filter=Q(state=state.value)) for state in SlaTimer.State}
    return queryset.aggregate(
        **states,
        overdue=Count("pk", filter=Q(state=SlaTimer.State.RUNNING, due_at__lte=now)),
        breached_recently=Count("pk", filter=Q(state=SlaTimer.State.BREACHED, ended_at__gte=since)),
    )


def timer_counts_for_owner(*, user, now: dt.datetime | None = None) -> dict[str, int]:
    """Counts of the user's own timers by state, plus those overdue now and those
    breached in the last RECENT_BREACH_DAYS days."""
    queryset = in_scope(SlaTimer.objects.filter(owner=user), user)
    return _timer_counts(queryset, now or timezone.now())


def timer_counts_in_scope(*, user, now: dt.datetime | None = None) -> dict[str, int]:
    """The same counts over the user's branch of the org tree."""
    return _timer_counts(in_scope(SlaTimer.objects.all(), user), now or timezone.now())


def org_unit_list(*, user) -> QuerySet:
    """OUT-1: the user's node of the org tree and everything below it."""
    return in_scope(OrgUnit.objects.select_related("parent"), user)


def org_unit_get(*, user, pk: int) -> OrgUnit:
    return get_in_scope(OrgUnit.objects.all(), user, pk=pk)


def notification_list_for(*, user) -> QuerySet:
    """The user's own in-app inbox, newest first."""
    return Notification.objects.filter(recipient=user)


def notification_get(*, user, pk: int) -> Notification:
    """Only the recipient reaches a notification, whatever their rank."""
    return get_in_scope(Notification.objects.filter(recipient=user), user, pk=pk)


def county_override(queryset: QuerySet, *, county: OrgUnit | None):
    """The row of `queryset` for `county`, else its default row (county empty), else
    None: how configurable settings are overridden per county (TimerRule,
    UnderwritingRules, ComplaintSettings)."""
    rows = {row.county_id: row for row in queryset.filter(Q(county=county) | Q(county=None))}
    return rows.get(county.pk if county else None) or rows.get(None)
