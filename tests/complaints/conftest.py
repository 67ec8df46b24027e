"""Complaint personas on top of tests/conftest.py: the county's designated receiver
(CMP-2) and complaints received at outlet A's counter by clerk_a (CMP-1)."""

import pytest
from django.utils import translation

from complaints.models import Complaint, ComplaintSettings, Topic
from core.models import Role, User
from tests.complaints.factories import (
    ComplaintFactory,
    ComplaintSettingsFactory,
    receive_complaint,
)
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _english_messages():
    """Services are called here in English so that tests read their messages; pages
    still get the zh-hans default from the middleware, as users do."""
    with translation.override("en"):
        yield


@pytest.fixture
def receiver_b(tree) -> User:
    """The clerk at outlet B whom the county names as its designated receiver."""
    return UserFactory(username="receiver_b", org_unit=tree.outlet_b, role=Role.CLERK)


@pytest.fixture
def complaint_settings(tree, receiver_b) -> ComplaintSettings:
    """CMP-2: letters and online complaints naming no department go to receiver_b."""
    return ComplaintSettingsFactory(county=tree.county, designated_receiver=receiver_b)


@pytest.fixture
def complaint_a(clerk_a) -> Complaint:
    """A counter complaint received and owned by clerk_a at outlet A (no timers)."""
    return ComplaintFactory(first_responder=clerk_a)


@pytest.fixture
def counter_complaint(clerk_a) -> Complaint:
    """Received at outlet A's counter by clerk_a through the intake service: numbered,
    with CMP-4-response-general, CMP-6-resolution-general and REG-2 running."""
    return receive_complaint(clerk_a)


@pytest.fixture
def claim_complaint(clerk_a) -> Complaint:
    """A claim complaint received by clerk_a: also the CMP-5 forwarding timer runs."""
    return receive_complaint(clerk_a, topic=Topic.CLAIMS, claim_reference="LP2026000123")
