"""CLM-4: major cases, reported to the head office within 24 hours of the report.

A case is major for two or more deaths in one incident, an expected payment or sum
insured over the county's major amount while the outcome is open (evaluated
automatically, `case_major_evaluate`), or a dispute taken to the regulators, the
industry association or the media, or heading to litigation (flagged by staff,
`case_major_flag`). A major case starts the CLM-4 timer (24 hours, wall clock) and the
county manager is told; `case_major_reported` records the head-office report and meets
the timer; its breach escalates (claims_assist.handlers_major).
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from claims_assist.models import ClaimCase
from claims_assist.services.cases import case_lock, case_timer_meet, case_timer_start
from claims_assist.services.check import claims_settings_for
from core.models import OrgUnit, Role, User
from core.notifications import notify_staff

MAJOR_RULE = "CLM-4"
AUTOMATIC_REASONS = (ClaimCase.MajorReason.DEATHS, ClaimCase.MajorReason.LARGE_UNCERTAIN)
MANUAL_REASONS = (ClaimCase.MajorReason.REGULATOR_MEDIA, ClaimCase.MajorReason.LITIGATION)
REFERENCE_MAX = ClaimCase._meta.get_field("head_office_reference").max_length


# Recipients ------------------------------------------------------------------------------
def county_managers_of(case: ClaimCase) -> list[User]:
    county = case.org_unit.county
    if county is None:
        return []
    return list(User.objects.filter(is_active=True, role=Role.COUNTY_MANAGER, org_unit=county))


def claims_centre_of(case: ClaimCase) -> list[User]:
    """The staff of the city claims centre above the case's outlet."""
    city = case.org_unit.ancestor_of_kind(OrgUnit.Kind.CITY)
    if city is None:
        return []
    return list(User.objects.filter(is_active=True, role=Role.CLAIMS_CENTRE, org_unit=city))


def case_link(case_pk: int) -> str:
    """The case page, for links in messages and redirects."""
    return reverse("claims_assist:case_detail", args=[case_pk])


# Reasons ---------------------------------------------------------------------------------
def _over(amount: Decimal | None, limit: Decimal) -> bool:
    return amount is not None and amount > limit


def _automatic_reasons(values, *, limit: Decimal, undecided: bool) -> list[str]:
    """The automatic CLM-4 reasons `values` (the case, or one of its history rows) show."""
    reasons = []
    if values.deaths >= 2:
        reasons.append(ClaimCase.MajorReason.DEATHS.value)
    if undecided and (_over(values.estimated_amount, limit) or _over(values.sum_insured, limit)):
        reasons.append(ClaimCase.MajorReason.LARGE_UNCERTAIN.value)
    return reasons


def _shown_at_report(case: ClaimCase, *, limit: Decimal) -> set[str]:
    """The automatic reasons the report already showed: the case as first recorded."""
    first = case.history.order_by("history_date", "history_id").first()
    if first is None:
        return set(_automatic_reasons(case, limit=limit, undecided=True))
    return set(_automatic_reasons(first, limit=limit, undecided=True))


def _notify_flagged(case: ClaimCase, reasons: list[str]) -> None:
    labels = "; ".join(str(ClaimCase.MajorReason(code).label) for code in reasons)
    notify_staff(
        recipients=county_managers_of(case),
        org_unit=case.org_unit,
        subject=_("Major case %(number)s") % {"number": case.number},
        body=_(
            "Case %(number)s (%(insured)s, %(outlet)s) is a major case: %(reasons)s. "
            "Report it to the head office within 24 hours of the report (CLM-4)."
        )
        % {
            "number": case.number,
            "insured": case.insured_name,
            "outlet": case.org_unit.name,
            "reasons": labels,
        },
        dedup_key=f"claim-case:{case.pk}:CLM-4:flagged",
        link=case_link(case.pk),
    )


def _flag(
    case: ClaimCase, *, reasons: list[str], by: User | None, at: dt.datetime, clock_from
) -> None:
    """Add `reasons` to the locked case; a case that becomes major starts its CLM-4
    timer at `clock_from` and its county manager is told."""
    new = [code for code in reasons if code not in case.major_reasons]
    if not new:
        return
    becomes_major = not case.major
    case.major_reasons = [*case.major_reasons, *new]
    case.major = True
    if becomes_major:
        case.major_flagged_at = at
    case._history_user = by
    case.save(update_fields=["major", "major_reasons", "major_flagged_at"])
    if becomes_major:
        case_timer_start(case=case, rule_code=MAJOR_RULE, by=by, at=clock_from)
        _notify_flagged(case, new)


def case_major_evaluate(*, case: ClaimCase, by: User | None, at: dt.datetime | None = None) -> bool:
    """Re-evaluate the automatic CLM-4 reasons of the locked case (deaths, the estimate
    or sum insured over the county's major amount) after intake or a change of the
    estimate; a case that becomes major is flagged and its 24-hour head-office timer
    starts from the report. Returns whether the case is major.

    When the clock starts: "within 24 hours of the report". A reason the report itself
    showed (the case as first recorded: two deaths, or an amount over the limit, at
    intake) runs from the report time `case.reported_at`, even when evaluated later.
    A reason that arose after it (a raised estimate, a later death) cannot have been
    reported earlier: its clock runs from the flagging time `at`. A case stays major
    once flagged; a lower estimate later does not undo the duty to report.
    The caller holds the case row locked (case_lock).
    """
    at = at or timezone.now()
    limit = claims_settings_for(case).major_amount
    undecided = case.decision == ClaimCase.Decision.PENDING
    reasons = _automatic_reasons(case, limit=limit, undecided=undecided)
    new = [code for code in reasons if code not in case.major_reasons]
    if new:
        at_report = bool(_shown_at_report(case, limit=limit) & set(new))
        _flag(case, reasons=new, by=by, at=at, clock_from=case.reported_at if at_report else at)
    return case.major


def check_major_flag(*, case: ClaimCase, reasons: list[str], note: str) -> list[str]:
    """Validate a manual CLM-4 flag; returns the reasons not yet on the case."""
    unknown = [code for code in reasons if code not in MANUAL_REASONS]
    if not reasons or unknown:
        raise ValidationError(
            {
                "reasons": ValidationError(
                    _(
                        "Choose a dispute taken to regulators, the industry association or the "
                        "media, or a dispute heading to litigation; deaths and amounts are "
                        "flagged automatically (CLM-4)."
                    ),
                    code="invalid_reason",
                )
            }
        )
    if not note.strip():
        raise ValidationError(
            {
                "note": ValidationError(
                    _("Describe the dispute: who took it where, and when."), code="required"
                )
            }
        )
    new = [code for code in dict.fromkeys(reasons) if code not in case.major_reasons]
    if not new:
        raise ValidationError(
            {
                "reasons": ValidationError(
                    _("The case is flagged major for these reasons already."),
                    code="already_flagged",
                )
            }
        )
    return new


def case_major_flag(
    *, by: User, case_pk: int, reasons: list[str], note: str, at: dt.datetime | None = None
) -> ClaimCase:
    """Flag the case major for a dispute (CLM-4). Locks the case row. A case not major
    yet starts its 24-hour timer at the flagging time: the dispute arose after the
    report (a dispute known at the report is flagged right at intake). Closed and
    refused cases may be flagged too: disputes often follow a refusal. The note goes
    into the case's history."""
    at = at or timezone.now()
    with transaction.atomic():
        case = case_lock(user=by, pk=case_pk)
        new = check_major_flag(case=case, reasons=reasons, note=note)
        case._change_reason = note.strip()
        _flag(case, reasons=new, by=by, at=at, clock_from=at)
    return case


def case_major_reported(
    *, by: User, case_pk: int, reference: str, at: dt.datetime | None = None
) -> ClaimCase:
    """Record the major case's report to the head office (CLM-4) and meet its timer.
    Locks the case row. Refused: a case that is not major or was reported already, no
    reference, a time before the case was reported or in the future."""
    now = timezone.now()
    at = at or now
    with transaction.atomic():
        case = case_lock(user=by, pk=case_pk)
        if not case.major:
            raise ValidationError(
                _("Only a major case is reported to the head office (CLM-4)."), code="not_major"
            )
        if case.head_office_reported_at is not None:
            raise ValidationError(
                _("The case was reported to the head office on %(at)s (%(reference)s).")
                % {
                    "at": timezone.localtime(case.head_office_reported_at).strftime(
                        "%Y-%m-%d %H:%M"
                    ),
                    "reference": case.head_office_reference,
                },
                code="already_reported",
            )
        reference = reference.strip()
        if not reference or len(reference) > REFERENCE_MAX:
            raise ValidationError(
                {
                    "reference": ValidationError(
                        _("Enter the head office's report reference (at most %(n)s characters).")
                        % {"n": REFERENCE_MAX},
                        code="required",
                    )
                }
            )
        if at < case.reported_at or at > now:
            raise ValidationError(
                {
                    "at": ValidationError(
                        _("The report time lies between the case's report and now."),
                        code="invalid_time",
                    )
                }
            )
        case.head_office_reported_at = at
        case.head_office_reference = reference
        case._history_user = by
        case.save(update_fields=["head_office_reported_at", "head_office_reference"])
        case_timer_meet(
            case=case, rule_code=MAJOR_RULE, by=by, detail=_("Reported to the head office")
        )
    return case
