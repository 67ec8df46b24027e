"""Adjuster authorities (CLM-6): the yearly evaluation of claims-assist staff, the
authorisation to assess small agricultural cases up to a per-case limit, its revocation,
and `check_authority`, the check every assessment or one-stop settlement calls.

Who writes: a manager (county manager, city claims centre) above the staff member's
outlet, never a read-only role: outside the manager's branch a 404, other roles a 403.
Every grant rests on an evaluation of the holder that is not a fail and not older than
the previous year (an authority is renewed after evaluation); one-stop service also
needs the city claims centre's and the province claims division's approvals and a good
evaluation. The grant starts the CLM-6 lead-time timer that warns before the end.
"""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from claims_assist.models import (
    AUTHORITY_CEILING,
    AdjusterAuthorisation,
    AnnualEvaluation,
    AuthorityLine,
)
from claims_assist.periods import authority_ends_in_time
from core.access import check_can_write
from core.audit import save_with_reason
from core.models import OrgUnit, Role, SlaTimer, User
from core.timers import timer_cancel, timer_start

AUTHORITY_RULE = "CLM-6"
BEIJING = ZoneInfo("Asia/Shanghai")


def day_end(day: dt.date) -> dt.datetime:
    """The end of `day` in Beijing time (the next midnight): the last moment an
    authorisation valid to `day` still holds, and the anchor of its expiry warning."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=BEIJING)


# Who may write --------------------------------------------------------------------------------
def check_authority_manager(user: User, staff: User) -> None:
    """A manager (county manager, city claims centre) above the staff member: 404
    outside the manager's branch, 403 for read-only roles and any other role."""
    check_can_write(user, staff)
    if not (user.is_superuser or user.is_manager):
        raise PermissionDenied(
            _("Only a county manager or the city claims centre evaluates and authorises (CLM-6).")
        )


def may_manage_authorities(user: User) -> bool:
    return user.is_active and not user.is_read_only and (user.is_superuser or user.is_manager)


# Annual evaluation ---------------------------------------------------------------------------
def evaluation_record(
    *,
    by: User,
    staff: User,
    year: int,
    grade: str,
    evaluated_on: dt.date,
    note: str = "",
) -> AnnualEvaluation:
    """CLM-6: the yearly evaluation of a claims-assist staff member, once a year."""
    check_authority_manager(by, staff)
    errors: dict[str, list[str]] = {}
    if staff.role != Role.CLAIMS_ASSIST:
        errors["staff"] = [_("Only claims-assist staff are evaluated for an authority (CLM-6).")]
    if grade not in AnnualEvaluation.Grade.values:
        errors["grade"] = [_("Unknown grade.")]
    if evaluated_on.year < year:
        errors["evaluated_on"] = [_("A year is evaluated during or after it.")]
    if evaluated_on > timezone.localdate():
        errors["evaluated_on"] = [_("The evaluation date cannot be in the future.")]
    if AnnualEvaluation.objects.filter(staff=staff, year=year).exists():
        errors["year"] = [
            _("%(staff)s has been evaluated for %(year)s already (one evaluation a year).")
            % {"staff": staff, "year": year}
        ]
    if errors:
        raise ValidationError(errors, code="invalid_evaluation")
    evaluation = AnnualEvaluation(
        staff=staff,
        year=year,
        grade=grade,
        evaluated_on=evaluated_on,
        evaluated_by=by,
        note=note.strip(),
    )
    evaluation.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            save_with_reason(evaluation, by=by)
    except IntegrityError:  # a concurrent evaluation of the same year
        raise ValidationError(
            {"year": [_("This year has been evaluated already (one evaluation a year).")]},
            code="invalid_evaluation",
        ) from None
    return evaluation


# Grant ---------------------------------------------------------------------------------------
def _clean_lines(lines: Iterable[str]) -> list[str]:
    chosen = set(lines or ())
    return [line for line in AuthorityLine.values if line in chosen]


def _city_of(unit: OrgUnit | None) -> OrgUnit | None:
    return unit.ancestor_of_kind(OrgUnit.Kind.CITY) if unit is not None else None


def check_authorisation_grant(
    *,
    by: User,
    holder: User,
    lines: Iterable[str],
    case_limit: Decimal,
    valid_from: dt.date,
    valid_to: dt.date,
    evaluation: AnnualEvaluation | None,
    one_stop: bool = False,
    city_approved_by: User | None = None,
    city_approved_on: dt.date | None = None,
    province_approval: str = "",
    province_approved_on: dt.date | None = None,
    exclude_pk: int | None = None,
) -> None:
    """CLM-6: raise one ValidationError listing every problem of a grant, by field.
    The granter is checked first (404 outside the branch, 403 for a non-manager)."""
    check_authority_manager(by, holder)
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    # Holder: claims-assist staff at an outlet of the granter's branch.
    if (
        holder.role != Role.CLAIMS_ASSIST
        or holder.org_unit is None
        or holder.org_unit.kind != OrgUnit.Kind.OUTLET
        or not holder.is_active
    ):
        add("holder", _("Only active claims-assist staff of an outlet hold an authority (CLM-6)."))

    # Lines.
    raw_lines = list(lines or ())
    unknown = sorted(set(raw_lines) - set(AuthorityLine.values))
    if unknown:
        add("lines", _("Unknown lines: %(lines)s.") % {"lines": ", ".join(map(str, unknown))})
    if not _clean_lines(raw_lines):
        add("lines", _("Choose at least one line the holder may assess."))

    # Limit per case.
    try:
        limit = Decimal(case_limit)
    except (InvalidOperation, TypeError, ValueError):
        limit = None
    if limit is None or not limit.is_finite():
        add("case_limit", _("Enter the limit per case in yuan."))
    elif limit <= 0 or limit > AUTHORITY_CEILING:
        add(
            "case_limit",
            _("The limit per case is more than 0 and at most %(ceiling)s yuan (CLM-6).")
            % {"ceiling": AUTHORITY_CEILING},
        )

    # Period: at most one year.
    period_ok = bool(valid_from and valid_to)
    if not period_ok:
        add("valid_to", _("Give the first and the last day of the authority."))
    elif valid_to < valid_from:
        period_ok = False
        add("valid_to", _("The authority must end on or after its first day."))
    elif not authority_ends_in_time(valid_from=valid_from, valid_to=valid_to):
        add("valid_to", _("An authorisation lasts at most one year (CLM-6)."))

    # Evaluation: of the holder, not a fail, not older than the previous year.
    if evaluation is None:
        add(
            "evaluation",
            _("An authority rests on the holder's annual evaluation (CLM-6): record it first."),
        )
    else:
        if evaluation.staff_id != holder.pk:
            add("evaluation", _("This evaluation is of another staff member."))
        if evaluation.grade == AnnualEvaluation.Grade.FAIL:
            add("evaluation", _("A failed evaluation gives no authority (CLM-6)."))
        if valid_from and evaluation.year < valid_from.year - 1:
            add(
                "evaluation",
                _(
                    "The evaluation of %(year)s is too old: an authority is renewed after "
                    "the evaluation of the previous year at the latest (CLM-6)."
                )
                % {"year": evaluation.year},
            )
        elif valid_from:
            renewed = (
                AdjusterAuthorisation.objects.filter(
                    holder=holder, valid_to__lt=valid_from, evaluation=evaluation
                )
                .exclude(pk=exclude_pk)
                .exists()
            )
            if renewed:
                add(
                    "evaluation",
                    _(
                        "An earlier authority rested on this evaluation already: a renewal "
                        "needs a new evaluation (CLM-6)."
                    ),
                )

    # One-stop service: both approvals and a good evaluation.
    if one_stop:
        holder_city = _city_of(holder.org_unit)
        if city_approved_by is None:
            add("city_approved_by", _("One-stop service needs the city claims centre's approval."))
        elif (
            city_approved_by.role != Role.CLAIMS_CENTRE
            or not city_approved_by.is_active
            or holder_city is None
            or city_approved_by.org_unit_id != holder_city.pk
        ):
            add(
                "city_approved_by",
                _("The approval must come from the claims centre of the holder's city."),
            )
        if city_approved_on is None:
            add("city_approved_on", _("Give the date of the city claims centre's approval."))
        if not (province_approval or "").strip():
            add(
                "province_approval",
                _("One-stop service needs the province claims division's approval (document no.)."),
            )
        if province_approved_on is None:
            add("province_approved_on", _("Give the date of the province approval."))
        if evaluation is not None and evaluation.grade not in AnnualEvaluation.GOOD_GRADES:
            add(
                "one_stop",
                _("One-stop service needs a good or excellent annual evaluation (CLM-6)."),
            )

    # No overlapping active authority for the same line.
    if period_ok and valid_to >= valid_from:
        wanted = set(_clean_lines(raw_lines))
        overlapping = AdjusterAuthorisation.objects.filter(
            holder=holder,
            state=AdjusterAuthorisation.State.ACTIVE,
            valid_from__lte=valid_to,
            valid_to__gte=valid_from,
        ).exclude(pk=exclude_pk)
        clash = sorted(
            {line for other in overlapping for line in other.lines if line in wanted},
            key=AuthorityLine.values.index,
        )
        if clash:
            add(
                "valid_from",
                _("The holder already has an active authority for %(lines)s in this period.")
                % {"lines": ", ".join(str(AuthorityLine(line).label) for line in clash)},
            )
    if errors:
        raise ValidationError(errors, code="invalid_authorisation")


def _warn_before_end(authorisation: AdjusterAuthorisation, *, by: User) -> SlaTimer | None:
    """The CLM-6 lead-time timer, due the rule's lead time before the end of the last
    valid day; none for an authority that has already ended."""
    if authorisation.valid_to < timezone.localdate():
        return None
    return timer_start(
        subject=authorisation,
        rule_code=AUTHORITY_RULE,
        org_unit=authorisation.holder.org_unit,
        owner=authorisation.holder,
        anchor=day_end(authorisation.valid_to),
        by=by,
    )


def authorisation_grant(
    *,
    by: User,
    holder: User,
    lines: Iterable[str],
    case_limit: Decimal = AUTHORITY_CEILING,
    valid_from: dt.date,
    valid_to: dt.date,
    evaluation: AnnualEvaluation | None,
    one_stop: bool = False,
    city_approved_by: User | None = None,
    city_approved_on: dt.date | None = None,
    province_approval: str = "",
    province_approved_on: dt.date | None = None,
) -> AdjusterAuthorisation:
    """CLM-6: authorise `holder` to assess small cases of `lines` up to `case_limit` per
    case from `valid_from` to `valid_to` (at most a year), and start the expiry warning.
    A renewal cancels the warnings of the earlier authorities it follows."""
    lines = list(lines or ())
    province_approval = (province_approval or "").strip()
    values = {
        "lines": lines,
        "case_limit": case_limit,
        "valid_from": valid_from,
        "valid_to": valid_to,
        "evaluation": evaluation,
        "one_stop": one_stop,
        "city_approved_by": city_approved_by,
        "city_approved_on": city_approved_on,
        "province_approval": province_approval,
        "province_approved_on": province_approved_on,
    }
    check_authority_manager(by, holder)
    with transaction.atomic():
        # Serialise grants of one holder so that two overlapping ones cannot both pass.
        User.objects.select_for_update().filter(pk=holder.pk).first()
        check_authorisation_grant(by=by, holder=holder, **values)
        authorisation = _create(by=by, holder=holder, values=values)
    return authorisation


def _create(*, by: User, holder: User, values: dict) -> AdjusterAuthorisation:
    if not values["one_stop"]:
        # Approvals are recorded only for one-stop service.
        values.update(
            city_approved_by=None,
            city_approved_on=None,
            province_approval="",
            province_approved_on=None,
        )
    values["lines"] = _clean_lines(values["lines"])
    values["case_limit"] = Decimal(values["case_limit"])
    authorisation = AdjusterAuthorisation(holder=holder, granted_by=by, **values)
    authorisation.full_clean(exclude=["expiry_warning"])
    save_with_reason(authorisation, by=by)
    earlier = AdjusterAuthorisation.objects.filter(
        holder=holder,
        state=AdjusterAuthorisation.State.ACTIVE,
        valid_to__lt=values["valid_from"],
        expiry_warning__state__in=SlaTimer.OPEN_STATES,
    ).select_related("expiry_warning")
    for old in earlier:
        if set(old.lines) <= set(values["lines"]):
            timer_cancel(timer=old.expiry_warning, by=by, detail=_("Authority renewed."))
    authorisation.expiry_warning = _warn_before_end(authorisation, by=by)
    authorisation.save(update_fields=["expiry_warning"])
    return authorisation


# Revoke --------------------------------------------------------------------------------------
def authorisation_revoke(
    *, by: User, authorisation: AdjusterAuthorisation, reason: str
) -> AdjusterAuthorisation:
    """CLM-6: withdraw an authority at once (with the reason); its warning stops."""
    check_authority_manager(by, authorisation.holder)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": [_("Say why the authority is revoked.")]}, code="reason_required"
        )
    if authorisation.state == AdjusterAuthorisation.State.REVOKED:
        raise ValidationError(_("This authority is revoked already."), code="already_revoked")
    with transaction.atomic():
        authorisation.state = AdjusterAuthorisation.State.REVOKED
        authorisation.revoked_reason = reason
        save_with_reason(authorisation, by=by, reason=reason)
        if authorisation.expiry_warning is not None and authorisation.expiry_warning.is_open:
            timer_cancel(timer=authorisation.expiry_warning, by=by, detail=_("Authority revoked."))
    return authorisation


# The check -----------------------------------------------------------------------------------
class BeyondAuthority(ValidationError):
    """CLM-6: the action is beyond the holder's valid authority. `reason` is one of
    no_authority, not_yet_valid, expired, revoked, above_limit, not_one_stop."""

    def __init__(self, message: str, *, reason: str):
        super().__init__(message, code="beyond_authority")
        self.reason = reason


def _refuse(reason_code: str, reason: str) -> BeyondAuthority:
    return BeyondAuthority(
        _(
            "Beyond the adjuster's authority (CLM-6): %(reason)s. Refer the case to the "
            "city claims centre."
        )
        % {"reason": reason},
        reason=reason_code,
    )


def check_authority(
    *,
    holder: User,
    line: str,
    amount: Decimal,
    one_stop: bool = False,
    at: dt.datetime | None = None,
) -> AdjusterAuthorisation:
    """CLM-6: the authorisation under which `holder` may assess a case of `line` for
    `amount` yuan at the moment `at` (default now), by one-stop service if asked;
    raises BeyondAuthority (a ValidationError with code beyond_authority) naming the
    reason otherwise. Reads only."""
    at = at or timezone.now()
    day = timezone.localtime(at, BEIJING).date()
    amount = Decimal(amount)
    line_label = str(AuthorityLine(line).label) if line in AuthorityLine.values else str(line)
    candidates = [
        authorisation
        for authorisation in AdjusterAuthorisation.objects.filter(holder=holder).order_by(
            "-valid_to", "-case_limit"
        )
        if line in authorisation.lines
    ]
    if not candidates:
        raise _refuse(
            "no_authority",
            _("%(holder)s holds no authority for %(line)s cases")
            % {"holder": holder, "line": line_label},
        )
    current = [a for a in candidates if a.valid_from <= day <= a.valid_to]
    active = [a for a in current if a.state == AdjusterAuthorisation.State.ACTIVE]
    if active:
        usable = [a for a in active if amount <= a.case_limit and (a.one_stop or not one_stop)]
        if usable:
            return max(usable, key=lambda a: a.case_limit)
        if one_stop and not any(a.one_stop for a in active):
            raise _refuse(
                "not_one_stop",
                _("%(holder)s is not authorised for one-stop service") % {"holder": holder},
            )
        best = max(a.case_limit for a in active if a.one_stop or not one_stop)
        raise _refuse(
            "above_limit",
            _("%(amount)s yuan is above the limit of %(limit)s yuan per case")
            % {"amount": amount, "limit": best},
        )
    if current:
        revoked = current[0]
        raise _refuse(
            "revoked",
            _("the authority for %(line)s cases was revoked: %(why)s")
            % {"line": line_label, "why": revoked.revoked_reason},
        )
    future = [
        a
        for a in candidates
        if a.valid_from > day and a.state == AdjusterAuthorisation.State.ACTIVE
    ]
    if future:
        first = min(future, key=lambda a: a.valid_from)
        raise _refuse(
            "not_yet_valid",
            _("the authority for %(line)s cases is valid only from %(day)s")
            % {"line": line_label, "day": first.valid_from},
        )
    past = [a for a in candidates if a.valid_to < day]
    if past:
        last = max(past, key=lambda a: a.valid_to)
        raise _refuse(
            "expired",
            _("the authority for %(line)s cases expired on %(day)s")
            % {"line": line_label, "day": last.valid_to},
        )
    raise _refuse(
        "revoked",
        _("the authority for %(line)s cases was revoked") % {"line": line_label},
    )
