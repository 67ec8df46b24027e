"""CLM-10, REG-1, SLA-6 pages: the timeline panel (company timelines beside the legal
bounds, events, messages, the forms for those who may use them), the decision,
payment, closure and message POSTs, with their refusals (other outlet or county 404,
auditor and wrong roles 403, anonymous to the login page)."""

from decimal import Decimal

import pytest
from django.test import Client

from claims_assist.models import CaseMessage, ClaimCase, PaymentRequest
from claims_assist.services import documents as documents_service
from claims_assist.services import payments as payment_services
from claims_assist.services import timeline as timeline_service
from tests.claims_assist.authority_support import manager_c
from tests.claims_assist.timeline_support import complete_file, reported_case

PAYEE = {
    "amount": "3000.00",
    "payee_name": "张三",
    "payee_id_number": "11010519491231002X",
    "bank_name": "农村信用社",
    "bank_account": "6217000012345678901",
}


def login(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def panel(response) -> dict:
    return next(p for p in response.context["panels"] if p["name"] == "timeline")


@pytest.fixture
def transferred(claims_book, clerk_a):
    case = reported_case(claims_book, clerk_a)
    complete_file(case, clerk_a)
    documents_service.case_transfer(by=clerk_a, case_pk=case.pk)
    return case


@pytest.fixture
def approved(transferred, claims_centre):
    timeline_service.case_decide_locked(
        by=claims_centre, case_pk=transferred.pk, decision="pay", amount=Decimal("3000.00")
    )
    return transferred


def test_reg_1_panel_shows_company_timelines_beside_legal_bounds(transferred, claims_centre):
    response = login(claims_centre).get(f"/claims/cases/{transferred.pk}/")
    assert response.status_code == 200
    timeline = panel(response)
    company = {timer.rule.code for timer in timeline["company_timers"]}
    legal = {timer.rule.code for timer in timeline["legal_timers"]}
    assert {"CLM-9", "CLM-10-review", "CLM-10-progress"} <= company
    assert legal == {"REG-1-decision"}
    assert timeline["may_decide"] and not timeline["may_request_payment"]
    html = response.content.decode()
    assert 'id="company-timers"' in html and 'id="legal-timers"' in html
    assert 'data-rule="REG-1-decision"' in html and 'id="decision-form"' in html
    assert len(timeline["events"]) >= 2 and timeline["messages"]


def test_clm_10_clerk_sees_no_decision_form(transferred, clerk_a):
    timeline = panel(login(clerk_a).get(f"/claims/cases/{transferred.pk}/"))
    assert not timeline["may_decide"] and not timeline["may_mark_paid"]
    assert timeline["may_message"]


def test_clm_10_decide_pay_request_paid_close_through_the_pages(
    transferred, clerk_a, claims_centre
):
    centre, clerk = login(claims_centre), login(clerk_a)
    url = f"/claims/cases/{transferred.pk}/"
    response = centre.post(f"{url}decide/", {"decision": "pay", "amount": "3000.00"})
    assert response.status_code == 302 and response["Location"].startswith(url)
    transferred.refresh_from_db()
    assert transferred.stage == ClaimCase.Stage.APPROVED
    assert panel(clerk.get(url))["may_request_payment"]
    clerk.post(f"{url}payment-request/", PAYEE)
    payment = PaymentRequest.objects.get()
    page = clerk.get(url)
    assert 'id="payments"' in page.content.decode() and not panel(page)["may_request_payment"]
    clerk.post(f"/claims/payments/{payment.pk}/paid/", {"reference": "R1"})
    payment.refresh_from_db()
    assert payment.state == PaymentRequest.State.REQUESTED  # a clerk may not (403)
    centre.post(f"/claims/payments/{payment.pk}/paid/", {"reference": "R1"})
    payment.refresh_from_db()
    assert payment.state == PaymentRequest.State.PAID
    assert panel(clerk.get(url))["may_close"]
    clerk.post(f"{url}close/", {"note": "结案"})
    transferred.refresh_from_db()
    assert transferred.stage == ClaimCase.Stage.CLOSED


def test_clm_10_decision_by_the_wrong_role_is_403(transferred, clerk_a, outlet_head_a):
    for user in (clerk_a, outlet_head_a):
        response = login(user).post(
            f"/claims/cases/{transferred.pk}/decide/", {"decision": "pay", "amount": "1"}
        )
        assert response.status_code == 403
    transferred.refresh_from_db()
    assert transferred.decision == "pending"


def test_clm_10_manual_message_form(transferred, clerk_a):
    url = f"/claims/cases/{transferred.pk}/messages/"
    login(clerk_a).post(url, {"body": "您好，案件审核中。"})
    message = CaseMessage.objects.get(case=transferred, kind=CaseMessage.Kind.MANUAL)
    assert message.body == "您好，案件审核中。" and message.outbox_id
    login(clerk_a).post(url, {"body": "长" * 301})
    assert CaseMessage.objects.filter(kind=CaseMessage.Kind.MANUAL).count() == 1
    html = login(clerk_a).get(f"/claims/cases/{transferred.pk}/").content.decode()
    assert "您好，案件审核中。" in html and 'id="message-form"' in html


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("decide/", {"decision": "pay", "amount": "1"}),
        ("payment-request/", PAYEE),
        ("close/", {}),
        ("messages/", {"body": "x"}),
    ],
)
def test_clm_10_case_posts_validate_ownership(approved, clerk_b, tree, auditor, path, data):
    url = f"/claims/cases/{approved.pk}/{path}"
    before = CaseMessage.objects.count()
    assert login(clerk_b).post(url, data).status_code == 404
    assert login(manager_c(tree)).post(url, data).status_code == 404
    assert login(auditor).post(url, data).status_code == 403
    anonymous = login(None).post(url, data)
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    assert not PaymentRequest.objects.exists() and CaseMessage.objects.count() == before


@pytest.mark.parametrize(
    ("path", "data"), [("paid/", {"reference": "R"}), ("cancel/", {"reason": "x"})]
)
def test_clm_10_payment_posts_validate_ownership(
    approved, clerk_a, clerk_b, tree, auditor, path, data
):
    payment = payment_services.payment_request_create_locked(
        by=clerk_a,
        case_pk=approved.pk,
        **{**PAYEE, "amount": Decimal("3000.00")},
    )
    url = f"/claims/payments/{payment.pk}/{path}"
    assert login(clerk_b).post(url, data).status_code == 404
    assert login(manager_c(tree)).post(url, data).status_code == 404
    assert login(auditor).post(url, data).status_code == 403
    assert login(None).post(url, data).status_code == 302
    payment.refresh_from_db()
    assert payment.state == PaymentRequest.State.REQUESTED
