"""API of CLM-3 (initial check), REG-1 (refusal letters) and CLM-4 (major cases), with
the refusals of every endpoint (other outlet or county 404, auditors 403 on writes,
anonymous 401)."""

import io

import pytest
from pypdf import PdfReader
from rest_framework.test import APIClient

from claims_assist.models import ClaimCase, RefusalLetter
from claims_assist.services.check import case_check_initial
from claims_assist.services.major import case_major_flag
from tests.claims_assist.authority_support import manager_c
from tests.claims_assist.factories import ClaimCaseFactory


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def case(tree, clerk_a, claims_book) -> ClaimCase:
    return ClaimCaseFactory(policy=claims_book.rice_a, org_unit=tree.outlet_a, created_by=clerk_a)


@pytest.fixture
def refused(case, clerk_a) -> RefusalLetter:
    case_check_initial(by=clerk_a, case_pk=case.pk, covered=False)
    return case.refusals.get()


def as_user(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


def _assert_write_refusals(tree, url, data, *, clerk_b, auditor):
    assert as_user(clerk_b).post(url, data, format="json").status_code == 404
    assert as_user(manager_c(tree)).post(url, data, format="json").status_code == 404
    assert as_user(auditor).post(url, data, format="json").status_code == 403
    assert as_user(None).post(url, data, format="json").status_code == 401


# The check --------------------------------------------------------------------------------
def test_clm_3_api_check_fails_with_every_reason_and_a_letter(case, clerk_a):
    url = f"/api/v1/claim-cases/{case.pk}/check/"
    response = as_user(clerk_a).post(url, {"covered": False, "note": "免责"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["check_result"] == "failed" and body["check_reasons"] == ["not_covered"]
    assert body["stage"] == "refused"
    [letter] = body["refusals"]
    assert letter["kind"] == "initial_check" and letter["pdf_url"].endswith("/pdf/")
    response = as_user(clerk_a).post(url, {"covered": True}, format="json")
    assert response.status_code == 400
    assert "only an open case is checked" in response.json()["error"]["message"]


def test_clm_3_api_check_passes_and_asks_for_a_period_without_policy(
    tree, case, clerk_a, claims_book
):
    response = as_user(clerk_a).post(
        f"/api/v1/claim-cases/{case.pk}/check/", {"covered": True}, format="json"
    )
    assert response.status_code == 200 and response.json()["check_result"] == "passed"
    paper = ClaimCaseFactory(
        policy=None,
        policy_number="PAPER-1",
        product=claims_book.rice,
        org_unit=tree.outlet_a,
        created_by=clerk_a,
    )
    response = as_user(clerk_a).post(
        f"/api/v1/claim-cases/{paper.pk}/check/", {"covered": True}, format="json"
    )
    assert response.status_code == 400
    assert "cover_starts" in response.json()["error"]["fields"]


def test_clm_3_api_check_it_validates_ownership(tree, case, clerk_b, auditor):
    url = f"/api/v1/claim-cases/{case.pk}/check/"
    _assert_write_refusals(tree, url, {"covered": True}, clerk_b=clerk_b, auditor=auditor)
    case.refresh_from_db()
    assert case.check_result == ClaimCase.Check.PENDING


# Major case -------------------------------------------------------------------------------
def test_clm_4_api_flag_and_report(case, clerk_a):
    flag = f"/api/v1/claim-cases/{case.pk}/major/flag/"
    response = as_user(clerk_a).post(flag, {"reasons": ["deaths"], "note": "x"}, format="json")
    assert response.status_code == 400 and "reasons" in response.json()["error"]["fields"]
    response = as_user(clerk_a).post(
        flag, {"reasons": ["litigation"], "note": "已起诉"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["major"] and response.json()["major_reasons"] == ["litigation"]
    reported = f"/api/v1/claim-cases/{case.pk}/major/reported/"
    response = as_user(clerk_a).post(reported, {"reference": "ZB-9"}, format="json")
    assert response.status_code == 200
    assert response.json()["head_office_reference"] == "ZB-9"
    assert response.json()["head_office_reported_at"]


def test_clm_4_api_flag_it_validates_ownership(tree, case, clerk_b, auditor):
    url = f"/api/v1/claim-cases/{case.pk}/major/flag/"
    data = {"reasons": ["litigation"], "note": "x"}
    _assert_write_refusals(tree, url, data, clerk_b=clerk_b, auditor=auditor)


def test_clm_4_api_reported_it_validates_ownership(tree, case, clerk_a, clerk_b, auditor):
    case_major_flag(by=clerk_a, case_pk=case.pk, reasons=["litigation"], note="起诉")
    url = f"/api/v1/claim-cases/{case.pk}/major/reported/"
    _assert_write_refusals(tree, url, {"reference": "ZB-1"}, clerk_b=clerk_b, auditor=auditor)
    case.refresh_from_db()
    assert case.head_office_reported_at is None


# Refusal letters --------------------------------------------------------------------------
def test_reg_1_api_refusal_detail_and_pdf(tree, refused, case, clerk_a, clerk_b, auditor):
    url = f"/api/v1/refusals/{refused.pk}/"
    body = as_user(clerk_a).get(url).json()
    assert body["case_number"] == case.number and body["delivered_at"] is None
    assert body["reasons"] == refused.reasons
    response = as_user(auditor).get(f"{url}pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages[0].extract_text()
    assert case.number in text
    other_manager = manager_c(tree)
    for path in (url, f"{url}pdf/"):
        assert as_user(clerk_b).get(path).status_code == 404
        assert as_user(other_manager).get(path).status_code == 404
        assert as_user(None).get(path).status_code == 401


def test_reg_1_api_refusal_delivered(refused, clerk_a, case):
    url = f"/api/v1/refusals/{refused.pk}/delivered/"
    response = as_user(clerk_a).post(url, {"note": "邮寄 EMS123"}, format="json")
    assert response.status_code == 200 and response.json()["delivered_at"]
    case.refresh_from_db()
    assert case.refusal_notified_at is not None
    assert as_user(clerk_a).post(url, {}, format="json").status_code == 400


def test_reg_1_api_refusal_delivered_it_validates_ownership(tree, refused, clerk_b, auditor):
    url = f"/api/v1/refusals/{refused.pk}/delivered/"
    _assert_write_refusals(tree, url, {"note": "x"}, clerk_b=clerk_b, auditor=auditor)
    refused.refresh_from_db()
    assert refused.delivered_at is None
