"""Claim case endpoints (CLM-1, CLM-2): list and report, detail and correction, lookup,
95518 number and withdrawal, with their refusals (another outlet or county 404,
auditors 403 on writes, anonymous 401). ID numbers and phones are masked (REG-3)."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from claims_assist.models import ClaimCase
from claims_assist.services.intake import case_report
from core.models import OutboxMessage, Role
from tests.claims_assist.intake_support import ID_A, report_values
from tests.factories import UserFactory

LIST = "/api/v1/claim-cases/"


def as_user(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


def payload(book, **overrides) -> dict:
    data = {
        "channel": "phone",
        "policy_number": book.rice_a.number,
        "insured_name": "张三",
        "incident_at": (timezone.now() - dt.timedelta(hours=6)).isoformat(),
        "incident_place": "东村一组",
        "cause": "暴雨",
        "course": "连日暴雨，稻田被淹。",
        "reporter_name": "李梅",
        "reporter_phone": "13900139000",
        "reporter_relation": "spouse",
        "estimated_amount": "3000.00",
    }
    return data | overrides


@pytest.fixture
def case(claims_book, clerk_a) -> ClaimCase:
    return case_report(by=clerk_a, **report_values(claims_book))


def _manager_c(tree):
    return UserFactory(username="manager_c", org_unit=tree.other_county, role=Role.COUNTY_MANAGER)


def test_clm_2_report_by_api_returns_the_case(claims_book, clerk_a):
    response = as_user(clerk_a).post(LIST, payload(claims_book), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    case = ClaimCase.objects.get()
    assert body["id"] == case.pk and body["number"] == case.number
    assert body["stage"] == "reported" and body["policy"] == claims_book.rice_a.pk
    assert body["insured_id_number"] == "110105********002X"
    assert body["reporter_phone"] == "139****9000"
    assert body["sum_insured"] == "10000.00"
    assert OutboxMessage.objects.filter(channel=OutboxMessage.Channel.SMS).count() == 1


def test_clm_2_report_by_api_errors_by_field_and_nothing_saved(claims_book, clerk_a):
    response = as_user(clerk_a).post(
        LIST,
        payload(
            claims_book,
            policy_number="PUNKNOWN1",
            insured_id_number="110105194912310021",
            reporter_phone="abc",
        ),
        format="json",
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert {"product", "insured_id_number", "reporter_phone"} <= set(fields)
    assert "choose the product" in fields["product"][0]
    assert not ClaimCase.objects.exists()


def test_clm_2_report_refusals(claims_book, auditor, api_client_user, county_manager, tree):
    assert as_user(auditor).post(LIST, payload(claims_book), format="json").status_code == 403
    assert (
        as_user(api_client_user).post(LIST, payload(claims_book), format="json").status_code == 403
    )
    assert as_user(None).post(LIST, payload(claims_book), format="json").status_code == 401
    outside = as_user(county_manager).post(
        LIST, payload(claims_book, org_unit=tree.outlet_c.pk), format="json"
    )
    assert outside.status_code == 400 and "org_unit" in outside.json()["error"]["fields"]
    assert not ClaimCase.objects.exists()


def test_clm_2_list_is_scoped_paginated_and_filtered(claims_book, clerk_a, clerk_b, tree, case):
    body = as_user(clerk_a).get(LIST).json()
    assert body["count"] == 1 and body["results"][0]["number"] == case.number
    assert body["results"][0]["insured_id_number"] == "110105********002X"
    assert as_user(clerk_a).get(LIST, {"stage": "forwarded"}).json()["count"] == 0
    assert as_user(clerk_b).get(LIST).json()["count"] == 0
    assert as_user(_manager_c(tree)).get(LIST).json()["count"] == 0
    assert as_user(None).get(LIST).status_code == 401


def test_clm_2_detail_masks_and_is_scoped(claims_book, clerk_b, auditor, tree, case):
    url = f"{LIST}{case.pk}/"
    body = as_user(auditor).get(url).json()
    assert body["number"] == case.number and ID_A not in str(body)
    assert as_user(clerk_b).get(url).status_code == 404
    assert as_user(_manager_c(tree)).get(url).status_code == 404
    assert as_user(None).get(url).status_code == 401


def test_clm_4_patch_corrects_and_reevaluates(claims_book, clerk_a, case):
    url = f"{LIST}{case.pk}/"
    response = as_user(clerk_a).patch(
        url, {"estimated_amount": "800000.00", "reason": "重新估损"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["major"] is True
    bad = as_user(clerk_a).patch(url, {"reporter_phone": "1"}, format="json")
    assert bad.status_code == 400 and "reporter_phone" in bad.json()["error"]["fields"]


def test_clm_2_patch_refusals(claims_book, clerk_b, auditor, tree, case):
    url = f"{LIST}{case.pk}/"
    assert as_user(clerk_b).patch(url, {"cause": "x"}, format="json").status_code == 404
    assert as_user(_manager_c(tree)).patch(url, {"cause": "x"}, format="json").status_code == 404
    assert as_user(auditor).patch(url, {"cause": "x"}, format="json").status_code == 403
    assert as_user(None).patch(url, {"cause": "x"}, format="json").status_code == 401
    case.refresh_from_db()
    assert case.cause == "暴雨"


def test_clm_2_lookup_api(claims_book, clerk_a, clerk_b, case):
    url = f"{LIST}lookup/"
    body = as_user(clerk_a).get(url, {"name": "张三"}).json()
    assert body["rule"] == "CLM-2" and body["ambiguous"] is False
    assert [row["number"] for row in body["cases"]] == [case.number]
    assert {row["number"] for row in body["policies"]} == {
        claims_book.rice_a.number,
        claims_book.elderly_a.number,
    }
    assert body["policies"][0]["insured_id_number"] == "110105********002X"
    bad = as_user(clerk_a).get(url, {"id_number": "12"})
    assert bad.status_code == 400 and "id_number" in bad.json()["error"]["fields"]
    other = as_user(clerk_b).get(url, {"name": "张三"}).json()
    assert other["cases"] == [] and other["policies"] == []
    assert as_user(None).get(url, {"name": "张三"}).status_code == 401


def test_clm_1_hotline_api(claims_book, clerk_a, clerk_b, auditor, tree, case):
    url = f"{LIST}{case.pk}/hotline/"
    assert as_user(clerk_b).post(url, {"number": "RP0001"}).status_code == 404
    assert as_user(_manager_c(tree)).post(url, {"number": "RP0001"}).status_code == 404
    assert as_user(auditor).post(url, {"number": "RP0001"}).status_code == 403
    assert as_user(None).post(url, {"number": "RP0001"}).status_code == 401
    response = as_user(clerk_a).post(url, {"number": "RP0001"})
    assert response.status_code == 200
    assert response.json()["stage"] == "forwarded"
    assert response.json()["hotline_number"] == "RP0001"

    second = case_report(by=clerk_a, **report_values(claims_book))
    duplicate = as_user(clerk_a).post(f"{LIST}{second.pk}/hotline/", {"number": "RP0001"})
    assert duplicate.status_code == 400
    assert case.number in duplicate.json()["error"]["fields"]["number"][0]


def test_clm_1_withdraw_api(claims_book, clerk_a, clerk_b, auditor, tree, case):
    url = f"{LIST}{case.pk}/withdraw/"
    assert as_user(clerk_b).post(url, {"reason": "x"}).status_code == 404
    assert as_user(_manager_c(tree)).post(url, {"reason": "x"}).status_code == 404
    assert as_user(auditor).post(url, {"reason": "x"}).status_code == 403
    assert as_user(None).post(url, {"reason": "x"}).status_code == 401
    assert as_user(clerk_a).post(url, {"reason": ""}).status_code == 400
    case.refresh_from_db()
    assert case.stage == ClaimCase.Stage.REPORTED
    response = as_user(clerk_a).post(url, {"reason": "客户撤案"})
    assert response.status_code == 200 and response.json()["stage"] == "withdrawn"
