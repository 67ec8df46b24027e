"""CMP-5 / SLA-2: exactly-once escalation under overlapping sweeps, on real database
connections (transactional_db)."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from complaints.models import Escalation, Topic
from complaints.services import escalation as services
from core import timers
from core.models import OutboxMessage, Role, SlaTimer
from tests.complaints.factories import ComplaintFactory
from tests.factories import UserFactory

COMPLAINTS = 12


@pytest.fixture
def due_claims(tree, clerk_a, outlet_head_a):
    """Claim complaints whose CMP-5 timers are all overdue, and two outlet heads."""
    UserFactory(username="head_a2", org_unit=tree.outlet_a, role=Role.OUTLET_HEAD)
    complaints = []
    for _ in range(COMPLAINTS):
        complaint = ComplaintFactory(first_responder=clerk_a, topic=Topic.CLAIMS)
        timers.timer_start(
            subject=complaint,
            rule_code=services.FORWARD_RULE,
            org_unit=complaint.org_unit,
            owner=clerk_a,
            started_at=complaint.received_at - dt.timedelta(days=7),
        )
        complaints.append(complaint)
    return complaints


@pytest.mark.django_db(transaction=True)
def test_cmp_5_two_concurrent_sweeps_escalate_each_step_once(due_claims):
    started = threading.Barrier(2)
    results, errors = [], []

    def sweep():
        try:
            started.wait()
            # Batches of one: the two sweeps interleave over the same due timers.
            results.append(timers.timers_sweep(batch_size=1))
        except Exception as exc:  # a failure in the thread must fail the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sum(r.breached for r in results) == COMPLAINTS
    assert sum(r.failed for r in results) == 0
    assert Escalation.objects.filter(step=1).count() == COMPLAINTS
    assert set(Escalation.objects.values_list("complaint_id", flat=True)) == {
        c.pk for c in due_claims
    }
    # One message per recipient (two outlet heads) per complaint, never more.
    messages = OutboxMessage.objects.filter(dedup_key__contains=":escalation:1:")
    assert messages.count() == 2 * COMPLAINTS
    assert messages.values("dedup_key").distinct().count() == 2 * COMPLAINTS
    assert SlaTimer.objects.filter(rule__code="CMP-5-1").count() == COMPLAINTS


@pytest.mark.django_db(transaction=True)
def test_cmp_5_acting_while_a_sweep_escalates_stops_the_chain_without_deadlock(due_claims, clerk_a):
    """A sweep holds the CMP-5 timer mid-breach while the clerk forwards: the forward
    waits for it, then meets the step timer the sweep started and marks the step acted."""
    complaint = due_claims[0]
    sweep_holds_timer, forward_waiting = threading.Event(), threading.Event()
    errors = []

    def sweep_one():
        try:
            with transaction.atomic():
                timer = (
                    SlaTimer.objects.select_for_update(of=("self",))
                    .select_related("rule", "org_unit", "owner")
                    .get(subject_id=complaint.pk, rule__code=services.FORWARD_RULE)
                )
                sweep_holds_timer.set()
                forward_waiting.wait(timeout=10)
                time.sleep(0.3)  # the forward is now blocked on the timer row
                assert timers._breach(timer, timezone.now())
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    def forward():
        try:
            sweep_holds_timer.wait(timeout=10)
            forward_waiting.set()
            services.complaint_forward_to_claims(by=clerk_a, complaint=complaint)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep_one), threading.Thread(target=forward)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    step = Escalation.objects.get(complaint=complaint)
    assert step.acted_by == clerk_a
    assert SlaTimer.objects.get(subject_id=complaint.pk, rule__code="CMP-5-1").state == (
        SlaTimer.State.MET
    )
    assert timers.timers_sweep(now=timezone.now() + dt.timedelta(days=30)).breached == (
        COMPLAINTS - 1
    )
    assert Escalation.objects.filter(complaint=complaint).count() == 1
