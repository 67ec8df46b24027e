"""OUT-11: published hours cover the company's normal hours; holiday service promises
with a duty roster; a promise without anyone on duty becomes a finding three days
before the day (the OUT-11-duty timer), closed when someone is put on duty."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.access import NotInScope, ReadOnlyRole
from core.models import SlaTimer, WorkingPeriod
from core.timers import timers_sweep
from outlets.models import BusinessHours, DutyAssignment, Finding, HolidayService
from outlets.selectors_compliance import hours_coverage, makeup_days_uncovered
from outlets.services import hours
from tests.outlets.staffing_support import (  # noqa: F401
    MAKEUP_SUNDAY,
    NATIONAL_DAY,
    add_staff,
    at,
    monday,
    publish_standard_week,
)

T = dt.time


FULL_DAY = ((T(8, 30), T(17, 30)),)


def week(*, wednesday=FULL_DAY):
    periods = [(day, T(8, 30), T(17, 30)) for day in (1, 2, 4, 5)]
    return periods + [(3, opens, closes) for opens, closes in wednesday]


def test_out_11_hours_covering_normal_hours_are_published(tree, outlet_head_a):
    split = ((T(8, 0), T(12, 0)), (T(14, 0), T(18, 0)))
    rows = hours.business_hours_publish(
        outlet=tree.outlet_a, periods=week(wednesday=split), by=outlet_head_a
    )
    assert len(rows) == 6
    assert hours_coverage(outlet=tree.outlet_a).covers
    assert rows[0].history.first().history_user == outlet_head_a


def test_out_11_hours_short_of_normal_hours_are_refused_and_nothing_changes(tree, outlet_head_a):
    hours.business_hours_publish(outlet=tree.outlet_a, periods=week(), by=outlet_head_a)
    short = week(wednesday=((T(9, 0), T(12, 0)), (T(14, 0), T(16, 0))))
    with pytest.raises(ValidationError) as refused:
        hours.business_hours_publish(outlet=tree.outlet_a, periods=short, by=outlet_head_a)
    assert refused.value.code == "hours_do_not_cover"
    assert "08:30–09:00" in refused.value.messages[0]
    assert "16:00–17:30" in refused.value.messages[0]
    assert set(BusinessHours.objects.values_list("opens", flat=True)) == {T(8, 30)}
    coverage = hours_coverage(outlet=tree.outlet_a, periods=short)
    assert coverage.missing_minutes == 30 + 90 and coverage.gaps.keys() == {3}


def test_out_11_overlapping_or_reversed_periods_are_refused(tree, outlet_head_a):
    overlapping = week(wednesday=((T(8, 30), T(13, 0)), (T(12, 0), T(17, 30))))
    with pytest.raises(ValidationError) as refused:
        hours.business_hours_publish(outlet=tree.outlet_a, periods=overlapping, by=outlet_head_a)
    assert refused.value.error_list[0].code == "overlap"
    reversed_ = [*week(), (6, T(12, 0), T(9, 0))]
    with pytest.raises(ValidationError) as refused:
        hours.business_hours_publish(outlet=tree.outlet_a, periods=reversed_, by=outlet_head_a)
    assert refused.value.error_list[0].code == "closes_before_opens"


def test_out_11_the_countys_own_working_periods_are_the_normal_hours(tree, outlet_head_a):
    WorkingPeriod.objects.create(county=tree.county, start=T(8, 0), end=T(18, 0))
    with pytest.raises(ValidationError):
        hours.business_hours_publish(outlet=tree.outlet_a, periods=week(), by=outlet_head_a)
    assert hours_coverage(outlet=tree.outlet_c, periods=week()).covers


def test_out_11_clerks_and_auditors_may_not_set_hours(tree, clerk_a, auditor, outlet_head_a):
    with pytest.raises(PermissionDenied):
        hours.business_hours_publish(outlet=tree.outlet_a, periods=week(), by=clerk_a)
    with pytest.raises(ReadOnlyRole):
        hours.business_hours_publish(outlet=tree.outlet_a, periods=week(), by=auditor)
    with pytest.raises(NotInScope):  # another outlet's head
        hours.business_hours_publish(outlet=tree.outlet_b, periods=week(), by=outlet_head_a)


def test_out_11_makeup_working_days_need_weekend_hours(tree):
    publish_standard_week(tree.outlet_a)  # Saturday mornings only
    start = MAKEUP_SUNDAY - dt.timedelta(days=6)
    assert makeup_days_uncovered(outlet=tree.outlet_a, start=start, days=14) == [MAKEUP_SUNDAY]
    BusinessHours.objects.create(outlet=tree.outlet_a, weekday=7, opens=T(8, 0), closes=T(18, 0))
    assert makeup_days_uncovered(outlet=tree.outlet_a, start=start, days=14) == []


@pytest.mark.usefixtures("monday")
def test_out_11_holiday_promise_is_for_a_coming_non_working_day_once(tree, outlet_head_a):
    with pytest.raises(ValidationError) as refused:
        hours.holiday_service_promise(
            outlet=tree.outlet_a, day=dt.date(2026, 9, 29), by=outlet_head_a
        )
    assert refused.value.error_dict["day"][0].code == "working_day"
    with pytest.raises(ValidationError) as refused:
        hours.holiday_service_promise(outlet=tree.outlet_a, day=MAKEUP_SUNDAY, by=outlet_head_a)
    assert refused.value.error_dict["day"][0].code == "past"
    hours.holiday_service_promise(outlet=tree.outlet_a, day=NATIONAL_DAY, by=outlet_head_a)
    with pytest.raises(ValidationError) as refused:
        hours.holiday_service_promise(outlet=tree.outlet_a, day=NATIONAL_DAY, by=outlet_head_a)
    assert refused.value.error_dict["day"][0].code == "duplicate"


@pytest.mark.usefixtures("monday")
def test_out_11_duty_check_starts_three_days_before_opening(tree, outlet_head_a):
    service = hours.holiday_service_promise(
        outlet=tree.outlet_a, day=dt.date(2026, 10, 3), opens=T(9, 30), by=outlet_head_a
    )
    timer = service.duty_check
    assert timer.rule.code == "OUT-11-duty" and timer.state == SlaTimer.State.RUNNING
    assert timer.anchor == at(dt.date(2026, 10, 3), 9, 30)
    assert timer.due_at == at(dt.date(2026, 9, 30), 9, 30)
    assert timer.owner == outlet_head_a


@pytest.mark.usefixtures("monday")
def test_out_11_duty_on_the_roster_meets_the_check_and_no_finding_follows(tree, outlet_head_a):
    service = hours.holiday_service_promise(
        outlet=tree.outlet_a, day=dt.date(2026, 10, 5), by=outlet_head_a
    )
    (member,) = add_staff(tree.outlet_a, 1)
    hours.duty_assign(service=service, staff=member, by=outlet_head_a)
    service.duty_check.refresh_from_db()
    assert service.duty_check.state == SlaTimer.State.MET
    timers_sweep(now=at(dt.date(2026, 10, 4)))
    assert not Finding.objects.exists()


@pytest.mark.usefixtures("monday")
def test_out_11_holiday_without_duty_is_a_finding_before_the_day_closed_by_duty(
    tree, outlet_head_a
):
    """National Day opens in three days: the check is due now, the sweep raises it."""
    service = hours.holiday_service_promise(
        outlet=tree.outlet_a, day=NATIONAL_DAY, by=outlet_head_a
    )
    assert timers_sweep(now=at(dt.date(2026, 9, 28), 9, 1)).breached == 1
    finding = Finding.objects.get()
    assert finding.standard == "OUT-11-duty-20261001" and finding.source == Finding.Source.HOURS
    assert finding.due_on == dt.date(2026, 9, 30) and finding.owner == outlet_head_a
    assert finding.timer.rule.code == "OUT-16"
    # Exactly once, even if the sweep runs again.
    timers_sweep(now=at(dt.date(2026, 9, 29)))
    assert Finding.objects.count() == 1

    (member,) = add_staff(tree.outlet_a, 1)
    hours.duty_assign(service=service, staff=member, by=outlet_head_a)
    finding.refresh_from_db()
    assert finding.state == Finding.State.CLOSED


@pytest.mark.usefixtures("monday")
def test_out_11_taking_the_last_person_off_restarts_the_check(tree, outlet_head_a):
    service = hours.holiday_service_promise(
        outlet=tree.outlet_a, day=NATIONAL_DAY, by=outlet_head_a
    )
    first, second = add_staff(tree.outlet_a, 2)
    hours.duty_assign(service=service, staff=first, by=outlet_head_a)
    hours.duty_assign(service=service, staff=second, by=outlet_head_a)
    hours.duty_remove(duty=DutyAssignment.objects.get(staff=first), by=outlet_head_a)
    service.refresh_from_db()
    assert service.duty_check.state == SlaTimer.State.MET
    hours.duty_remove(duty=DutyAssignment.objects.get(staff=second), by=outlet_head_a)
    service.refresh_from_db()
    assert service.duty_check.state == SlaTimer.State.RUNNING
    timers_sweep(now=at(dt.date(2026, 9, 28), 11))
    assert Finding.objects.filter(standard="OUT-11-duty-20261001", state="open").exists()


@pytest.mark.usefixtures("monday")
def test_out_11_duty_refuses_staff_of_another_outlet_or_not_working_that_day(tree, outlet_head_a):
    service = hours.holiday_service_promise(
        outlet=tree.outlet_a, day=NATIONAL_DAY, by=outlet_head_a
    )
    (other,) = add_staff(tree.outlet_b, 1)
    (gone,) = add_staff(tree.outlet_a, 1, left_on=dt.date(2026, 9, 30))
    for staff, code in ((other, "staff"), (gone, "not_working")):
        with pytest.raises(ValidationError) as refused:
            hours.duty_assign(service=service, staff=staff, by=outlet_head_a)
        assert refused.value.error_dict["staff"][0].code == code
    assert not DutyAssignment.objects.exists()


@pytest.mark.usefixtures("monday")
def test_out_11_withdrawing_a_promise_stops_its_check_and_closes_its_finding(tree, outlet_head_a):
    service = hours.holiday_service_promise(
        outlet=tree.outlet_a, day=NATIONAL_DAY, by=outlet_head_a
    )
    timers_sweep(now=at(dt.date(2026, 9, 28), 11))
    with pytest.raises(ValidationError):
        hours.holiday_service_withdraw(service=service, by=outlet_head_a, reason=" ")
    hours.holiday_service_withdraw(service=service, by=outlet_head_a, reason="镇上停电")
    assert not HolidayService.objects.exists()
    assert Finding.objects.get().state == Finding.State.CLOSED
    assert HolidayService.history.filter(history_type="-").get().history_change_reason == "镇上停电"
