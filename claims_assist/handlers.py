"""Breach handlers of claims assist.

They run inside the sweep's transaction with the timer row locked (core.timers): their
only effects are database writes (outbox rows with a dedup key, flags, follow-up
timers), so a breach acts exactly once (SLA-2). Each part of the app keeps its handlers
in its own module; this one holds CLM-6 (authority expiry) and CLM-10's progress
message, and imports the others so that they register.
"""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from claims_assist import (  # noqa: F401
    handlers_assessment,
    handlers_intake,
    handlers_major,
    handlers_timeline,
)
from claims_assist.models import AdjusterAuthorisation, AuthorityLine, CaseMessage, ClaimCase
from claims_assist.services.authority import AUTHORITY_RULE
from claims_assist.services.cases import PROGRESS_RULE, case_message_send
from core.models import Role, SlaTimer, User
from core.notifications import notify_staff
from core.timers import breach_handler, timer_start


def _county_managers(holder: User) -> list[User]:
    county = holder.org_unit.county if holder.org_unit_id else None
    if county is None:
        return []
    return list(User.objects.filter(is_active=True, role=Role.COUNTY_MANAGER, org_unit=county))


@breach_handler(AUTHORITY_RULE)
def authority_expires_soon(timer: SlaTimer) -> None:
    """CLM-6: the authority ends within the lead time; the holder and the county's
    managers are told to evaluate and renew it."""
    authorisation = (
        AdjusterAuthorisation.objects.select_related("holder__org_unit")
        .filter(pk=timer.subject_id)
        .first()
    )
    if authorisation is None or authorisation.state != AdjusterAuthorisation.State.ACTIVE:
        return
    holder = authorisation.holder
    recipients = {user.pk: user for user in [holder, *_county_managers(holder)] if user.is_active}
    lines = ", ".join(
        str(AuthorityLine(line).label)
        for line in authorisation.lines
        if line in AuthorityLine.values
    )
    notify_staff(
        recipients=list(recipients.values()),
        org_unit=holder.org_unit,
        subject=_("Adjuster authority of %(holder)s expires on %(day)s")
        % {"holder": holder, "day": authorisation.valid_to},
        body=_(
            "The authority to assess %(lines)s cases up to %(limit)s yuan expires on "
            "%(day)s. Evaluate the holder and renew it (CLM-6); after that day the holder "
            "may not assess."
        )
        % {"lines": lines, "limit": authorisation.case_limit, "day": authorisation.valid_to},
        dedup_key=f"claims-authority:{authorisation.pk}:timer:{timer.pk}",
        link=reverse("claims_assist:authority_detail", args=[authorisation.pk]),
    )


@breach_handler(PROGRESS_RULE, period=True)
def progress_message_due(timer: SlaTimer) -> None:
    """CLM-10: 3 working days without news; the customer is sent the case's stage and
    the next message is scheduled, until the case closes. Both are written in the
    sweep's transaction, so a failed sweep leaves neither behind."""
    case = ClaimCase.objects.select_related("org_unit").filter(pk=timer.subject_id).first()
    if case is None or not case.is_open:
        return
    now = timezone.now()
    case_message_send(
        case=case, kind=CaseMessage.Kind.PROGRESS, body=None, at=now, restart_progress=False
    )
    timer_start(
        subject=case,
        rule_code=PROGRESS_RULE,
        org_unit=case.org_unit,
        owner=case.owner,
        started_at=now,
    )
