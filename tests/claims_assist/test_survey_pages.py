"""Pages of the survey (CLM-5), the assessment (CLM-6, CLM-15), the remote materials
(CLM-7), the referral and the one-stop steps: "My assignments", an assignment's page,
the case page's survey panel and its forms, and their refusals (another outlet or
county 404, auditors 403 on writes, anonymous to the login page). Pages are zh-hans:
tests assert status, context, structure and database state."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from claims_assist.models import Assessment, ClaimCase, SurveyAssignment
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


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def case_page(case) -> str:
    return f"/claims/cases/{case.pk}/"


def survey_panel(response) -> dict:
    return next(panel for panel in response.context["panels"] if panel["name"] == "survey")


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


# --- My assignments and the assignment page (CLM-5) -----------------------------------------
def test_clm_5_my_assignments_lists_my_open_ones(assignment, claims_assist_a, clerk_a):
    response = login(claims_assist_a).get(reverse("claims_assist:my_assignments"))
    assert response.status_code == 200
    assert list(response.context["assignments"]) == [assignment]
    assert f'data-assignment="{assignment.pk}"' in response.content.decode()
    assert not login(clerk_a).get("/claims/assignments/").context["assignments"]
    response = Client().get("/claims/assignments/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_clm_5_assignment_page_and_its_refusals(
    tree, assignment, claims_assist_a, clerk_b, auditor, claims_centre
):
    url = reverse("claims_assist:assignment_detail", args=[assignment.pk])
    assert url == f"/claims/assignments/{assignment.pk}/"
    response = login(claims_assist_a).get(url)
    assert response.status_code == 200 and response.context["form"] is not None
    html = response.content.decode()
    assert 'id="report-form"' in html and 'enctype="multipart/form-data"' in html
    assert "multiple" in html
    assert not response.context["may_cancel"]
    centre = login(claims_centre).get(url)
    assert centre.context["may_cancel"] and 'id="cancel-link"' in centre.content.decode()
    read_only = login(auditor).get(url)
    assert read_only.status_code == 200 and read_only.context["form"] is None
    assert login(clerk_b).get(url).status_code == 404
    assert login(manager_c(tree)).get(url).status_code == 404
    response = Client().get(url)
    assert response.status_code == 302 and "login" in response["Location"]


def test_clm_5_report_with_photos_and_evidence_shown(case, assignment, claims_assist_a):
    client = login(claims_assist_a)
    url = reverse("claims_assist:assignment_report", args=[assignment.pk])
    response = client.post(
        url,
        {
            "surveyed_at": (timezone.localtime() - dt.timedelta(hours=1)).strftime(
                "%Y-%m-%dT%H:%M"
            ),
            "findings": "稻田受淹约3亩。",
            "photos": [photo("IMG_1.jpg"), photo("IMG_2.jpg")],
            "documents_note": "身份证复印件",
        },
    )
    assert response.status_code == 302 and response["Location"] == case_page(case)
    assignment.refresh_from_db()
    assert assignment.state == SurveyAssignment.State.DONE
    photos = EvidencePhoto.objects.filter(subject_id=assignment.pk)
    assert photos.count() == 2
    page = client.get(reverse("claims_assist:assignment_detail", args=[assignment.pk]))
    thumb = reverse("evidence_file", args=[photos[0].pk, "thumb"])
    assert thumb in page.content.decode()
    assert client.get(thumb).status_code == 200


def test_clm_5_report_with_a_fake_photo_saves_nothing(assignment, claims_assist_a):
    response = login(claims_assist_a).post(
        reverse("claims_assist:assignment_report", args=[assignment.pk]),
        {
            "surveyed_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "findings": "稻田受淹。",
            "photos": [photo(), fake_photo()],
        },
    )
    assert response.status_code == 400 and response.context["form"].errors
    assignment.refresh_from_db()
    assert assignment.state == SurveyAssignment.State.OPEN
    assert EvidencePhoto.objects.count() == 0


def test_clm_5_report_refusals(tree, assignment, clerk_b, auditor, clerk_a):
    url = reverse("claims_assist:assignment_report", args=[assignment.pk])
    data = {"surveyed_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "findings": "x"}
    assert login(clerk_b).post(url, data).status_code == 404
    assert login(manager_c(tree)).post(url, data).status_code == 404
    assert login(auditor).post(url, data).status_code == 403
    assert login(clerk_a).post(url, data).status_code == 403
    response = Client().post(url, data)
    assert response.status_code == 302 and "login" in response["Location"]
    assert SurveyAssignment.objects.get().state == SurveyAssignment.State.OPEN


# --- Assign and cancel (CLM-5) --------------------------------------------------------------
def test_clm_5_assign_from_the_case_page(case, claims_centre, claims_assist_a):
    page = login(claims_centre).get(case_page(case))
    assert page.status_code == 200
    assert survey_panel(page)["assignment_form"] is not None
    assert 'id="assignment-create"' in page.content.decode()
    response = login(claims_centre).post(
        reverse("claims_assist:assignment_create", args=[case.pk]),
        {"kind": "survey", "assignee": claims_assist_a.pk, "instructions": "带卷尺"},
    )
    assert response.status_code == 302 and response["Location"] == case_page(case)
    assert SurveyAssignment.objects.get().assignee == claims_assist_a
    assert ClaimCase.objects.get(pk=case.pk).stage == ClaimCase.Stage.SURVEY


def test_clm_5_motor_survey_refused_on_the_page(
    claims_book, clerk_a, claims_centre, claims_assist_a
):
    motor = motor_case(claims_book, by=clerk_a)
    response = login(claims_centre).post(
        reverse("claims_assist:assignment_create", args=[motor.pk]),
        {"kind": "survey", "assignee": claims_assist_a.pk},
    )
    assert response.status_code == 400 and "kind" in response.context["form"].errors
    assert SurveyAssignment.objects.count() == 0


def test_clm_5_assign_refusals(tree, case, clerk_a, clerk_b, auditor, claims_assist_a):
    url = reverse("claims_assist:assignment_create", args=[case.pk])
    data = {"kind": "assist", "assignee": claims_assist_a.pk}
    assert login(clerk_a).post(url, data).status_code == 403
    assert login(auditor).post(url, data).status_code == 403
    assert login(clerk_b).post(url, data).status_code == 404
    assert login(manager_c(tree)).post(url, data).status_code == 404
    response = Client().post(url, data)
    assert response.status_code == 302 and "login" in response["Location"]
    assert SurveyAssignment.objects.count() == 0
    assert survey_panel(login(clerk_a).get(case_page(case)))["assignment_form"] is None


def test_clm_5_cancel_and_its_refusals(tree, case, assignment, claims_centre, auditor, clerk_b):
    url = reverse("claims_assist:assignment_cancel", args=[assignment.pk])
    assert login(claims_centre).get(url).status_code == 200
    assert login(auditor).post(url, {"reason": "x"}).status_code == 403
    assert login(clerk_b).post(url, {"reason": "x"}).status_code == 404
    assert login(manager_c(tree)).post(url, {"reason": "x"}).status_code == 404
    assert Client().post(url, {"reason": "x"}).status_code == 302
    assert login(claims_centre).post(url, {"reason": ""}).status_code == 400
    response = login(claims_centre).post(url, {"reason": "客户撤案"})
    assert response.status_code == 302 and response["Location"] == case_page(case)
    assignment.refresh_from_db()
    assert assignment.state == SurveyAssignment.State.CANCELLED


# --- Assessment and referral (CLM-6, CLM-15) ------------------------------------------------
def test_clm_6_panel_shows_my_authority_and_the_form(case, claims_assist_a, authorisation):
    page = login(claims_assist_a).get(case_page(case))
    panel = survey_panel(page)
    assert [a.pk for a in panel["authorities"]] == [authorisation.pk]
    assert panel["assessment_form"] is not None and panel["refusal"] is None
    html = page.content.decode()
    assert 'id="my-authority"' in html and "1500.00" in html


def test_clm_6_assess_on_the_page_with_exclusions(
    claims_book, case, claims_assist_a, authorisation
):
    exclusion = claims_book.rice.exclusions.first()
    response = login(claims_assist_a).post(
        reverse("claims_assist:assessment_create", args=[case.pk]),
        {**ASSESSMENT, "exclusions": [exclusion.pk], "exclusion_note": "部分地块故意放水"},
    )
    assert response.status_code == 302 and response["Location"] == case_page(case)
    assessment = Assessment.objects.get()
    assert list(assessment.exclusions.all()) == [exclusion]
    page = login(claims_assist_a).get(case_page(case))
    assert survey_panel(page)["current"] == assessment
    html = page.content.decode()
    assert 'id="current-assessment"' in html and exclusion.text in html


def test_clm_15_exclusion_of_another_product_refused_on_the_page(
    claims_book, case, claims_assist_a, authorisation
):
    other = claims_book.elderly.exclusions.first()
    response = login(claims_assist_a).post(
        reverse("claims_assist:assessment_create", args=[case.pk]),
        {**ASSESSMENT, "exclusions": [other.pk], "exclusion_note": "x"},
    )
    assert response.status_code == 400 and "exclusions" in response.context["form"].errors
    assert Assessment.objects.count() == 0


def test_clm_6_beyond_authority_offers_the_referral(case, claims_assist_a, authorisation):
    response = login(claims_assist_a).post(
        reverse("claims_assist:assessment_create", args=[case.pk]),
        {**ASSESSMENT, "amount": "1800.00"},
    )
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert response.context["refer"] is not None
    assert 'id="refer-form"' in response.content.decode()
    assert Assessment.objects.count() == 0
    # The panel says so too, before any attempt, for a case estimated above the limit.
    ClaimCase.objects.filter(pk=case.pk).update(estimated_amount=Decimal("1800"))
    panel = survey_panel(login(claims_assist_a).get(case_page(case)))
    assert panel["refusal"].reason == "above_limit" and panel["refer_form"] is not None


def test_clm_6_refer_from_the_page(case, claims_assist_a):
    response = login(claims_assist_a).post(
        reverse("claims_assist:case_refer", args=[case.pk]), {"reason": "超出权限"}
    )
    assert response.status_code == 302 and response["Location"] == case_page(case)
    case.refresh_from_db()
    assert case.referral_reason == "超出权限"
    page = login(claims_assist_a).get(case_page(case))
    assert 'id="referral"' in page.content.decode()


def test_clm_6_assessment_and_referral_refusals(
    tree, case, claims_assist_a, clerk_b, auditor, authorisation
):
    other_county = manager_c(tree)
    for name, data in (("assessment_create", ASSESSMENT), ("case_refer", {"reason": "x"})):
        url = reverse(f"claims_assist:{name}", args=[case.pk])
        assert login(auditor).post(url, data).status_code == 403
        assert login(auditor).get(url).status_code == 403
        assert login(clerk_b).post(url, data).status_code == 404
        assert login(other_county).post(url, data).status_code == 404
        response = Client().post(url, data)
        assert response.status_code == 302 and "login" in response["Location"]
    assert Assessment.objects.count() == 0
    assert ClaimCase.objects.get(pk=case.pk).referred_at is None
    panel = survey_panel(login(auditor).get(case_page(case)))
    assert panel["assessment_form"] is None and panel["assignment_form"] is None


# --- Remote materials (CLM-7) ---------------------------------------------------------------
@pytest.fixture
def remote(case, claims_assist_a, authorisation) -> Assessment:
    return assessment_service.assessment_record(
        by=claims_assist_a,
        case_pk=case.pk,
        mode=Assessment.Mode.REMOTE,
        loss_cause="暴雨内涝",
        quantity=Decimal("2"),
        unit="亩",
        amount=Decimal("800"),
        remote_session_at=timezone.now() - dt.timedelta(hours=2),
    )


def test_clm_7_panel_shows_the_deadline_and_upload(case, remote, claims_assist_a):
    page = login(claims_assist_a).get(case_page(case))
    panel = survey_panel(page)
    assert panel["remote_timer"].due_at == remote.remote_session_at + dt.timedelta(hours=24)
    assert panel["materials_form"] is not None
    assert 'id="remote-materials"' in page.content.decode()
    response = login(claims_assist_a).post(
        reverse("claims_assist:materials_upload", args=[remote.pk]), {"photos": [photo()]}
    )
    assert response.status_code == 302 and response["Location"] == case_page(case)
    remote.refresh_from_db()
    assert remote.materials_uploaded_at is not None


def test_clm_7_upload_refusals(tree, remote, clerk_b, auditor):
    url = reverse("claims_assist:materials_upload", args=[remote.pk])
    assert login(auditor).post(url, {"photos": [photo()]}).status_code == 403
    assert login(clerk_b).post(url, {"photos": [photo()]}).status_code == 404
    assert login(manager_c(tree)).post(url, {"photos": [photo()]}).status_code == 404
    assert Client().post(url, {"photos": [photo()]}).status_code == 302
    remote.refresh_from_db()
    assert remote.materials_uploaded_at is None and EvidencePhoto.objects.count() == 0


# --- One-stop steps (CLM-6) -----------------------------------------------------------------
@pytest.fixture
def one_stop(case, claims_assist_a, county_manager, claims_centre) -> Assessment:
    grant_one_stop(by=county_manager, holder=claims_assist_a, claims_centre=claims_centre)
    surveyed_by(case, assigner=claims_centre, adjuster=claims_assist_a)
    return assessment_service.assessment_record(
        by=claims_assist_a,
        case_pk=case.pk,
        mode=Assessment.Mode.ONE_STOP,
        loss_cause="暴雨内涝",
        quantity=Decimal("3"),
        unit="亩",
        amount=Decimal("1800"),
    )


def test_clm_6_one_stop_stepper_through_the_pages(case, one_stop, claims_assist_a):
    client = login(claims_assist_a)

    def next_step():
        panel = survey_panel(client.get(case_page(case)))
        return panel["next_step"], [step["done"] for step in panel["steps"]]

    assert next_step() == ("calculation", [True, True, False, False, False])
    sign = reverse("claims_assist:one_stop_sign", args=[one_stop.pk])
    assert client.post(sign, {"signed_by_name": "张三"}).status_code == 400
    calculate = reverse("claims_assist:one_stop_calculate", args=[one_stop.pk])
    response = client.post(calculate, {"payable": "1700.00", "note": "扣除免赔"})
    assert response.status_code == 302 and response["Location"] == case_page(case)
    assert next_step() == ("signature", [True, True, True, False, False])
    response = client.post(sign, {"signed_by_name": "张三", "photo": photo("signed.jpg")})
    assert response.status_code == 302
    page = client.get(case_page(case))
    assert 'data-step="payment"' in page.content.decode()
    assert survey_panel(page)["next_step"] == "payment"
    ClaimCase.objects.filter(pk=case.pk).update(
        file_complete_at=timezone.now(), stage=ClaimCase.Stage.FILE_COMPLETE
    )
    pay = reverse("claims_assist:one_stop_payment_request", args=[case.pk])
    response = client.post(
        pay,
        {
            "payee_name": "张三",
            "payee_id_number": "11010519491231002X",
            "bank_name": "农业银行",
            "bank_account": "12345",
        },
    )
    assert response.status_code == 400 and "bank_account" in response.context["form"].errors
    response = client.post(
        pay,
        {
            "payee_name": "张三",
            "payee_id_number": "11010519491231002X",
            "bank_name": "农业银行",
            "bank_account": "6228480123456789012",
        },
    )
    assert response.status_code == 302 and response["Location"] == case_page(case)
    assert ClaimCase.objects.get(pk=case.pk).stage == ClaimCase.Stage.APPROVED


def test_clm_6_one_stop_page_refusals(tree, case, one_stop, clerk_b, auditor, county_manager):
    urls = [
        (reverse("claims_assist:one_stop_calculate", args=[one_stop.pk]), {"payable": "1"}),
        (reverse("claims_assist:one_stop_sign", args=[one_stop.pk]), {"signed_by_name": "x"}),
        (
            reverse("claims_assist:one_stop_payment_request", args=[case.pk]),
            {"payee_name": "x"},
        ),
    ]
    other_county = manager_c(tree)
    for url, data in urls:
        assert login(auditor).post(url, data).status_code == 403
        assert login(clerk_b).post(url, data).status_code == 404
        assert login(other_county).post(url, data).status_code == 404
        response = Client().post(url, data)
        assert response.status_code == 302 and "login" in response["Location"]
    # Another user in scope is not the adjuster: the one-stop steps are theirs alone.
    response = login(county_manager).post(urls[0][0], {"payable": "1800.00"})
    assert response.status_code == 403
    one_stop.refresh_from_db()
    assert one_stop.calculated_at is None
