"""Printed policy endpoints (UW-13): an individual policy's PDF at once, a group policy's
document (with its household annex) prepared by the worker and fetched when ready.
Scoped like every read (OUT-1): another outlet's policy is a 404."""

from django.http import HttpResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.access import check_can_write
from underwriting.models import PolicyDocument
from underwriting.selectors import policy_document_get, policy_get
from underwriting.services import printing
from underwriting.views.printing import document_response, pdf_response


class PdfRenderer(BaseRenderer):
    """Lets a client send `Accept: application/pdf`. Successful responses carry the PDF
    bytes themselves; an error body (a dict) is still written as JSON."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return JSONRenderer().render(data)


PDF_RESPONSE = OpenApiResponse(OpenApiTypes.BINARY, description="The policy as a PDF (A4).")


class DocumentOutputSerializer(serializers.ModelSerializer):
    policy_number = serializers.CharField(source="policy.number")
    download_url = serializers.SerializerMethodField()
    stalled = serializers.SerializerMethodField()

    class Meta:
        model = PolicyDocument
        fields = [
            "id",
            "policy",
            "policy_number",
            "state",
            "pages",
            "annex_rows",
            "failure",
            "requested_at",
            "finished_at",
            "stalled",
            "download_url",
        ]

    def get_stalled(self, document) -> bool:
        """The worker never finished it; a new POST to the policy's documents replaces it."""
        return printing.document_stalled(document)

    def get_download_url(self, document) -> str | None:
        if document.state != PolicyDocument.State.READY:
            return None
        return reverse("api-policy-document-file", args=[document.pk])


class PolicyPdfApi(APIView):
    """UW-13: print an individual policy (the first print meets its OUT-13 clock)."""

    renderer_classes = [JSONRenderer, PdfRenderer]

    @extend_schema(
        summary="Print an individual policy",
        responses={(200, "application/pdf"): PDF_RESPONSE},
    )
    def get(self, request, pk: int):
        policy = policy_get(user=request.user, pk=pk)
        pdf = printing.policy_print(clerk=request.user, policy=policy)
        return pdf_response(pdf, number=policy.number)


class PolicyDocumentCreateApi(APIView):
    """UW-13: queue the printed policy with its household annex (group policies)."""

    @extend_schema(
        summary="Prepare a printed policy in the background",
        request=None,
        responses={202: DocumentOutputSerializer},
    )
    def post(self, request, pk: int):
        policy = policy_get(user=request.user, pk=pk)
        document = printing.policy_document_request(clerk=request.user, policy=policy)
        return Response(DocumentOutputSerializer(document).data, status=status.HTTP_202_ACCEPTED)


class PolicyDocumentDetailApi(APIView):
    @extend_schema(summary="State of a printed policy document", responses=DocumentOutputSerializer)
    def get(self, request, pk: int):
        document = policy_document_get(user=request.user, pk=pk)
        return Response(DocumentOutputSerializer(document).data)


class PolicyDocumentFileApi(APIView):
    """The ready PDF; fetching it is printing, so read-only roles may not."""

    renderer_classes = [JSONRenderer, PdfRenderer]

    @extend_schema(
        summary="Download a printed policy document",
        responses={(200, "application/pdf"): PDF_RESPONSE},
    )
    def get(self, request, pk: int) -> HttpResponse:
        document = policy_document_get(user=request.user, pk=pk)
        check_can_write(request.user, document)
        if document.state != PolicyDocument.State.READY:
            raise NotFound(_("The document is not ready."))
        return document_response(document)


urlpatterns = [
    path("policies/<int:pk>/pdf/", PolicyPdfApi.as_view(), name="api-policy-pdf"),
    path(
        "policies/<int:pk>/documents/",
        PolicyDocumentCreateApi.as_view(),
        name="api-policy-document-create",
    ),
    path(
        "documents/<int:pk>/", PolicyDocumentDetailApi.as_view(), name="api-policy-document-detail"
    ),
    path(
        "documents/<int:pk>/file/",
        PolicyDocumentFileApi.as_view(),
        name="api-policy-document-file",
    ),
]
