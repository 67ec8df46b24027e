"""Printed policy pages (UW-13): print an individual policy, prepare and download a group
policy's document with its household annex, and the public verification page."""

import re

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods, require_safe
from django.views.decorators.vary import vary_on_headers

from core.access import check_can_write
from underwriting.models import Policy, PolicyDocument
from underwriting.selectors import (
    policy_by_verification_code,
    policy_document_get,
    policy_documents,
    policy_get,
)
from underwriting.services import printing

_CODE_NOISE = re.compile(r"[\s\-]+")


def pdf_response(pdf: bytes, *, number: str) -> HttpResponse:
    """A policy PDF shown in the browser, saved under the policy number."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{number}.pdf"'
    # It carries personal data: no shared cache may keep it.
    response["Cache-Control"] = "private, no-store"
    return response


def document_response(document: PolicyDocument) -> FileResponse:
    """A ready document as a download named by the policy number (page and API)."""
    response = FileResponse(
        document.file.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"{document.policy.number}.pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _refused(request, policy: Policy, error: ValidationError) -> HttpResponse:
    return render(
        request,
        "underwriting/printing/refused.html",
        {"policy": policy, "errors": error.messages},
        status=400,
    )


@login_required
@require_http_methods(["GET", "POST"])
def policy_pdf(request, pk: int) -> HttpResponse:
    """UW-13: an individual policy prints at once; a group policy's document (with its
    household annex) is prepared in the background: GET shows its documents, POST
    queues a new one and opens its progress page."""
    policy = policy_get(user=request.user, pk=pk)
    try:
        if policy.kind == Policy.Kind.INDIVIDUAL:
            if request.method == "POST":
                return HttpResponseNotAllowed(["GET"])
            pdf = printing.policy_print(clerk=request.user, policy=policy)
            return pdf_response(pdf, number=policy.number)
        if request.method == "POST":
            document = printing.policy_document_request(clerk=request.user, policy=policy)
            return redirect("underwriting:document_detail", pk=document.pk)
        printing.check_can_print(user=request.user, policy=policy)
    except ValidationError as error:
        return _refused(request, policy, error)
    context = {"policy": policy, "documents": policy_documents(policy=policy)}
    return render(request, "underwriting/printing/policy_documents.html", context)


@login_required
@require_safe
def document_detail(request, pk: int) -> HttpResponse:
    document = policy_document_get(user=request.user, pk=pk)
    context = {"document": document, "stalled": printing.document_stalled(document)}
    return render(request, "underwriting/printing/document_detail.html", context)


@login_required
@require_safe
@vary_on_headers("HX-Request")
def document_progress(request, pk: int) -> HttpResponse:
    """The progress partial the detail page polls every second while the worker renders."""
    document = policy_document_get(user=request.user, pk=pk)
    context = {"document": document, "stalled": printing.document_stalled(document)}
    return render(request, "underwriting/printing/_document_progress.html", context)


@login_required
@require_safe
def document_download(request, pk: int) -> FileResponse:
    """UW-13: a ready document; downloading it is printing, so read-only roles may not."""
    document = policy_document_get(user=request.user, pk=pk)
    check_can_write(request.user, document)
    if document.state != PolicyDocument.State.READY:
        raise Http404
    return document_response(document)


# Public verification (no login) ---------------------------------------------------------
# Codes are 12 characters of a 31-character alphabet (31**12 ≈ 8e17 codes), so guessing a
# valid one is infeasible and the page needs no throttle of its own; it shows no personal
# data anyway.


@require_safe
def verify_lookup(request) -> HttpResponse:
    """A form to type the code printed on a policy."""
    code = _CODE_NOISE.sub("", request.GET.get("code", "")).upper()
    if code:
        return redirect("underwriting:verify", code=code)
    return render(request, "underwriting/printing/verify_lookup.html")


@require_safe
def verify(request, code: str) -> HttpResponse:
    """UW-13: the page a printed policy's QR code opens: non-personal facts only."""
    policy = policy_by_verification_code(code=code)
    if policy is None:
        return render(
            request, "underwriting/printing/verify_unknown.html", {"code": code}, status=404
        )
    facts = printing.verification_facts(policy=policy)
    return render(request, "underwriting/printing/verify.html", {"facts": facts})


urlpatterns = [
    path("policies/<int:pk>/print/", policy_pdf, name="policy_pdf"),
    path("documents/<int:pk>/", document_detail, name="document_detail"),
    path("documents/<int:pk>/progress/", document_progress, name="document_progress"),
    path("documents/<int:pk>/download/", document_download, name="document_download"),
    path("verify/", verify_lookup, name="verify_lookup"),
    path("verify/<str:code>/", verify, name="verify"),
]
