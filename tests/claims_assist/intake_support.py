"""Shared by the intake tests (CLM-1, CLM-2): the values of a report on outlet A's rice
policy and an issued group policy with its household list."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from claims_assist.models import ClaimCase
from tests.underwriting.factories import OrganisationFactory, PolicyFactory
from underwriting.models import HouseholdList, HouseholdRow, Policy

BEIJING = dt.timezone(dt.timedelta(hours=8))
ID_A = "11010519491231002X"  # farmer_a 张三


def report_values(book, **overrides) -> dict:
    now = timezone.now()
    values = {
        "channel": ClaimCase.Channel.WALK_IN,
        "policy_number": book.rice_a.number,
        "insured_name": "张三",
        "insured_id_number": "",
        "incident_at": now - dt.timedelta(hours=6),
        "incident_place": "东村一组",
        "cause": "暴雨",
        "course": "连日暴雨，稻田被淹。",
        "injuries": "",
        "deaths": 0,
        "measures": "排水",
        "current_state": "稻田仍被淹",
        "hospital": "",
        "reporter_name": "张三",
        "reporter_phone": "138 0013 8000",
        "reporter_relation": ClaimCase.Relation.SELF,
        "estimated_amount": Decimal("3000.00"),
    }
    return values | overrides


def group_policy(book, tree, clerk, *, rows) -> Policy:
    """An issued group policy of outlet A with an accepted list of `rows` (name, ID)."""
    committee = OrganisationFactory(org_unit=tree.outlet_a, created_by=clerk)
    policy = PolicyFactory(
        kind=Policy.Kind.GROUP,
        number="PZAA202644182301000099",
        status=Policy.Status.ISSUED,
        product=book.rice,
        organiser=committee,
        org_unit=tree.outlet_a,
        entered_by=clerk,
        sum_insured=Decimal("30000.00"),
        issued_at=timezone.now() - dt.timedelta(days=30),
        starts_on=timezone.localdate() - dt.timedelta(days=29),
    )
    household_list = HouseholdList.objects.create(
        policy=policy,
        state=HouseholdList.State.ACCEPTED,
        source="household-lists/2026/03/x.xlsx",
        source_name="x.xlsx",
        uploaded_by=clerk,
    )
    for index, (name, id_number) in enumerate(rows):
        HouseholdRow.objects.create(
            household_list=household_list,
            row_number=3 + index,
            name=name,
            id_kind=HouseholdRow.IdKind.RESIDENT,
            id_number=id_number,
            quantity=Decimal("10"),
            unit="亩",
        )
    return policy
