"""Platform endpoints: the caller, the org tree and the SLA timers (OUT-1, SLA-6).

One APIView per operation with nested serializers; every read goes through the
scoping helpers in core.access / core.selectors.
"""

from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from core import selectors, timers
from core.access import check_can_write
from core.api.serializers import OrgUnitRefSerializer, UserRefSerializer
from core.models import Notification, OrgUnit, SlaTimer
from core.notifications import notification_mark_read


class MeApi(APIView):
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        username = serializers.CharField()
        name = serializers.CharField(source="__str__")
        role = serializers.CharField()
        role_label = serializers.CharField(source="get_role_display")
        org_unit = OrgUnitRefSerializer(allow_null=True)
        read_only = serializers.BooleanField(source="is_read_only")

    @extend_schema(responses=OutputSerializer, summary="The authenticated user")
    def get(self, request):
        return Response(self.OutputSerializer(request.user).data)


class OrgUnitOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrgUnit
        fields = ["id", "kind", "code", "name", "parent", "has_claims_centre", "is_active"]


class OrgUnitFilter(filters.FilterSet):
    class Meta:
        model = OrgUnit
        fields = ["kind", "parent", "is_active"]


class OrgUnitListApi(ListAPIView):
    """The caller's node of the org tree and everything below it (OUT-1)."""

    serializer_class = OrgUnitOutputSerializer
    filterset_class = OrgUnitFilter
    ordering_fields = ["path", "code", "name"]

    def get_queryset(self):
        return selectors.org_unit_list(user=self.request.user)


class OrgUnitDetailApi(APIView):
    @extend_schema(responses=OrgUnitOutputSerializer)
    def get(self, request, pk: int):
        unit = selectors.org_unit_get(user=request.user, pk=pk)
        return Response(OrgUnitOutputSerializer(unit).data)


class TimerOutputSerializer(serializers.ModelSerializer):
    rule_code = serializers.CharField(source="rule.code")
    rule_name = serializers.CharField(source="rule.name")
    on_breach = serializers.CharField(source="rule.on_breach")
    subject = serializers.SerializerMethodField()
    subject_type = serializers.CharField(source="subject_type.model")
    org_unit = OrgUnitRefSerializer()
    owner = UserRefSerializer(allow_null=True)
    seconds_left = serializers.SerializerMethodField()

    class Meta:
        model = SlaTimer
        fields = [
            "id",
            "rule_code",
            "rule_name",
            "clock",
            "state",
            "subject_type",
            "subject_id",
            "subject",
            "org_unit",
            "owner",
            "started_at",
            "due_at",
            "not_after",
            "provisional",
            "remaining",
            "seconds_left",
            "ended_at",
            "on_breach",
        ]

    def get_subject(self, timer) -> str:
        return str(timer.subject) if timer.subject else ""

    def get_seconds_left(self, timer) -> int | None:
        """Negative when overdue; None once the timer has ended or while paused."""
        if timer.state != SlaTimer.State.RUNNING:
            return None
        return int((timer.due_at - timezone.now()).total_seconds())


class TimerPauseSerializer(serializers.Serializer):
    paused_at = serializers.DateTimeField()
    resumed_at = serializers.DateTimeField(allow_null=True)
    reason = serializers.CharField()


class TimerEventSerializer(serializers.Serializer):
    kind = serializers.CharField()
    at = serializers.DateTimeField()
    detail = serializers.CharField()


class TimerDetailOutputSerializer(TimerOutputSerializer):
    pauses = TimerPauseSerializer(many=True)
    events = TimerEventSerializer(many=True)

    class Meta(TimerOutputSerializer.Meta):
        fields = [*TimerOutputSerializer.Meta.fields, "pauses", "events"]


class TimerFilter(filters.FilterSet):
    rule = filters.CharFilter(field_name="rule__code")
    mine = filters.BooleanFilter(method="filter_mine")
    overdue = filters.BooleanFilter(method="filter_overdue")

    class Meta:
        model = SlaTimer
        fields = ["state", "clock", "provisional", "org_unit", "owner"]

    def filter_mine(self, queryset, name, value):
        return queryset.filter(owner=self.request.user) if value else queryset

    def filter_overdue(self, queryset, name, value):
        overdue = {"state": SlaTimer.State.RUNNING, "due_at__lt": timezone.now()}
        return queryset.filter(**overdue) if value else queryset.exclude(**overdue)


class TimerListApi(ListAPIView):
    """SLA-6: the timers in the caller's branch: owner, time left, breach action."""

    serializer_class = TimerOutputSerializer
    filterset_class = TimerFilter
    ordering_fields = ["due_at", "started_at"]

    def get_queryset(self):
        return selectors.timer_list_in_scope(user=self.request.user)


class TimerDetailApi(APIView):
    @extend_schema(responses=TimerDetailOutputSerializer)
    def get(self, request, pk: int):
        timer = selectors.timer_get(user=request.user, pk=pk)
        return Response(TimerDetailOutputSerializer(timer).data)


class TimerPauseApi(APIView):
    """SLA-5: pause a running timer while waiting on the customer."""

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=200)

    @extend_schema(request=InputSerializer, responses=TimerDetailOutputSerializer)
    def post(self, request, pk: int):
        timer = selectors.timer_get(user=request.user, pk=pk)
        check_can_write(request.user, timer)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        timer = timers.timer_pause(
            timer=timer, reason=data.validated_data["reason"], by=request.user
        )
        return Response(TimerDetailOutputSerializer(timer).data, status=status.HTTP_200_OK)


class TimerResumeApi(APIView):
    """SLA-5: resume a paused timer with the time it had left."""

    @extend_schema(request=None, responses=TimerDetailOutputSerializer)
    def post(self, request, pk: int):
        timer = selectors.timer_get(user=request.user, pk=pk)
        check_can_write(request.user, timer)
        timer = timers.timer_resume(timer=timer, by=request.user)
        return Response(TimerDetailOutputSerializer(timer).data)


class NotificationOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "title", "body", "link", "created_at", "read_at"]


class NotificationListApi(ListAPIView):
    """The caller's in-app inbox."""

    serializer_class = NotificationOutputSerializer
    filterset_fields = {"read_at": ["isnull"]}
    queryset = Notification.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        return selectors.notification_list_for(user=self.request.user)


class NotificationReadApi(APIView):
    @extend_schema(request=None, responses=NotificationOutputSerializer)
    def post(self, request, pk: int):
        notification = selectors.notification_get(user=request.user, pk=pk)
        notification = notification_mark_read(notification=notification)
        return Response(NotificationOutputSerializer(notification).data)
