"""The publicity admin: scoped like the pages and the API (OUT-1), notices read-mostly
(only how to object and the channels of an open notice, through the service), objections
read-only with the phone masked (REG-3), campaigns (PUB-8) recorded and corrected by
managers through the campaign services, nothing deleted."""

import datetime as dt

import pytest
from django.utils import timezone

from core.audit import history_of
from core.models import Role
from publicity.models import Campaign, Notice, Objection
from publicity.services.campaigns import campaign_create
from publicity.services.notices import notice_close
from publicity.services.objections import objection_record
from tests.factories import UserFactory

PHONE = "13912340000"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def staff(user):
    user.is_staff = True
    user.save()
    return user


@pytest.fixture
def manager(county_manager):
    return staff(county_manager)


@pytest.fixture
def far_manager(tree):
    return UserFactory(
        username="manager_c", org_unit=tree.other_county, role=Role.COUNTY_MANAGER, is_staff=True
    )


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", role="", is_superuser=True, is_staff=True)


@pytest.fixture
def objection(posted_notice, clerk_a) -> Objection:
    return objection_record(
        clerk=clerk_a,
        notice=posted_notice,
        line=posted_notice.lines.get(position=1),
        raiser_kind=Objection.Raiser.HOUSEHOLD,
        raiser_name="王小明",
        channel=Objection.Channel.PHONE,
        claim=Objection.Claim.WRONG_QUANTITY,
        details="实际种植10亩",
        contact_phone=PHONE,
    )


@pytest.fixture
def campaign(tree, clerk_a) -> Campaign:
    return campaign_create(
        clerk=clerk_a,
        org_unit=tree.outlet_a,
        held_on=timezone.localdate() - dt.timedelta(days=2),
        title="农业保险政策进村宣传",
        audience="farmers",
        topics=["policy"],
        channels=["leaflet"],
        place="东村文化广场",
        reach=40,
    )


def change_data(response) -> dict:
    """The management forms of the page's inlines, as the browser would post them."""
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
    return data


def notice_url(notice, action="change"):
    return f"/admin/publicity/notice/{notice.pk}/{action}/"


def test_out_1_notices_admin_is_scoped(client, posted_notice, manager, far_manager, superuser):
    client.force_login(far_manager)
    assert posted_notice.title not in client.get("/admin/publicity/notice/").content.decode()
    assert client.get(notice_url(posted_notice)).status_code in (302, 404)
    client.force_login(manager)
    listing = client.get("/admin/publicity/notice/").content.decode()
    assert posted_notice.title in listing
    page = client.get(notice_url(posted_notice))
    assert page.status_code == 200
    # The public token is the secret part of the online notice's address.
    assert posted_notice.token not in page.content.decode()
    client.force_login(superuser)
    assert client.get(notice_url(posted_notice)).status_code == 200


def test_pub_2_manager_corrects_how_to_object_through_the_service(client, posted_notice, manager):
    client.force_login(manager)
    page = client.get(notice_url(posted_notice))
    data = change_data(page) | {
        "objection_phone": "0763-7654321",
        "objection_place": "东村村委会办公室",
        "channels": ["broadcast", "sms"],
    }
    response = client.post(notice_url(posted_notice), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    posted_notice.refresh_from_db()
    assert posted_notice.objection_place == "东村村委会办公室"
    assert posted_notice.channels == ["broadcast", "sms"]
    latest = history_of(posted_notice)[0]
    assert latest.user == manager and latest.reason == "Notice details changed"


def test_notice_admin_is_read_only_otherwise(client, elapsed_notice, manager, clerk_a):
    notice_close(clerk=clerk_a, notice=elapsed_notice)
    client.force_login(manager)
    assert client.get("/admin/publicity/notice/add/").status_code == 403
    response = client.post(notice_url(elapsed_notice), {"objection_place": "改"})
    assert response.status_code == 403
    assert client.post(notice_url(elapsed_notice, "delete"), {"post": "yes"}).status_code == 403
    elapsed_notice.refresh_from_db()
    assert elapsed_notice.state == Notice.State.CLOSED
    assert elapsed_notice.objection_place != "改"


def test_reg_3_objections_read_only_with_the_phone_masked(client, objection, manager, far_manager):
    client.force_login(manager)
    listing = client.get("/admin/publicity/objection/").content.decode()
    assert "139****0000" in listing and PHONE not in listing
    page = client.get(f"/admin/publicity/objection/{objection.pk}/change/")
    assert page.status_code == 200 and PHONE not in page.content.decode()
    assert (
        client.post(
            f"/admin/publicity/objection/{objection.pk}/change/", {"raiser_name": "改"}
        ).status_code
        == 403
    )
    history = client.get(f"/admin/publicity/objection/{objection.pk}/history/")
    assert history.status_code == 200 and PHONE not in history.content.decode()
    client.force_login(far_manager)
    assert objection.raiser_name not in client.get("/admin/publicity/objection/").content.decode()
    objection.refresh_from_db()
    assert objection.raiser_name == "王小明"


def test_lines_and_postings_are_listed_read_only(client, posted_notice, manager, far_manager):
    client.force_login(manager)
    lines = client.get("/admin/publicity/noticeline/").content.decode()
    assert "欧阳春花" in lines
    assert client.get("/admin/publicity/noticeline/add/").status_code == 403
    assert "东村村委会公告栏" in client.get("/admin/publicity/noticeposting/").content.decode()
    client.force_login(far_manager)
    assert "欧阳春花" not in client.get("/admin/publicity/noticeline/").content.decode()


def campaign_form(tree, **overrides) -> dict:
    return {
        "org_unit": tree.outlet_b.pk,
        "held_on": timezone.localdate().isoformat(),
        "title": "乡镇干部座谈",
        "audience": "government",
        "topics": ["regulation"],
        "channels": ["letter"],
        "place": "七拱镇政府",
        "materials": "",
        "reach": "12",
        "description": "",
    } | overrides


def test_pub_8_manager_records_a_campaign_through_the_service(client, tree, manager):
    client.force_login(manager)
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    refused = client.post("/admin/publicity/campaign/add/", campaign_form(tree, held_on=future))
    assert refused.status_code == 200 and not Campaign.objects.exists()
    assert "future" in str(refused.context["adminform"].form.errors)
    county = client.post(
        "/admin/publicity/campaign/add/", campaign_form(tree, org_unit=tree.county.pk)
    )
    assert county.status_code == 200 and not Campaign.objects.exists()
    response = client.post("/admin/publicity/campaign/add/", campaign_form(tree))
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert campaign.org_unit == tree.outlet_b and campaign.created_by == manager
    assert history_of(campaign)[0].user == manager


def test_pub_8_manager_corrects_a_campaign_with_history(client, tree, manager, campaign):
    client.force_login(manager)
    url = f"/admin/publicity/campaign/{campaign.pk}/change/"
    data = campaign_form(tree, held_on=campaign.held_on.isoformat(), reach="60")
    data.pop("org_unit")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    campaign.refresh_from_db()
    assert campaign.reach == 60 and campaign.org_unit == tree.outlet_a
    assert history_of(campaign)[0].user == manager
    assert (
        client.post(f"/admin/publicity/campaign/{campaign.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert Campaign.objects.filter(pk=campaign.pk).exists()


def test_campaign_admin_scope_and_roles(client, tree, campaign, clerk_a, far_manager):
    client.force_login(far_manager)
    assert campaign.title not in client.get("/admin/publicity/campaign/").content.decode()
    assert client.get(f"/admin/publicity/campaign/{campaign.pk}/change/").status_code in (302, 404)
    # A clerk with admin access only looks: campaigns are recorded on the pages.
    client.force_login(staff(clerk_a))
    assert campaign.title in client.get("/admin/publicity/campaign/").content.decode()
    assert client.post("/admin/publicity/campaign/add/", campaign_form(tree)).status_code == 403
    assert Campaign.objects.count() == 1
