"""Household-list import endpoints (UW-10): upload, status, issues, report.

The upload answers 202 at once; the validation runs in Celery and the client polls the
status URL. Reads go through the scoping selectors (404 outside the caller's branch);
the upload goes through the service (read-only roles get 403).
"""

from django.core.exceptions import ValidationError
from django.urls import path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.access import check_can_write
from underwriting.models import HouseholdList, ImportIssue
from underwriting.selectors import group_policy_get, household_list_get, import_issues
from underwriting.services.imports import household_list_upload
from underwriting.views.imports import report_response


class HouseholdListOutputSerializer(serializers.ModelSerializer):
    policy = serializers.IntegerField(source="policy_id")
    state_label = serializers.CharField(source="get_state_display")
    progress_percent = serializers.IntegerField()
    status_url = serializers.SerializerMethodField()
    issues_url = serializers.SerializerMethodField()
    report_url = serializers.SerializerMethodField()

    class Meta:
        model = HouseholdList
        fields = [
            "id",
            "policy",
            "state",
            "state_label",
            "source_name",
            "rows_total",
            "rows_done",
            "progress_percent",
            "error_count",
            "warning_count",
            "household_count",
            "quantity",
            "premium",
            "failure",
            "uploaded_at",
            "finished_at",
            "status_url",
            "issues_url",
            "report_url",
        ]

    def get_status_url(self, obj) -> str:
        return reverse("api-household-list-detail", args=[obj.pk])

    def get_issues_url(self, obj) -> str:
        return reverse("api-household-list-issues", args=[obj.pk])

    def get_report_url(self, obj) -> str | None:
        return reverse("api-household-list-report", args=[obj.pk]) if obj.report else None


class HouseholdListUploadApi(APIView):
    """UW-10: upload a group policy's household list (xlsx or csv, multipart field
    `file`); answers 202 with the import to poll."""

    parser_classes = [MultiPartParser]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField()

    @extend_schema(
        request=InputSerializer,
        responses={202: HouseholdListOutputSerializer},
        summary="Upload a household list",
    )
    def post(self, request, pk: int):
        policy = group_policy_get(user=request.user, pk=pk)
        check_can_write(request.user, policy)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            household_list = household_list_upload(
                clerk=request.user, policy=policy, upload=data.validated_data["file"]
            )
        except ValidationError as exc:
            # The file's problem belongs to the `file` field.
            raise ValidationError({"file": exc.messages}) from None
        return Response(
            HouseholdListOutputSerializer(household_list).data, status=status.HTTP_202_ACCEPTED
        )


class HouseholdListDetailApi(APIView):
    """An import's state, progress, counts and totals."""

    @extend_schema(responses=HouseholdListOutputSerializer, summary="Household list import")
    def get(self, request, pk: int):
        household_list = household_list_get(user=request.user, pk=pk)
        return Response(HouseholdListOutputSerializer(household_list).data)


class HouseholdListIssuesApi(ListAPIView):
    """The errors and warnings of an import, by row (row null: the whole list)."""

    class OutputSerializer(serializers.ModelSerializer):
        class Meta:
            model = ImportIssue
            fields = ["id", "row_number", "severity", "code", "column", "message"]

    serializer_class = OutputSerializer
    filterset_fields = ["severity", "code"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no list
            return ImportIssue.objects.none()
        household_list = household_list_get(user=self.request.user, pk=self.kwargs["pk"])
        return import_issues(household_list=household_list)


class HouseholdListReportApi(APIView):
    """The validation report as an Excel file, each row's errors beside it. The export
    of personal data is logged (REG-3)."""

    @extend_schema(
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): (
                OpenApiResponse(OpenApiTypes.BINARY)
            )
        },
        summary="Download the validation report",
    )
    def get(self, request, pk: int):
        household_list = household_list_get(user=request.user, pk=pk)
        return report_response(request, household_list, filename=f"report-{household_list.pk}.xlsx")


urlpatterns = [
    path(
        "policies/<int:pk>/lists/",
        HouseholdListUploadApi.as_view(),
        name="api-household-list-upload",
    ),
    path("lists/<int:pk>/", HouseholdListDetailApi.as_view(), name="api-household-list-detail"),
    path(
        "lists/<int:pk>/issues/",
        HouseholdListIssuesApi.as_view(),
        name="api-household-list-issues",
    ),
    path(
        "lists/<int:pk>/report/",
        HouseholdListReportApi.as_view(),
        name="api-household-list-report",
    ),
]
