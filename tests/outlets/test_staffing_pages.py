"""Pages of staffing (OUT-10), hours, holidays and duty (OUT-11) and the compliance
score (OUT-16): structure, status and database state, with the refusals (another
outlet's records are 404, clerks may not manage hours nor see scores, auditors read)."""

import datetime as dt

import pytest
from django.test import Client

from outlets.models import BusinessHours, ComplianceScore, DutyAssignment, Finding, HolidayService
from tests.outlets.staffing_support import NATIONAL_DAY, add_staff, monday  # noqa: F401


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def hours_post(**overrides) -> dict:
    data = {}
    for weekday in range(1, 6):
        data[f"d{weekday}_1_opens"] = "08:30"
        data[f"d{weekday}_1_closes"] = "12:00"
        data[f"d{weekday}_2_opens"] = "14:00"
        data[f"d{weekday}_2_closes"] = "17:30"
    return {**data, **overrides}


@pytest.mark.usefixtures("monday")
def test_out_10_staffing_page_and_check(tree, profile_a, outlet_head_a, clerk_b, auditor):
    add_staff(tree.outlet_a, 2)
    head = client_for(outlet_head_a)
    page = head.get(f"/outlets/{tree.outlet_a.pk}/staffing/")
    assert page.status_code == 200
    assert b'id="staff-table"' in page.content and b'id="staff-count"' in page.content
    response = head.post(f"/outlets/{tree.outlet_a.pk}/staffing/check/")
    assert response.status_code == 302
    assert Finding.objects.get().standard == "OUT-10-staffing"
    assert b'id="staffing-finding"' in head.get(f"/outlets/{tree.outlet_a.pk}/staffing/").content
    assert client_for(clerk_b).get(f"/outlets/{tree.outlet_a.pk}/staffing/").status_code == 404
    assert (
        client_for(clerk_b).post(f"/outlets/{tree.outlet_a.pk}/staffing/check/").status_code == 404
    )
    assert (
        client_for(auditor).post(f"/outlets/{tree.outlet_a.pk}/staffing/check/").status_code == 403
    )


def test_out_11_hours_pages_publish_and_refuse(tree, outlet_head_a, clerk_a, clerk_b):
    head = client_for(outlet_head_a)
    url = f"/outlets/{tree.outlet_a.pk}/hours/edit/"
    assert head.get(url).status_code == 200
    short = head.post(url, hours_post(d3_2_closes="16:00"))
    assert short.status_code == 200 and b"errorlist" in short.content
    assert not BusinessHours.objects.exists()
    assert head.post(url, hours_post()).status_code == 302
    assert BusinessHours.objects.filter(outlet=tree.outlet_a).count() == 10
    page = head.get(f"/outlets/{tree.outlet_a.pk}/hours/")
    assert page.status_code == 200 and b'id="hours-table"' in page.content
    assert b"badge-met" in page.content
    # Clerks read the hours but do not set them; another outlet's clerk sees nothing.
    assert client_for(clerk_a).get(f"/outlets/{tree.outlet_a.pk}/hours/").status_code == 200
    assert client_for(clerk_a).get(url).status_code == 403
    assert client_for(clerk_b).get(f"/outlets/{tree.outlet_a.pk}/hours/").status_code == 404
    assert client_for(clerk_b).post(url, hours_post()).status_code == 404


@pytest.mark.usefixtures("monday")
def test_out_11_holiday_promise_duty_roster_and_withdrawal_pages(tree, outlet_head_a, clerk_b):
    head = client_for(outlet_head_a)
    (member,) = add_staff(tree.outlet_a, 1)
    create = f"/outlets/{tree.outlet_a.pk}/holidays/new/"
    refused = head.post(create, {"day": "2026-09-29", "opens": "09:00", "closes": "16:00"})
    assert refused.status_code == 200 and not HolidayService.objects.exists()
    response = head.post(
        create, {"day": NATIONAL_DAY.isoformat(), "opens": "09:00", "closes": "16:00"}
    )
    service = HolidayService.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/holidays/{service.pk}/")
    detail = head.get(f"/outlets/holidays/{service.pk}/")
    assert detail.status_code == 200 and b'id="duty-list"' in detail.content

    assert (
        head.post(f"/outlets/holidays/{service.pk}/duty/", {"staff": member.pk}).status_code == 302
    )
    duty = DutyAssignment.objects.get()
    assert client_for(clerk_b).get(f"/outlets/holidays/{service.pk}/").status_code == 404
    assert client_for(clerk_b).post(f"/outlets/duty/{duty.pk}/remove/").status_code == 404
    assert (
        client_for(clerk_b)
        .post(f"/outlets/holidays/{service.pk}/withdraw/", {"reason": "x"})
        .status_code
        == 404
    )
    assert head.post(f"/outlets/duty/{duty.pk}/remove/").status_code == 302
    assert not DutyAssignment.objects.exists()
    response = head.post(f"/outlets/holidays/{service.pk}/withdraw/", {"reason": "停电"})
    assert response.status_code == 302 and not HolidayService.objects.exists()
    listing = head.get(f"/outlets/{tree.outlet_a.pk}/hours/")
    assert b'id="holiday-table"' not in listing.content


@pytest.mark.usefixtures("monday")
def test_out_16_compliance_page_for_heads_and_managers_only(
    tree, profile_a, outlet_head_a, county_manager, auditor, clerk_a, clerk_b
):
    url = f"/outlets/{tree.outlet_a.pk}/compliance/"
    page = client_for(outlet_head_a).get(url)
    assert page.status_code == 200
    assert b'id="score-breakdown"' in page.content and b'id="score-history"' in page.content
    assert b'data-component="waits"' in page.content
    assert ComplianceScore.objects.filter(outlet=tree.outlet_a, month=dt.date(2026, 9, 1)).exists()
    assert client_for(county_manager).get(url).status_code == 200
    assert client_for(auditor).get(url).status_code == 200
    assert client_for(clerk_a).get(url).status_code == 403
    assert client_for(clerk_b).get(url).status_code == 404
    recompute = f"/outlets/{tree.outlet_a.pk}/compliance/recompute/"
    assert client_for(outlet_head_a).post(recompute).status_code == 302
    assert client_for(auditor).post(recompute).status_code == 403
    assert client_for(clerk_b).post(recompute).status_code == 404
    assert (
        client_for(outlet_head_a).get(f"/outlets/{tree.outlet_b.pk}/compliance/").status_code == 404
    )


@pytest.mark.usefixtures("monday")
def test_out_16_county_page_lists_the_branchs_outlets_with_scores(
    tree, profile_a, county_manager, clerk_a
):
    from outlets.services.compliance import compliance_compute

    compliance_compute(outlet=tree.outlet_a, month=dt.date(2026, 9, 1))
    page = client_for(county_manager).get("/outlets/compliance/", {"month": "2026-09"})
    assert page.status_code == 200
    content = page.content.decode()
    assert tree.outlet_a.name in content and tree.outlet_b.name in content
    assert tree.outlet_c.name not in content
    assert client_for(clerk_a).get("/outlets/compliance/").status_code == 403
