"""Consultations (OUT-14): answered the same day, or by a concrete reply time given to
the customer that is tracked by a timer until the answer."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.access import NotInScope, ReadOnlyRole
from core.models import OutboxMessage, SlaTimer
from core.timers import timers_sweep
from outlets.models import Consultation
from outlets.selectors_queue import consultation_list
from outlets.services import consultations as services
from tests.outlets.queue_support import MORNING, issue

pytestmark = pytest.mark.django_db


def record(outlet, by, **fields):
    values = {
        "customer_name": "李四",
        "customer_phone": "13800138000",
        "topic": Consultation.Topic.PREMIUM,
        "question": "水稻保险今年每亩保费多少？",
        "asked_at": MORNING,
        **fields,
    }
    return services.consultation_record(by=by, outlet=outlet, **values)


def test_out_14_answered_on_the_spot_needs_no_timer(tree, clerk_a):
    consultation = record(tree.outlet_a, clerk_a, answer="每亩保费 15 元，农户自付 3 元。")

    assert consultation.state == Consultation.State.ANSWERED
    assert consultation.answered_at == MORNING
    assert consultation.answered_by == clerk_a
    assert consultation.reply_timer is None
    assert consultation.promised_reply_at is None


def test_out_14_promised_reply_time_is_tracked_by_a_timer(tree, clerk_a):
    promised = MORNING + dt.timedelta(days=1, hours=2)
    consultation = record(tree.outlet_a, clerk_a, promised_reply_at=promised)

    timer = consultation.reply_timer
    assert consultation.state == Consultation.State.OPEN
    assert timer.rule.code == "OUT-14"
    assert timer.subject == consultation
    assert timer.owner == clerk_a
    assert timer.due_at == promised


def test_out_14_without_a_promise_the_reply_is_due_the_same_day(tree, clerk_a):
    consultation = record(tree.outlet_a, clerk_a)

    end_of_day = timezone.make_aware(dt.datetime(2026, 3, 3, 23, 59, 59, 999999))
    assert consultation.promised_reply_at == end_of_day
    assert consultation.reply_timer.due_at == end_of_day


def test_out_14_answer_meets_the_timer(tree, clerk_a):
    consultation = record(tree.outlet_a, clerk_a)

    consultation = services.consultation_answer(
        consultation=consultation, by=clerk_a, answer="已电话告知：每亩 15 元。"
    )

    assert consultation.state == Consultation.State.ANSWERED
    assert consultation.answered_by == clerk_a
    assert SlaTimer.objects.get(pk=consultation.reply_timer_id).state == SlaTimer.State.MET
    with pytest.raises(ValidationError) as error:
        services.consultation_answer(consultation=consultation, by=clerk_a, answer="again")
    assert error.value.code == "answered"


def test_out_14_overdue_reply_tells_the_clerk_and_the_head_once(tree, clerk_a, outlet_head_a):
    consultation = record(tree.outlet_a, clerk_a, promised_reply_at=MORNING + dt.timedelta(hours=3))

    assert timers_sweep(now=MORNING + dt.timedelta(hours=2)).breached == 0
    assert timers_sweep(now=MORNING + dt.timedelta(hours=3, minutes=1)).breached == 1
    assert timers_sweep(now=MORNING + dt.timedelta(hours=4)).breached == 0

    messages = OutboxMessage.objects.filter(
        dedup_key__startswith=f"consultation:{consultation.pk}:"
    )
    assert {m.recipient for m in messages} == {clerk_a, outlet_head_a}
    # Answered late: the answer is recorded, the breach stays.
    services.consultation_answer(consultation=consultation, by=clerk_a, answer="已答复。")
    assert SlaTimer.objects.get(pk=consultation.reply_timer_id).state == SlaTimer.State.BREACHED


def test_out_14_a_later_answer_needs_the_customers_phone(tree, clerk_a):
    with pytest.raises(ValidationError) as error:
        record(tree.outlet_a, clerk_a, customer_phone="")
    assert "customer_phone" in error.value.message_dict
    assert not Consultation.objects.exists()


def test_out_14_promise_must_be_later_and_not_beside_an_answer(tree, clerk_a):
    with pytest.raises(ValidationError) as error:
        record(tree.outlet_a, clerk_a, promised_reply_at=MORNING - dt.timedelta(minutes=1))
    assert "promised_reply_at" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        record(
            tree.outlet_a,
            clerk_a,
            answer="每亩 15 元。",
            promised_reply_at=MORNING + dt.timedelta(hours=1),
        )
    assert "promised_reply_at" in error.value.message_dict


def test_out_14_consultation_linked_to_a_ticket_of_the_same_outlet(tree, clerk_a, clerk_b):
    ticket = issue(tree.outlet_a, clerk_a)
    assert record(tree.outlet_a, clerk_a, ticket=ticket).ticket == ticket

    other = issue(tree.outlet_b, clerk_b)
    with pytest.raises(ValidationError) as error:
        record(tree.outlet_a, clerk_a, ticket=other)
    assert "ticket" in error.value.message_dict


def test_out_14_scope_and_read_only(tree, clerk_a, clerk_b, auditor):
    consultation = record(tree.outlet_a, clerk_a)
    with pytest.raises(NotInScope):
        record(tree.outlet_a, clerk_b)
    with pytest.raises(ReadOnlyRole):
        record(tree.outlet_a, auditor)
    with pytest.raises(NotInScope):
        services.consultation_answer(consultation=consultation, by=clerk_b, answer="x")
    assert list(consultation_list(user=clerk_b)) == []
    assert list(consultation_list(user=auditor)) == [consultation]
