"""Inspections of an outlet against the standards (OUT-3..OUT-9) and the findings they
raise (OUT-16).

An inspector (a manager above the outlet) opens an inspection, records each standard of
the catalogue (`outlets.standards`) as met, not met or not applicable with a note and
evidence photos (OUT-3 site standards need at least one), then completes it: every
unmet standard becomes a finding with a corrective action, an owner and a due date,
watched by an OUT-16 timer; every open finding whose standard is now met is closed by
this re-inspection.

Findings also come from a manager (`finding_record`) and from the system checks of the
other outlet areas (`finding_raise`, e.g. understaffing OUT-10, a holiday without duty
OUT-11).
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.access import check_can_write
from core.audit import save_with_reason
from core.evidence import evidence_photo_add
from core.models import EvidencePhoto, OrgUnit, User
from core.notifications import notify_staff
from core.photos import photo_check_size
from core.selectors import evidence_for
from core.timers import timer_cancel, timer_meet, timer_start
from outlets.models import Finding, Inspection, InspectionResult
from outlets.selectors import finding_owner_choices, inspection_results
from outlets.services.registry import day_end
from outlets.standards import REQUIRED_STANDARDS, STANDARD_BY_CODE, standard_label

FINDING_RULE = "OUT-16"
MAX_PHOTOS = 10
# The due date offered for a corrective action when the inspector does not pick one.
DEFAULT_DUE_DAYS = 30
Result = InspectionResult.Result


def check_inspector(user: User, outlet: OrgUnit) -> None:
    """Inspections are the managers' (county manager, claims centre): 404 outside their
    branch, 403 for the outlet's own staff and read-only roles."""
    check_can_write(user, outlet)
    if not user.is_manager:
        raise PermissionDenied(_("Only a manager of the county branch inspects outlets."))


def _check_draft(inspection: Inspection) -> None:
    if inspection.state != Inspection.State.DRAFT:
        raise ValidationError(
            _("This inspection is completed; start a re-inspection instead."), code="completed"
        )


# Inspections ------------------------------------------------------------------------------
def inspection_start(
    *, inspector: User, outlet: OrgUnit, inspected_on: dt.date, note: str = ""
) -> Inspection:
    """Open an inspection (or a re-inspection) of `outlet`; one in progress at a time."""
    check_inspector(inspector, outlet)
    if inspected_on > timezone.localdate():
        raise ValidationError(
            {"inspected_on": _("The inspection date cannot be in the future.")}, code="future"
        )
    with transaction.atomic():
        # The outlet row serialises two managers opening an inspection at once.
        OrgUnit.objects.select_for_update().get(pk=outlet.pk)
        if Inspection.objects.filter(outlet=outlet, state=Inspection.State.DRAFT).exists():
            raise ValidationError(
                _("An inspection of this outlet is already in progress."), code="draft_exists"
            )
        inspection = Inspection(
            outlet=outlet, inspector=inspector, inspected_on=inspected_on, note=note.strip()
        )
        save_with_reason(inspection, by=inspector)
    return inspection


def check_result_record(
    *,
    inspector: User,
    inspection: Inspection,
    standard: str,
    result: str,
    note: str,
    photos: Sequence[UploadedFile],
) -> None:
    """Validate one standard's result before anything is written; photo contents are
    checked when stored."""
    check_inspector(inspector, inspection.outlet)
    _check_draft(inspection)
    errors: dict[str, list[str]] = {}
    spec = STANDARD_BY_CODE.get(standard)
    if spec is None:
        raise ValidationError({"standard": _("Unknown standard.")}, code="unknown_standard")
    if result not in Result.values:
        errors["result"] = [_("Choose met, not met or not applicable.")]
    elif result != Result.MET and not note.strip():
        errors["note"] = [
            _("Say what was found (not met) or why it does not apply (not applicable).")
        ]
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = [_("Attach at most %(max)s photos.") % {"max": MAX_PHOTOS}]
    elif spec.needs_photo and result in (Result.MET, Result.NOT_MET) and not photos:
        existing = InspectionResult.objects.filter(inspection=inspection, standard=standard)
        if not any(evidence_for(user=inspector, subject=row).exists() for row in existing):
            errors["photos"] = [_("Site standards are recorded with a photo (OUT-3).")]
    if errors:
        raise ValidationError(errors, code="invalid_result")
    for upload in photos:
        photo_check_size(size=upload.size or 0, filename=upload.name or "")


def inspection_result_record(
    *,
    inspector: User,
    inspection: Inspection,
    standard: str,
    result: str,
    note: str = "",
    photos: Sequence[UploadedFile] = (),
) -> InspectionResult:
    """Record (or correct, while the inspection is in progress) one standard's result
    with its evidence photos, each checked by core.evidence. All or nothing: a refused
    photo leaves neither the result nor any stored file. Locks the inspection row."""
    check_result_record(
        inspector=inspector,
        inspection=inspection,
        standard=standard,
        result=result,
        note=note,
        photos=photos,
    )
    stored: list[EvidencePhoto] = []
    try:
        with transaction.atomic():
            inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
            _check_draft(inspection)
            row = InspectionResult.objects.filter(
                inspection=inspection, standard=standard
            ).first() or InspectionResult(inspection=inspection, standard=standard)
            row.result, row.note = result, note.strip()
            save_with_reason(row, by=inspector)
            for upload in photos:
                stored.append(
                    evidence_photo_add(
                        subject=row,
                        org_unit=inspection.outlet,
                        upload=upload,
                        uploaded_by=inspector,
                        caption=standard,
                    )
                )
    except Exception:
        # Files are not transactional: remove those stored before the failure.
        for photo in stored:
            for file in (photo.original, photo.display, photo.thumbnail):
                if file.name:
                    file.storage.delete(file.name)
        raise
    return row


@dataclass(frozen=True)
class FindingPlan:
    """What the inspector decides for an unmet standard: the corrective action, who
    carries it out and by when (OUT-16)."""

    standard: str
    corrective_action: str
    owner: User
    due_on: dt.date


def standards_needing_plans(*, inspection: Inspection) -> list[InspectionResult]:
    """The unmet results of the inspection that become new findings: those whose
    standard has no open finding at the outlet yet (a still-unmet standard keeps its
    finding and due date)."""
    open_standards = set(
        Finding.objects.filter(outlet=inspection.outlet, state=Finding.State.OPEN).values_list(
            "standard", flat=True
        )
    )
    return [
        row
        for row in inspection.results.filter(result=Result.NOT_MET).order_by("standard")
        if row.standard not in open_standards
    ]


def check_inspection_complete(
    *, inspector: User, inspection: Inspection, plans: Sequence[FindingPlan]
) -> None:
    check_inspector(inspector, inspection.outlet)
    _check_draft(inspection)
    results = inspection_results(inspection=inspection)
    missing = [code for code in REQUIRED_STANDARDS if code not in results]
    if missing:
        raise ValidationError(
            _("Record every required standard first; missing: %(list)s.")
            % {"list": ", ".join(missing)},
            code="incomplete",
        )
    needed = {row.standard for row in standards_needing_plans(inspection=inspection)}
    planned = {plan.standard for plan in plans}
    errors: list[ValidationError] = []
    if needed - planned:
        errors.append(
            ValidationError(
                _("Give a corrective action, owner and due date for: %(list)s.")
                % {"list": ", ".join(sorted(needed - planned))},
                code="plan_missing",
            )
        )
    if planned - needed:
        errors.append(
            ValidationError(
                _("Only unmet standards without an open finding get a plan: %(list)s.")
                % {"list": ", ".join(sorted(planned - needed))},
                code="plan_unexpected",
            )
        )
    owners = finding_owner_choices(outlet=inspection.outlet)
    for plan in plans:
        errors.extend(_plan_errors(plan, owners=owners, today=timezone.localdate()))
    if errors:
        raise ValidationError(errors)


def _plan_errors(plan: FindingPlan, *, owners, today: dt.date) -> list[ValidationError]:
    errors = []
    if not plan.corrective_action.strip():
        errors.append(
            ValidationError(
                _("%(standard)s: describe the corrective action.") % {"standard": plan.standard},
                code="action_missing",
            )
        )
    if plan.due_on < today:
        errors.append(
            ValidationError(
                _("%(standard)s: the due date cannot be in the past.")
                % {"standard": plan.standard},
                code="due_past",
            )
        )
    if not owners.filter(pk=plan.owner.pk).exists():
        errors.append(
            ValidationError(
                _("%(standard)s: the owner must work at the outlet or manage it.")
                % {"standard": plan.standard},
                code="owner_elsewhere",
            )
        )
    return errors


def inspection_complete(
    *, inspector: User, inspection: Inspection, plans: Sequence[FindingPlan] = ()
) -> Inspection:
    """Complete the inspection (OUT-16): each unmet standard without an open finding
    becomes a finding with its plan and OUT-16 timer; each open finding whose standard
    is now met is closed by this re-inspection. Locks the inspection row, then the
    findings it closes."""
    check_inspection_complete(inspector=inspector, inspection=inspection, plans=plans)
    now = timezone.now()
    with transaction.atomic():
        inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
        _check_draft(inspection)
        results = inspection_results(inspection=inspection)
        by_standard = {plan.standard: plan for plan in plans}
        for row in standards_needing_plans(inspection=inspection):
            plan = by_standard[row.standard]
            finding_raise(
                outlet=inspection.outlet,
                source=Finding.Source.INSPECTION,
                standard=row.standard,
                description=row.note,
                corrective_action=plan.corrective_action,
                owner=plan.owner,
                due_on=plan.due_on,
                raised_by=inspector,
                result=row,
            )
        met = [code for code, row in results.items() if row.result == Result.MET]
        closing = Finding.objects.select_for_update().filter(
            outlet=inspection.outlet,
            state=Finding.State.OPEN,
            standard__in=met,
            source__in=[Finding.Source.INSPECTION, Finding.Source.MANUAL],
        )
        for finding in closing:
            _close(
                finding,
                by=inspector,
                at=now,
                note=_("Met at the re-inspection of %(day)s.") % {"day": inspection.inspected_on},
                inspection=inspection,
            )
        inspection.state = Inspection.State.COMPLETED
        inspection.completed_at = now
        save_with_reason(inspection, by=inspector)
    return inspection


# Findings (OUT-16) -----------------------------------------------------------------------
def finding_raise(
    *,
    outlet: OrgUnit,
    source: str,
    standard: str,
    description: str,
    corrective_action: str,
    owner: User,
    due_on: dt.date,
    raised_by: User | None = None,
    result: InspectionResult | None = None,
) -> Finding:
    """Write a finding with its OUT-16 timer (due at the end of `due_on`) and tell its
    owner. The caller has checked who may raise it; `raised_by` empty means the system
    (one open system finding per standard is enforced by the database)."""
    with transaction.atomic():
        finding = Finding(
            outlet=outlet,
            source=source,
            standard=standard,
            result=result,
            description=description.strip(),
            corrective_action=corrective_action.strip(),
            owner=owner,
            due_on=due_on,
            raised_by=raised_by,
        )
        save_with_reason(finding, by=raised_by)
        finding.timer = timer_start(
            subject=finding,
            rule_code=FINDING_RULE,
            org_unit=outlet,
            owner=owner,
            anchor=day_end(due_on),
            by=raised_by,
        )
        finding.save(update_fields=["timer"])
        notify_staff(
            recipients=[owner],
            org_unit=outlet,
            subject=_("Corrective action for %(outlet)s: %(standard)s")
            % {"outlet": outlet, "standard": standard_label(standard)},
            body=_("%(action)s Due on %(day)s (OUT-16).")
            % {"action": finding.corrective_action, "day": due_on},
            dedup_key=f"outlet-finding:{finding.pk}:raised",
            link=reverse("outlets:finding_detail", args=[finding.pk]),
        )
    return finding


def finding_record(
    *,
    by: User,
    outlet: OrgUnit,
    standard: str,
    description: str,
    corrective_action: str,
    owner: User,
    due_on: dt.date,
) -> Finding:
    """A manager's own finding (OUT-16), e.g. seen on a visit between inspections."""
    check_inspector(by, outlet)
    errors: dict[str, list[str]] = {}
    if not standard.strip():
        errors["standard"] = [_("Name the standard concerned.")]
    if not description.strip():
        errors["description"] = [_("Describe the finding.")]
    plan = FindingPlan(standard.strip(), corrective_action, owner, due_on)
    problems = _plan_errors(
        plan, owners=finding_owner_choices(outlet=outlet), today=timezone.localdate()
    )
    if problems:
        errors["__all__"] = [message for error in problems for message in error.messages]
    if errors:
        raise ValidationError(errors, code="invalid_finding")
    return finding_raise(
        outlet=outlet,
        source=Finding.Source.MANUAL,
        standard=standard.strip(),
        description=description,
        corrective_action=corrective_action,
        owner=owner,
        due_on=due_on,
        raised_by=by,
    )


def _close(
    finding: Finding,
    *,
    by: User | None,
    at: dt.datetime,
    note: str,
    inspection: Inspection | None = None,
) -> Finding:
    finding.state = Finding.State.CLOSED
    finding.closed_at = at
    finding.closed_by = by
    finding.closed_by_inspection = inspection
    finding.closing_note = note
    save_with_reason(finding, by=by, reason=note)
    if finding.timer_id:
        finding.timer = timer_meet(timer=finding.timer, by=by, detail=note)
    return finding


def finding_close(*, by: User, finding: Finding, note: str) -> Finding:
    """A manager closes a finding whose correction was shown otherwise than by a
    re-inspection (a photo sent in, a system check now passing); the note says how.
    Locks the finding row."""
    check_inspector(by, finding.outlet)
    if not note.strip():
        raise ValidationError(
            {"note": _("Say how the correction was verified.")}, code="note_required"
        )
    with transaction.atomic():
        finding = (
            Finding.objects.select_for_update(of=("self",))
            .select_related("timer")
            .get(pk=finding.pk)
        )
        if finding.state != Finding.State.OPEN:
            raise ValidationError(_("This finding is closed already."), code="closed")
        return _close(finding, by=by, at=timezone.now(), note=note.strip())


def finding_reschedule(
    *, by: User, finding: Finding, due_on: dt.date, owner: User, reason: str
) -> Finding:
    """A manager moves the due date or hands the corrective action to someone else
    (with a reason); the OUT-16 timer restarts on the new date. Locks the finding row."""
    check_inspector(by, finding.outlet)
    plan = FindingPlan(finding.standard, finding.corrective_action, owner, due_on)
    problems = _plan_errors(
        plan, owners=finding_owner_choices(outlet=finding.outlet), today=timezone.localdate()
    )
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        finding = (
            Finding.objects.select_for_update(of=("self",))
            .select_related("timer")
            .get(pk=finding.pk)
        )
        if finding.state != Finding.State.OPEN:
            raise ValidationError(_("This finding is closed already."), code="closed")
        if finding.timer_id:
            timer_cancel(timer=finding.timer, by=by, detail=reason)
        finding.due_on, finding.owner = due_on, owner
        finding.timer = timer_start(
            subject=finding,
            rule_code=FINDING_RULE,
            org_unit=finding.outlet,
            owner=owner,
            anchor=day_end(due_on),
            by=by,
        )
        save_with_reason(finding, by=by, reason=reason, require_reason=True)
    return finding
