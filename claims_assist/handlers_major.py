"""Breach handlers of claims assist: the major-case report (CLM-4) and the refusal
notice (REG-1 art. 24).

They run inside the sweep's transaction with the timer row locked; their only effects
are a flag on the case and outbox rows whose dedup key names the timer, so a breach
acts once (SLA-2).
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from claims_assist.models import ClaimCase
from claims_assist.services.major import (
    MAJOR_RULE,
    case_link,
    claims_centre_of,
    county_managers_of,
)
from claims_assist.services.refusals import REFUSAL_RULE
from core.models import Role, SlaTimer, User
from core.notifications import notify_staff
from core.timers import breach_handler


def _case(timer: SlaTimer) -> ClaimCase | None:
    return (
        ClaimCase.objects.select_for_update(of=("self",))
        .select_related("org_unit")
        .filter(pk=timer.subject_id)
        .first()
    )


def _unique(users: list[User]) -> list[User]:
    return list({user.pk: user for user in users}.values())


@breach_handler(MAJOR_RULE)
def major_case_not_reported(timer: SlaTimer) -> None:
    """CLM-4: a major case not reported to the head office 24 hours after the report.
    The case is flagged and the county manager and the city claims centre are told."""
    case = _case(timer)
    if case is None or case.head_office_reported_at is not None:
        return
    if case.major_overdue_at is None:
        case.major_overdue_at = timezone.now()
        case.save(update_fields=["major_overdue_at"])
    reasons = "; ".join(
        str(ClaimCase.MajorReason(code).label)
        for code in case.major_reasons
        if code in ClaimCase.MajorReason.values
    )
    notify_staff(
        recipients=_unique([*county_managers_of(case), *claims_centre_of(case)]),
        org_unit=case.org_unit,
        subject=_("Major case %(number)s not reported to the head office")
        % {"number": case.number},
        body=_(
            "Case %(number)s (%(insured)s, %(outlet)s) is major (%(reasons)s) and was not "
            "reported to the head office within 24 hours of the report (CLM-4). Report it "
            "now and record the reference on the case."
        )
        % {
            "number": case.number,
            "insured": case.insured_name,
            "outlet": case.org_unit.name,
            "reasons": reasons,
        },
        dedup_key=f"claim-case:{case.pk}:CLM-4:timer:{timer.pk}",
        link=case_link(case.pk),
    )


@breach_handler(REFUSAL_RULE)
def refusal_not_notified(timer: SlaTimer) -> None:
    """REG-1 art. 24: the written refusal was not handed over within 3 days of the
    decision; the outlet head and the county manager are told."""
    case = _case(timer)
    if case is None or case.refusal_notified_at is not None:
        return
    heads = list(User.objects.filter(is_active=True, role=Role.OUTLET_HEAD, org_unit=case.org_unit))
    notify_staff(
        recipients=_unique([*heads, *county_managers_of(case)]),
        org_unit=case.org_unit,
        subject=_("Refusal of case %(number)s not notified") % {"number": case.number},
        body=_(
            "The written refusal of case %(number)s (%(insured)s, %(outlet)s) was not "
            "handed to the customer within 3 days of the decision (Insurance Law art. 24, "
            "REG-1). Deliver it now and record the delivery on the case."
        )
        % {"number": case.number, "insured": case.insured_name, "outlet": case.org_unit.name},
        dedup_key=f"claim-case:{case.pk}:REG-1-refusal:timer:{timer.pk}",
        link=case_link(case.pk),
    )
