"""Printed notice endpoints (PUB-2, PUB-7): a notice's PDF is prepared by the worker and
fetched when ready. Scoped like every read (OUT-1): another outlet's notice is a 404;
read-only roles neither print nor download."""

from django.http import HttpResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.access import check_can_write
from core.api.serializers import UserRefSerializer
from publicity.models import NoticeDocument
from publicity.selectors import notice_document_get, notice_documents, notice_get
from publicity.services import printing
from publicity.views.printing import document_response
from underwriting.api.printing import PdfRenderer

PDF_RESPONSE = OpenApiResponse(OpenApiTypes.BINARY, description="The printed notice (A4 PDF).")


class NoticeDocumentOutputSerializer(serializers.ModelSerializer):
    requested_by = UserRefSerializer()
    line_count = serializers.IntegerField(source="notice.line_count")
    stalled = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = NoticeDocument
        fields = [
            "id",
            "notice",
            "revision",
            "state",
            "pages",
            "lines_done",
            "line_count",
            "failure",
            "requested_by",
            "requested_at",
            "finished_at",
            "stalled",
            "download_url",
        ]

    def get_stalled(self, document) -> bool:
        """The worker never finished it; a new request for the notice replaces it."""
        return printing.document_stalled(document)

    def get_download_url(self, document) -> str | None:
        if document.state != NoticeDocument.State.READY:
            return None
        return reverse("api-notice-document-file", args=[document.pk])


class NoticeDocumentListApi(APIView):
    @extend_schema(
        summary="Printed documents of a notice",
        responses=NoticeDocumentOutputSerializer(many=True),
    )
    def get(self, request, pk: int):
        notice = notice_get(user=request.user, pk=pk)
        documents = notice_documents(notice=notice).select_related("notice", "requested_by")
        return Response(NoticeDocumentOutputSerializer(documents, many=True).data)


class NoticeDocumentCreateApi(APIView):
    """PUB-2: queue the printed notice of the notice's current revision."""

    @extend_schema(
        summary="Prepare a printed notice in the background",
        request=None,
        responses={202: NoticeDocumentOutputSerializer},
    )
    def post(self, request, pk: int):
        notice = notice_get(user=request.user, pk=pk)
        document = printing.notice_document_request(clerk=request.user, notice=notice)
        return Response(
            NoticeDocumentOutputSerializer(document).data, status=status.HTTP_202_ACCEPTED
        )


class NoticeDocumentDetailApi(APIView):
    @extend_schema(
        summary="State of a printed notice document", responses=NoticeDocumentOutputSerializer
    )
    def get(self, request, pk: int):
        document = notice_document_get(user=request.user, pk=pk)
        return Response(NoticeDocumentOutputSerializer(document).data)


class NoticeDocumentFileApi(APIView):
    """The ready PDF; fetching it is printing, so read-only roles may not."""

    renderer_classes = [JSONRenderer, PdfRenderer]

    @extend_schema(
        summary="Download a printed notice",
        responses={(200, "application/pdf"): PDF_RESPONSE},
    )
    def get(self, request, pk: int) -> HttpResponse:
        document = notice_document_get(user=request.user, pk=pk)
        check_can_write(request.user, document)
        if document.state != NoticeDocument.State.READY:
            raise NotFound(_("The document is not ready."))
        return document_response(document)


urlpatterns = [
    path(
        "notices/<int:pk>/documents/",
        NoticeDocumentListApi.as_view(),
        name="api-notice-document-list",
    ),
    path(
        "notices/<int:pk>/documents/create/",
        NoticeDocumentCreateApi.as_view(),
        name="api-notice-document-create",
    ),
    path(
        "notice-documents/<int:pk>/",
        NoticeDocumentDetailApi.as_view(),
        name="api-notice-document-detail",
    ),
    path(
        "notice-documents/<int:pk>/file/",
        NoticeDocumentFileApi.as_view(),
        name="api-notice-document-file",
    ),
]
