"""One-stop service (CLM-6): survey → assessment (mode one-stop) → calculation →
customer signature → payment request, all by the same adjuster, who must hold a
one-stop authority valid at each step: an authority that expired or was revoked
between two steps stops the settlement there, and the case goes to the claims centre.

The survey and the assessment are claims_assist.services.survey and .assessment; this
module holds the later steps. Each locks the case (`case_lock`), then the assessment.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from claims_assist.models import Assessment, CaseEvent, ClaimCase, PaymentRequest
from claims_assist.services import payments, timeline
from claims_assist.services.assessment import (
    CENT,
    authority_line_of,
    current_assessment_locked,
)
from claims_assist.services.authority import check_authority
from claims_assist.services.cases import case_lock
from claims_assist.services.survey import photos_add, photos_stored
from core.access import get_in_scope
from core.audit import save_with_reason
from core.models import User


def _check_step(*, by: User, case: ClaimCase, assessment: Assessment | None, at) -> Assessment:
    """Every step: the case's current assessment is one-stop, the step is taken by its
    adjuster, and the adjuster's one-stop authority is valid now (CLM-6)."""
    if assessment is None or assessment.mode != Assessment.Mode.ONE_STOP:
        raise ValidationError(
            _("The case has no current one-stop assessment: settle it the usual way (CLM-6)."),
            code="not_one_stop",
        )
    if assessment.superseded_at is not None:
        raise ValidationError(
            _("This assessment has been superseded: continue with the current one."),
            code="superseded",
        )
    if by.pk != assessment.adjuster_id:
        raise PermissionDenied(
            _("One-stop service is carried out by the adjuster who assessed the case (CLM-6).")
        )
    if not case.is_open or case.decision != ClaimCase.Decision.PENDING:
        raise ValidationError(
            _("The case is %(stage)s: the one-stop settlement cannot continue.")
            % {"stage": case.get_stage_display()},
            code="case_decided",
        )
    check_authority(
        holder=by,
        line=authority_line_of(case),
        amount=assessment.amount,
        one_stop=True,
        at=at,
    )
    return assessment


def _locked(*, by: User, assessment_pk: int) -> tuple[ClaimCase, Assessment]:
    assessment = get_in_scope(Assessment.objects.all(), by, pk=assessment_pk)
    case = case_lock(user=by, pk=assessment.case_id)
    return case, Assessment.objects.select_for_update().get(pk=assessment.pk)


# Calculation ------------------------------------------------------------------------------------
def one_stop_calculate(
    *,
    by: User,
    assessment_pk: int,
    payable,
    note: str = "",
    at: dt.datetime | None = None,
) -> Assessment:
    """CLM-6: the payable amount of a one-stop assessment, at most the assessed loss,
    with the calculation explained when it differs. Recalculated until the customer
    signs. Locks the case, then the assessment."""
    at = at or timezone.now()
    note = (note or "").strip()
    with transaction.atomic():
        case, assessment = _locked(by=by, assessment_pk=assessment_pk)
        _check_step(by=by, case=case, assessment=assessment, at=at)
        errors: dict[str, list[str]] = {}
        if assessment.customer_signed_at is not None:
            errors["__all__"] = [
                _("The customer has signed the settlement: it is no longer recalculated.")
            ]
        try:
            amount = Decimal(payable)
        except (ArithmeticError, TypeError, ValueError):
            amount = None
        if amount is None or not amount.is_finite() or amount != amount.quantize(CENT):
            errors["payable"] = [_("Enter the payable amount in yuan, to the cent.")]
        elif amount < 0 or amount > assessment.amount:
            errors["payable"] = [
                _("The payable amount is between 0 and the assessed loss of %(amount)s yuan.")
                % {"amount": assessment.amount}
            ]
        elif amount != assessment.amount and not note:
            errors["note"] = [
                _(
                    "Explain how the payable amount follows from the assessed loss (deductible, "
                    "exclusions, sum insured)."
                )
            ]
        if errors:
            raise ValidationError(errors, code="invalid_calculation")
        assessment.calculated_amount = amount
        assessment.calculation_note = note
        assessment.calculated_at = at
        save_with_reason(assessment, by=by)
        CaseEvent.objects.create(
            case=case,
            stage=case.stage,
            at=at,
            by=by,
            note=_("One-stop calculation: %(amount)s yuan payable (CLM-6).") % {"amount": amount},
        )
    return assessment


# Signature --------------------------------------------------------------------------------------
def one_stop_sign(
    *,
    by: User,
    assessment_pk: int,
    signed_by_name: str,
    at: dt.datetime | None = None,
    photo: UploadedFile | None = None,
) -> Assessment:
    """CLM-6: the customer signs the calculated settlement, witnessed by the adjuster; a
    photo of the signed form may be kept as evidence (all or nothing with it). Call it
    outside any other transaction. Locks the case, then the assessment."""
    at = at or timezone.now()
    signed_by_name = (signed_by_name or "").strip()
    with photos_stored() as stored, transaction.atomic():
        case, assessment = _locked(by=by, assessment_pk=assessment_pk)
        _check_step(by=by, case=case, assessment=assessment, at=at)
        if assessment.calculated_at is None:
            raise ValidationError(
                _("Calculate the payable amount before the customer signs (CLM-6)."),
                code="not_calculated",
            )
        if assessment.customer_signed_at is not None:
            raise ValidationError(
                _("The customer signed this settlement already."), code="already_signed"
            )
        if not signed_by_name:
            raise ValidationError(
                {"signed_by_name": [_("Give the name of the customer who signs.")]},
                code="invalid_signature",
            )
        assessment.signed_by_name = signed_by_name
        assessment.customer_signed_at = at
        save_with_reason(assessment, by=by)
        if photo is not None:
            photos_add(
                stored=stored,
                subject=assessment,
                case=case,
                photos=[photo],
                by=by,
                caption=_("Signed settlement"),
            )
        CaseEvent.objects.create(
            case=case,
            stage=case.stage,
            at=at,
            by=by,
            note=_("One-stop settlement of %(amount)s yuan signed by %(name)s (CLM-6).")
            % {"amount": assessment.calculated_amount, "name": signed_by_name},
        )
    return assessment


# Payment request --------------------------------------------------------------------------------
def check_payment_request(
    *,
    by: User,
    case: ClaimCase,
    assessment: Assessment | None,
    payee_name: str,
    payee_id_number: str,
    bank_name: str,
    bank_account: str,
    at: dt.datetime,
) -> tuple[Assessment, dict]:
    """The last step: after the customer's signature, a payee with a valid ID number
    and a bank account of 12 to 30 digits. Returns the assessment and the normalised
    payee fields (payments.normalise_payee)."""
    assessment = _check_step(by=by, case=case, assessment=assessment, at=at)
    if assessment.customer_signed_at is None:
        raise ValidationError(
            _("The customer signs the settlement before payment is requested (CLM-6)."),
            code="not_signed",
        )
    if not assessment.calculated_amount:
        raise ValidationError(
            _("The payable amount is 0: there is nothing to pay."), code="nothing_to_pay"
        )
    payee = payments.normalise_payee(
        payee_name=payee_name,
        payee_id_number=payee_id_number,
        bank_name=bank_name,
        bank_account=bank_account,
    )
    return assessment, payee


def one_stop_request_payment(
    *,
    by: User,
    case_pk: int,
    payee_name: str,
    payee_id_number: str,
    bank_name: str,
    bank_account: str,
    at: dt.datetime | None = None,
) -> PaymentRequest:
    """CLM-6: the adjuster decides to pay the signed amount (the case's decision, which
    needs a complete file, CLM-8) and requests the payment to the payee's account.
    Locks the case, then its current assessment."""
    at = at or timezone.now()
    with transaction.atomic():
        case = case_lock(user=by, pk=case_pk)
        assessment, payee = check_payment_request(
            by=by,
            case=case,
            assessment=current_assessment_locked(case),
            payee_name=payee_name,
            payee_id_number=payee_id_number,
            bank_name=bank_name,
            bank_account=bank_account,
            at=at,
        )
        timeline.case_decide(
            case=case,
            by=by,
            decision=ClaimCase.Decision.PAY,
            amount=assessment.calculated_amount,
            at=at,
        )
        return payments.payment_request_create(
            case=case,
            by=by,
            amount=assessment.calculated_amount,
            at=at,
            **payee,
        )
