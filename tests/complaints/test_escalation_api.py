"""CMP-5, CLM-12, REG-2 over the API: the escalation history, forward, take, extend,
progress, and the refusals (other outlet 404, auditor 403, not the claims centre 403)."""

import pytest
from rest_framework.test import APIClient

from complaints.models import Complaint, ComplaintEvent, Escalation
from core.models import OutboxMessage
from tests.complaints.test_escalation import PHONE, RECEIVED, at, receive, sweep


@pytest.fixture
def claim(time_machine, clerk_a, outlet_head_a, county_manager, claims_centre) -> Complaint:
    """A claim complaint received at outlet A on Monday 09:00 (CMP-5 due at 10:00)."""
    time_machine.move_to(RECEIVED, tick=False)
    return receive(clerk_a)


def as_user(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def url(complaint, name):
    return f"/api/v1/complaints/{complaint.pk}/{name}/"


def test_cmp_5_api_history_lists_each_step_and_who_acted(claim, time_machine, outlet_head_a):
    sweep(time_machine, at(10, 1))
    sweep(time_machine, at(11, 2))
    response = as_user(outlet_head_a).post(url(claim, "forward"), {"note": "请跟进"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == Complaint.Status.FORWARDED
    assert [step["step"] for step in body["escalations"]] == [1, 2]

    history = as_user(outlet_head_a).get(url(claim, "escalations")).json()
    assert [(s["step"], s["role"]) for s in history] == [
        (1, "outlet_head"),
        (2, "county_manager"),
    ]
    assert history[0]["acted_by"] is None
    assert history[1]["acted_by"]["id"] == outlet_head_a.pk


def test_clm_12_api_take_and_progress(claim, claims_centre):
    api = as_user(claims_centre)
    response = api.post(url(claim, "take"))
    assert response.status_code == 200, response.content
    assert response.json()["claims_owner"]["id"] == claims_centre.pk
    response = api.post(url(claim, "progress"), {"text": "已安排复核"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == ComplaintEvent.Kind.PROGRESS_TOLD
    assert OutboxMessage.objects.filter(phone=PHONE, body="已安排复核").exists()


def test_reg_2_api_extend_with_approval(claim, clerk_a, county_manager, time_machine):
    time_machine.move_to(at(10, 0, day=20), tick=False)
    api = as_user(clerk_a)
    told = "2026-11-20T09:30:00+08:00"
    first = api.post(
        url(claim, "extend"),
        {"level": 1, "reason": "复杂", "complainant_told_at": told},
        format="json",
    )
    assert first.status_code == 200, first.content
    assert first.json()["extension_level"] == 1
    assert first.json()["decision_due_at"].startswith("2026-12-16T09:00")
    refused = api.post(
        url(claim, "extend"),
        {"level": 2, "reason": "特别复杂", "complainant_told_at": told},
        format="json",
    )
    assert refused.status_code == 400
    assert "approved_by" in refused.json()["error"]["fields"]
    second = api.post(
        url(claim, "extend"),
        {
            "level": 2,
            "reason": "特别复杂",
            "complainant_told_at": told,
            "approved_by": county_manager.pk,
        },
        format="json",
    )
    assert second.status_code == 200, second.content
    assert second.json()["decision_due_at"].startswith("2027-01-15T09:00")


def test_clm_12_api_take_refused_outside_the_claims_centre(claim, clerk_a):
    response = as_user(clerk_a).post(url(claim, "take"))
    assert response.status_code == 403
    assert Complaint.objects.get(pk=claim.pk).claims_owner is None


BODIES = {
    "forward": {},
    "take": {},
    "extend": {"level": 1, "reason": "x", "complainant_told_at": "2026-11-16T09:30:00+08:00"},
    "progress": {"text": "x"},
}


@pytest.mark.parametrize("name", ["escalations", *BODIES])
def test_cmp_5_api_other_outlet_gets_404(claim, clerk_b, name):
    api = as_user(clerk_b)
    response = (
        api.get(url(claim, name))
        if name == "escalations"
        else api.post(url(claim, name), BODIES[name], format="json")
    )
    assert response.status_code == 404


@pytest.mark.parametrize("name", list(BODIES))
def test_cmp_5_api_auditor_may_read_but_not_act(claim, auditor, name):
    api = as_user(auditor)
    assert api.get(url(claim, "escalations")).status_code == 200
    assert api.post(url(claim, name), BODIES[name], format="json").status_code == 403
    assert not Escalation.objects.exists()
    assert Complaint.objects.get(pk=claim.pk).status == Complaint.Status.OPEN
