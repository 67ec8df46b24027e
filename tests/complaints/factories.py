"""Factories for complaint records.

`ComplaintFactory` builds a valid complaint directly (no timers, no routing): pass at
least `first_responder`; the receiver, the unit (`org_unit`) and the county follow from
that user unless given. Use `complaints.services.intake.complaint_receive` when a test
needs the intake rules (routing, numbering, timers).
"""

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from complaints.models import (
    Channel,
    Complaint,
    ComplaintEvent,
    ComplaintSettings,
    HandOver,
    Severity,
    Topic,
)


class ComplaintFactory(DjangoModelFactory):
    class Meta:
        model = Complaint

    first_responder = None  # required: the staff member who owns the complaint (CMP-1)
    received_by = factory.SelfAttribute("first_responder")
    org_unit = factory.LazyAttribute(lambda c: c.first_responder.org_unit)
    county = factory.LazyAttribute(lambda c: c.org_unit.county)
    received_at = factory.LazyFunction(timezone.now)
    # CMP-7 format, with a factory sequence instead of the per-day counter.
    number = factory.LazyAttributeSequence(
        lambda c, n: f"{c.county.code}-{timezone.localtime(c.received_at):%Y%m%d}-F{n:04d}"
    )
    channel = Channel.COUNTER
    topic = Topic.UNDERWRITING
    severity = Severity.GENERAL
    urgent = False
    complainant_name = factory.Sequence(lambda n: f"投诉人{n}")
    contact_phone = "13800138000"
    contact_address = "阳山县阳城镇东村一组"
    what_happened = "保单打印后金额与告知的不一致。"
    what_is_asked = "核实并退还多收的保费。"


class ComplaintSettingsFactory(DjangoModelFactory):
    class Meta:
        model = ComplaintSettings
        django_get_or_create = ("county",)


class HandOverFactory(DjangoModelFactory):
    """One link of the CMP-1 chain; does not move the complaint (see the handling
    service for that)."""

    class Meta:
        model = HandOver

    from_user = factory.LazyAttribute(lambda h: h.complaint.first_responder)
    to_unit = factory.LazyAttribute(lambda h: h.to_user.org_unit)
    at = factory.LazyFunction(timezone.now)
    reason = "需要有权限的人处理"


class ComplaintEventFactory(DjangoModelFactory):
    class Meta:
        model = ComplaintEvent

    kind = ComplaintEvent.Kind.NOTE
    at = factory.LazyFunction(timezone.now)
    text = "已致电投诉人。"


def receive_complaint(by, **overrides) -> Complaint:
    """A counter complaint received through the intake service (CMP-1..CMP-4, CMP-7):
    numbered, owned by `by`, with its timers running. Override any keyword of
    complaint_receive (e.g. topic=Topic.CLAIMS for a CMP-5 claim complaint)."""
    from complaints.services.intake import complaint_receive

    fields = {
        "by": by,
        "channel": Channel.COUNTER,
        "topic": Topic.UNDERWRITING,
        "severity": Severity.GENERAL,
        "urgent": False,
        "complainant_name": "张三",
        "contact_phone": "13800138000",
        "what_happened": "保单打印后金额与告知的不一致。",
        "what_is_asked": "核实并退还多收的保费。",
    }
    return complaint_receive(**{**fields, **overrides})
