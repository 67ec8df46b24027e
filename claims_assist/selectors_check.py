"""Reads of the initial check, refusal letters and the watch list (CLM-3, CLM-16,
REG-1), always through the user's scope (OUT-1): `*_list` narrows to what the user may
see, `*_get` returns one record or raises NotInScope (a 404 that reveals nothing).

The watch list hangs off the county (scope_field "county"): outlet staff see none of
it, county managers their county's, the city claims centre its counties'."""

from django.db.models import QuerySet

from claims_assist.models import ClaimCase, RefusalLetter, WatchListEntry
from core.access import get_in_scope, in_scope
from core.models import OrgUnit, User


# Refusal letters --------------------------------------------------------------------------
def _refusals() -> QuerySet[RefusalLetter]:
    return RefusalLetter.objects.select_related("case__org_unit", "issued_by")


def refusal_list(*, user: User, case: ClaimCase | None = None) -> QuerySet[RefusalLetter]:
    """The refusal letters of the user's branch (of one case if given), newest first."""
    queryset = in_scope(_refusals(), user)
    if case is not None:
        queryset = queryset.filter(case=case)
    return queryset


def refusal_get(*, user: User, pk: int) -> RefusalLetter:
    return get_in_scope(_refusals(), user, pk=pk)


# Watch list (CLM-16) ------------------------------------------------------------------------
def _entries() -> QuerySet[WatchListEntry]:
    return WatchListEntry.objects.select_related("county", "added_by", "removed_by", "case")


def watch_list(
    *, user: User, county: OrgUnit | None = None, include_removed: bool = False
) -> QuerySet[WatchListEntry]:
    """The watch list entries of the counties in the user's branch, active ones only
    unless `include_removed`."""
    queryset = in_scope(_entries(), user)
    if county is not None:
        queryset = queryset.filter(county=county)
    if not include_removed:
        queryset = queryset.filter(removed_at__isnull=True)
    return queryset


def watch_list_entry_get(*, user: User, pk: int) -> WatchListEntry:
    return get_in_scope(_entries(), user, pk=pk)


def watch_list_counties(*, user: User) -> QuerySet[OrgUnit]:
    """The county branches whose watch list the user keeps: their own county, or the
    counties under the city claims centre."""
    return in_scope(OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY, is_active=True), user)
