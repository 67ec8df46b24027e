"""Group policy endpoints: UW-2, UW-5, UW-6, UW-7, PUB-1 through the API, each with its
refusals (other outlet 404, read-only 403)."""

import pytest
from django.utils import timezone, translation
from rest_framework.test import APIClient

from core.masking import mask
from tests.underwriting.group_support import listed_policy, make_ready, photo, rows_of
from underwriting.models import Inspection, Policy


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def as_user(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def test_uw_2_create_and_list_group_policies(book, clerk_a, clerk_b):
    response = as_user(clerk_a).post(
        "/api/v1/group-policies/create/",
        {
            "organiser": book.committee_a.pk,
            "product": book.rice.pk,
            "season": "2026早稻",
            "application_date": timezone.localdate().isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "quoted" and body["organiser"]["name"] == book.committee_a.name
    assert body["household_count"] is None and body["ready_to_finalise"] is False
    assert body["checklist"][0]["code"] == "list" and not body["checklist"][0]["done"]

    listed = as_user(clerk_a).get("/api/v1/group-policies/", {"status": "quoted"}).json()
    assert [p["id"] for p in listed["results"]] == [body["id"]]
    assert as_user(clerk_b).get("/api/v1/group-policies/").json()["count"] == 0


def test_uw_2_create_refusals(book, clerk_b, auditor):
    data = {
        "organiser": book.committee_a.pk,
        "product": book.rice.pk,
        "season": "2026早稻",
        "application_date": timezone.localdate().isoformat(),
    }
    assert as_user(clerk_b).post("/api/v1/group-policies/create/", data).status_code == 404
    assert as_user(auditor).post("/api/v1/group-policies/create/", data).status_code == 403
    data["organiser"] = book.farmer_a.pk
    response = as_user(auditor).post("/api/v1/group-policies/create/", data)
    assert response.status_code == 403
    assert not Policy.objects.exists()


def test_uw_2_create_refused_with_the_error_format(book, clerk_a):
    response = as_user(clerk_a).post(
        "/api/v1/group-policies/create/",
        {
            "organiser": book.farmer_a.pk,
            "product": book.rice.pk,
            "season": "2026早稻",
            "application_date": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 400
    assert "organiser" in response.json()["error"]["fields"]


def test_detail_has_the_finalisation_checklist(book, clerk_a, clerk_b):
    policy = listed_policy(book, clerk_a)
    body = as_user(clerk_a).get(f"/api/v1/group-policies/{policy.pk}/").json()
    assert body["household_count"] == 3 and body["applicant_label"] == "农户0号等3户"
    problems = {item["code"]: item["problem"] for item in body["checklist"] if not item["done"]}
    assert problems["notice"] == "The public notice has not completed yet (PUB-1)."
    assert set(problems) == {"notice", "signatures", "seal"}
    assert as_user(clerk_b).get(f"/api/v1/group-policies/{policy.pk}/").status_code == 404


def test_rows_are_masked_and_filtered(book, clerk_a, clerk_b):
    policy = listed_policy(book, clerk_a, flags={1: ["large_quantity"]})
    row = rows_of(policy)[1]
    url = f"/api/v1/group-policies/{policy.pk}/rows/"
    body = as_user(clerk_a).get(url).json()
    assert body["count"] == 3
    first = body["results"][0]
    assert first["id_number"] == mask(rows_of(policy)[0].id_number, "id_number")
    assert first["phone"] == "138****8000"
    flagged = as_user(clerk_a).get(url, {"flagged": "true"}).json()["results"]
    assert [r["id"] for r in flagged] == [row.pk] and flagged[0]["inspected"] is False
    assert as_user(clerk_a).get(url, {"search": "农户2"}).json()["count"] == 1
    assert as_user(clerk_b).get(url).status_code == 404


def test_uw_6_uw_7_row_signature_patch_needs_a_reason_and_is_audited(book, clerk_a):
    policy = listed_policy(book, clerk_a)
    row = rows_of(policy)[0]
    url = f"/api/v1/household-rows/{row.pk}/signature/"
    response = as_user(clerk_a).patch(url, {"signature": "proxy", "proxy_name": "王五"})
    assert response.status_code == 400
    assert "reason" in response.json()["error"]["fields"]
    response = as_user(clerk_a).patch(
        url,
        {"signature": "proxy", "proxy_name": "王五", "reason": "代签"},
        format="json",
    )
    assert response.status_code == 400
    assert "proxy_authorisation" in response.json()["error"]["fields"]
    response = as_user(clerk_a).patch(
        url,
        {
            "signature": "proxy",
            "proxy_name": "王五",
            "proxy_authorisation": "委托书 2026-03-01",
            "reason": "按纸质清单",
        },
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["signature_display"] == "王五代"
    record = row.history.first()
    assert record.history_user == clerk_a and record.history_change_reason == "按纸质清单"


def test_row_signature_refusals(book, clerk_a, clerk_b, auditor):
    row = rows_of(listed_policy(book, clerk_a))[0]
    url = f"/api/v1/household-rows/{row.pk}/signature/"
    data = {"signature": "signed", "reason": "x"}
    assert as_user(clerk_b).patch(url, data).status_code == 404
    assert as_user(auditor).patch(url, data).status_code == 403
    row.refresh_from_db()
    assert row.signature == "unsigned"


def test_seal_sign_all_and_finalise(book, clerk_a):
    policy = listed_policy(book, clerk_a)
    api = as_user(clerk_a)
    base = f"/api/v1/group-policies/{policy.pk}"
    assert api.post(f"{base}/seal/", {"seal": "seam"}).json()["seal"] == "seam"
    assert api.post(f"{base}/sign-all/", {"reason": "纸质清单"}).json() == {"changed": 3}
    response = api.post(f"{base}/finalise/")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "The public notice has not completed yet (PUB-1)."
    )
    Policy.objects.filter(pk=policy.pk).update(notice_completed_at=timezone.now())
    response = api.post(f"{base}/finalise/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "issued" and body["number"] and body["verification_code"]
    assert body["ready_to_finalise"] is False  # already finalised


@pytest.mark.parametrize(
    ("endpoint", "data"),
    [("seal/", {"seal": "seam"}), ("sign-all/", {"reason": "x"}), ("finalise/", {})],
)
def test_group_write_refusals(book, clerk_a, clerk_b, auditor, endpoint, data):
    policy = make_ready(listed_policy(book, clerk_a), clerk_a)
    url = f"/api/v1/group-policies/{policy.pk}/{endpoint}"
    assert as_user(clerk_b).post(url, data).status_code == 404
    assert as_user(auditor).post(url, data).status_code == 403
    policy.refresh_from_db()
    assert policy.status == Policy.Status.LISTED and policy.seal == "official"


def test_uw_5_inspection_create_multipart_and_list(book, clerk_a, clerk_b):
    policy = listed_policy(book, clerk_a, flags={0: ["epidemic_zone"]})
    row = rows_of(policy)[0]
    url = f"/api/v1/policies/{policy.pk}/inspections/create/"
    response = as_user(clerk_a).post(
        url,
        {
            "inspected_on": timezone.localdate().isoformat(),
            "findings": "已核实防疫情况",
            "household": row.pk,
            "photos": [photo("a.jpg"), photo("b.jpg")],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["household"] == row.pk and len(body["photos"]) == 2
    assert body["photos"][0]["thumbnail_url"].endswith("/thumb.jpg")
    listed = as_user(clerk_a).get(f"/api/v1/policies/{policy.pk}/inspections/").json()
    assert [i["id"] for i in listed["results"]] == [body["id"]]
    detail = as_user(clerk_a).get(f"/api/v1/inspections/{body['id']}/")
    assert detail.status_code == 200
    rows = as_user(clerk_a).get(f"/api/v1/group-policies/{policy.pk}/rows/", {"flagged": 1})
    assert rows.json()["results"][0]["inspected"] is True
    assert as_user(clerk_b).get(f"/api/v1/policies/{policy.pk}/inspections/").status_code == 404
    assert as_user(clerk_b).get(f"/api/v1/inspections/{body['id']}/").status_code == 404


def test_uw_5_inspection_with_a_fake_photo_is_refused(book, clerk_a):
    policy = listed_policy(book, clerk_a)
    response = as_user(clerk_a).post(
        f"/api/v1/policies/{policy.pk}/inspections/create/",
        {
            "inspected_on": timezone.localdate().isoformat(),
            "findings": "x",
            "photos": [photo("fake.jpg", b"no image")],
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert "is not a JPEG, PNG or WebP image" in response.json()["error"]["message"]
    assert not Inspection.objects.exists()


def test_inspection_create_refusals(book, clerk_a, clerk_b, auditor):
    policy = listed_policy(book, clerk_a)
    url = f"/api/v1/policies/{policy.pk}/inspections/create/"
    data = {"inspected_on": timezone.localdate().isoformat(), "findings": "x", "photos": [photo()]}
    assert as_user(clerk_b).post(url, data, format="multipart").status_code == 404
    data["photos"] = [photo()]
    assert as_user(auditor).post(url, data, format="multipart").status_code == 403
    assert not Inspection.objects.exists()


def test_group_endpoints_are_in_the_schema(clerk_a):
    schema = as_user(clerk_a).get("/api/schema/", {"format": "json"}).json()
    for route in (
        "/api/v1/group-policies/",
        "/api/v1/group-policies/create/",
        "/api/v1/group-policies/{id}/rows/",
        "/api/v1/household-rows/{id}/signature/",
        "/api/v1/policies/{id}/inspections/create/",
        "/api/v1/group-policies/{id}/finalise/",
    ):
        assert route in schema["paths"], route
