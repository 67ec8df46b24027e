"""Claim case endpoints (CLM-1, CLM-2): the cases of the caller's branch (list with the
case filter, report a case), one case (read, correct the report), the lookup of
existing reports and policies, the 95518 report number and the withdrawal.

Reads go through claims_assist.selectors_cases (404 outside the caller's branch);
writes through claims_assist.services.intake (403 for read-only roles and roles that
do not record reports). ID numbers and phones are always masked here (REG-3).
"""

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from claims_assist.api.actions import validated
from claims_assist.filters import CaseFilter
from claims_assist.models import CaseType, ClaimCase
from claims_assist.selectors_cases import case_get, case_list
from claims_assist.services import intake as intake_service
from core.api.concurrency import guarded_write, object_etag, with_etag
from core.api.pagination import BoundedPagination
from core.api.permissions import IsActiveUser
from core.api.serializers import MaskedCharField
from core.models import OrgUnit, User
from underwriting.models import Product

STAGES_HELP = "Stage: " + ", ".join(ClaimCase.Stage.values) + "."
CHANNELS_HELP = "How the report was made: " + ", ".join(ClaimCase.Channel.values) + "."
RELATIONS_HELP = "Relation to the insured: " + ", ".join(ClaimCase.Relation.values) + "."


# --- Serializers ------------------------------------------------------------------------------
class FraudFlagSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="watch_list, repeat_claimant or high_loss_ratio.")
    label = serializers.CharField()
    detail = serializers.CharField(allow_blank=True)


class ClaimCaseOutputSerializer(serializers.ModelSerializer):
    stage = serializers.CharField(help_text=STAGES_HELP)
    channel = serializers.CharField(help_text=CHANNELS_HELP)
    reporter_relation = serializers.CharField(help_text=RELATIONS_HELP)
    check_result = serializers.CharField(help_text="pending, passed or failed (CLM-3).")
    decision = serializers.CharField(help_text="pending, pay or refuse.")
    outlet_name = serializers.CharField(source="org_unit.name")
    owner_name = serializers.CharField(source="owner.__str__")
    product_name = serializers.CharField(source="product.name")
    insured_id_number = MaskedCharField(kind="id_number", help_text="Masked (REG-3).")
    reporter_phone = MaskedCharField(kind="phone", help_text="Masked (REG-3).")
    major_reasons = serializers.ListField(child=serializers.CharField())
    fraud_flags = FraudFlagSerializer(many=True)

    class Meta:
        model = ClaimCase
        fields = [
            "id",
            "number",
            "stage",
            "stage_changed_at",
            "org_unit",
            "outlet_name",
            "owner",
            "owner_name",
            "created_by",
            "created_at",
            "channel",
            "reported_at",
            "policy",
            "policy_number",
            "product",
            "product_name",
            "household_row",
            "case_type",
            "insured_name",
            "insured_id_number",
            "incident_at",
            "incident_place",
            "cause",
            "course",
            "injuries",
            "deaths",
            "measures",
            "current_state",
            "hospital",
            "reporter_name",
            "reporter_phone",
            "reporter_relation",
            "estimated_amount",
            "sum_insured",
            "hotline_number",
            "hotline_recorded_at",
            "hotline_overdue_at",
            "check_result",
            "major",
            "major_reasons",
            "head_office_reported_at",
            "remote_upload_overdue_at",
            "transfer_overdue_at",
            "decision",
            "closed_at",
            "fraud_flags",
        ]


class _ReportFieldsSerializer(serializers.Serializer):
    """The CLM-2 facts; the service checks every rule again."""

    channel = serializers.CharField(max_length=8, help_text=CHANNELS_HELP)
    policy_number = serializers.CharField(max_length=32)
    product = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.all(),
        required=False,
        allow_null=True,
        help_text="Only when the policy is not in the system.",
    )
    insured_name = serializers.CharField(max_length=100)
    insured_id_number = serializers.CharField(max_length=40, required=False, allow_blank=True)
    incident_at = serializers.DateTimeField()
    incident_place = serializers.CharField(max_length=200)
    cause = serializers.CharField(max_length=200)
    course = serializers.CharField()
    injuries = serializers.CharField(required=False, allow_blank=True)
    deaths = serializers.IntegerField(min_value=0, max_value=32767, required=False)
    measures = serializers.CharField(required=False, allow_blank=True)
    current_state = serializers.CharField(required=False, allow_blank=True)
    hospital = serializers.CharField(max_length=100, required=False, allow_blank=True)
    reporter_name = serializers.CharField(max_length=100)
    reporter_phone = serializers.CharField(max_length=30)
    reporter_relation = serializers.CharField(max_length=10, help_text=RELATIONS_HELP)
    estimated_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    sum_insured = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        help_text="Only when the policy is not in the system.",
    )
    case_type = serializers.PrimaryKeyRelatedField(
        queryset=CaseType.objects.filter(is_active=True), required=False, allow_null=True
    )


class _LookupCaseSerializer(serializers.ModelSerializer):
    stage = serializers.CharField(help_text=STAGES_HELP)
    insured_id_number = MaskedCharField(kind="id_number")

    class Meta:
        model = ClaimCase
        fields = [
            "id",
            "number",
            "stage",
            "policy_number",
            "insured_name",
            "insured_id_number",
            "incident_at",
            "reported_at",
        ]


class _LookupPolicySerializer(serializers.Serializer):
    policy = serializers.IntegerField(source="policy.pk")
    number = serializers.CharField(source="policy.number")
    kind = serializers.CharField(source="policy.kind", help_text="individual or group.")
    product = serializers.IntegerField(source="policy.product_id")
    product_name = serializers.CharField(source="policy.product.name")
    outlet = serializers.IntegerField(source="policy.org_unit_id")
    starts_on = serializers.DateField(source="policy.starts_on", allow_null=True)
    ends_on = serializers.DateField(source="policy.ends_on", allow_null=True)
    insured_name = serializers.CharField(allow_blank=True)
    insured_id_number = MaskedCharField(kind="id_number")
    household_row = serializers.IntegerField(
        source="household_row.pk", allow_null=True, default=None
    )


# --- Cases ------------------------------------------------------------------------------------
class CaseListCreateApi(ListAPIView):
    """GET: the cases of the caller's branch, newest report first (CaseFilter).
    POST: record a report made at an outlet (CLM-1, CLM-2): number, first stage, the
    customer's SMS and the CLM-1 timer for the 95518 number; every problem is returned
    by field and nothing is saved then."""

    permission_classes = [IsActiveUser]
    serializer_class = ClaimCaseOutputSerializer
    filterset_class = CaseFilter
    pagination_class = BoundedPagination

    class InputSerializer(_ReportFieldsSerializer):
        reported_at = serializers.DateTimeField(required=False, allow_null=True)
        org_unit = serializers.PrimaryKeyRelatedField(
            queryset=OrgUnit.objects.filter(kind=OrgUnit.Kind.OUTLET),
            required=False,
            allow_null=True,
            help_text="The outlet; required of users above outlets.",
        )
        owner = serializers.PrimaryKeyRelatedField(
            queryset=User.objects.filter(is_active=True),
            required=False,
            allow_null=True,
            help_text="The outlet's staff member who follows the case; default: the caller.",
        )

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return ClaimCase.objects.none()
        return case_list(user=self.request.user)

    @extend_schema(request=InputSerializer, responses={201: ClaimCaseOutputSerializer})
    def post(self, request):
        intake_service.check_case_writer(request.user)
        data = validated(self.InputSerializer, request)
        case = intake_service.case_report(by=request.user, **data)
        return Response(ClaimCaseOutputSerializer(case).data, status=status.HTTP_201_CREATED)


class CaseDetailApi(APIView):
    """GET: one case of the caller's branch. PATCH: correct the report of an open case
    (CLM-2); a changed estimate, number of deaths or sum insured re-evaluates CLM-4."""

    permission_classes = [IsActiveUser]

    class InputSerializer(_ReportFieldsSerializer):
        reason = serializers.CharField(required=False, allow_blank=True)

    @extend_schema(responses=ClaimCaseOutputSerializer)
    def get(self, request, pk: int):
        case = case_get(user=request.user, pk=pk)
        return with_etag(Response(ClaimCaseOutputSerializer(case).data), object_etag(case))

    @extend_schema(request=InputSerializer, responses=ClaimCaseOutputSerializer)
    def patch(self, request, pk: int):
        """With If-Match, a case changed since it was read is refused with 412."""
        case = case_get(user=request.user, pk=pk)
        intake_service.check_case_writer(request.user)
        data = validated(self.InputSerializer, request, partial=True)
        with guarded_write(request, case, current=lambda: object_etag(case)):
            intake_service.case_report_update(by=request.user, case_pk=case.pk, **data)
        case = case_get(user=request.user, pk=pk)
        return with_etag(Response(ClaimCaseOutputSerializer(case).data), object_etag(case))


class CaseLookupApi(APIView):
    """CLM-2: existing reports and policies of the caller's branch matching every
    criterion given; `ambiguous` when the name belongs to several ID numbers (listed
    masked): ask for the ID number and look up again."""

    permission_classes = [IsActiveUser]

    class OutputSerializer(serializers.Serializer):
        rule = serializers.CharField(help_text="CLM-2")
        cases = _LookupCaseSerializer(many=True)
        policies = _LookupPolicySerializer(many=True)
        ambiguous = serializers.BooleanField()
        ids = serializers.ListField(
            child=serializers.CharField(), help_text="The name's ID numbers, masked."
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("policy_number", str),
            OpenApiParameter("name", str, description="The insured's name, exactly."),
            OpenApiParameter("id_number", str, description="Resident ID or credit code."),
        ],
        responses=OutputSerializer,
    )
    def get(self, request):
        params = request.query_params
        result = intake_service.case_lookup(
            user=request.user,
            policy_number=params.get("policy_number", ""),
            name=params.get("name", ""),
            id_number=params.get("id_number", ""),
        )
        answer = {
            "rule": "CLM-2",
            "cases": result.cases,
            "policies": result.policies,
            "ambiguous": result.ambiguous,
            "ids": result.masked_ids,
        }
        return Response(self.OutputSerializer(answer).data)


class CaseHotlineApi(APIView):
    """CLM-1: record (or correct) the 95518 report number; the CLM-1 timer is met and a
    reported case moves to forwarded. A number already on another case is refused."""

    permission_classes = [IsActiveUser]

    class InputSerializer(serializers.Serializer):
        number = serializers.CharField(max_length=60)

    @extend_schema(request=InputSerializer, responses=ClaimCaseOutputSerializer)
    def post(self, request, pk: int):
        case = case_get(user=request.user, pk=pk)
        intake_service.check_case_writer(request.user)
        data = validated(self.InputSerializer, request)
        case = intake_service.case_hotline_record(
            by=request.user, case_pk=case.pk, number=data["number"]
        )
        return Response(ClaimCaseOutputSerializer(case).data)


class CaseWithdrawApi(APIView):
    """The customer withdraws the claim (reason required); the case ends WITHDRAWN."""

    permission_classes = [IsActiveUser]

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField()

    @extend_schema(request=InputSerializer, responses=ClaimCaseOutputSerializer)
    def post(self, request, pk: int):
        case = case_get(user=request.user, pk=pk)
        intake_service.check_case_writer(request.user)
        data = validated(self.InputSerializer, request)
        case = intake_service.case_withdraw(by=request.user, case_pk=case.pk, reason=data["reason"])
        return Response(ClaimCaseOutputSerializer(case).data)


urlpatterns = [
    path("claim-cases/", CaseListCreateApi.as_view(), name="api-claim-case-list"),
    path("claim-cases/lookup/", CaseLookupApi.as_view(), name="api-claim-case-lookup"),
    path("claim-cases/<int:pk>/", CaseDetailApi.as_view(), name="api-claim-case-detail"),
    path("claim-cases/<int:pk>/hotline/", CaseHotlineApi.as_view(), name="api-claim-case-hotline"),
    path(
        "claim-cases/<int:pk>/withdraw/",
        CaseWithdrawApi.as_view(),
        name="api-claim-case-withdraw",
    ),
]
