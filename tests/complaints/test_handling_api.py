"""CMP-1 and CMP-6 over the API: hand-over, first response, notes, outcome, follow-up
call, the chain and the timeline; scoping (OUT-1), read-only roles and who may act."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from complaints.models import Complaint, ComplaintEvent, HandOver
from complaints.services import handling
from tests.complaints.test_handling import MONDAY, received, timers


@pytest.fixture(autouse=True)
def monday(time_machine):
    time_machine.move_to(MONDAY, tick=False)


@pytest.fixture
def complaint(clerk_a) -> Complaint:
    return received(clerk_a)


def as_user(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def url(complaint, name) -> str:
    return f"/api/v1/complaints/{complaint.pk}/{name}/"


def test_cmp_1_api_hand_over_chain(complaint, clerk_a, clerk_b, county_manager, time_machine):
    response = as_user(clerk_a).post(
        url(complaint, "hand-over"), {"to_user": clerk_b.pk, "reason": "涉及七拱镇"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["to_user"]["id"] == clerk_b.pk
    time_machine.move_to(MONDAY + dt.timedelta(hours=1), tick=False)
    response = as_user(clerk_b).post(
        url(complaint, "hand-over"),
        {"to_user": county_manager.pk, "reason": "需要支公司决定"},
        format="json",
    )
    assert response.status_code == 201

    chain = as_user(clerk_a).get(url(complaint, "handovers")).json()["results"]
    assert [(h["from_user"]["id"], h["to_user"]["id"], h["reason"]) for h in chain] == [
        (clerk_a.pk, clerk_b.pk, "涉及七拱镇"),
        (clerk_b.pk, county_manager.pk, "需要支公司决定"),
    ]
    assert chain[1]["to_unit"]["id"] == county_manager.org_unit_id
    assert timers(complaint).filter(owner=county_manager).count() == 3


def test_cmp_1_api_hand_over_refusals(complaint, clerk_a, clerk_b, auditor, claims_assist_a):
    body = {"to_user": clerk_b.pk, "reason": "转交"}
    assert as_user(clerk_b).post(url(complaint, "hand-over"), body).status_code == 404
    assert as_user(auditor).post(url(complaint, "hand-over"), body).status_code == 403
    refused = as_user(claims_assist_a).post(url(complaint, "hand-over"), body)
    assert refused.status_code == 403
    assert "首问责任人" in refused.json()["error"]["message"]
    bad = as_user(clerk_a).post(url(complaint, "hand-over"), {"to_user": auditor.pk, "reason": "x"})
    assert bad.status_code == 400
    assert "to_user" in bad.json()["error"]["fields"]
    missing = as_user(clerk_a).post(url(complaint, "hand-over"), {"to_user": clerk_b.pk})
    assert missing.status_code == 400
    assert not HandOver.objects.exists()


def test_cmp_6_api_closure_with_satisfaction(complaint, clerk_a):
    api = as_user(clerk_a)
    response = api.post(url(complaint, "first-response"), {"text": "已受理"})
    assert (response.status_code, response.json()["status"]) == (200, "in_progress")
    response = api.post(url(complaint, "notes"), {"text": "已核实保费"})
    assert (response.status_code, response.json()["kind"]) == (201, "note")
    response = api.post(url(complaint, "outcome"), {"outcome": "退还 12 元"})
    assert (response.status_code, response.json()["status"]) == (200, "resolved")
    assert timers(complaint, rule__code="CMP-6-follow-up", state="running").exists()
    response = api.post(url(complaint, "follow-up"), {"satisfaction": "satisfied"})
    body = response.json()
    assert (response.status_code, body["status"], body["satisfaction"]) == (
        200,
        "closed",
        "satisfied",
    )

    timeline = api.get(url(complaint, "events")).json()["results"]
    assert [e["kind"] for e in timeline] == [
        "first_response",
        "note",
        "outcome_told",
        "follow_up",
        "closed",
    ]
    assert timeline[0]["by"]["id"] == clerk_a.pk


def test_cmp_6_api_unsatisfied_reopens(complaint, clerk_a):
    handling.complaint_tell_outcome(by=clerk_a, complaint=complaint, outcome="维持原结果")
    api = as_user(clerk_a)
    missing_reason = api.post(url(complaint, "follow-up"), {"satisfaction": "unsatisfied"})
    assert missing_reason.status_code == 400
    assert "note" in missing_reason.json()["error"]["fields"]
    response = api.post(
        url(complaint, "follow-up"), {"satisfaction": "unsatisfied", "note": "金额不对"}
    )
    body = response.json()
    assert (body["status"], body["reopen_count"], body["outcome"]) == ("in_progress", 1, "")
    assert timers(complaint, rule__code="CMP-6-resolution-general", state="running").exists()


@pytest.mark.parametrize(
    "name,body",
    [
        ("first-response", {"text": "已受理"}),
        ("notes", {"text": "来电"}),
        ("outcome", {"outcome": "已退费"}),
        ("follow-up", {"satisfaction": "satisfied"}),
    ],
)
def test_cmp_6_api_refusals(complaint, clerk_b, auditor, claims_assist_a, name, body):
    assert as_user(clerk_b).post(url(complaint, name), body).status_code == 404
    assert as_user(auditor).post(url(complaint, name), body).status_code == 403
    refused = as_user(claims_assist_a).post(url(complaint, name), body)
    assert refused.status_code == 403
    assert "首问责任人" in refused.json()["error"]["message"]
    assert not ComplaintEvent.objects.exists()


@pytest.mark.parametrize("name", ["handovers", "events"])
def test_cmp_6_api_reads_are_scoped_and_nothing_is_deletable(
    complaint, clerk_a, clerk_b, auditor, name
):
    handling.complaint_note(by=clerk_a, complaint=complaint, text="来电")
    assert as_user(clerk_b).get(url(complaint, name)).status_code == 404
    assert as_user(auditor).get(url(complaint, name)).status_code == 200
    assert as_user(clerk_a).delete(url(complaint, name)).status_code == 405
    assert as_user(clerk_a).delete(f"/api/v1/complaints/{complaint.pk}/").status_code == 405
    assert ComplaintEvent.objects.filter(complaint=complaint).count() == 1


def test_cmp_1_api_schema_lists_the_handling_endpoints(clerk_a):
    response = as_user(clerk_a).get("/api/schema/", {"format": "json"})
    paths = response.json()["paths"]
    for name in ("hand-over", "first-response", "notes", "outcome", "follow-up", "handovers"):
        assert "post" in paths[f"/api/v1/complaints/{{id}}/{name}/"] or name == "handovers"
    assert "get" in paths["/api/v1/complaints/{id}/events/"]
