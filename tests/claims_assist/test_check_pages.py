"""Pages of CLM-3 (initial check), REG-1 (refusal letters) and CLM-4 (major cases):
the check panel on the case page, the posts it makes and their refusals (other outlet
or county 404, auditors 403 on writes, anonymous to the login page). Pages are
zh-hans: tests assert status, context, structure and database state."""

import pytest
from django.test import Client
from django.urls import reverse

from claims_assist.models import ClaimCase, RefusalLetter
from claims_assist.services.cases import case_timer
from claims_assist.services.check import case_check_initial
from claims_assist.services.major import MAJOR_RULE, case_major_flag
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
    case_check_initial(by=clerk_a, case_pk=case.pk, covered=False, note="免责")
    return case.refusals.get()


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _detail(case) -> str:
    return reverse("claims_assist:case_detail", args=[case.pk])


def _assert_refusals(tree, url, *, clerk_b, auditor, data, auditor_status=403):
    """Other outlet and other county 404, auditors 403 on writes, anonymous to login."""
    assert login(clerk_b).post(url, data).status_code == 404
    assert login(manager_c(tree)).post(url, data).status_code == 404
    assert login(auditor).post(url, data).status_code == auditor_status
    response = Client().post(url, data)
    assert response.status_code == 302 and "login" in response["Location"]


# The panel --------------------------------------------------------------------------------
def test_clm_3_panel_shows_facts_and_the_check_form(case, clerk_a, auditor):
    response = login(clerk_a).get(_detail(case))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="panel-check"' in html and 'id="check-form"' in html
    assert "行政行为或司法行为" in html  # the product's exclusions beside the form
    assert reverse("claims_assist:case_check", args=[case.pk]) in html
    assert 'id="major-flag-form"' in html and 'id="major-none"' in html
    # Auditors read the panel without forms.
    html = login(auditor).get(_detail(case)).content.decode()
    assert 'id="panel-check"' in html and 'id="check-form"' not in html


def test_clm_3_panel_after_a_failed_check_shows_the_letter(case, clerk_a, refused):
    html = login(clerk_a).get(_detail(case)).content.decode()
    assert 'data-result="failed"' in html and 'id="check-reasons"' in html
    assert reverse("claims_assist:refusal_pdf", args=[refused.pk]) in html
    assert f'id="delivered-form-{refused.pk}"' in html
    assert 'id="check-form"' not in html


def test_clm_4_panel_shows_the_major_flag_and_report_form(case, clerk_a):
    case_major_flag(by=clerk_a, case_pk=case.pk, reasons=["litigation"], note="起诉")
    html = login(clerk_a).get(_detail(case)).content.decode()
    assert 'id="major-reasons"' in html and 'id="major-reported-form"' in html


# The check --------------------------------------------------------------------------------
def test_clm_3_check_page_and_post(case, clerk_a):
    url = reverse("claims_assist:case_check", args=[case.pk])
    response = login(clerk_a).get(url)
    assert response.status_code == 200
    assert response.context["facts"].period_from_policy
    assert "cover_starts" not in response.context["form"].fields
    response = login(clerk_a).post(url, {"check-covered": "yes"})
    assert response.status_code == 302 and response["Location"] == _detail(case)
    case.refresh_from_db()
    assert case.check_result == ClaimCase.Check.PASSED


def test_clm_3_check_post_fails_and_refuses(case, clerk_a):
    url = reverse("claims_assist:case_check", args=[case.pk])
    response = login(clerk_a).post(url, {"check-covered": "no", "check-note": "免责条款第1条"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.stage == ClaimCase.Stage.REFUSED
    assert case.refusals.get().kind == RefusalLetter.Kind.INITIAL_CHECK


def test_clm_3_check_post_invalid_and_twice(case, clerk_a):
    url = reverse("claims_assist:case_check", args=[case.pk])
    response = login(clerk_a).post(url, {})
    assert response.status_code == 400 and "covered" in response.context["form"].errors
    login(clerk_a).post(url, {"check-covered": "yes"})
    response = login(clerk_a).post(url, {"check-covered": "no"})
    assert response.status_code == 400 and response.context["form"].non_field_errors()
    case.refresh_from_db()
    assert case.check_result == ClaimCase.Check.PASSED


def test_clm_3_check_without_policy_asks_for_the_period(tree, clerk_a, claims_book):
    case = ClaimCaseFactory(
        policy=None,
        policy_number="PAPER-1",
        product=claims_book.rice,
        org_unit=tree.outlet_a,
        created_by=clerk_a,
    )
    url = reverse("claims_assist:case_check", args=[case.pk])
    response = login(clerk_a).post(url, {"check-covered": "yes"})
    assert response.status_code == 400 and "cover_starts" in response.context["form"].errors


def test_clm_3_check_it_validates_ownership(tree, case, clerk_b, auditor):
    url = reverse("claims_assist:case_check", args=[case.pk])
    _assert_refusals(tree, url, clerk_b=clerk_b, auditor=auditor, data={"check-covered": "yes"})
    assert login(auditor).get(url).status_code == 403
    case.refresh_from_db()
    assert case.check_result == ClaimCase.Check.PENDING


# Major case -------------------------------------------------------------------------------
def test_clm_4_flag_and_report_posts(case, clerk_a):
    flag = reverse("claims_assist:case_major_flag", args=[case.pk])
    assert login(clerk_a).get(flag).status_code == 200
    response = login(clerk_a).post(flag, {"major-flag-reasons": ["regulator_media"]})
    assert response.status_code == 400 and "note" in response.context["form"].errors
    response = login(clerk_a).post(
        flag, {"major-flag-reasons": ["regulator_media"], "major-flag-note": "客户向银保监投诉"}
    )
    assert response.status_code == 302 and response["Location"] == _detail(case)
    case.refresh_from_db()
    assert case.major and case.major_reasons == ["regulator_media"]
    timer = case_timer(case=case, rule_code=MAJOR_RULE)
    reported = reverse("claims_assist:case_major_reported", args=[case.pk])
    response = login(clerk_a).post(reported, {"major-reported-reference": "ZB-7"})
    assert response.status_code == 302
    case.refresh_from_db()
    timer.refresh_from_db()
    assert case.head_office_reference == "ZB-7" and timer.state == "met"


def test_clm_4_reported_refused_for_a_case_not_major(case, clerk_a):
    url = reverse("claims_assist:case_major_reported", args=[case.pk])
    response = login(clerk_a).post(url, {"major-reported-reference": "ZB-7"})
    assert response.status_code == 400 and response.context["form"].non_field_errors()


def test_clm_4_flag_it_validates_ownership(tree, case, clerk_b, auditor):
    url = reverse("claims_assist:case_major_flag", args=[case.pk])
    data = {"major-flag-reasons": ["litigation"], "major-flag-note": "起诉"}
    _assert_refusals(tree, url, clerk_b=clerk_b, auditor=auditor, data=data)
    case.refresh_from_db()
    assert not case.major


def test_clm_4_reported_it_validates_ownership(tree, case, clerk_a, clerk_b, auditor):
    case_major_flag(by=clerk_a, case_pk=case.pk, reasons=["litigation"], note="起诉")
    url = reverse("claims_assist:case_major_reported", args=[case.pk])
    data = {"major-reported-reference": "ZB-7"}
    _assert_refusals(tree, url, clerk_b=clerk_b, auditor=auditor, data=data)
    case.refresh_from_db()
    assert case.head_office_reported_at is None


# Refusal letters --------------------------------------------------------------------------
def test_reg_1_refusal_pdf_download(tree, refused, clerk_a, clerk_b, auditor):
    url = reverse("claims_assist:refusal_pdf", args=[refused.pk])
    response = login(clerk_a).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert response["Cache-Control"] == "private, no-store"
    assert login(auditor).get(url).status_code == 200  # a read
    assert login(clerk_b).get(url).status_code == 404
    assert login(manager_c(tree)).get(url).status_code == 404
    response = Client().get(url)
    assert response.status_code == 302 and "login" in response["Location"]


def test_reg_1_refusal_delivered_post(refused, clerk_a, case):
    url = reverse("claims_assist:refusal_delivered", args=[refused.pk])
    assert login(clerk_a).get(url).status_code == 200
    response = login(clerk_a).post(url, {"delivered-note": "当面签收"})
    assert response.status_code == 302 and response["Location"] == _detail(case)
    refused.refresh_from_db()
    case.refresh_from_db()
    assert refused.delivered_at and refused.delivery_note == "当面签收"
    assert case.refusal_notified_at == refused.delivered_at
    response = login(clerk_a).post(url, {"delivered-note": "again"})
    assert response.status_code == 400


def test_reg_1_refusal_delivered_it_validates_ownership(tree, refused, clerk_b, auditor):
    url = reverse("claims_assist:refusal_delivered", args=[refused.pk])
    _assert_refusals(tree, url, clerk_b=clerk_b, auditor=auditor, data={"delivered-note": "x"})
    refused.refresh_from_db()
    assert refused.delivered_at is None
