"""CLM-11 status queries: told only on the insured's ID number and the policy number
(or to a representative with a power of attorney and a copy of the insured's ID),
within the asker's branch; every query recorded, answered or refused; a refusal never
tells whether a case exists. The service, the counter page and the API endpoint, with
their refusals (anonymous, auditor, another branch)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from claims_assist.models import CaseEvent, ClaimCase, StatusQuery
from claims_assist.services.status import case_status_query
from core.access import ReadOnlyRole
from core.models import Role
from tests.claims_assist.factories import ClaimCaseFactory
from tests.factories import UserFactory

ID_A = "11010519491231002X"  # farmer_a, the insured of rice_a
OTHER_ID = "440106198504120025"  # a valid ID of someone else
PAGE = "/claims/status/"
API = "/api/v1/claims/status-query/"


@pytest.fixture
def case(tree, clerk_a, claims_book) -> ClaimCase:
    case = ClaimCaseFactory(
        policy=claims_book.rice_a,
        org_unit=tree.outlet_a,
        created_by=clerk_a,
        reported_at=timezone.now() - dt.timedelta(days=4),
        stage=ClaimCase.Stage.TRANSFERRED,
        hotline_number="95518-2026-0101",
    )
    CaseEvent.objects.create(
        case=case, stage=ClaimCase.Stage.FORWARDED, at=timezone.now() - dt.timedelta(days=3)
    )
    CaseEvent.objects.create(
        case=case, stage=ClaimCase.Stage.TRANSFERRED, at=timezone.now() - dt.timedelta(days=1)
    )
    return case


def ask(by, **values):
    values.setdefault("channel", StatusQuery.Channel.COUNTER)
    return case_status_query(by=by, **values)


# --- The service ------------------------------------------------------------------------------
def test_clm_11_answered_on_id_and_policy(clerk_a, claims_book, case):
    answer = ask(clerk_a, policy_number=claims_book.rice_a.number, id_number=ID_A)
    assert answer.answered and answer.reason == "" and answer.field is None
    (status,) = answer.cases
    assert status.number == case.number and status.stage == "transferred"
    assert status.stage_label == "With the claims centre"
    assert status.reported_at == case.reported_at
    assert status.last_event_label == "With the claims centre" and status.last_event_at
    assert "claims centre reviews" in status.next_step
    assert status.hotline_number == "95518-2026-0101"
    query = StatusQuery.objects.get()
    assert query == answer.query and query.answered and query.refusal == ""
    assert (query.case, query.org_unit, query.asked_by) == (case, clerk_a.org_unit, clerk_a)
    assert (query.channel, query.policy_number) == ("counter", claims_book.rice_a.number)
    assert not query.via_attorney


def test_clm_11_id_number_normalised(clerk_a, claims_book, case):
    typed = "１１０１０５ １９４９１２３１ ００２x"
    answer = ask(clerk_a, policy_number=f" {claims_book.rice_a.number.lower()} ", id_number=typed)
    assert [c.number for c in answer.cases] == [case.number]


def test_clm_11_id_required(clerk_a, claims_book, case):
    answer = ask(clerk_a, policy_number=claims_book.rice_a.number, id_number="  ")
    assert not answer.answered and not answer.cases
    assert (answer.reason, answer.field) == ("id_missing", "id_number")
    assert "ID number is required" in answer.message and "CLM-11" in answer.message
    query = StatusQuery.objects.get()
    assert not query.answered and query.case is None and query.refusal


def test_clm_11_invalid_id_is_a_clear_error_and_logged(clerk_a, claims_book, case):
    answer = ask(clerk_a, policy_number=claims_book.rice_a.number, id_number="110105194912310021")
    assert (answer.reason, answer.field) == ("id_invalid", "id_number")
    assert "not valid" in answer.message
    answer = ask(clerk_a, policy_number=claims_book.rice_a.number, id_number="1101051949")
    assert answer.reason == "id_invalid" and "18 characters" in answer.message
    assert StatusQuery.objects.filter(answered=False).count() == 2


def test_clm_11_policy_number_required(clerk_a, case):
    answer = ask(clerk_a, policy_number="", id_number=ID_A)
    assert (answer.reason, answer.field) == ("policy_missing", "policy_number")
    assert not StatusQuery.objects.get().answered


def test_clm_11_mismatch_refused_and_logged(clerk_a, claims_book, case):
    answer = ask(clerk_a, policy_number=claims_book.rice_a.number, id_number=OTHER_ID)
    assert not answer.answered and answer.reason == "no_match" and answer.field is None
    assert not answer.cases
    query = StatusQuery.objects.get()
    assert not query.answered and query.case is None
    assert query.policy_number == claims_book.rice_a.number and query.refusal
    # The right ID on another policy of theirs without a case: refused too.
    answer = ask(clerk_a, policy_number=claims_book.elderly_a.number, id_number=ID_A)
    assert answer.reason == "no_match"


def test_clm_11_refusal_does_not_leak_existence(clerk_a, claims_book, case):
    wrong_id = ask(clerk_a, policy_number=claims_book.rice_a.number, id_number=OTHER_ID)
    no_policy = ask(clerk_a, policy_number="PZAA209900000000000000", id_number=OTHER_ID)
    assert wrong_id.message == no_policy.message
    assert (wrong_id.reason, wrong_id.field) == (no_policy.reason, no_policy.field)
    assert wrong_id.query.refusal == no_policy.query.refusal
    assert case.number not in wrong_id.message


def test_clm_11_attorney_needs_name_id_and_documents(clerk_a, claims_book, case):
    policy = claims_book.rice_a.number
    base = {"policy_number": policy, "id_number": ID_A, "via_attorney": True}
    answer = ask(clerk_a, **base, attorney_name="", attorney_id_number=OTHER_ID)
    assert (answer.reason, answer.field) == ("attorney_missing", "attorney_name")
    answer = ask(clerk_a, **base, attorney_name="李秀英", attorney_id_number="440106198504120026")
    assert (answer.reason, answer.field) == ("attorney_id_invalid", "attorney_id_number")
    answer = ask(clerk_a, **base, attorney_name="李秀英", attorney_id_number=OTHER_ID)
    assert (answer.reason, answer.field) == (
        "attorney_documents_missing",
        "attorney_documents_seen",
    )
    assert "power of attorney" in answer.message
    answer = ask(
        clerk_a,
        **base,
        attorney_name="李秀英",
        attorney_id_number=OTHER_ID,
        attorney_documents_seen=True,
    )
    assert answer.answered and [c.number for c in answer.cases] == [case.number]
    queries = list(StatusQuery.objects.order_by("pk"))
    assert [q.answered for q in queries] == [False, False, False, True]
    assert queries[-1].via_attorney and queries[-1].attorney_name == "李秀英"
    # The power of attorney does not replace the insured's ID.
    answer = ask(
        clerk_a,
        policy_number=policy,
        id_number="",
        via_attorney=True,
        attorney_name="李秀英",
        attorney_id_number=OTHER_ID,
        attorney_documents_seen=True,
    )
    assert answer.reason == "id_missing"


def test_clm_11_scope_another_branch_learns_nothing(
    tree, clerk_b, county_manager, claims_centre, claims_book, case
):
    policy = claims_book.rice_a.number
    refused = ask(clerk_b, policy_number=policy, id_number=ID_A)
    assert refused.reason == "no_match" and not refused.cases
    assert refused.query.org_unit == tree.outlet_b
    other = UserFactory(username="clerk_c", org_unit=tree.outlet_c, role=Role.CLERK)
    assert ask(other, policy_number=policy, id_number=ID_A).reason == "no_match"
    assert ask(county_manager, policy_number=policy, id_number=ID_A).answered
    assert ask(claims_centre, policy_number=policy, id_number=ID_A).answered


def test_clm_11_every_case_of_the_policy_newest_first(tree, clerk_a, claims_book, case):
    later = ClaimCaseFactory(policy=claims_book.rice_a, org_unit=tree.outlet_a, created_by=clerk_a)
    answer = ask(clerk_a, policy_number=claims_book.rice_a.number, id_number=ID_A)
    assert [c.number for c in answer.cases] == [later.number, case.number]
    assert answer.cases[0].last_event_at is None and answer.cases[0].last_event_label == ""
    assert "95518" in answer.cases[0].next_step
    assert answer.query.case == later


def test_clm_11_read_only_and_unplaced_users_refused(auditor, claims_book, case):
    with pytest.raises(ReadOnlyRole):
        ask(auditor, policy_number=claims_book.rice_a.number, id_number=ID_A)
    # Only a superuser may be placed nowhere in the tree: nowhere to record the query.
    unplaced = UserFactory(username="root", org_unit=None, is_superuser=True)
    with pytest.raises(ValidationError) as caught:
        ask(unplaced, policy_number=claims_book.rice_a.number, id_number=ID_A)
    assert caught.value.code == "no_branch"
    assert not StatusQuery.objects.exists()


# --- The counter page ---------------------------------------------------------------------------
def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_clm_11_page_answers_and_records(clerk_a, claims_book, case):
    client = login(clerk_a)
    response = client.get(PAGE)
    assert response.status_code == 200 and 'id="status-query-form"' in response.content.decode()
    assert not StatusQuery.objects.exists()
    response = client.post(PAGE, {"policy_number": claims_book.rice_a.number, "id_number": ID_A})
    assert response.status_code == 200
    assert response.context["answer"].answered
    html = response.content.decode()
    assert 'data-answered="yes"' in html and case.number in html and "95518-2026-0101" in html
    query = StatusQuery.objects.get()
    assert query.channel == "counter" and query.answered


def test_clm_11_page_invalid_id_on_the_field(clerk_a, claims_book, case):
    response = login(clerk_a).post(
        PAGE, {"policy_number": claims_book.rice_a.number, "id_number": "12345"}
    )
    assert response.status_code == 400
    assert "id_number" in response.context["form"].errors
    assert case.number not in response.content.decode()
    assert StatusQuery.objects.filter(answered=False).count() == 1


def test_clm_11_page_mismatch_reveals_nothing(clerk_a, clerk_b, claims_book, case):
    data = {"policy_number": claims_book.rice_a.number, "id_number": ID_A}
    for client, values in [
        (login(clerk_a), {**data, "id_number": OTHER_ID}),
        (login(clerk_b), data),  # another outlet: the case is out of scope
    ]:
        response = client.post(PAGE, values)
        assert response.status_code == 200
        html = response.content.decode()
        assert 'data-answered="no"' in html and 'data-reason="no_match"' in html
        assert case.number not in html
    assert StatusQuery.objects.filter(answered=False).count() == 2


def test_clm_11_page_attorney_without_documents(clerk_a, claims_book, case):
    response = login(clerk_a).post(
        PAGE,
        {
            "policy_number": claims_book.rice_a.number,
            "id_number": ID_A,
            "via_attorney": "on",
            "attorney_name": "李秀英",
            "attorney_id_number": OTHER_ID,
        },
    )
    assert response.status_code == 400
    assert "attorney_documents_seen" in response.context["form"].errors
    assert StatusQuery.objects.get().via_attorney


def test_clm_11_page_refusals(auditor, claims_book, case):
    response = Client().get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert Client().post(PAGE, {}).status_code == 302
    assert login(auditor).get(PAGE).status_code == 403
    data = {"policy_number": claims_book.rice_a.number, "id_number": ID_A}
    assert login(auditor).post(PAGE, data).status_code == 403
    assert not StatusQuery.objects.exists()


# --- The API ------------------------------------------------------------------------------------
def as_user(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


def test_clm_11_api_answers_and_records(api_client_user, claims_book, case):
    response = as_user(api_client_user).post(
        API, {"policy_number": claims_book.rice_a.number, "id_number": ID_A}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["rule"] == "CLM-11" and body["answered"] and body["message"] == ""
    (row,) = body["cases"]
    assert row["number"] == case.number and row["stage"] == "transferred"
    assert row["stage_label"] == "With the claims centre"
    assert row["hotline_number"] == "95518-2026-0101" and row["next_step"]
    assert row["last_event_label"] == "With the claims centre" and row["last_event_at"]
    query = StatusQuery.objects.get(pk=body["query"])
    assert query.channel == "api" and query.asked_by == api_client_user and query.answered


def test_clm_11_api_invalid_input_is_400_and_logged(api_client_user, claims_book, case):
    client = as_user(api_client_user)
    response = client.post(
        API, {"policy_number": claims_book.rice_a.number, "id_number": "12345"}, format="json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert "id_number" in error["fields"] and "18 characters" in error["message"]
    response = client.post(API, {"policy_number": claims_book.rice_a.number}, format="json")
    assert response.status_code == 400 and "CLM-11" in response.json()["error"]["message"]
    response = client.post(
        API,
        {
            "policy_number": claims_book.rice_a.number,
            "id_number": ID_A,
            "via_attorney": True,
            "attorney_name": "李秀英",
            "attorney_id_number": OTHER_ID,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "attorney_documents_seen" in response.json()["error"]["fields"]
    assert StatusQuery.objects.filter(answered=False, channel="api").count() == 3


def test_clm_11_api_mismatch_and_scope_reveal_nothing(tree, clerk_b, claims_book, case):
    policy = claims_book.rice_a.number
    wrong = as_user(clerk_b).post(API, {"policy_number": policy, "id_number": ID_A}, format="json")
    missing = as_user(clerk_b).post(
        API, {"policy_number": "PZAA209900000000000000", "id_number": ID_A}, format="json"
    )
    assert wrong.status_code == missing.status_code == 200
    bodies = [response.json() for response in (wrong, missing)]
    for body in bodies:
        body.pop("query")
    assert bodies[0] == bodies[1]
    assert not bodies[0]["answered"] and bodies[0]["cases"] == []


def test_clm_11_api_refusals(auditor, claims_book, case):
    data = {"policy_number": claims_book.rice_a.number, "id_number": ID_A}
    assert as_user(None).post(API, data, format="json").status_code == 401
    assert as_user(auditor).post(API, data, format="json").status_code == 403
    assert as_user(None).get(API).status_code == 401
    assert not StatusQuery.objects.exists()
