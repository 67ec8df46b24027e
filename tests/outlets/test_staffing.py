"""OUT-10: minimum staff by annual premium (configurable bands, county override), the
premium from underwriting else the entered figure, who counts, and the understaffing
finding with its OUT-16 timer, raised once and closed when staffed again."""

import datetime as dt
from decimal import Decimal

import pytest

from core import clocks
from core.models import OutboxMessage, SlaTimer
from outlets.models import Finding, StaffingBand, StaffMember
from outlets.selectors_compliance import annual_premium, staffing_status
from outlets.services.staffing import STAFFING_STANDARD, staffing_check
from outlets.tasks import check_staffing, check_staffing_all
from tests.outlets.staffing_support import add_staff, at, issued_policy, monday  # noqa: F401


@pytest.mark.parametrize(
    ("premium", "minimum"),
    [
        ("0", 3),
        ("999999.99", 3),
        ("1000000", 4),
        ("2999999.99", 4),
        ("3000000", 5),
        ("5000000", 6),
        ("12000000", 6),
    ],
)
def test_out_10_minimum_staff_by_default_bands_from_inclusive(tree, profile_a, premium, minimum):
    profile_a.entered_annual_premium = Decimal(premium)
    profile_a.save()
    assert staffing_status(outlet=tree.outlet_a).minimum == minimum


@pytest.mark.usefixtures("monday")
def test_out_10_premium_from_policies_issued_in_the_last_12_months(
    tree, profile_a, clerk_a, clerk_b
):
    profile_a.entered_annual_premium = Decimal("9000000")
    profile_a.save()
    issued_policy(tree.outlet_a, clerk_a, "800000.00", at(dt.date(2025, 10, 1)))
    issued_policy(tree.outlet_a, clerk_a, "700000.00", at(dt.date(2026, 9, 27)))
    # Older than twelve months, surrendered, or another outlet's: not counted.
    issued_policy(tree.outlet_a, clerk_a, "5000000.00", at(dt.date(2025, 9, 28)))
    issued_policy(
        tree.outlet_a, clerk_a, "5000000.00", at(dt.date(2026, 3, 1)), status="surrendered"
    )
    issued_policy(tree.outlet_b, clerk_b, "5000000.00", at(dt.date(2026, 3, 1)))
    premium = annual_premium(outlet=tree.outlet_a)
    assert premium.source == "underwriting" and premium.policies == 2
    assert premium.amount == Decimal("1500000.00")
    assert staffing_status(outlet=tree.outlet_a).minimum == 4


@pytest.mark.usefixtures("monday")
def test_out_10_entered_premium_when_underwriting_has_none_else_lowest_band(
    tree, profile_a, profile_b
):
    profile_a.entered_annual_premium = Decimal("3500000")
    profile_a.save()
    assert annual_premium(outlet=tree.outlet_a).source == "entered"
    assert staffing_status(outlet=tree.outlet_a).minimum == 5
    none = annual_premium(outlet=tree.outlet_b)
    assert none.source == "none" and none.amount == 0
    assert staffing_status(outlet=tree.outlet_b).minimum == 3


def test_out_10_county_bands_replace_the_default_table(tree, profile_a):
    profile_a.entered_annual_premium = Decimal("2000000")
    profile_a.save()
    StaffingBand.objects.create(county=tree.county, premium_from=0, minimum_staff=2)
    StaffingBand.objects.create(county=tree.county, premium_from=1500000, minimum_staff=7)
    assert staffing_status(outlet=tree.outlet_a).minimum == 7
    # Another county keeps the default bands.
    assert [b.county for b in staffing_status(outlet=tree.outlet_c).bands] == [None] * 4


@pytest.mark.usefixtures("monday")
def test_out_10_who_counts_left_staff_and_expired_agents_do_not(tree, profile_a):
    add_staff(tree.outlet_a, 2)
    add_staff(tree.outlet_a, 1, left_on=dt.date(2026, 9, 1))
    add_staff(tree.outlet_a, 1, joined_on=dt.date(2026, 10, 5))
    StaffMember.objects.create(
        outlet=tree.outlet_a,
        name="代理人甲",
        kind="agent",
        joined_on=dt.date(2025, 1, 1),
        qualification_number="Q1",
        qualification_expires_on=dt.date(2027, 1, 1),
    )
    StaffMember.objects.create(
        outlet=tree.outlet_a,
        name="代理人乙",
        kind="agent",
        joined_on=dt.date(2025, 1, 1),
        qualification_number="Q2",
        qualification_expires_on=dt.date(2026, 9, 27),
    )
    assert staffing_status(outlet=tree.outlet_a).staff == 3


@pytest.mark.usefixtures("monday")
def test_out_10_understaffing_is_one_finding_with_a_due_timer_closed_when_staffed(
    tree, profile_a, outlet_head_a, county_manager
):
    add_staff(tree.outlet_a, 2)
    status = staffing_check(outlet=tree.outlet_a)
    assert status.understaffed and status.short == 1
    staffing_check(outlet=tree.outlet_a)
    finding = Finding.objects.get()
    assert finding.standard == STAFFING_STANDARD and finding.source == Finding.Source.STAFFING
    assert finding.owner == outlet_head_a and finding.due_on == dt.date(2026, 10, 28)
    assert finding.timer.rule.code == "OUT-16"
    assert finding.timer.due_at == clocks.end_of_day(dt.date(2026, 10, 28))
    assert OutboxMessage.objects.filter(recipient=outlet_head_a).count() == 1

    add_staff(tree.outlet_a, 1, joined_on=dt.date(2026, 9, 28))
    assert not staffing_check(outlet=tree.outlet_a).understaffed
    finding.refresh_from_db()
    assert finding.state == Finding.State.CLOSED and finding.closed_at is not None
    assert finding.timer.state == SlaTimer.State.MET
    assert "OUT-10" in finding.closing_note


@pytest.mark.usefixtures("monday")
def test_out_10_daily_task_checks_every_outlet(tree, profile_a, profile_b, outlet_head_a):
    add_staff(tree.outlet_a, 3)
    # Outlets B and C have no staff; with no head nor manager to own it, no finding.
    assert check_staffing_all() == 2  # outlet B and outlet C
    assert not Finding.objects.filter(outlet=tree.outlet_a).exists()
    assert check_staffing(tree.outlet_a.pk) is False
    assert check_staffing(999999) is False
