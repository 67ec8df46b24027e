"""Small-claim assessment (定损) under the adjuster's authority (CLM-6), with the
product's exclusions as data (CLM-15), remote assessment and its materials (CLM-7), and
the referral to the city claims centre of what is beyond the authority.

Who writes: the adjuster is the signed-in user; `check_authority` decides whether the
assessment is within their valid authority at that moment (line of the case's product,
amount, one-stop service). Outside the branch a 404, read-only roles a 403. Writes
lock the case (`case_lock`) first, then the assessment rows they change.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from claims_assist.models import (
    AdjusterAuthorisation,
    Assessment,
    AuthorityLine,
    CaseEvent,
    ClaimCase,
    SurveyAssignment,
)
from claims_assist.services.authority import BeyondAuthority, check_authority
from claims_assist.services.cases import (
    case_lock,
    case_stage_set,
    case_timer,
    case_timer_meet,
    case_timer_start,
)
from claims_assist.services.survey import photos_add, photos_stored
from core.access import get_in_scope
from core.audit import save_with_reason
from core.models import OrgUnit, Role, User
from core.notifications import notify_staff
from core.timers import timer_cancel
from underwriting.models import Product, ProductExclusion

# CLM-7: remote materials are due 24 hours (wall clock) after the remote session.
REMOTE_RULE = "CLM-7"
# CLM-6: the product lines of small agricultural cases, as authority lines.
AUTHORITY_LINE_OF_PRODUCT = {
    Product.Line.CROP: AuthorityLine.CROP,
    Product.Line.LIVESTOCK: AuthorityLine.LIVESTOCK,
    Product.Line.FOREST: AuthorityLine.FOREST,
}
# Stages at which a case is (re)assessed: before the decision on it.
ASSESSABLE_STAGES = (
    ClaimCase.Stage.REPORTED,
    ClaimCase.Stage.FORWARDED,
    ClaimCase.Stage.SURVEY,
    ClaimCase.Stage.ASSESSED,
    ClaimCase.Stage.FILE_COMPLETE,
    ClaimCase.Stage.TRANSFERRED,
)
# Stages an assessment moves on to ASSESSED; later ones keep their stage.
BEFORE_ASSESSED = (ClaimCase.Stage.REPORTED, ClaimCase.Stage.FORWARDED, ClaimCase.Stage.SURVEY)
CENT = Decimal("0.01")


def authority_line_of(case: ClaimCase) -> str:
    """CLM-6: the authority line of the case's product; any other line is not a small
    agricultural case, beyond every adjuster's authority."""
    line = AUTHORITY_LINE_OF_PRODUCT.get(case.product.line)
    if line is None:
        raise BeyondAuthority(
            _(
                "Beyond the adjuster's authority (CLM-6): a %(line)s case is not a small "
                "agricultural case. Refer the case to the city claims centre."
            )
            % {"line": case.product.get_line_display()},
            reason="not_small_agricultural",
        )
    return line


def _decimal(value, *, places: Decimal) -> Decimal | None:
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None
    if not number.is_finite() or number < 0 or number != number.quantize(places):
        return None
    return number


def current_assessment_locked(case: ClaimCase) -> Assessment | None:
    """The case's current assessment, locked FOR UPDATE (the caller holds the case)."""
    return (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("authorisation")
        .filter(case=case, superseded_at__isnull=True)
        .first()
    )


# Assess ---------------------------------------------------------------------------------------
def check_assessment(
    *,
    by: User,
    case: ClaimCase,
    mode: str,
    loss_cause: str,
    quantity,
    unit: str,
    amount,
    exclusion_ids: Iterable[int] = (),
    exclusion_note: str = "",
    remote_session_at: dt.datetime | None = None,
    at: dt.datetime | None = None,
) -> tuple[AdjusterAuthorisation, list[ProductExclusion]]:
    """Raise a ValidationError listing the problems of the assessment by field; then,
    the input being sound, BeyondAuthority (code beyond_authority) if it is beyond the
    adjuster's valid authority at `at` (CLM-6). Returns the authorisation it is made
    under and the exclusions applied. Reads only."""
    at = at or timezone.now()
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if case.stage not in ASSESSABLE_STAGES or case.decision != ClaimCase.Decision.PENDING:
        add(
            "__all__",
            _("The case is %(stage)s: it is no longer assessed.")
            % {"stage": case.get_stage_display()},
        )
    if mode not in Assessment.Mode.values:
        add("mode", _("Choose on site, remote or one-stop."))
    if not (loss_cause or "").strip():
        add("loss_cause", _("Give the cause of the loss."))
    if not (unit or "").strip():
        add("unit", _("Give the unit of the quantity (e.g. mu, head)."))
    if _decimal(quantity, places=Decimal("0.0001")) is None:
        add("quantity", _("Enter the quantity lost: 0 or more, at most 4 decimal places."))
    checked_amount = _decimal(amount, places=CENT)
    if checked_amount is None:
        add("amount", _("Enter the assessed loss in yuan: 0 or more, to the cent."))

    # CLM-15: only the exclusions of the case's product, and a note when any applied.
    wanted = {int(pk) for pk in exclusion_ids or ()}
    exclusions = list(ProductExclusion.objects.filter(pk__in=wanted, product=case.product_id))
    if len(exclusions) != len(wanted):
        add(
            "exclusions",
            _("Only the exclusions of %(product)s can be applied to this case (CLM-15).")
            % {"product": case.product.name},
        )
    if wanted and not (exclusion_note or "").strip():
        add("exclusion_note", _("Say how the exclusions applied (CLM-15)."))

    # CLM-7: a remote assessment happens in a remote session, not in the future.
    if mode == Assessment.Mode.REMOTE:
        if remote_session_at is None:
            add("remote_session_at", _("Give the time of the remote session (CLM-7)."))
        elif remote_session_at > at:
            add("remote_session_at", _("The remote session cannot be in the future."))
        elif remote_session_at < case.incident_at:
            add("remote_session_at", _("The remote session cannot come before the incident."))

    # CLM-6: one-stop service is survey, assessment and calculation by one adjuster.
    if (
        mode == Assessment.Mode.ONE_STOP
        and not SurveyAssignment.objects.filter(
            case=case,
            assignee=by,
            kind=SurveyAssignment.Kind.SURVEY,
            state=SurveyAssignment.State.DONE,
        ).exists()
    ):
        add(
            "mode",
            _(
                "One-stop service starts with your own on-site survey of the case (CLM-6): "
                "report your survey assignment first, or assess on site."
            ),
        )
    if errors:
        raise ValidationError(errors, code="invalid_assessment")

    authorisation = check_authority(
        holder=by,
        line=authority_line_of(case),
        amount=checked_amount,
        one_stop=mode == Assessment.Mode.ONE_STOP,
        at=at,
    )
    return authorisation, exclusions


def assessment_record(
    *,
    by: User,
    case_pk: int,
    mode: str,
    loss_cause: str,
    quantity,
    unit: str,
    amount,
    exclusion_ids: Iterable[int] = (),
    exclusion_note: str = "",
    remote_session_at: dt.datetime | None = None,
    at: dt.datetime | None = None,
) -> Assessment:
    """CLM-6: record the adjuster's assessment of the case under their valid authority,
    with the product's exclusions that applied (CLM-15). It supersedes the case's
    current assessment; a case not yet assessed moves to ASSESSED. A remote assessment
    starts the CLM-7 timer: its materials are due 24 hours after the session.

    Locks the case, then its current assessment."""
    at = at or timezone.now()
    with transaction.atomic():
        case = case_lock(user=by, pk=case_pk)
        authorisation, exclusions = check_assessment(
            by=by,
            case=case,
            mode=mode,
            loss_cause=loss_cause,
            quantity=quantity,
            unit=unit,
            amount=amount,
            exclusion_ids=exclusion_ids,
            exclusion_note=exclusion_note,
            remote_session_at=remote_session_at,
            at=at,
        )
        current = current_assessment_locked(case)
        if current is not None:
            current.superseded_at = at
            save_with_reason(current, by=by, reason=_("Superseded by a new assessment."))
            # The superseded assessment's materials are no longer awaited.
            running = case_timer(case=case, rule_code=REMOTE_RULE)
            if running is not None:
                timer_cancel(timer=running, by=by, detail=_("Assessment superseded."))
        remote = mode == Assessment.Mode.REMOTE
        assessment = Assessment(
            case=case,
            mode=mode,
            adjuster=by,
            authorisation=authorisation,
            loss_cause=loss_cause.strip(),
            quantity=Decimal(quantity),
            unit=unit.strip(),
            amount=Decimal(amount),
            exclusion_note=(exclusion_note or "").strip() if exclusions else "",
            assessed_at=at,
            remote_session_at=remote_session_at if remote else None,
        )
        assessment.full_clean(validate_constraints=False)
        save_with_reason(assessment, by=by)
        assessment.exclusions.set(exclusions)
        note = _("Assessed %(mode)s by %(by)s: %(amount)s yuan (CLM-6).") % {
            "mode": assessment.get_mode_display(),
            "by": by,
            "amount": assessment.amount,
        }
        if case.stage in BEFORE_ASSESSED:
            case_stage_set(case=case, stage=ClaimCase.Stage.ASSESSED, by=by, at=at, note=note)
        else:
            CaseEvent.objects.create(case=case, stage=case.stage, at=at, by=by, note=note)
        if remote:
            case_timer_start(
                case=case, rule_code=REMOTE_RULE, by=by, at=remote_session_at, owner=by
            )
    return assessment


# Remote materials (CLM-7) -----------------------------------------------------------------------
def check_materials_upload(
    *, by: User, assessment: Assessment, photos: Sequence[UploadedFile]
) -> None:
    if by.pk != assessment.adjuster_id and not by.is_manager:
        raise PermissionDenied(_("Only the adjuster uploads the remote materials (CLM-7)."))
    errors: dict[str, list[str]] = {}
    if assessment.mode != Assessment.Mode.REMOTE:
        errors["__all__"] = [_("Only a remote assessment has materials to upload (CLM-7).")]
    elif assessment.superseded_at is not None:
        errors["__all__"] = [_("This assessment has been superseded: upload to the current one.")]
    if not photos:
        errors["photos"] = [_("Choose the photos and materials of the remote assessment.")]
    if errors:
        raise ValidationError(errors, code="invalid_materials")


def assessment_materials_upload(
    *,
    by: User,
    assessment_pk: int,
    photos: Sequence[UploadedFile],
    at: dt.datetime | None = None,
) -> Assessment:
    """CLM-7: the photos and materials of a remote assessment; the first upload meets
    the 24-hour timer and clears the case's overdue flag.

    All or nothing: a refused photo leaves no photo and no stored file. Call it outside
    any other transaction. Locks the case, then the assessment."""
    at = at or timezone.now()
    with photos_stored() as stored, transaction.atomic():
        assessment = get_in_scope(Assessment.objects.all(), by, pk=assessment_pk)
        case = case_lock(user=by, pk=assessment.case_id)
        assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
        check_materials_upload(by=by, assessment=assessment, photos=photos)
        photos_add(
            stored=stored,
            subject=assessment,
            case=case,
            photos=photos,
            by=by,
            caption=_("Remote assessment materials"),
        )
        if assessment.materials_uploaded_at is None:
            assessment.materials_uploaded_at = at
            save_with_reason(assessment, by=by)
        case_timer_meet(
            case=case, rule_code=REMOTE_RULE, by=by, detail=_("Remote materials uploaded.")
        )
        if case.remote_upload_overdue_at is not None:
            case.remote_upload_overdue_at = None
            case.save(update_fields=["remote_upload_overdue_at"])
        CaseEvent.objects.create(
            case=case,
            stage=case.stage,
            at=at,
            by=by,
            note=_("%(count)s remote assessment photos uploaded (CLM-7).") % {"count": len(stored)},
        )
    return assessment


# Referral -------------------------------------------------------------------------------------
def claims_centre_of(case: ClaimCase) -> list[User]:
    """The active claims-centre users of the city above the case's outlet."""
    city = case.org_unit.ancestor_of_kind(OrgUnit.Kind.CITY)
    if city is None:
        return []
    return list(
        User.objects.filter(is_active=True, role=Role.CLAIMS_CENTRE, org_unit=city).order_by("pk")
    )


def case_refer(*, by: User, case_pk: int, reason: str, at: dt.datetime | None = None) -> ClaimCase:
    """CLM-6: refer a case beyond the adjuster's authority to the city claims centre:
    the time and reason are kept on the case and its timeline, and the claims centre
    is told in the inbox. Locks the case."""
    at = at or timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        case = case_lock(user=by, pk=case_pk)
        if not case.is_open:
            raise ValidationError(
                _("The case is %(stage)s: there is nothing to refer.")
                % {"stage": case.get_stage_display()},
                code="case_closed",
            )
        if not reason:
            raise ValidationError(
                {"reason": [_("Say why the case goes to the claims centre.")]},
                code="reason_required",
            )
        case.referred_at = at
        case.referral_reason = reason
        save_with_reason(case, by=by, reason=reason)
        event = CaseEvent.objects.create(
            case=case,
            stage=case.stage,
            at=at,
            by=by,
            note=_("Referred to the city claims centre (CLM-6): %(reason)s") % {"reason": reason},
        )
        notify_staff(
            recipients=claims_centre_of(case) or None,
            org_unit=case.org_unit,
            subject=_("Case %(number)s referred to the claims centre") % {"number": case.number},
            body=_(
                "%(by)s of %(outlet)s referred case %(number)s (%(insured)s): %(reason)s. "
                "It is beyond the adjuster's authority (CLM-6); please assess it."
            )
            % {
                "by": by,
                "outlet": case.org_unit.name,
                "number": case.number,
                "insured": case.insured_name,
                "reason": reason,
            },
            dedup_key=f"claim-case:{case.pk}:referral:{event.pk}",
            link=reverse("claims_assist:case_detail", args=[case.pk]),
        )
    return case
