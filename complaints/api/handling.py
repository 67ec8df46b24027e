"""Handling a complaint over the API (CMP-1, CMP-6): hand over, first response, notes,
outcome told, follow-up call; read the hand-over chain and the timeline.

Scoped like the pages: a complaint the caller may not see is a 404; read-only roles may
only read; only the first responder (or the claims centre's named owner) and the managers
of the branch act, others get a 403 that says so. Nothing here deletes anything.
"""

from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints.models import Complaint, ComplaintEvent, HandOver
from complaints.selectors import complaint_get
from complaints.services import handling as services
from core.api.serializers import OrgUnitRefSerializer, UserRefSerializer
from core.models import User


@extend_schema_serializer(component_name="ComplaintHandlingState")
class HandlingStateOutputSerializer(serializers.ModelSerializer):
    """Where the complaint stands after a handling step."""

    first_responder = UserRefSerializer()
    org_unit = OrgUnitRefSerializer()

    class Meta:
        model = Complaint
        fields = [
            "id",
            "number",
            "status",
            "first_responder",
            "org_unit",
            "first_response_at",
            "outcome",
            "outcome_told_at",
            "satisfaction",
            "closed_at",
            "reopen_count",
        ]


@extend_schema_serializer(component_name="ComplaintHandOverLink")
class HandOverOutputSerializer(serializers.ModelSerializer):
    """CMP-1: one link of the chain (from, to, unit, when, why)."""

    from_user = UserRefSerializer()
    to_user = UserRefSerializer()
    to_unit = OrgUnitRefSerializer()

    class Meta:
        model = HandOver
        fields = ["id", "from_user", "to_user", "to_unit", "at", "reason"]


@extend_schema_serializer(component_name="ComplaintTimelineEvent")
class EventOutputSerializer(serializers.ModelSerializer):
    by = UserRefSerializer(allow_null=True)
    approved_by = UserRefSerializer(allow_null=True)

    class Meta:
        model = ComplaintEvent
        fields = ["id", "kind", "at", "by", "text", "approved_by"]


class ComplaintHandOverApi(APIView):
    """CMP-1: hand the complaint to a colleague in its county, who becomes the first
    responder and takes over its running deadlines (same due times)."""

    class InputSerializer(serializers.Serializer):
        to_user = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
        reason = serializers.CharField(max_length=1000)

    @extend_schema(request=InputSerializer, responses={201: HandOverOutputSerializer})
    def post(self, request, pk: int):
        complaint = complaint_get(user=request.user, pk=pk)
        services.check_can_hand_over(user=request.user, complaint=complaint)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        handover = services.complaint_hand_over(
            by=request.user,
            complaint=complaint,
            to_user=data.validated_data["to_user"],
            reason=data.validated_data["reason"],
        )
        return Response(HandOverOutputSerializer(handover).data, status=status.HTTP_201_CREATED)


class ComplaintFirstResponseApi(APIView):
    """CMP-4: record the first response; meets the first-response deadline."""

    class InputSerializer(serializers.Serializer):
        text = serializers.CharField(max_length=4000)

    @extend_schema(request=InputSerializer, responses=HandlingStateOutputSerializer)
    def post(self, request, pk: int):
        complaint = complaint_get(user=request.user, pk=pk)
        services.check_can_act(user=request.user, complaint=complaint)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.complaint_first_response(
            by=request.user, complaint=complaint, text=data.validated_data["text"]
        )
        complaint.refresh_from_db()
        return Response(HandlingStateOutputSerializer(complaint).data)


class ComplaintNotesApi(APIView):
    """A progress note on the complaint's timeline."""

    class InputSerializer(serializers.Serializer):
        text = serializers.CharField(max_length=4000)

    @extend_schema(request=InputSerializer, responses={201: EventOutputSerializer})
    def post(self, request, pk: int):
        complaint = complaint_get(user=request.user, pk=pk)
        services.check_can_act(user=request.user, complaint=complaint)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        event = services.complaint_note(
            by=request.user, complaint=complaint, text=data.validated_data["text"]
        )
        return Response(EventOutputSerializer(event).data, status=status.HTTP_201_CREATED)


class ComplaintOutcomeApi(APIView):
    """CMP-6: the outcome was told (default now): resolved, the complainant gets it by
    SMS, the follow-up call is scheduled."""

    class InputSerializer(serializers.Serializer):
        outcome = serializers.CharField(max_length=4000)
        told_at = serializers.DateTimeField(required=False, allow_null=True)

    @extend_schema(request=InputSerializer, responses=HandlingStateOutputSerializer)
    def post(self, request, pk: int):
        complaint = complaint_get(user=request.user, pk=pk)
        services.check_can_act(user=request.user, complaint=complaint)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        complaint = services.complaint_tell_outcome(
            by=request.user,
            complaint=complaint,
            outcome=data.validated_data["outcome"],
            told_at=data.validated_data.get("told_at"),
        )
        return Response(HandlingStateOutputSerializer(complaint).data)


class ComplaintFollowUpApi(APIView):
    """CMP-6: the follow-up call. Satisfied or no answer closes the complaint;
    unsatisfied reopens it (a note saying why is required)."""

    class InputSerializer(serializers.Serializer):
        satisfaction = serializers.ChoiceField(choices=Complaint.Satisfaction.choices)
        note = serializers.CharField(max_length=4000, required=False, allow_blank=True)

    @extend_schema(request=InputSerializer, responses=HandlingStateOutputSerializer)
    def post(self, request, pk: int):
        complaint = complaint_get(user=request.user, pk=pk)
        services.check_can_act(user=request.user, complaint=complaint)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        complaint = services.complaint_record_follow_up(
            by=request.user,
            complaint=complaint,
            satisfaction=data.validated_data["satisfaction"],
            note=data.validated_data.get("note", ""),
        )
        return Response(HandlingStateOutputSerializer(complaint).data)


class ComplaintHandOverListApi(ListAPIView):
    """CMP-1: the chain of hand-overs, oldest first."""

    serializer_class = HandOverOutputSerializer
    filter_backends: list = []

    def get_queryset(self):
        complaint = complaint_get(user=self.request.user, pk=self.kwargs["pk"])
        return complaint.handovers.select_related("from_user", "to_user", "to_unit")


class ComplaintEventListApi(ListAPIView):
    """The complaint's timeline, oldest first."""

    serializer_class = EventOutputSerializer
    filter_backends: list = []

    def get_queryset(self):
        complaint = complaint_get(user=self.request.user, pk=self.kwargs["pk"])
        return complaint.events.select_related("by", "approved_by")


urlpatterns = [
    path(
        "complaints/<int:pk>/hand-over/",
        ComplaintHandOverApi.as_view(),
        name="api-complaint-hand-over",
    ),
    path(
        "complaints/<int:pk>/first-response/",
        ComplaintFirstResponseApi.as_view(),
        name="api-complaint-first-response",
    ),
    path("complaints/<int:pk>/notes/", ComplaintNotesApi.as_view(), name="api-complaint-notes"),
    path(
        "complaints/<int:pk>/outcome/", ComplaintOutcomeApi.as_view(), name="api-complaint-outcome"
    ),
    path(
        "complaints/<int:pk>/follow-up/",
        ComplaintFollowUpApi.as_view(),
        name="api-complaint-follow-up",
    ),
    path(
        "complaints/<int:pk>/handovers/",
        ComplaintHandOverListApi.as_view(),
        name="api-complaint-handovers",
    ),
    path(
        "complaints/<int:pk>/events/",
        ComplaintEventListApi.as_view(),
        name="api-complaint-events",
    ),
]
