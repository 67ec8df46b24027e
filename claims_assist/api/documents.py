"""Claim document endpoints (CLM-8, CLM-9): a case's checklist and documents (read,
upload a scan), one document (read, download, remove), the case type, the
completeness gate, the transfer to the claims centre and the special-case flag.

One APIView per operation. Reads go through the scoped selectors (404 outside the
caller's branch); writes through claims_assist.services.documents (403 for read-only
roles, and for roles the rule does not name).
"""

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from claims_assist.api.actions import validated
from claims_assist.models import CaseDocument, CaseType, ClaimCase
from claims_assist.selectors_cases import case_get
from claims_assist.services import documents as services
from claims_assist.views.documents import document_response
from core.access import get_in_scope

STAGES_HELP = "Stage: " + ", ".join(ClaimCase.Stage.values) + "."


# --- Serializers ------------------------------------------------------------------------------
class CaseDocumentOutputSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(source="kind.code", help_text="The document kind's code.")
    kind_name = serializers.CharField(source="kind.name")
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = CaseDocument
        fields = [
            "id",
            "case",
            "kind",
            "kind_name",
            "original_name",
            "content_type",
            "size",
            "pages",
            "sha256",
            "note",
            "received_by",
            "received_at",
            "removed_at",
            "removed_reason",
            "file_url",
        ]

    def get_file_url(self, document) -> str:
        return f"/api/v1/claim-documents/{document.pk}/file/"


class ChecklistLineOutputSerializer(serializers.Serializer):
    kind = serializers.CharField(source="kind.code")
    kind_name = serializers.CharField(source="kind.name")
    required = serializers.BooleanField()
    note = serializers.CharField(allow_blank=True)
    received = serializers.BooleanField()
    missing = serializers.BooleanField()
    documents = serializers.SerializerMethodField()

    def get_documents(self, line) -> list[int]:
        return [document.pk for document in line.documents]


class CaseDocumentsOutputSerializer(serializers.Serializer):
    case_type = serializers.CharField(allow_null=True, help_text="The case type's code.")
    complete = serializers.BooleanField(help_text="Every required document received (CLM-8).")
    missing = serializers.ListField(child=serializers.CharField(), help_text="Kind codes.")
    checklist = ChecklistLineOutputSerializer(many=True)
    documents = CaseDocumentOutputSerializer(many=True)


class CaseFileOutputSerializer(serializers.ModelSerializer):
    """Where the case stands after a step of CLM-8..CLM-10."""

    stage = serializers.CharField(help_text=STAGES_HELP)
    decision = serializers.CharField(help_text="pending, pay or refuse.")
    case_type = serializers.CharField(source="case_type.code", allow_null=True, default=None)

    class Meta:
        model = ClaimCase
        fields = [
            "id",
            "number",
            "stage",
            "case_type",
            "file_complete_at",
            "transferred_at",
            "transfer_overdue_at",
            "special",
            "special_reason",
            "decision",
            "decision_reason",
            "decided_at",
            "decided_by",
            "approved_amount",
            "paid_at",
            "paid_amount",
            "refusal_notified_at",
            "closed_at",
        ]


def _documents_body(case: ClaimCase) -> dict:
    checklist = services.checklist_for(case=case)
    missing = [line.kind.code for line in checklist if line.missing]
    return CaseDocumentsOutputSerializer(
        {
            "case_type": case.case_type.code if case.case_type_id else None,
            "complete": case.case_type_id is not None and not missing,
            "missing": missing,
            "checklist": checklist,
            "documents": case.documents.select_related("kind"),
        }
    ).data


def _case_body(case_pk: int, user) -> dict:
    return CaseFileOutputSerializer(case_get(user=user, pk=case_pk)).data


# --- Documents ------------------------------------------------------------------------------
class CaseDocumentsApi(APIView):
    """GET: the case's checklist (CLM-8) and every document received, removed ones
    included. POST (multipart: `kind` code, `file`, optional `note`): a scan, a PDF or
    a JPEG, PNG or WebP image recognised by its content."""

    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        kind = serializers.SlugField(max_length=40, help_text="A document kind's code.")
        file = serializers.FileField()
        note = serializers.CharField(max_length=200, required=False, allow_blank=True)

    @extend_schema(responses=CaseDocumentsOutputSerializer)
    def get(self, request, pk: int):
        return Response(_documents_body(case_get(user=request.user, pk=pk)))

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        responses={201: CaseDocumentOutputSerializer},
    )
    def post(self, request, pk: int):
        case_get(user=request.user, pk=pk)
        data = validated(self.InputSerializer, request)
        document = services.document_add(
            by=request.user,
            case_pk=pk,
            kind=data["kind"],
            upload=data["file"],
            note=data.get("note", ""),
        )
        return Response(CaseDocumentOutputSerializer(document).data, status=status.HTTP_201_CREATED)


class CaseDocumentDetailApi(APIView):
    @extend_schema(responses=CaseDocumentOutputSerializer)
    def get(self, request, pk: int):
        document = get_in_scope(CaseDocument.objects.select_related("kind"), request.user, pk=pk)
        return Response(CaseDocumentOutputSerializer(document).data)


class CaseDocumentFileApi(APIView):
    """The scan as received, as a download with its stored content type."""

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)}
    )
    def get(self, request, pk: int):
        document = get_in_scope(CaseDocument, request.user, pk=pk)
        return document_response(document)


class CaseDocumentRemoveApi(APIView):
    """Take a document off the checklist with the reason (only before the file is
    accepted, CLM-8); the record and the scan stay."""

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=200)

    @extend_schema(request=InputSerializer, responses=CaseDocumentOutputSerializer)
    def post(self, request, pk: int):
        get_in_scope(CaseDocument, request.user, pk=pk)
        data = validated(self.InputSerializer, request)
        document = services.document_remove(by=request.user, document_pk=pk, reason=data["reason"])
        return Response(CaseDocumentOutputSerializer(document).data)


# --- The file -------------------------------------------------------------------------------
class CaseTypeSetApi(APIView):
    """The case type, which decides the checklist (CLM-8); not after acceptance."""

    class InputSerializer(serializers.Serializer):
        case_type = serializers.SlugField(max_length=40, help_text="A case type's code.")

    @extend_schema(request=InputSerializer, responses=CaseDocumentsOutputSerializer)
    def post(self, request, pk: int):
        case_get(user=request.user, pk=pk)
        data = validated(self.InputSerializer, request)
        case_type = CaseType.objects.filter(code=data["case_type"]).first()
        if case_type is None:
            raise serializers.ValidationError({"case_type": [_("Unknown case type.")]})
        case = services.case_type_set(by=request.user, case_pk=pk, case_type=case_type)
        return Response(_documents_body(case))


class CaseFileAcceptApi(APIView):
    """CLM-8: accept the file as complete; refused with the missing documents listed.
    Starts CLM-9 and REG-1-decision."""

    @extend_schema(request=None, responses=CaseFileOutputSerializer)
    def post(self, request, pk: int):
        case_get(user=request.user, pk=pk)
        services.case_file_accept(by=request.user, case_pk=pk)
        return Response(_case_body(pk, request.user))


class CaseTransferApi(APIView):
    """CLM-9: the file handed to the city claims centre; its review clock starts."""

    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(max_length=500, required=False, allow_blank=True)

    @extend_schema(request=InputSerializer, responses=CaseFileOutputSerializer)
    def post(self, request, pk: int):
        case_get(user=request.user, pk=pk)
        data = validated(self.InputSerializer, request)
        services.case_transfer(by=request.user, case_pk=pk, note=data.get("note", ""))
        return Response(_case_body(pk, request.user))


class CaseSpecialApi(APIView):
    """CLM-10: special or complex (at most 30 working days); the city claims centre or
    a county manager, with the reason."""

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=2000)

    @extend_schema(request=InputSerializer, responses=CaseFileOutputSerializer)
    def post(self, request, pk: int):
        case_get(user=request.user, pk=pk)
        data = validated(self.InputSerializer, request)
        services.case_mark_special(by=request.user, case_pk=pk, reason=data["reason"])
        return Response(_case_body(pk, request.user))


urlpatterns = [
    path(
        "claim-cases/<int:pk>/documents/",
        CaseDocumentsApi.as_view(),
        name="api-claim-case-documents",
    ),
    path(
        "claim-cases/<int:pk>/case-type/",
        CaseTypeSetApi.as_view(),
        name="api-claim-case-type",
    ),
    path(
        "claim-cases/<int:pk>/accept-file/",
        CaseFileAcceptApi.as_view(),
        name="api-claim-case-accept-file",
    ),
    path(
        "claim-cases/<int:pk>/transfer/",
        CaseTransferApi.as_view(),
        name="api-claim-case-transfer",
    ),
    path("claim-cases/<int:pk>/special/", CaseSpecialApi.as_view(), name="api-claim-case-special"),
    path(
        "claim-documents/<int:pk>/",
        CaseDocumentDetailApi.as_view(),
        name="api-claim-document-detail",
    ),
    path(
        "claim-documents/<int:pk>/file/",
        CaseDocumentFileApi.as_view(),
        name="api-claim-document-file",
    ),
    path(
        "claim-documents/<int:pk>/remove/",
        CaseDocumentRemoveApi.as_view(),
        name="api-claim-document-remove",
    ),
]
