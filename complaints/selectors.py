"""Reads of complaints, always through the user's scope (OUT-1) — widened by CMP-1: the
staff member who received a complaint keeps seeing it until it is closed, wherever it
was handed over to, and the people it names as responsible see it too."""

from django.db.models import Q, QuerySet

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


def complaint_list(*, user: User) -> QuerySet[Complaint]:
    return Complaint.objects.filter(_visible(user)).select_related(
        "org_unit", "county", "first_responder", "received_by"
    )


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
