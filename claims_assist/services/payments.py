"""Payment requests (the last step of one-stop service, or after approval), payment
and closure (CLM-10, REG-1).

- A request needs an approved case, at most the approved amount, one live request per
  case (the database refuses a second), a valid payee ID (underwriting.identity) and a
  bank account of 12 to 30 digits.
- The city claims centre or a county manager marks it paid: the case is PAID and the
  payment clocks end (CLM-10-pay-small / CLM-10-pay and REG-1-payment, art. 23: within
  10 days of agreement).
- A paid case closes; a refused one closes once the refusal was handed to the customer
  (REG-1 art. 24). The kernel ends every open timer on the final stage.

Every write locks the case row first (`case_lock`), then the payment row.
"""

import datetime as dt
import re
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from claims_assist.models import CaseEvent, ClaimCase, PaymentRequest
from claims_assist.services.cases import case_lock, case_stage_set, case_timer_meet
from claims_assist.services.documents import field_error, may_review
from claims_assist.services.timeline import PAY_RULE, PAY_SMALL_RULE, PAYMENT_BOUND
from core.access import get_in_scope
from core.audit import save_with_reason
from core.models import User
from underwriting.identity import normalise_identity

_ACCOUNT_SEPARATORS = re.compile(r"[\s\-]+")
ACCOUNT_DIGITS = (12, 30)


def normalise_bank_account(raw: str) -> str:
    """The account number without spaces or dashes: 12 to 30 digits."""
    account = _ACCOUNT_SEPARATORS.sub("", raw or "")
    low, high = ACCOUNT_DIGITS
    if not account.isdigit() or not low <= len(account) <= high:
        raise field_error(
            "bank_account",
            _(
                "A bank account number has %(low)s to %(high)s digits; check the "
                "customer's bank card."
            )
            % {"low": low, "high": high},
            "bank_account",
        )
    return account


def normalise_payee(
    *, payee_name: str, payee_id_number: str, bank_name: str, bank_account: str
) -> dict:
    """The payee's fields checked and normalised for a payment request: the names
    stripped, a valid ID number (underwriting.identity) and a bank account of 12 to 30
    digits. Raises one ValidationError naming every field at fault."""
    errors = {}
    if not (payee_name or "").strip():
        errors["payee_name"] = [_("Give the payee's name.")]
    if not (bank_name or "").strip():
        errors["bank_name"] = [_("Give the bank.")]
    cleaned = {"payee_name": (payee_name or "").strip(), "bank_name": (bank_name or "").strip()}
    try:
        cleaned["payee_id_number"] = normalise_identity(payee_id_number)
    except ValidationError as exc:
        errors["payee_id_number"] = exc.messages
    try:
        cleaned["bank_account"] = normalise_bank_account(bank_account)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return cleaned


def check_payment_request(
    *,
    case: ClaimCase,
    amount: Decimal,
    payee_name: str,
    payee_id_number: str,
    bank_name: str,
    bank_account: str,
) -> dict:
    """Validate a payment request; returns the normalised payee fields."""
    if case.stage != ClaimCase.Stage.APPROVED or case.decision != ClaimCase.Decision.PAY:
        raise ValidationError(
            _("Payment is requested once the case is approved for payment (CLM-10)."),
            code="not_approved",
        )
    if case.payments.filter(
        state__in=[PaymentRequest.State.REQUESTED, PaymentRequest.State.PAID]
    ).exists():
        raise ValidationError(
            _("The case has a payment request already; cancel it before making another."),
            code="live_request",
        )
    errors = {}
    if amount is None or amount <= 0:
        errors["amount"] = [_("Give the amount to pay, more than 0 yuan.")]
    elif amount > case.approved_amount:
        errors["amount"] = [
            _("At most the approved amount, %(approved)s yuan.")
            % {"approved": case.approved_amount}
        ]
    try:
        cleaned = normalise_payee(
            payee_name=payee_name,
            payee_id_number=payee_id_number,
            bank_name=bank_name,
            bank_account=bank_account,
        )
    except ValidationError as exc:
        raise ValidationError({**errors, **exc.message_dict}) from None
    if errors:
        raise ValidationError(errors)
    return cleaned


def payment_request_create(
    *,
    case: ClaimCase,
    by: User,
    amount: Decimal,
    payee_name: str,
    payee_id_number: str,
    bank_name: str,
    bank_account: str,
    at: dt.datetime | None = None,
) -> PaymentRequest:
    """Request payment of the locked, approved case to the payee's account: at most the
    approved amount, one live request per case."""
    cleaned = check_payment_request(
        case=case,
        amount=amount,
        payee_name=payee_name,
        payee_id_number=payee_id_number,
        bank_name=bank_name,
        bank_account=bank_account,
    )
    try:
        with transaction.atomic():
            return PaymentRequest.objects.create(
                case=case,
                amount=amount,
                requested_by=by,
                requested_at=at or timezone.now(),
                **cleaned,
            )
    except IntegrityError:
        # The constraint is the last guard against a second live request.
        raise ValidationError(
            _("The case has a payment request already; cancel it before making another."),
            code="live_request",
        ) from None


def payment_request_create_locked(*, by: User, case_pk: int, **fields) -> PaymentRequest:
    """`payment_request_create` for pages and endpoints: locks the case first."""
    with transaction.atomic():
        case = case_lock(user=by, pk=case_pk)
        return payment_request_create(case=case, by=by, **fields)


def _locked_payment(*, by: User, payment_pk: int) -> tuple[ClaimCase, PaymentRequest]:
    payment = get_in_scope(PaymentRequest, by, pk=payment_pk)
    case = case_lock(user=by, pk=payment.case_id)
    return case, PaymentRequest.objects.select_for_update().get(pk=payment.pk)


def payment_mark_paid(
    *, by: User, payment_pk: int, reference: str, at: dt.datetime | None = None
) -> PaymentRequest:
    """Record the payment made (the city claims centre or a county manager, with the
    bank's reference): the case is PAID and its payment clocks are met (CLM-10,
    REG-1-payment). Locks the case, then the payment."""
    at = at or timezone.now()
    reference = (reference or "").strip()
    with transaction.atomic():
        case, payment = _locked_payment(by=by, payment_pk=payment_pk)
        if not may_review(by):
            raise PermissionDenied(
                _("Only the city claims centre or a county manager records a payment.")
            )
        if payment.state != PaymentRequest.State.REQUESTED:
            raise ValidationError(
                _("The request is %(state)s.") % {"state": payment.get_state_display()},
                code="state",
            )
        if not reference:
            raise field_error("reference", _("Give the bank's payment reference."), "reference")
        payment.state = PaymentRequest.State.PAID
        payment.paid_at = at
        payment.payment_reference = reference
        save_with_reason(payment, by=by, reason=reference)
        case.paid_at = at
        case.paid_amount = payment.amount
        case.save(update_fields=["paid_at", "paid_amount"])
        for rule in (PAY_SMALL_RULE, PAY_RULE, PAYMENT_BOUND):
            case_timer_meet(case=case, rule_code=rule, by=by)
        case_stage_set(case=case, stage=ClaimCase.Stage.PAID, by=by, at=at, note=reference)
        return payment


def payment_cancel(*, by: User, payment_pk: int, reason: str) -> PaymentRequest:
    """Cancel a request not paid yet (wrong account, payee changed), with the reason
    kept in its history and on the case's timeline; the clocks keep running. Locks the
    case, then the payment."""
    reason = (reason or "").strip()
    with transaction.atomic():
        case, payment = _locked_payment(by=by, payment_pk=payment_pk)
        if not reason:
            raise field_error("reason", _("Say why the request is cancelled."), "reason_required")
        if payment.state != PaymentRequest.State.REQUESTED:
            raise ValidationError(
                _("The request is %(state)s.") % {"state": payment.get_state_display()},
                code="state",
            )
        payment.state = PaymentRequest.State.CANCELLED
        save_with_reason(payment, by=by, reason=reason)
        CaseEvent.objects.create(
            case=case,
            stage=case.stage,
            at=timezone.now(),
            by=by,
            note=_("Payment request of %(amount)s yuan cancelled: %(reason)s")
            % {"amount": payment.amount, "reason": reason},
        )
        return payment


def case_close(
    *, by: User, case_pk: int, at: dt.datetime | None = None, note: str = ""
) -> ClaimCase:
    """Close a paid case, or a refused one whose refusal was handed to the customer
    (REG-1 art. 24). Locks the case; every open timer ends with it."""
    at = at or timezone.now()
    with transaction.atomic():
        case = case_lock(user=by, pk=case_pk)
        if case.stage == ClaimCase.Stage.REFUSED:
            if case.refusal_notified_at is None:
                raise ValidationError(
                    _(
                        "Hand the written refusal to the customer first (REG-1, art. 24); "
                        "then close the case."
                    ),
                    code="refusal_not_notified",
                )
        elif case.stage != ClaimCase.Stage.PAID:
            raise ValidationError(
                _("Only a paid or refused case is closed; this one is %(stage)s.")
                % {"stage": case.get_stage_display()},
                code="stage",
            )
        case_stage_set(case=case, stage=ClaimCase.Stage.CLOSED, by=by, at=at, note=note)
        return case
