"""Registry, inspection and finding pages (OUT-2..OUT-10, OUT-16): what each page shows,
the forms that write through the services, and the refusals (another outlet's records
404, clerks and auditors 403 on writes). Pages are zh-hans: tests assert structure,
status and database state."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from outlets.models import Finding, Inspection, InspectionResult, Lease, OutletProfile, StaffMember
from outlets.services import inspections as inspection_service
from outlets.standards import FACILITY_ITEMS, STANDARDS
from tests.outlets.registry_support import complete_registry, photo, record_all


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def finding(profile_a, county_manager, outlet_head_a) -> Finding:
    return inspection_service.finding_record(
        by=county_manager,
        outlet=profile_a.outlet,
        standard="OUT-7-pens",
        description="柜台无签字笔",
        corrective_action="配备签字笔",
        owner=outlet_head_a,
        due_on=timezone.localdate() + dt.timedelta(days=7),
    )


def test_out_2_outlet_list_shows_official_names_in_scope(profile_a, profile_b, clerk_a, tree):
    response = login(clerk_a).get("/outlets/")
    assert response.status_code == 200
    html = response.content.decode()
    assert profile_a.official_name in html
    assert profile_b.official_name not in html  # outlet B is out of the clerk's scope


def test_out_2_county_manager_lists_the_county_outlets(profile_a, profile_b, county_manager):
    response = login(county_manager).get("/outlets/", {"q": "七拱"})
    outlets = list(response.context["page"].object_list)
    assert [o.code for o in outlets] == ["44182302"]


def test_out_3_outlet_page_shows_standards_lease_staff_and_findings(
    profile_a, outlet_head_a, finding, clerk_a
):
    complete_registry(profile_a, by=outlet_head_a)
    response = login(clerk_a).get(f"/outlets/{profile_a.outlet_id}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="official-name"' in html and profile_a.official_name in html
    assert all(f'id="std-{s.code}"' in html for s in STANDARDS)
    assert response.context["unmet_required"] == 0
    assert response.context["current_lease"].landlord == "建设路18号业主"
    assert list(response.context["findings"]) == [finding]
    assert not response.context["may_keep"]  # a clerk only reads
    assert f"/outlets/{profile_a.outlet_id}/nameplate.svg" in html


def test_out_3_unregistered_outlet_offers_the_record(tree, outlet_head_a):
    response = login(outlet_head_a).get(f"/outlets/{tree.outlet_a.pk}/")
    assert response.status_code == 200
    assert 'id="no-profile"' in response.content.decode()


def test_out_1_other_outlet_pages_are_404(profile_a, finding, clerk_b, county_manager):
    lease = Lease.objects.create(
        outlet=profile_a.outlet,
        landlord="业主",
        starts_on=dt.date(2025, 1, 1),
        ends_on=dt.date(2028, 1, 1),
    )
    inspection = inspection_service.inspection_start(
        inspector=county_manager, outlet=profile_a.outlet, inspected_on=timezone.localdate()
    )
    member = StaffMember.objects.create(
        outlet=profile_a.outlet, name="李四", kind="employee", joined_on=dt.date(2025, 1, 1)
    )
    pk = profile_a.outlet_id
    client = login(clerk_b)
    for url in [
        f"/outlets/{pk}/",
        f"/outlets/{pk}/profile/",
        f"/outlets/{pk}/name/",
        f"/outlets/{pk}/leases/new/",
        f"/outlets/leases/{lease.pk}/edit/",
        f"/outlets/{pk}/facilities/",
        f"/outlets/{pk}/staff/new/",
        f"/outlets/staff/{member.pk}/edit/",
        f"/outlets/staff/{member.pk}/leave/",
        f"/outlets/{pk}/inspections/new/",
        f"/outlets/inspections/{inspection.pk}/",
        f"/outlets/inspections/{inspection.pk}/complete/",
        f"/outlets/findings/{finding.pk}/",
        f"/outlets/{pk}/findings/new/",
        f"/outlets/findings/{finding.pk}/reschedule/",
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post(f"/outlets/findings/{finding.pk}/close/", {"note": "x"}).status_code == 404
    assert (
        client.post(
            f"/outlets/inspections/{inspection.pk}/result/",
            {"standard": "OUT-4-area", "result": "met"},
        ).status_code
        == 404
    )
    assert list(login(clerk_b).get("/outlets/findings/").context["page"].object_list) == []


def test_out_3_read_only_and_clerk_get_403_on_writes(profile_a, finding, auditor, clerk_a):
    pk = profile_a.outlet_id
    for user in (auditor, clerk_a):
        client = login(user)
        for url in [
            f"/outlets/{pk}/profile/",
            f"/outlets/{pk}/leases/new/",
            f"/outlets/{pk}/facilities/",
            f"/outlets/{pk}/inspections/new/",
            f"/outlets/{pk}/name/",
        ]:
            assert client.get(url).status_code == 403, (user, url)
        assert (
            client.post(f"/outlets/findings/{finding.pk}/close/", {"note": "x"}).status_code == 403
        )
    # The auditor still reads.
    assert login(auditor).get(f"/outlets/{pk}/").status_code == 200


def test_out_3_head_creates_and_edits_the_profile(tree, outlet_head_a):
    client = login(outlet_head_a)
    data = {
        "county_label": "阳山县",
        "township": "阳城镇",
        "address": "建设路18号",
        "usable_area": "31.5",
        "head_name": "陈建国",
        "head_type": "employee",
        "ground_floor_storefront": "on",
        "on_main_street": "on",
    }
    response = client.post(f"/outlets/{tree.outlet_a.pk}/profile/", data)
    assert response.status_code == 302
    profile = OutletProfile.objects.get(outlet=tree.outlet_a)
    assert profile.usable_area == Decimal("31.50") and profile.on_main_street
    # A change needs a reason (kept in the history).
    data["usable_area"] = "33"
    assert client.post(f"/outlets/{tree.outlet_a.pk}/profile/", data).status_code == 400
    data["reason"] = "重新测量"
    assert client.post(f"/outlets/{tree.outlet_a.pk}/profile/", data).status_code == 302
    assert profile.history.first().history_change_reason == "重新测量"


def test_out_2_manager_imposes_a_name_on_the_page(profile_a, county_manager):
    client = login(county_manager)
    url = f"/outlets/{profile_a.outlet_id}/name/"
    assert client.post(url, {"imposed_name": "阳城保险服务站", "reason": ""}).status_code == 400
    response = client.post(url, {"imposed_name": "阳城保险服务站", "reason": "监管要求"})
    assert response.status_code == 302
    profile_a.refresh_from_db()
    assert profile_a.official_name == "阳城保险服务站"


def test_out_5_lease_form_and_short_term_exception(profile_a, outlet_head_a):
    client = login(outlet_head_a)
    url = f"/outlets/{profile_a.outlet_id}/leases/new/"
    data = {"landlord": "业主", "starts_on": "2026-01-01", "ends_on": "2027-12-31"}
    response = client.post(url, data)
    assert response.status_code == 400
    assert "short_term_reason" in response.context["form"].errors
    data["short_term_reason"] = "县公司批准"
    assert client.post(url, data).status_code == 302
    lease = Lease.objects.get()
    assert lease.end_warning is not None
    edit = f"/outlets/leases/{lease.pk}/edit/"
    assert client.get(edit).context["form"].initial["landlord"] == "业主"
    data["ends_on"] = "2029-01-31"
    assert client.post(edit, data).status_code == 400  # the reason is required
    assert client.post(edit, {**data, "reason": "补签"}).status_code == 302


def test_out_6_to_8_facilities_form(profile_a, outlet_head_a):
    client = login(outlet_head_a)
    url = f"/outlets/{profile_a.outlet_id}/facilities/"
    assert client.get(url).status_code == 200
    data = {f"item_{item.code}": "on" for item in FACILITY_ITEMS if item.required}
    data.update({"width_mm": "900", "height_mm": "600", "thickness_mm": "20", "material": "铝塑板"})
    assert client.post(url, data).status_code == 302
    items = {item.code: item for item in profile_a.outlet.facilities.all()}
    assert len(items) == len(FACILITY_ITEMS)
    assert items["pos"].present and not items["copier"].present
    assert items["nameplate"].width_mm == 900


def test_out_10_staff_forms(profile_a, outlet_head_a):
    client = login(outlet_head_a)
    url = f"/outlets/{profile_a.outlet_id}/staff/new/"
    data = {"name": "张丽", "kind": "agent", "joined_on": "2026-01-05"}
    response = client.post(url, data)
    assert response.status_code == 400
    assert "qualification_number" in response.context["form"].errors
    expiry = timezone.localdate() + dt.timedelta(days=20)
    data.update(qualification_number="0200014400", qualification_expires_on=expiry.isoformat())
    assert client.post(url, data).status_code == 302
    member = StaffMember.objects.get()
    # Expiring within 30 days: warned on the outlet page.
    page = client.get(f"/outlets/{profile_a.outlet_id}/")
    assert list(page.context["expiring"]) == [member]
    edit = client.get(f"/outlets/staff/{member.pk}/edit/")
    assert edit.status_code == 200 and edit.context["form"].initial["name"] == "张丽"
    leave = client.post(
        f"/outlets/staff/{member.pk}/leave/",
        {"left_on": timezone.localdate().isoformat(), "reason": "辞职"},
    )
    assert leave.status_code == 302
    member.refresh_from_db()
    assert member.left_on == timezone.localdate()


def test_out_16_inspection_pages_from_start_to_finding(profile_a, county_manager, outlet_head_a):
    complete_registry(profile_a, by=outlet_head_a)
    client = login(county_manager)
    response = client.post(
        f"/outlets/{profile_a.outlet_id}/inspections/new/",
        {"inspected_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    inspection = Inspection.objects.get()
    detail = f"/outlets/inspections/{inspection.pk}/"
    assert client.get(detail).status_code == 200
    # A site standard without a photo is refused, with the message shown.
    response = client.post(
        f"{detail}result/", {"standard": "OUT-3-frontage", "result": "not_met", "note": "杂物"}
    )
    assert response.status_code == 302 and response.url.endswith("#std-OUT-3-frontage")
    assert not InspectionResult.objects.exists()
    response = client.post(
        f"{detail}result/",
        {"standard": "OUT-3-frontage", "result": "not_met", "note": "杂物", "photos": photo()},
    )
    assert InspectionResult.objects.get().result == "not_met"
    record_all(inspection, by=county_manager, not_met={"OUT-3-frontage": "杂物"})
    complete = client.get(f"{detail}complete/")
    assert [row.standard for row, _form in complete.context["plan_forms"]] == ["OUT-3-frontage"]
    prefix = "OUT-3-frontage"
    due = (timezone.localdate() + dt.timedelta(days=14)).isoformat()
    response = client.post(
        f"{detail}complete/",
        {
            f"{prefix}-corrective_action": "清理门前杂物",
            f"{prefix}-owner": outlet_head_a.pk,
            f"{prefix}-due_on": due,
        },
    )
    assert response.status_code == 302
    finding = Finding.objects.get()
    assert finding.owner == outlet_head_a and finding.due_on.isoformat() == due
    page = client.get(detail)
    assert list(page.context["raised_findings"]) == [finding]


def test_out_16_findings_list_and_finding_page(finding, county_manager, outlet_head_a):
    client = login(outlet_head_a)
    response = client.get("/outlets/findings/", {"state": "open"})
    assert list(response.context["page"].object_list) == [finding]
    page = client.get(f"/outlets/findings/{finding.pk}/")
    assert page.status_code == 200 and not page.context["may_act"]
    manager = login(county_manager)
    assert manager.get(f"/outlets/findings/{finding.pk}/").context["may_act"]
    response = manager.post(f"/outlets/findings/{finding.pk}/close/", {"note": "已配备"})
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.state == Finding.State.CLOSED
    assert list(client.get("/outlets/findings/", {"state": "open"}).context["page"]) == []
