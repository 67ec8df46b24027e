"""Endpoints of the initial check (CLM-3), the written refusals (REG-1 art. 24) and
major cases (CLM-4).

One APIView per operation; the case or letter is looked up in the caller's branch
(404), writes go through the services (403 for read-only roles). A refused write is a
400 with the service's message.
"""

from django.urls import path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from claims_assist.api.actions import validated
from claims_assist.models import ClaimCase, RefusalLetter
from claims_assist.selectors_cases import case_get
from claims_assist.selectors_check import refusal_get, refusal_list
from claims_assist.services import check as check_service
from claims_assist.services import major as major_service
from claims_assist.services import refusals as refusal_service
from claims_assist.services.major import MANUAL_REASONS
from claims_assist.views.check import refusal_response
from core.access import check_can_write
from core.api.permissions import IsActiveUser

CHECK_REASONS_HELP = "Failed reasons (CLM-3): " + ", ".join(ClaimCase.CheckReason.values) + "."
MAJOR_REASONS_HELP = "CLM-4 reasons: " + ", ".join(ClaimCase.MajorReason.values) + "."
MANUAL_REASONS_HELP = "Manual CLM-4 reasons: " + ", ".join(MANUAL_REASONS) + "."


# --- Serializers -------------------------------------------------------------------------
class RefusalLetterOutputSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(help_text="initial_check or decision.")
    case_number = serializers.CharField(source="case.number")
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = RefusalLetter
        fields = [
            "id",
            "case",
            "case_number",
            "kind",
            "reasons",
            "issued_by",
            "issued_at",
            "delivered_at",
            "delivery_note",
            "pdf_url",
        ]

    def get_pdf_url(self, letter) -> str:
        return reverse("api-refusal-pdf", args=[letter.pk])


class CaseCheckOutputSerializer(serializers.ModelSerializer):
    """The CLM-3 and CLM-4 state of a case."""

    stage = serializers.CharField(help_text="The case's stage.")
    check_result = serializers.CharField(help_text="pending, passed or failed.")
    check_reasons = serializers.ListField(
        child=serializers.CharField(), help_text=CHECK_REASONS_HELP
    )
    major_reasons = serializers.ListField(
        child=serializers.CharField(), help_text=MAJOR_REASONS_HELP
    )
    refusals = serializers.SerializerMethodField()

    class Meta:
        model = ClaimCase
        fields = [
            "id",
            "number",
            "stage",
            "check_result",
            "check_reasons",
            "check_note",
            "checked_by",
            "checked_at",
            "major",
            "major_reasons",
            "major_flagged_at",
            "head_office_reported_at",
            "head_office_reference",
            "major_overdue_at",
            "refusal_notified_at",
            "refusals",
        ]

    @extend_schema_field(RefusalLetterOutputSerializer(many=True))
    def get_refusals(self, case) -> list[dict]:
        letters = refusal_list(user=self.context["request"].user, case=case)
        return RefusalLetterOutputSerializer(letters, many=True).data


def _case_output(request, case) -> dict:
    return CaseCheckOutputSerializer(case, context={"request": request}).data


# --- Cases ----------------------------------------------------------------------------------
class CaseCheckApi(APIView):
    """CLM-3: the initial check, once, while the case is open. The policy period comes
    from the linked policy; without one give `cover_starts`/`cover_ends` from the
    customer's policy document. A failed check refuses the case and issues the
    written refusal (REG-1 art. 24: hand it over within 3 days)."""

    permission_classes = [IsActiveUser]

    class InputSerializer(serializers.Serializer):
        covered = serializers.BooleanField(help_text="The cause is a covered peril.")
        note = serializers.CharField(required=False, allow_blank=True, default="")
        cover_starts = serializers.DateField(required=False, allow_null=True, default=None)
        cover_ends = serializers.DateField(required=False, allow_null=True, default=None)

    @extend_schema(request=InputSerializer, responses=CaseCheckOutputSerializer)
    def post(self, request, pk: int):
        case = case_get(user=request.user, pk=pk)
        check_can_write(request.user, case)
        data = validated(self.InputSerializer, request)
        case = check_service.case_check_initial(by=request.user, case_pk=case.pk, **data)
        return Response(_case_output(request, case))


class CaseMajorFlagApi(APIView):
    """CLM-4: flag a dispute (regulators, industry association, media; litigation). A
    case not major yet starts its 24-hour head-office timer now."""

    permission_classes = [IsActiveUser]

    class InputSerializer(serializers.Serializer):
        reasons = serializers.ListField(
            child=serializers.CharField(max_length=20), help_text=MANUAL_REASONS_HELP
        )
        note = serializers.CharField(help_text="Who took the dispute where, and when.")

    @extend_schema(request=InputSerializer, responses=CaseCheckOutputSerializer)
    def post(self, request, pk: int):
        case = case_get(user=request.user, pk=pk)
        check_can_write(request.user, case)
        data = validated(self.InputSerializer, request)
        case = major_service.case_major_flag(by=request.user, case_pk=case.pk, **data)
        return Response(_case_output(request, case))


class CaseMajorReportedApi(APIView):
    """CLM-4: the major case was reported to the head office (`at` default now)."""

    permission_classes = [IsActiveUser]

    class InputSerializer(serializers.Serializer):
        reference = serializers.CharField(max_length=60)
        at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    @extend_schema(request=InputSerializer, responses=CaseCheckOutputSerializer)
    def post(self, request, pk: int):
        case = case_get(user=request.user, pk=pk)
        check_can_write(request.user, case)
        data = validated(self.InputSerializer, request)
        case = major_service.case_major_reported(by=request.user, case_pk=case.pk, **data)
        return Response(_case_output(request, case))


# --- Refusal letters ------------------------------------------------------------------------
class RefusalDetailApi(APIView):
    permission_classes = [IsActiveUser]

    @extend_schema(responses=RefusalLetterOutputSerializer)
    def get(self, request, pk: int):
        return Response(RefusalLetterOutputSerializer(refusal_get(user=request.user, pk=pk)).data)


class RefusalPdfApi(APIView):
    """The refusal letter's PDF as issued."""

    permission_classes = [IsActiveUser]

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiResponse(response=OpenApiTypes.BINARY)}
    )
    def get(self, request, pk: int):
        return refusal_response(refusal_get(user=request.user, pk=pk))


class RefusalDeliveredApi(APIView):
    """REG-1 art. 24: the letter was handed to the customer (`at` default now); meets
    the 3-day timer."""

    permission_classes = [IsActiveUser]

    class InputSerializer(serializers.Serializer):
        at = serializers.DateTimeField(required=False, allow_null=True, default=None)
        note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses=RefusalLetterOutputSerializer)
    def post(self, request, pk: int):
        letter = refusal_get(user=request.user, pk=pk)
        data = validated(self.InputSerializer, request)
        letter = refusal_service.refusal_delivered(by=request.user, letter_pk=letter.pk, **data)
        return Response(RefusalLetterOutputSerializer(letter).data)


urlpatterns = [
    path("claim-cases/<int:pk>/check/", CaseCheckApi.as_view(), name="api-claim-case-check"),
    path(
        "claim-cases/<int:pk>/major/flag/",
        CaseMajorFlagApi.as_view(),
        name="api-claim-case-major-flag",
    ),
    path(
        "claim-cases/<int:pk>/major/reported/",
        CaseMajorReportedApi.as_view(),
        name="api-claim-case-major-reported",
    ),
    path("refusals/<int:pk>/", RefusalDetailApi.as_view(), name="api-refusal-detail"),
    path("refusals/<int:pk>/pdf/", RefusalPdfApi.as_view(), name="api-refusal-pdf"),
    path(
        "refusals/<int:pk>/delivered/",
        RefusalDeliveredApi.as_view(),
        name="api-refusal-delivered",
    ),
]
