"""Printed notice pages (PUB-2, PUB-7): the print page of a notice with its printed
documents, the progress of one being rendered by the worker, and its download."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods, require_safe
from django.views.decorators.vary import vary_on_headers

from core.access import check_can_write
from publicity.models import Notice, NoticeDocument
from publicity.selectors import notice_document_get, notice_documents, notice_get
from publicity.services import printing


def document_response(document: NoticeDocument) -> FileResponse:
    """A ready document as a download named by the notice's title (page and API)."""
    response = FileResponse(
        document.file.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=printing.document_filename(document),
    )
    # Until the notice is posted it is not public: no shared cache may keep it.
    response["Cache-Control"] = "private, no-store"
    return response


def _refused(request, notice: Notice, error: ValidationError) -> HttpResponse:
    return render(
        request,
        "publicity/printing/refused.html",
        {"notice": notice, "errors": error.messages},
        status=400,
    )


@login_required
@require_http_methods(["GET", "POST"])
def notice_print(request, pk: int) -> HttpResponse:
    """PUB-2: GET shows the notice's printed documents; POST queues a new one of the
    current revision and opens its progress page."""
    notice = notice_get(user=request.user, pk=pk)
    try:
        if request.method == "POST":
            document = printing.notice_document_request(clerk=request.user, notice=notice)
            return redirect("publicity:document_detail", pk=document.pk)
        printing.check_can_print(user=request.user, notice=notice)
    except ValidationError as error:
        return _refused(request, notice, error)
    context = {"notice": notice, "documents": notice_documents(notice=notice)}
    return render(request, "publicity/printing/notice_documents.html", context)


def _progress_context(document: NoticeDocument) -> dict:
    return {
        "document": document,
        "notice": document.notice,
        "stalled": printing.document_stalled(document),
        "outdated": document.revision != document.notice.revision,
    }


@login_required
@require_safe
def document_detail(request, pk: int) -> HttpResponse:
    document = notice_document_get(user=request.user, pk=pk)
    return render(request, "publicity/printing/document_detail.html", _progress_context(document))


@login_required
@require_safe
@vary_on_headers("HX-Request")
def document_progress(request, pk: int) -> HttpResponse:
    """The progress partial the detail page polls every second while the worker renders."""
    document = notice_document_get(user=request.user, pk=pk)
    return render(
        request, "publicity/printing/_document_progress.html", _progress_context(document)
    )


@login_required
@require_safe
def document_download(request, pk: int) -> FileResponse:
    """A ready document; downloading it is printing, so read-only roles may not."""
    document = notice_document_get(user=request.user, pk=pk)
    check_can_write(request.user, document)
    if document.state != NoticeDocument.State.READY:
        raise Http404
    return document_response(document)


urlpatterns = [
    path("notices/<int:pk>/print/", notice_print, name="notice_print"),
    path("documents/<int:pk>/", document_detail, name="document_detail"),
    path("documents/<int:pk>/progress/", document_progress, name="document_progress"),
    path("documents/<int:pk>/download/", document_download, name="document_download"),
]
