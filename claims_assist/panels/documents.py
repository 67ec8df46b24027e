"""The case page's documents panel (CLM-8, CLM-9): the checklist with what was
received and what is missing, an upload form per kind, removal before acceptance, the
completeness gate and the transfer to the claims centre."""

from claims_assist.forms_timeline import (
    CaseTypeForm,
    DocumentRemoveForm,
    DocumentUploadForm,
    SpecialForm,
)
from claims_assist.services import documents as documents_service


def panel(*, case, user) -> dict:
    checklist = documents_service.checklist_for(case=case)
    on_checklist = {line.kind.pk for line in checklist}
    documents = list(documents_service.live_documents(case=case))
    may_write = not user.is_read_only
    receiving = case.stage in documents_service.RECEIVING_STAGES
    return {
        "case": case,
        "checklist": checklist,
        "missing": [line.kind for line in checklist if line.missing],
        "other_documents": [doc for doc in documents if doc.kind_id not in on_checklist],
        "removed_documents": list(
            case.documents.filter(removed_at__isnull=False).select_related("kind")
        ),
        "may_write": may_write,
        "may_upload": may_write and receiving and case.case_type_id is not None,
        "may_remove": may_write and case.file_complete_at is None,
        "may_set_type": may_write and case.is_open and case.file_complete_at is None,
        "may_accept": may_write
        and case.file_complete_at is None
        and case.stage in documents_service.GATHERING_STAGES,
        "may_transfer": may_write
        and case.is_open
        and case.file_complete_at is not None
        and case.transferred_at is None,
        "may_mark_special": may_write
        and documents_service.may_review(user)
        and case.is_open
        and not case.special
        and case.decision == case.Decision.PENDING,
        "case_type_form": CaseTypeForm(initial={"case_type": case.case_type_id}),
        "upload_form": DocumentUploadForm(case=case),
        "remove_form": DocumentRemoveForm(),
        "special_form": SpecialForm(),
        "max_bytes": documents_service.max_bytes(),
    }
