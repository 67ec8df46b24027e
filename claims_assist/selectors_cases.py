"""Reads of claim cases, always through the user's scope (OUT-1): `case_list` narrows
to what the user may see, `case_get` returns one case or raises NotInScope."""

from django.db.models import QuerySet

from claims_assist.models import ClaimCase
from core.access import get_in_scope, in_scope
from core.models import User


def _cases() -> QuerySet[ClaimCase]:
    return ClaimCase.objects.select_related("org_unit", "owner", "product", "case_type")


def case_list(*, user: User) -> QuerySet[ClaimCase]:
    """The cases of the user's branch, newest report first."""
    return in_scope(_cases(), user)


def case_get(*, user: User, pk: int) -> ClaimCase:
    """One case of the user's branch (404 otherwise)."""
    return get_in_scope(_cases().select_related("policy", "household_row"), user, pk=pk)
