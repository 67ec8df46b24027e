"""Helpers of the staffing, hours and compliance tests (OUT-10, OUT-11, OUT-16)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from core.models import OrgUnit, User
from outlets.models import BusinessHours, StaffMember
from tests.underwriting.factories import CustomerFactory, PolicyFactory
from underwriting.models import Policy

TZ = timezone.get_fixed_timezone(8 * 60)
# A Monday in September 2026: National Day (1 October) is three days later.
MONDAY = dt.datetime(2026, 9, 28, 10, 0, tzinfo=TZ)
NATIONAL_DAY = dt.date(2026, 10, 1)
# A Sunday worked in place of a holiday (调休) in the official 2026 calendar.
MAKEUP_SUNDAY = dt.date(2026, 9, 20)


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TZ)


def issued_policy(
    outlet: OrgUnit, clerk: User, premium: str, issued_at: dt.datetime, **overrides
) -> Policy:
    """An individual policy issued at the outlet with `premium` (all paid by the farmer)."""
    values = {
        "org_unit": outlet,
        "entered_by": clerk,
        "insured": CustomerFactory(org_unit=outlet, created_by=clerk),
        "status": Policy.Status.ISSUED,
        "number": f"P{outlet.pk}{issued_at:%Y%m%d%H%M%S%f}",
        "issued_at": issued_at,
        "explained_at": issued_at,
        "premium": Decimal(premium),
        "farmer_share": Decimal(premium),
    }
    return PolicyFactory(**{**values, **overrides})


def add_staff(outlet: OrgUnit, count: int, *, joined_on=dt.date(2025, 1, 1), **fields) -> list:
    kind = fields.pop("kind", StaffMember.Kind.EMPLOYEE)
    return [
        StaffMember.objects.create(
            outlet=outlet,
            name=f"员工{outlet.pk}-{kind}-{i}",
            kind=kind,
            joined_on=joined_on,
            **fields,
        )
        for i in range(count)
    ]


def publish_standard_week(outlet: OrgUnit) -> None:
    """08:30–17:30 Monday to Friday, 09:00–12:00 on Saturday."""
    for weekday in range(1, 6):
        BusinessHours.objects.create(
            outlet=outlet, weekday=weekday, opens=dt.time(8, 30), closes=dt.time(17, 30)
        )
    BusinessHours.objects.create(
        outlet=outlet, weekday=6, opens=dt.time(9, 0), closes=dt.time(12, 0)
    )


@pytest.fixture
def monday(time_machine):
    """Today is Monday 28 September 2026, 10:00 Beijing time."""
    time_machine.move_to(MONDAY, tick=False)
    return MONDAY
