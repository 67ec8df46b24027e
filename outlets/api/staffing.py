"""Staffing, hours, holiday duty and compliance score endpoints (OUT-10, OUT-11, OUT-16).

One APIView per operation; outlets and records are looked up in the caller's scope
(404 outside it), writes go through the services (read-only roles 403; hours and duty
are for the outlet head and managers, scores are not for clerks).
"""

import datetime as dt

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.access import check_can_write
from core.api.concurrency import etag, guarded_write, history_version, with_etag
from core.api.serializers import OrgUnitRefSerializer, UserRefSerializer
from outlets.models import BusinessHours, StaffMember
from outlets.selectors import outlet_get
from outlets.selectors_compliance import (
    county_scores,
    duty_get,
    holiday_get,
    holiday_list,
    hours_coverage,
    hours_of,
    open_findings,
    score_for,
    score_history,
    staff_on,
    staffing_status,
)
from outlets.services import hours as hours_service
from outlets.services.compliance import (
    check_may_see_scores,
    compliance_compute,
    month_start,
    score_rows,
)
from outlets.services.staffing import staffing_check


# --- Serializers ----------------------------------------------------------------------------
class StaffRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField(help_text="employee, agent or dispatched")
    kind_label = serializers.CharField(source="get_kind_display")
    qualification_number = serializers.CharField()
    qualification_expires_on = serializers.DateField(allow_null=True)

    class Meta:
        ref_name = "StaffingStaffRef"


class StaffingOutputSerializer(serializers.Serializer):
    """OUT-10 for one outlet today."""

    outlet = OrgUnitRefSerializer()
    day = serializers.DateField()
    annual_premium = serializers.DecimalField(max_digits=14, decimal_places=2)
    premium_source = serializers.CharField(
        help_text="underwriting (issued policies of the last 12 months), entered or none"
    )
    minimum = serializers.IntegerField()
    staff_count = serializers.IntegerField()
    understaffed = serializers.BooleanField()
    staff = StaffRefSerializer(many=True)

    @classmethod
    def of(cls, outlet, status_):
        return cls(
            {
                "outlet": outlet,
                "day": status_.day,
                "annual_premium": status_.premium.amount,
                "premium_source": status_.premium.source,
                "minimum": status_.minimum,
                "staff_count": status_.staff,
                "understaffed": status_.understaffed,
                "staff": staff_on(outlet=outlet, day=status_.day).order_by("name"),
            }
        ).data

    class Meta:
        ref_name = "StaffingOutput"


class PeriodSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(min_value=1, max_value=7, help_text="1 = Monday")
    opens = serializers.TimeField()
    closes = serializers.TimeField()

    class Meta:
        ref_name = "BusinessHoursPeriod"


class HoursOutputSerializer(serializers.Serializer):
    periods = PeriodSerializer(many=True)
    covers_normal_hours = serializers.BooleanField()
    missing_minutes_per_week = serializers.IntegerField()

    @classmethod
    def of(cls, outlet):
        coverage = hours_coverage(outlet=outlet)
        return cls(
            {
                "periods": hours_of(outlet=outlet),
                "covers_normal_hours": coverage.covers,
                "missing_minutes_per_week": coverage.missing_minutes,
            }
        ).data

    class Meta:
        ref_name = "BusinessHoursOutput"


class DutyOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    staff = StaffRefSerializer()

    class Meta:
        ref_name = "DutyAssignmentOutput"


class HolidayOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    outlet = serializers.IntegerField(source="outlet_id")
    day = serializers.DateField()
    opens = serializers.TimeField()
    closes = serializers.TimeField()
    note = serializers.CharField()
    duty = DutyOutputSerializer(many=True, source="duty.all")
    duty_check_state = serializers.SerializerMethodField()
    duty_check_due_at = serializers.SerializerMethodField()

    def get_duty_check_state(self, service) -> str | None:
        return service.duty_check.state if service.duty_check_id else None

    def get_duty_check_due_at(self, service) -> str | None:
        due = service.duty_check.due_at if service.duty_check_id else None
        return serializers.DateTimeField().to_representation(due) if due else None

    class Meta:
        ref_name = "HolidayServiceOutput"


class ScoreComponentSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    rule = serializers.CharField()
    weight = serializers.IntegerField()
    percent = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    points = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    detail = serializers.DictField()

    class Meta:
        ref_name = "ComplianceScoreComponent"


class ScoreOutputSerializer(serializers.Serializer):
    outlet = serializers.IntegerField(source="outlet_id")
    month = serializers.DateField()
    score = serializers.DecimalField(max_digits=5, decimal_places=2)
    open_findings = serializers.IntegerField()
    computed_at = serializers.DateTimeField()

    class Meta:
        ref_name = "ComplianceScoreOutput"


class FindingRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    standard = serializers.CharField()
    source = serializers.CharField()
    description = serializers.CharField()
    corrective_action = serializers.CharField()
    owner = UserRefSerializer()
    due_on = serializers.DateField()

    class Meta:
        ref_name = "ComplianceFindingRef"


class ComplianceOutputSerializer(serializers.Serializer):
    """OUT-16: this month's score with its breakdown, the history and open findings."""

    score = ScoreOutputSerializer()
    components = ScoreComponentSerializer(many=True)
    history = ScoreOutputSerializer(many=True)
    open_findings = FindingRefSerializer(many=True)

    @classmethod
    def of(cls, *, user, outlet, score):
        return cls(
            {
                "score": score,
                "components": score_rows(score),
                "history": score_history(user=user, outlet=outlet),
                "open_findings": open_findings(user=user, outlet=outlet),
            }
        ).data

    class Meta:
        ref_name = "ComplianceOutput"


class OutletScoreSerializer(serializers.Serializer):
    outlet = OrgUnitRefSerializer()
    score = ScoreOutputSerializer(allow_null=True)

    class Meta:
        ref_name = "OutletComplianceScore"


# --- Staffing (OUT-10) -------------------------------------------------------------------------
class StaffingApi(APIView):
    """OUT-10: annual premium, the band's minimum and the staff counted today."""

    @extend_schema(responses=StaffingOutputSerializer)
    def get(self, request, pk: int):
        outlet = outlet_get(user=request.user, pk=pk)
        return Response(StaffingOutputSerializer.of(outlet, staffing_status(outlet=outlet)))


class StaffingCheckApi(APIView):
    """OUT-10: run the check now; an understaffed outlet gets (or keeps) its finding."""

    @extend_schema(request=None, responses=StaffingOutputSerializer)
    def post(self, request, pk: int):
        outlet = outlet_get(user=request.user, pk=pk)
        check_can_write(request.user, outlet)
        result = staffing_check(outlet=outlet, by=request.user)
        return Response(StaffingOutputSerializer.of(outlet, result))


# --- Hours (OUT-11) ------------------------------------------------------------------------------
class HoursApi(APIView):
    @extend_schema(responses=HoursOutputSerializer)
    def get(self, request, pk: int):
        outlet = outlet_get(user=request.user, pk=pk)
        return with_etag(Response(HoursOutputSerializer.of(outlet)), hours_etag(outlet))


def hours_etag(outlet) -> str:
    """The version of an outlet's published week (deleted days leave history too)."""
    return etag(f"hours.{outlet.pk}", history_version(BusinessHours.history.filter(outlet=outlet)))


class HoursPublishApi(APIView):
    """OUT-11: replace the week's published hours; refused unless they cover the
    company's normal hours on working days."""

    class InputSerializer(serializers.Serializer):
        periods = PeriodSerializer(many=True)

        class Meta:
            ref_name = "OutletHoursPublishInput"

    @extend_schema(request=InputSerializer, responses=HoursOutputSerializer)
    def put(self, request, pk: int):
        outlet = outlet_get(user=request.user, pk=pk)
        hours_service.check_may_manage_hours(request.user, outlet)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        periods = [(p["weekday"], p["opens"], p["closes"]) for p in data.validated_data["periods"]]
        with guarded_write(request, outlet, current=lambda: hours_etag(outlet)):
            hours_service.business_hours_publish(outlet=outlet, periods=periods, by=request.user)
        return with_etag(Response(HoursOutputSerializer.of(outlet)), hours_etag(outlet))


# --- Holidays and duty (OUT-11) ----------------------------------------------------------
class HolidayListApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("upcoming", bool, description="Only days to come.")],
        responses=HolidayOutputSerializer(many=True),
    )
    def get(self, request, pk: int):
        outlet = outlet_get(user=request.user, pk=pk)
        upcoming = request.query_params.get("upcoming") in {"true", "1"}
        services = holiday_list(user=request.user, outlet=outlet, upcoming_only=upcoming)
        return Response(HolidayOutputSerializer(services, many=True).data)


class HolidayCreateApi(APIView):
    """OUT-11: promise service on a holiday; its duty check starts."""

    class InputSerializer(serializers.Serializer):
        day = serializers.DateField()
        opens = serializers.TimeField(required=False)
        closes = serializers.TimeField(required=False)
        note = serializers.CharField(max_length=200, required=False, allow_blank=True)

        class Meta:
            ref_name = "HolidayServiceCreateInput"

    @extend_schema(request=InputSerializer, responses={201: HolidayOutputSerializer})
    def post(self, request, pk: int):
        outlet = outlet_get(user=request.user, pk=pk)
        hours_service.check_may_manage_hours(request.user, outlet)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        service = hours_service.holiday_service_promise(
            outlet=outlet, by=request.user, **data.validated_data
        )
        service = holiday_get(user=request.user, pk=service.pk)
        return Response(HolidayOutputSerializer(service).data, status=status.HTTP_201_CREATED)


class HolidayDetailApi(APIView):
    @extend_schema(responses=HolidayOutputSerializer)
    def get(self, request, pk: int):
        return Response(HolidayOutputSerializer(holiday_get(user=request.user, pk=pk)).data)


class HolidayWithdrawApi(APIView):
    """OUT-11: withdraw a promise with a reason."""

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=200)

        class Meta:
            ref_name = "HolidayServiceWithdrawInput"

    @extend_schema(request=InputSerializer, responses={204: None})
    def post(self, request, pk: int):
        service = holiday_get(user=request.user, pk=pk)
        hours_service.check_may_manage_hours(request.user, service)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        hours_service.holiday_service_withdraw(
            service=service, by=request.user, reason=data.validated_data["reason"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class DutyAssignApi(APIView):
    """OUT-11: put a member of the outlet's staff on duty for the holiday."""

    class InputSerializer(serializers.Serializer):
        staff = serializers.IntegerField(help_text="Staff member id.")

        class Meta:
            ref_name = "DutyAssignInput"

    @extend_schema(request=InputSerializer, responses={201: HolidayOutputSerializer})
    def post(self, request, pk: int):
        service = holiday_get(user=request.user, pk=pk)
        hours_service.check_may_manage_hours(request.user, service)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        staff = StaffMember.objects.filter(
            pk=data.validated_data["staff"], outlet=service.outlet_id
        ).first()
        if staff is None:
            raise serializers.ValidationError(
                {"staff": [_("Not a member of this outlet's staff.")]}
            )
        hours_service.duty_assign(service=service, staff=staff, by=request.user)
        service = holiday_get(user=request.user, pk=service.pk)
        return Response(HolidayOutputSerializer(service).data, status=status.HTTP_201_CREATED)


class DutyRemoveApi(APIView):
    """OUT-11: take someone off the roster (a new duty check starts if nobody is left)."""

    @extend_schema(request=None, responses=HolidayOutputSerializer)
    def post(self, request, pk: int):
        duty = duty_get(user=request.user, pk=pk)
        hours_service.check_may_manage_hours(request.user, duty)
        service = hours_service.duty_remove(duty=duty, by=request.user)
        service = holiday_get(user=request.user, pk=service.pk)
        return Response(HolidayOutputSerializer(service).data)


# --- Compliance score (OUT-16) -----------------------------------------------------------
class ComplianceApi(APIView):
    """OUT-16: this month's score (computed now if missing), breakdown, history and open
    findings. For outlet heads and managers."""

    @extend_schema(responses=ComplianceOutputSerializer)
    def get(self, request, pk: int):
        outlet = outlet_get(user=request.user, pk=pk)
        check_may_see_scores(request.user)
        month = month_start(timezone.localdate())
        score = score_for(outlet=outlet, month=month) or compliance_compute(
            outlet=outlet, month=month
        )
        return Response(
            ComplianceOutputSerializer.of(user=request.user, outlet=outlet, score=score)
        )


class ComplianceRecomputeApi(APIView):
    """OUT-16 on demand: recompute this month's score now."""

    @extend_schema(request=None, responses=ComplianceOutputSerializer)
    def post(self, request, pk: int):
        outlet = outlet_get(user=request.user, pk=pk)
        check_may_see_scores(request.user)
        check_can_write(request.user, outlet)
        score = compliance_compute(outlet=outlet, month=month_start(timezone.localdate()))
        return Response(
            ComplianceOutputSerializer.of(user=request.user, outlet=outlet, score=score)
        )


class ComplianceListApi(APIView):
    """OUT-16: the outlets of the caller's branch with their score of a month."""

    @extend_schema(
        parameters=[OpenApiParameter("month", str, description="YYYY-MM; default this month.")],
        responses=OutletScoreSerializer(many=True),
    )
    def get(self, request):
        check_may_see_scores(request.user)
        try:
            month = month_start(dt.date.fromisoformat(f"{request.query_params['month']}-01"))
        except (KeyError, ValueError):
            month = month_start(timezone.localdate())
        rows = [
            {"outlet": outlet, "score": score}
            for outlet, score in county_scores(user=request.user, month=month)
        ]
        return Response(OutletScoreSerializer(rows, many=True).data)


urlpatterns = [
    path("outlets/<int:pk>/staffing/", StaffingApi.as_view(), name="api-outlet-staffing"),
    path(
        "outlets/<int:pk>/staffing/check/",
        StaffingCheckApi.as_view(),
        name="api-outlet-staffing-check",
    ),
    path("outlets/<int:pk>/hours/", HoursApi.as_view(), name="api-outlet-hours"),
    path(
        "outlets/<int:pk>/hours/publish/",
        HoursPublishApi.as_view(),
        name="api-outlet-hours-publish",
    ),
    path("outlets/<int:pk>/holidays/", HolidayListApi.as_view(), name="api-outlet-holidays"),
    path(
        "outlets/<int:pk>/holidays/create/",
        HolidayCreateApi.as_view(),
        name="api-outlet-holiday-create",
    ),
    path("outlet-holidays/<int:pk>/", HolidayDetailApi.as_view(), name="api-holiday-detail"),
    path(
        "outlet-holidays/<int:pk>/withdraw/",
        HolidayWithdrawApi.as_view(),
        name="api-holiday-withdraw",
    ),
    path("outlet-holidays/<int:pk>/duty/", DutyAssignApi.as_view(), name="api-holiday-duty"),
    path("outlet-duty/<int:pk>/remove/", DutyRemoveApi.as_view(), name="api-duty-remove"),
    path("outlets/<int:pk>/compliance/", ComplianceApi.as_view(), name="api-outlet-compliance"),
    path(
        "outlets/<int:pk>/compliance/recompute/",
        ComplianceRecomputeApi.as_view(),
        name="api-outlet-compliance-recompute",
    ),
    path("outlet-compliance/", ComplianceListApi.as_view(), name="api-outlet-compliance-list"),
]
