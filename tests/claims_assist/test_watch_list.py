"""CLM-16 watch list page and API: the county managers and the city claims centre keep
it, auditors read it, other staff 403, another county's entries 404, anonymous to
login (401 on the API). ID numbers are masked (REG-3); an outlet clerk never reads
the list but intake flags still show a hit."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from claims_assist.models import WatchListEntry
from claims_assist.services.fraud import fraud_flags_for, watch_list_add
from tests.claims_assist.authority_support import manager_c
from tests.claims_assist.factories import ClaimCaseFactory

ID_A = "11010519491231002X"
MASKED_A = "110105********002X"


@pytest.fixture
def listed(tree, county_manager) -> WatchListEntry:
    return watch_list_add(
        by=county_manager, county=tree.county, name="张三", id_number=ID_A, reason="虚构事故"
    )


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def as_user(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


# Page -------------------------------------------------------------------------------------
def test_clm_16_watch_list_page_for_managers(
    tree, listed, county_manager, claims_centre, auditor, clerk_a
):
    url = reverse("claims_assist:watch_list")
    response = login(county_manager).get(url)
    assert response.status_code == 200
    assert [entry.pk for entry in response.context["page"].object_list] == [listed.pk]
    html = response.content.decode()
    assert MASKED_A in html and ID_A not in html
    assert 'id="watch-list-add-form"' in html
    assert reverse("claims_assist:watch_list_remove", args=[listed.pk]) in html
    assert login(claims_centre).get(url).context["page"].object_list[0].pk == listed.pk
    # Auditors read without forms; the other county's manager sees nothing of it.
    response = login(auditor).get(url)
    assert (
        response.status_code == 200 and 'id="watch-list-add-form"' not in response.content.decode()
    )
    assert not login(manager_c(tree)).get(url).context["page"].object_list
    # An outlet clerk does not see the list, but intake shows the hit.
    assert login(clerk_a).get(url).status_code == 403
    flags = fraud_flags_for(county=tree.county, insured_id_number=ID_A, insured_name="张三")
    assert [flag["code"] for flag in flags] == ["watch_list"]
    response = Client().get(url)
    assert response.status_code == 302 and "login" in response["Location"]


def test_clm_16_watch_list_add_page(tree, county_manager, claims_book, clerk_a):
    case = ClaimCaseFactory(policy=claims_book.rice_a, org_unit=tree.outlet_a, created_by=clerk_a)
    url = reverse("claims_assist:watch_list_add")
    data = {
        "county": tree.county.pk,
        "name": "张三",
        "id_number": ID_A,
        "reason": "虚构事故",
        "case_number": case.number,
    }
    response = login(county_manager).post(url, data)
    assert response.status_code == 302
    entry = WatchListEntry.objects.get()
    assert entry.case == case and entry.added_by == county_manager
    response = login(county_manager).post(url, {**data, "id_number": "123"})
    assert response.status_code == 400 and "id_number" in response.context["form"].errors
    response = login(county_manager).post(url, {**data, "case_number": "NOPE"})
    assert response.status_code == 400 and "case_number" in response.context["form"].errors


def test_clm_16_watch_list_add_it_validates_ownership(tree, clerk_a, auditor):
    url = reverse("claims_assist:watch_list_add")
    data = {"county": tree.county.pk, "name": "张三", "id_number": ID_A, "reason": "x"}
    assert login(clerk_a).post(url, data).status_code == 403
    assert login(auditor).post(url, data).status_code == 403
    # Another county is not a choice for this manager: refused, nothing added.
    response = login(manager_c(tree)).post(url, data)
    assert response.status_code == 400 and "county" in response.context["form"].errors
    response = Client().post(url, data)
    assert response.status_code == 302 and "login" in response["Location"]
    assert not WatchListEntry.objects.exists()


def test_clm_16_watch_list_remove_page(tree, listed, county_manager, clerk_a, auditor):
    url = reverse("claims_assist:watch_list_remove", args=[listed.pk])
    assert login(county_manager).get(url).status_code == 200
    response = login(county_manager).post(url, {})
    assert response.status_code == 400
    assert login(clerk_a).post(url, {"reason": "x"}).status_code == 403
    assert login(auditor).post(url, {"reason": "x"}).status_code == 403
    assert login(manager_c(tree)).post(url, {"reason": "x"}).status_code == 404
    response = Client().post(url, {"reason": "x"})
    assert response.status_code == 302 and "login" in response["Location"]
    listed.refresh_from_db()
    assert listed.removed_at is None
    response = login(county_manager).post(url, {"reason": "复核撤销"})
    assert response.status_code == 302
    listed.refresh_from_db()
    assert listed.removed_reason == "复核撤销"


# API --------------------------------------------------------------------------------------
def test_clm_16_api_watch_list(tree, listed, county_manager, auditor, clerk_a):
    body = as_user(county_manager).get("/api/v1/watch-list/").json()
    assert [row["id"] for row in body["results"]] == [listed.pk]
    assert body["results"][0]["id_number"] == MASKED_A
    assert as_user(auditor).get("/api/v1/watch-list/").status_code == 200
    assert as_user(clerk_a).get("/api/v1/watch-list/").status_code == 403
    assert as_user(None).get("/api/v1/watch-list/").status_code == 401
    assert not as_user(manager_c(tree)).get("/api/v1/watch-list/").json()["results"]


def test_clm_16_api_watch_list_add(tree, county_manager, claims_centre, clerk_a, auditor):
    data = {"name": "张三", "id_number": ID_A, "reason": "虚构事故"}
    response = as_user(county_manager).post("/api/v1/watch-list/", data, format="json")
    assert response.status_code == 201 and response.json()["county"] == tree.county.pk
    response = as_user(county_manager).post("/api/v1/watch-list/", data, format="json")
    assert response.status_code == 200  # already on it
    # The city claims centre names the county.
    response = as_user(claims_centre).post("/api/v1/watch-list/", data, format="json")
    assert response.status_code == 400 and "county" in response.json()["error"]["fields"]
    response = as_user(claims_centre).post(
        "/api/v1/watch-list/", {**data, "county": tree.other_county.pk}, format="json"
    )
    assert response.status_code == 201
    response = as_user(manager_c(tree)).post(
        "/api/v1/watch-list/", {**data, "county": tree.county.pk}, format="json"
    )
    assert response.status_code == 400
    assert as_user(clerk_a).post("/api/v1/watch-list/", data, format="json").status_code == 403
    assert as_user(auditor).post("/api/v1/watch-list/", data, format="json").status_code == 403
    assert as_user(None).post("/api/v1/watch-list/", data, format="json").status_code == 401
    assert WatchListEntry.objects.count() == 2


def test_clm_16_api_watch_list_remove(tree, listed, county_manager, clerk_a, auditor):
    url = f"/api/v1/watch-list/{listed.pk}/remove/"
    assert as_user(clerk_a).post(url, {"reason": "x"}, format="json").status_code == 403
    assert as_user(auditor).post(url, {"reason": "x"}, format="json").status_code == 403
    assert as_user(manager_c(tree)).post(url, {"reason": "x"}, format="json").status_code == 404
    assert as_user(None).post(url, {"reason": "x"}, format="json").status_code == 401
    response = as_user(county_manager).post(url, {"reason": "复核撤销"}, format="json")
    assert response.status_code == 200 and response.json()["removed_at"]
    assert as_user(county_manager).post(url, {"reason": "x"}, format="json").status_code == 400
    body = as_user(county_manager).get("/api/v1/watch-list/?removed=1").json()
    assert [row["id"] for row in body["results"]] == [listed.pk]
