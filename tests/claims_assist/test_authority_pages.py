"""CLM-6 authority pages: "My authority", the managers' list with ends-soon highlighted,
an authorisation's page, the grant, revoke and evaluation forms, the counter's check,
and their refusals (another outlet or county 404, non-managers and auditors 403 on
writes, anonymous to the login page). Pages are zh-hans: tests assert structure,
status and database state."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from claims_assist.models import AdjusterAuthorisation, AnnualEvaluation
from tests.claims_assist.authority_support import assist_b, evaluate, grant, manager_c, today


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def authorisation(claims_assist_a, county_manager) -> AdjusterAuthorisation:
    return grant(by=county_manager, holder=claims_assist_a, case_limit=Decimal("1500"))


def test_clm_6_my_authority_shows_what_i_may_assess(claims_assist_a, authorisation):
    response = login(claims_assist_a).get(reverse("claims_assist:authority_mine"))
    assert response.status_code == 200
    assert [a.pk for a in response.context["current"]] == [authorisation.pk]
    html = response.content.decode()
    assert "1500.00" in html and authorisation.valid_to.strftime("%Y-%m-%d") in html
    assert reverse("claims_assist:authority_check") in html  # the nav


def test_clm_6_my_authority_empty_for_others(clerk_b, authorisation):
    response = login(clerk_b).get(reverse("claims_assist:authority_mine"))
    assert response.status_code == 200 and response.context["current"] == []


def test_clm_6_list_is_scoped_and_highlights_ends_soon(
    tree, claims_assist_a, county_manager, authorisation
):
    b = assist_b(tree)
    soon = grant(
        by=county_manager,
        holder=b,
        valid_from=today() - dt.timedelta(days=300),
        valid_to=today() + dt.timedelta(days=10),
    )
    response = login(county_manager).get(reverse("claims_assist:authority_list"))
    assert response.status_code == 200
    rows = {a.pk: a.expires_soon for a in response.context["page"].object_list}
    assert rows == {authorisation.pk: False, soon.pk: True}
    assert response.content.decode().count("expires-soon") == 1
    assert response.context["may_manage"]
    # The other county's manager sees none; the outlet's staff see their own outlet's.
    assert (
        not login(manager_c(tree))
        .get(reverse("claims_assist:authority_list"))
        .context["page"]
        .object_list
    )
    listed = login(claims_assist_a).get(reverse("claims_assist:authority_list"))
    assert [a.pk for a in listed.context["page"].object_list] == [authorisation.pk]
    assert not listed.context["may_manage"]


def test_clm_6_detail_and_its_refusals(tree, county_manager, auditor, clerk_b, authorisation):
    url = reverse("claims_assist:authority_detail", args=[authorisation.pk])
    response = login(county_manager).get(url)
    assert response.status_code == 200 and 'id="revoke-link"' in response.content.decode()
    assert login(auditor).get(url).status_code == 200
    assert 'id="revoke-link"' not in login(auditor).get(url).content.decode()
    assert login(clerk_b).get(url).status_code == 404
    assert login(manager_c(tree)).get(url).status_code == 404
    response = Client().get(url)
    assert response.status_code == 302 and "login" in response["Location"]


def test_clm_6_grant_form(claims_assist_a, county_manager, claims_centre):
    evaluation = evaluate(by=county_manager, staff=claims_assist_a)
    url = reverse("claims_assist:authority_grant")
    client = login(county_manager)
    assert client.get(url).status_code == 200
    data = {
        "holder": claims_assist_a.pk,
        "lines": ["crop", "forest"],
        "case_limit": "1800",
        "valid_from": today().isoformat(),
        "valid_to": (today() + dt.timedelta(days=364)).isoformat(),
        "evaluation": evaluation.pk,
    }
    response = client.post(url, {**data, "case_limit": "2500"})
    assert response.status_code == 400 and response.context["form"].errors.get("case_limit")
    response = client.post(url, {**data, "one_stop": "on"})
    assert response.status_code == 400
    assert {"city_approved_by", "province_approval"} <= set(response.context["form"].errors)
    response = client.post(url, {**data, "valid_to": today().replace(year=today().year + 1)})
    assert response.status_code == 400
    assert not AdjusterAuthorisation.objects.exists()
    response = client.post(url, data)
    authorisation = AdjusterAuthorisation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "claims_assist:authority_detail", args=[authorisation.pk]
    )
    assert authorisation.lines == ["crop", "forest"] and authorisation.case_limit == Decimal(1800)
    assert authorisation.granted_by == county_manager and authorisation.expiry_warning


def test_clm_6_grant_form_refusals(tree, claims_assist_a, clerk_a, auditor, outlet_head_a):
    url = reverse("claims_assist:authority_grant")
    for user in (clerk_a, auditor, outlet_head_a, claims_assist_a):
        assert login(user).get(url).status_code == 403
        assert login(user).post(url, {"holder": claims_assist_a.pk}).status_code == 403
    # The other county's manager cannot pick the holder: not in their choices.
    evaluation = AnnualEvaluation.objects.create(
        staff=claims_assist_a,
        year=today().year - 1,
        grade="good",
        evaluated_on=today(),
        evaluated_by=auditor,
    )
    response = login(manager_c(tree)).post(
        url,
        {
            "holder": claims_assist_a.pk,
            "lines": ["crop"],
            "case_limit": "100",
            "valid_from": today().isoformat(),
            "valid_to": today().isoformat(),
            "evaluation": evaluation.pk,
        },
    )
    assert response.status_code == 400 and "holder" in response.context["form"].errors
    assert not AdjusterAuthorisation.objects.exists()
    response = Client().get(url)
    assert response.status_code == 302 and "login" in response["Location"]


def test_clm_6_revoke_form(tree, county_manager, clerk_a, auditor, clerk_b, authorisation):
    url = reverse("claims_assist:authority_revoke", args=[authorisation.pk])
    assert login(clerk_b).get(url).status_code == 404
    assert login(manager_c(tree)).post(url, {"reason": "x"}).status_code == 404
    assert login(clerk_a).post(url, {"reason": "x"}).status_code == 403
    assert login(auditor).post(url, {"reason": "x"}).status_code == 403
    assert Client().post(url, {"reason": "x"}).status_code == 302
    authorisation.refresh_from_db()
    assert authorisation.state == AdjusterAuthorisation.State.ACTIVE
    client = login(county_manager)
    assert client.post(url, {"reason": ""}).status_code == 400
    response = client.post(url, {"reason": "调离协赔岗位"})
    assert response.status_code == 302
    authorisation.refresh_from_db()
    assert authorisation.state == AdjusterAuthorisation.State.REVOKED
    assert authorisation.revoked_reason == "调离协赔岗位"
    assert client.post(url, {"reason": "again"}).status_code == 400


def test_clm_6_evaluation_form(tree, claims_assist_a, county_manager, clerk_a, auditor):
    url = reverse("claims_assist:evaluation_create")
    data = {
        "staff": claims_assist_a.pk,
        "year": today().year - 1,
        "grade": "good",
        "evaluated_on": today().isoformat(),
    }
    assert login(clerk_a).post(url, data).status_code == 403
    assert login(auditor).post(url, data).status_code == 403
    assert Client().post(url, data).status_code == 302
    response = login(manager_c(tree)).post(url, data)
    assert response.status_code == 400  # the holder is not among their staff
    assert not AnnualEvaluation.objects.exists()
    client = login(county_manager)
    assert client.get(url).status_code == 200
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 400  # once a year
    assert AnnualEvaluation.objects.get().evaluated_by == county_manager


def test_clm_6_check_page(tree, claims_assist_a, clerk_a, clerk_b, auditor, authorisation):
    url = reverse("claims_assist:authority_check")
    base = {"holder": claims_assist_a.pk, "line": "crop", "amount": "1200"}
    response = login(clerk_a).get(url, base)
    assert response.status_code == 200 and response.context["used"] == authorisation
    assert 'data-allowed="yes"' in response.content.decode()
    response = login(auditor).get(url, {**base, "amount": "1800"})
    assert response.status_code == 200 and response.context["refusal"].reason == "above_limit"
    assert 'data-reason="above_limit"' in response.content.decode()
    response = login(clerk_a).get(url, {**base, "one_stop": "on"})
    assert response.context["refusal"].reason == "not_one_stop"
    on = (authorisation.valid_to + dt.timedelta(days=1)).isoformat()
    response = login(clerk_a).get(url, {**base, "on": on})
    assert response.context["refusal"].reason == "expired"
    # clerk_b of outlet B cannot ask about outlet A's adjuster.
    response = login(clerk_b).get(url, base)
    assert response.status_code == 400 and "holder" in response.context["form"].errors
    assert login(clerk_a).get(url).status_code == 200
    response = Client().get(url, base)
    assert response.status_code == 302 and "login" in response["Location"]
