"""Breach handlers of claims assist: assessment (CLM-7, remote materials).

They run inside the sweep's transaction with the timer row locked (core.timers): only
database writes (the case's flag, inbox messages with a dedup key)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from claims_assist.models import Assessment, ClaimCase
from claims_assist.services.assessment import REMOTE_RULE
from core.models import Role, SlaTimer, User
from core.notifications import notify_staff
from core.timers import breach_handler


@breach_handler(REMOTE_RULE)
def remote_materials_missing(timer: SlaTimer) -> None:
    """CLM-7: 24 hours after the remote session the materials are still missing. The
    case is flagged (since the due time) and its follower, the outlet's head and the
    adjuster are told, once per timer."""
    case = (
        ClaimCase.objects.select_for_update(of=("self",))
        .select_related("org_unit", "owner")
        .filter(pk=timer.subject_id)
        .first()
    )
    if case is None or not case.is_open:
        return
    awaited = Assessment.objects.filter(
        case=case,
        mode=Assessment.Mode.REMOTE,
        superseded_at__isnull=True,
        materials_uploaded_at__isnull=True,
    ).first()
    if awaited is None:
        return
    if case.remote_upload_overdue_at is None:
        case.remote_upload_overdue_at = timer.due_at
        case.save(update_fields=["remote_upload_overdue_at"])
    heads = User.objects.filter(is_active=True, role=Role.OUTLET_HEAD, org_unit=case.org_unit)
    recipients = {
        user.pk: user
        for user in [case.owner, *heads, awaited.adjuster]
        if user is not None and user.is_active
    }
    notify_staff(
        recipients=list(recipients.values()),
        org_unit=case.org_unit,
        subject=_("Remote assessment materials missing: case %(number)s") % {"number": case.number},
        body=_(
            "The photos and materials of the remote assessment by %(adjuster)s were due "
            "within 24 hours of the session (CLM-7), by %(due)s. Upload them on the case page."
        )
        % {
            "adjuster": awaited.adjuster,
            "due": f"{timezone.localtime(timer.due_at):%Y-%m-%d %H:%M}",
        },
        dedup_key=f"claim-case:{case.pk}:CLM-7:timer:{timer.pk}",
        link=reverse("claims_assist:case_detail", args=[case.pk]),
    )
