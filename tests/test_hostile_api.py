"""Hostile input on the API's creating endpoints (issue 8): wrong types in each field,
injection strings, over-long strings, bodies that are not JSON or not declared as such.

Every one is a 4xx (400 for a bad body, 415 for an unsupported content type), never a
500, and a refused request stores nothing.
"""

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import models
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from claims_assist.models import ClaimCase
from complaints.models import Complaint
from outlets.models import Consultation
from publicity.models import Objection
from tests.claims_assist.conftest import claims_book  # noqa: F401 (a fixture used here)
from tests.publicity.conftest import group_policy, make_notice  # noqa: F401 (fixtures)
from tests.underwriting.conftest import book  # noqa: F401 (a fixture used here)
from tests.underwriting.factories import resident_id
from underwriting.models import Customer, Policy

SQL = "'; DROP TABLE underwriting_customer; --"
SCRIPT = "<script>alert(1)</script>"

# JSON nested deeper than any field of ours: parsed, then refused by the serializer.
DEEP = json.dumps({"name": json.loads("[" * 500 + "]" * 500)})

# Values of the wrong type (or shape, or size) tried in every field of a valid body.
WRONG_VALUES = {
    "null": None,
    "list": ["a", "b"],
    "object": {"a": 1},
    "bool": True,
    "huge_int": 10**30,
    "negative_huge": -(10**30),
    "float_nan_text": "NaN",
    "bad_date": "2026-13-45",
    "bad_datetime": "2026-02-30T25:61:00",
    "long_text": "长" * 10_000,
    "nul_byte": "a\x00b",
    "emoji_and_rtl": "\U0001f600\u202e",
}


@dataclass
class Endpoint:
    url: Callable  # (world) -> str
    body: Callable  # (world) -> dict, a valid request body
    model: type[models.Model]
    user: str | None  # fixture name of the caller; None = anonymous (public)
    fixtures: tuple[str, ...] = ()


def _customer_body(w):
    return {"kind": "farmer", "name": "王五", "id_number": resident_id(99), "phone": "13800138000"}


ENDPOINTS = {
    "customer": Endpoint(
        url=lambda w: "/api/v1/customers/",
        body=_customer_body,
        model=Customer,
        user="clerk_a",
        fixtures=("book",),
    ),
    "policy_quote": Endpoint(
        url=lambda w: "/api/v1/policies/",
        body=lambda w: {
            "product": w["book"].rice.pk,
            "insured": w["book"].farmer_a.pk,
            "quantity": "12.5",
            "application_date": timezone.localdate().isoformat(),
            "expected_minutes": 20,
        },
        model=Policy,
        user="clerk_a",
        fixtures=("book",),
    ),
    "complaint": Endpoint(
        url=lambda w: "/api/v1/complaints/",
        body=lambda w: {
            "topic": "claims",
            "severity": "major",
            "complainant_name": "张三",
            "contact_phone": "13800138000",
            "claim_reference": "LP2026000001",
            "what_happened": "报案三天没有人联系。",
            "what_is_asked": "尽快查勘。",
        },
        model=Complaint,
        user="clerk_a",
    ),
    "consultation": Endpoint(
        url=lambda w: "/api/v1/consultations/create/",
        body=lambda w: {
            "outlet": w["tree"].outlet_a.pk,
            "customer_name": "李四",
            "customer_phone": "13800138000",
            "topic": "product",
            "question": "玉米保险保什么？",
            "promised_reply_at": (timezone.now() + dt.timedelta(hours=3)).isoformat(),
        },
        model=Consultation,
        user="clerk_a",
    ),
    "claim_report": Endpoint(
        url=lambda w: "/api/v1/claim-cases/",
        body=lambda w: {
            "channel": "phone",
            "policy_number": w["claims_book"].rice_a.number,
            "insured_name": "张三",
            "incident_at": (timezone.now() - dt.timedelta(hours=6)).isoformat(),
            "incident_place": "东村一组",
            "cause": "暴雨",
            "course": "连日暴雨，稻田被淹。",
            "reporter_name": "李梅",
            "reporter_phone": "13900139000",
            "reporter_relation": "spouse",
            "estimated_amount": "3000.00",
        },
        model=ClaimCase,
        user="clerk_a",
        fixtures=("claims_book",),
    ),
    "public_objection": Endpoint(
        url=lambda w: f"/api/v1/public/notices/{w['notice'].token}/objections/",
        body=lambda w: {
            "line_position": 2,
            "claim": Objection.Claim.WRONG_QUANTITY,
            "details": "我家实际种了8亩，不是10亩。",
            "raiser_name": "李秀英",
            "contact_phone": "13700001111",
        },
        model=Objection,
        user=None,
        fixtures=("group_policy",),
    ),
}


@pytest.fixture(autouse=True)
def _no_throttling(monkeypatch):
    """The public endpoints allow a few posts per hour and address; here each test sends
    dozens on purpose (throttling has its own tests)."""
    monkeypatch.setattr(ScopedRateThrottle, "allow_request", lambda self, request, view: True)


@pytest.fixture
def world(request, tree, clerk_a):
    """What an endpoint needs, built only when its test asks for it."""
    name = request.node.callspec.params["name"]
    w = {"tree": tree, "clerk_a": clerk_a}
    for fixture in ENDPOINTS[name].fixtures:
        w[fixture] = request.getfixturevalue(fixture)
    if "group_policy" in w:
        w["notice"] = make_notice(w["group_policy"], clerk_a, posted_days_ago=1)
    return w


def client(world, endpoint: Endpoint) -> APIClient:
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if endpoint.user:
        api.force_authenticate(world[endpoint.user])
    return api


def count(endpoint: Endpoint) -> int:
    return endpoint.model.objects.count()


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_valid_body_is_accepted(name, world):
    # The baseline the mutations below start from: without it they would prove nothing.
    endpoint = ENDPOINTS[name]
    response = client(world, endpoint).post(endpoint.url(world), endpoint.body(world), "json")
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("kind", sorted(WRONG_VALUES))
@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_wrong_types_in_every_field_are_4xx_and_store_nothing(name, kind, world):
    endpoint = ENDPOINTS[name]
    api = client(world, endpoint)
    failures = []
    for field in endpoint.body(world):
        before = count(endpoint)
        body = endpoint.body(world) | {field: WRONG_VALUES[kind]}
        response = api.post(endpoint.url(world), body, format="json")
        status = response.status_code
        if status >= 500:
            failures.append((field, status))
        elif status >= 400:
            if count(endpoint) != before:
                failures.append((field, "stored on a refusal"))
            if status == 400 and "error" not in response.json():
                failures.append((field, "400 without the error envelope"))
        elif status == 201:
            # Accepted: only when the value is a sane reading of the field (a number sent
            # as text, say); then it must be stored as text, never interpreted.
            assert kind not in ("object", "list"), (field, kind)
            endpoint.model.objects.filter(pk=response.json().get("id")).delete()
    assert not failures, failures


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_list_or_object_for_text_is_400(name, world):
    endpoint = ENDPOINTS[name]
    api = client(world, endpoint)
    before = count(endpoint)
    for field, value in endpoint.body(world).items():
        if not isinstance(value, str):
            continue
        for wrong in ([value], {"value": value}):
            response = api.post(endpoint.url(world), endpoint.body(world) | {field: wrong}, "json")
            assert response.status_code == 400, (field, wrong, response.status_code)
    assert count(endpoint) == before


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_injection_strings_are_stored_verbatim(name, world):
    endpoint = ENDPOINTS[name]
    api = client(world, endpoint)
    text_fields = [
        field
        for field, value in endpoint.body(world).items()
        if isinstance(value, str)
        and field
        in (
            "name",
            "complainant_name",
            "what_happened",
            "customer_name",
            "question",
            "course",
            "details",
            "raiser_name",
            "incident_place",
        )
    ]
    for payload in (SQL, SCRIPT):
        body = endpoint.body(world) | dict.fromkeys(text_fields, payload)
        if name == "customer":
            body["id_number"] = resident_id(100 + len(payload))
        response = api.post(endpoint.url(world), body, format="json")
        assert response.status_code == 201, response.content
        # The public objection answers without its id (its reference is enough there).
        stored = endpoint.model.objects.latest("pk")
        for field in text_fields:
            assert getattr(stored, field) == payload


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
@pytest.mark.parametrize(
    ("body", "content_type", "statuses"),
    [
        ("{not json", "application/json", {400}),
        ('["a", "list"]', "application/json", {400}),
        ("null", "application/json", {400}),
        ('"a string"', "application/json", {400}),
        ("\xff\xfe", "application/json", {400}),
        ("<xml/>", "application/xml", {415}),
        ("name=x", "text/plain", {415}),
        (DEEP, "application/json", {400}),
    ],
    ids=["broken", "array", "null", "string", "bad_utf8", "xml", "text", "deep"],
)
def test_bodies_that_are_not_json_objects_are_4xx(name, body, content_type, statuses, world):
    endpoint = ENDPOINTS[name]
    before = count(endpoint)
    response = client(world, endpoint).generic(
        "POST", endpoint.url(world), body.encode("latin-1"), content_type
    )
    assert response.status_code in statuses, (response.status_code, response.content[:300])
    assert count(endpoint) == before


def test_a_30_mb_json_body_is_refused(tree, clerk_a):
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(clerk_a)
    body = json.dumps({"kind": "farmer", "name": "x" * (30 * 1024 * 1024)})
    response = api.generic("POST", "/api/v1/customers/", body, "application/json")
    assert response.status_code in (400, 413)
    assert not Customer.objects.exists()
