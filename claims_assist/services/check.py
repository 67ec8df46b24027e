"""CLM-3: the initial check of a reported case.

Three questions: is the incident inside the policy period, is its cause a covered
peril (the clerk's judgement, made beside the product's liability text and exclusion
list, CLM-15), and was it reported within the claim time limit? A case that fails any
of them is refused in writing, stating every reason (RefusalLetter, REG-1 art. 24).

`initial_check_facts` is the read the case page shows before the clerk decides;
`check_case_initial` authorises and validates; `case_check_initial` writes.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from claims_assist.models import ClaimCase, ClaimsSettings, RefusalLetter
from claims_assist.services.cases import case_lock, case_stage_set
from claims_assist.services.refusals import PRINT_LANGUAGE, refusal_issue
from core.access import check_can_write
from core.models import User
from core.selectors import county_override


def claims_settings_for(case: ClaimCase) -> ClaimsSettings:
    """The claims settings of the case's county, else the default row."""
    return county_override(ClaimsSettings.objects.all(), county=case.org_unit.county)


@dataclass(frozen=True)
class InitialCheckFacts:
    """What the clerk sees before deciding (CLM-3); `in_period` is None while the
    policy period is unknown (no linked policy and no dates given)."""

    cover_starts: dt.date | None
    cover_ends: dt.date | None
    period_from_policy: bool
    incident_on: dt.date
    reported_on: dt.date
    days_to_report: int
    time_limit_days: int
    in_period: bool | None
    within_time_limit: bool
    liability: str
    exclusions: list[str]


def _policy_period(case: ClaimCase) -> tuple[dt.date | None, dt.date | None]:
    policy = case.policy
    if policy is None or policy.starts_on is None or policy.ends_on is None:
        return None, None
    return policy.starts_on, policy.ends_on


def initial_check_facts(
    *,
    case: ClaimCase,
    cover_starts: dt.date | None = None,
    cover_ends: dt.date | None = None,
) -> InitialCheckFacts:
    """The facts of the CLM-3 check: the policy period (the linked policy's, else the
    dates the clerk read from the customer's policy document), the days from the
    incident to the report against the county's claim time limit, and the product's
    liability and exclusions. Dates are days in Beijing time; the period runs from
    00:00 of its first day to 24:00 of its last."""
    starts, ends = _policy_period(case)
    from_policy = starts is not None
    if not from_policy:
        starts, ends = cover_starts, cover_ends
    incident_on = timezone.localtime(case.incident_at).date()
    reported_on = timezone.localtime(case.reported_at).date()
    days = (reported_on - incident_on).days
    limit = claims_settings_for(case).claim_time_limit_days
    return InitialCheckFacts(
        cover_starts=starts,
        cover_ends=ends,
        period_from_policy=from_policy,
        incident_on=incident_on,
        reported_on=reported_on,
        days_to_report=days,
        time_limit_days=limit,
        in_period=(starts <= incident_on <= ends) if starts and ends else None,
        within_time_limit=days <= limit,
        liability=case.product.liability,
        exclusions=[exclusion.text for exclusion in case.product.exclusions.all()],
    )


def check_case_initial(
    *,
    user: User,
    case: ClaimCase,
    covered: bool,
    cover_starts: dt.date | None = None,
    cover_ends: dt.date | None = None,
) -> tuple[InitialCheckFacts, list[str]]:
    """Authorise and validate the CLM-3 check of `case` and return its facts and the
    codes of every failed reason (ClaimCase.CheckReason), empty when it passes. Raises
    ValidationError: the case is closed or was checked already, or the policy period
    is unknown."""
    check_can_write(user, case)
    if not case.is_open:
        raise ValidationError(
            _("The case is %(stage)s; only an open case is checked (CLM-3).")
            % {"stage": case.get_stage_display()},
            code="case_closed",
        )
    if case.check_result != ClaimCase.Check.PENDING:
        raise ValidationError(
            _("The initial check was made already (%(result)s); a case is checked once (CLM-3).")
            % {"result": case.get_check_result_display()},
            code="already_checked",
        )
    if not isinstance(covered, bool):
        raise ValidationError(
            {
                "covered": ValidationError(
                    _("Say whether the cause is a covered peril (CLM-3)."), code="required"
                )
            }
        )
    if _policy_period(case)[0] is not None:
        if cover_starts or cover_ends:
            raise ValidationError(
                {
                    "cover_starts": ValidationError(
                        _("The policy period comes from the linked policy; leave the dates empty."),
                        code="period_from_policy",
                    )
                }
            )
    elif not (cover_starts and cover_ends):
        raise ValidationError(
            {
                "cover_starts": ValidationError(
                    _(
                        "The case has no linked policy with a period: enter the cover dates "
                        "from the customer's policy document (CLM-3)."
                    ),
                    code="period_missing",
                )
            }
        )
    elif cover_ends < cover_starts:
        raise ValidationError(
            {
                "cover_ends": ValidationError(
                    _("The cover ends before it starts; check the dates."), code="period_order"
                )
            }
        )
    facts = initial_check_facts(case=case, cover_starts=cover_starts, cover_ends=cover_ends)
    reasons = []
    if not facts.in_period:
        reasons.append(ClaimCase.CheckReason.OUTSIDE_PERIOD.value)
    if not covered:
        reasons.append(ClaimCase.CheckReason.NOT_COVERED.value)
    if not facts.within_time_limit:
        reasons.append(ClaimCase.CheckReason.TIME_LIMIT.value)
    return facts, reasons


def refusal_reasons_text(
    *, case: ClaimCase, facts: InitialCheckFacts, reasons: list[str], note: str = ""
) -> str:
    """The reasons as the letter states them, one numbered line each, in the current
    language (the letter's: see `case_check_initial`). The clerk's note explains a
    peril judged not covered (which exclusion applied); otherwise it stays internal."""
    details = {
        ClaimCase.CheckReason.OUTSIDE_PERIOD: _(
            "the incident happened on %(incident)s; the cover runs from %(starts)s to %(ends)s"
        )
        % {
            "incident": facts.incident_on.isoformat(),
            "starts": facts.cover_starts.isoformat() if facts.cover_starts else "-",
            "ends": facts.cover_ends.isoformat() if facts.cover_ends else "-",
        },
        ClaimCase.CheckReason.NOT_COVERED: (
            _("the cause (%(cause)s) is not a covered peril: %(note)s")
            if note.strip()
            else _("the cause (%(cause)s) is not a covered peril")
        )
        % {"cause": case.cause, "note": note.strip()},
        ClaimCase.CheckReason.TIME_LIMIT: _(
            "the claim was reported %(days)s days after the incident; the limit is %(limit)s days"
        )
        % {"days": facts.days_to_report, "limit": facts.time_limit_days},
    }
    lines = [
        f"{number}. {ClaimCase.CheckReason(code).label}: {details[ClaimCase.CheckReason(code)]}."
        for number, code in enumerate(reasons, start=1)
    ]
    return "\n".join(lines)


def case_check_initial(
    *,
    by: User,
    case_pk: int,
    covered: bool,
    note: str = "",
    cover_starts: dt.date | None = None,
    cover_ends: dt.date | None = None,
    at: dt.datetime | None = None,
) -> ClaimCase:
    """Record the CLM-3 initial check of the case. Locks the case row.

    Passed: check_result PASSED. Failed: FAILED with every failed reason, the case is
    REFUSED and the written refusal is issued (in the letter's language, Chinese),
    which starts REG-1's 3-day notice timer — after the stage change, whose end of
    the case's timers it must survive.
    """
    at = at or timezone.now()
    with transaction.atomic():
        case = case_lock(user=by, pk=case_pk)
        facts, reasons = check_case_initial(
            user=by, case=case, covered=covered, cover_starts=cover_starts, cover_ends=cover_ends
        )
        case.check_result = ClaimCase.Check.FAILED if reasons else ClaimCase.Check.PASSED
        case.check_reasons = reasons
        case.check_note = note.strip()
        case.checked_by = by
        case.checked_at = at
        case._history_user = by
        case.save(
            update_fields=[
                "check_result",
                "check_reasons",
                "check_note",
                "checked_by",
                "checked_at",
            ]
        )
        if reasons:
            with translation.override(PRINT_LANGUAGE):
                text = refusal_reasons_text(case=case, facts=facts, reasons=reasons, note=note)
            case_stage_set(
                case=case,
                stage=ClaimCase.Stage.REFUSED,
                by=by,
                at=at,
                note=_("Initial check failed (CLM-3)"),
            )
            refusal_issue(
                by=by, case=case, kind=RefusalLetter.Kind.INITIAL_CHECK, reasons=text, at=at
            )
    return case
