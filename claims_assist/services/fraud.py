"""CLM-16: the watch list of proven false claims, and the flags shown at intake
(watch list, repeat claimant, high loss ratio).

The watch list is kept per county by its managers (county manager, city claims
centre); outlet staff never read it, but every intake in the county is checked
against it and shows a hit as a flag. Flags are plain JSON (stored on the case at
intake): {"code", "label", "detail"} in the current language.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from claims_assist.models import ClaimCase, ClaimsSettings, WatchListEntry
from core.access import ReadOnlyRole, check_can_write, get_in_scope
from core.models import OrgUnit, User
from core.selectors import county_override
from underwriting.identity import clean_identity, normalise_identity
from underwriting.models import Policy

WATCH_LIST = "watch_list"
REPEAT_CLAIMANT = "repeat_claimant"
HIGH_LOSS_RATIO = "high_loss_ratio"


# Flags -------------------------------------------------------------------------------------
def _flag(code: str, label: str, detail: str) -> dict:
    return {"code": code, "label": str(label), "detail": str(detail)}


def _in_county(county: OrgUnit) -> Q:
    return Q(org_unit__path__startswith=county.path)


def _watch_list_flag(*, county: OrgUnit, id_number: str, name: str) -> dict | None:
    entries = WatchListEntry.objects.filter(county=county, removed_at__isnull=True)
    if id_number:
        entry = entries.filter(id_number=id_number).first()
        how = _("the ID number matches")
    else:
        entry = entries.filter(name=name).first() if name else None
        how = _("the name matches (no ID number given: confirm the person's ID)")
    if entry is None:
        return None
    return _flag(
        WATCH_LIST,
        _("On the watch list"),
        _("%(name)s is on the county's watch list for a proven false claim: %(how)s (CLM-16).")
        % {"name": entry.name, "how": how},
    )


def _insured_cases(
    *, county: OrgUnit, id_number: str, name: str, policy_number: str, exclude: ClaimCase | None
):
    cases = ClaimCase.objects.filter(_in_county(county))
    if id_number:
        cases = cases.filter(insured_id_number=id_number)
    elif policy_number:
        cases = cases.filter(insured_name=name, policy_number=policy_number)
    else:
        cases = cases.filter(insured_name=name)
    if exclude is not None and exclude.pk:
        cases = cases.exclude(pk=exclude.pk)
    return cases


def _repeat_flag(*, cases, settings: ClaimsSettings, at: dt.datetime, by_id: bool) -> dict | None:
    since = at - dt.timedelta(days=settings.repeat_window_days)
    count = cases.filter(reported_at__gte=since, reported_at__lte=at).count()
    if count < settings.repeat_claims:
        return None
    detail = _(
        "%(count)s other cases of this insured in the county in the last %(days)s days "
        "(from %(limit)s cases on, CLM-16)."
    ) % {"count": count, "days": settings.repeat_window_days, "limit": settings.repeat_claims}
    if not by_id:
        detail = f"{detail} {_('Matched by name, not by ID number.')}"
    return _flag(REPEAT_CLAIMANT, _("Repeat claimant"), detail)


def _loss_ratio_flag(
    *, county: OrgUnit, cases, id_number: str, settings: ClaimsSettings
) -> dict | None:
    """Claims paid on the insured's cases ÷ the premium of the insured's issued
    policies in the county (as insured or applicant); only with an ID number."""
    premium = Policy.objects.filter(
        _in_county(county),
        Q(insured__id_number=id_number) | Q(applicant__id_number=id_number),
        status=Policy.Status.ISSUED,
    ).aggregate(total=Sum("premium"))["total"] or Decimal("0")
    paid = cases.aggregate(total=Sum("paid_amount"))["total"] or Decimal("0")
    if premium <= 0 or paid <= 0:
        return None
    ratio = paid / premium
    if ratio < settings.high_loss_ratio:
        return None
    return _flag(
        HIGH_LOSS_RATIO,
        _("High loss ratio"),
        _(
            "Claims paid %(paid)s yuan ÷ premium %(premium)s yuan = %(ratio)s%% "
            "(flagged from %(limit)s%%, CLM-16)."
        )
        % {
            "paid": paid,
            "premium": premium,
            "ratio": (ratio * 100).quantize(Decimal("0.1")),
            "limit": (settings.high_loss_ratio * 100).quantize(Decimal("0.1")),
        },
    )


def fraud_flags_for(
    *,
    county: OrgUnit,
    insured_id_number: str,
    insured_name: str,
    at: dt.datetime | None = None,
    exclude_case: ClaimCase | None = None,
    policy_number: str = "",
) -> list[dict]:
    """The CLM-16 flags of an insured in `county`: a list of {"code", "label",
    "detail"} dicts (codes "watch_list", "repeat_claimant", "high_loss_ratio"), empty
    when nothing is flagged.

    The person is matched by ID number; without one by name (the watch list says it
    is a name match), and for the repeat count by name and policy number
    (`policy_number`, else `exclude_case`'s). The loss ratio needs the ID number: the
    premium is found through the customers holding it."""
    at = at or timezone.now()
    settings = county_override(ClaimsSettings.objects.all(), county=county)
    id_number = clean_identity(insured_id_number)
    name = (insured_name or "").strip()
    if not policy_number and exclude_case is not None:
        policy_number = exclude_case.policy_number
    cases = _insured_cases(
        county=county,
        id_number=id_number,
        name=name,
        policy_number=policy_number,
        exclude=exclude_case,
    )
    flags = [
        _watch_list_flag(county=county, id_number=id_number, name=name),
        _repeat_flag(cases=cases, settings=settings, at=at, by_id=bool(id_number))
        if id_number or name
        else None,
        _loss_ratio_flag(county=county, cases=cases, id_number=id_number, settings=settings)
        if id_number
        else None,
    ]
    return [flag for flag in flags if flag is not None]


# The watch list ------------------------------------------------------------------------------
def may_manage_watch_list(user: User) -> bool:
    return user.is_active and not user.is_read_only and (user.is_superuser or user.is_manager)


def check_watch_list_role(user: User) -> None:
    """CLM-16: 403 for read-only roles and staff other than managers."""
    if user.is_read_only:
        raise ReadOnlyRole(_("Your role is read-only."))
    if not may_manage_watch_list(user):
        raise PermissionDenied(
            _("Only a county manager or the city claims centre keeps the watch list (CLM-16).")
        )


def check_watch_list_manager(user: User, county: OrgUnit) -> None:
    """CLM-16: the county's managers keep its watch list: 403 for other roles, 404
    for a county outside the user's branch."""
    check_watch_list_role(user)
    check_can_write(user, county)


def watch_list_add(
    *,
    by: User,
    county: OrgUnit,
    name: str,
    id_number: str,
    reason: str,
    case: ClaimCase | None = None,
) -> WatchListEntry:
    """Put a person on the county's watch list (CLM-16); an entry already active for
    the same ID is returned unchanged. The false claim, if given, must be a case of
    that county. The unique constraint on active entries settles two adds at once."""
    check_watch_list_manager(by, county)
    errors: dict[str, list[str]] = {}
    if county.kind != OrgUnit.Kind.COUNTY:
        errors["county"] = [_("The watch list is kept per county branch.")]
    if not (name or "").strip():
        errors["name"] = [_("Enter the person's name.")]
    if not (reason or "").strip():
        errors["reason"] = [_("Say which false claim was proven, and how.")]
    try:
        id_number = normalise_identity(id_number)
    except ValidationError as exc:
        errors["id_number"] = exc.messages
    if case is not None and not case.org_unit.path.startswith(county.path):
        errors["case"] = [_("The case is not one of this county's.")]
    if errors:
        raise ValidationError(errors)
    active = WatchListEntry.objects.filter(county=county, id_number=id_number, removed_at=None)
    existing = active.first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return WatchListEntry.objects.create(
                county=county,
                name=name.strip(),
                id_number=id_number,
                reason=reason.strip(),
                case=case,
                added_by=by,
            )
    except IntegrityError:
        return active.get()


def watch_list_remove(*, by: User, entry_pk: int, reason: str) -> WatchListEntry:
    """Take a person off the watch list, saying why (CLM-16). Locks the entry row."""
    check_watch_list_role(by)
    with transaction.atomic():
        entry = get_in_scope(
            WatchListEntry.objects.select_for_update(of=("self",)).select_related("county"),
            by,
            pk=entry_pk,
        )
        check_watch_list_manager(by, entry.county)
        if entry.removed_at is not None:
            raise ValidationError(_("The entry was removed already."), code="already_removed")
        if not (reason or "").strip():
            raise ValidationError(
                {
                    "reason": ValidationError(
                        _("Say why the person comes off the watch list."), code="required"
                    )
                }
            )
        entry.removed_at = timezone.now()
        entry.removed_by = by
        entry.removed_reason = reason.strip()
        entry._history_user = by
        entry.save(update_fields=["removed_at", "removed_by", "removed_reason"])
    return entry
