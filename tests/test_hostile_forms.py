"""Hostile input in the browser forms (issue 8): SQL and script injection in every free
text field of the main creating forms, over-long strings and huge forms.

Injection strings must be stored exactly as typed and shown escaped; over-long strings
come back as field errors with nothing stored; a form of 10,000 fields or a 30 MB body is
a 400, never a 500.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import models
from django.test import Client
from django.urls import reverse

from complaints.models import Complaint
from outlets.models import Consultation
from publicity.models import Objection
from tests.complaints.conftest import complaint_settings, receiver_b  # noqa: F401 (fixtures)
from tests.publicity.conftest import group_policy, make_notice  # noqa: F401 (fixtures)
from tests.underwriting.conftest import book  # noqa: F401 (a fixture used here)
from tests.underwriting.factories import resident_id
from underwriting.models import Customer

SQL = "'; DROP TABLE underwriting_customer; --"
SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
PAYLOADS = [SQL, SCRIPT, ATTRIBUTE]
# What must never reach a page unescaped.
RAW_MARKUP = ("<script>alert(1)", "<img src=x")


@dataclass
class Target:
    """One creating form: where it posts, a valid submission, its free-text fields
    (field → model attribute), the model it creates, who reads the record back and on
    which page."""

    url: Callable
    data: Callable
    text_fields: dict[str, str]
    model: type[models.Model]
    reader: str
    detail: Callable
    # Fields with a max_length, and that length.
    limited: dict[str, int]
    public: bool = False


TARGETS = {
    "customer": Target(
        url=lambda w: reverse("underwriting:customer_create"),
        data=lambda w: {
            "kind": "farmer",
            "name": "张三",
            "id_number": resident_id(77),
            "phone": "13800138000",
            "village_group": "东村一组",
            "address": "东村1号",
            "bank_account": "",
            "bank_name": "",
        },
        text_fields={"name": "name", "village_group": "village_group", "address": "address"},
        model=Customer,
        reader="clerk_a",
        detail=lambda obj: reverse("underwriting:customer_detail", args=[obj.pk]),
        limited={"name": 100, "village_group": 100, "address": 200, "bank_name": 60},
    ),
    "complaint_counter": Target(
        url=lambda w: reverse("complaints:complaint_create"),
        data=lambda w: {
            "channel": "counter",
            "topic": "underwriting",
            "severity": "general",
            "complainant_name": "张三",
            "contact_phone": "13800138000",
            "contact_address": "",
            "policy_number": "",
            "claim_reference": "",
            "what_happened": "保单没有收到。",
            "what_is_asked": "补寄保单。",
        },
        text_fields={
            "complainant_name": "complainant_name",
            "contact_address": "contact_address",
            "what_happened": "what_happened",
            "what_is_asked": "what_is_asked",
        },
        model=Complaint,
        reader="clerk_a",
        detail=lambda obj: reverse("complaints:complaint_detail", args=[obj.pk]),
        limited={"complainant_name": 100, "contact_phone": 20},
    ),
    "complaint_online": Target(
        url=lambda w: reverse("complaints:online_form", args=[w["tree"].county.code]),
        data=lambda w: {
            "complainant_name": "王五",
            "contact_phone": "13900139000",
            "topic": "claims",
            "named_department": "",
            "policy_number": "",
            "claim_reference": "",
            "what_happened": "报案三天没有人联系。",
            "what_is_asked": "尽快查勘。",
            "website": "",
        },
        text_fields={
            "complainant_name": "complainant_name",
            "what_happened": "what_happened",
            "what_is_asked": "what_is_asked",
        },
        model=Complaint,
        reader="receiver_b",
        detail=lambda obj: reverse("complaints:complaint_detail", args=[obj.pk]),
        limited={"complainant_name": 100},
        public=True,
    ),
    "notice_objection_public": Target(
        url=lambda w: reverse("publicity:public_notice", args=[w["notice"].token]),
        data=lambda w: {
            "line_position": "2",
            "claim": Objection.Claim.WRONG_QUANTITY,
            "details": "我家实际种了8亩，不是10亩。",
            "raiser_name": "李秀英",
            "contact_phone": "13700001111",
            "website": "",
        },
        text_fields={"details": "details", "raiser_name": "raiser_name"},
        model=Objection,
        reader="clerk_a",
        detail=lambda obj: reverse("publicity:objection_detail", args=[obj.pk]),
        limited={"raiser_name": 100},
        public=True,
    ),
    "consultation": Target(
        url=lambda w: reverse("outlets:consultation_create", args=[w["tree"].outlet_a.pk]),
        data=lambda w: {
            "customer_name": "李四",
            "customer_phone": "13800138000",
            "topic": "premium",
            "question": "保费多少？",
            "answer": "",
        },
        text_fields={"customer_name": "customer_name", "question": "question"},
        model=Consultation,
        reader="clerk_a",
        detail=lambda obj: reverse("outlets:consultation_detail", args=[obj.pk]),
        limited={"customer_name": 60, "customer_phone": 20},
    ),
}


@pytest.fixture
def world(tree, clerk_a, receiver_b, complaint_settings, group_policy):  # noqa: F811
    notice = make_notice(group_policy, clerk_a, posted_days_ago=1)
    return {"tree": tree, "clerk_a": clerk_a, "receiver_b": receiver_b, "notice": notice}


def existing(target: Target) -> set[int]:
    """The fixtures' own records (the underwriting book has customers already)."""
    return set(target.model.objects.values_list("pk", flat=True))


def created(target: Target, before: set[int]):
    return target.model.objects.exclude(pk__in=before)


def client_for(world, target: Target) -> Client:
    client = Client()
    if not target.public:
        client.force_login(world["clerk_a"])
    return client


def reader(world, target: Target) -> Client:
    client = Client()
    client.force_login(world[target.reader])
    return client


@pytest.mark.parametrize("payload", PAYLOADS, ids=["sql", "script", "attribute"])
@pytest.mark.parametrize("name", sorted(TARGETS))
def test_injection_is_stored_as_text_and_shown_escaped(name, payload, world):
    target = TARGETS[name]
    # Given every free-text field of the form carrying the payload
    data = target.data(world) | dict.fromkeys(target.text_fields, payload)
    before = existing(target)
    # When it is submitted
    response = client_for(world, target).post(target.url(world), data)
    # Then the record is created with the text exactly as typed
    assert response.status_code == 302, response.context and response.context["form"].errors
    obj = created(target, before).get()
    for attribute in target.text_fields.values():
        assert getattr(obj, attribute) == payload
    # And the staff page that shows it escapes it
    page = reader(world, target).get(target.detail(obj))
    assert page.status_code == 200
    html = page.content.decode()
    for raw in RAW_MARKUP:
        assert raw not in html
    if payload is not SQL:
        assert "&lt;" in html


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_over_long_strings_are_field_errors_and_store_nothing(name, world):
    target = TARGETS[name]
    before = existing(target)
    for field, limit in target.limited.items():
        data = target.data(world) | {field: "长" * (limit + 1)}
        response = client_for(world, target).post(target.url(world), data)
        # The form comes back (400 on the public forms, 200 on staff pages) with the error.
        assert response.status_code in (200, 400), (field, response.status_code)
        assert field in response.context["form"].errors, field
    assert not created(target, before).exists()


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_ten_thousand_fields_are_a_400(name, world):
    target = TARGETS[name]
    data = target.data(world) | {f"extra{i}": "x" for i in range(10_000)}
    before = existing(target)
    response = client_for(world, target).post(target.url(world), data)
    assert response.status_code == 400
    assert not created(target, before).exists()


@pytest.mark.parametrize("name", ["customer", "complaint_online"])
def test_a_30_mb_body_is_a_400(name, world):
    target = TARGETS[name]
    data = target.data(world) | {"address": "x" * (30 * 1024 * 1024)}
    before = existing(target)
    response = client_for(world, target).post(target.url(world), data)
    assert response.status_code == 400
    assert not created(target, before).exists()
