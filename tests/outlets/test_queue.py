"""The counter queue (OUT-12): numbering per outlet and day, the ticket's steps, the
30-minute wait timer, its breach counted once per ticket, and telling the customer of a
longer wait."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from core.access import NotInScope, ReadOnlyRole
from core.models import OutboxMessage, SlaTimer
from core.timers import timers_sweep
from outlets.models import QueueCounter, QueueTicket
from outlets.selectors_queue import queue_board, wait_breaches
from outlets.services import queue as services
from tests.outlets.queue_support import MORNING, issue

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)


def test_out_12_numbers_start_at_one_per_outlet_and_day(tree, clerk_a, clerk_b):
    first = issue(tree.outlet_a, clerk_a)
    second = issue(tree.outlet_a, clerk_a, purpose=QueueTicket.Purpose.COMPLAINT)
    other_outlet = issue(tree.outlet_b, clerk_b)
    next_day = issue(tree.outlet_a, clerk_a, at=MORNING + dt.timedelta(days=1))

    assert (first.number, second.number, other_outlet.number, next_day.number) == (1, 2, 1, 1)
    assert (first.label, second.label) == ("A001", "B002")
    assert first.day == MORNING.date()
    assert first.rating_token != second.rating_token and len(first.rating_token) >= 32
    counter = QueueCounter.objects.get(outlet=tree.outlet_a, day=MORNING.date())
    assert counter.last_number == 2


def test_out_12_a_failed_issue_gives_its_number_back(tree, clerk_a):
    issue(tree.outlet_a, clerk_a)
    with pytest.raises(RuntimeError), transaction.atomic():
        issue(tree.outlet_a, clerk_a)
        raise RuntimeError("the printer jammed and the caller rolled back")

    assert issue(tree.outlet_a, clerk_a).number == 2


def test_out_12_consultation_and_complaint_tickets_start_the_wait_timer(tree, clerk_a):
    consultation = issue(tree.outlet_a, clerk_a)
    issuance = issue(tree.outlet_a, clerk_a, purpose=QueueTicket.Purpose.ISSUANCE)

    timer = consultation.wait_timer
    assert timer.rule.code == "OUT-12"
    assert timer.subject == consultation
    assert timer.started_at == MORNING
    assert timer.due_at == MORNING + 30 * MINUTE
    # OUT-12 bounds walk-in consultations and complaints; issuance runs on OUT-13.
    assert issuance.wait_timer is None


def test_out_12_call_next_takes_the_oldest_waiting_and_meets_its_timer(tree, clerk_a):
    first = issue(tree.outlet_a, clerk_a)
    issue(tree.outlet_a, clerk_a, at=MORNING + MINUTE)

    called = services.ticket_call_next(
        outlet=tree.outlet_a, by=clerk_a, window="2", at=MORNING + 10 * MINUTE
    )

    assert called.pk == first.pk
    assert (called.state, called.window, called.served_by) == ("called", "2", clerk_a)
    assert called.called_at == MORNING + 10 * MINUTE
    assert SlaTimer.objects.get(pk=first.wait_timer_id).state == SlaTimer.State.MET


def test_out_12_call_next_with_nobody_waiting_returns_none(tree, clerk_a):
    assert services.ticket_call_next(outlet=tree.outlet_a, by=clerk_a, at=MORNING) is None


def test_out_12_steps_in_order_and_wrong_steps_refused(tree, clerk_a):
    ticket = issue(tree.outlet_a, clerk_a)
    with pytest.raises(ValidationError) as error:
        services.ticket_done(ticket=ticket, by=clerk_a)
    assert error.value.code == "wrong_state"

    ticket = services.ticket_call(ticket=ticket, by=clerk_a, window="1")
    ticket = services.ticket_serve(ticket=ticket, by=clerk_a)
    ticket = services.ticket_done(ticket=ticket, by=clerk_a)

    assert ticket.state == QueueTicket.State.DONE
    assert ticket.called_at <= ticket.served_at <= ticket.done_at
    with pytest.raises(ValidationError):
        services.ticket_serve(ticket=ticket, by=clerk_a)


def test_out_12_wait_breach_flags_the_ticket_once_and_tells_the_head(tree, clerk_a, outlet_head_a):
    ticket = issue(tree.outlet_a, clerk_a)
    waiting_in_time = issue(tree.outlet_a, clerk_a, at=MORNING + 20 * MINUTE)

    first = timers_sweep(now=MORNING + 31 * MINUTE)
    again = timers_sweep(now=MORNING + 40 * MINUTE)

    assert (first.breached, again.breached) == (1, 0)
    ticket.refresh_from_db()
    waiting_in_time.refresh_from_db()
    assert ticket.wait_breached and not waiting_in_time.wait_breached
    message = OutboxMessage.objects.get(dedup_key__startswith=f"ticket:{ticket.pk}:wait")
    assert message.recipient == outlet_head_a
    assert "A001" in message.subject
    # Called late, the breach stays counted.
    services.ticket_call_next(outlet=tree.outlet_a, by=clerk_a, at=MORNING + 45 * MINUTE)
    ticket.refresh_from_db()
    assert ticket.wait_breached
    assert SlaTimer.objects.get(pk=ticket.wait_timer_id).state == SlaTimer.State.BREACHED


def test_out_12_wait_breach_counted_once_per_outlet_and_day(tree, clerk_a, clerk_b, county_manager):
    told = issue(tree.outlet_a, clerk_a)
    services.ticket_told_of_wait(ticket=told, by=clerk_a, at=MORNING + 5 * MINUTE)
    issue(tree.outlet_a, clerk_a)
    issue(tree.outlet_a, clerk_a, purpose=QueueTicket.Purpose.CLAIM)
    issue(tree.outlet_b, clerk_b)
    issue(tree.outlet_a, clerk_a, at=MORNING + dt.timedelta(days=1))
    timers_sweep(now=MORNING + 31 * MINUTE)
    timers_sweep(now=MORNING + 32 * MINUTE)

    days = wait_breaches(
        user=county_manager, start=MORNING.date(), end=MORNING.date() + dt.timedelta(days=1)
    )

    rows = {(d.outlet_id, d.day): d for d in days}
    a_today = rows[(tree.outlet_a.pk, MORNING.date())]
    assert (a_today.tickets, a_today.timed, a_today.breached, a_today.breached_told) == (
        3,
        2,
        2,
        1,
    )
    assert a_today.breached_untold == 1
    assert rows[(tree.outlet_b.pk, MORNING.date())].breached == 1
    assert rows[(tree.outlet_a.pk, MORNING.date() + dt.timedelta(days=1))].breached == 0
    # The clerk of outlet B sees only B's figures.
    assert {
        d.outlet_id for d in wait_breaches(user=clerk_b, start=MORNING.date(), end=MORNING.date())
    } == {tree.outlet_b.pk}


def test_out_12_told_of_wait_recorded_once_and_only_while_waiting(tree, clerk_a):
    ticket = issue(tree.outlet_a, clerk_a)
    ticket = services.ticket_told_of_wait(ticket=ticket, by=clerk_a, at=MORNING + MINUTE)
    again = services.ticket_told_of_wait(ticket=ticket, by=clerk_a, at=MORNING + 2 * MINUTE)
    assert again.told_of_wait_at == MORNING + MINUTE

    services.ticket_call(ticket=ticket, by=clerk_a)
    with pytest.raises(ValidationError):
        services.ticket_told_of_wait(ticket=ticket, by=clerk_a)


def test_out_12_customer_who_left_ends_the_wait_without_a_breach(tree, clerk_a):
    ticket = issue(tree.outlet_a, clerk_a)
    ticket = services.ticket_left(ticket=ticket, by=clerk_a, at=MORNING + 10 * MINUTE)

    assert ticket.state == QueueTicket.State.LEFT
    assert SlaTimer.objects.get(pk=ticket.wait_timer_id).state == SlaTimer.State.CANCELLED
    assert timers_sweep(now=MORNING + 31 * MINUTE).breached == 0
    assert services.ticket_call_next(outlet=tree.outlet_a, by=clerk_a, at=MORNING) is None


def test_out_12_board_foresees_waits_beyond_30_minutes(tree, clerk_a):
    for minute in range(5):
        issue(tree.outlet_a, clerk_a, at=MORNING + minute * MINUTE)

    board = queue_board(outlet=tree.outlet_a, now=MORNING + 10 * MINUTE)

    assert [w.ticket.number for w in board.waiting] == [1, 2, 3, 4, 5]
    assert board.waiting[0].waited_minutes == 10
    # One window at the default 10 minutes per customer: the first is called in 10 more
    # minutes (20 in all), the third after 30 (40 in all): over the limit, tell them.
    assert board.waiting[0].foreseen_minutes == 20
    assert not board.waiting[1].over_limit_foreseen
    assert board.waiting[2].over_limit_foreseen


def test_out_12_issue_refused_outside_scope_and_to_read_only_roles(
    tree, clerk_b, auditor, api_client_user
):
    with pytest.raises(NotInScope):
        issue(tree.outlet_a, clerk_b)
    with pytest.raises(ReadOnlyRole):
        issue(tree.outlet_a, auditor)
    # A kiosk under the county's API client account issues at every outlet of the county.
    assert issue(tree.outlet_a, api_client_user).issued_by == api_client_user
    with pytest.raises(NotInScope):
        issue(tree.outlet_c, api_client_user)


def test_out_12_steps_refused_to_another_outlets_clerk(tree, clerk_a, clerk_b):
    ticket = issue(tree.outlet_a, clerk_a)
    with pytest.raises(NotInScope):
        services.ticket_call(ticket=ticket, by=clerk_b)
    with pytest.raises(NotInScope):
        services.ticket_call_next(outlet=tree.outlet_a, by=clerk_b)


@pytest.mark.django_db(transaction=True)
def test_out_12_concurrent_issues_get_distinct_gapless_numbers(tree, clerk_a, api_client_user):
    """Kiosk and clerks issuing at the same instant on separate connections: every
    ticket gets its own number, 1..N without a gap, and the counter says N."""
    workers, per_worker = 6, 5
    start = threading.Barrier(workers)
    numbers, errors = [], []

    def work(user):
        try:
            start.wait()
            for _ in range(per_worker):
                numbers.append(issue(tree.outlet_a, user).number)
        except Exception as exc:  # a failure in the thread must fail the test
            errors.append(exc)
        finally:
            connection.close()

    users = [clerk_a, api_client_user] * (workers // 2)
    threads = [threading.Thread(target=work, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    total = workers * per_worker
    assert errors == []
    assert sorted(numbers) == list(range(1, total + 1))
    stored = QueueTicket.objects.filter(outlet=tree.outlet_a).values_list("number", flat=True)
    assert sorted(stored) == list(range(1, total + 1))
    assert QueueCounter.objects.get(outlet=tree.outlet_a).last_number == total


@pytest.mark.django_db(transaction=True)
def test_out_12_two_clerks_calling_at_once_get_different_customers(tree, clerk_a, outlet_head_a):
    issue(tree.outlet_a, clerk_a)
    issue(tree.outlet_a, clerk_a, at=MORNING + MINUTE)
    start = threading.Barrier(2)
    called, errors = [], []

    def call(user):
        try:
            start.wait()
            ticket = services.ticket_call_next(
                outlet=tree.outlet_a, by=user, at=MORNING + 5 * MINUTE
            )
            called.append(ticket.number if ticket else None)
        except Exception as exc:  # a failure in the thread must fail the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=call, args=(user,)) for user in (clerk_a, outlet_head_a)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(called) == [1, 2]
