"""ETag / If-Match on the updating endpoints (issue 8): a stale version is refused with
412 and changes nothing; the current one (or none at all) lets the write through."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from outlets.models import BusinessHours, StaffMember
from publicity.models import Campaign
from publicity.services.campaigns import campaign_create
from tests.underwriting.factories import CustomerFactory

WEEK = [{"weekday": day, "opens": "08:30", "closes": "17:30"} for day in range(1, 6)]


def as_user(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


@pytest.fixture
def campaign(tree, clerk_a) -> Campaign:
    return campaign_create(
        clerk=clerk_a,
        org_unit=tree.outlet_a,
        held_on=timezone.localdate() - dt.timedelta(days=3),
        title="农业保险政策进村宣传",
        audience="farmers",
        topics=["policy"],
        channels=["leaflet"],
        place="东村文化广场",
        reach=50,
    )


def test_get_and_patch_return_an_etag_that_changes_with_every_write(clerk_a, campaign):
    api = as_user(clerk_a)
    detail = f"/api/v1/campaigns/{campaign.pk}/"
    first = api.get(detail)["ETag"]
    # Given the current ETag, when the client writes with it, then the write goes through
    updated = api.patch(
        f"{detail}update/", {"reach": 60, "reason": "补录"}, format="json", HTTP_IF_MATCH=first
    )
    assert updated.status_code == 200, updated.json()
    assert updated["ETag"] != first
    assert updated["ETag"] == api.get(detail)["ETag"]


def test_a_stale_etag_is_412_and_changes_nothing(clerk_a, clerk_b, county_manager, campaign):
    api = as_user(clerk_a)
    url = f"/api/v1/campaigns/{campaign.pk}/"
    stale = api.get(url)["ETag"]
    # Someone else writes in between (the county manager, without If-Match).
    assert (
        as_user(county_manager)
        .patch(f"{url}update/", {"reach": 70, "reason": "核对"}, format="json")
        .status_code
        == 200
    )
    refused = api.patch(
        f"{url}update/", {"reach": 80, "reason": "补录"}, format="json", HTTP_IF_MATCH=stale
    )
    assert refused.status_code == 412
    assert refused.json()["error"]["code"] == "precondition_failed"
    assert "changed since you read it" in refused.json()["error"]["message"]
    campaign.refresh_from_db()
    assert campaign.reach == 70


def test_if_match_is_optional_and_star_matches_any_version(clerk_a, campaign):
    api = as_user(clerk_a)
    url = f"/api/v1/campaigns/{campaign.pk}/update/"
    assert api.patch(url, {"reach": 51}, format="json").status_code == 200
    assert api.patch(url, {"reach": 52}, format="json", HTTP_IF_MATCH="*").status_code == 200
    campaign.refresh_from_db()
    assert campaign.reach == 52


def test_hours_publish_honours_if_match_over_the_whole_week(tree, outlet_head_a):
    api = as_user(outlet_head_a)
    url = f"/api/v1/outlets/{tree.outlet_a.pk}/hours/"
    empty = api.get(url)["ETag"]
    published = api.put(f"{url}publish/", {"periods": WEEK}, format="json", HTTP_IF_MATCH=empty)
    assert published.status_code == 200
    assert published["ETag"] == api.get(url)["ETag"] != empty
    shorter = WEEK[:4]
    refused = api.put(f"{url}publish/", {"periods": shorter}, format="json", HTTP_IF_MATCH=empty)
    assert refused.status_code == 412
    assert BusinessHours.objects.filter(outlet=tree.outlet_a).count() == 5


def test_customer_update_over_the_api_with_reason_and_if_match(tree, clerk_a, clerk_b, auditor):
    customer = CustomerFactory(org_unit=tree.outlet_a, created_by=clerk_a, name="张三")
    api = as_user(clerk_a)
    url = f"/api/v1/customers/{customer.pk}/"
    version = api.get(url)["ETag"]
    changed = api.patch(
        f"{url}update/",
        {"address": "东村 3 组", "reason": "搬家"},
        format="json",
        HTTP_IF_MATCH=version,
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["address"] == "东村 3 组"
    stale = api.patch(
        f"{url}update/", {"address": "西村", "reason": "更正"}, format="json", HTTP_IF_MATCH=version
    )
    assert stale.status_code == 412
    assert api.patch(f"{url}update/", {"address": "西村"}, format="json").status_code == 400
    assert (
        as_user(clerk_b).patch(f"{url}update/", {"reason": "x"}, format="json").status_code == 404
    )
    assert (
        as_user(auditor).patch(f"{url}update/", {"reason": "x"}, format="json").status_code == 403
    )
    customer.refresh_from_db()
    assert customer.address == "东村 3 组"


def test_out_10_staff_update_over_the_api(tree, outlet_head_a, clerk_a):
    head = as_user(outlet_head_a)
    created = head.post(
        f"/api/v1/outlets/{tree.outlet_a.pk}/staff/create/",
        {"name": "王五", "kind": "employee", "joined_on": "2026-01-05"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    url = f"/api/v1/outlet-staff/{created.json()['id']}/"
    body = {"name": "王武", "kind": "employee", "joined_on": "2026-01-05", "reason": "错字"}
    first = head.put(url, body, format="json")
    assert first.status_code == 200, first.json()
    assert first.json()["name"] == "王武"
    stale = head.put(url, {**body, "name": "王舞"}, format="json", HTTP_IF_MATCH='"stale"')
    assert stale.status_code == 412
    assert head.put(url, body, format="json", HTTP_IF_MATCH=first["ETag"]).status_code == 200
    # A clerk may not change the registry.
    assert as_user(clerk_a).put(url, body, format="json").status_code == 403
    assert StaffMember.objects.get().name == "王武"
