"""Reads of the outlet registry, inspections and findings, always through the user's
scope (OUT-1): `*_list` narrows a queryset to what the user may see, `*_get` returns one
record or raises NotInScope (a 404 that reveals nothing).

The functions without a `user` (`profile_for`, `outlet_settings_for`, `lease_current`,
`staff_active`, `registry_facts`, `latest_completed_inspection`, `open_findings`) serve
services, tasks and the compliance score, which have already resolved the outlet in
scope. The other outlet areas (staffing, hours, queue, compliance) import from here
read-only.
"""

import datetime as dt

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from core.access import get_in_scope, in_scope
from core.models import OrgUnit, Role, User
from core.selectors import county_override
from outlets.models import (
    FacilityItem,
    Finding,
    Inspection,
    InspectionResult,
    Lease,
    OutletProfile,
    OutletSettings,
    StaffMember,
)
from outlets.standards import RegistryFacts, Standard, registry_answers

# OUT-10: how far ahead an agent's qualification expiry is shown as a warning on pages
# (the OUT-10-qualification timer notifies on its own lead time).
QUALIFICATION_WARNING_DAYS = 30


# Outlets and their profiles ----------------------------------------------------------------
def outlet_list(*, user: User, query: str = "") -> QuerySet[OrgUnit]:
    """The outlets (org-tree nodes of kind outlet) in the user's scope, with their
    registry profile and the number of open findings."""
    outlets = in_scope(
        OrgUnit.objects.filter(kind=OrgUnit.Kind.OUTLET, is_active=True), user
    ).select_related("parent", "profile")
    query = query.strip()
    if query:
        outlets = outlets.filter(
            Q(name__icontains=query)
            | Q(code__icontains=query)
            | Q(profile__township__icontains=query)
            | Q(profile__imposed_name__icontains=query)
        )
    return outlets.annotate(
        open_finding_count=Count("findings", filter=Q(findings__state=Finding.State.OPEN))
    ).order_by("path")


def outlet_get(*, user: User, pk) -> OrgUnit:
    """One outlet node in the user's scope; NotInScope otherwise (also for a node of
    another kind)."""
    return get_in_scope(
        OrgUnit.objects.filter(kind=OrgUnit.Kind.OUTLET).select_related("parent"), user, pk=pk
    )


def profile_list(*, user: User) -> QuerySet[OutletProfile]:
    return in_scope(OutletProfile.objects.select_related("outlet", "head_user"), user)


def profile_get(*, user: User, outlet_pk) -> OutletProfile:
    """The registry record of an outlet in scope; NotInScope if there is none yet."""
    return get_in_scope(
        OutletProfile.objects.select_related("outlet", "head_user"), user, outlet_id=outlet_pk
    )


def profile_for(*, outlet: OrgUnit) -> OutletProfile | None:
    return OutletProfile.objects.filter(outlet=outlet).select_related("head_user").first()


def outlet_settings_for(*, outlet: OrgUnit) -> OutletSettings:
    """The configurable numbers (OUT-4, OUT-5, OUT-15) of the outlet's county, else the
    default row."""
    found = county_override(OutletSettings.objects.all(), county=outlet.county)
    return found or OutletSettings.objects.get_or_create(county=None)[0]


# Leases (OUT-5) -------------------------------------------------------------------------------
def lease_list(*, user: User, outlet: OrgUnit | None = None) -> QuerySet[Lease]:
    leases = in_scope(Lease.objects.select_related("outlet", "end_warning"), user)
    return leases.filter(outlet=outlet) if outlet is not None else leases


def lease_get(*, user: User, pk) -> Lease:
    return get_in_scope(Lease.objects.select_related("outlet", "end_warning"), user, pk=pk)


def lease_current(*, outlet: OrgUnit, on: dt.date | None = None) -> Lease | None:
    """The lease covering `on` (today), else the one that ends last."""
    on = on or timezone.localdate()
    leases = Lease.objects.filter(outlet=outlet)
    covering = leases.filter(starts_on__lte=on, ends_on__gte=on).order_by("-ends_on").first()
    return covering or leases.order_by("-ends_on").first()


def leases_ending(*, user: User, within_days: int = 90) -> QuerySet[Lease]:
    """OUT-5: the current leases in scope ending within `within_days`."""
    today = timezone.localdate()
    return lease_list(user=user).filter(
        ends_on__gte=today, ends_on__lte=today + dt.timedelta(days=within_days)
    )


# Staff (OUT-9, OUT-10) ----------------------------------------------------------------------
def _active_on(staff: QuerySet[StaffMember], on: dt.date) -> QuerySet[StaffMember]:
    return staff.filter(joined_on__lte=on).filter(Q(left_on__isnull=True) | Q(left_on__gte=on))


def staff_list(
    *, user: User, outlet: OrgUnit | None = None, active_on: dt.date | None = None
) -> QuerySet[StaffMember]:
    staff = in_scope(StaffMember.objects.select_related("outlet", "user", "expiry_warning"), user)
    if outlet is not None:
        staff = staff.filter(outlet=outlet)
    return _active_on(staff, active_on) if active_on else staff


def staff_get(*, user: User, pk) -> StaffMember:
    return get_in_scope(StaffMember.objects.select_related("outlet", "user"), user, pk=pk)


def staff_active(*, outlet: OrgUnit, on: dt.date | None = None) -> QuerySet[StaffMember]:
    """OUT-10: the people working at the outlet on `on` (today)."""
    return _active_on(StaffMember.objects.filter(outlet=outlet), on or timezone.localdate())


def qualifications_expiring(
    *, user: User, outlet: OrgUnit | None = None, within_days: int = QUALIFICATION_WARNING_DAYS
) -> QuerySet[StaffMember]:
    """OUT-10: active agents whose qualification has expired or expires within
    `within_days`, the soonest first."""
    today = timezone.localdate()
    return (
        staff_list(user=user, outlet=outlet, active_on=today)
        .filter(
            kind=StaffMember.Kind.AGENT,
            qualification_expires_on__lte=today + dt.timedelta(days=within_days),
        )
        .order_by("qualification_expires_on")
    )


# Facilities (OUT-6, OUT-7, OUT-8) -------------------------------------------------------------
def facility_list(*, user: User, outlet: OrgUnit) -> QuerySet[FacilityItem]:
    return in_scope(FacilityItem.objects.filter(outlet=outlet), user)


def facilities_of(*, outlet: OrgUnit) -> dict[str, FacilityItem]:
    """The outlet's recorded items by catalogue code."""
    return {item.code: item for item in FacilityItem.objects.filter(outlet=outlet)}


# The registry against the standards -----------------------------------------------------------
def registry_facts(*, outlet: OrgUnit, today: dt.date | None = None) -> RegistryFacts:
    today = today or timezone.localdate()
    return RegistryFacts(
        profile=profile_for(outlet=outlet),
        lease=lease_current(outlet=outlet, on=today),
        facilities=facilities_of(outlet=outlet),
        settings=outlet_settings_for(outlet=outlet),
        today=today,
    )


def registry_standards(
    *, outlet: OrgUnit, today: dt.date | None = None
) -> list[tuple[Standard, bool | None]]:
    """OUT-3..OUT-9: each standard with what the registry says (None: unknown)."""
    return registry_answers(registry_facts(outlet=outlet, today=today))


# Inspections --------------------------------------------------------------------------------
def inspection_list(
    *, user: User, outlet: OrgUnit | None = None, state: str = ""
) -> QuerySet[Inspection]:
    inspections = in_scope(Inspection.objects.select_related("outlet", "inspector"), user)
    if outlet is not None:
        inspections = inspections.filter(outlet=outlet)
    if state:
        inspections = inspections.filter(state=state)
    return inspections.annotate(
        not_met_count=Count("results", filter=Q(results__result=InspectionResult.Result.NOT_MET))
    )


def inspection_get(*, user: User, pk) -> Inspection:
    return get_in_scope(
        Inspection.objects.select_related("outlet", "inspector").prefetch_related(
            Prefetch("results", queryset=InspectionResult.objects.select_related("finding"))
        ),
        user,
        pk=pk,
    )


def inspection_results(*, inspection: Inspection) -> dict[str, InspectionResult]:
    """The inspection's results by standard code."""
    return {result.standard: result for result in inspection.results.all()}


def inspection_result_get(*, user: User, pk) -> InspectionResult:
    return get_in_scope(InspectionResult.objects.select_related("inspection__outlet"), user, pk=pk)


def latest_completed_inspection(*, outlet: OrgUnit) -> Inspection | None:
    """The most recent completed inspection of the outlet (OUT-16 reads its results)."""
    return (
        Inspection.objects.filter(outlet=outlet, state=Inspection.State.COMPLETED)
        .order_by("-inspected_on", "-completed_at", "-pk")
        .prefetch_related("results")
        .first()
    )


# Findings (OUT-16) ---------------------------------------------------------------------------
def finding_list(
    *,
    user: User,
    outlet: OrgUnit | None = None,
    unit: OrgUnit | None = None,
    state: str = "",
    source: str = "",
    overdue: bool = False,
) -> QuerySet[Finding]:
    """Findings in scope; `unit` keeps those of the outlets below a unit of the user's
    branch, `overdue` the open ones past their due date."""
    findings = in_scope(
        Finding.objects.select_related("outlet", "owner", "timer", "closed_by_inspection"), user
    )
    if outlet is not None:
        findings = findings.filter(outlet=outlet)
    if unit is not None:
        findings = findings.filter(outlet__path__startswith=unit.path)
    if state:
        findings = findings.filter(state=state)
    if source:
        findings = findings.filter(source=source)
    if overdue:
        findings = findings.filter(state=Finding.State.OPEN, due_on__lt=timezone.localdate())
    return findings


def finding_get(*, user: User, pk) -> Finding:
    return get_in_scope(
        Finding.objects.select_related(
            "outlet", "owner", "timer", "raised_by", "closed_by", "closed_by_inspection", "result"
        ),
        user,
        pk=pk,
    )


def open_findings(*, outlet: OrgUnit) -> QuerySet[Finding]:
    """The outlet's open findings, the earliest due first."""
    return Finding.objects.filter(outlet=outlet, state=Finding.State.OPEN).order_by("due_on", "pk")


def finding_owner_choices(*, outlet: OrgUnit) -> QuerySet[User]:
    """Who may own a corrective action: active staff of the outlet and the managers
    above it (not read-only roles or API clients)."""
    ancestors = [int(part) for part in outlet.path.strip("/").split("/") if part]
    return User.objects.filter(is_active=True, org_unit_id__in=ancestors).exclude(
        role__in=[Role.AUDITOR, Role.API_CLIENT]
    )
