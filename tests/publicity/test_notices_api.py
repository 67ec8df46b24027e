"""Public notices through the staff API: PUB-1/PUB-2 created from a group policy's list
(no ID number, phone or bank account anywhere), PUB-7 claim payment notices, PUB-3/PUB-4
posting, PUB-6 posting evidence, the close refused early or without a photo, closing
completes the policy's notice (PUB-1), withdrawal; scoped (OUT-1), read-only roles 403."""

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import EvidencePhoto, SlaTimer
from publicity.models import Notice
from tests.publicity.conftest import add_posting_photo, make_notice, secrets_of
from tests.test_videos import mp4_bytes
from tests.underwriting.group_support import photo


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def as_user(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def error_text(response) -> str:
    return json.dumps(response.json()["error"], ensure_ascii=False)


# --- Creation (PUB-1, PUB-2, PUB-7) ----------------------------------------------------------
def test_pub_1_pub_2_notice_created_from_the_group_policy(group_policy, clerk_a):
    response = as_user(clerk_a).post(
        "/api/v1/notices/from-group-policy/",
        {"policy": group_policy.pk, "objection_phone": "0763-1234567"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "draft" and body["kind"] == "underwriting"
    assert body["source_model"] == "underwriting.policy" and body["source_id"] == group_policy.pk
    assert body["line_count"] == 3 and body["objection_phone"] == "0763-1234567"
    assert group_policy.product.name in body["title"] and group_policy.season in body["title"]
    lines = as_user(clerk_a).get(f"/api/v1/notices/{body['id']}/lines/")
    assert [line["name"] for line in lines.json()["results"]] == ["王小明", "李秀英", "欧阳春花"]
    # PUB-2 / REG-3: no ID number, phone or bank account in anything the API returns.
    text = response.content.decode() + lines.content.decode()
    for secret in secrets_of(group_policy):
        assert secret not in text


def test_pub_1_second_open_notice_refused(group_policy, clerk_a, draft_notice):
    response = as_user(clerk_a).post(
        "/api/v1/notices/from-group-policy/", {"policy": group_policy.pk}, format="json"
    )
    assert response.status_code == 400
    assert "already has a notice" in error_text(response)
    assert Notice.objects.count() == 1


def test_pub_7_claim_payment_notice_created_from_lines(tree, clerk_a, clerk_b):
    data = {
        "org_unit": tree.outlet_a.pk,
        "village": "东村",
        "product_name": "水稻种植保险",
        "season": "2026早稻",
        "lines": [
            {
                "name": "王小明",
                "village_group": "东村一组",
                "loss": "洪涝 水稻",
                "amount": "1000.00",
            },
            {"name": "李秀英", "loss": "洪涝 水稻", "amount": "530.50", "quantity": "5.3"},
        ],
    }
    response = as_user(clerk_a).post("/api/v1/notices/claim-payments/", data, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "claim_payment" and body["line_count"] == 2
    assert body["amount"] == "1530.50" and body["source_model"] is None
    assert (
        as_user(clerk_b).post("/api/v1/notices/claim-payments/", data, format="json").status_code
        == 404
    )
    data["lines"] = [{"name": "王小明", "loss": "洪涝", "amount": "-1"}]
    refused = as_user(clerk_a).post("/api/v1/notices/claim-payments/", data, format="json")
    assert refused.status_code == 400
    assert "lines" in refused.json()["error"]["fields"]
    data["lines"] = []
    assert (
        as_user(clerk_a).post("/api/v1/notices/claim-payments/", data, format="json").status_code
        == 400
    )
    assert Notice.objects.count() == 1


def test_notice_list_is_scoped_and_filtered(
    group_policy, clerk_a, clerk_b, county_manager, claim_notice
):
    notice = make_notice(group_policy, clerk_a, posted_days_ago=1)

    def ids(user, **params):
        response = as_user(user).get("/api/v1/notices/", params)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert set(ids(clerk_a)) == {notice.pk, claim_notice.pk}
    assert set(ids(county_manager)) == {notice.pk, claim_notice.pk}
    assert ids(clerk_b) == []
    assert ids(clerk_a, state="posted") == [notice.pk]
    assert ids(clerk_a, kind="claim_payment") == [claim_notice.pk]
    assert ids(clerk_a, source_id=group_policy.pk) == [notice.pk]


# --- Posting (PUB-3, PUB-4, PUB-6) -------------------------------------------------------------
def test_pub_3_pub_4_post_starts_the_period(draft_notice, clerk_a):
    posted_at = timezone.now()
    response = as_user(clerk_a).post(
        f"/api/v1/notices/{draft_notice.pk}/post/",
        {
            "posted_at": posted_at.isoformat(),
            "place_kind": "board",
            "place": "东村村委会公告栏",
            "channels": ["broadcast"],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["state"] == "posted" and body["channels"] == ["broadcast"]
    draft_notice.refresh_from_db()
    assert draft_notice.ends_at - draft_notice.posted_at >= dt.timedelta(days=7)
    assert draft_notice.period_timer.rule.code == "PUB-4"
    assert [p["place"] for p in body["postings"]] == ["东村村委会公告栏"]
    assert body["public_url"].endswith(draft_notice.token + "/")


def test_pub_4_posting_in_the_future_refused(draft_notice, clerk_a):
    response = as_user(clerk_a).post(
        f"/api/v1/notices/{draft_notice.pk}/post/",
        {
            "posted_at": (timezone.now() + dt.timedelta(hours=2)).isoformat(),
            "place_kind": "board",
            "place": "东村村委会公告栏",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "posted_at" in response.json()["error"]["fields"]
    draft_notice.refresh_from_db()
    assert draft_notice.state == Notice.State.DRAFT


def test_pub_3_pub_6_more_postings_with_photos(posted_notice, clerk_a):
    response = as_user(clerk_a).post(
        f"/api/v1/notices/{posted_notice.pk}/postings/create/",
        {"place_kind": "entrance", "place": "东村村口", "posted_at": timezone.now().isoformat()},
        format="json",
    )
    assert response.status_code == 201, response.json()
    posting_id = response.json()["id"]
    upload = as_user(clerk_a).post(
        f"/api/v1/notice-postings/{posting_id}/evidence/",
        {"file": photo("entrance.jpg"), "caption": "村口"},
        format="multipart",
    )
    assert upload.status_code == 201, upload.json()
    assert upload.json()["kind"] == "photo" and upload.json()["thumbnail_url"]
    fake = as_user(clerk_a).post(
        f"/api/v1/notice-postings/{posting_id}/evidence/",
        {"file": photo("fake.jpg", b"\x00" * 64)},
        format="multipart",
    )
    assert fake.status_code == 400
    video = as_user(clerk_a).post(
        f"/api/v1/notice-postings/{posting_id}/evidence/",
        {"file": SimpleUploadedFile("walk.mp4", mp4_bytes(), content_type="video/mp4")},
        format="multipart",
    )
    assert video.status_code == 201, video.json()
    assert video.json()["kind"] == "video" and video.json()["thumbnail_url"] is None
    assert video.json()["url"] == reverse("evidence_video", args=[video.json()["id"]])
    postings = as_user(clerk_a).get(f"/api/v1/notices/{posted_notice.pk}/postings/").json()
    assert [len(p["evidence"]) for p in postings] == [0, 2]
    assert [e["kind"] for e in postings[1]["evidence"]] == ["photo", "video"]
    assert postings[1]["evidence"][0]["caption"] == "村口"


# --- Closing (PUB-1, PUB-4, PUB-6) ---------------------------------------------------------------
def test_pub_4_early_close_refused(posted_notice, clerk_a):
    add_posting_photo(posted_notice, clerk_a)
    detail = as_user(clerk_a).get(f"/api/v1/notices/{posted_notice.pk}/").json()
    assert [problem[:5] for problem in detail["close_problems"]] == ["PUB-4"]
    response = as_user(clerk_a).post(
        f"/api/v1/notices/{posted_notice.pk}/close/", {}, format="json"
    )
    assert response.status_code == 400
    assert "PUB-4" in error_text(response)
    posted_notice.refresh_from_db()
    assert posted_notice.state == Notice.State.POSTED


def test_pub_6_close_with_no_photo_refused(group_policy, clerk_a):
    notice = make_notice(group_policy, clerk_a, posted_days_ago=8)
    response = as_user(clerk_a).post(f"/api/v1/notices/{notice.pk}/close/", {}, format="json")
    assert response.status_code == 400
    assert "PUB-6" in error_text(response) and "PUB-4" not in error_text(response)
    assert not EvidencePhoto.objects.exists()
    notice.refresh_from_db()
    assert notice.state == Notice.State.POSTED


def test_pub_1_close_completes_the_policy_notice(elapsed_notice, group_policy, clerk_a):
    detail = as_user(clerk_a).get(f"/api/v1/notices/{elapsed_notice.pk}/").json()
    assert detail["close_problems"] == []
    response = as_user(clerk_a).post(
        f"/api/v1/notices/{elapsed_notice.pk}/close/", {"note": "公示期满无异议"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "closed" and response.json()["close_problems"] is None
    group_policy.refresh_from_db()
    assert group_policy.notice_completed_at is not None
    elapsed_notice.refresh_from_db()
    assert elapsed_notice.period_timer.state == SlaTimer.State.MET


def test_withdraw_needs_a_reason(posted_notice, clerk_a):
    url = f"/api/v1/notices/{posted_notice.pk}/withdraw/"
    assert as_user(clerk_a).post(url, {}, format="json").status_code == 400
    response = as_user(clerk_a).post(url, {"reason": "清单已更换"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "withdrawn"
    assert response.json()["withdrawn_reason"] == "清单已更换"


def test_pub_2_pub_3_update_how_to_object_and_channels(draft_notice, clerk_a):
    url = f"/api/v1/notices/{draft_notice.pk}/update/"
    response = as_user(clerk_a).patch(
        url, {"objection_place": "东村村委会", "channels": ["sms", "web"]}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["objection_place"] == "东村村委会"
    assert set(response.json()["channels"]) == {"sms", "web"}
    assert response.json()["objection_phone"] == "0763-1234567"
    refused = as_user(clerk_a).patch(url, {"channels": ["leaflet"]}, format="json")
    assert refused.status_code == 400


def test_refresh_lines_of_a_draft_from_its_list_only(draft_notice, claim_notice, clerk_a):
    response = as_user(clerk_a).post(f"/api/v1/notices/{draft_notice.pk}/refresh-lines/")
    assert response.status_code == 200, response.json()
    assert response.json()["line_count"] == 3
    # A claim payment list entered directly has nothing to refresh from.
    refused = as_user(clerk_a).post(f"/api/v1/notices/{claim_notice.pk}/refresh-lines/")
    assert refused.status_code == 400


def test_it_validates_ownership(posted_notice, clerk_b, auditor):
    """OUT-1: another outlet's notice is a 404 on every endpoint; a read-only role may
    read but gets 403 on every write; anonymous callers are refused."""
    base = f"/api/v1/notices/{posted_notice.pk}"
    posting = posted_notice.postings.get()
    reads = [f"{base}/", f"{base}/lines/", f"{base}/postings/"]
    writes = [
        f"{base}/post/",
        f"{base}/postings/create/",
        f"/api/v1/notice-postings/{posting.pk}/evidence/",
        f"{base}/close/",
        f"{base}/withdraw/",
        f"{base}/refresh-lines/",
    ]
    for url in reads:
        assert as_user(clerk_b).get(url).status_code == 404, url
        assert as_user(auditor).get(url).status_code == 200, url
        assert APIClient().get(url).status_code in (401, 403), url
    for url in writes:
        assert as_user(clerk_b).post(url, {"reason": "x"}).status_code == 404, url
        assert as_user(auditor).post(url, {"reason": "x"}).status_code == 403, url
        assert APIClient().post(url, {"reason": "x"}).status_code in (401, 403), url
    assert as_user(clerk_b).patch(f"{base}/update/", {}).status_code == 404
    assert as_user(auditor).patch(f"{base}/update/", {}).status_code == 403
    assert as_user(auditor).get(f"{base}/").json()["close_problems"] is None
    posted_notice.refresh_from_db()
    assert posted_notice.state == Notice.State.POSTED
