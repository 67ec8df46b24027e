"""Escalation of complaints over the API (CMP-5, CLM-12, REG-2): the escalation history,
forward to the claims centre, take it for the claims centre, extend the REG-2 deadline
and record the progress told. Scoped like the pages (OUT-1, widened by CMP-1); read-only
roles may only read."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints.models import Complaint, ComplaintEvent, Escalation
from complaints.selectors import complaint_get, complaint_timer
from complaints.services import escalation as services
from core.api.serializers import UserRefSerializer
from core.models import User


class EscalationOutputSerializer(serializers.ModelSerializer):
    """One step of the CMP-5 chain that fired, and who acted on it."""

    acted_by = UserRefSerializer(allow_null=True)

    class Meta:
        model = Escalation
        fields = ["step", "role", "due_at", "escalated_at", "acted_at", "acted_by"]


class ComplaintEscalationOutputSerializer(serializers.ModelSerializer):
    """Where the complaint stands on CMP-5, CLM-12 and REG-2."""

    claims_owner = UserRefSerializer(allow_null=True)
    escalations = EscalationOutputSerializer(many=True)
    extension_level = serializers.SerializerMethodField()
    decision_due_at = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = [
            "id",
            "number",
            "status",
            "forwarded_at",
            "claims_owner",
            "escalations",
            "extension_level",
            "decision_due_at",
        ]

    def get_extension_level(self, complaint) -> int:
        return services.extension_level(complaint=complaint)

    def get_decision_due_at(self, complaint) -> str | None:
        """REG-2: when the running decision deadline falls due."""
        level = self.get_extension_level(complaint)
        timer = complaint_timer(complaint=complaint, rule_code=services.REG2_RULES[level])
        return serializers.DateTimeField().to_representation(timer.due_at) if timer else None


def _state(complaint: Complaint) -> dict:
    complaint.refresh_from_db()
    return ComplaintEscalationOutputSerializer(complaint).data


class ComplaintEscalationListApi(APIView):
    """CMP-5: the escalation history of a complaint, step by step."""

    @extend_schema(responses=EscalationOutputSerializer(many=True))
    def get(self, request, pk: int):
        complaint = complaint_get(user=request.user, pk=pk)
        steps = complaint.escalations.select_related("acted_by")
        return Response(EscalationOutputSerializer(steps, many=True).data)


class ComplaintForwardApi(APIView):
    """CMP-5: forward a claim complaint to the city claims centre; the escalation stops."""

    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(required=False, allow_blank=True, max_length=500)

    @extend_schema(request=InputSerializer, responses=ComplaintEscalationOutputSerializer)
    def post(self, request, pk: int):
        complaint = complaint_get(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.complaint_forward_to_claims(
            by=request.user, complaint=complaint, note=data.validated_data.get("note", "")
        )
        return Response(_state(complaint))


class ComplaintTakeApi(APIView):
    """CLM-12: the calling claims centre member becomes responsible for the complaint;
    the escalation stops and the customer is told by SMS."""

    @extend_schema(request=None, responses=ComplaintEscalationOutputSerializer)
    def post(self, request, pk: int):
        complaint = complaint_get(user=request.user, pk=pk)
        services.complaint_take_for_claims_centre(by=request.user, complaint=complaint)
        return Response(_state(complaint))


class ComplaintExtendApi(APIView):
    """REG-2: extend the decision deadline to 30 days (level 1), then a further 30 days
    (level 2, a senior's approval); both count from receipt. The complainant must have
    been told."""

    class InputSerializer(serializers.Serializer):
        level = serializers.ChoiceField(choices=[1, 2])
        reason = serializers.CharField(max_length=500)
        approved_by = serializers.PrimaryKeyRelatedField(
            queryset=User.objects.filter(is_active=True), required=False, allow_null=True
        )
        complainant_told_at = serializers.DateTimeField()

    @extend_schema(request=InputSerializer, responses=ComplaintEscalationOutputSerializer)
    def post(self, request, pk: int):
        complaint = complaint_get(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        data = data.validated_data
        services.complaint_extend(
            by=request.user,
            complaint=complaint,
            level=data["level"],
            reason=data["reason"],
            approved_by=data.get("approved_by"),
            complainant_told_at=data["complainant_told_at"],
        )
        return Response(_state(complaint))


class ComplaintProgressApi(APIView):
    """CLM-12: record what the complainant is told of the progress (and send it by SMS)."""

    class InputSerializer(serializers.Serializer):
        text = serializers.CharField(max_length=500)
        sms = serializers.BooleanField(default=True)

    class OutputSerializer(serializers.ModelSerializer):
        by = UserRefSerializer()

        class Meta:
            model = ComplaintEvent
            fields = ["id", "kind", "at", "by", "text"]

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request, pk: int):
        complaint = complaint_get(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        event = services.complaint_progress_told(
            by=request.user,
            complaint=complaint,
            text=data.validated_data["text"],
            sms=data.validated_data["sms"],
        )
        return Response(self.OutputSerializer(event).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path(
        "complaints/<int:pk>/escalations/",
        ComplaintEscalationListApi.as_view(),
        name="api-complaint-escalations",
    ),
    path(
        "complaints/<int:pk>/forward/", ComplaintForwardApi.as_view(), name="api-complaint-forward"
    ),
    path("complaints/<int:pk>/take/", ComplaintTakeApi.as_view(), name="api-complaint-take"),
    path("complaints/<int:pk>/extend/", ComplaintExtendApi.as_view(), name="api-complaint-extend"),
    path(
        "complaints/<int:pk>/progress/",
        ComplaintProgressApi.as_view(),
        name="api-complaint-progress",
    ),
]
