"""CLM-6 authority endpoints: authorisations (list, detail, grant, revoke), evaluations
(list, create) and the authority check, with their refusals (another outlet or county
404, non-managers and auditors 403 on writes, anonymous 401)."""

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from claims_assist.models import AdjusterAuthorisation, AnnualEvaluation
from tests.claims_assist.authority_support import evaluate, grant, manager_c, today


def as_user(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def authorisation(claims_assist_a, county_manager) -> AdjusterAuthorisation:
    return grant(by=county_manager, holder=claims_assist_a, case_limit=Decimal("1500"))


def test_clm_6_list_and_detail_scoped(tree, clerk_a, clerk_b, county_manager, authorisation):
    body = as_user(county_manager).get("/api/v1/claims/authorisations/").json()
    assert [row["id"] for row in body["results"]] == [authorisation.pk]
    row = body["results"][0]
    assert row["lines"] == ["crop"] and row["case_limit"] == "1500.00"
    assert row["expiry_warning_due_at"]
    valid = as_user(clerk_a).get(
        "/api/v1/claims/authorisations/",
        {"holder": authorisation.holder_id, "valid_on": today().isoformat()},
    )
    assert valid.json()["count"] == 1
    later = (authorisation.valid_to + dt.timedelta(days=1)).isoformat()
    assert (
        as_user(clerk_a).get("/api/v1/claims/authorisations/", {"valid_on": later}).json()["count"]
        == 0
    )
    assert as_user(clerk_b).get("/api/v1/claims/authorisations/").json()["count"] == 0
    url = f"/api/v1/claims/authorisations/{authorisation.pk}/"
    assert as_user(clerk_a).get(url).json()["holder"] == authorisation.holder_id
    assert as_user(clerk_b).get(url).status_code == 404
    assert as_user(manager_c(tree)).get(url).status_code == 404
    assert as_user(None).get(url).status_code == 401
    assert as_user(None).get("/api/v1/claims/authorisations/").status_code == 401


def test_clm_6_grant(claims_assist_a, county_manager, claims_centre):
    evaluation = evaluate(by=county_manager, staff=claims_assist_a, grade="excellent")
    data = {
        "holder": claims_assist_a.pk,
        "lines": ["livestock"],
        "valid_from": today().isoformat(),
        "valid_to": (today() + dt.timedelta(days=300)).isoformat(),
        "evaluation": evaluation.pk,
        "one_stop": True,
    }
    client = as_user(county_manager)
    response = client.post("/api/v1/claims/authorisations/grant/", data, format="json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert {"city_approved_by", "city_approved_on", "province_approval"} <= set(fields)
    response = client.post(
        "/api/v1/claims/authorisations/grant/",
        {**data, "case_limit": "2000.01", "one_stop": False},
        format="json",
    )
    assert response.status_code == 400 and "case_limit" in response.json()["error"]["fields"]
    assert not AdjusterAuthorisation.objects.exists()
    approvals = {
        "city_approved_by": claims_centre.pk,
        "city_approved_on": today().isoformat(),
        "province_approval": "粤理赔〔2026〕12号",
        "province_approved_on": today().isoformat(),
    }
    response = client.post(
        "/api/v1/claims/authorisations/grant/", {**data, **approvals}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["one_stop"] and body["case_limit"] == "2000.00"
    assert body["city_approved_by"] == claims_centre.pk


def test_clm_6_grant_refusals(tree, claims_assist_a, clerk_a, auditor, county_manager):
    evaluation = evaluate(by=county_manager, staff=claims_assist_a)
    data = {
        "holder": claims_assist_a.pk,
        "lines": ["crop"],
        "valid_from": today().isoformat(),
        "valid_to": today().isoformat(),
        "evaluation": evaluation.pk,
    }
    url = "/api/v1/claims/authorisations/grant/"
    assert as_user(clerk_a).post(url, data, format="json").status_code == 403
    assert as_user(auditor).post(url, data, format="json").status_code == 403
    assert as_user(manager_c(tree)).post(url, data, format="json").status_code == 404
    assert as_user(None).post(url, data, format="json").status_code == 401
    assert not AdjusterAuthorisation.objects.exists()


def test_clm_6_revoke(tree, county_manager, clerk_a, clerk_b, auditor, authorisation):
    url = f"/api/v1/claims/authorisations/{authorisation.pk}/revoke/"
    assert as_user(clerk_b).post(url, {"reason": "x"}).status_code == 404
    assert as_user(manager_c(tree)).post(url, {"reason": "x"}).status_code == 404
    assert as_user(clerk_a).post(url, {"reason": "x"}).status_code == 403
    assert as_user(auditor).post(url, {"reason": "x"}).status_code == 403
    assert as_user(None).post(url, {"reason": "x"}).status_code == 401
    response = as_user(county_manager).post(url, {"reason": "离岗"})
    assert response.status_code == 200 and response.json()["state"] == "revoked"
    assert as_user(county_manager).post(url, {"reason": "again"}).status_code == 400


def test_clm_6_evaluations(tree, claims_assist_a, county_manager, clerk_a, clerk_b, auditor):
    data = {
        "staff": claims_assist_a.pk,
        "year": today().year - 1,
        "grade": "good",
        "evaluated_on": today().isoformat(),
    }
    url = "/api/v1/claims/evaluations/create/"
    assert as_user(clerk_a).post(url, data).status_code == 403
    assert as_user(auditor).post(url, data).status_code == 403
    assert as_user(manager_c(tree)).post(url, data).status_code == 404
    assert as_user(None).post(url, data).status_code == 401
    assert as_user(county_manager).post(url, {**data, "grade": "superb"}).status_code == 400
    response = as_user(county_manager).post(url, data)
    assert response.status_code == 201 and response.json()["grade"] == "good"
    assert as_user(county_manager).post(url, data).status_code == 400  # once a year
    assert AnnualEvaluation.objects.count() == 1
    listed = as_user(clerk_a).get("/api/v1/claims/evaluations/", {"year": data["year"]})
    assert listed.json()["count"] == 1
    assert as_user(clerk_b).get("/api/v1/claims/evaluations/").json()["count"] == 0
    assert as_user(None).get("/api/v1/claims/evaluations/").status_code == 401


def test_clm_6_authority_check(tree, claims_assist_a, clerk_a, clerk_b, auditor, authorisation):
    url = "/api/v1/claims/authority-check/"
    case = {"holder": claims_assist_a.pk, "line": "crop", "amount": "1500"}
    body = as_user(clerk_a).post(url, case).json()
    assert body["allowed"] and body["authorisation"]["id"] == authorisation.pk
    body = as_user(auditor).post(url, {**case, "amount": "1800"}).json()
    assert not body["allowed"] and body["reason"] == "above_limit"
    assert "CLM-6" in body["message"] and "city claims centre" in body["message"]
    assert body["authorisation"] is None
    body = as_user(clerk_a).post(url, {**case, "line": "forest"}).json()
    assert body["reason"] == "no_authority"
    at = f"{(authorisation.valid_to + dt.timedelta(days=1)).isoformat()}T09:00:00+08:00"
    assert as_user(clerk_a).post(url, {**case, "at": at}).json()["reason"] == "expired"
    assert as_user(clerk_a).post(url, {**case, "line": "motor"}).status_code == 400
    assert as_user(clerk_b).post(url, case).status_code == 404
    assert as_user(None).post(url, case).status_code == 401
