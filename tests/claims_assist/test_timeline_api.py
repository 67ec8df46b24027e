"""CLM-10, REG-1, SLA-6 endpoints: decide, payment request, paid, cancel, close,
messages and the case's timers (company timelines and legal bounds), with their
refusals (other outlet or county 404, auditor and wrong roles 403, anonymous 401)."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from claims_assist.models import CaseMessage, PaymentRequest
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


def as_user(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


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


def test_clm_10_decide_pay_request_paid_close(transferred, clerk_a, claims_centre):
    centre, clerk = as_user(claims_centre), as_user(clerk_a)
    base = f"/api/v1/claim-cases/{transferred.pk}/"
    response = centre.post(f"{base}decide/", {"decision": "pay", "amount": "3000.00"})
    assert response.status_code == 200
    assert (
        response.json()["stage"] == "approved" and response.json()["approved_amount"] == "3000.00"
    )
    response = clerk.post(f"{base}payment-request/", PAYEE)
    assert response.status_code == 201
    payment = response.json()
    assert payment["bank_account"] != PAYEE["bank_account"]  # masked (REG-3)
    assert clerk.post(f"{base}payment-request/", PAYEE).status_code == 400
    paid_url = f"/api/v1/claim-payments/{payment['id']}/paid/"
    assert clerk.post(paid_url, {"reference": "R1"}).status_code == 403
    response = centre.post(paid_url, {"reference": "R1"})
    assert response.status_code == 200 and response.json()["state"] == "paid"
    response = clerk.post(f"{base}close/", {})
    assert response.status_code == 200 and response.json()["stage"] == "closed"


def test_clm_10_decision_refusals(transferred, clerk_a, claims_centre):
    url = f"/api/v1/claim-cases/{transferred.pk}/decide/"
    assert as_user(clerk_a).post(url, {"decision": "pay", "amount": "1"}).status_code == 403
    response = as_user(claims_centre).post(url, {"decision": "refuse", "reason": ""})
    assert response.status_code == 400 and "reason" in response.json()["error"]["fields"]


def test_reg_1_timers_endpoint_splits_company_and_legal(approved, clerk_a):
    body = as_user(clerk_a).get(f"/api/v1/claim-cases/{approved.pk}/timers/").json()
    company = {timer["rule"]: timer for timer in body["company"]}
    legal = {timer["rule"]: timer for timer in body["legal"]}
    assert {"CLM-9", "CLM-10-review", "CLM-10-pay-small"} <= set(company)
    assert set(legal) == {"REG-1-decision", "REG-1-payment"}
    assert legal["REG-1-payment"]["state"] == "running" and legal["REG-1-payment"]["due_at"]
    assert legal["REG-1-payment"]["seconds_left"] > 0
    assert (
        legal["REG-1-decision"]["state"] == "met"
        and legal["REG-1-decision"]["seconds_left"] is None
    )
    assert company["CLM-10-pay-small"]["clock"] == "working_days"


def test_clm_10_messages_list_and_send(transferred, clerk_a):
    url = f"/api/v1/claim-cases/{transferred.pk}/messages/"
    client = as_user(clerk_a)
    response = client.post(url, {"body": "您好，案件审核中。"})
    assert response.status_code == 201 and response.json()["kind"] == "manual"
    assert client.post(url, {"body": "长" * 301}).status_code == 400
    listed = client.get(url).json()
    assert listed[-1]["body"] == "您好，案件审核中。"
    assert "*" in listed[-1]["phone"]
    assert {row["kind"] for row in listed} >= {"stage", "manual"}


@pytest.mark.parametrize("path", ["messages/", "timers/"])
def test_clm_10_reads_validate_ownership(approved, clerk_b, tree, auditor, path):
    url = f"/api/v1/claim-cases/{approved.pk}/{path}"
    assert as_user(clerk_b).get(url).status_code == 404
    assert as_user(manager_c(tree)).get(url).status_code == 404
    assert as_user(auditor).get(url).status_code == 200
    assert as_user(None).get(url).status_code == 401


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("decide/", {"decision": "pay", "amount": "1"}),
        ("payment-request/", PAYEE),
        ("close/", {}),
        ("messages/", {"body": "x"}),
    ],
)
def test_clm_10_case_writes_validate_ownership(approved, clerk_b, tree, auditor, path, data):
    url = f"/api/v1/claim-cases/{approved.pk}/{path}"
    before = CaseMessage.objects.count()
    assert as_user(clerk_b).post(url, data).status_code == 404
    assert as_user(manager_c(tree)).post(url, data).status_code == 404
    assert as_user(auditor).post(url, data).status_code == 403
    assert as_user(None).post(url, data).status_code == 401
    assert not PaymentRequest.objects.exists() and CaseMessage.objects.count() == before


@pytest.mark.parametrize(
    ("path", "data"), [("paid/", {"reference": "R"}), ("cancel/", {"reason": "x"})]
)
def test_clm_10_payment_writes_validate_ownership(
    approved, clerk_a, clerk_b, tree, auditor, path, data
):
    payment = payment_services.payment_request_create_locked(
        by=clerk_a, case_pk=approved.pk, **{**PAYEE, "amount": Decimal("3000.00")}
    )
    url = f"/api/v1/claim-payments/{payment.pk}/{path}"
    assert as_user(clerk_b).post(url, data).status_code == 404
    assert as_user(manager_c(tree)).post(url, data).status_code == 404
    assert as_user(auditor).post(url, data).status_code == 403
    assert as_user(None).post(url, data).status_code == 401
    payment.refresh_from_db()
    assert payment.state == PaymentRequest.State.REQUESTED
    response = as_user(clerk_a).post(
        f"/api/v1/claim-payments/{payment.pk}/cancel/", {"reason": "账号错"}
    )
    assert response.status_code == 200 and response.json()["state"] == "cancelled"
