"""Reads of claims assist, always through the user's scope (OUT-1): `*_list` narrows a
queryset to what the user may see, `*_get` returns one record or raises NotInScope (a
404 that reveals nothing).

`authorities_of` has no `user`: it serves services and pages that have already resolved
the holder (the holder's own page, the authority check).
"""

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from claims_assist.models import AdjusterAuthorisation, AnnualEvaluation
from core.access import get_in_scope, in_scope
from core.models import OrgUnit, Role, User

# CLM-6: how far ahead an authority's end is highlighted on pages (the CLM-6 timer
# notifies on its own lead time).
EXPIRY_HIGHLIGHT_DAYS = 30


# Authorisations ------------------------------------------------------------------------------
def _authorisations() -> QuerySet[AdjusterAuthorisation]:
    return AdjusterAuthorisation.objects.select_related(
        "holder__org_unit", "evaluation", "granted_by", "city_approved_by", "expiry_warning"
    )


def authorisation_list(
    *,
    user: User,
    holder: User | None = None,
    valid_on: dt.date | None = None,
    state: str = "",
) -> QuerySet[AdjusterAuthorisation]:
    """The authorisations of holders in the user's branch; `valid_on` keeps the active
    ones valid on that day."""
    queryset = in_scope(_authorisations(), user)
    if holder is not None:
        queryset = queryset.filter(holder=holder)
    if valid_on is not None:
        queryset = queryset.filter(
            state=AdjusterAuthorisation.State.ACTIVE,
            valid_from__lte=valid_on,
            valid_to__gte=valid_on,
        )
    if state:
        queryset = queryset.filter(state=state)
    return queryset.order_by("valid_to", "holder__username", "pk")


def authorisation_get(*, user: User, pk: int) -> AdjusterAuthorisation:
    return get_in_scope(_authorisations(), user, pk=pk)


def authorities_of(*, holder: User, on: dt.date | None = None) -> QuerySet[AdjusterAuthorisation]:
    """CLM-6: the holder's active authorisations valid on `on` (default today)."""
    on = on or timezone.localdate()
    return _authorisations().filter(
        holder=holder,
        state=AdjusterAuthorisation.State.ACTIVE,
        valid_from__lte=on,
        valid_to__gte=on,
    )


def expires_soon(authorisation: AdjusterAuthorisation, *, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return (
        authorisation.state == AdjusterAuthorisation.State.ACTIVE
        and today <= authorisation.valid_to <= today + dt.timedelta(days=EXPIRY_HIGHLIGHT_DAYS)
    )


# Evaluations ---------------------------------------------------------------------------------
def evaluation_list(
    *, user: User, staff: User | None = None, year: int | None = None
) -> QuerySet[AnnualEvaluation]:
    queryset = in_scope(
        AnnualEvaluation.objects.select_related("staff__org_unit", "evaluated_by"), user
    )
    if staff is not None:
        queryset = queryset.filter(staff=staff)
    if year is not None:
        queryset = queryset.filter(year=year)
    return queryset.order_by("-year", "staff__username")


def evaluation_get(*, user: User, pk: int) -> AnnualEvaluation:
    return get_in_scope(AnnualEvaluation.objects.select_related("staff__org_unit"), user, pk=pk)


# People --------------------------------------------------------------------------------------
def claims_assist_staff(*, user: User) -> QuerySet[User]:
    """The active claims-assist staff of the user's branch (possible holders)."""
    return in_scope(
        User.objects.filter(is_active=True, role=Role.CLAIMS_ASSIST).select_related("org_unit"),
        user,
    ).order_by("org_unit__path", "username")


def staff_get(*, user: User, pk: int) -> User:
    return get_in_scope(User.objects.select_related("org_unit"), user, pk=pk)


def city_claims_centre_staff(*, user: User) -> QuerySet[User]:
    """The claims-centre users of the city above the user (or of the cities in the
    user's branch): who may approve one-stop service."""
    if user.is_superuser:
        cities = Q()
    elif user.org_unit_id is None:
        return User.objects.none()
    else:
        above = [int(part) for part in user.org_unit.path.strip("/").split("/") if part]
        cities = Q(org_unit_id__in=above) | Q(org_unit__path__startswith=user.org_unit.path)
    return (
        User.objects.filter(
            cities, is_active=True, role=Role.CLAIMS_CENTRE, org_unit__kind=OrgUnit.Kind.CITY
        )
        .select_related("org_unit")
        .order_by("username")
    )
