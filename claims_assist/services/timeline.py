"""CLM-10 and REG-1 after the file is complete: the decision and the customer's
messages.

- A decision needs a file accepted as complete (CLM-8). A case settled one-stop (its
  current assessment is one-stop and signed by the customer) is decided by its
  adjuster, the claims centre or a county manager; any other case is decided by the
  city claims centre or a county manager once the file is with the claims centre
  (TRANSFERRED, CLM-9).
- Pay: the amount is at most the current assessment's payable (else assessed) amount.
  The review clocks (CLM-10-review, CLM-10-special) and REG-1-decision are met; the
  payment clocks start: CLM-10-pay-small (3 working days) below the county's
  ClaimsSettings.small_payment_below, CLM-10-pay (7) otherwise, and REG-1-payment (10
  days after agreement, Insurance Law art. 23).
- Refuse: with the reason; the written refusal (claims_assist.services.refusals) starts
  REG-1-refusal (art. 24: notified within 3 days); a proven false claim puts the insured
  on the county's watch list (CLM-16).

The caller of `case_decide` holds the case locked (`case_lock`); `case_message_manual`
locks it itself.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from claims_assist.models import (
    Assessment,
    CaseMessage,
    ClaimCase,
    ClaimsSettings,
    RefusalLetter,
)
from claims_assist.services import fraud, refusals
from claims_assist.services.cases import (
    case_lock,
    case_message_send,
    case_stage_set,
    case_timer_meet,
    case_timer_start,
)
from claims_assist.services.documents import (
    DECISION_BOUND,
    REVIEW_RULE,
    SPECIAL_RULE,
    field_error,
    may_review,
)
from core.models import User
from core.selectors import county_override

PAY_SMALL_RULE = "CLM-10-pay-small"
PAY_RULE = "CLM-10-pay"
PAYMENT_BOUND = "REG-1-payment"
# CLM-10: the customer's message written by staff fits one SMS page or two.
MESSAGE_MAX = 300


def current_assessment(*, case: ClaimCase) -> Assessment | None:
    """The case's assessment not superseded, if any."""
    return case.assessments.filter(superseded_at__isnull=True).select_related("adjuster").first()


def settled_one_stop(assessment: Assessment | None) -> bool:
    """One-stop service reached the customer's signature (survey, assessment,
    calculation, signature): the adjuster decides (CLM-6)."""
    return (
        assessment is not None
        and assessment.mode == Assessment.Mode.ONE_STOP
        and assessment.customer_signed_at is not None
    )


def small_payment_below(*, case: ClaimCase) -> Decimal:
    """CLM-10: payments below this are due in 3 working days, per county."""
    settings_row = county_override(ClaimsSettings.objects.all(), county=case.org_unit.county)
    return settings_row.small_payment_below if settings_row else Decimal("5000.00")


def may_decide(*, case: ClaimCase, user: User) -> bool:
    """Whether `user` may decide the case now (role and stage; CLM-10)."""
    try:
        _check_decider(case=case, by=user, assessment=current_assessment(case=case))
    except (PermissionDenied, ValidationError):
        return False
    return True


def _check_decider(*, case: ClaimCase, by: User, assessment: Assessment | None) -> None:
    if settled_one_stop(assessment):
        if by.pk != assessment.adjuster_id and not may_review(by):
            raise PermissionDenied(
                _(
                    "A one-stop case is decided by its adjuster (%(adjuster)s), the city "
                    "claims centre or a county manager."
                )
                % {"adjuster": assessment.adjuster}
            )
        if case.stage not in (ClaimCase.Stage.FILE_COMPLETE, ClaimCase.Stage.TRANSFERRED):
            raise ValidationError(
                _("The case is %(stage)s; it cannot be decided now.")
                % {"stage": case.get_stage_display()},
                code="stage",
            )
        return
    if not may_review(by):
        raise PermissionDenied(
            _("Only the city claims centre or a county manager decides this case (CLM-10).")
        )
    if case.stage != ClaimCase.Stage.TRANSFERRED:
        raise ValidationError(
            _("Transfer the file to the city claims centre first (CLM-9): the case is %(stage)s.")
            % {"stage": case.get_stage_display()},
            code="not_transferred",
        )


def check_decide(
    *,
    case: ClaimCase,
    by: User,
    decision: str,
    amount: Decimal | None,
    reason: str,
    false_claim: bool,
) -> Assessment | None:
    """Authorise and validate a decision (CLM-8, CLM-10, CLM-16); returns the current
    assessment."""
    if not case.is_open or case.decision != ClaimCase.Decision.PENDING:
        raise ValidationError(_("The case was decided already."), code="decided")
    if case.file_complete_at is None:
        raise ValidationError(
            _("Accept the file as complete before deciding (CLM-8)."), code="incomplete"
        )
    assessment = current_assessment(case=case)
    _check_decider(case=case, by=by, assessment=assessment)
    if decision == ClaimCase.Decision.PAY:
        if false_claim:
            raise field_error(
                "false_claim", _("A false claim is refused, not paid (CLM-16)."), "false_claim_paid"
            )
        if amount is None or not isinstance(amount, Decimal) or amount <= 0:
            raise field_error("amount", _("Give the amount to pay, more than 0 yuan."), "amount")
        ceiling = None
        if assessment is not None:
            ceiling = (
                assessment.calculated_amount
                if assessment.calculated_amount is not None
                else assessment.amount
            )
        if ceiling is not None and amount > ceiling:
            raise field_error(
                "amount",
                _(
                    "At most %(ceiling)s yuan, the amount of the current assessment; "
                    "reassess the case to pay more."
                )
                % {"ceiling": ceiling},
                "over_assessment",
            )
    elif decision == ClaimCase.Decision.REFUSE:
        if not reason.strip():
            raise field_error(
                "reason", _("A refusal states its reasons (REG-1, art. 24)."), "reason_required"
            )
        if false_claim and not case.insured_id_number:
            raise field_error(
                "false_claim",
                _(
                    "The watch list needs the insured's ID number: record it on the "
                    "case first (CLM-16)."
                ),
                "no_id_number",
            )
    else:
        raise field_error("decision", _("Decide to pay or to refuse."), "decision")
    return assessment


def case_decide(
    *,
    case: ClaimCase,
    by: User,
    decision: str,
    amount: Decimal | None = None,
    reason: str = "",
    false_claim: bool = False,
    at: dt.datetime | None = None,
) -> ClaimCase:
    """Record the decision on the locked case: pay `amount` (CLM-10 payment timer, 3 or
    7 working days, and REG-1's 10 days) or refuse with `reason` (REG-1: refusal
    notified within 3 days; `false_claim` puts the insured on the watch list, CLM-16).
    Needs a complete file; a case not settled one-stop needs the claims centre's review."""
    at = at or timezone.now()
    reason = (reason or "").strip()
    check_decide(
        case=case,
        by=by,
        decision=decision,
        amount=amount,
        reason=reason,
        false_claim=false_claim,
    )
    with transaction.atomic():
        case.decision = decision
        case.decision_reason = reason
        case.decided_at = at
        case.decided_by = by
        if decision == ClaimCase.Decision.PAY:
            case.approved_amount = amount
        case.save(
            update_fields=[
                "decision",
                "decision_reason",
                "decided_at",
                "decided_by",
                "approved_amount",
            ]
        )
        # Met before the stage changes: a refusal is final and would cancel them.
        for rule in (REVIEW_RULE, SPECIAL_RULE, DECISION_BOUND):
            case_timer_meet(case=case, rule_code=rule, by=by)
        if decision == ClaimCase.Decision.PAY:
            case_stage_set(case=case, stage=ClaimCase.Stage.APPROVED, by=by, at=at, note=reason)
            rule = PAY_SMALL_RULE if amount < small_payment_below(case=case) else PAY_RULE
            case_timer_start(case=case, rule_code=rule, by=by, at=at)
            case_timer_start(case=case, rule_code=PAYMENT_BOUND, by=by, at=at)
            return case
        case_stage_set(case=case, stage=ClaimCase.Stage.REFUSED, by=by, at=at, note=reason)
        refusals.refusal_issue(
            by=by, case=case, kind=RefusalLetter.Kind.DECISION, reasons=reason, at=at
        )
        if false_claim:
            fraud.watch_list_add(
                by=by,
                county=case.org_unit.county,
                name=case.insured_name,
                id_number=case.insured_id_number,
                reason=reason,
                case=case,
            )
        return case


def case_decide_locked(
    *,
    by: User,
    case_pk: int,
    decision: str,
    amount: Decimal | None = None,
    reason: str = "",
    false_claim: bool = False,
) -> ClaimCase:
    """`case_decide` for pages and endpoints: locks the case first."""
    with transaction.atomic():
        case = case_lock(user=by, pk=case_pk)
        return case_decide(
            case=case,
            by=by,
            decision=decision,
            amount=amount,
            reason=reason,
            false_claim=false_claim,
        )


def case_message_manual(*, by: User, case_pk: int, body: str) -> CaseMessage:
    """A message to the customer written by staff (CLM-10: it also restarts the
    3-working-day progress clock). Locks the case."""
    body = (body or "").strip()
    with transaction.atomic():
        case = case_lock(user=by, pk=case_pk)
        if not body:
            raise field_error("body", _("Write the message."), "empty")
        if len(body) > MESSAGE_MAX:
            raise field_error(
                "body",
                _("The message is too long (%(n)s characters; at most %(max)s).")
                % {"n": len(body), "max": MESSAGE_MAX},
                "too_long",
            )
        if not case.is_open:
            raise ValidationError(
                _("The case is %(stage)s: no more messages are sent.")
                % {"stage": case.get_stage_display()},
                code="closed",
            )
        return case_message_send(case=case, kind=CaseMessage.Kind.MANUAL, body=body, by=by)
