"""CLM-14 calculators page /claims/calculators/: one form per scheme, the result under
its form with the working lines, refusals on the form; login needed; auditors may
calculate (nothing is written)."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def url():
    return reverse("claims_assist:calculators")


@pytest.fixture
def client(client):
    """Pages in English, so that the working lines can be read (the language cookie)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def chinese_client():
    return Client()


def test_clm_14_page_shows_one_form_per_scheme(client, clerk_a, url):
    client.force_login(clerk_a)
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    for scheme in ("elderly", "medical", "student"):
        assert f'id="{scheme}-form"' in page
        assert f'name="scheme" value="{scheme}"' in page
    assert 'id="elderly-result"' not in page


def test_clm_14_page_is_in_chinese_by_default(chinese_client, clerk_a, url):
    """Pages get the zh-hans default from the middleware, whatever the test language."""
    chinese_client.force_login(clerk_a)
    response = chinese_client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "zh-hans"


def test_clm_14_elderly_allowance_result_with_its_working(client, claims_assist_a, url):
    client.force_login(claims_assist_a)
    response = client.post(
        url,
        {
            "scheme": "elderly",
            "elderly-benefit": "hospital_allowance",
            "elderly-hospital_days": "120",
            "elderly-days_paid_this_year": "0",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="elderly-result"' in page
    assert '<span class="amount" id="elderly-amount">2700.00</span>' in page
    assert "At most 90 days are paid for one stay" in page
    assert "30.00 yuan/day × 90 days = 2,700.00 yuan" in page
    assert 'id="medical-result"' not in page


def test_clm_14_medical_result_shows_the_ledger_after(client, clerk_a, url):
    client.force_login(clerk_a)
    response = client.post(
        url,
        {
            "scheme": "medical",
            "medical-care": "outpatient",
            "medical-eligible_self_paid": "1000.00",
            "medical-other_insurers_paid": "",
            "medical-cover_starts_on": "2025-01-01",
            "medical-claimed_on": "2025-06-01",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert '<span class="amount" id="medical-amount">280.00</span>' in page
    assert 'id="medical-ledger"' in page


def test_clm_14_student_death_result(client, clerk_a, url):
    client.force_login(clerk_a)
    response = client.post(
        url,
        {
            "scheme": "student",
            "student-insured_event": "death",
            "student-sum_insured": "20000",
            "student-accident_on": "2025-03-01",
            "student-death_on": "2025-06-01",
            "student-disability_paid": "6000",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert '<span class="amount" id="student-amount">14000.00</span>' in page
    assert 'id="student-cover-ended"' in page


def test_clm_14_refusal_comes_back_on_the_form(client, clerk_a, url):
    client.force_login(clerk_a)
    response = client.post(
        url,
        {
            "scheme": "medical",
            "medical-care": "inpatient",
            "medical-eligible_self_paid": "500.00",
            "medical-cover_starts_on": "2025-01-01",
            "medical-claimed_on": "2026-04-02",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The right to claim lapsed 15 months after cover started" in page
    assert 'id="medical-result"' not in page


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (
            {
                "scheme": "elderly",
                "elderly-benefit": "death",
                "elderly-accident_on": "2025-03-01",
                "elderly-death_on": "2025-08-29",
            },
            "Not covered: more than 180 days after the accident",
        ),
        (
            {
                "scheme": "elderly",
                "elderly-benefit": "disability",
                "elderly-accident_on": "2025-03-01",
                "elderly-disabled_on": "2025-04-01",
            },
            "This field is required.",
        ),
        (
            {
                "scheme": "elderly",
                "elderly-benefit": "hospital_allowance",
                "elderly-hospital_days": "-2",
            },
            "Enter a whole number, not negative",
        ),
        ({"scheme": "nothing"}, ""),
    ],
)
def test_clm_14_invalid_inputs_are_400(client, clerk_a, url, data, text):
    client.force_login(clerk_a)
    response = client.post(url, data)
    assert response.status_code == 400
    assert text in response.content.decode()


def test_clm_14_auditor_may_calculate(client, auditor, url):
    client.force_login(auditor)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "scheme": "elderly",
            "elderly-benefit": "hospital_allowance",
            "elderly-hospital_days": "3",
        },
    )
    assert response.status_code == 200
    assert 'id="elderly-amount">90.00<' in response.content.decode()


@pytest.mark.parametrize("method", ["get", "post"])
def test_clm_14_page_needs_a_login(client, tree, url, method):
    response = getattr(client, method)(url, {"scheme": "elderly"})
    assert response.status_code == 302
    assert "/login/" in response.url
