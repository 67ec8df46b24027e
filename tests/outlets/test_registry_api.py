"""Registry, inspection and finding endpoints (OUT-2..OUT-10, OUT-16) with their
refusals (other outlet 404, clerks and read-only roles 403)."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from outlets.models import Finding, Inspection, StaffMember
from tests.outlets.registry_support import complete_registry, photo, record_all


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def as_user(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def test_out_2_outlet_list_and_detail(profile_a, profile_b, clerk_a, county_manager):
    body = as_user(clerk_a).get("/api/v1/outlets/").json()
    assert [o["official_name"] for o in body["results"]] == [profile_a.official_name]
    body = as_user(county_manager).get("/api/v1/outlets/").json()
    assert body["count"] == 2
    detail = as_user(clerk_a).get(f"/api/v1/outlets/{profile_a.outlet_id}/").json()
    assert detail["profile"]["standard_name"] == profile_a.standard_name
    standards = {row["code"]: row["met"] for row in detail["standards"]}
    assert standards["OUT-3-storefront"] is True and standards["OUT-5-lease"] is False
    assert detail["current_lease"] is None


def test_out_1_registry_api_refusals(profile_a, clerk_b, clerk_a, auditor):
    pk = profile_a.outlet_id
    for url in [
        f"/api/v1/outlets/{pk}/",
        f"/api/v1/outlets/{pk}/leases/",
        f"/api/v1/outlets/{pk}/staff/",
        f"/api/v1/outlets/{pk}/facilities/",
    ]:
        assert as_user(clerk_b).get(url).status_code == 404, url
    lease = {"landlord": "业主", "starts_on": "2026-01-01", "ends_on": "2029-01-01"}
    url = f"/api/v1/outlets/{pk}/leases/create/"
    assert as_user(clerk_b).post(url, lease).status_code == 404
    assert as_user(clerk_a).post(url, lease).status_code == 403
    assert as_user(auditor).post(url, lease).status_code == 403
    name = {"imposed_name": "别名", "reason": "理由"}
    assert as_user(clerk_a).post(f"/api/v1/outlets/{pk}/official-name/", name).status_code == 403


def test_out_2_out_3_profile_and_name_through_the_api(tree, outlet_head_a, county_manager):
    data = {
        "county_label": "阳山县",
        "township": "阳城镇",
        "address": "建设路18号",
        "usable_area": "30.00",
        "head_name": "陈建国",
        "head_type": "employee",
        "head_user": outlet_head_a.pk,
        "ground_floor_storefront": True,
    }
    url = f"/api/v1/outlets/{tree.outlet_a.pk}/profile/"
    response = as_user(outlet_head_a).put(url, data, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["profile"]["head_user"] == outlet_head_a.pk
    response = as_user(outlet_head_a).put(url, {**data, "usable_area": "29"}, format="json")
    assert response.status_code == 400 and "reason" in response.json()["error"]["fields"]
    response = as_user(county_manager).post(
        f"/api/v1/outlets/{tree.outlet_a.pk}/official-name/",
        {"imposed_name": "阳城保险服务站", "reason": "监管要求"},
        format="json",
    )
    assert response.json()["official_name"] == "阳城保险服务站"


def test_out_5_out_6_out_10_lease_facility_staff(profile_a, outlet_head_a):
    client = as_user(outlet_head_a)
    pk = profile_a.outlet_id
    response = client.post(
        f"/api/v1/outlets/{pk}/leases/create/",
        {"landlord": "业主", "starts_on": "2026-01-01", "ends_on": "2027-01-01"},
        format="json",
    )
    assert response.status_code == 400
    assert "short_term_reason" in response.json()["error"]["fields"]
    response = client.post(
        f"/api/v1/outlets/{pk}/leases/create/",
        {"landlord": "业主", "starts_on": "2026-01-01", "ends_on": "2029-01-01"},
        format="json",
    )
    assert response.status_code == 201 and response.json()["end_warning_due_at"]
    lease_id = response.json()["id"]
    response = client.put(
        f"/api/v1/outlet-leases/{lease_id}/",
        {"landlord": "业主", "starts_on": "2026-01-01", "ends_on": "2029-06-30", "reason": "补充"},
        format="json",
    )
    assert response.json()["ends_on"] == "2029-06-30"

    response = client.put(
        f"/api/v1/outlets/{pk}/facilities/nameplate/",
        {"present": True, "width_mm": 600, "height_mm": 400},
        format="json",
    )
    assert response.status_code == 200 and response.json()["required"] is True
    assert (
        client.put(
            f"/api/v1/outlets/{pk}/facilities/jukebox/", {"present": True}, format="json"
        ).status_code
        == 400
    )
    assert [i["code"] for i in client.get(f"/api/v1/outlets/{pk}/facilities/").json()] == [
        "nameplate"
    ]

    expiry = (timezone.localdate() + dt.timedelta(days=400)).isoformat()
    response = client.post(
        f"/api/v1/outlets/{pk}/staff/create/",
        {"name": "张丽", "kind": "agent", "joined_on": "2026-01-05"},
        format="json",
    )
    assert response.status_code == 400
    response = client.post(
        f"/api/v1/outlets/{pk}/staff/create/",
        {
            "name": "张丽",
            "kind": "agent",
            "joined_on": "2026-01-05",
            "qualification_number": "0200014400",
            "qualification_expires_on": expiry,
        },
        format="json",
    )
    assert response.status_code == 201 and response.json()["expiry_warning"]
    member = StaffMember.objects.get()
    response = client.post(
        f"/api/v1/outlet-staff/{member.pk}/leave/",
        {"left_on": timezone.localdate().isoformat(), "reason": "辞职"},
        format="json",
    )
    assert response.json()["left_on"] == timezone.localdate().isoformat()
    active = client.get(f"/api/v1/outlets/{pk}/staff/", {"active": "true"}).json()
    assert active["count"] == 1  # still counted on the day they leave


def test_out_16_inspection_through_the_api(profile_a, county_manager, outlet_head_a, clerk_b):
    complete_registry(profile_a, by=outlet_head_a)
    client = as_user(county_manager)
    response = client.post(
        f"/api/v1/outlets/{profile_a.outlet_id}/inspections/create/",
        {"inspected_on": timezone.localdate().isoformat()},
        format="json",
    )
    assert response.status_code == 201
    pk = response.json()["id"]
    response = client.post(
        f"/api/v1/outlet-inspections/{pk}/results/",
        {"standard": "OUT-3-frontage", "result": "not_met", "note": "杂物", "photos": [photo()]},
        format="multipart",
    )
    assert response.status_code == 200, response.json()
    assert len(response.json()["photos"]) == 1
    assert as_user(clerk_b).get(f"/api/v1/outlet-inspections/{pk}/").status_code == 404
    inspection = Inspection.objects.get(pk=pk)
    record_all(inspection, by=county_manager, not_met={"OUT-3-frontage": "杂物"})
    response = client.post(f"/api/v1/outlet-inspections/{pk}/complete/", {}, format="json")
    assert response.status_code == 400
    due = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    plans = [
        {
            "standard": "OUT-3-frontage",
            "corrective_action": "清理杂物",
            "owner": outlet_head_a.pk,
            "due_on": due,
        }
    ]
    response = client.post(
        f"/api/v1/outlet-inspections/{pk}/complete/", {"plans": plans}, format="json"
    )
    assert response.status_code == 200 and response.json()["state"] == "completed"
    findings = as_user(outlet_head_a).get("/api/v1/outlet-findings/", {"state": "open"}).json()
    assert [f["standard"] for f in findings["results"]] == ["OUT-3-frontage"]
    assert findings["results"][0]["inspection"] == pk
    assert as_user(clerk_b).get("/api/v1/outlet-findings/").json()["count"] == 0


def test_out_16_finding_api_refusals_and_close(profile_a, county_manager, outlet_head_a, clerk_b):
    response = as_user(county_manager).post(
        f"/api/v1/outlets/{profile_a.outlet_id}/findings/create/",
        {
            "standard": "OUT-7-pens",
            "description": "无签字笔",
            "corrective_action": "配备",
            "owner": outlet_head_a.pk,
            "due_on": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201
    pk = response.json()["id"]
    assert as_user(clerk_b).get(f"/api/v1/outlet-findings/{pk}/").status_code == 404
    assert (
        as_user(clerk_b).post(f"/api/v1/outlet-findings/{pk}/close/", {"note": "x"}).status_code
        == 404
    )
    assert (
        as_user(outlet_head_a)
        .post(f"/api/v1/outlet-findings/{pk}/close/", {"note": "x"})
        .status_code
        == 403
    )
    response = as_user(county_manager).post(
        f"/api/v1/outlet-findings/{pk}/reschedule/",
        {
            "owner": outlet_head_a.pk,
            "due_on": (timezone.localdate() + dt.timedelta(days=9)).isoformat(),
            "reason": "采购",
        },
        format="json",
    )
    assert response.status_code == 200
    response = as_user(county_manager).post(
        f"/api/v1/outlet-findings/{pk}/close/", {"note": "已配备"}, format="json"
    )
    assert response.json()["state"] == "closed"
    assert Finding.objects.get().state == "closed"


def test_out_16_inspection_refused_to_clerks(profile_a, clerk_a):
    response = as_user(clerk_a).post(
        f"/api/v1/outlets/{profile_a.outlet_id}/inspections/create/",
        {"inspected_on": timezone.localdate().isoformat()},
        format="json",
    )
    assert response.status_code == 403
    assert not Inspection.objects.exists()
