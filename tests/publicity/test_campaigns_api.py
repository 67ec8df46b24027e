"""PUB-8 campaigns through the API: list with filters for county managers, create,
detail with photos, correct, delete a mistake, photo upload; scoped (OUT-1), read-only
roles refused, anonymous refused."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core.audit import history_of
from core.models import EvidencePhoto
from publicity.models import Campaign
from publicity.services.campaigns import campaign_create
from tests.underwriting.group_support import photo


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def as_user(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def record(clerk, org_unit, **overrides) -> Campaign:
    values = {
        "held_on": timezone.localdate() - dt.timedelta(days=3),
        "title": "农业保险政策进村宣传",
        "audience": "farmers",
        "topics": ["policy"],
        "channels": ["leaflet"],
        "place": "东村文化广场",
        "reach": 50,
    } | overrides
    return campaign_create(clerk=clerk, org_unit=org_unit, **values)


@pytest.fixture
def campaign(tree, clerk_a) -> Campaign:
    return record(clerk_a, tree.outlet_a)


def payload(org_unit, **overrides) -> dict:
    return {
        "org_unit": org_unit.pk,
        "held_on": timezone.localdate().isoformat(),
        "title": "乡镇干部座谈",
        "audience": "government",
        "topics": ["regulation", "service"],
        "channels": ["letter", "web"],
        "place": "阳城镇政府会议室",
        "reach": 15,
    } | overrides


def test_pub_8_create_and_read_a_campaign(tree, clerk_a):
    response = as_user(clerk_a).post(
        "/api/v1/campaigns/create/", payload(tree.outlet_a), format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["org_unit"]["id"] == tree.outlet_a.pk
    assert body["topics"] == ["regulation", "service"] and body["channels"] == ["letter", "web"]
    assert body["created_by"]["username"] == "clerk_a" and body["photos"] == []
    detail = as_user(clerk_a).get(f"/api/v1/campaigns/{body['id']}/").json()
    assert detail["title"] == "乡镇干部座谈" and detail["reach"] == 15


def test_pub_8_create_refusals(tree, clerk_a, clerk_b, auditor):
    data = payload(tree.outlet_a)
    assert (
        as_user(clerk_b).post("/api/v1/campaigns/create/", data, format="json").status_code == 404
    )
    assert (
        as_user(auditor).post("/api/v1/campaigns/create/", data, format="json").status_code == 403
    )
    unknown = payload(tree.outlet_a, channels=["carrier_pigeon"], topics=[])
    response = as_user(clerk_a).post("/api/v1/campaigns/create/", unknown, format="json")
    assert response.status_code == 400
    assert {"channels", "topics"} <= set(response.json()["error"]["fields"])
    future = payload(
        tree.outlet_a, held_on=(timezone.localdate() + dt.timedelta(days=1)).isoformat()
    )
    response = as_user(clerk_a).post("/api/v1/campaigns/create/", future, format="json")
    assert response.status_code == 400
    assert "held_on" in response.json()["error"]["fields"]
    assert not Campaign.objects.exists()


def test_pub_8_list_is_scoped_and_filtered(tree, clerk_a, clerk_b, county_manager):
    mine = record(clerk_a, tree.outlet_a, channels=["tv", "sms"])
    other = record(
        clerk_b,
        tree.outlet_b,
        audience="government",
        held_on=timezone.localdate() - dt.timedelta(days=40),
    )

    def ids(user, **params):
        response = as_user(user).get("/api/v1/campaigns/", params)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids(county_manager) == [mine.pk, other.pk]
    assert ids(clerk_a) == [mine.pk]
    assert ids(county_manager, org_unit=tree.outlet_b.pk) == [other.pk]
    assert ids(county_manager, audience="government") == [other.pk]
    assert ids(county_manager, channel="sms") == [mine.pk]
    assert ids(county_manager, topic="policy") == [mine.pk, other.pk]
    since = (timezone.localdate() - dt.timedelta(days=10)).isoformat()
    assert ids(county_manager, held_from=since) == [mine.pk]
    assert ids(county_manager, held_to=since) == [other.pk]
    assert ids(county_manager, ordering="held_on") == [other.pk, mine.pk]


def test_pub_8_update_keeps_history(clerk_a, clerk_b, auditor, campaign):
    url = f"/api/v1/campaigns/{campaign.pk}/update/"
    response = as_user(clerk_a).patch(url, {"reach": 75, "reason": "补录人数"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["reach"] == 75 and response.json()["title"] == campaign.title
    campaign.refresh_from_db()
    assert history_of(campaign)[0].reason == "补录人数"
    refused = as_user(clerk_a).patch(url, {"channels": []}, format="json")
    assert refused.status_code == 400
    assert as_user(clerk_b).patch(url, {"reach": 1}, format="json").status_code == 404
    assert as_user(auditor).patch(url, {"reach": 1}, format="json").status_code == 403
    campaign.refresh_from_db()
    assert campaign.reach == 75


def test_pub_8_photo_upload_and_detail(clerk_a, clerk_b, auditor, campaign):
    url = f"/api/v1/campaigns/{campaign.pk}/photos/"
    response = as_user(clerk_a).post(url, {"photo": photo(), "caption": "现场"}, format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json()["display_url"] == reverse(
        "evidence_file", args=[response.json()["id"], "display"]
    )
    fake = as_user(clerk_a).post(url, {"photo": photo("x.jpg", b"nope")}, format="multipart")
    assert fake.status_code == 400
    assert as_user(clerk_b).post(url, {"photo": photo()}, format="multipart").status_code == 404
    assert as_user(auditor).post(url, {"photo": photo()}, format="multipart").status_code == 403
    detail = as_user(auditor).get(f"/api/v1/campaigns/{campaign.pk}/").json()
    assert [p["caption"] for p in detail["photos"]] == ["现场"]
    assert EvidencePhoto.objects.count() == 1


def test_pub_8_delete_a_mistake_with_a_reason(clerk_a, clerk_b, auditor, campaign):
    url = f"/api/v1/campaigns/{campaign.pk}/delete/"
    assert as_user(clerk_a).post(url, {}, format="json").status_code == 400
    assert as_user(clerk_b).post(url, {"reason": "x"}, format="json").status_code == 404
    assert as_user(auditor).post(url, {"reason": "x"}, format="json").status_code == 403
    assert as_user(clerk_a).post(url, {"reason": "重复录入"}, format="json").status_code == 204
    assert not Campaign.objects.exists()


def test_it_validates_ownership(clerk_b, campaign):
    """OUT-1: anonymous callers are refused; another outlet's campaign is a 404."""
    anonymous = APIClient()
    assert anonymous.get("/api/v1/campaigns/").status_code in (401, 403)
    assert anonymous.get(f"/api/v1/campaigns/{campaign.pk}/").status_code in (401, 403)
    assert as_user(clerk_b).get(f"/api/v1/campaigns/{campaign.pk}/").status_code == 404
