"""Reads of complaints, always through the user's scope (OUT-1) — widened by CMP-1: the
staff member who received a complaint keeps seeing it until it is closed, wherever it
was handed over to, and the people it names as responsible see it too."""

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from complaints.models import Complaint, ComplaintSettings
from core.access import NotInScope, scope_q
from core.models import OrgUnit, User
from core.selectors import county_override


def _visible(user: User) -> Q:
    if not user.is_active:
        return Q(pk__in=[])
    return (
        scope_q(user, Complaint)
        | (Q(received_by=user) & ~Q(status=Complaint.Status.CLOSED))
        | Q(first_responder=user)
        | Q(claims_owner=user)
    )


def _start_of(day: dt.date) -> dt.datetime:
    """The first instant of a Beijing date (the server's time zone)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def complaint_list(
    *,
    user: User,
    status: str = "",
    topic: str = "",
    channel: str = "",
    query: str = "",
    unit: OrgUnit | None = None,
    received_from: dt.date | None = None,
    received_to: dt.date | None = None,
    awaiting_response: bool = False,
) -> QuerySet[Complaint]:
    """The complaints the user may see. `unit` keeps those handled in a unit of the
    user's branch and below it (the dashboards' cohort), `received_from`/`received_to`
    those received on those Beijing dates (inclusive), `awaiting_response` those
    without a first response yet."""
    complaints = Complaint.objects.filter(_visible(user)).select_related(
        "org_unit", "county", "first_responder", "received_by"
    )
    for field, value in (("status", status), ("topic", topic), ("channel", channel)):
        if value:
            complaints = complaints.filter(**{field: value})
    if query := query.strip():
        complaints = complaints.filter(
            Q(number__icontains=query) | Q(complainant_name__icontains=query)
        )
    if unit is not None:
        complaints = complaints.filter(org_unit__path__startswith=unit.path)
    if received_from is not None:
        complaints = complaints.filter(received_at__gte=_start_of(received_from))
    if received_to is not None:
        complaints = complaints.filter(
            received_at__lt=_start_of(received_to + dt.timedelta(days=1))
        )
    if awaiting_response:
        complaints = complaints.filter(first_response_at__isnull=True)
    return complaints


def complaint_get(*, user: User, pk, for_update: bool = False) -> Complaint:
    """One complaint the user may see, or NotInScope (a 404 that reveals nothing)."""
    complaints = complaint_list(user=user)
    if for_update:
        # NO KEY: a sweep breaching one of its timers holds a key-share lock on it.
        complaints = complaints.select_for_update(of=("self",), no_key=True)
    try:
        return complaints.get(pk=pk)
    except (Complaint.DoesNotExist, ValueError, TypeError):
        raise NotInScope() from None


def complaint_settings_for(*, org_unit: OrgUnit) -> ComplaintSettings:
    """The county's settings, else the default row."""
    found = county_override(ComplaintSettings.objects.all(), county=org_unit.county)
    return found or ComplaintSettings.objects.get_or_create(county=None)[0]


def complaint_timer(*, complaint: Complaint, rule_code: str):
    """The complaint's running or paused timer of `rule_code`, if any."""
    from django.contrib.contenttypes.models import ContentType

    from core.models import SlaTimer

    return (
        SlaTimer.objects.filter(
            subject_type=ContentType.objects.get_for_model(Complaint),
            subject_id=complaint.pk,
            rule__code=rule_code,
            state__in=[SlaTimer.State.RUNNING, SlaTimer.State.PAUSED],
        )
        .order_by("-started_at")
        .first()
    )
