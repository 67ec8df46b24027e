"""Pages of the case documents (CLM-8, CLM-9): the case type, uploads, removal, the
completeness gate, the transfer to the claims centre and the special-case flag. Each
is a POST from the case page's documents panel that returns to the case page with the
outcome as a message; the scan download is the only GET.

Views read input and call claims_assist.services.documents, which looks the case up
in the user's scope (404) and checks writes (403 for read-only roles).
"""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from claims_assist.forms_timeline import (
    CaseTypeForm,
    DocumentRemoveForm,
    DocumentUploadForm,
    NoteForm,
    SpecialForm,
)
from claims_assist.models import CaseDocument
from claims_assist.services import documents as services
from claims_assist.views.actions import panel_action, writable_case
from core.access import get_in_scope

ANCHOR = "documents"


@login_required
@require_POST
def case_type_set(request, pk: int):
    writable_case(request, pk)
    form = CaseTypeForm(request.POST)
    return panel_action(
        request,
        pk,
        lambda: services.case_type_set(
            by=request.user, case_pk=pk, case_type=form.cleaned_data["case_type"]
        ),
        form=form,
        success=_("Case type set; the checklist follows it."),
        anchor=ANCHOR,
    )


@login_required
@require_POST
def document_add(request, pk: int):
    """CLM-8: one scan of one kind, multipart."""
    case = writable_case(request, pk)
    form = DocumentUploadForm(request.POST, request.FILES, case=case)
    return panel_action(
        request,
        pk,
        lambda: services.document_add(
            by=request.user,
            case_pk=pk,
            kind=form.cleaned_data["kind"],
            upload=form.cleaned_data["file"],
            note=form.cleaned_data["note"],
        ),
        form=form,
        success=_("Document received."),
        anchor=ANCHOR,
    )


@login_required
@require_POST
def document_remove(request, pk: int):
    document = get_in_scope(CaseDocument, request.user, pk=pk)
    writable_case(request, document.case_id)
    form = DocumentRemoveForm(request.POST)
    return panel_action(
        request,
        document.case_id,
        lambda: services.document_remove(
            by=request.user, document_pk=pk, reason=form.cleaned_data["reason"]
        ),
        form=form,
        success=_("Document removed from the checklist."),
        anchor=ANCHOR,
    )


@login_required
@require_safe
def document_file(request, pk: int) -> FileResponse:
    """The scan as received, to users whose scope holds the case (404 otherwise), as a
    download with the content type found when it was received."""
    return document_response(get_in_scope(CaseDocument, request.user, pk=pk))


def document_response(document: CaseDocument) -> FileResponse:
    """A scan as a download (page and API)."""
    response = FileResponse(
        document.file.open("rb"),
        content_type=document.content_type,
        as_attachment=True,
        filename=document.original_name,
    )
    # Claim documents carry personal and health data: no shared cache may keep them.
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def file_accept(request, pk: int):
    """CLM-8: refused with the list of what is missing when the file is incomplete."""
    writable_case(request, pk)
    return panel_action(
        request,
        pk,
        lambda: services.case_file_accept(by=request.user, case_pk=pk),
        success=_("File accepted as complete; transfer it within 3 working days (CLM-9)."),
        anchor=ANCHOR,
    )


@login_required
@require_POST
def transfer(request, pk: int):
    """CLM-9: the file handed to the city claims centre."""
    writable_case(request, pk)
    form = NoteForm(request.POST)
    return panel_action(
        request,
        pk,
        lambda: services.case_transfer(by=request.user, case_pk=pk, note=form.cleaned_data["note"]),
        form=form,
        success=_("File transferred to the claims centre."),
        anchor=ANCHOR,
    )


@login_required
@require_POST
def mark_special(request, pk: int):
    """CLM-10: special or complex, decided within at most 30 working days."""
    writable_case(request, pk)
    form = SpecialForm(request.POST)
    return panel_action(
        request,
        pk,
        lambda: services.case_mark_special(
            by=request.user, case_pk=pk, reason=form.cleaned_data["reason"]
        ),
        form=form,
        success=_("Case marked special or complex."),
        anchor=ANCHOR,
    )


urlpatterns = [
    path("cases/<int:pk>/case-type/", case_type_set, name="case_type_set"),
    path("cases/<int:pk>/documents/", document_add, name="case_document_add"),
    path("cases/<int:pk>/accept-file/", file_accept, name="case_file_accept"),
    path("cases/<int:pk>/transfer/", transfer, name="case_transfer"),
    path("cases/<int:pk>/special/", mark_special, name="case_mark_special"),
    path("documents/<int:pk>/remove/", document_remove, name="case_document_remove"),
    path("documents/<int:pk>/file/", document_file, name="case_document_file"),
]
