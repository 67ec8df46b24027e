"""Breach handlers of the case timeline: CLM-9 (transfer), CLM-10 (review, payment,
special cases) and the regulatory bounds of REG-1 (decision, payment).

They run inside the sweep's transaction with the timer row locked: their effects are
a flag on the case and inbox messages whose dedup key carries the timer, so each
breach acts exactly once (SLA-2).
"""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from claims_assist.models import ClaimCase
from core.models import OrgUnit, Role, SlaTimer, User
from core.notifications import notify_staff
from core.timers import breach_handler


def _case(timer: SlaTimer) -> ClaimCase | None:
    case = ClaimCase.objects.select_related("org_unit").filter(pk=timer.subject_id).first()
    return case if case is not None and case.is_open else None


def _active(**lookup) -> list[User]:
    return list(User.objects.filter(is_active=True, **lookup).order_by("pk"))


def _outlet_heads(case: ClaimCase) -> list[User]:
    return _active(role=Role.OUTLET_HEAD, org_unit=case.org_unit)


def _county_managers(case: ClaimCase) -> list[User]:
    county = case.org_unit.county
    return _active(role=Role.COUNTY_MANAGER, org_unit=county) if county else []


def _claims_centre(case: ClaimCase) -> list[User]:
    city = case.org_unit.ancestor_of_kind(OrgUnit.Kind.CITY)
    if city is None or not city.has_claims_centre:
        return []
    return _active(role=Role.CLAIMS_CENTRE, org_unit=city)


def _notify(*, case: ClaimCase, timer: SlaTimer, recipients: list[User], body: str) -> None:
    unique = list({user.pk: user for user in recipients}.values())
    notify_staff(
        # Nobody in post: the unit's managers are told rather than no one.
        recipients=unique or None,
        org_unit=case.org_unit,
        subject=_("Claim %(number)s: %(rule)s overdue")
        % {"number": case.number, "rule": timer.rule.code},
        body=body,
        dedup_key=f"claim-case:{case.pk}:{timer.rule.code}:timer:{timer.pk}",
        link=reverse("claims_assist:case_detail", args=[case.pk]),
    )


@breach_handler("CLM-9")
def transfer_overdue(timer: SlaTimer) -> None:
    """CLM-9: the documents were not transferred within 3 working days of receipt; the
    case is flagged and the outlet head told."""
    case = _case(timer)
    if case is None:
        return
    if case.transfer_overdue_at is None:
        case.transfer_overdue_at = timezone.now()
        case.save(update_fields=["transfer_overdue_at"])
    _notify(
        case=case,
        timer=timer,
        recipients=_outlet_heads(case),
        body=_(
            "The documents of claim %(number)s (%(insured)s) were received on %(day)s and "
            "are not with the city claims centre after 3 working days (CLM-9). Transfer "
            "them today."
        )
        % {
            "number": case.number,
            "insured": case.insured_name,
            "day": timezone.localtime(timer.started_at).date(),
        },
    )


def _company_timeline_late(timer: SlaTimer, what: str) -> None:
    case = _case(timer)
    if case is None:
        return
    _notify(
        case=case,
        timer=timer,
        recipients=[*_claims_centre(case), *_county_managers(case)],
        body=_("Claim %(number)s (%(insured)s): %(what)s (%(rule)s).")
        % {"number": case.number, "insured": case.insured_name, "what": what, "rule": timer.rule},
    )


@breach_handler("CLM-10-review")
def review_overdue(timer: SlaTimer) -> None:
    """CLM-10: a complete file not reviewed within 3 working days."""
    _company_timeline_late(timer, _("the complete file is not reviewed after 3 working days"))


@breach_handler("CLM-10-special")
def special_overdue(timer: SlaTimer) -> None:
    """CLM-10: a special or complex case not decided within 30 working days."""
    _company_timeline_late(timer, _("the special case is not decided after 30 working days"))


@breach_handler("CLM-10-pay-small")
def small_payment_overdue(timer: SlaTimer) -> None:
    """CLM-10: a payment under the small-payment amount not made within 3 working days."""
    _company_timeline_late(timer, _("the approved payment is not made after 3 working days"))


@breach_handler("CLM-10-pay")
def payment_overdue(timer: SlaTimer) -> None:
    """CLM-10: a larger payment not made within 7 working days."""
    _company_timeline_late(timer, _("the approved payment is not made after 7 working days"))


def _regulatory_bound_breached(timer: SlaTimer, what: str) -> None:
    case = _case(timer)
    if case is None:
        return
    _notify(
        case=case,
        timer=timer,
        recipients=[*_county_managers(case), *_claims_centre(case)],
        body=_(
            "Regulatory bound breached on claim %(number)s (%(insured)s): %(what)s "
            "(Insurance Law art. 23, %(rule)s). Act now and record why."
        )
        % {"number": case.number, "insured": case.insured_name, "what": what, "rule": timer.rule},
    )


@breach_handler("REG-1-decision")
def decision_bound_breached(timer: SlaTimer) -> None:
    """REG-1: the claim is not decided within 30 days of the complete file."""
    _regulatory_bound_breached(timer, _("not decided within 30 days of the claim"))


@breach_handler("REG-1-payment")
def payment_bound_breached(timer: SlaTimer) -> None:
    """REG-1: the agreed payment is not made within 10 days."""
    _regulatory_bound_breached(timer, _("the agreed payment is not made within 10 days"))
