"""The admin is scoped like the UI and the API (OUT-1); managers edit rules and calendars."""

import datetime as dt

import pytest

from core import timers
from core.models import CalendarYear, SlaTimer, TimerRule


@pytest.fixture
def staff_manager(county_manager):
    county_manager.is_staff = True
    county_manager.save()
    return county_manager


def test_out_1_admin_lists_only_the_managers_branch(client, tree, staff_manager):
    from tests.factories import UserFactory

    UserFactory(username="far_clerk", org_unit=tree.outlet_c)
    client.force_login(staff_manager)
    body = client.get("/admin/core/user/").content.decode()
    assert "far_clerk" not in body
    units = client.get("/admin/core/orgunit/").content.decode()
    assert tree.outlet_a.name in units and tree.outlet_c.name not in units


def test_out_1_admin_it_validates_ownership(client, tree, staff_manager):
    client.force_login(staff_manager)
    response = client.get(f"/admin/core/orgunit/{tree.outlet_c.pk}/change/")
    assert response.status_code in (302, 404)
    timer = timers.timer_start(subject=tree.outlet_c, rule_code="OUT-12", org_unit=tree.outlet_c)
    response = client.get(f"/admin/core/slatimer/{timer.pk}/change/")
    assert response.status_code in (302, 404)


def test_clerks_have_no_admin(client, clerk_a):
    client.force_login(clerk_a)
    assert client.get("/admin/").status_code == 302


def test_sla_5_county_rule_takes_over_the_countys_open_timers(
    client, tree, staff_manager, django_capture_on_commit_callbacks
):
    here = timers.timer_start(subject=tree.outlet_a, rule_code="OUT-12", org_unit=tree.outlet_a)
    there = timers.timer_start(subject=tree.outlet_c, rule_code="OUT-12", org_unit=tree.outlet_c)
    client.force_login(staff_manager)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            "/admin/core/timerrule/add/",
            {
                "code": "OUT-12",
                "county": tree.county.pk,
                "name": "柜面等候（本县）",
                "clock": "wall",
                "duration": "00:45:00",
                "on_breach": "告知网点负责人",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    # The recomputation is a task enqueued after commit; run it as the worker would.
    from core.tasks import recompute_timers_for_rule

    assert len(callbacks) == 1
    rule = TimerRule.objects.get(code="OUT-12", county=tree.county)
    recompute_timers_for_rule(rule.pk)
    here.refresh_from_db()
    there.refresh_from_db()
    assert here.rule == rule
    assert here.due_at - here.started_at == dt.timedelta(minutes=45)
    assert there.due_at - there.started_at == dt.timedelta(minutes=30)


def test_sla_5_county_manager_cannot_change_the_default_rule(client, staff_manager):
    rule = TimerRule.objects.get(code="OUT-12", county=None)
    client.force_login(staff_manager)
    response = client.post(
        f"/admin/core/timerrule/{rule.pk}/change/",
        {"name": rule.name, "county": "", "duration": "00:45:00", "on_breach": rule.on_breach},
    )
    assert response.status_code == 403
    rule.refresh_from_db()
    assert rule.duration == dt.timedelta(minutes=30)


def test_pub_4_notice_period_rule_cannot_go_below_seven_days(client, tree, staff_manager):
    client.force_login(staff_manager)
    response = client.post(
        "/admin/core/timerrule/add/",
        {
            "code": "PUB-4",
            "county": tree.county.pk,
            "name": "公示期",
            "clock": "wall",
            "duration": "6 00:00:00",
            "on_breach": "x",
        },
    )
    assert response.status_code == 200  # the form comes back with the error
    assert not TimerRule.objects.filter(code="PUB-4", county=tree.county).exists()


def test_a_county_rule_must_override_a_known_rule(tree):
    from django.core.exceptions import ValidationError

    rule = TimerRule(
        code="XX-1",
        county=tree.county,
        name="x",
        clock="wall",
        duration=dt.timedelta(hours=1),
        on_breach="x",
    )
    with pytest.raises(ValidationError):
        rule.full_clean()


def test_sla_4_manager_enters_a_year_in_the_admin(client, staff_manager, tree):
    timer = timers.timer_start(
        subject=tree.outlet_a,
        rule_code="CLM-9",
        org_unit=tree.outlet_a,
        started_at=dt.datetime(2026, 12, 30, 10, tzinfo=dt.UTC),
    )
    assert timer.provisional
    client.force_login(staff_manager)
    response = client.post(
        "/admin/core/calendaryear/add/",
        {
            "year": "2027",
            "source": "manual",
            "note": "国务院办公厅通知",
            "days-TOTAL_FORMS": "1",
            "days-INITIAL_FORMS": "0",
            "days-0-date": "2027-01-01",
            "days-0-kind": "holiday",
            "days-0-name": "元旦",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert CalendarYear.objects.filter(year=2027).exists()
    from core.tasks import recompute_timers_for_year

    recompute_timers_for_year(2027)
    timer.refresh_from_db()
    assert timer.state == SlaTimer.State.RUNNING and not timer.provisional


def test_auditor_in_admin_cannot_change(client, auditor, tree):
    auditor.is_staff = True
    auditor.save()
    client.force_login(auditor)
    rule = TimerRule.objects.get(code="OUT-12", county=None)
    response = client.post(
        f"/admin/core/timerrule/{rule.pk}/change/",
        {"name": "x", "county": "", "duration": "00:01:00", "on_breach": "x"},
    )
    assert response.status_code == 403


def test_out_1_admin_history_pages_are_scoped_and_revert_needs_change_rights(
    client, tree, staff_manager, auditor
):
    """simple-history's history page would otherwise show the historical copy of a unit
    outside the branch, and its revert form would save for anyone who may view."""
    client.force_login(staff_manager)
    assert client.get(f"/admin/core/orgunit/{tree.outlet_c.pk}/history/").status_code == 404
    assert client.get(f"/admin/core/orgunit/{tree.outlet_a.pk}/history/").status_code == 200

    auditor.is_staff = True
    auditor.save()
    client.force_login(auditor)
    version = tree.outlet_a.history.first()
    url = f"/admin/core/orgunit/{tree.outlet_a.pk}/history/{version.history_id}/"
    response = client.post(url, {"name": "改名", "code": tree.outlet_a.code, "kind": "outlet"})
    assert response.status_code == 403
    tree.outlet_a.refresh_from_db()
    assert tree.outlet_a.name != "改名"
