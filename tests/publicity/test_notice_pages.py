"""Staff pages of public notices: list, notice page, creation from the group policy page
(PUB-1) or a claim payment list (PUB-7), posting (PUB-3, PUB-4), evidence (PUB-6),
closing and withdrawal, each refused outside the user's branch (404) or for a read-only
role (403). Pages render in zh-hans: the tests assert on structure and the database."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.models import EvidencePhoto, SlaTimer
from publicity.models import Notice, NoticePosting
from tests.publicity.conftest import HOUSEHOLDS, add_posting_photo, make_notice
from tests.underwriting.group_support import photo
from underwriting.models import Policy

pytestmark = pytest.mark.django_db


def local_input(moment: dt.datetime) -> str:
    """A datetime-local input's value (Beijing time, to the minute)."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def posting_data(**overrides) -> dict:
    return {
        "place_kind": NoticePosting.Place.BOARD,
        "place": "东村村委会公告栏",
        "posted_at": local_input(timezone.now()),
        **overrides,
    }


# --- List and notice page ---------------------------------------------------------------
def test_notice_list_shows_the_branch_notices_only(client, posted_notice, clerk_b, county_manager):
    url = reverse("publicity:notice_list")
    client.force_login(county_manager)
    html = client.get(url).content.decode()
    assert reverse("publicity:notice_detail", args=[posted_notice.pk]) in html
    client.force_login(clerk_b)
    html = client.get(url).content.decode()
    assert reverse("publicity:notice_detail", args=[posted_notice.pk]) not in html


def test_notice_list_filters_by_state(client, clerk_a, draft_notice, claim_notice):
    client.force_login(clerk_a)
    response = client.get(reverse("publicity:notice_list"), {"kind": "claim_payment"})
    assert list(response.context["page"].object_list) == [claim_notice]
    response = client.get(reverse("publicity:notice_list"), {"state": "posted"})
    assert list(response.context["page"].object_list) == []


def test_pub_4_notice_page_shows_full_names_time_left_and_close_blockers(
    client, clerk_a, posted_notice
):
    """Staff see the full names (only public renderings mask them), the time left of the
    PUB-4 period and why the notice cannot close yet (PUB-4, PUB-6)."""
    client.force_login(clerk_a)
    response = client.get(reverse("publicity:notice_detail", args=[posted_notice.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for name, _phone, _account in HOUSEHOLDS:
        assert name in html
    assert 'id="period-left"' in html
    assert response.context["period"]["time_left"]["seconds"] > 5 * 24 * 3600
    # The page is in Chinese: the rule ID is followed by a full-width colon.
    codes = {re.split("[:：]", message)[0] for message in response.context["close_blockers"]}
    assert {"PUB-4", "PUB-6"} <= codes
    assert 'id="close-form"' in html and 'id="withdraw-form"' in html
    assert reverse("publicity:objection_record", args=[posted_notice.pk]) in html


def test_pub_4_elapsed_notice_page_says_it_may_close(client, clerk_a, elapsed_notice):
    client.force_login(clerk_a)
    response = client.get(reverse("publicity:notice_detail", args=[elapsed_notice.pk]))
    assert response.context["period"]["may_close"] is True
    assert response.context["close_blockers"] == []
    assert 'id="may-close"' in response.content.decode()


def test_notice_page_for_the_auditor_has_no_forms(client, auditor, posted_notice):
    client.force_login(auditor)
    response = client.get(reverse("publicity:notice_detail", args=[posted_notice.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for form in ('id="close-form"', 'id="withdraw-form"', 'class="evidence-form"'):
        assert form not in html
    assert reverse("publicity:objection_record", args=[posted_notice.pk]) not in html
    assert response.context["close_blockers"] == []


# --- PUB-1: creation from the group policy page -------------------------------------------
def test_pub_1_group_policy_page_offers_the_notice_then_links_it(client, clerk_a, group_policy):
    page = reverse("underwriting:group_detail", args=[group_policy.pk])
    create = reverse("publicity:notice_create_group", args=[group_policy.pk])
    client.force_login(clerk_a)
    assert create in client.get(page).content.decode()

    assert client.get(create).status_code == 200
    response = client.post(
        create, {"objection_phone": "0763-1234567", "objection_place": "阳城镇营销服务部"}
    )
    notice = Notice.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("publicity:notice_detail", args=[notice.pk])
    assert (notice.state, notice.line_count, notice.source) == ("draft", 3, group_policy)
    assert notice.objection_phone == "0763-1234567"

    html = client.get(page).content.decode()
    assert reverse("publicity:notice_detail", args=[notice.pk]) in html
    assert create not in html


def test_pub_1_second_notice_of_the_policy_refused(client, clerk_a, group_policy, draft_notice):
    client.force_login(clerk_a)
    response = client.post(
        reverse("publicity:notice_create_group", args=[group_policy.pk]),
        {"objection_phone": "0763-1234567", "objection_place": "柜面"},
    )
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert Notice.objects.count() == 1


def test_pub_2_how_to_object_is_required(client, clerk_a, group_policy):
    client.force_login(clerk_a)
    response = client.post(
        reverse("publicity:notice_create_group", args=[group_policy.pk]),
        {"objection_phone": "", "objection_place": ""},
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"objection_phone", "objection_place"}
    assert not Notice.objects.exists()


def test_notice_creation_validates_ownership(client, group_policy, clerk_b, auditor):
    url = reverse("publicity:notice_create_group", args=[group_policy.pk])
    data = {"objection_phone": "0763-1234567", "objection_place": "柜面"}
    client.force_login(clerk_b)
    assert client.get(url).status_code == 404
    assert client.post(url, data).status_code == 404
    client.force_login(auditor)
    assert client.post(url, data).status_code == 403
    assert (
        "create-notice"
        not in client.get(
            reverse("underwriting:group_detail", args=[group_policy.pk])
        ).content.decode()
    )
    assert client.post(reverse("publicity:notice_create_claims"), {}).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302
    assert not Notice.objects.exists()


# --- PUB-7: claim payment notice --------------------------------------------------------
def test_pub_7_claim_payment_notice_from_pasted_lines(client, tree, clerk_a):
    client.force_login(clerk_a)
    url = reverse("publicity:notice_create_claims")
    assert client.get(url).context["form"]["org_unit"].initial == tree.outlet_a.pk
    response = client.post(
        url,
        {
            "org_unit": tree.outlet_a.pk,
            "village": "东村",
            "product_name": "水稻种植保险",
            "season": "2026早稻",
            "objection_phone": "0763-1234567",
            "objection_place": "阳城镇三农营销服务部柜面",
            # A comma-separated line and a line pasted from a sheet (tabs).
            "lines": (
                "王小明,东村一组,洪涝 水稻 10亩,1000.00\n\n"
                "李秀英\t东村二组\t洪涝\t530.50\t5.3\t亩\n"
            ),
        },
    )
    notice = Notice.objects.get()
    assert response.status_code == 302
    assert (notice.kind, notice.state, notice.line_count) == ("claim_payment", "draft", 2)
    assert notice.amount == Decimal("1530.50")
    second = notice.lines.get(position=2)
    assert (second.name, second.quantity, second.unit) == ("李秀英", Decimal("5.3"), "亩")
    html = client.get(response.url).content.decode()
    assert "1530.50" in html and "李秀英" in html


def test_pub_7_invalid_lines_are_refused_with_their_numbers(client, tree, clerk_a):
    client.force_login(clerk_a)
    response = client.post(
        reverse("publicity:notice_create_claims"),
        {
            "org_unit": tree.outlet_a.pk,
            "village": "东村",
            "product_name": "水稻种植保险",
            "season": "2026早稻",
            "objection_phone": "0763-1234567",
            "objection_place": "柜面",
            "lines": "王小明,东村一组,洪涝,1000.00\n李秀英,东村二组,洪涝,很多\n欧阳春花,三组\n",
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors["lines"]
    assert len(errors) == 2
    assert "2" in errors[0] and "3" in errors[1]
    assert not Notice.objects.exists()


def test_pub_7_other_outlet_is_not_a_choice(client, tree, clerk_b):
    client.force_login(clerk_b)
    response = client.post(
        reverse("publicity:notice_create_claims"),
        {
            "org_unit": tree.outlet_a.pk,
            "village": "东村",
            "product_name": "水稻种植保险",
            "season": "2026早稻",
            "objection_phone": "0763-1234567",
            "objection_place": "柜面",
            "lines": "王小明,东村一组,洪涝,1000.00",
        },
    )
    assert response.status_code == 400
    assert "org_unit" in response.context["form"].errors
    assert not Notice.objects.exists()


# --- PUB-3/PUB-4: posting -----------------------------------------------------------------
def test_pub_4_posting_starts_the_period(client, clerk_a, draft_notice):
    client.force_login(clerk_a)
    # Posted the minute it was made: the page's minute counts from the notice's creation.
    response = client.post(
        reverse("publicity:notice_post", args=[draft_notice.pk]),
        posting_data(posted_at=local_input(timezone.now()), channels=["broadcast", "sms"]),
    )
    draft_notice.refresh_from_db()
    assert response.status_code == 302
    assert draft_notice.state == Notice.State.POSTED
    assert draft_notice.posted_at >= draft_notice.created_at
    assert draft_notice.ends_at - draft_notice.posted_at >= dt.timedelta(days=7)
    assert draft_notice.period_timer.state == SlaTimer.State.RUNNING
    assert draft_notice.channels == ["broadcast", "sms"]
    assert draft_notice.postings.get().place == "东村村委会公告栏"


def test_pub_4_posting_in_the_future_is_refused(client, clerk_a, draft_notice):
    client.force_login(clerk_a)
    response = client.post(
        reverse("publicity:notice_post", args=[draft_notice.pk]),
        posting_data(posted_at=local_input(timezone.now() + dt.timedelta(hours=2))),
    )
    assert response.status_code == 400
    assert response.context["form"].errors
    draft_notice.refresh_from_db()
    assert draft_notice.state == Notice.State.DRAFT and not draft_notice.postings.exists()


def test_pub_3_another_posting_place(client, clerk_a, posted_notice):
    client.force_login(clerk_a)
    url = reverse("publicity:posting_add", args=[posted_notice.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, posting_data(place_kind=NoticePosting.Place.ENTRANCE, place="东村村口宣传栏")
    )
    assert response.status_code == 302
    assert posted_notice.postings.count() == 2
    response = client.post(url, posting_data(place=""))
    assert response.status_code == 400
    assert posted_notice.postings.count() == 2


# --- PUB-6 evidence and closing -----------------------------------------------------------
def test_pub_6_close_without_photo_refused_then_allowed_after_upload(client, clerk_a, group_policy):
    """PUB-6: an elapsed notice with no posting photo stays open; the photo uploaded on
    the page lets it close, which completes PUB-1 for the group policy."""
    notice = make_notice(group_policy, clerk_a, posted_days_ago=8)
    posting = notice.postings.get()
    client.force_login(clerk_a)
    close = reverse("publicity:notice_close", args=[notice.pk])

    response = client.post(close, {"note": ""})
    notice.refresh_from_db()
    assert notice.state == Notice.State.POSTED
    assert any(message.startswith("PUB-6") for message in messages_of(response))

    response = client.post(
        reverse("publicity:posting_evidence", args=[posting.pk]),
        {"files": [photo("board.jpg")], "caption": "公告栏"},
    )
    assert response.url == reverse("publicity:notice_detail", args=[notice.pk])
    assert EvidencePhoto.objects.get().caption == "公告栏"
    html = client.get(response.url).content.decode()
    evidence = EvidencePhoto.objects.get()
    assert reverse("evidence_file", args=[evidence.pk, "thumb"]) in html

    client.post(close, {"note": "公示期满无异议"})
    notice.refresh_from_db()
    group_policy.refresh_from_db()
    assert (notice.state, notice.closed_by, notice.close_note) == (
        "closed",
        clerk_a,
        "公示期满无异议",
    )
    assert group_policy.notice_completed_at == notice.closed_at
    response = client.get(reverse("publicity:notice_detail", args=[notice.pk]))
    assert response.status_code == 200 and 'id="close-form"' not in response.content.decode()


def test_pub_4_early_close_refused(client, clerk_a, posted_notice):
    add_posting_photo(posted_notice, clerk_a)
    client.force_login(clerk_a)
    response = client.post(reverse("publicity:notice_close", args=[posted_notice.pk]))
    posted_notice.refresh_from_db()
    assert posted_notice.state == Notice.State.POSTED
    assert [message[:5] for message in messages_of(response)] == ["PUB-4"]
    policy = Policy.objects.get(pk=posted_notice.source_id)
    assert policy.notice_completed_at is None


def test_pub_6_a_file_that_is_no_image_is_refused(client, clerk_a, posted_notice):
    client.force_login(clerk_a)
    posting = posted_notice.postings.get()
    fake = SimpleUploadedFile("board.jpg", b"not a photo at all" * 20, content_type="image/jpeg")
    response = client.post(
        reverse("publicity:posting_evidence", args=[posting.pk]), {"files": [fake]}
    )
    assert response.status_code == 302
    assert messages_of(response)
    assert not EvidencePhoto.objects.exists()


def test_withdraw_needs_a_reason(client, clerk_a, posted_notice):
    client.force_login(clerk_a)
    url = reverse("publicity:notice_withdraw", args=[posted_notice.pk])
    client.post(url, {"reason": ""})
    posted_notice.refresh_from_db()
    assert posted_notice.state == Notice.State.POSTED
    client.post(url, {"reason": "清单已更换"})
    posted_notice.refresh_from_db()
    assert (posted_notice.state, posted_notice.withdrawn_reason) == ("withdrawn", "清单已更换")
    assert posted_notice.period_timer.state == SlaTimer.State.CANCELLED
    response = client.get(reverse("publicity:notice_detail", args=[posted_notice.pk]))
    assert response.status_code == 200 and 'id="withdraw-form"' not in response.content.decode()


def test_notice_pages_validate_ownership(client, clerk_b, auditor, posted_notice):
    posting = posted_notice.postings.get()
    pages = [
        reverse("publicity:notice_detail", args=[posted_notice.pk]),
        reverse("publicity:notice_post", args=[posted_notice.pk]),
        reverse("publicity:posting_add", args=[posted_notice.pk]),
    ]
    writes = [
        (reverse("publicity:notice_post", args=[posted_notice.pk]), posting_data()),
        (reverse("publicity:posting_add", args=[posted_notice.pk]), posting_data()),
        (reverse("publicity:posting_evidence", args=[posting.pk]), {"files": [photo("a.jpg")]}),
        (reverse("publicity:notice_close", args=[posted_notice.pk]), {}),
        (reverse("publicity:notice_withdraw", args=[posted_notice.pk]), {"reason": "x"}),
    ]
    client.force_login(clerk_b)
    for url in pages:
        assert client.get(url).status_code == 404, url
    for url, data in writes:
        assert client.post(url, data).status_code == 404, url
    client.force_login(auditor)
    for url, data in writes:
        assert client.post(url, data).status_code == 403, url
    client.logout()
    for url in pages:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response.url
    posted_notice.refresh_from_db()
    assert posted_notice.state == Notice.State.POSTED
    assert posted_notice.postings.count() == 1
    assert not EvidencePhoto.objects.exists()
