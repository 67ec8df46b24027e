"""Survey and assessment endpoints: assignments (CLM-5), assessments with exclusions
(CLM-6, CLM-15), remote materials (CLM-7), referral and the one-stop steps, with their
refusals (another outlet or county 404, auditors 403 on writes, anonymous 401)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from claims_assist.models import Assessment, ClaimCase, PaymentRequest, SurveyAssignment
from claims_assist.services import assessment as assessment_service
from claims_assist.services import survey as survey_service
from core.models import EvidencePhoto
from tests.claims_assist.authority_support import grant, manager_c
from tests.claims_assist.survey_support import (
    fake_photo,
    grant_one_stop,
    motor_case,
    photo,
    rice_case,
    surveyed_by,
)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def as_user(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def case(claims_book, clerk_a) -> ClaimCase:
    return rice_case(claims_book, by=clerk_a)


@pytest.fixture
def assignment(case, claims_centre, claims_assist_a) -> SurveyAssignment:
    return survey_service.assignment_create(
        by=claims_centre,
        case_pk=case.pk,
        kind=SurveyAssignment.Kind.SURVEY,
        assignee=claims_assist_a,
    )


@pytest.fixture
def authorisation(claims_assist_a, county_manager):
    return grant(by=county_manager, holder=claims_assist_a, case_limit=Decimal("1500"))


ASSESSMENT = {
    "mode": "on_site",
    "loss_cause": "暴雨内涝",
    "quantity": "3",
    "unit": "亩",
    "amount": "1200.00",
}


# --- Assignments (CLM-5) ---------------------------------------------------------------------
def test_clm_5_assign_and_list(tree, case, claims_centre, claims_assist_a, clerk_b, clerk_a):
    response = as_user(claims_centre).post(
        f"/api/v1/claim-cases/{case.pk}/assignments/create/",
        {"kind": "survey", "assignee": claims_assist_a.pk, "instructions": "带卷尺"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "survey" and body["state"] == "open" and body["photos"] == []
    listed = as_user(clerk_a).get(f"/api/v1/claim-cases/{case.pk}/assignments/").json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    detail = as_user(clerk_a).get(f"/api/v1/claim-assignments/{body['id']}/")
    assert detail.json()["assignee"] == claims_assist_a.pk
    assert as_user(clerk_b).get(f"/api/v1/claim-cases/{case.pk}/assignments/").status_code == 404
    assert as_user(clerk_b).get(f"/api/v1/claim-assignments/{body['id']}/").status_code == 404
    assert as_user(None).get(f"/api/v1/claim-cases/{case.pk}/assignments/").status_code == 401


def test_clm_5_motor_survey_refused(claims_book, clerk_a, claims_centre, claims_assist_a):
    motor = motor_case(claims_book, by=clerk_a)
    response = as_user(claims_centre).post(
        f"/api/v1/claim-cases/{motor.pk}/assignments/create/",
        {"kind": "survey", "assignee": claims_assist_a.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "motor" in response.json()["error"]["fields"]["kind"][0]
    assert SurveyAssignment.objects.count() == 0


def test_clm_5_assign_refusals(tree, case, clerk_a, clerk_b, auditor, claims_assist_a):
    url = f"/api/v1/claim-cases/{case.pk}/assignments/create/"
    data = {"kind": "assist", "assignee": claims_assist_a.pk}
    assert as_user(clerk_a).post(url, data, format="json").status_code == 403
    assert as_user(auditor).post(url, data, format="json").status_code == 403
    assert as_user(clerk_b).post(url, data, format="json").status_code == 404
    assert as_user(manager_c(tree)).post(url, data, format="json").status_code == 404
    assert as_user(None).post(url, data, format="json").status_code == 401
    assert SurveyAssignment.objects.count() == 0


def test_clm_5_report_with_photos_multipart(assignment, claims_assist_a):
    response = as_user(claims_assist_a).post(
        f"/api/v1/claim-assignments/{assignment.pk}/report/",
        {
            "findings": "稻田受淹约3亩。",
            "surveyed_at": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
            "photos": [photo("IMG_1.jpg"), photo("IMG_2.jpg")],
        },
        format="multipart",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["state"] == "done" and len(body["photos"]) == 2
    assert body["photos"][0]["taken_at"].startswith("2026-04-30")
    assert body["photos"][0]["gps_latitude"] and body["photos"][0]["thumbnail_url"]


def test_clm_5_report_fake_photo_refused_and_nothing_saved(assignment, claims_assist_a):
    response = as_user(claims_assist_a).post(
        f"/api/v1/claim-assignments/{assignment.pk}/report/",
        {
            "findings": "稻田受淹。",
            "surveyed_at": timezone.now().isoformat(),
            "photos": [photo(), fake_photo()],
        },
        format="multipart",
    )
    assert response.status_code == 400
    assignment.refresh_from_db()
    assert assignment.state == SurveyAssignment.State.OPEN
    assert EvidencePhoto.objects.count() == 0


def test_clm_5_report_and_cancel_refusals(
    tree, assignment, clerk_b, auditor, clerk_a, claims_centre
):
    report = f"/api/v1/claim-assignments/{assignment.pk}/report/"
    data = {"findings": "x", "surveyed_at": timezone.now().isoformat()}
    assert as_user(clerk_b).post(report, data).status_code == 404
    assert as_user(auditor).post(report, data).status_code == 403
    assert as_user(clerk_a).post(report, data).status_code == 403
    assert as_user(None).post(report, data).status_code == 401
    cancel = f"/api/v1/claim-assignments/{assignment.pk}/cancel/"
    other_county = manager_c(tree)
    assert as_user(other_county).post(cancel, {"reason": "x"}, format="json").status_code == 404
    assert as_user(auditor).post(cancel, {"reason": "x"}, format="json").status_code == 403
    assert as_user(clerk_a).post(cancel, {"reason": "x"}, format="json").status_code == 403
    assert as_user(None).post(cancel, {"reason": "x"}, format="json").status_code == 401
    response = as_user(claims_centre).post(cancel, {"reason": "客户撤案"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "cancelled"


# --- Assessments (CLM-6, CLM-15) ---------------------------------------------------------------
def test_clm_6_assess_within_authority(claims_book, case, claims_assist_a, authorisation, clerk_a):
    exclusion = claims_book.rice.exclusions.first()
    response = as_user(claims_assist_a).post(
        f"/api/v1/claim-cases/{case.pk}/assessments/create/",
        {**ASSESSMENT, "exclusions": [exclusion.pk], "exclusion_note": "部分地块故意放水"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["authorisation"] == authorisation.pk and body["amount"] == "1200.00"
    assert body["exclusions"] == [{"id": exclusion.pk, "text": exclusion.text}]
    listed = as_user(clerk_a).get(f"/api/v1/claim-cases/{case.pk}/assessments/").json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    assert as_user(clerk_a).get(f"/api/v1/claim-assessments/{body['id']}/").status_code == 200


def test_clm_6_beyond_authority_is_a_400_that_says_refer(case, claims_assist_a, authorisation):
    response = as_user(claims_assist_a).post(
        f"/api/v1/claim-cases/{case.pk}/assessments/create/",
        {**ASSESSMENT, "amount": "1800.00"},
        format="json",
    )
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert "CLM-6" in message and "claims centre" in message
    assert Assessment.objects.count() == 0


def test_clm_15_exclusion_of_another_product_refused(
    claims_book, case, claims_assist_a, authorisation
):
    other = claims_book.elderly.exclusions.first()
    response = as_user(claims_assist_a).post(
        f"/api/v1/claim-cases/{case.pk}/assessments/create/",
        {**ASSESSMENT, "exclusions": [other.pk], "exclusion_note": "x"},
        format="json",
    )
    assert response.status_code == 400
    assert "CLM-15" in response.json()["error"]["fields"]["exclusions"][0]


def test_clm_6_assessment_and_referral_refusals(
    tree, case, claims_assist_a, clerk_b, auditor, authorisation
):
    other_county = manager_c(tree)
    for url, data in (
        (f"/api/v1/claim-cases/{case.pk}/assessments/create/", ASSESSMENT),
        (f"/api/v1/claim-cases/{case.pk}/refer/", {"reason": "x"}),
    ):
        assert as_user(auditor).post(url, data, format="json").status_code == 403
        assert as_user(clerk_b).post(url, data, format="json").status_code == 404
        assert as_user(other_county).post(url, data, format="json").status_code == 404
        assert as_user(None).post(url, data, format="json").status_code == 401
    assert as_user(clerk_b).get(f"/api/v1/claim-cases/{case.pk}/assessments/").status_code == 404
    assert Assessment.objects.count() == 0
    assert ClaimCase.objects.get(pk=case.pk).referred_at is None


def test_clm_6_refer(case, claims_assist_a):
    response = as_user(claims_assist_a).post(
        f"/api/v1/claim-cases/{case.pk}/refer/", {"reason": "超出权限"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["referral_reason"] == "超出权限"


# --- Remote materials (CLM-7) --------------------------------------------------------------------
def test_clm_7_remote_materials_upload(tree, case, claims_assist_a, authorisation, clerk_b):
    created = as_user(claims_assist_a).post(
        f"/api/v1/claim-cases/{case.pk}/assessments/create/",
        {
            **ASSESSMENT,
            "mode": "remote",
            "remote_session_at": (timezone.now() - dt.timedelta(hours=3)).isoformat(),
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    url = f"/api/v1/claim-assessments/{created.json()['id']}/materials/"
    assert as_user(clerk_b).post(url, {"photos": [photo()]}, format="multipart").status_code == 404
    assert as_user(None).post(url, {"photos": [photo()]}, format="multipart").status_code == 401
    response = as_user(claims_assist_a).post(url, {"photos": [photo()]}, format="multipart")
    assert response.status_code == 200, response.json()
    assert response.json()["materials_uploaded_at"] and len(response.json()["photos"]) == 1


# --- One-stop (CLM-6) ----------------------------------------------------------------------------
def test_clm_6_one_stop_through_the_api(
    tree, case, claims_assist_a, county_manager, claims_centre, clerk_b, auditor
):
    grant_one_stop(by=county_manager, holder=claims_assist_a, claims_centre=claims_centre)
    surveyed_by(case, assigner=claims_centre, adjuster=claims_assist_a)
    assessment = assessment_service.assessment_record(
        by=claims_assist_a,
        case_pk=case.pk,
        mode=Assessment.Mode.ONE_STOP,
        loss_cause="暴雨内涝",
        quantity=Decimal("3"),
        unit="亩",
        amount=Decimal("1800"),
    )
    client = as_user(claims_assist_a)
    calculate = f"/api/v1/claim-assessments/{assessment.pk}/calculate/"
    sign = f"/api/v1/claim-assessments/{assessment.pk}/sign/"
    pay = f"/api/v1/claim-cases/{case.pk}/one-stop/payment-request/"
    payee = {
        "payee_name": "张三",
        "payee_id_number": "11010519491231002X",
        "bank_name": "农业银行",
        "bank_account": "6228480123456789012",
    }
    for user, expected in ((clerk_b, 404), (auditor, 403), (None, 401), (county_manager, 403)):
        assert as_user(user).post(calculate, {"payable": "1800.00"}).status_code == expected
        assert as_user(user).post(sign, {"signed_by_name": "x"}).status_code == expected
        assert as_user(user).post(pay, payee, format="json").status_code == expected
    assert client.post(sign, {"signed_by_name": "张三"}).status_code == 400
    response = client.post(calculate, {"payable": "1700.00", "note": "扣除免赔"}, format="json")
    assert response.status_code == 200 and response.json()["calculated_amount"] == "1700.00"
    response = client.post(
        sign, {"signed_by_name": "张三", "photo": photo("signed.jpg")}, format="multipart"
    )
    assert response.status_code == 200 and response.json()["customer_signed_at"]
    ClaimCase.objects.filter(pk=case.pk).update(
        file_complete_at=timezone.now(), stage=ClaimCase.Stage.FILE_COMPLETE
    )
    response = client.post(pay, payee, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["amount"] == "1700.00" and body["payee_id_number"] != payee["payee_id_number"]
    assert PaymentRequest.objects.get().payee_id_number == "11010519491231002X"
