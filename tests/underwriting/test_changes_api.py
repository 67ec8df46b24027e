"""UW-12 over the API: request with the computed effect, confirm, withdraw, list, and the
scoping refusals (OUT-1) and read-only role (auditor)."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from tests.underwriting.test_changes import (
    AFTER_START,
    BEFORE_START,
    issue_group,
    issue_individual,
    rows_add_up,
)
from underwriting.models import Policy, PolicyChange
from underwriting.services.changes import change_request_endorsement


def as_user(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture(autouse=True)
def before_start(time_machine):
    time_machine.move_to(BEFORE_START, tick=False)


@pytest.fixture
def policy(tree, clerk_a, book) -> Policy:
    return issue_individual(tree=tree, clerk=clerk_a, book=book)


@pytest.fixture
def draft(policy, clerk_a) -> PolicyChange:
    return change_request_endorsement(
        by=clerk_a, policy=policy, reason="换号", values={"phone": "13700000000"}
    )


def changes_url(policy):
    return f"/api/v1/policies/{policy.pk}/changes/"


SURRENDER = {
    "kind": "surrender",
    "reason": "不想保了",
    "true_reason": "改投他司",
    "retention": "declined",
    "retention_note": "介绍理赔服务无效",
}


def test_uw_12_api_surrender_answers_with_the_refund_then_confirms(policy, clerk_a, time_machine):
    time_machine.move_to(AFTER_START, tick=False)
    api = as_user(clerk_a)
    response = api.post(changes_url(policy), SURRENDER, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["state"] == "draft" and body["refund"] == "87.12"
    assert body["changes"]["cover"] == {"unexpired_days": 265, "cover_days": 365}
    assert body["changes"]["returned"]["farmer_share"] == "87.12"

    response = api.post(f"/api/v1/changes/{body['id']}/confirm/")
    assert response.status_code == 200 and response.json()["state"] == "confirmed"
    policy.refresh_from_db()
    assert policy.status == Policy.Status.SURRENDERED


def test_uw_12_api_endorsement_preview_masks_personal_data(policy, clerk_a):
    response = as_user(clerk_a).post(
        changes_url(policy),
        {"kind": "endorsement", "reason": "换卡", "values": {"bank_account": "6228480012345678"}},
        format="json",
    )
    assert response.status_code == 201
    fields = response.json()["changes"]["fields"]
    assert fields == [
        {"field": "bank_account", "before": "6217***********0123", "after": "6228********5678"}
    ]
    assert "6228480012345678" not in response.content.decode()


def test_uw_12_api_refused_endorsement_explains_the_rule(policy, clerk_a, time_machine):
    time_machine.move_to(AFTER_START, tick=False)
    response = as_user(clerk_a).post(
        changes_url(policy),
        {"kind": "endorsement", "reason": "加保", "values": {"quantity": "20"}},
        format="json",
    )
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert "E3" in message and "UW-12" in message
    assert not PolicyChange.objects.exists()


def test_uw_12_api_surrender_requires_true_reason_and_retention(policy, clerk_a):
    response = as_user(clerk_a).post(
        changes_url(policy), {"kind": "surrender", "reason": "不想保了"}, format="json"
    )
    assert response.status_code == 400
    assert "true_reason" in response.json()["error"]["fields"]


def test_uw_12_api_retained_customer_comes_back_withdrawn(policy, clerk_a):
    data = {**SURRENDER, "retention": "retained", "retention_note": "同意继续投保"}
    response = as_user(clerk_a).post(changes_url(policy), data, format="json")
    assert response.status_code == 201 and response.json()["state"] == "withdrawn"
    policy.refresh_from_db()
    assert policy.status == Policy.Status.ISSUED


def test_uw_6_api_group_row_endorsement_keeps_the_totals(tree, clerk_a, book):
    group = issue_group(tree=tree, clerk=clerk_a, book=book)
    api = as_user(clerk_a)
    response = api.post(
        changes_url(group),
        {"kind": "endorsement", "reason": "补报", "row_number": 2, "values": {"quantity": "6"}},
        format="json",
    )
    assert response.status_code == 201
    assert Decimal(response.json()["premium_delta"]) == Decimal("60.00")
    assert api.post(f"/api/v1/changes/{response.json()['id']}/confirm/").status_code == 200
    assert rows_add_up(group)


def test_uw_12_api_list_detail_and_withdraw(draft, clerk_a):
    api = as_user(clerk_a)
    body = api.get("/api/v1/changes/", {"kind": "endorsement"}).json()
    assert [c["id"] for c in body["results"]] == [draft.pk]
    assert api.get("/api/v1/changes/", {"state": "confirmed"}).json()["count"] == 0
    assert api.get(f"/api/v1/changes/{draft.pk}/").json()["changes"]["fields"][0]["after"] == (
        "137****0000"
    )
    response = api.post(f"/api/v1/changes/{draft.pk}/withdraw/", {"note": "不改了"})
    assert response.status_code == 200 and response.json()["state"] == "withdrawn"


def test_uw_12_api_refuses_another_outlets_clerk(policy, draft, clerk_b):
    api = as_user(clerk_b)
    assert api.post(changes_url(policy), SURRENDER, format="json").status_code == 404
    assert api.get(f"/api/v1/changes/{draft.pk}/").status_code == 404
    assert api.post(f"/api/v1/changes/{draft.pk}/confirm/").status_code == 404
    assert api.post(f"/api/v1/changes/{draft.pk}/withdraw/").status_code == 404
    assert api.get("/api/v1/changes/").json()["count"] == 0
    draft.refresh_from_db()
    assert draft.state == PolicyChange.State.DRAFT


def test_uw_12_api_is_read_only_for_the_auditor(policy, draft, auditor):
    api = as_user(auditor)
    assert api.get("/api/v1/changes/").json()["count"] == 1
    assert api.get(f"/api/v1/changes/{draft.pk}/").status_code == 200
    assert api.post(changes_url(policy), SURRENDER, format="json").status_code == 403
    assert api.post(f"/api/v1/changes/{draft.pk}/confirm/").status_code == 403
    assert api.post(f"/api/v1/changes/{draft.pk}/withdraw/").status_code == 403
    draft.refresh_from_db()
    assert draft.state == PolicyChange.State.DRAFT


def test_uw_12_api_endpoints_are_in_the_schema(client, clerk_a):
    client.force_login(clerk_a)
    schema = client.get("/api/schema/").content.decode()
    for route in (
        "/api/v1/policies/{id}/changes/",
        "/api/v1/changes/{id}/confirm/",
        "/api/v1/changes/{id}/withdraw/",
    ):
        assert route in schema
