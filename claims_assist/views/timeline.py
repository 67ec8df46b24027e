"""Pages of the case timeline (CLM-10, REG-1): the decision, the payment request, the
payment made or cancelled, closure and the customer's messages. Each is a POST from
the case page's timeline panel that returns to the case page with the outcome.

Views read input and call the services, which look the case up in the user's scope
(404), check writes (403 for read-only roles) and the role the rule asks for (403).
"""

from django.contrib.auth.decorators import login_required
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from claims_assist.forms_timeline import (
    DecisionForm,
    MessageForm,
    NoteForm,
    PaymentCancelForm,
    PaymentPaidForm,
    PaymentRequestForm,
)
from claims_assist.models import ClaimCase, PaymentRequest
from claims_assist.services import payments as payment_services
from claims_assist.services import timeline as services
from claims_assist.views.actions import panel_action, writable_case
from core.access import get_in_scope

ANCHOR = "timeline"


@login_required
@require_POST
def decide(request, pk: int):
    """CLM-10, REG-1: pay an amount or refuse with reasons."""
    writable_case(request, pk)
    form = DecisionForm(request.POST)
    pay = form.is_valid() and form.cleaned_data["decision"] == ClaimCase.Decision.PAY
    return panel_action(
        request,
        pk,
        lambda: services.case_decide_locked(by=request.user, case_pk=pk, **form.cleaned_data),
        form=form,
        success=_("Approved for payment.") if pay else _("Claim refused; hand over the letter."),
        anchor=ANCHOR,
    )


@login_required
@require_POST
def payment_request(request, pk: int):
    writable_case(request, pk)
    form = PaymentRequestForm(request.POST)
    return panel_action(
        request,
        pk,
        lambda: payment_services.payment_request_create_locked(
            by=request.user, case_pk=pk, **form.cleaned_data
        ),
        form=form,
        success=_("Payment requested."),
        anchor=ANCHOR,
    )


def _payment(request, pk: int) -> PaymentRequest:
    payment = get_in_scope(PaymentRequest, request.user, pk=pk)
    writable_case(request, payment.case_id)
    return payment


@login_required
@require_POST
def payment_paid(request, pk: int):
    payment = _payment(request, pk)
    form = PaymentPaidForm(request.POST)
    return panel_action(
        request,
        payment.case_id,
        lambda: payment_services.payment_mark_paid(
            by=request.user, payment_pk=pk, reference=form.cleaned_data["reference"]
        ),
        form=form,
        success=_("Payment recorded."),
        anchor=ANCHOR,
    )


@login_required
@require_POST
def payment_cancel(request, pk: int):
    payment = _payment(request, pk)
    form = PaymentCancelForm(request.POST)
    return panel_action(
        request,
        payment.case_id,
        lambda: payment_services.payment_cancel(
            by=request.user, payment_pk=pk, reason=form.cleaned_data["reason"]
        ),
        form=form,
        success=_("Payment request cancelled."),
        anchor=ANCHOR,
    )


@login_required
@require_POST
def close(request, pk: int):
    writable_case(request, pk)
    form = NoteForm(request.POST)
    return panel_action(
        request,
        pk,
        lambda: payment_services.case_close(
            by=request.user, case_pk=pk, note=form.cleaned_data["note"]
        ),
        form=form,
        success=_("Case closed."),
        anchor=ANCHOR,
    )


@login_required
@require_POST
def message(request, pk: int):
    """CLM-10: a message to the customer written by staff."""
    writable_case(request, pk)
    form = MessageForm(request.POST)
    return panel_action(
        request,
        pk,
        lambda: services.case_message_manual(
            by=request.user, case_pk=pk, body=form.cleaned_data["body"]
        ),
        form=form,
        success=_("Message sent to the customer."),
        anchor=ANCHOR,
    )


urlpatterns = [
    path("cases/<int:pk>/decide/", decide, name="case_decide"),
    path("cases/<int:pk>/payment-request/", payment_request, name="case_payment_request"),
    path("cases/<int:pk>/close/", close, name="case_close"),
    path("cases/<int:pk>/messages/", message, name="case_message"),
    path("payments/<int:pk>/paid/", payment_paid, name="payment_paid"),
    path("payments/<int:pk>/cancel/", payment_cancel, name="payment_cancel"),
]
