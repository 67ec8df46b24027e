"""Claim timeline endpoints (CLM-10, REG-1, SLA-6): the decision, the payment request,
the payment made or cancelled, closure, the customer's messages and every timer of a
case (company timelines beside the legal bounds).

One APIView per operation. Reads go through the scoped selectors (404 outside the
caller's branch); writes through the services (403 for read-only roles and for roles
the rule does not name; 400 with the reason for everything else).
"""

from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from claims_assist.api.actions import validated
from claims_assist.api.documents import CaseFileOutputSerializer
from claims_assist.models import CaseMessage, ClaimCase, PaymentRequest
from claims_assist.panels.timeline import timers_split
from claims_assist.selectors_cases import case_get
from claims_assist.services import payments as payment_services
from claims_assist.services import timeline as services
from claims_assist.services.timeline import MESSAGE_MAX
from core.access import get_in_scope
from core.api.serializers import MaskedCharField
from core.views import time_left

PAYMENT_STATES_HELP = "State: " + ", ".join(PaymentRequest.State.values) + "."
MESSAGE_KINDS_HELP = "Kind: " + ", ".join(CaseMessage.Kind.values) + "."


# --- Serializers ------------------------------------------------------------------------------
class PaymentRequestOutputSerializer(serializers.ModelSerializer):
    state = serializers.CharField(help_text=PAYMENT_STATES_HELP)
    payee_id_number = MaskedCharField(kind="id_number", help_text="Masked (REG-3).")
    bank_account = MaskedCharField(kind="bank_account", help_text="Masked (REG-3).")

    class Meta:
        model = PaymentRequest
        fields = [
            "id",
            "case",
            "amount",
            "payee_name",
            "payee_id_number",
            "bank_name",
            "bank_account",
            "state",
            "requested_by",
            "requested_at",
            "paid_at",
            "payment_reference",
        ]


class CaseMessageOutputSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(help_text=MESSAGE_KINDS_HELP)
    phone = MaskedCharField(kind="phone", help_text="Masked (REG-3).")
    delivered_at = serializers.DateTimeField(
        source="outbox.delivered_at", allow_null=True, default=None
    )

    class Meta:
        model = CaseMessage
        fields = ["id", "kind", "phone", "body", "sent_at", "sent_by", "delivered_at"]


class CaseTimerOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    rule = serializers.CharField(source="rule.code")
    name = serializers.CharField(source="rule.name")
    on_breach = serializers.CharField(source="rule.on_breach")
    clock = serializers.CharField(help_text="wall, working_hours or working_days.")
    state = serializers.CharField(help_text="running, paused, met, breached or cancelled.")
    owner = serializers.IntegerField(source="owner_id", allow_null=True)
    started_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    provisional = serializers.BooleanField()
    seconds_left = serializers.SerializerMethodField(
        help_text="Open timers: seconds until due (negative: overdue); ended: null."
    )

    def get_seconds_left(self, timer) -> int | None:
        left = time_left(timer, self.context["now"])
        return left["seconds"] if left else None


class CaseTimersOutputSerializer(serializers.Serializer):
    company = CaseTimerOutputSerializer(many=True, help_text="CLM-* timelines.")
    legal = CaseTimerOutputSerializer(many=True, help_text="REG-1 bounds (Insurance Law).")


# --- Decision ---------------------------------------------------------------------------------
class CaseDecideApi(APIView):
    """CLM-10, REG-1: pay `amount` (at most the current assessment's) or refuse with
    `reason`; `false_claim` puts the insured on the watch list (CLM-16). The city
    claims centre or a county manager, once the file is with the claims centre; a
    one-stop case also by its adjuster."""

    class InputSerializer(serializers.Serializer):
        decision = serializers.CharField(max_length=8, help_text="pay or refuse.")
        amount = serializers.DecimalField(
            max_digits=14, decimal_places=2, required=False, allow_null=True, default=None
        )
        reason = serializers.CharField(required=False, allow_blank=True, default="")
        false_claim = serializers.BooleanField(required=False, default=False)

    @extend_schema(request=InputSerializer, responses=CaseFileOutputSerializer)
    def post(self, request, pk: int):
        case_get(user=request.user, pk=pk)
        data = validated(self.InputSerializer, request)
        services.case_decide_locked(by=request.user, case_pk=pk, **data)
        return Response(CaseFileOutputSerializer(case_get(user=request.user, pk=pk)).data)


# --- Payments ---------------------------------------------------------------------------------
class PaymentRequestCreateApi(APIView):
    """A payment request of an approved case: at most the approved amount, one live
    request per case, a valid payee ID and a bank account of 12 to 30 digits."""

    class InputSerializer(serializers.Serializer):
        amount = serializers.DecimalField(max_digits=14, decimal_places=2)
        payee_name = serializers.CharField(max_length=100)
        payee_id_number = serializers.CharField(max_length=30)
        bank_name = serializers.CharField(max_length=60)
        bank_account = serializers.CharField(max_length=40)

    @extend_schema(request=InputSerializer, responses={201: PaymentRequestOutputSerializer})
    def post(self, request, pk: int):
        case_get(user=request.user, pk=pk)
        data = validated(self.InputSerializer, request)
        payment = payment_services.payment_request_create_locked(
            by=request.user, case_pk=pk, **data
        )
        return Response(
            PaymentRequestOutputSerializer(payment).data, status=status.HTTP_201_CREATED
        )


class PaymentPaidApi(APIView):
    """The payment made (the city claims centre or a county manager): the case is PAID
    and its payment clocks met (CLM-10, REG-1)."""

    class InputSerializer(serializers.Serializer):
        reference = serializers.CharField(max_length=60)

    @extend_schema(request=InputSerializer, responses=PaymentRequestOutputSerializer)
    def post(self, request, pk: int):
        get_in_scope(PaymentRequest, request.user, pk=pk)
        data = validated(self.InputSerializer, request)
        payment = payment_services.payment_mark_paid(
            by=request.user, payment_pk=pk, reference=data["reference"]
        )
        return Response(PaymentRequestOutputSerializer(payment).data)


class PaymentCancelApi(APIView):
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=500)

    @extend_schema(request=InputSerializer, responses=PaymentRequestOutputSerializer)
    def post(self, request, pk: int):
        get_in_scope(PaymentRequest, request.user, pk=pk)
        data = validated(self.InputSerializer, request)
        payment = payment_services.payment_cancel(
            by=request.user, payment_pk=pk, reason=data["reason"]
        )
        return Response(PaymentRequestOutputSerializer(payment).data)


class CaseCloseApi(APIView):
    """Close a paid case, or a refused one whose refusal was handed over (REG-1)."""

    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(max_length=500, required=False, allow_blank=True)

    @extend_schema(request=InputSerializer, responses=CaseFileOutputSerializer)
    def post(self, request, pk: int):
        case_get(user=request.user, pk=pk)
        data = validated(self.InputSerializer, request)
        case = payment_services.case_close(by=request.user, case_pk=pk, note=data.get("note", ""))
        return Response(CaseFileOutputSerializer(case).data)


# --- Messages and timers ----------------------------------------------------------------------
class CaseMessagesApi(APIView):
    """GET: the messages sent to the customer (CLM-10). POST: one written by staff, at
    most 300 characters; it restarts the 3-working-day progress clock."""

    class InputSerializer(serializers.Serializer):
        body = serializers.CharField(max_length=MESSAGE_MAX)

    @extend_schema(responses=CaseMessageOutputSerializer(many=True))
    def get(self, request, pk: int):
        case = case_get(user=request.user, pk=pk)
        messages = case.messages.select_related("outbox")
        return Response(CaseMessageOutputSerializer(messages, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: CaseMessageOutputSerializer})
    def post(self, request, pk: int):
        case_get(user=request.user, pk=pk)
        data = validated(self.InputSerializer, request)
        message = services.case_message_manual(by=request.user, case_pk=pk, body=data["body"])
        return Response(CaseMessageOutputSerializer(message).data, status=status.HTTP_201_CREATED)


class CaseTimersApi(APIView):
    """SLA-6: every timer of the case, company timelines (CLM-*) and legal bounds
    (REG-1-*), with due time, time left and state."""

    @extend_schema(responses=CaseTimersOutputSerializer)
    def get(self, request, pk: int):
        case: ClaimCase = case_get(user=request.user, pk=pk)
        company, legal = timers_split(case=case)
        body = CaseTimersOutputSerializer(
            {"company": company, "legal": legal}, context={"now": timezone.now()}
        )
        return Response(body.data)


urlpatterns = [
    path("claim-cases/<int:pk>/decide/", CaseDecideApi.as_view(), name="api-claim-case-decide"),
    path(
        "claim-cases/<int:pk>/payment-request/",
        PaymentRequestCreateApi.as_view(),
        name="api-claim-case-payment-request",
    ),
    path("claim-cases/<int:pk>/close/", CaseCloseApi.as_view(), name="api-claim-case-close"),
    path(
        "claim-cases/<int:pk>/messages/",
        CaseMessagesApi.as_view(),
        name="api-claim-case-messages",
    ),
    path("claim-cases/<int:pk>/timers/", CaseTimersApi.as_view(), name="api-claim-case-timers"),
    path("claim-payments/<int:pk>/paid/", PaymentPaidApi.as_view(), name="api-claim-payment-paid"),
    path(
        "claim-payments/<int:pk>/cancel/",
        PaymentCancelApi.as_view(),
        name="api-claim-payment-cancel",
    ),
]
