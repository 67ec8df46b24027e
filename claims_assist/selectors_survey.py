"""Reads of survey assignments (CLM-5) and assessments (CLM-6, CLM-7, CLM-15), always
through the user's scope (OUT-1): `*_list` narrows to what the user may see, `*_get`
returns one record or raises NotInScope (a 404)."""

from django.db.models import F, QuerySet

from claims_assist.models import Assessment, ClaimCase, SurveyAssignment
from core.access import get_in_scope, in_scope
from core.models import User


def _assignments() -> QuerySet[SurveyAssignment]:
    return SurveyAssignment.objects.select_related(
        "case__org_unit", "case__product", "assignee", "assigned_by"
    )


def assignment_list(
    *, user: User, case: ClaimCase | None = None, assignee: User | None = None, state: str = ""
) -> QuerySet[SurveyAssignment]:
    """The assignments of the user's branch, newest first; narrowed to one case, one
    assignee or one state if given."""
    queryset = in_scope(_assignments(), user)
    if case is not None:
        queryset = queryset.filter(case=case)
    if assignee is not None:
        queryset = queryset.filter(assignee=assignee)
    if state:
        queryset = queryset.filter(state=state)
    return queryset


def my_open_assignments(*, user: User) -> QuerySet[SurveyAssignment]:
    """CLM-5: the open assignments given to the user, oldest first (work to do)."""
    return assignment_list(user=user, assignee=user, state=SurveyAssignment.State.OPEN).order_by(
        "assigned_at", "pk"
    )


def assignment_get(*, user: User, pk: int) -> SurveyAssignment:
    return get_in_scope(_assignments(), user, pk=pk)


def _assessments() -> QuerySet[Assessment]:
    return Assessment.objects.select_related(
        "case__org_unit", "case__product", "adjuster", "authorisation"
    ).prefetch_related("exclusions")


def assessment_list(*, user: User, case: ClaimCase | None = None) -> QuerySet[Assessment]:
    """The assessments of the user's branch, the current one of each case first."""
    queryset = in_scope(_assessments(), user)
    if case is not None:
        queryset = queryset.filter(case=case)
    return queryset.order_by(F("superseded_at").desc(nulls_first=True), "-assessed_at", "-pk")


def assessment_get(*, user: User, pk: int) -> Assessment:
    return get_in_scope(_assessments(), user, pk=pk)


def current_assessment(*, case: ClaimCase) -> Assessment | None:
    """The case's assessment not superseded (at most one, by constraint). The caller
    has resolved the case in the user's scope already."""
    return _assessments().filter(case=case, superseded_at__isnull=True).first()
