"""Survey and assessment endpoints: survey assignments (CLM-5: list, assign, report with
photos, cancel), assessments (CLM-6, CLM-15: list, record, remote materials CLM-7), the
referral to the city claims centre, and the one-stop settlement (calculation, customer
signature, payment request).

One APIView per operation. Records are read in the caller's scope (404 outside the
branch); writes go through the services (403 for read-only roles and for roles the
step is not theirs). An assessment beyond the adjuster's authority is a 400 whose
message says to refer the case (CLM-6). Photos are sent as multipart (repeat `photos`).
"""

from django.urls import path, reverse
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from claims_assist import selectors_cases, selectors_survey
from claims_assist.api.actions import validated
from claims_assist.api.timeline import PaymentRequestOutputSerializer
from claims_assist.models import Assessment, SurveyAssignment
from claims_assist.services import assessment as assessment_service
from claims_assist.services import one_stop as one_stop_service
from claims_assist.services import survey as survey_service
from core.access import check_can_write, in_scope
from core.api.permissions import IsActiveUser
from core.models import User
from core.selectors import evidence_for

KINDS_HELP = "Kind: " + ", ".join(SurveyAssignment.Kind.values) + " (no survey of a motor case)."
ASSIGNMENT_STATES_HELP = "State: " + ", ".join(SurveyAssignment.State.values) + "."
MODES_HELP = "Mode: " + ", ".join(Assessment.Mode.values) + "."


# --- Serializers -------------------------------------------------------------------------
class ClaimEvidencePhotoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    caption = serializers.CharField()
    original_name = serializers.CharField()
    taken_at = serializers.DateTimeField(allow_null=True)
    gps_latitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    gps_longitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    display_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    def get_display_url(self, photo) -> str:
        return reverse("evidence_file", args=[photo.pk, "display"])

    def get_thumbnail_url(self, photo) -> str:
        return reverse("evidence_file", args=[photo.pk, "thumb"])


class _WithPhotos(serializers.ModelSerializer):
    photos = serializers.SerializerMethodField()

    @extend_schema_field(ClaimEvidencePhotoSerializer(many=True))
    def get_photos(self, record):
        photos = evidence_for(user=self.context["request"].user, subject=record)
        return ClaimEvidencePhotoSerializer(photos, many=True).data


class SurveyAssignmentOutputSerializer(_WithPhotos):
    kind = serializers.CharField(help_text=KINDS_HELP)
    state = serializers.CharField(help_text=ASSIGNMENT_STATES_HELP)
    assignee_name = serializers.CharField(source="assignee.__str__")

    class Meta:
        model = SurveyAssignment
        fields = [
            "id",
            "case",
            "kind",
            "assignee",
            "assignee_name",
            "assigned_by",
            "assigned_at",
            "instructions",
            "state",
            "findings",
            "surveyed_at",
            "done_at",
            "photos",
        ]


class AssessmentExclusionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()


class AssessmentOutputSerializer(_WithPhotos):
    mode = serializers.CharField(help_text=MODES_HELP)
    adjuster_name = serializers.CharField(source="adjuster.__str__")
    exclusions = AssessmentExclusionSerializer(many=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "case",
            "mode",
            "adjuster",
            "adjuster_name",
            "authorisation",
            "loss_cause",
            "quantity",
            "unit",
            "amount",
            "exclusions",
            "exclusion_note",
            "assessed_at",
            "remote_session_at",
            "materials_uploaded_at",
            "calculated_amount",
            "calculation_note",
            "calculated_at",
            "signed_by_name",
            "customer_signed_at",
            "superseded_at",
            "photos",
        ]


class ClaimReferralOutputSerializer(serializers.Serializer):
    case = serializers.IntegerField(source="pk")
    referred_at = serializers.DateTimeField()
    referral_reason = serializers.CharField()


def _assessment_body(request, assessment: Assessment) -> dict:
    return AssessmentOutputSerializer(assessment, context={"request": request}).data


def _assignment_body(request, assignment: SurveyAssignment) -> dict:
    return SurveyAssignmentOutputSerializer(assignment, context={"request": request}).data


def _assignee(user: User, pk: int) -> User | None:
    """The assignee given by id, if in the caller's branch (the service checks the rest)."""
    return in_scope(User.objects.filter(is_active=True), user).filter(pk=pk).first()


# --- Assignments (CLM-5) --------------------------------------------------------------------
class CaseAssignmentListApi(ListAPIView):
    """The survey assignments of a case, newest first."""

    serializer_class = SurveyAssignmentOutputSerializer
    permission_classes = [IsActiveUser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return SurveyAssignment.objects.none()
        case = selectors_cases.case_get(user=self.request.user, pk=self.kwargs["pk"])
        return selectors_survey.assignment_list(user=self.request.user, case=case)


class AssignmentCreateApi(APIView):
    """CLM-5: the city claims centre or a county manager assigns the case's outlet staff
    to survey on site (never a motor case) or to assist."""

    permission_classes = [IsActiveUser]

    class InputSerializer(serializers.Serializer):
        kind = serializers.CharField(max_length=8, help_text=KINDS_HELP)
        assignee = serializers.IntegerField()
        instructions = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses={201: SurveyAssignmentOutputSerializer})
    def post(self, request, pk: int):
        case = selectors_cases.case_get(user=request.user, pk=pk)
        check_can_write(request.user, case)
        values = validated(self.InputSerializer, request)
        assignment = survey_service.assignment_create(
            by=request.user,
            case_pk=case.pk,
            assignee=_assignee(request.user, values.pop("assignee")),
            **values,
        )
        return Response(_assignment_body(request, assignment), status=status.HTTP_201_CREATED)


class AssignmentDetailApi(APIView):
    permission_classes = [IsActiveUser]

    @extend_schema(responses=SurveyAssignmentOutputSerializer)
    def get(self, request, pk: int):
        assignment = selectors_survey.assignment_get(user=request.user, pk=pk)
        return Response(_assignment_body(request, assignment))


class AssignmentReportApi(APIView):
    """CLM-5: the assignee's findings, survey time and photos (multipart: repeat
    `photos`); all or nothing: a refused photo saves nothing."""

    permission_classes = [IsActiveUser]
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        findings = serializers.CharField()
        surveyed_at = serializers.DateTimeField()
        photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)
        documents_note = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        responses=SurveyAssignmentOutputSerializer,
    )
    def post(self, request, pk: int):
        assignment = selectors_survey.assignment_get(user=request.user, pk=pk)
        check_can_write(request.user, assignment)
        data = validated(self.InputSerializer, request)
        assignment = survey_service.assignment_report(
            by=request.user, assignment_pk=assignment.pk, **data
        )
        return Response(_assignment_body(request, assignment))


class AssignmentCancelApi(APIView):
    permission_classes = [IsActiveUser]

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField()

    @extend_schema(request=InputSerializer, responses=SurveyAssignmentOutputSerializer)
    def post(self, request, pk: int):
        assignment = selectors_survey.assignment_get(user=request.user, pk=pk)
        check_can_write(request.user, assignment)
        data = validated(self.InputSerializer, request)
        assignment = survey_service.assignment_cancel(
            by=request.user, assignment_pk=assignment.pk, reason=data["reason"]
        )
        return Response(_assignment_body(request, assignment))


# --- Assessments (CLM-6, CLM-7, CLM-15) ------------------------------------------------------
class CaseAssessmentListApi(ListAPIView):
    """The assessments of a case, the current one first."""

    serializer_class = AssessmentOutputSerializer
    permission_classes = [IsActiveUser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Assessment.objects.none()
        case = selectors_cases.case_get(user=self.request.user, pk=self.kwargs["pk"])
        return selectors_survey.assessment_list(user=self.request.user, case=case)


class AssessmentCreateApi(APIView):
    """CLM-6: the caller assesses the case within their valid authority (line of the
    product, amount, one-stop); `exclusions` are ids of the product's exclusions that
    applied (CLM-15), with a note. A remote assessment needs `remote_session_at` and
    starts CLM-7's 24 hours. Beyond the authority: 400, refer the case."""

    permission_classes = [IsActiveUser]

    class InputSerializer(serializers.Serializer):
        mode = serializers.CharField(max_length=8, help_text=MODES_HELP)
        loss_cause = serializers.CharField(max_length=200)
        quantity = serializers.DecimalField(max_digits=14, decimal_places=4, min_value=0)
        unit = serializers.CharField(max_length=10)
        amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
        exclusions = serializers.ListField(
            child=serializers.IntegerField(), required=False, default=list
        )
        exclusion_note = serializers.CharField(required=False, allow_blank=True, default="")
        remote_session_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    @extend_schema(request=InputSerializer, responses={201: AssessmentOutputSerializer})
    def post(self, request, pk: int):
        case = selectors_cases.case_get(user=request.user, pk=pk)
        check_can_write(request.user, case)
        values = validated(self.InputSerializer, request)
        assessment = assessment_service.assessment_record(
            by=request.user,
            case_pk=case.pk,
            exclusion_ids=values.pop("exclusions"),
            **values,
        )
        return Response(_assessment_body(request, assessment), status=status.HTTP_201_CREATED)


class AssessmentDetailApi(APIView):
    permission_classes = [IsActiveUser]

    @extend_schema(responses=AssessmentOutputSerializer)
    def get(self, request, pk: int):
        assessment = selectors_survey.assessment_get(user=request.user, pk=pk)
        return Response(_assessment_body(request, assessment))


class AssessmentMaterialsApi(APIView):
    """CLM-7: the photos and materials of a remote assessment (multipart: repeat
    `photos`); the first upload meets the 24-hour timer."""

    permission_classes = [IsActiveUser]
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        photos = serializers.ListField(child=serializers.FileField(), allow_empty=False)

    @extend_schema(
        request={"multipart/form-data": InputSerializer}, responses=AssessmentOutputSerializer
    )
    def post(self, request, pk: int):
        assessment = selectors_survey.assessment_get(user=request.user, pk=pk)
        check_can_write(request.user, assessment)
        data = validated(self.InputSerializer, request)
        assessment = assessment_service.assessment_materials_upload(
            by=request.user, assessment_pk=assessment.pk, photos=data["photos"]
        )
        return Response(_assessment_body(request, assessment))


class CaseReferApi(APIView):
    """CLM-6: refer the case to the city claims centre, with the reason."""

    permission_classes = [IsActiveUser]

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField()

    @extend_schema(request=InputSerializer, responses=ClaimReferralOutputSerializer)
    def post(self, request, pk: int):
        case = selectors_cases.case_get(user=request.user, pk=pk)
        check_can_write(request.user, case)
        data = validated(self.InputSerializer, request)
        case = assessment_service.case_refer(
            by=request.user, case_pk=case.pk, reason=data["reason"]
        )
        return Response(ClaimReferralOutputSerializer(case).data)


# --- One-stop settlement (CLM-6) ---------------------------------------------------------------
class OneStopCalculateApi(APIView):
    """The payable amount of a one-stop assessment (at most the assessed loss; `note`
    when different), by its adjuster under a valid one-stop authority."""

    permission_classes = [IsActiveUser]

    class InputSerializer(serializers.Serializer):
        payable = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
        note = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses=AssessmentOutputSerializer)
    def post(self, request, pk: int):
        assessment = selectors_survey.assessment_get(user=request.user, pk=pk)
        check_can_write(request.user, assessment)
        data = validated(self.InputSerializer, request)
        assessment = one_stop_service.one_stop_calculate(
            by=request.user, assessment_pk=assessment.pk, **data
        )
        return Response(_assessment_body(request, assessment))


class OneStopSignApi(APIView):
    """The customer signs the calculated settlement; optionally a `photo` of the signed
    form (multipart)."""

    permission_classes = [IsActiveUser]
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        signed_by_name = serializers.CharField(max_length=100)
        photo = serializers.FileField(required=False, allow_null=True, default=None)

    @extend_schema(
        request={"multipart/form-data": InputSerializer}, responses=AssessmentOutputSerializer
    )
    def post(self, request, pk: int):
        assessment = selectors_survey.assessment_get(user=request.user, pk=pk)
        check_can_write(request.user, assessment)
        data = validated(self.InputSerializer, request)
        assessment = one_stop_service.one_stop_sign(
            by=request.user, assessment_pk=assessment.pk, **data
        )
        return Response(_assessment_body(request, assessment))


class OneStopPaymentRequestApi(APIView):
    """The last step: after the signature, the adjuster decides to pay the signed amount
    (a complete file is needed, CLM-8) and requests payment to the payee's account."""

    permission_classes = [IsActiveUser]

    class InputSerializer(serializers.Serializer):
        payee_name = serializers.CharField(max_length=100)
        payee_id_number = serializers.CharField(max_length=30)
        bank_name = serializers.CharField(max_length=60)
        bank_account = serializers.CharField(max_length=40)

    @extend_schema(request=InputSerializer, responses={201: PaymentRequestOutputSerializer})
    def post(self, request, pk: int):
        case = selectors_cases.case_get(user=request.user, pk=pk)
        check_can_write(request.user, case)
        data = validated(self.InputSerializer, request)
        payment = one_stop_service.one_stop_request_payment(
            by=request.user, case_pk=case.pk, **data
        )
        return Response(
            PaymentRequestOutputSerializer(payment).data, status=status.HTTP_201_CREATED
        )


urlpatterns = [
    path(
        "claim-cases/<int:pk>/assignments/",
        CaseAssignmentListApi.as_view(),
        name="api-claim-case-assignments",
    ),
    path(
        "claim-cases/<int:pk>/assignments/create/",
        AssignmentCreateApi.as_view(),
        name="api-claim-case-assignment-create",
    ),
    path(
        "claim-cases/<int:pk>/assessments/",
        CaseAssessmentListApi.as_view(),
        name="api-claim-case-assessments",
    ),
    path(
        "claim-cases/<int:pk>/assessments/create/",
        AssessmentCreateApi.as_view(),
        name="api-claim-case-assessment-create",
    ),
    path("claim-cases/<int:pk>/refer/", CaseReferApi.as_view(), name="api-claim-case-refer"),
    path(
        "claim-cases/<int:pk>/one-stop/payment-request/",
        OneStopPaymentRequestApi.as_view(),
        name="api-claim-case-one-stop-payment-request",
    ),
    path(
        "claim-assignments/<int:pk>/",
        AssignmentDetailApi.as_view(),
        name="api-claim-assignment-detail",
    ),
    path(
        "claim-assignments/<int:pk>/report/",
        AssignmentReportApi.as_view(),
        name="api-claim-assignment-report",
    ),
    path(
        "claim-assignments/<int:pk>/cancel/",
        AssignmentCancelApi.as_view(),
        name="api-claim-assignment-cancel",
    ),
    path(
        "claim-assessments/<int:pk>/",
        AssessmentDetailApi.as_view(),
        name="api-claim-assessment-detail",
    ),
    path(
        "claim-assessments/<int:pk>/materials/",
        AssessmentMaterialsApi.as_view(),
        name="api-claim-assessment-materials",
    ),
    path(
        "claim-assessments/<int:pk>/calculate/",
        OneStopCalculateApi.as_view(),
        name="api-claim-assessment-calculate",
    ),
    path(
        "claim-assessments/<int:pk>/sign/",
        OneStopSignApi.as_view(),
        name="api-claim-assessment-sign",
    ),
]
