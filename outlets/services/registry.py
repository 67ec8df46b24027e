"""The outlet registry (OUT-2..OUT-10): the profile with its official name, site facts,
area and head; leases with their end warning; signage, interior and equipment items;
staff and agents with their qualification expiry warning.

Who writes: the outlet's head and the managers above it (county manager, claims centre
managers), never a read-only role; the regulator's name (OUT-2) is recorded by a
manager only. Every update carries a reason kept in the record's history.
"""

import datetime as dt
from collections.abc import Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.access import check_can_write
from core.audit import save_with_reason
from core.models import OrgUnit, Role, SlaTimer, User
from core.timers import timer_cancel, timer_start
from outlets.models import FacilityItem, Lease, OutletProfile, StaffMember
from outlets.selectors import outlet_settings_for, profile_for
from outlets.standards import FACILITY_BY_CODE, add_years

LEASE_RULE = "OUT-5"
QUALIFICATION_RULE = "OUT-10-qualification"

# The profile fields a head or manager edits; the imposed name has its own service.
PROFILE_FIELDS = (
    "county_label",
    "township",
    "address",
    "phone",
    "ground_floor_storefront",
    "on_main_street",
    "inside_partner_premises",
    "in_back_street",
    "frontage_unobstructed",
    "surroundings_safe",
    "building_inspected",
    "usable_area",
    "head_name",
    "head_type",
    "head_user",
    "head_appointed_on",
    "entered_annual_premium",
)
STAFF_FIELDS = (
    "name",
    "kind",
    "user",
    "qualification_number",
    "qualification_expires_on",
    "joined_on",
)
SIZE_FIELDS = ("width_mm", "height_mm", "thickness_mm", "material")


def day_end(day: dt.date) -> dt.datetime:
    """The end of `day` in Beijing time (the next midnight): the anchor of date-bound
    timers (lease end, qualification expiry, a finding's due date)."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def check_registry_writer(user: User, outlet: OrgUnit) -> None:
    """The outlet head or a manager above the outlet; 404 outside scope, 403 for the
    others."""
    check_can_write(user, outlet)
    if not (user.is_superuser or user.is_manager or user.role == Role.OUTLET_HEAD):
        raise PermissionDenied(_("Only the outlet head or a manager keeps the registry."))


def _full_clean(instance, exclude: tuple[str, ...] = ()) -> None:
    instance.full_clean(exclude=list(exclude), validate_constraints=True)


# Profile (OUT-2, OUT-3, OUT-4, OUT-9) --------------------------------------------------------
def _check_head_user(outlet: OrgUnit, head_user: User | None) -> None:
    if head_user is not None and head_user.org_unit_id != outlet.pk:
        raise ValidationError(
            {"head_user": _("The head's account must belong to this outlet (OUT-9).")},
            code="head_elsewhere",
        )


def profile_save(
    *, by: User, outlet: OrgUnit, values: Mapping[str, object], reason: str = ""
) -> OutletProfile:
    """Create the outlet's registry record or change it (with a reason, kept in its
    history). `values` holds fields of PROFILE_FIELDS; the others keep their value."""
    check_registry_writer(by, outlet)
    unknown = set(values) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    if outlet.kind != OrgUnit.Kind.OUTLET:
        raise ValidationError(_("Only an outlet has a registry record."), code="not_outlet")
    profile = profile_for(outlet=outlet)
    creating = profile is None
    if creating:
        profile = OutletProfile(outlet=outlet)
    for name, value in values.items():
        setattr(profile, name, value.strip() if isinstance(value, str) else value)
    _check_head_user(outlet, profile.head_user)
    _full_clean(profile)
    with transaction.atomic():
        save_with_reason(profile, by=by, reason=reason, require_reason=not creating)
    return profile


def check_name_writer(user: User, profile: OutletProfile) -> None:
    """OUT-2: the regulator's name is recorded by a manager above the outlet."""
    check_can_write(user, profile)
    if not user.is_manager:
        raise PermissionDenied(_("Only a manager records a name imposed by the regulator."))


def official_name_impose(
    *, by: User, profile: OutletProfile, name: str, reason: str
) -> OutletProfile:
    """OUT-2: record the name a local regulator imposed (it then wins over the standard
    name), or clear it with `name` empty. A manager records it; the reason is required
    both on the record and in its history."""
    check_name_writer(by, profile)
    name, reason = name.strip(), reason.strip()
    if not reason:
        raise ValidationError(
            {"imposed_name_reason": _("Say why the regulator imposed this name (OUT-2).")},
            code="reason_required",
        )
    if name and name == profile.standard_name:
        raise ValidationError(
            {"imposed_name": _("This is the standard name already; nothing to impose.")},
            code="same_as_standard",
        )
    profile.imposed_name = name
    profile.imposed_name_reason = reason if name else ""
    _full_clean(profile)
    with transaction.atomic():
        save_with_reason(profile, by=by, reason=reason)
    return profile


# Leases (OUT-5) ------------------------------------------------------------------------------
def check_lease(
    *,
    outlet: OrgUnit,
    starts_on: dt.date,
    ends_on: dt.date,
    short_term_reason: str,
    exclude_pk: int | None = None,
) -> None:
    errors: dict[str, list[str]] = {}
    if ends_on <= starts_on:
        errors["ends_on"] = [_("The lease must end after it starts.")]
    else:
        years = outlet_settings_for(outlet=outlet).min_lease_years
        if ends_on < add_years(starts_on, years) and not short_term_reason.strip():
            errors["short_term_reason"] = [
                _(
                    "The term is shorter than %(years)s years: record why the exception is "
                    "allowed (OUT-5)."
                )
                % {"years": years}
            ]
        overlapping = Lease.objects.filter(
            outlet=outlet, starts_on__lte=ends_on, ends_on__gte=starts_on
        ).exclude(pk=exclude_pk)
        if overlapping.exists():
            errors["starts_on"] = [_("This period overlaps another lease of the outlet.")]
    if errors:
        raise ValidationError(errors, code="invalid_lease")


def _warn_before_end(lease: Lease, *, by: User) -> SlaTimer | None:
    """OUT-5: the warning timer, due the rule's lead time (90 days) before the end; none
    for a lease that has already ended."""
    if lease.ends_on < timezone.localdate():
        return None
    profile = profile_for(outlet=lease.outlet)
    return timer_start(
        subject=lease,
        rule_code=LEASE_RULE,
        org_unit=lease.outlet,
        owner=profile.head_user if profile else None,
        anchor=day_end(lease.ends_on),
        by=by,
    )


def lease_record(
    *,
    by: User,
    outlet: OrgUnit,
    landlord: str,
    starts_on: dt.date,
    ends_on: dt.date,
    short_term_reason: str = "",
) -> Lease:
    """OUT-5: record a lease of at least the minimum term (or an exception with its
    reason) and start its end warning. A lease that follows earlier ones (a renewal)
    cancels their warnings."""
    check_registry_writer(by, outlet)
    check_lease(
        outlet=outlet, starts_on=starts_on, ends_on=ends_on, short_term_reason=short_term_reason
    )
    with transaction.atomic():
        lease = Lease(
            outlet=outlet,
            landlord=landlord.strip(),
            starts_on=starts_on,
            ends_on=ends_on,
            short_term_reason=short_term_reason.strip(),
        )
        _full_clean(lease, exclude=("end_warning",))
        save_with_reason(lease, by=by)
        for earlier in Lease.objects.filter(outlet=outlet, ends_on__lt=starts_on).select_related(
            "end_warning"
        ):
            if earlier.end_warning is not None:
                timer_cancel(timer=earlier.end_warning, by=by, detail=_("Lease renewed."))
        lease.end_warning = _warn_before_end(lease, by=by)
        lease.save(update_fields=["end_warning"])
    return lease


def lease_update(
    *,
    by: User,
    lease: Lease,
    landlord: str,
    starts_on: dt.date,
    ends_on: dt.date,
    short_term_reason: str,
    reason: str,
) -> Lease:
    """Correct a lease (with a reason). A changed end date restarts its warning."""
    check_registry_writer(by, lease.outlet)
    check_lease(
        outlet=lease.outlet,
        starts_on=starts_on,
        ends_on=ends_on,
        short_term_reason=short_term_reason,
        exclude_pk=lease.pk,
    )
    with transaction.atomic():
        end_changed = ends_on != lease.ends_on
        lease.landlord = landlord.strip()
        lease.starts_on, lease.ends_on = starts_on, ends_on
        lease.short_term_reason = short_term_reason.strip()
        if end_changed:
            if lease.end_warning is not None:
                timer_cancel(timer=lease.end_warning, by=by, detail=_("End date changed."))
            lease.end_warning = _warn_before_end(lease, by=by)
        _full_clean(lease, exclude=("end_warning",))
        save_with_reason(lease, by=by, reason=reason, require_reason=True)
    return lease


# Facilities (OUT-6, OUT-7, OUT-8) -------------------------------------------------------------
def facility_item_set(
    *,
    by: User,
    outlet: OrgUnit,
    code: str,
    present: bool,
    width_mm: int | None = None,
    height_mm: int | None = None,
    thickness_mm: int | None = None,
    material: str = "",
    note: str = "",
) -> FacilityItem:
    """Record whether a catalogue item (outlets.standards) is at the outlet; sizes and
    board only for the nameplate (OUT-6)."""
    check_registry_writer(by, outlet)
    spec = FACILITY_BY_CODE.get(code)
    if spec is None:
        raise ValidationError({"code": _("Unknown item.")}, code="unknown_item")
    sizes = {
        "width_mm": width_mm,
        "height_mm": height_mm,
        "thickness_mm": thickness_mm,
        "material": material.strip(),
    }
    if code != "nameplate" and any(sizes.values()):
        raise ValidationError(
            {"width_mm": _("Sizes and board are recorded for the nameplate only.")},
            code="sizes_not_nameplate",
        )
    with transaction.atomic():
        item = FacilityItem.objects.select_for_update().filter(
            outlet=outlet, code=code
        ).first() or FacilityItem(outlet=outlet, code=code)
        item.category = spec.category
        item.present = present
        for name, value in sizes.items():
            setattr(item, name, value)
        item.note = note.strip()
        _full_clean(item)
        save_with_reason(item, by=by)
    return item


def facilities_record(
    *, by: User, outlet: OrgUnit, present: set[str], nameplate: Mapping[str, object] | None = None
) -> list[FacilityItem]:
    """The whole checklist at once: every catalogue item present or not, the nameplate
    with its sizes. Nothing is saved if any item is refused."""
    nameplate = dict(nameplate or {})
    unknown = present - set(FACILITY_BY_CODE)
    if unknown:
        raise ValidationError({"present": _("Unknown item.")}, code="unknown_item")
    with transaction.atomic():
        return [
            facility_item_set(
                by=by,
                outlet=outlet,
                code=code,
                present=code in present,
                **(nameplate if code == "nameplate" else {}),
            )
            for code in FACILITY_BY_CODE
        ]


# Staff and agents (OUT-9, OUT-10) ------------------------------------------------------------
def check_staff_member(*, outlet: OrgUnit, member: StaffMember, today: dt.date) -> None:
    errors: dict[str, list[str]] = {}
    if member.kind == StaffMember.Kind.AGENT:
        if not member.qualification_number.strip():
            errors["qualification_number"] = [
                _("A sales agent must hold an agent qualification (OUT-10).")
            ]
        if member.qualification_expires_on is None:
            errors["qualification_expires_on"] = [
                _("Record when the agent's qualification expires (OUT-10).")
            ]
        elif member.qualification_expires_on < today and member.left_on is None:
            errors["qualification_expires_on"] = [
                _("This qualification has expired; an agent cannot work without one (OUT-10).")
            ]
    if member.user_id and member.user.org_unit_id != outlet.pk:
        errors["user"] = [_("The account must belong to this outlet.")]
    if errors:
        raise ValidationError(errors, code="invalid_staff")


def _warn_before_expiry(member: StaffMember, *, by: User) -> SlaTimer | None:
    """OUT-10: warn the outlet head the rule's lead time (30 days) before an agent's
    qualification expires."""
    if member.kind != StaffMember.Kind.AGENT or member.qualification_expires_on is None:
        return None
    profile = profile_for(outlet=member.outlet)
    return timer_start(
        subject=member,
        rule_code=QUALIFICATION_RULE,
        org_unit=member.outlet,
        owner=profile.head_user if profile else None,
        anchor=day_end(member.qualification_expires_on),
        by=by,
    )


def staff_member_add(
    *,
    by: User,
    outlet: OrgUnit,
    name: str,
    kind: str,
    joined_on: dt.date,
    user: User | None = None,
    qualification_number: str = "",
    qualification_expires_on: dt.date | None = None,
) -> StaffMember:
    """Add a person to the outlet; an agent needs a valid qualification, whose expiry is
    warned about (OUT-10)."""
    check_registry_writer(by, outlet)
    member = StaffMember(
        outlet=outlet,
        name=name.strip(),
        kind=kind,
        user=user,
        qualification_number=qualification_number.strip(),
        qualification_expires_on=qualification_expires_on,
        joined_on=joined_on,
    )
    check_staff_member(outlet=outlet, member=member, today=timezone.localdate())
    _full_clean(member, exclude=("expiry_warning",))
    with transaction.atomic():
        save_with_reason(member, by=by)
        member.expiry_warning = _warn_before_expiry(member, by=by)
        member.save(update_fields=["expiry_warning"])
    return member


def staff_member_update(
    *, by: User, member: StaffMember, values: Mapping[str, object], reason: str
) -> StaffMember:
    """Change a person's record (with a reason); a renewed qualification restarts the
    expiry warning."""
    check_registry_writer(by, member.outlet)
    unknown = set(values) - set(STAFF_FIELDS)
    if unknown:
        raise ValueError(f"not staff fields: {sorted(unknown)}")
    before = (member.kind, member.qualification_expires_on)
    for name, value in values.items():
        setattr(member, name, value.strip() if isinstance(value, str) else value)
    check_staff_member(outlet=member.outlet, member=member, today=timezone.localdate())
    _full_clean(member, exclude=("expiry_warning",))
    with transaction.atomic():
        if (member.kind, member.qualification_expires_on) != before:
            if member.expiry_warning is not None:
                timer_cancel(timer=member.expiry_warning, by=by, detail=_("Qualification changed."))
            member.expiry_warning = _warn_before_expiry(member, by=by)
        save_with_reason(member, by=by, reason=reason, require_reason=True)
    return member


def staff_member_leave(
    *, by: User, member: StaffMember, left_on: dt.date, reason: str
) -> StaffMember:
    """The person left the outlet on `left_on`; their qualification warning stops."""
    check_registry_writer(by, member.outlet)
    if member.left_on is not None:
        raise ValidationError(_("This person has already left."), code="already_left")
    if left_on < member.joined_on:
        raise ValidationError(
            {"left_on": _("A person cannot leave before joining.")}, code="left_before_joining"
        )
    with transaction.atomic():
        member.left_on = left_on
        if member.expiry_warning is not None:
            timer_cancel(timer=member.expiry_warning, by=by, detail=_("Left the outlet."))
        save_with_reason(member, by=by, reason=reason, require_reason=True)
    return member
