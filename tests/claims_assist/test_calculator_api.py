"""CLM-14 calculators over the API: POST /api/v1/claims/calculators/<scheme>/ for the
elderly, medical and student schemes, the amount with its working; refusals are 400;
anonymous callers are refused; read-only auditors may calculate (nothing is written)."""

import pytest
from rest_framework.test import APIClient

from core.api.tokens import api_token_create

pytestmark = pytest.mark.django_db

API = "/api/v1/claims/calculators/"


def as_user(user) -> APIClient:
    # The working lines are read in English here; API clients choose by Accept-Language.
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def test_clm_14_elderly_death_as_aircraft_passenger_after_disability(claims_assist_a):
    response = as_user(claims_assist_a).post(
        f"{API}elderly/",
        {
            "benefit": "death",
            "accident_on": "2025-03-01",
            "death_on": "2025-08-28",
            "conveyance": "aircraft",
            "disability_paid": "1800.00",
        },
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["rule"], body["amount"]) == ("CLM-14", "98200.00")
    assert body["lines"][-1] == "Payable: 98,200.00 yuan"
    assert "days_paid" not in body


def test_clm_14_elderly_hospital_allowance_and_disability(clerk_a):
    client = as_user(clerk_a)
    allowance = client.post(
        f"{API}elderly/",
        {"benefit": "hospital_allowance", "hospital_days": 120, "days_paid_this_year": 100},
        format="json",
    ).json()
    assert (allowance["amount"], allowance["days_paid"]) == ("2400.00", 80)
    assert allowance["lines"][-1] == "Hospital allowance 30.00 yuan/day × 80 days = 2,400.00 yuan"

    disability = client.post(
        f"{API}elderly/",
        {
            "benefit": "disability",
            "accident_on": "2025-03-01",
            "disabled_on": "2025-05-01",
            "grade": 5,
        },
        format="json",
    ).json()
    assert disability["amount"] == "1800.00"


def test_clm_14_medical_takes_year_to_date_figures_and_returns_the_ledger(claims_assist_a):
    response = as_user(claims_assist_a).post(
        f"{API}medical/",
        {
            "care": "outpatient",
            "eligible_self_paid": "1000.00",
            "other_insurers_paid": "100.00",
            "cover_starts_on": "2025-01-01",
            "claimed_on": "2025-06-01",
            "outpatient_paid": "1200.00",
            "deductible_used": "600.00",
        },
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["amount"] == "200.00"  # 70 % × 900 = 630, 200 left of 1,400
    assert body["ledger"] == {
        "outpatient_paid": "1400.00",
        "inpatient_paid": "0.00",
        "deductible_used": "600.00",
        "total_paid": "1400.00",
    }
    assert body["lines"][1] == "Less other insurers' payments: 1,000.00 − 100.00 = 900.00"


def test_clm_14_student_disability_graded_on_day_180(clerk_a):
    response = as_user(clerk_a).post(
        f"{API}student/",
        {
            "insured_event": "disability",
            "sum_insured": "20000.00",
            "accident_on": "2025-03-01",
            "assessed_on": "2025-11-15",
            "grade": 3,
            "treatment_continuing": True,
            "disability_paid": "15000.00",
        },
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["amount"], body["cover_ended"]) == ("5000.00", True)


@pytest.mark.parametrize(
    ("scheme", "payload", "field"),
    [
        (
            "elderly",
            {"benefit": "death", "accident_on": "2025-03-01", "death_on": "2025-08-29"},
            "death_on",
        ),
        (
            "elderly",
            {
                "benefit": "disability",
                "accident_on": "2025-03-01",
                "disabled_on": "2025-05-01",
                "grade": 11,
            },
            "grade",
        ),
        ("elderly", {"benefit": "death", "accident_on": "2025-03-01"}, "death_on"),
        ("elderly", {"benefit": "hospital_allowance", "hospital_days": -1}, "hospital_days"),
        (
            "medical",
            {
                "care": "inpatient",
                "eligible_self_paid": "500.00",
                "cover_starts_on": "2025-01-01",
                "claimed_on": "2026-04-02",
            },
            "claimed_on",
        ),
        (
            "medical",
            {
                "care": "inpatient",
                "eligible_self_paid": "-5.00",
                "cover_starts_on": "2025-01-01",
                "claimed_on": "2025-04-02",
            },
            "eligible_self_paid",
        ),
        (
            "medical",
            {
                "care": "inpatient",
                "eligible_self_paid": "5.00",
                "cover_starts_on": "2025-01-01",
                "claimed_on": "2025-04-02",
                "inpatient_paid": "2600.01",
            },
            "inpatient_paid",
        ),
        (
            "student",
            {
                "insured_event": "death",
                "sum_insured": "20000.00",
                "accident_on": "2025-03-01",
                "death_on": "2025-06-01",
                "disability_paid": "20000.00",
            },
            "disability_paid",
        ),
    ],
)
def test_clm_14_refusals_are_400_with_the_reason(clerk_a, scheme, payload, field):
    response = as_user(clerk_a).post(f"{API}{scheme}/", payload, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"]


def test_clm_14_lapsed_claim_message_names_the_rule(clerk_a):
    response = as_user(clerk_a).post(
        f"{API}medical/",
        {
            "care": "outpatient",
            "eligible_self_paid": "900.00",
            "cover_starts_on": "2025-01-01",
            "claimed_on": "2026-04-02",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "CLM-14" in response.json()["error"]["message"]


@pytest.mark.parametrize("scheme", ["elderly", "medical", "student"])
def test_clm_14_anonymous_is_refused(tree, scheme):
    response = APIClient().post(f"{API}{scheme}/", {}, format="json")
    assert response.status_code in (401, 403)


@pytest.mark.parametrize("scheme", ["elderly", "medical", "student"])
def test_clm_14_auditor_may_calculate_though_read_only(auditor, scheme):
    """Calculators write nothing, so the read-only auditor is not refused the POST."""
    response = as_user(auditor).post(f"{API}{scheme}/", {}, format="json")
    assert response.status_code == 400  # a validation error, not 403


def test_clm_14_api_client_calculates_with_its_token(api_client_user):
    _token, key = api_token_create(user=api_client_user, name="erp")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.post(
        f"{API}elderly/", {"benefit": "hospital_allowance", "hospital_days": 3}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["amount"] == "90.00"


def test_clm_14_inactive_user_is_refused(clerk_a):
    clerk_a.is_active = False
    clerk_a.save()
    response = as_user(clerk_a).post(
        f"{API}elderly/", {"benefit": "hospital_allowance", "hospital_days": 3}, format="json"
    )
    assert response.status_code in (401, 403)


def test_clm_14_calculators_only_accept_post(clerk_a):
    assert as_user(clerk_a).get(f"{API}elderly/").status_code == 405
