"""CLM-8 claim documents and the completeness gate, CLM-9 transfer to the claims centre.

- The checklist of a case comes from its case type's DocumentRequirement rows (data,
  editable in the admin): required lines gate completeness, the others are optional.
- A scan is a PDF or an image, recognised by its content, never by its name: a PDF
  must open with pypdf (not encrypted, at least one page; its page count is kept), an
  image must pass core.photos.photo_inspect (fakes, damaged files and decompression
  bombs refused). The content type stored is the one found in the content. At most
  settings.CLAIM_DOCUMENT_MAX_BYTES (images also within PHOTO_MAX_BYTES).
- Documents of the kinds on the case type's checklist are accepted, and a power of
  attorney on every case (CLM-11: a relative may act for the insured); anything else
  is refused, so that what is filed is what the claims centre expects.
- Once the file is accepted nothing is removed from it (removal is soft before that:
  the row and the scan stay, with who removed it and why); supplementary documents
  may still be added until the case is decided.
- Accepting the file starts CLM-9 (transfer within 3 working days of receipt) and
  REG-1-decision (Insurance Law art. 23: decided within 30 days of the claim).

Every write locks the case row first (`case_lock`).
"""

import datetime as dt
import hashlib
import io
import os
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from claims_assist.models import CaseDocument, CaseEvent, CaseType, ClaimCase, DocumentKind
from claims_assist.services.cases import (
    case_lock,
    case_stage_set,
    case_timer,
    case_timer_meet,
    case_timer_start,
)
from core.access import get_in_scope
from core.audit import save_with_reason
from core.models import Role, User
from core.photos import PhotoRejected, photo_inspect
from core.timers import timer_cancel

# Default size limit of one scan (CLM-8) when settings do not name one.
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# Kinds accepted on every case besides its checklist (CLM-11: acting for the insured).
ALWAYS_ALLOWED_KINDS = ("power_of_attorney",)
TRANSFER_RULE = "CLM-9"
REVIEW_RULE = "CLM-10-review"
SPECIAL_RULE = "CLM-10-special"
DECISION_BOUND = "REG-1-decision"
# Stages in which documents are still gathered at the outlet.
GATHERING_STAGES = (
    ClaimCase.Stage.REPORTED,
    ClaimCase.Stage.FORWARDED,
    ClaimCase.Stage.SURVEY,
    ClaimCase.Stage.ASSESSED,
)
# Stages in which supplementary documents may still be added (until the decision).
RECEIVING_STAGES = (*GATHERING_STAGES, ClaimCase.Stage.FILE_COMPLETE, ClaimCase.Stage.TRANSFERRED)
_IMAGE_TYPES = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
_NAME_MAX = CaseDocument._meta.get_field("original_name").max_length
_NOTE_MAX = CaseDocument._meta.get_field("note").max_length
_REASON_MAX = CaseDocument._meta.get_field("removed_reason").max_length


def field_error(field: str, message: str, code: str) -> ValidationError:
    """An error on one field that keeps its code (Django drops the code given with a
    dict of errors)."""
    return ValidationError({field: ValidationError(message, code=code)})


def max_bytes() -> int:
    return getattr(settings, "CLAIM_DOCUMENT_MAX_BYTES", DEFAULT_MAX_BYTES)


# Checklist ---------------------------------------------------------------------------------
@dataclass
class ChecklistLine:
    """One line of a case's checklist (CLM-8) and what was received for it."""

    kind: DocumentKind
    required: bool
    note: str
    documents: list[CaseDocument]

    @property
    def received(self) -> bool:
        return bool(self.documents)

    @property
    def missing(self) -> bool:
        return self.required and not self.documents


def live_documents(*, case: ClaimCase):
    """The case's documents not removed, in checklist order."""
    return case.documents.filter(removed_at__isnull=True).select_related("kind", "received_by")


def checklist_for(*, case: ClaimCase) -> list[ChecklistLine]:
    """The case type's checklist with the documents received for each line; empty
    while the case has no type (CLM-8)."""
    if case.case_type_id is None:
        return []
    by_kind: dict[int, list[CaseDocument]] = {}
    for document in live_documents(case=case):
        by_kind.setdefault(document.kind_id, []).append(document)
    return [
        ChecklistLine(
            kind=requirement.kind,
            required=requirement.required,
            note=requirement.note,
            documents=by_kind.get(requirement.kind_id, []),
        )
        for requirement in case.case_type.requirements.select_related("kind")
    ]


def missing_documents(*, case: ClaimCase) -> list[DocumentKind]:
    """The required kinds of the checklist with no document received (CLM-8)."""
    return [line.kind for line in checklist_for(case=case) if line.missing]


def allowed_kinds(*, case: ClaimCase):
    """The kinds a document of the case may be filed as: its checklist's and the
    power of attorney."""
    if case.case_type_id is None:
        return DocumentKind.objects.none()
    return DocumentKind.objects.filter(
        Q(case_types=case.case_type) | Q(code__in=ALWAYS_ALLOWED_KINDS)
    ).distinct()


# Case type ---------------------------------------------------------------------------------
def case_type_set(*, by: User, case_pk: int, case_type: CaseType) -> ClaimCase:
    """Set the case's type, which decides its checklist (CLM-8). Locks the case. Not
    after the file was accepted: the gate was passed on the old checklist."""
    with transaction.atomic():
        case = case_lock(user=by, pk=case_pk)
        if not case.is_open or case.file_complete_at is not None:
            raise ValidationError(
                _("The case type cannot change once the file is accepted as complete (CLM-8)."),
                code="file_accepted",
            )
        if not case_type.is_active:
            raise field_error(
                "case_type", _("This case type is no longer in use; choose another."), "inactive"
            )
        if case.case_type_id != case_type.pk:
            case.case_type = case_type
            case.save(update_fields=["case_type"])
        return case


# Scans ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class InspectedDocument:
    content_type: str
    extension: str
    pages: int
    sha256: str


def _too_large(filename: str, size: int) -> ValidationError:
    return ValidationError(
        _("“%(name)s” is too large (%(size)s; at most %(max)s). Scan it at a lower resolution."),
        code="too_large",
        params={
            "name": filename,
            "size": filesizeformat(size),
            "max": filesizeformat(max_bytes()),
        },
    )


def _inspect_pdf(*, data: bytes, filename: str) -> int:
    """The page count of a sound, unencrypted PDF (CLM-8)."""
    try:
        reader = PdfReader(io.BytesIO(data))
        encrypted = reader.is_encrypted
        pages = 0 if encrypted else len(reader.pages)
    except (PyPdfError, ValueError, TypeError, KeyError, IndexError, AttributeError, OSError):
        encrypted, pages = False, 0
    if encrypted:
        raise ValidationError(
            _("“%(name)s” is password-protected; upload a copy without a password."),
            code="encrypted",
            params={"name": filename},
        )
    if pages < 1:
        raise ValidationError(
            _("“%(name)s” is a damaged PDF; scan the document again."),
            code="damaged",
            params={"name": filename},
        )
    return pages


def document_inspect(*, data: bytes, filename: str) -> InspectedDocument:
    """What the scan really is (CLM-8): a PDF or an image, by content; refused
    otherwise with a message that says what to upload."""
    if len(data) > max_bytes():
        raise _too_large(filename, len(data))
    if not data:
        raise ValidationError(_("“%(name)s” is empty."), code="empty", params={"name": filename})
    sha256 = hashlib.sha256(data).hexdigest()
    if data.startswith(b"%PDF-"):
        pages = _inspect_pdf(data=data, filename=filename)
        return InspectedDocument("application/pdf", "pdf", pages, sha256)
    try:
        photo = photo_inspect(data=data, filename=filename)
    except PhotoRejected as exc:
        if exc.code != "not_an_image":
            raise
        raise ValidationError(
            _("“%(name)s” is neither a PDF nor a JPEG, PNG or WebP image; upload a scan."),
            code="not_a_document",
            params={"name": filename},
        ) from None
    content_type, extension = _IMAGE_TYPES[photo.image_format]
    return InspectedDocument(content_type, extension, 1, sha256)


def _read(upload: UploadedFile, filename: str) -> bytes:
    # Refuse an oversized upload from its declared size, before reading it into memory.
    if (upload.size or 0) > max_bytes():
        raise _too_large(filename, upload.size)
    upload.seek(0)
    return upload.read(max_bytes() + 1)


def _kind(kind: DocumentKind | str) -> DocumentKind:
    if isinstance(kind, DocumentKind):
        return kind
    found = DocumentKind.objects.filter(code=kind).first()
    if found is None:
        raise field_error("kind", _("Unknown kind of document."), "unknown_kind")
    return found


def check_document_add(*, case: ClaimCase, kind: DocumentKind, note: str) -> None:
    """CLM-8: the case is gathering documents, has a type, and the kind is on its
    checklist (or is a power of attorney)."""
    if case.stage not in RECEIVING_STAGES:
        raise ValidationError(
            _("Documents are no longer received for this case: it is %(stage)s.")
            % {"stage": case.get_stage_display()},
            code="not_receiving",
        )
    if case.case_type_id is None:
        raise ValidationError(
            _("Choose the case type first: it decides which documents are needed (CLM-8)."),
            code="no_case_type",
        )
    if not allowed_kinds(case=case).filter(pk=kind.pk).exists():
        raise field_error(
            "kind",
            _(
                "“%(kind)s” is not on the checklist of %(type)s; choose a kind from the "
                "checklist (CLM-8)."
            )
            % {"kind": kind.name, "type": case.case_type.name},
            "not_on_checklist",
        )
    if len(note) > _NOTE_MAX:
        raise field_error(
            "note",
            _("The note is too long (at most %(max)s characters).") % {"max": _NOTE_MAX},
            "note_too_long",
        )


def document_add(
    *,
    by: User,
    case_pk: int,
    kind: DocumentKind | str,
    upload: UploadedFile,
    note: str = "",
    at: dt.datetime | None = None,
) -> CaseDocument:
    """Receive a scanned document for the case (CLM-8). Locks the case. The scan is
    checked before anything is written; a refused one leaves no row and no file."""
    at = at or timezone.now()
    note = (note or "").strip()
    filename = os.path.basename(upload.name or "")[-_NAME_MAX:] or "scan"
    kind = _kind(kind)
    with transaction.atomic():
        case = case_lock(user=by, pk=case_pk)
        check_document_add(case=case, kind=kind, note=note)
        data = _read(upload, filename)
        inspected = document_inspect(data=data, filename=filename)
        if live_documents(case=case).filter(kind=kind, sha256=inspected.sha256).exists():
            raise ValidationError(
                _("“%(name)s” was already received as %(kind)s.")
                % {"name": filename, "kind": kind.name},
                code="duplicate",
            )
        document = CaseDocument(
            case=case,
            kind=kind,
            original_name=filename,
            content_type=inspected.content_type,
            size=len(data),
            pages=inspected.pages,
            sha256=inspected.sha256,
            note=note,
            received_by=by,
            received_at=at,
        )
        stored_name = f"{kind.code}-{inspected.sha256[:12]}.{inspected.extension}"
        try:
            with transaction.atomic():
                document.file.save(stored_name, ContentFile(data), save=False)
                document.save()
        except Exception:
            # Files are not transactional: do not leave an orphan behind a failed insert.
            if document.file.name:
                document.file.storage.delete(document.file.name)
            raise
        return document


def document_remove(*, by: User, document_pk: int, reason: str) -> CaseDocument:
    """Take a document off the checklist (wrong scan, wrong kind) with the reason; the
    row and the scan stay. Locks the case. Only before the file is accepted (CLM-8)."""
    reason = (reason or "").strip()
    document = get_in_scope(CaseDocument, by, pk=document_pk)
    with transaction.atomic():
        case = case_lock(user=by, pk=document.case_id)
        document = CaseDocument.objects.select_for_update().get(pk=document.pk)
        if not reason:
            raise field_error("reason", _("Say why the document is removed."), "reason_required")
        if len(reason) > _REASON_MAX:
            raise field_error(
                "reason",
                _("The reason is too long (at most %(max)s characters).") % {"max": _REASON_MAX},
                "reason_too_long",
            )
        if document.removed_at is not None:
            raise ValidationError(_("The document was removed already."), code="removed")
        if case.file_complete_at is not None:
            raise ValidationError(
                _(
                    "The file was accepted as complete: its documents are kept. Add a "
                    "corrected document instead (CLM-8)."
                ),
                code="file_accepted",
            )
        document.removed_at = timezone.now()
        document.removed_reason = reason
        return save_with_reason(document, by=by, reason=reason)


# Completeness gate -------------------------------------------------------------------------
def check_file_accept(*, case: ClaimCase) -> None:
    """CLM-8: an incomplete file is not accepted; the error lists what is missing."""
    if case.file_complete_at is not None:
        raise ValidationError(_("The file was accepted already."), code="accepted")
    if case.stage not in GATHERING_STAGES:
        raise ValidationError(
            _("The file cannot be accepted: the case is %(stage)s.")
            % {"stage": case.get_stage_display()},
            code="stage",
        )
    if case.case_type_id is None:
        raise ValidationError(
            _("Choose the case type first: it decides which documents are needed (CLM-8)."),
            code="no_case_type",
        )
    missing = missing_documents(case=case)
    if missing:
        raise ValidationError(
            _("An incomplete file is not accepted (CLM-8). Missing: %(missing)s.")
            % {"missing": "、".join(kind.name for kind in missing)},
            code="incomplete",
        )


def case_file_accept(*, by: User, case_pk: int, at: dt.datetime | None = None) -> ClaimCase:
    """Accept the case's file as complete (CLM-8). Locks the case. Starts CLM-9 (to the
    claims centre within 3 working days of receipt) and REG-1-decision (decided within
    30 days of the claim, Insurance Law art. 23)."""
    at = at or timezone.now()
    with transaction.atomic():
        case = case_lock(user=by, pk=case_pk)
        check_file_accept(case=case)
        case.file_complete_at = at
        case.save(update_fields=["file_complete_at"])
        case_stage_set(case=case, stage=ClaimCase.Stage.FILE_COMPLETE, by=by, at=at)
        case_timer_start(case=case, rule_code=TRANSFER_RULE, by=by, at=at)
        case_timer_start(case=case, rule_code=DECISION_BOUND, by=by, at=at)
        return case


# CLM-9, CLM-10 special ---------------------------------------------------------------------
def may_review(user: User) -> bool:
    """The city claims centre and county managers review and decide (CLM-10)."""
    return user.is_superuser or user.role in (Role.CLAIMS_CENTRE, Role.COUNTY_MANAGER)


def case_transfer(
    *, by: User, case_pk: int, at: dt.datetime | None = None, note: str = ""
) -> ClaimCase:
    """Record that the file was handed to the city claims centre (CLM-9). Locks the
    case. A complete file moves to TRANSFERRED and its review clock starts: CLM-10
    review, 3 working days, or CLM-10-special, 30, for a special case (the special
    allowance replaces the 3 days). A case already settled one-stop keeps its stage;
    only the hand-over is recorded."""
    at = at or timezone.now()
    with transaction.atomic():
        case = case_lock(user=by, pk=case_pk)
        if case.file_complete_at is None:
            raise ValidationError(
                _("Accept the file as complete before transferring it (CLM-8)."),
                code="incomplete",
            )
        if case.transferred_at is not None:
            raise ValidationError(_("The file was transferred already."), code="transferred")
        if not case.is_open:
            raise ValidationError(
                _("The case is %(stage)s.") % {"stage": case.get_stage_display()},
                code="closed",
            )
        case.transferred_at = at
        case.save(update_fields=["transferred_at"])
        case_timer_meet(case=case, rule_code=TRANSFER_RULE, by=by)
        if case.stage == ClaimCase.Stage.FILE_COMPLETE:
            case_stage_set(case=case, stage=ClaimCase.Stage.TRANSFERRED, by=by, at=at, note=note)
            rule = SPECIAL_RULE if case.special else REVIEW_RULE
            case_timer_start(case=case, rule_code=rule, by=by, at=at)
        else:
            CaseEvent.objects.create(
                case=case,
                stage=case.stage,
                at=at,
                by=by,
                note=note or _("Documents transferred to the claims centre (CLM-9)."),
            )
        return case


def case_mark_special(*, by: User, case_pk: int, reason: str) -> ClaimCase:
    """Mark the case special or complex (CLM-10: decided within at most 30 working
    days): the city claims centre or a county manager, with the reason. Locks the
    case. Once with the claims centre, its 3-day review clock gives way to the 30-day
    one."""
    reason = (reason or "").strip()
    with transaction.atomic():
        case = case_lock(user=by, pk=case_pk)
        if not may_review(by):
            raise PermissionDenied(
                _("Only the city claims centre or a county manager marks a case special (CLM-10).")
            )
        if not reason:
            raise field_error(
                "reason", _("Say why the case is special or complex."), "reason_required"
            )
        if case.special:
            raise ValidationError(_("The case is marked special already."), code="special")
        if not case.is_open or case.decision != ClaimCase.Decision.PENDING:
            raise ValidationError(
                _("The case was decided already; it cannot become special."), code="decided"
            )
        case.special = True
        case.special_reason = reason
        case.save(update_fields=["special", "special_reason"])
        if case.stage == ClaimCase.Stage.TRANSFERRED:
            review = case_timer(case=case, rule_code=REVIEW_RULE)
            if review is not None:
                timer_cancel(timer=review, by=by, detail=_("Special case (CLM-10-special)."))
            case_timer_start(case=case, rule_code=SPECIAL_RULE, by=by)
        CaseEvent.objects.create(
            case=case,
            stage=case.stage,
            at=timezone.now(),
            by=by,
            note=_("Marked special or complex: %(reason)s") % {"reason": reason},
        )
        return case
