"""Idempotency-Key on API POSTs (issue 8): a retry never creates a second policy or
complaint; the same key for another request is refused; concurrent duplicates never
both run; keys are per caller and expire."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from complaints.models import Complaint
from core.api.idempotency import idempotency_keys_purge
from core.api.tokens import api_token_create
from core.models import EvidencePhoto, IdempotencyKey
from publicity.services.campaigns import campaign_create
from tests.underwriting.conftest import book  # noqa: F401 (a fixture used here)
from tests.underwriting.group_support import jpeg_bytes, photo
from underwriting.models import Policy

COMPLAINTS = "/api/v1/complaints/"


def as_user(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def complaint_body(**overrides) -> dict:
    return {
        "topic": "claims",
        "severity": "major",
        "complainant_name": "张三",
        "contact_phone": "13800138000",
        "what_happened": "报案三天没有人联系。",
        "what_is_asked": "尽快查勘。",
        **overrides,
    }


def quote_body(book, **overrides) -> dict:  # noqa: F811
    return {
        "product": book.rice.pk,
        "insured": book.farmer_a.pk,
        "quantity": "12.5",
        "application_date": timezone.localdate().isoformat(),
        "expected_minutes": 20,
        **overrides,
    }


def test_a_retry_with_the_same_key_replays_the_complaint_without_a_second_one(clerk_a):
    api = as_user(clerk_a)
    first = api.post(COMPLAINTS, complaint_body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201 and "Idempotent-Replayed" not in first
    retry = api.post(COMPLAINTS, complaint_body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert retry["Content-Type"] == first["Content-Type"]
    assert Complaint.objects.count() == 1


def test_a_retried_quote_creates_one_policy(book, clerk_a):  # noqa: F811
    api = as_user(clerk_a)
    responses = [
        api.post("/api/v1/policies/", quote_body(book), format="json", HTTP_IDEMPOTENCY_KEY="q1")
        for _ in range(3)
    ]
    assert [r.status_code for r in responses] == [201, 201, 201]
    assert len({r.json()["id"] for r in responses}) == 1
    assert Policy.objects.count() == 1


def test_without_a_key_every_post_runs(clerk_a):
    api = as_user(clerk_a)
    api.post(COMPLAINTS, complaint_body(), format="json")
    api.post(COMPLAINTS, complaint_body(), format="json")
    assert Complaint.objects.count() == 2
    assert not IdempotencyKey.objects.exists()


def test_the_same_key_for_another_request_is_422_and_runs_nothing(clerk_a):
    api = as_user(clerk_a)
    api.post(COMPLAINTS, complaint_body(), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    other = api.post(
        COMPLAINTS, complaint_body(what_is_asked="退保"), format="json", HTTP_IDEMPOTENCY_KEY="k-2"
    )
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert "different request" in other.json()["error"]["message"]
    # Another path with the same key is another request too.
    elsewhere = api.post("/api/v1/notifications/1/read/", HTTP_IDEMPOTENCY_KEY="k-2")
    assert elsewhere.status_code == 422
    assert Complaint.objects.count() == 1


def test_keys_are_per_caller(tree, clerk_a, clerk_b):
    for clerk in (clerk_a, clerk_b):
        response = as_user(clerk).post(
            COMPLAINTS, complaint_body(), format="json", HTTP_IDEMPOTENCY_KEY="shared"
        )
        assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert set(Complaint.objects.values_list("org_unit", flat=True)) == {
        tree.outlet_a.pk,
        tree.outlet_b.pk,
    }


def test_token_callers_are_keyed_too(api_client_user, outlet_head_a, tree):
    _token, key = api_token_create(user=api_client_user, name="ERP")
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=f"Token {key}")
    body = complaint_body(named_department=tree.outlet_a.pk)
    first = api.post(COMPLAINTS, body, format="json", HTTP_IDEMPOTENCY_KEY="erp-77")
    retry = api.post(COMPLAINTS, body, format="json", HTTP_IDEMPOTENCY_KEY="erp-77")
    assert first.status_code == retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert IdempotencyKey.objects.get().user == api_client_user
    assert Complaint.objects.count() == 1


def test_refusals_are_replayed_but_not_anonymous_or_bad_keys(db, clerk_a):
    api = as_user(clerk_a)
    invalid = api.post(COMPLAINTS, {}, format="json", HTTP_IDEMPOTENCY_KEY="bad")
    assert invalid.status_code == 400
    again = api.post(COMPLAINTS, {}, format="json", HTTP_IDEMPOTENCY_KEY="bad")
    assert again.status_code == 400 and again["Idempotent-Replayed"] == "true"
    too_long = api.post(COMPLAINTS, complaint_body(), format="json", HTTP_IDEMPOTENCY_KEY="x" * 101)
    assert too_long.status_code == 400
    assert too_long.json()["error"]["code"] == "invalid_idempotency_key"
    anonymous = APIClient().post(
        COMPLAINTS, complaint_body(), format="json", HTTP_IDEMPOTENCY_KEY="anon"
    )
    assert anonymous.status_code in (401, 403)
    assert not Complaint.objects.exists()
    assert IdempotencyKey.objects.count() == 1


def test_an_expired_key_runs_again_and_is_purged(clerk_a, settings):
    api = as_user(clerk_a)
    api.post(COMPLAINTS, complaint_body(), format="json", HTTP_IDEMPOTENCY_KEY="old")
    IdempotencyKey.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    again = api.post(COMPLAINTS, complaint_body(), format="json", HTTP_IDEMPOTENCY_KEY="old")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert Complaint.objects.count() == 2
    assert idempotency_keys_purge(now=timezone.now() + settings.IDEMPOTENCY_KEY_TTL) == 1


def test_a_request_still_running_answers_409(clerk_a):
    # Given a claim that has not finished (the first request is still in its view)
    api = as_user(clerk_a)
    api.post(COMPLAINTS, complaint_body(), format="json", HTTP_IDEMPOTENCY_KEY="busy")
    IdempotencyKey.objects.update(completed_at=None, status_code=None, body=None)
    # When the retry arrives, then it is told to wait and nothing runs.
    retry = api.post(COMPLAINTS, complaint_body(), format="json", HTTP_IDEMPOTENCY_KEY="busy")
    assert retry.status_code == 409
    assert retry.json()["error"]["code"] == "idempotency_request_in_progress"
    assert Complaint.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_create_one_complaint(clerk_a):
    barrier = threading.Barrier(6)
    statuses: list[int] = []

    def post():
        try:
            api = as_user(clerk_a)
            barrier.wait()
            response = api.post(
                COMPLAINTS, complaint_body(), format="json", HTTP_IDEMPOTENCY_KEY="race"
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(statuses) == 6
    assert set(statuses) <= {201, 409} and 201 in statuses
    assert Complaint.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1


def test_the_schema_documents_the_header_on_posts(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/complaints/"]["post"]
    assert {"$ref": "#/components/parameters/IdempotencyKey"} in operation["parameters"]
    assert schema["components"]["parameters"]["IdempotencyKey"]["in"] == "header"
    patch = schema["paths"]["/api/v1/campaigns/{id}/update/"]["patch"]
    assert {"$ref": "#/components/parameters/IfMatch"} in patch["parameters"]
    assert "412" in patch["responses"]


def test_a_retried_multipart_upload_adds_one_photo(tree, clerk_a, settings, tmp_path):
    # Given a campaign, when its photo upload is retried with the same key and file
    settings.MEDIA_ROOT = tmp_path / "media"
    campaign = campaign_create(
        clerk=clerk_a,
        org_unit=tree.outlet_a,
        held_on=timezone.localdate() - dt.timedelta(days=1),
        title="农业保险政策进村宣传",
        audience="farmers",
        topics=["policy"],
        channels=["leaflet"],
        place="东村文化广场",
        reach=50,
    )
    api = as_user(clerk_a)
    url = f"/api/v1/campaigns/{campaign.pk}/photos/"
    data = jpeg_bytes()
    statuses = [
        api.post(
            url,
            {"photo": photo(data=data), "caption": "现场"},
            format="multipart",
            HTTP_IDEMPOTENCY_KEY="photo-1",
        ).status_code
        for _ in range(2)
    ]
    # Then one photo is stored; another file under the same key is another request.
    assert statuses == [201, 201]
    assert EvidencePhoto.objects.count() == 1
    other = api.post(
        url,
        {"photo": photo(data=jpeg_bytes(size=(320, 240))), "caption": "现场"},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="photo-1",
    )
    assert other.status_code == 422
