"""CLM-10, REG-1: payment requests of approved cases, the payment made (clocks met,
case PAID), cancellation, and closure of paid cases and of refused ones once the
refusal was handed over."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from claims_assist.models import CaseEvent, ClaimCase, PaymentRequest, RefusalLetter
from claims_assist.services import documents as documents_service
from claims_assist.services import payments as services
from claims_assist.services import refusals
from claims_assist.services import timeline as timeline_service
from core.access import NotInScope, ReadOnlyRole
from core.models import SlaTimer
from tests.claims_assist.timeline_support import (
    code_of,
    complete_file,
    last_timer,
    reported_case,
    timer_of,
)

PAYEE = {
    "payee_name": "张三",
    "payee_id_number": "110105 19491231 002x",
    "bank_name": "农村信用社",
    "bank_account": "6217 0000 1234 5678 901",
}


def request_payment(by, case, **values):
    return services.payment_request_create_locked(
        by=by, case_pk=case.pk, **{"amount": Decimal("3000.00"), **PAYEE, **values}
    )


@pytest.fixture
def transferred(claims_book, clerk_a):
    case = reported_case(claims_book, clerk_a)
    complete_file(case, clerk_a)
    documents_service.case_transfer(by=clerk_a, case_pk=case.pk)
    return case


@pytest.fixture
def approved(transferred, claims_centre):
    timeline_service.case_decide_locked(
        by=claims_centre, case_pk=transferred.pk, decision="pay", amount=Decimal("3000.00")
    )
    transferred.refresh_from_db()
    return transferred


def test_clm_10_payment_flow_to_closure(approved, clerk_a, claims_centre):
    payment = request_payment(clerk_a, approved)
    assert payment.state == PaymentRequest.State.REQUESTED
    assert payment.payee_id_number == "11010519491231002X"
    assert payment.bank_account == "6217000012345678901"
    with pytest.raises(ValidationError) as refused:
        services.case_close(by=clerk_a, case_pk=approved.pk)
    assert code_of(refused.value) == "stage"
    services.payment_mark_paid(by=claims_centre, payment_pk=payment.pk, reference="BANK-20261008-1")
    payment.refresh_from_db()
    case = ClaimCase.objects.get(pk=approved.pk)
    assert payment.state == PaymentRequest.State.PAID and payment.paid_at
    assert payment.payment_reference == "BANK-20261008-1"
    assert case.stage == ClaimCase.Stage.PAID and case.paid_amount == Decimal("3000.00")
    assert case.paid_at == payment.paid_at
    for rule in ("CLM-10-pay-small", "REG-1-payment"):
        assert last_timer(case, rule).state == SlaTimer.State.MET
    services.case_close(by=clerk_a, case_pk=case.pk, note="客户确认到账")
    case.refresh_from_db()
    assert case.stage == ClaimCase.Stage.CLOSED and case.closed_at
    # The kernel ended every open timer with the final stage.
    assert not SlaTimer.objects.filter(
        subject_id=case.pk, rule__code__startswith="CLM-10", state__in=SlaTimer.OPEN_STATES
    ).exists()
    assert CaseEvent.objects.filter(case=case, stage=ClaimCase.Stage.CLOSED).exists()


def test_clm_10_payment_request_checked(approved, clerk_a):
    for values, field in (
        ({"amount": Decimal("3000.01")}, "amount"),
        ({"amount": Decimal("0")}, "amount"),
        ({"payee_id_number": "110105194912310021"}, "payee_id_number"),
        ({"bank_account": "12345"}, "bank_account"),
        ({"bank_account": "6217abcd12345678"}, "bank_account"),
        ({"payee_name": " "}, "payee_name"),
    ):
        with pytest.raises(ValidationError) as refused:
            request_payment(clerk_a, approved, **values)
        assert field in refused.value.message_dict
    assert not PaymentRequest.objects.exists()
    request_payment(clerk_a, approved, amount=Decimal("2000.00"))
    with pytest.raises(ValidationError) as refused:
        request_payment(clerk_a, approved, amount=Decimal("1000.00"))
    assert code_of(refused.value) == "live_request"


def test_clm_10_payment_request_needs_approval(transferred, clerk_a):
    with pytest.raises(ValidationError) as refused:
        request_payment(clerk_a, transferred)
    assert code_of(refused.value) == "not_approved"


def test_clm_10_payment_request_refused_outside_scope(approved, clerk_b, auditor):
    with pytest.raises(NotInScope):
        request_payment(clerk_b, approved)
    with pytest.raises(ReadOnlyRole):
        request_payment(auditor, approved)


def test_clm_10_only_claims_centre_or_manager_marks_paid(
    approved, clerk_a, outlet_head_a, auditor, county_manager
):
    payment = request_payment(clerk_a, approved)
    for user in (clerk_a, outlet_head_a):
        with pytest.raises(PermissionDenied):
            services.payment_mark_paid(by=user, payment_pk=payment.pk, reference="R1")
    with pytest.raises(ReadOnlyRole):
        services.payment_mark_paid(by=auditor, payment_pk=payment.pk, reference="R1")
    with pytest.raises(ValidationError) as refused:
        services.payment_mark_paid(by=county_manager, payment_pk=payment.pk, reference=" ")
    assert code_of(refused.value) == "reference"
    payment.refresh_from_db()
    assert payment.state == PaymentRequest.State.REQUESTED


def test_clm_10_cancelled_request_makes_room_for_another(approved, clerk_a, claims_centre):
    payment = request_payment(clerk_a, approved)
    with pytest.raises(ValidationError) as refused:
        services.payment_cancel(by=clerk_a, payment_pk=payment.pk, reason="")
    assert code_of(refused.value) == "reason_required"
    services.payment_cancel(by=clerk_a, payment_pk=payment.pk, reason="账号有误")
    payment.refresh_from_db()
    assert payment.state == PaymentRequest.State.CANCELLED
    assert payment.history.first().history_change_reason == "账号有误"
    assert CaseEvent.objects.filter(case=approved, note__contains="账号有误").exists()
    with pytest.raises(ValidationError) as refused:
        services.payment_mark_paid(by=claims_centre, payment_pk=payment.pk, reference="R")
    assert code_of(refused.value) == "state"
    # The payment clocks keep running.
    assert timer_of(approved, "CLM-10-pay-small").state == SlaTimer.State.RUNNING
    second = request_payment(clerk_a, approved, bank_account="6217000012345678999")
    assert second.state == PaymentRequest.State.REQUESTED


def test_reg_1_refused_case_closes_once_the_refusal_is_delivered(
    transferred, clerk_a, claims_centre
):
    timeline_service.case_decide_locked(
        by=claims_centre, case_pk=transferred.pk, decision="refuse", reason="不属于保险责任"
    )
    with pytest.raises(ValidationError) as refused:
        services.case_close(by=clerk_a, case_pk=transferred.pk)
    assert code_of(refused.value) == "refusal_not_notified"
    letter = RefusalLetter.objects.get(case=transferred)
    refusals.refusal_delivered(by=clerk_a, letter_pk=letter.pk, note="本人签收")
    services.case_close(by=clerk_a, case_pk=transferred.pk)
    transferred.refresh_from_db()
    assert transferred.stage == ClaimCase.Stage.CLOSED


def test_clm_10_close_refused_outside_scope(approved, clerk_b, auditor):
    with pytest.raises(NotInScope):
        services.case_close(by=clerk_b, case_pk=approved.pk)
    with pytest.raises(ReadOnlyRole):
        services.case_close(by=auditor, case_pk=approved.pk)
