"""CLM-8, CLM-9 endpoints: checklist and documents (list, multipart upload), one
document (read, download, remove), case type, accept-file, transfer, special; with
their refusals (other outlet or county 404, auditor 403 on writes, anonymous 401)."""

import pytest
from rest_framework.test import APIClient

from claims_assist.models import CaseDocument, ClaimCase
from tests.claims_assist.authority_support import manager_c
from tests.claims_assist.timeline_support import (
    AGRICULTURE,
    add_documents,
    image_bytes,
    pdf_bytes,
    reported_case,
    scan,
)


def as_user(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def case(claims_book, clerk_a):
    return reported_case(claims_book, clerk_a)


def test_clm_8_upload_and_list(case, clerk_a):
    client = as_user(clerk_a)
    url = f"/api/v1/claim-cases/{case.pk}/documents/"
    response = client.post(
        url, {"kind": "policy", "file": scan(pdf_bytes(pages=2), "p.jpg")}, format="multipart"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["content_type"] == "application/pdf" and body["pages"] == 2
    assert body["kind"] == "policy"
    listed = client.get(url).json()
    assert listed["case_type"] == "agriculture" and not listed["complete"]
    assert listed["missing"] == AGRICULTURE[1:]
    assert listed["checklist"][0]["received"] and listed["checklist"][0]["documents"] == [
        body["id"]
    ]
    assert [d["id"] for d in listed["documents"]] == [body["id"]]


def test_clm_8_fake_upload_is_400_and_saves_nothing(case, clerk_a):
    response = as_user(clerk_a).post(
        f"/api/v1/claim-cases/{case.pk}/documents/",
        {"kind": "policy", "file": scan(b"GIF89a not allowed", "x.pdf")},
        format="multipart",
    )
    assert response.status_code == 400
    assert "PDF" in response.json()["error"]["message"]
    assert not CaseDocument.objects.exists()


def test_clm_8_accept_file_lists_missing_then_accepts(case, clerk_a):
    client = as_user(clerk_a)
    add_documents(case, clerk_a, kinds=AGRICULTURE[:-1])
    response = client.post(f"/api/v1/claim-cases/{case.pk}/accept-file/")
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert "An incomplete file is not accepted (CLM-8)" in message and "事故证明" in message
    add_documents(case, clerk_a, kinds=["accident_proof"])
    response = client.post(f"/api/v1/claim-cases/{case.pk}/accept-file/")
    assert response.status_code == 200 and response.json()["stage"] == "file_complete"
    response = client.post(f"/api/v1/claim-cases/{case.pk}/transfer/", {"note": "已交"})
    assert response.status_code == 200 and response.json()["stage"] == "transferred"
    assert response.json()["transferred_at"]


def test_clm_8_case_type_and_remove(case, clerk_a):
    client = as_user(clerk_a)
    response = client.post(f"/api/v1/claim-cases/{case.pk}/case-type/", {"case_type": "medical"})
    assert response.status_code == 200 and response.json()["case_type"] == "medical"
    assert "medical_records" in response.json()["missing"]
    bad = client.post(f"/api/v1/claim-cases/{case.pk}/case-type/", {"case_type": "nope"})
    assert bad.status_code == 400
    add_documents(case, clerk_a, kinds=["policy"])
    document = CaseDocument.objects.get()
    response = client.post(f"/api/v1/claim-documents/{document.pk}/remove/", {"reason": "模糊"})
    assert response.status_code == 200 and response.json()["removed_reason"] == "模糊"
    assert client.get(f"/api/v1/claim-documents/{document.pk}/").json()["removed_at"]


def test_clm_10_special_needs_claims_centre_or_manager(case, clerk_a, claims_centre):
    url = f"/api/v1/claim-cases/{case.pk}/special/"
    assert as_user(clerk_a).post(url, {"reason": "复杂"}).status_code == 403
    response = as_user(claims_centre).post(url, {"reason": "复杂"})
    assert response.status_code == 200 and response.json()["special"]


def test_clm_8_document_reads_validate_ownership(case, clerk_a, clerk_b, tree, auditor):
    add_documents(case, clerk_a, kinds=["insured_id"])
    document = CaseDocument.objects.get()
    far = manager_c(tree)
    for url in (
        f"/api/v1/claim-cases/{case.pk}/documents/",
        f"/api/v1/claim-documents/{document.pk}/",
        f"/api/v1/claim-documents/{document.pk}/file/",
    ):
        assert as_user(clerk_b).get(url).status_code == 404
        assert as_user(far).get(url).status_code == 404
        assert as_user(auditor).get(url).status_code == 200
        assert as_user(None).get(url).status_code == 401
    response = as_user(clerk_a).get(f"/api/v1/claim-documents/{document.pk}/file/")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/pdf"


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("documents/", {"kind": "policy"}),
        ("case-type/", {"case_type": "medical"}),
        ("accept-file/", {}),
        ("transfer/", {}),
        ("special/", {"reason": "复杂"}),
    ],
)
def test_clm_8_case_writes_validate_ownership(case, clerk_b, tree, auditor, path, data):
    url = f"/api/v1/claim-cases/{case.pk}/{path}"

    def payload():
        return {**data, "file": scan(image_bytes())} if path == "documents/" else data

    assert as_user(clerk_b).post(url, payload(), format="multipart").status_code == 404
    assert as_user(manager_c(tree)).post(url, payload(), format="multipart").status_code == 404
    assert as_user(auditor).post(url, payload(), format="multipart").status_code == 403
    assert as_user(None).post(url, payload(), format="multipart").status_code == 401
    case.refresh_from_db()
    assert case.stage == ClaimCase.Stage.REPORTED and not case.special
    assert case.case_type.code == "agriculture" and not CaseDocument.objects.exists()


def test_clm_8_remove_validates_ownership(case, clerk_a, clerk_b, auditor):
    add_documents(case, clerk_a, kinds=["policy"])
    url = f"/api/v1/claim-documents/{CaseDocument.objects.get().pk}/remove/"
    assert as_user(clerk_b).post(url, {"reason": "x"}).status_code == 404
    assert as_user(auditor).post(url, {"reason": "x"}).status_code == 403
    assert as_user(None).post(url, {"reason": "x"}).status_code == 401
    assert not CaseDocument.objects.filter(removed_at__isnull=False).exists()
