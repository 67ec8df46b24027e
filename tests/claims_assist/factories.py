"""Factories for claim cases. `ClaimCaseFactory` writes the row directly (reported,
nothing checked) for tests of the later steps; intake itself goes through the service."""

import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from claims_assist.models import CaseType, ClaimCase


class ClaimCaseFactory(DjangoModelFactory):
    class Meta:
        model = ClaimCase

    number = factory.Sequence(lambda n: f"441823-L20261102-{n + 1:04d}")
    channel = ClaimCase.Channel.WALK_IN
    reported_at = factory.LazyFunction(timezone.now)
    stage_changed_at = factory.LazyAttribute(lambda case: case.reported_at)
    incident_at = factory.LazyAttribute(lambda case: case.reported_at - dt.timedelta(hours=5))
    policy_number = factory.LazyAttribute(lambda case: case.policy.number if case.policy else "")
    product = factory.LazyAttribute(lambda case: case.policy.product)
    insured_name = factory.LazyAttribute(
        lambda case: case.policy.insured.name if case.policy and case.policy.insured else "张三"
    )
    insured_id_number = factory.LazyAttribute(
        lambda case: case.policy.insured.id_number if case.policy and case.policy.insured else ""
    )
    incident_place = "东村一组"
    cause = "暴雨"
    course = "连日暴雨，稻田被淹。"
    reporter_name = factory.LazyAttribute(lambda case: case.insured_name)
    reporter_phone = "13800138000"
    reporter_relation = ClaimCase.Relation.SELF
    owner = factory.LazyAttribute(lambda case: case.created_by)
    case_type = factory.LazyFunction(lambda: CaseType.objects.get(code="agriculture"))
