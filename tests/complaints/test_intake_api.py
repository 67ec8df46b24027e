"""Complaint intake and status over the API (CMP-1, CMP-2, CMP-4, CMP-7), scoped by the
org tree (OUT-1)."""

import re

from rest_framework.test import APIClient

from complaints.models import Channel, Complaint
from tests.complaints.factories import receive_complaint
from tests.underwriting.factories import CustomerFactory, PolicyFactory

URL = "/api/v1/complaints/"


def as_user(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def body(**overrides) -> dict:
    data = {
        "topic": "claims",
        "severity": "major",
        "complainant_name": "张三",
        "contact_phone": "13800138000",
        "claim_reference": "LP2026000001",
        "what_happened": "报案三天没有人联系。",
        "what_is_asked": "尽快查勘。",
    }
    return {**data, **overrides}


def test_cmp_1_staff_intake_makes_the_caller_first_responder(tree, clerk_a):
    response = as_user(clerk_a).post(URL, body(), format="json")
    assert response.status_code == 201
    data = response.json()
    assert re.fullmatch(r"441823-\d{8}-0001", data["number"])
    assert data["channel"] == "counter" and data["status"] == "open"
    assert data["first_responder"]["id"] == clerk_a.pk
    assert data["received_by"]["id"] == clerk_a.pk
    assert data["contact_phone"] == "138****8000"


def test_cmp_2_api_client_delivers_online_complaints_routed_to_the_designated_receiver(
    tree, api_client_user, complaint_settings, receiver_b
):
    response = as_user(api_client_user).post(URL, body(contact_address="东村"), format="json")
    assert response.status_code == 201
    complaint = Complaint.objects.get()
    assert complaint.channel == Channel.ONLINE
    assert complaint.first_responder == receiver_b and complaint.received_by == receiver_b
    assert complaint.contact_address == "东村"
    # The client can follow the status of what it delivered (its county is its scope).
    status = as_user(api_client_user).get(f"{URL}{complaint.pk}/").json()
    assert status["number"] == complaint.number
    assert status["first_responder"]["id"] == receiver_b.pk


def test_cmp_2_api_client_routes_to_a_named_outlet_and_refuses_other_channels(
    tree, api_client_user, outlet_head_a
):
    client = as_user(api_client_user)
    named = client.post(URL, body(named_department=tree.outlet_a.pk), format="json")
    assert named.status_code == 201
    assert named.json()["first_responder"]["id"] == outlet_head_a.pk
    phone = client.post(URL, body(channel="phone"), format="json")
    assert phone.status_code == 400 and "channel" in phone.json()["error"]["fields"]


def test_cmp_2_api_intake_without_designated_receiver_is_a_clear_error(tree, api_client_user):
    response = as_user(api_client_user).post(URL, body(), format="json")
    assert response.status_code == 400
    assert "指定接收人" in response.json()["error"]["message"]
    assert not Complaint.objects.exists()


def test_cmp_4_intake_links_a_policy_of_the_branch_only(tree, clerk_a, clerk_b):
    own = PolicyFactory(
        org_unit=tree.outlet_a,
        entered_by=clerk_a,
        insured=CustomerFactory(org_unit=tree.outlet_a, created_by=clerk_a),
        number="PA2026000009",
    )
    PolicyFactory(
        org_unit=tree.outlet_b,
        entered_by=clerk_b,
        insured=CustomerFactory(org_unit=tree.outlet_b, created_by=clerk_b),
        number="PB2026000009",
    )
    ok = as_user(clerk_a).post(URL, body(policy_number="PA2026000009"), format="json")
    assert ok.status_code == 201 and ok.json()["policy"] == own.pk
    foreign = as_user(clerk_a).post(URL, body(policy_number="PB2026000009"), format="json")
    assert foreign.status_code == 400 and "policy_number" in foreign.json()["error"]["fields"]


def test_intake_refusals(tree, clerk_a, auditor):
    assert APIClient().post(URL, body(), format="json").status_code in (401, 403)
    assert as_user(auditor).post(URL, body(), format="json").status_code == 403
    other_county = as_user(clerk_a).post(
        URL, body(channel="letter", named_department=tree.outlet_c.pk), format="json"
    )
    assert other_county.status_code == 400
    invalid = as_user(clerk_a).post(URL, body(topic="weather"), format="json")
    assert invalid.status_code == 400
    assert not Complaint.objects.exists()


def test_list_is_scoped_and_filtered(tree, clerk_a, clerk_b, auditor):
    claim = receive_complaint(clerk_a, topic="claims", complainant_name="赵六")
    other = receive_complaint(clerk_a, topic="finance")
    elsewhere = receive_complaint(clerk_b)
    numbers = {row["number"] for row in as_user(clerk_a).get(URL).json()["results"]}
    assert numbers == {claim.number, other.number}
    assert elsewhere.number not in numbers
    by_topic = as_user(clerk_a).get(URL, {"topic": "claims"}).json()["results"]
    assert [row["number"] for row in by_topic] == [claim.number]
    by_name = as_user(clerk_a).get(URL, {"q": "赵六"}).json()["results"]
    assert [row["number"] for row in by_name] == [claim.number]
    assert as_user(auditor).get(URL).json()["count"] == 3


def test_detail_shows_status_and_deadlines_and_refuses_outsiders(tree, clerk_a, clerk_b, auditor):
    complaint = receive_complaint(clerk_a, topic="claims", severity="minor")
    data = as_user(clerk_a).get(f"{URL}{complaint.pk}/").json()
    assert data["number"] == complaint.number and data["status"] == "open"
    assert {d["rule"] for d in data["deadlines"]} == {
        "CMP-4-response-minor",
        "CMP-6-resolution-minor",
        "REG-2",
        "CMP-5",
    }
    assert all(d["owner"]["id"] == clerk_a.pk for d in data["deadlines"])
    assert as_user(auditor).get(f"{URL}{complaint.pk}/").status_code == 200
    assert as_user(clerk_b).get(f"{URL}{complaint.pk}/").status_code == 404
    assert as_user(clerk_a).get(f"{URL}999999/").status_code == 404


def test_intake_endpoints_are_in_the_schema(client, db):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    assert {"post", "get"} <= set(paths["/api/v1/complaints/"])
    assert "get" in paths["/api/v1/complaints/{id}/"]
