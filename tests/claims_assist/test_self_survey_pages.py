"""The counter's motor self-survey page (CLM-13): the form, the decision with every
reason and the next step, the htmx partial; a read-only check any role may use, but not
without a login. Pages are in zh-hans, so tests read ids and data attributes."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

URL = reverse("claims_assist:self_survey")

CLEAN = {
    "vehicle_use": "private",
    "injuries": "no",
    "third_party_property_damage": "no",
    "drivable": "yes",
    "accidents_this_policy_year": "1",
}
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_clm_13_page_shows_the_questions_before_any_answer(client, clerk_a):
    client.force_login(clerk_a)
    response = client.get(URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="self-survey-form"' in page and 'method="get"' in page
    for name in CLEAN:
        assert f'name="{name}"' in page
    assert 'id="self-survey-pending"' in page
    assert f'hx-get="{URL}"' in page


def test_clm_13_second_accident_of_a_private_car_may_self_survey(client, claims_assist_a):
    client.force_login(claims_assist_a)
    response = client.get(URL, CLEAN)

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="self-survey-eligible"' in page and 'data-rule="CLM-13"' in page
    assert 'id="self-survey-refused"' not in page
    assert 'id="self-survey-next-step"' in page


def test_clm_13_refusal_lists_every_reason(client, clerk_a):
    client.force_login(clerk_a)
    answers = {
        **CLEAN,
        "vehicle_use": "commercial",
        "injuries": "yes",
        "drivable": "no",
        "accidents_this_policy_year": "2",
    }
    response = client.get(URL, answers)

    page = response.content.decode()
    assert 'id="self-survey-refused"' in page
    assert 'id="self-survey-eligible"' not in page
    for condition in ("vehicle_use", "injuries", "drivable", "accidents_this_policy_year"):
        assert f'data-condition="{condition}"' in page
    assert 'data-condition="third_party_property_damage"' not in page
    # The page is in Chinese: each reason starts with the rule ID and a full-width colon.
    assert page.count("CLM-13：") == 4
    assert "95518" in page


def test_clm_13_unanswered_question_never_counts_as_no(client, clerk_a):
    """A question left out is a form error, not "nobody injured": no decision shown."""
    client.force_login(clerk_a)
    answers = {key: value for key, value in CLEAN.items() if key != "injuries"}
    response = client.get(URL, answers)

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="self-survey-pending"' in page
    assert 'id="self-survey-eligible"' not in page
    assert response.context["form"].errors.keys() == {"injuries"}


def test_clm_13_negative_accident_count_is_a_form_error(client, clerk_a):
    client.force_login(clerk_a)
    response = client.get(URL, {**CLEAN, "accidents_this_policy_year": "-1"})

    assert response.context["form"].errors.keys() == {"accidents_this_policy_year"}
    assert response.context["decision"] is None


def test_clm_13_htmx_change_swaps_only_the_answer(client, clerk_a):
    client.force_login(clerk_a)
    response = client.get(URL, {**CLEAN, "drivable": "no"}, **HTMX)

    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page and 'id="self-survey-form"' not in page
    assert 'data-condition="drivable"' in page
    assert response["Vary"].count("HX-Request") == 1


def test_clm_13_auditor_may_use_the_read_only_check(client, auditor):
    client.force_login(auditor)
    response = client.get(URL, CLEAN)

    assert response.status_code == 200
    assert 'id="self-survey-eligible"' in response.content.decode()


def test_clm_13_page_needs_a_login(client):
    response = client.get(URL, CLEAN)

    assert response.status_code == 302
    assert "/login/" in response.url


def test_clm_13_page_refuses_a_post(client, clerk_a):
    client.force_login(clerk_a)
    assert client.post(URL, CLEAN).status_code == 405
