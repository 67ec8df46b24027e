"""Builders for the CLM-6 authority tests: an evaluation and an authorisation granted
through the services, as a manager would."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from claims_assist.models import AnnualEvaluation
from claims_assist.services import authority as authority_service
from core.models import Role
from tests.factories import UserFactory

__all__ = ["assist_b", "assist_c", "evaluate", "grant", "manager_c", "today"]


def today() -> dt.date:
    return timezone.localdate()


def evaluate(*, by, staff, grade="good", year=None) -> AnnualEvaluation:
    day = today()
    return authority_service.evaluation_record(
        by=by,
        staff=staff,
        year=year if year is not None else day.year - 1,
        grade=grade,
        evaluated_on=day.replace(month=1, day=1) if year is None else day,
    )


def grant(*, by, holder, evaluation=None, **values):
    day = today()
    values.setdefault("lines", ["crop"])
    values.setdefault("case_limit", Decimal("2000"))
    values.setdefault("valid_from", day - dt.timedelta(days=10))
    values.setdefault("valid_to", day + dt.timedelta(days=200))
    if evaluation is None:
        evaluation = evaluate(by=by, staff=holder)
    return authority_service.authorisation_grant(
        by=by, holder=holder, evaluation=evaluation, **values
    )


def assist_b(tree):
    return UserFactory(username="assist_b", org_unit=tree.outlet_b, role=Role.CLAIMS_ASSIST)


def assist_c(tree):
    return UserFactory(username="assist_c", org_unit=tree.outlet_c, role=Role.CLAIMS_ASSIST)


def manager_c(tree):
    return UserFactory(username="manager_c", org_unit=tree.other_county, role=Role.COUNTY_MANAGER)
