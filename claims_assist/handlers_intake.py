"""Breach handlers of claims assist: intake (CLM-1)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from claims_assist.models import ClaimCase
from claims_assist.services.intake import HOTLINE_RULE
from core.models import SlaTimer
from core.notifications import notify_staff
from core.timers import breach_handler


@breach_handler(HOTLINE_RULE)
def hotline_number_missing(timer: SlaTimer) -> None:
    """CLM-1: no 95518 report number within the rule's time. The case is flagged (since
    the deadline) and the outlet head, else the managers above the outlet, is told once
    per timer."""
    case = ClaimCase.objects.select_related("org_unit").filter(pk=timer.subject_id).first()
    if case is None or not case.is_open or case.hotline_number:
        return
    if case.hotline_overdue_at is None:
        case.hotline_overdue_at = timer.due_at
        case.save(update_fields=["hotline_overdue_at"])
    notify_staff(
        org_unit=case.org_unit,
        subject=_("Case %(number)s: no 95518 report number") % {"number": case.number},
        body=_(
            "The report of %(insured)s was taken on %(reported)s but no 95518 report number "
            "has been recorded (CLM-1). Make sure the customer reports to 95518 and record "
            "the number on the case page."
        )
        % {
            "insured": case.insured_name,
            "reported": f"{timezone.localtime(case.reported_at):%Y-%m-%d %H:%M}",
        },
        dedup_key=f"claim-case:{case.pk}:CLM-1:timer:{timer.pk}",
        link=reverse("claims_assist:case_detail", args=[case.pk]),
    )
