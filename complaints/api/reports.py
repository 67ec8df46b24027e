"""CMP-8 over the API: the complaint figures of the caller's branch for a period, and the
per-complaint rows as CSV or Excel (logged, REG-3). Scoped like the page: a unit outside
the caller's branch is a 404; exports only for the roles of can_export_report."""

from django.core.exceptions import ValidationError
from django.urls import path, re_path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints.exports import XLSX_TYPE, complaint_export_response
from complaints.reports import complaint_report, report_period, report_unit_get
from core.api.serializers import OrgUnitRefSerializer


class ReportFilterSerializer(serializers.Serializer):
    """?from=YYYY-MM-DD&to=YYYY-MM-DD&org_unit=<id>: an open start is the first of this
    month, an open end today (Beijing time); no unit is the caller's whole branch."""

    def get_fields(self):
        # "from" is a Python keyword: the fields are named here rather than as attributes.
        return {
            "from": serializers.DateField(required=False),
            "to": serializers.DateField(required=False),
            "org_unit": serializers.IntegerField(required=False, min_value=1),
        }


def _filters(request) -> dict:
    params = ReportFilterSerializer(data=request.query_params)
    params.is_valid(raise_exception=True)
    data = params.validated_data
    try:
        date_from, date_to = report_period(date_from=data.get("from"), date_to=data.get("to"))
    except ValidationError as error:
        raise serializers.ValidationError({"to": error.message_dict["date_to"]}) from None
    unit = data.get("org_unit")
    return {
        "date_from": date_from,
        "date_to": date_to,
        "org_unit": report_unit_get(user=request.user, pk=unit) if unit else None,
    }


class ComplaintReportCountSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class ComplaintReportTimesSerializer(serializers.Serializer):
    """Hours from receipt; median and p90 by linear interpolation (percentile_cont)."""

    count = serializers.IntegerField()
    median_hours = serializers.FloatField(allow_null=True)
    p90_hours = serializers.FloatField(allow_null=True)


class ComplaintReportStepSerializer(serializers.Serializer):
    step = serializers.IntegerField()
    fired = serializers.IntegerField()
    acted = serializers.IntegerField()


class ComplaintReportUnitSerializer(serializers.Serializer):
    org_unit_id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    received = serializers.IntegerField()
    waiting_response = serializers.IntegerField()
    first_response = ComplaintReportTimesSerializer()
    resolution = ComplaintReportTimesSerializer()
    escalated = serializers.IntegerField()
    satisfied = serializers.IntegerField()
    evaluated = serializers.IntegerField()
    satisfaction_rate = serializers.FloatField(allow_null=True)
    reopened = serializers.IntegerField()


class ComplaintReportApi(APIView):
    """CMP-8: complaints received in the period in the caller's branch (or `org_unit`)
    and what happened to them: counts by channel, topic, status and unit, first-response
    and resolution hours (median, p90), escalations by step, satisfaction (satisfied /
    satisfied + unsatisfied), reopenings, REG-2 breaches."""

    class OutputSerializer(serializers.Serializer):
        date_from = serializers.DateField()
        date_to = serializers.DateField()
        org_unit = OrgUnitRefSerializer(allow_null=True)
        received = serializers.IntegerField()
        by_channel = ComplaintReportCountSerializer(many=True)
        by_topic = ComplaintReportCountSerializer(many=True)
        by_status = ComplaintReportCountSerializer(many=True)
        by_unit = ComplaintReportUnitSerializer(many=True)
        waiting_response = serializers.IntegerField()
        waiting_resolution = serializers.IntegerField()
        first_response = ComplaintReportTimesSerializer()
        resolution = ComplaintReportTimesSerializer()
        escalated = serializers.IntegerField()
        escalations_acted = serializers.IntegerField()
        escalation_steps = ComplaintReportStepSerializer(many=True)
        satisfied = serializers.IntegerField()
        unsatisfied = serializers.IntegerField()
        evaluated = serializers.IntegerField()
        unreachable = serializers.IntegerField()
        satisfaction_rate = serializers.FloatField(allow_null=True)
        reopened = serializers.IntegerField()
        reopenings = serializers.IntegerField()
        reg2_breaches = serializers.IntegerField()

    @extend_schema(
        parameters=[ReportFilterSerializer],
        responses=OutputSerializer,
        summary="Complaint figures of a period (CMP-8)",
    )
    def get(self, request):
        report = complaint_report(user=request.user, **_filters(request))
        return Response(self.OutputSerializer(report).data)


class _FirstRenderer(BaseContentNegotiation):
    """The file is the answer whatever the client accepts; errors are JSON."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ComplaintReportExportApi(APIView):
    """CMP-8: the complaints of the report, one row each (number, received, channel,
    topic, unit, status, first-response and resolution hours, escalation steps,
    satisfaction, complainant's name masked; no phone numbers). Logged (REG-3). For
    outlet heads, managers, auditors and API clients."""

    content_negotiation_class = _FirstRenderer

    @extend_schema(
        operation_id="complaints_report_export",
        parameters=[
            OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=["csv", "xlsx"]),
            ReportFilterSerializer,
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR),
            (200, XLSX_TYPE): OpenApiResponse(OpenApiTypes.BINARY),
        },
        summary="Export the complaints of a period (CMP-8)",
    )
    def get(self, request, fmt: str):
        return complaint_export_response(
            user=request.user,
            fmt=fmt,
            ip_address=request.META.get("REMOTE_ADDR"),
            **_filters(request),
        )


urlpatterns = [
    path("complaints/report/", ComplaintReportApi.as_view(), name="api-complaint-report"),
    re_path(
        r"^complaints/report/export\.(?P<fmt>csv|xlsx)$",
        ComplaintReportExportApi.as_view(),
        name="api-complaint-report-export",
    ),
]
