"""The case page's timeline panel (CLM-10, REG-1, SLA-6): the decision, payment and
closure forms for those who may use them, the case's events, the customer's messages
and every timer of the case: company timelines (CLM-*) beside the legal bounds (REG-1-*)."""

from django.utils import timezone

from claims_assist.forms_timeline import (
    DecisionForm,
    MessageForm,
    PaymentCancelForm,
    PaymentPaidForm,
    PaymentRequestForm,
)
from claims_assist.models import ClaimCase, PaymentRequest
from claims_assist.services import documents as documents_service
from claims_assist.services import timeline as timeline_service
from claims_assist.services.cases import case_timers
from core.views import time_left

LEGAL_PREFIX = "REG-"


def timers_split(*, case: ClaimCase) -> tuple[list, list]:
    """The case's timers with their time left: company timelines and legal bounds."""
    now = timezone.now()
    company, legal = [], []
    for timer in case_timers(case=case):
        timer.time_left = time_left(timer, now)
        (legal if timer.rule.code.startswith(LEGAL_PREFIX) else company).append(timer)
    return company, legal


def panel(*, case, user) -> dict:
    company, legal = timers_split(case=case)
    may_write = not user.is_read_only
    payments = list(case.payments.select_related("requested_by"))
    live = [p for p in payments if p.state != PaymentRequest.State.CANCELLED]
    closable = case.stage == ClaimCase.Stage.PAID or (
        case.stage == ClaimCase.Stage.REFUSED and case.refusal_notified_at is not None
    )
    return {
        "case": case,
        "company_timers": company,
        "legal_timers": legal,
        "events": list(case.events.select_related("by")),
        "messages": list(case.messages.select_related("outbox", "sent_by")),
        "payments": payments,
        "may_write": may_write,
        "may_decide": may_write
        and timeline_service.may_decide(case=case, user=user)
        and case.file_complete_at is not None
        and case.decision == ClaimCase.Decision.PENDING,
        "may_request_payment": may_write and case.stage == ClaimCase.Stage.APPROVED and not live,
        "may_mark_paid": may_write and documents_service.may_review(user),
        "may_close": may_write and closable,
        "may_message": may_write and case.is_open,
        "decision_form": DecisionForm(),
        "payment_form": PaymentRequestForm(
            initial={
                "amount": case.approved_amount,
                "payee_name": case.insured_name,
                "payee_id_number": case.insured_id_number,
            }
        ),
        "paid_form": PaymentPaidForm(),
        "cancel_form": PaymentCancelForm(),
        "message_form": MessageForm(),
    }
