"""POST /api/v1/claims/self-survey/check/ (CLM-13): the decision with every reason;
answers are required (a missing one is never a silent "no"); any active role may call
it, auditors included, since it stores nothing; anonymous callers are refused."""

import pytest
from rest_framework.test import APIClient

from core.api.tokens import api_token_create

pytestmark = pytest.mark.django_db

URL = "/api/v1/claims/self-survey/check/"

CLEAN = {
    "vehicle_use": "non_commercial",
    "injuries": False,
    "third_party_property_damage": False,
    "drivable": True,
    "accidents_this_policy_year": 0,
}


def as_user(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_clm_13_api_client_with_its_token_gets_an_eligible_decision(api_client_user):
    _token, key = api_token_create(user=api_client_user, name="phone-desk")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    response = client.post(URL, CLEAN, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["rule"] == "CLM-13"
    assert body["eligible"] is True
    assert body["reasons"] == []
    assert body["next_step"]


def test_clm_13_api_lists_every_failed_condition(clerk_a):
    answers = {
        **CLEAN,
        "vehicle_use": "motorcycle",
        "third_party_property_damage": True,
        "accidents_this_policy_year": 3,
    }
    response = as_user(clerk_a).post(URL, answers, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["eligible"] is False
    assert [reason["condition"] for reason in body["reasons"]] == [
        "vehicle_use",
        "third_party_property_damage",
        "accidents_this_policy_year",
    ]
    assert all("CLM-13" in reason["message"] for reason in body["reasons"])
    assert "95518" in body["next_step"]


def test_clm_13_api_third_accident_refused_second_allowed(claims_assist_a):
    client = as_user(claims_assist_a)

    second = client.post(URL, {**CLEAN, "accidents_this_policy_year": 1}, format="json")
    third = client.post(URL, {**CLEAN, "accidents_this_policy_year": 2}, format="json")

    assert second.json()["eligible"] is True
    assert third.json()["eligible"] is False


@pytest.mark.parametrize("fmt", ["json", "multipart"])
@pytest.mark.parametrize("missing", ["injuries", "third_party_property_damage", "drivable"])
def test_clm_13_api_missing_answer_is_an_error_not_a_no(clerk_a, fmt, missing):
    answers = {key: value for key, value in CLEAN.items() if key != missing}
    if fmt == "multipart":
        answers = {key: str(value).lower() for key, value in answers.items()}

    response = as_user(clerk_a).post(URL, answers, format=fmt)

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {missing}


@pytest.mark.parametrize(
    ("field", "value"),
    [("vehicle_use", "hovercraft"), ("accidents_this_policy_year", -1), ("drivable", "maybe")],
)
def test_clm_13_api_refuses_invalid_input(clerk_a, field, value):
    response = as_user(clerk_a).post(URL, {**CLEAN, field: value}, format="json")

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {field}


def test_clm_13_auditor_may_run_the_read_only_check(auditor):
    response = as_user(auditor).post(URL, CLEAN, format="json")

    assert response.status_code == 200
    assert response.json()["eligible"] is True


def test_clm_13_api_refuses_anonymous_callers(db):
    response = APIClient().post(URL, CLEAN, format="json")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_clm_13_api_refuses_an_inactive_user(clerk_a):
    clerk_a.is_active = False
    clerk_a.save(update_fields=["is_active"])

    response = as_user(clerk_a).post(URL, CLEAN, format="json")

    assert response.status_code == 403


def test_clm_13_api_is_post_only(clerk_a):
    assert as_user(clerk_a).get(URL).status_code == 405
