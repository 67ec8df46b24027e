"""The queue over the API (OUT-12, OUT-14, OUT-15), as a ticket kiosk under the county's
API client account drives it: issue, waiting list, call next, serve, done, rate; waits,
satisfaction, evaluations and consultations; scoped by the org tree (OUT-1)."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from core.api.tokens import api_token_create
from core.timers import timers_sweep
from outlets.models import Consultation, Evaluation, QueueTicket
from outlets.services.consultations import consultation_record
from outlets.services.evaluations import evaluation_record
from tests.outlets.queue_support import MORNING, issue, served

pytestmark = pytest.mark.django_db

API = "/api/v1/"


def as_user(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_out_12_kiosk_drives_a_ticket_from_issue_to_rating_with_its_token(tree, api_client_user):
    _token, key = api_token_create(user=api_client_user, name="kiosk")
    kiosk = APIClient()
    kiosk.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    outlet = tree.outlet_a.pk

    issued = kiosk.post(f"{API}outlets/{outlet}/queue/tickets/", {"purpose": "consultation"})
    assert issued.status_code == 201
    ticket = issued.json()
    assert (ticket["number"], ticket["label"], ticket["state"]) == (1, "A001", "waiting")
    assert ticket["wait_timer"] is not None
    assert ticket["rating_url"].endswith(f"/outlets/rate/{QueueTicket.objects.get().rating_token}/")

    board = kiosk.get(f"{API}outlets/{outlet}/queue/").json()
    assert [w["ticket"]["label"] for w in board["waiting"]] == ["A001"]

    called = kiosk.post(f"{API}outlets/{outlet}/queue/call-next/", {"window": "2"})
    assert called.status_code == 200
    assert (called.json()["id"], called.json()["state"]) == (ticket["id"], "called")
    for step, state in (("serve", "serving"), ("done", "done")):
        response = kiosk.post(f"{API}queue-tickets/{ticket['id']}/{step}/")
        assert response.status_code == 200
        assert response.json()["state"] == state

    rated = kiosk.post(
        f"{API}queue-tickets/{ticket['id']}/evaluation/", {"rating": 4}, format="json"
    )
    assert rated.status_code == 201
    assert rated.json()["satisfied"] is True
    assert Evaluation.objects.get().channel == "tablet"

    twice = kiosk.post(f"{API}queue-tickets/{ticket['id']}/evaluation/", {"rating": 1})
    assert twice.status_code == 400
    assert kiosk.post(f"{API}outlets/{outlet}/queue/call-next/").status_code == 204


def test_out_12_wrong_step_and_bad_purpose_are_400(tree, clerk_a):
    client = as_user(clerk_a)
    bad = client.post(f"{API}outlets/{tree.outlet_a.pk}/queue/tickets/", {"purpose": "lunch"})
    assert bad.status_code == 400
    assert not QueueTicket.objects.exists()

    ticket = issue(tree.outlet_a, clerk_a)
    response = client.post(f"{API}queue-tickets/{ticket.pk}/done/")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_out_12_told_of_wait_and_left(tree, clerk_a):
    client = as_user(clerk_a)
    ticket = issue(tree.outlet_a, clerk_a)

    told = client.post(f"{API}queue-tickets/{ticket.pk}/told-of-wait/")
    assert told.status_code == 200 and told.json()["told_of_wait_at"]
    left = client.post(f"{API}queue-tickets/{ticket.pk}/left/")
    assert left.json()["state"] == "left"


def test_out_12_ticket_list_and_waits_per_day(tree, clerk_a, clerk_b, county_manager):
    at = MORNING
    issue(tree.outlet_a, clerk_a, at=at)
    issue(tree.outlet_b, clerk_b, at=at + dt.timedelta(minutes=35))
    timers_sweep(now=at + dt.timedelta(minutes=40))
    day = at.date().isoformat()

    listed = as_user(clerk_b).get(f"{API}queue-tickets/").json()
    assert [t["outlet"]["id"] for t in listed["results"]] == [tree.outlet_b.pk]
    every = as_user(county_manager).get(f"{API}queue-tickets/", {"day": day})
    assert every.json()["count"] == 2

    waits = as_user(county_manager).get(
        f"{API}outlets/{tree.outlet_a.pk}/queue/waits/", {"from": day, "to": day}
    )
    assert waits.json() == [
        {"day": day, "tickets": 1, "timed": 1, "breached": 1, "breached_told": 0}
    ]
    bad = as_user(county_manager).get(
        f"{API}outlets/{tree.outlet_a.pk}/queue/waits/", {"from": "2026-13-01"}
    )
    assert bad.status_code == 400


def test_out_15_satisfaction_and_evaluations(tree, clerk_a, county_manager):
    for rating in (5, 4, 2):
        evaluation_record(ticket=served(tree.outlet_a, clerk_a), rating=rating, channel="qr")
    # Rated just now (the helper serves on a fixed day; the rating time is today).
    period = {"from": timezone.localdate().isoformat(), "to": timezone.localdate().isoformat()}

    result = (
        as_user(county_manager).get(f"{API}outlets/{tree.outlet_a.pk}/satisfaction/", period).json()
    )
    assert (result["evaluations"], result["satisfied"]) == (3, 2)
    assert (result["rate"], result["target"], result["meets_target"]) == ("0.667", "0.800", False)

    listed = as_user(county_manager).get(f"{API}evaluations/", {"outlet": tree.outlet_a.pk})
    assert listed.json()["count"] == 3


def test_out_14_consultations_over_the_api(tree, clerk_a):
    client = as_user(clerk_a)
    promised = (timezone.now() + dt.timedelta(hours=3)).isoformat()

    created = client.post(
        f"{API}consultations/create/",
        {
            "outlet": tree.outlet_a.pk,
            "customer_name": "李四",
            "customer_phone": "13800138000",
            "topic": "product",
            "question": "玉米保险保什么？",
            "promised_reply_at": promised,
        },
        format="json",
    )
    assert created.status_code == 201
    data = created.json()
    assert data["state"] == "open" and data["reply_timer"] is not None
    assert data["customer_phone"] == "138****8000"

    answered = client.post(
        f"{API}consultations/{data['id']}/answer/", {"answer": "保自然灾害。"}, format="json"
    )
    assert answered.json()["state"] == "answered"
    assert client.get(f"{API}consultations/", {"state": "answered"}).json()["count"] == 1

    missing_phone = client.post(
        f"{API}consultations/create/",
        {"outlet": tree.outlet_a.pk, "customer_name": "王五", "topic": "premium", "question": "?"},
        format="json",
    )
    assert missing_phone.status_code == 400
    assert "customer_phone" in missing_phone.json()["error"]["fields"]
    assert Consultation.objects.count() == 1


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "outlets/{outlet}/queue/"),
        ("post", "outlets/{outlet}/queue/tickets/"),
        ("post", "outlets/{outlet}/queue/call-next/"),
        ("get", "outlets/{outlet}/queue/waits/"),
        ("get", "outlets/{outlet}/satisfaction/"),
        ("get", "queue-tickets/{ticket}/"),
        ("post", "queue-tickets/{ticket}/call/"),
        ("post", "queue-tickets/{ticket}/serve/"),
        ("post", "queue-tickets/{ticket}/done/"),
        ("post", "queue-tickets/{ticket}/left/"),
        ("post", "queue-tickets/{ticket}/told-of-wait/"),
        ("post", "queue-tickets/{ticket}/evaluation/"),
        ("get", "consultations/{consultation}/"),
        ("post", "consultations/{consultation}/answer/"),
        ("get", "queue-tickets/?outlet={outlet}"),
        ("get", "evaluations/?outlet={outlet}"),
        ("get", "consultations/?outlet={outlet}"),
    ],
)
def test_out_12_endpoints_refuse_another_outlets_clerk(tree, clerk_a, clerk_b, method, path):
    ticket = issue(tree.outlet_a, clerk_a)
    consultation = consultation_record(
        by=clerk_a,
        outlet=tree.outlet_a,
        customer_name="李四",
        customer_phone="13800138000",
        topic="product",
        question="?",
    )
    url = API + path.format(outlet=tree.outlet_a.pk, ticket=ticket.pk, consultation=consultation.pk)

    client = as_user(clerk_b)
    if method == "get":
        path_part, _, query = url.partition("?")
        response = client.get(path_part, dict([query.split("=")]) if query else None)
    else:
        response = client.post(url, {"purpose": "claim", "rating": 5, "answer": "x"}, format="json")

    assert response.status_code == 404
    ticket.refresh_from_db()
    assert ticket.state == "waiting" and QueueTicket.objects.count() == 1


@pytest.mark.parametrize(
    "path",
    [
        "outlets/{outlet}/queue/tickets/",
        "outlets/{outlet}/queue/call-next/",
        "queue-tickets/{ticket}/serve/",
        "queue-tickets/{ticket}/told-of-wait/",
        "consultations/create/",
    ],
)
def test_out_12_auditor_reads_but_gets_403_on_writes(tree, clerk_a, auditor, path):
    ticket = issue(tree.outlet_a, clerk_a)
    client = as_user(auditor)
    assert client.get(f"{API}outlets/{tree.outlet_a.pk}/queue/").status_code == 200

    url = API + path.format(outlet=tree.outlet_a.pk, ticket=ticket.pk)
    response = client.post(url, {"purpose": "claim", "outlet": tree.outlet_a.pk}, format="json")

    assert response.status_code == 403
    assert QueueTicket.objects.count() == 1
