"""Assisted survey (CLM-5): on assignment by the city claims centre (or a county
manager), outlet staff survey on site (never a motor case) or assist the survey:
evidence, photos, claim documents.

Who writes: the assignment and its cancellation by the claims centre of the city above
the case or a county manager above it; the report by the assignee (or such a manager).
Outside the branch a 404, read-only roles and other staff a 403. Writes lock the case
(`case_lock`) and then the assignment row.
"""

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from claims_assist.models import CaseEvent, ClaimCase, SurveyAssignment
from claims_assist.services.cases import case_lock, case_stage_set
from core.access import check_can_write, get_in_scope
from core.audit import save_with_reason
from core.evidence import evidence_photo_add
from core.models import EvidencePhoto, Role, User
from core.notifications import notify_staff
from underwriting.models import Product

# CLM-5: the outlet staff who may be sent to survey or assist.
ASSIGNABLE_ROLES = (Role.CLERK, Role.CLAIMS_ASSIST, Role.OUTLET_HEAD)
# Roles that assign (and cancel) surveys: the city claims centre, a county manager.
ASSIGNING_ROLES = (Role.CLAIMS_CENTRE, Role.COUNTY_MANAGER)
# Stages a first assignment moves on to SURVEY.
BEFORE_SURVEY = (ClaimCase.Stage.REPORTED, ClaimCase.Stage.FORWARDED)


# Photos --------------------------------------------------------------------------------------
@contextmanager
def photos_stored() -> Iterator[list[EvidencePhoto]]:
    """Collect the evidence photos stored inside the block; if the block fails, delete
    their files (files are not transactional, and evidence_photo_add only cleans up
    after its own failure). Open it outside the write's transaction.atomic() so that the
    rows are rolled back first: then a refused photo leaves nothing behind."""
    stored: list[EvidencePhoto] = []
    try:
        yield stored
    except BaseException:
        for photo in stored:
            for file in (photo.original, photo.display, photo.thumbnail):
                if file.name:
                    file.storage.delete(file.name)
        raise


def photos_add(
    *,
    stored: list[EvidencePhoto],
    subject,
    case: ClaimCase,
    photos: Sequence[UploadedFile],
    by: User,
    caption: str = "",
) -> None:
    """Each photo checked by core.evidence (a real image within the size and pixel
    limits; EXIF time and GPS kept) and filed under the case's outlet."""
    for upload in photos:
        stored.append(
            evidence_photo_add(
                subject=subject,
                org_unit=case.org_unit,
                upload=upload,
                uploaded_by=by,
                caption=caption,
            )
        )


# Who ------------------------------------------------------------------------------------------
def may_assign(user: User) -> bool:
    """The city claims centre or a county manager (CLM-5), never a read-only role."""
    return (
        user.is_active
        and not user.is_read_only
        and (user.is_superuser or user.role in ASSIGNING_ROLES)
    )


def check_assigner(user: User, case: ClaimCase) -> None:
    """404 outside the user's branch, 403 for read-only roles and staff who do not assign."""
    check_can_write(user, case)
    if not may_assign(user):
        raise PermissionDenied(
            _("Only the city claims centre or a county manager assigns surveys (CLM-5).")
        )


def _assignment_locked(*, by: User, pk: int) -> tuple[ClaimCase, SurveyAssignment]:
    """The assignment's case locked (`case_lock`), then the assignment row."""
    assignment = get_in_scope(SurveyAssignment.objects.all(), by, pk=pk)
    case = case_lock(user=by, pk=assignment.case_id)
    assignment = SurveyAssignment.objects.select_for_update().get(pk=assignment.pk)
    return case, assignment


# Assign ---------------------------------------------------------------------------------------
def check_assignment_create(*, by: User, case: ClaimCase, kind: str, assignee: User | None) -> None:
    """CLM-5: raise a ValidationError listing every problem of the assignment by field
    (after the 404/403 of the assigner)."""
    check_assigner(by, case)
    errors: dict[str, list[str]] = {}
    if not case.is_open:
        errors.setdefault("__all__", []).append(
            _("The case is %(stage)s: nothing more is surveyed.")
            % {"stage": case.get_stage_display()}
        )
    if kind not in SurveyAssignment.Kind.values:
        errors.setdefault("kind", []).append(_("Choose an on-site survey or assistance."))
    elif kind == SurveyAssignment.Kind.SURVEY and case.product.line == Product.Line.MOTOR:
        errors.setdefault("kind", []).append(
            _(
                "Outlet staff do not survey motor cases on site (CLM-5): assign them to "
                "assist the survey instead."
            )
        )
    if (
        assignee is None
        or not assignee.is_active
        or assignee.role not in ASSIGNABLE_ROLES
        or assignee.org_unit_id != case.org_unit_id
    ):
        errors.setdefault("assignee", []).append(
            _(
                "Assign an active clerk, claims-assist staff member or head of the case's "
                "outlet (CLM-5)."
            )
        )
    if errors:
        raise ValidationError(errors, code="invalid_assignment")


def assignment_create(
    *,
    by: User,
    case_pk: int,
    kind: str,
    assignee: User | None,
    instructions: str = "",
    at: dt.datetime | None = None,
) -> SurveyAssignment:
    """CLM-5: assign `assignee` to survey the case on site or to assist the survey. A
    case not yet surveyed moves to SURVEY; the assignee is told in the inbox. Locks
    the case."""
    at = at or timezone.now()
    with transaction.atomic():
        case = case_lock(user=by, pk=case_pk)
        check_assignment_create(by=by, case=case, kind=kind, assignee=assignee)
        assignment = SurveyAssignment(
            case=case,
            kind=kind,
            assignee=assignee,
            assigned_by=by,
            assigned_at=at,
            instructions=(instructions or "").strip(),
        )
        save_with_reason(assignment, by=by)
        note = _("%(kind)s assigned to %(assignee)s (CLM-5).") % {
            "kind": assignment.get_kind_display(),
            "assignee": assignee,
        }
        if case.stage in BEFORE_SURVEY:
            case_stage_set(case=case, stage=ClaimCase.Stage.SURVEY, by=by, at=at, note=note)
        else:
            CaseEvent.objects.create(case=case, stage=case.stage, at=at, by=by, note=note)
        notify_staff(
            recipients=[assignee],
            org_unit=case.org_unit,
            subject=_("Survey assignment: case %(number)s") % {"number": case.number},
            body=_(
                "%(assigner)s assigned you to %(kind)s for case %(number)s (%(insured)s, "
                "%(place)s). Report your findings and photos on the assignment page (CLM-5)."
            )
            % {
                "assigner": by,
                "kind": assignment.get_kind_display(),
                "number": case.number,
                "insured": case.insured_name,
                "place": case.incident_place,
            },
            dedup_key=f"claim-case:{case.pk}:assignment:{assignment.pk}",
            link=reverse("claims_assist:assignment_detail", args=[assignment.pk]),
        )
    return assignment


# Report ---------------------------------------------------------------------------------------
def check_assignment_report(
    *,
    by: User,
    case: ClaimCase,
    assignment: SurveyAssignment,
    findings: str,
    surveyed_at: dt.datetime | None,
    at: dt.datetime,
) -> None:
    """CLM-5: only the assignee (or a manager above the case) reports, once, while the
    assignment is open; the findings and the survey time are required."""
    if by.pk != assignment.assignee_id and not by.is_manager:
        raise PermissionDenied(_("Only the assigned staff member reports on the survey (CLM-5)."))
    errors: dict[str, list[str]] = {}
    if assignment.state != SurveyAssignment.State.OPEN:
        errors["__all__"] = [
            _("This assignment is %(state)s: it takes no more reports.")
            % {"state": assignment.get_state_display()}
        ]
    if not (findings or "").strip():
        errors["findings"] = [_("Write down what the survey found.")]
    if surveyed_at is None:
        errors["surveyed_at"] = [_("Give the time of the survey.")]
    elif surveyed_at > at:
        errors["surveyed_at"] = [_("The survey time cannot be in the future.")]
    elif surveyed_at < case.incident_at:
        errors["surveyed_at"] = [_("The survey cannot come before the incident.")]
    if errors:
        raise ValidationError(errors, code="invalid_survey_report")


def assignment_report(
    *,
    by: User,
    assignment_pk: int,
    findings: str,
    surveyed_at: dt.datetime | None,
    photos: Sequence[UploadedFile] = (),
    documents_note: str = "",
    at: dt.datetime | None = None,
) -> SurveyAssignment:
    """CLM-5: the survey's findings, time and photos; the assignment is done. The
    claim documents collected are noted on the case's timeline.

    All or nothing: a refused photo (not an image, damaged, too large) leaves neither
    the report nor any photo or stored file. Call it outside any other transaction.
    Locks the case, then the assignment."""
    at = at or timezone.now()
    with photos_stored() as stored, transaction.atomic():
        case, assignment = _assignment_locked(by=by, pk=assignment_pk)
        check_assignment_report(
            by=by,
            case=case,
            assignment=assignment,
            findings=findings,
            surveyed_at=surveyed_at,
            at=at,
        )
        assignment.findings = findings.strip()
        assignment.surveyed_at = surveyed_at
        assignment.state = SurveyAssignment.State.DONE
        assignment.done_at = at
        save_with_reason(assignment, by=by)
        photos_add(
            stored=stored,
            subject=assignment,
            case=case,
            photos=photos,
            by=by,
            caption=assignment.get_kind_display(),
        )
        note = _("%(kind)s done by %(by)s, %(photos)s photos (CLM-5).") % {
            "kind": assignment.get_kind_display(),
            "by": by,
            "photos": len(stored),
        }
        documents_note = (documents_note or "").strip()
        if documents_note:
            note += " " + _("Claim documents collected: %(documents)s") % {
                "documents": documents_note
            }
        CaseEvent.objects.create(case=case, stage=case.stage, at=at, by=by, note=note)
    return assignment


# Cancel ---------------------------------------------------------------------------------------
def assignment_cancel(
    *, by: User, assignment_pk: int, reason: str, at: dt.datetime | None = None
) -> SurveyAssignment:
    """CLM-5: withdraw an open assignment, with the reason (kept in its history and on
    the case's timeline); the assignee is told. Locks the case, then the assignment."""
    at = at or timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        case, assignment = _assignment_locked(by=by, pk=assignment_pk)
        check_assigner(by, case)
        if not reason:
            raise ValidationError(
                {"reason": [_("Say why the assignment is cancelled.")]}, code="reason_required"
            )
        if assignment.state != SurveyAssignment.State.OPEN:
            raise ValidationError(
                _("This assignment is %(state)s: only an open one is cancelled.")
                % {"state": assignment.get_state_display()},
                code="assignment_not_open",
            )
        assignment.state = SurveyAssignment.State.CANCELLED
        save_with_reason(assignment, by=by, reason=reason)
        CaseEvent.objects.create(
            case=case,
            stage=case.stage,
            at=at,
            by=by,
            note=_("%(kind)s of %(assignee)s cancelled: %(reason)s")
            % {
                "kind": assignment.get_kind_display(),
                "assignee": assignment.assignee,
                "reason": reason,
            },
        )
        notify_staff(
            recipients=[assignment.assignee],
            org_unit=case.org_unit,
            subject=_("Survey assignment cancelled: case %(number)s") % {"number": case.number},
            body=_("%(by)s cancelled your assignment: %(reason)s") % {"by": by, "reason": reason},
            dedup_key=f"claim-case:{case.pk}:assignment:{assignment.pk}:cancelled",
            link=reverse("claims_assist:assignment_detail", args=[assignment.pk]),
        )
    return assignment
