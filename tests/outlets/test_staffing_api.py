"""Staffing (OUT-10), hours, holidays and duty (OUT-11) and compliance score (OUT-16)
endpoints: results, scoping (another outlet's records are 404) and the role refusals."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from outlets.models import BusinessHours, DutyAssignment, Finding, HolidayService
from tests.outlets.staffing_support import NATIONAL_DAY, add_staff, monday  # noqa: F401


def as_user(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


WEEK = [{"weekday": day, "opens": "08:30", "closes": "17:30"} for day in range(1, 6)]


@pytest.mark.usefixtures("monday")
def test_out_10_staffing_endpoint_and_check(
    tree, profile_a, outlet_head_a, clerk_a, clerk_b, auditor
):
    add_staff(tree.outlet_a, 2)
    url = f"/api/v1/outlets/{tree.outlet_a.pk}/staffing/"
    data = as_user(clerk_a).get(url).json()
    assert data["minimum"] == 3 and data["staff_count"] == 2 and data["understaffed"]
    assert data["premium_source"] == "none" and len(data["staff"]) == 2
    checked = as_user(outlet_head_a).post(f"{url}check/")
    assert (
        checked.status_code == 200 and Finding.objects.filter(standard="OUT-10-staffing").exists()
    )
    assert as_user(clerk_b).get(url).status_code == 404
    assert as_user(clerk_b).post(f"{url}check/").status_code == 404
    assert as_user(auditor).post(f"{url}check/").status_code == 403


def test_out_11_hours_endpoints_publish_and_refuse(tree, outlet_head_a, clerk_a, clerk_b):
    url = f"/api/v1/outlets/{tree.outlet_a.pk}/hours/"
    published = as_user(outlet_head_a).put(f"{url}publish/", {"periods": WEEK}, format="json")
    assert published.status_code == 200 and published.json()["covers_normal_hours"]
    short = [*WEEK[:4], {"weekday": 5, "opens": "08:30", "closes": "12:00"}]
    refused = as_user(outlet_head_a).put(f"{url}publish/", {"periods": short}, format="json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid"
    assert BusinessHours.objects.count() == 5
    assert as_user(clerk_a).get(url).json()["missing_minutes_per_week"] == 0
    assert (
        as_user(clerk_a).put(f"{url}publish/", {"periods": WEEK}, format="json").status_code == 403
    )
    assert as_user(clerk_b).get(url).status_code == 404
    assert (
        as_user(clerk_b).put(f"{url}publish/", {"periods": WEEK}, format="json").status_code == 404
    )


@pytest.mark.usefixtures("monday")
def test_out_11_holiday_and_duty_endpoints(tree, outlet_head_a, clerk_a, clerk_b):
    head = as_user(outlet_head_a)
    (member,) = add_staff(tree.outlet_a, 1)
    (other,) = add_staff(tree.outlet_b, 1)
    created = head.post(
        f"/api/v1/outlets/{tree.outlet_a.pk}/holidays/create/",
        {"day": NATIONAL_DAY.isoformat(), "note": "国庆值班"},
        format="json",
    )
    assert created.status_code == 201
    body = created.json()
    assert body["duty"] == [] and body["duty_check_state"] == "running"
    pk = body["id"]
    working = head.post(
        f"/api/v1/outlets/{tree.outlet_a.pk}/holidays/create/", {"day": "2026-09-29"}, format="json"
    )
    assert working.status_code == 400 and "day" in working.json()["error"]["fields"]

    foreign = head.post(f"/api/v1/outlet-holidays/{pk}/duty/", {"staff": other.pk}, format="json")
    assert foreign.status_code == 400
    assigned = head.post(f"/api/v1/outlet-holidays/{pk}/duty/", {"staff": member.pk}, format="json")
    assert assigned.status_code == 201
    assert assigned.json()["duty_check_state"] == "met"
    assert [d["staff"]["id"] for d in assigned.json()["duty"]] == [member.pk]
    listed = as_user(clerk_a).get(f"/api/v1/outlets/{tree.outlet_a.pk}/holidays/?upcoming=1")
    assert [row["id"] for row in listed.json()] == [pk]
    duty = DutyAssignment.objects.get()

    # Refusals: another outlet's clerk sees nothing, this outlet's clerk may not manage.
    assert as_user(clerk_b).get(f"/api/v1/outlet-holidays/{pk}/").status_code == 404
    assert as_user(clerk_b).get(f"/api/v1/outlets/{tree.outlet_a.pk}/holidays/").status_code == 404
    assert as_user(clerk_b).post(f"/api/v1/outlet-duty/{duty.pk}/remove/").status_code == 404
    assert as_user(clerk_a).post(f"/api/v1/outlet-duty/{duty.pk}/remove/").status_code == 403
    assert (
        as_user(clerk_b)
        .post(f"/api/v1/outlet-holidays/{pk}/withdraw/", {"reason": "x"}, format="json")
        .status_code
        == 404
    )

    removed = head.post(f"/api/v1/outlet-duty/{duty.pk}/remove/")
    assert removed.status_code == 200 and removed.json()["duty_check_state"] == "running"
    withdrawn = head.post(
        f"/api/v1/outlet-holidays/{pk}/withdraw/", {"reason": "停电"}, format="json"
    )
    assert withdrawn.status_code == 204 and not HolidayService.objects.exists()


@pytest.mark.usefixtures("monday")
def test_out_16_compliance_endpoints(
    tree, profile_a, outlet_head_a, county_manager, auditor, clerk_a, clerk_b
):
    url = f"/api/v1/outlets/{tree.outlet_a.pk}/compliance/"
    data = as_user(outlet_head_a).get(url).json()
    assert data["score"]["month"] == "2026-09-01"
    assert {c["code"] for c in data["components"]} == {
        "standards",
        "staffing",
        "hours",
        "duty",
        "waits",
        "satisfaction",
        "findings",
    }
    assert len(data["history"]) == 1 and data["open_findings"] == []
    assert as_user(outlet_head_a).post(f"{url}recompute/").status_code == 200
    assert as_user(auditor).get(url).status_code == 200
    assert as_user(auditor).post(f"{url}recompute/").status_code == 403
    assert as_user(clerk_a).get(url).status_code == 403
    assert as_user(clerk_b).get(url).status_code == 404
    assert as_user(clerk_b).post(f"{url}recompute/").status_code == 404
    rows = as_user(county_manager).get("/api/v1/outlet-compliance/", {"month": "2026-09"}).json()
    assert {row["outlet"]["id"] for row in rows} == {tree.outlet_a.pk, tree.outlet_b.pk}
    scored = [row for row in rows if row["score"]]
    assert [row["outlet"]["id"] for row in scored] == [tree.outlet_a.pk]
    assert as_user(clerk_a).get("/api/v1/outlet-compliance/").status_code == 403
    assert dt.date.fromisoformat(data["score"]["month"]).day == 1
