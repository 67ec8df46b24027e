"""PUB-8 publicity campaigns: recorded per outlet with audience, content and channels,
corrected with history, photographed with real images; listed and filtered for county
managers; scoped (OUT-1) and refused to read-only roles."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.access import NotInScope, ReadOnlyRole
from core.audit import history_of
from core.models import EvidencePhoto
from publicity.demo import seed_publicity
from publicity.models import Campaign, Notice, Objection
from publicity.services.campaigns import (
    campaign_create,
    campaign_delete,
    campaign_photo_add,
    campaign_update,
)
from tests.underwriting.group_support import photo
from underwriting.demo import seed_underwriting


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def record(clerk, org_unit, **overrides) -> Campaign:
    values = {
        "held_on": timezone.localdate() - dt.timedelta(days=3),
        "title": "农业保险政策进村宣传",
        "audience": Campaign.Audience.FARMERS,
        "topics": ["policy", "how_to"],
        "channels": ["leaflet", "broadcast"],
        "place": "东村文化广场",
        "materials": "折页300份",
        "reach": 120,
    } | overrides
    return campaign_create(clerk=clerk, org_unit=org_unit, **values)


@pytest.fixture
def campaign(tree, clerk_a) -> Campaign:
    return record(clerk_a, tree.outlet_a)


# --- Services -----------------------------------------------------------------------------
def test_pub_8_campaign_recorded_with_audience_content_and_channels(tree, clerk_a):
    campaign = record(clerk_a, tree.outlet_a, topics=["policy", "policy", "products"])
    campaign.refresh_from_db()
    assert campaign.org_unit == tree.outlet_a and campaign.created_by == clerk_a
    assert campaign.audience == "farmers"
    assert campaign.topics == ["policy", "products"]  # a repeated choice is kept once
    assert campaign.channels == ["leaflet", "broadcast"]
    assert history_of(campaign)[0].user == clerk_a


def test_pub_8_campaign_refusals_are_listed_together(tree, clerk_a):
    with pytest.raises(ValidationError) as refused:
        record(
            clerk_a,
            tree.outlet_a,
            held_on=timezone.localdate() + dt.timedelta(days=1),
            title=" ",
            audience="aliens",
            topics=[],
            channels=["carrier_pigeon"],
            place="",
            reach=-1,
        )
    fields = refused.value.message_dict
    assert set(fields) == {"held_on", "title", "audience", "topics", "channels", "place", "reach"}
    assert "future" in fields["held_on"][0]
    assert "carrier_pigeon" in fields["channels"][0]
    assert not Campaign.objects.exists()


def test_pub_8_campaign_belongs_to_an_outlet(tree, county_manager):
    with pytest.raises(ValidationError) as refused:
        record(county_manager, tree.county)
    assert "org_unit" in refused.value.message_dict
    # A county manager may record one for an outlet of the county.
    assert record(county_manager, tree.outlet_b).org_unit == tree.outlet_b


def test_pub_8_campaign_scope_and_read_only(tree, clerk_b, auditor, campaign):
    with pytest.raises(NotInScope):
        record(clerk_b, tree.outlet_a)
    with pytest.raises(ReadOnlyRole):
        record(auditor, tree.outlet_a)
    with pytest.raises(NotInScope):
        campaign_update(clerk=clerk_b, campaign=campaign, reach=1)
    with pytest.raises(ReadOnlyRole):
        campaign_update(clerk=auditor, campaign=campaign, reach=1)


def test_pub_8_campaign_corrected_with_history(clerk_a, campaign):
    campaign_update(
        clerk=clerk_a, campaign=campaign, reach=150, channels=["sms"], reason="补录短信渠道"
    )
    campaign.refresh_from_db()
    assert campaign.reach == 150 and campaign.channels == ["sms"]
    latest = history_of(campaign)[0]
    assert latest.user == clerk_a and latest.reason == "补录短信渠道"
    assert ("reach", 120, 150) in latest.changes


def test_pub_8_campaign_update_checks_the_same_rules(clerk_a, campaign):
    with pytest.raises(ValidationError) as refused:
        campaign_update(clerk=clerk_a, campaign=campaign, topics=[], org_unit=None)
    assert refused.value.code == "not_editable"
    with pytest.raises(ValidationError) as refused:
        campaign_update(clerk=clerk_a, campaign=campaign, topics=[])
    assert "topics" in refused.value.message_dict
    campaign.refresh_from_db()
    assert campaign.topics == ["policy", "how_to"]


def test_pub_8_campaign_photo_is_a_real_image(clerk_a, clerk_b, campaign):
    stored = campaign_photo_add(clerk=clerk_a, campaign=campaign, upload=photo(), caption="现场")
    assert stored.subject == campaign and stored.org_unit == campaign.org_unit
    with pytest.raises(ValidationError):
        campaign_photo_add(
            clerk=clerk_a, campaign=campaign, upload=photo("fake.jpg", b"not an image at all")
        )
    with pytest.raises(NotInScope):
        campaign_photo_add(clerk=clerk_b, campaign=campaign, upload=photo())
    assert EvidencePhoto.objects.count() == 1


def test_pub_8_campaign_deleted_only_with_a_reason_and_without_photos(clerk_a, campaign):
    with pytest.raises(ValidationError) as refused:
        campaign_delete(clerk=clerk_a, campaign=campaign, reason=" ")
    assert "reason" in refused.value.message_dict
    campaign_photo_add(clerk=clerk_a, campaign=campaign, upload=photo())
    with pytest.raises(ValidationError):
        campaign_delete(clerk=clerk_a, campaign=campaign, reason="重复录入")
    assert Campaign.objects.filter(pk=campaign.pk).exists()
    EvidencePhoto.objects.all().delete()
    campaign_delete(clerk=clerk_a, campaign=campaign, reason="重复录入")
    assert not Campaign.objects.exists()
    deleted = Campaign.history.get(history_type="-")
    assert deleted.history_user == clerk_a and deleted.history_change_reason == "重复录入"


# --- Pages ---------------------------------------------------------------------------------
def test_pub_8_county_manager_lists_and_filters_every_outlet(
    client, tree, clerk_a, clerk_b, county_manager
):
    mine = record(clerk_a, tree.outlet_a, channels=["tv"], reach=100)
    other = record(
        clerk_b,
        tree.outlet_b,
        title="乡镇干部座谈",
        audience=Campaign.Audience.GOVERNMENT,
        channels=["web"],
        held_on=timezone.localdate() - dt.timedelta(days=30),
        reach=20,
    )
    client.force_login(county_manager)
    url = reverse("publicity:campaign_list")
    response = client.get(url)
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [mine, other]
    assert response.context["reach"] == 120

    def listed(**params):
        return list(client.get(url, params).context["page"].object_list)

    assert listed(org_unit=tree.outlet_b.pk) == [other]
    assert listed(audience="government") == [other]
    assert listed(channel="tv") == [mine]
    assert listed(topic="policy") == [mine, other]
    since = (timezone.localdate() - dt.timedelta(days=10)).isoformat()
    assert listed(held_from=since) == [mine]
    assert listed(held_to=since) == [other]


def test_pub_8_clerk_lists_only_their_outlet(client, tree, clerk_a, clerk_b):
    record(clerk_a, tree.outlet_a)
    other = record(clerk_b, tree.outlet_b)
    client.force_login(clerk_b)
    response = client.get(reverse("publicity:campaign_list"))
    assert list(response.context["page"].object_list) == [other]
    # Another outlet is not even a filter choice.
    response = client.get(reverse("publicity:campaign_list"), {"org_unit": tree.outlet_a.pk})
    assert response.context["filters"].errors


def test_pub_8_create_page_records_a_campaign(client, tree, clerk_a):
    client.force_login(clerk_a)
    url = reverse("publicity:campaign_create")
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["org_unit"] == tree.outlet_a.pk
    response = client.post(
        url,
        {
            "org_unit": tree.outlet_a.pk,
            "held_on": timezone.localdate().isoformat(),
            "title": "赶集日宣传",
            "audience": "farmers",
            "place": "阳城镇集市",
            "topics": ["policy", "claims"],
            "channels": ["leaflet", "poster"],
            "reach": "300",
        },
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("publicity:campaign_detail", args=[campaign.pk])
    assert campaign.topics == ["policy", "claims"] and campaign.channels == ["leaflet", "poster"]


def test_pub_8_create_page_shows_the_service_refusal(client, tree, clerk_a):
    client.force_login(clerk_a)
    response = client.post(
        reverse("publicity:campaign_create"),
        {
            "org_unit": tree.outlet_a.pk,
            "held_on": (timezone.localdate() + dt.timedelta(days=2)).isoformat(),
            "title": "预告",
            "audience": "farmers",
            "place": "东村",
            "topics": ["policy"],
            "channels": ["leaflet"],
            "reach": "0",
        },
    )
    assert response.status_code == 400
    assert "held_on" in response.context["form"].errors
    assert not Campaign.objects.exists()


def test_pub_8_edit_page_corrects_with_a_reason(client, clerk_a, campaign):
    client.force_login(clerk_a)
    url = reverse("publicity:campaign_edit", args=[campaign.pk])
    assert "org_unit" not in client.get(url).context["form"].fields
    response = client.post(
        url,
        {
            "held_on": campaign.held_on.isoformat(),
            "title": campaign.title,
            "audience": "cadres",
            "place": campaign.place,
            "topics": ["regulation"],
            "channels": ["wall"],
            "reach": "80",
            "reason": "受众录错",
        },
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.audience == "cadres" and campaign.topics == ["regulation"]
    assert history_of(campaign)[0].reason == "受众录错"


def test_pub_8_photo_upload_page(client, clerk_a, campaign):
    client.force_login(clerk_a)
    url = reverse("publicity:campaign_photo", args=[campaign.pk])
    response = client.post(url, {"photo": photo("stand.jpg"), "caption": "宣传台"})
    assert response.status_code == 302
    detail = client.get(reverse("publicity:campaign_detail", args=[campaign.pk]))
    (shown,) = detail.context["photos"]
    assert shown.caption == "宣传台"
    assert reverse("evidence_file", args=[shown.pk, "thumb"]) in detail.content.decode()
    refused = client.post(url, {"photo": photo("fake.jpg", b"GIF89a not really")})
    assert refused.status_code == 400
    assert EvidencePhoto.objects.count() == 1


def test_it_validates_ownership(client, clerk_b, auditor, campaign):
    """OUT-1: another outlet's campaign is a 404 on every page; a read-only role gets
    403 on every write; anonymous users are sent to log in."""
    detail = reverse("publicity:campaign_detail", args=[campaign.pk])
    edit = reverse("publicity:campaign_edit", args=[campaign.pk])
    upload = reverse("publicity:campaign_photo", args=[campaign.pk])
    create = reverse("publicity:campaign_create")
    for url in (detail, edit, create, reverse("publicity:campaign_list")):
        assert client.get(url).status_code == 302
    client.force_login(clerk_b)
    assert client.get(detail).status_code == 404
    assert client.get(edit).status_code == 404
    assert client.post(upload, {"photo": photo()}).status_code == 404
    client.force_login(auditor)
    assert client.get(detail).status_code == 200
    assert client.get(edit).status_code == 403
    assert client.get(create).status_code == 403
    assert client.post(upload, {"photo": photo()}).status_code == 403
    assert not EvidencePhoto.objects.exists()


def test_demo_data_has_a_posted_notice_an_objection_and_a_campaign(tree, clerk_a, api_client_user):
    """`make run`: the demo group policy's notice is posted with a photo and an open
    objection, and the outlet has a campaign with a photo; seeding twice adds nothing."""
    for _run in range(2):
        seed_underwriting(
            county=tree.county, outlet=tree.outlet_a, clerk=clerk_a, api_client=api_client_user
        )
        seed_publicity(outlet=tree.outlet_a, clerk=clerk_a)
    notice = Notice.objects.get()
    assert notice.state == Notice.State.POSTED and notice.line_count == 6
    assert notice.postings.count() == 1
    objection = Objection.objects.get()
    assert objection.state == Objection.State.OPEN and objection.line.name == "王建国"
    campaign = Campaign.objects.get()
    assert campaign.org_unit == tree.outlet_a
    assert EvidencePhoto.objects.count() == 2
