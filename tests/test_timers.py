"""SLA-1, SLA-2, SLA-5, SLA-6: durable timers, the beat sweep and its exactly-once breach."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from core import timers
from core.calendar import calendar_changed
from core.models import (
    CalendarDay,
    CalendarYear,
    Clock,
    Notification,
    OutboxMessage,
    SlaTimer,
    TimerEvent,
    TimerRule,
)
from core.notifications import outbox_deliver

SH = ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


@pytest.fixture
def test_rule(db):
    return TimerRule.objects.create(
        code="TEST-1",
        name="test rule",
        clock=Clock.WALL,
        duration=dt.timedelta(minutes=30),
        on_breach="tell the owner",
    )


@pytest.fixture
def breach_log():
    """A handler for TEST-1 that records each call and writes an outbox row."""
    calls = []

    @timers.breach_handler("TEST-1")
    def handle(timer):
        calls.append(timer.pk)
        timers._notify_owner(timer)

    yield calls
    timers._handlers.pop("TEST-1", None)


def start(subject, unit, owner, *, rule_code="TEST-1", at_time=None):
    return timers.timer_start(
        subject=subject, rule_code=rule_code, org_unit=unit, owner=owner, started_at=at_time
    )


def test_sla_1_timer_is_a_row_with_due_time(tree, clerk_a, test_rule):
    timer = start(tree.outlet_a, tree.outlet_a, clerk_a, at_time=at(2026, 11, 20, 9))
    timer.refresh_from_db()
    assert timer.state == SlaTimer.State.RUNNING
    assert timer.due_at == at(2026, 11, 20, 9, 30)
    assert timer.events.get().kind == TimerEvent.Kind.STARTED


def test_sla_2_sweep_breaches_due_timer_once_and_messages_owner(
    tree, clerk_a, test_rule, breach_log
):
    timer = start(tree.outlet_a, tree.outlet_a, clerk_a, at_time=at(2026, 11, 20, 9))
    assert timers.timers_sweep(now=at(2026, 11, 20, 9, 29)).breached == 0

    result = timers.timers_sweep(now=at(2026, 11, 20, 9, 31))
    again = timers.timers_sweep(now=at(2026, 11, 20, 9, 45))

    assert (result.breached, again.breached) == (1, 0)
    assert breach_log == [timer.pk]
    timer.refresh_from_db()
    assert timer.state == SlaTimer.State.BREACHED
    message = OutboxMessage.objects.get()
    assert message.recipient == clerk_a
    assert outbox_deliver() == 1
    assert outbox_deliver() == 0
    assert Notification.objects.get(recipient=clerk_a).source == message


def test_sla_2_a_handler_that_raises_is_retried_and_fires_once(tree, clerk_a, test_rule, settings):
    settings.SLA_RETRY_BACKOFF_SECONDS = 60
    calls = []

    @timers.breach_handler("TEST-1")
    def flaky(timer):
        calls.append(timer.pk)
        timers._notify_owner(timer)
        if len(calls) == 1:
            raise RuntimeError("SMS gateway down")

    try:
        timer = start(tree.outlet_a, tree.outlet_a, clerk_a, at_time=at(2026, 11, 20, 9))
        first = timers.timers_sweep(now=at(2026, 11, 20, 10))
        timer.refresh_from_db()
        # The failed attempt left nothing behind and the timer waits for its retry.
        assert (first.breached, first.failed) == (0, 1)
        assert timer.state == SlaTimer.State.RUNNING
        assert "SMS gateway down" in timer.last_error
        assert not OutboxMessage.objects.exists()
        assert timers.timers_sweep(now=at(2026, 11, 20, 10, 0, 30)).breached == 0

        assert timers.timers_sweep(now=at(2026, 11, 20, 10, 2)).breached == 1
        assert timers.timers_sweep(now=at(2026, 11, 20, 11)).breached == 0
    finally:
        timers._handlers.pop("TEST-1", None)
    timer.refresh_from_db()
    assert timer.state == SlaTimer.State.BREACHED
    assert len(calls) == 2
    assert OutboxMessage.objects.count() == 1
    assert timer.events.filter(kind=TimerEvent.Kind.BREACHED).count() == 1
    assert timer.events.filter(kind=TimerEvent.Kind.HANDLER_FAILED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_sla_2_two_concurrent_sweeps_fire_each_timer_once(tree, clerk_a, test_rule):
    """Two sweeps on two real database connections overlap; each breach happens once."""
    started = threading.Barrier(2)
    calls = []

    @timers.breach_handler("TEST-1")
    def slow(timer):
        calls.append(timer.pk)
        timers._notify_owner(timer)
        # Hold the row lock long enough for the other sweep to run into it.
        connection.cursor().execute("SELECT pg_sleep(0.05)")

    due = [
        start(tree.outlet_a, tree.outlet_a, clerk_a, at_time=at(2026, 11, 20, 9)) for _ in range(12)
    ]
    results = []

    def sweep():
        try:
            started.wait()
            results.append(timers.timers_sweep(now=at(2026, 11, 20, 12), batch_size=3))
        finally:
            connection.close()

    try:
        threads = [threading.Thread(target=sweep) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        timers._handlers.pop("TEST-1", None)

    assert sum(r.breached for r in results) == len(due)
    assert sorted(calls) == sorted(t.pk for t in due)
    assert OutboxMessage.objects.count() == len(due)
    assert TimerEvent.objects.filter(kind=TimerEvent.Kind.BREACHED).count() == len(due)


def test_sla_5_pause_keeps_remaining_time_and_records_the_pause(tree, clerk_a, test_rule):
    timer = start(tree.outlet_a, tree.outlet_a, clerk_a, at_time=at(2026, 11, 20, 9))
    timers.timer_pause(
        timer=timer, reason="waiting for documents", by=clerk_a, at=at(2026, 11, 20, 9, 10)
    )
    timer.refresh_from_db()
    assert timer.state == SlaTimer.State.PAUSED
    assert timer.remaining == dt.timedelta(minutes=20)
    # A paused timer is never breached.
    assert timers.timers_sweep(now=at(2026, 11, 21)).breached == 0

    timers.timer_resume(timer=timer, by=clerk_a, at=at(2026, 11, 20, 15))
    timer.refresh_from_db()
    assert timer.due_at == at(2026, 11, 20, 15, 20)
    pause = timer.pauses.get()
    assert (pause.paused_at, pause.resumed_at) == (at(2026, 11, 20, 9, 10), at(2026, 11, 20, 15))


def test_sla_5_pause_on_working_days_resumes_with_days_left(tree, clerk_a):
    # CLM-9 runs 3 working days: Monday 16 Nov → end of Thursday 19 Nov.
    timer = start(
        tree.outlet_a, tree.outlet_a, clerk_a, rule_code="CLM-9", at_time=at(2026, 11, 16, 9)
    )
    assert timer.due_at == at(2026, 11, 19, 23, 59, 59)
    # Paused on Tuesday (one day used), resumed the next Monday: two days left.
    timers.timer_pause(timer=timer, reason="customer unreachable", at=at(2026, 11, 17, 11))
    timers.timer_resume(timer=timer, at=at(2026, 11, 23, 9))
    timer.refresh_from_db()
    assert timer.due_at == at(2026, 11, 25, 23, 59, 59)


def test_sla_5_changing_a_rule_recomputes_its_open_timers(tree, clerk_a, test_rule):
    with time_machine.travel(at(2026, 11, 20, 9), tick=False):
        running = start(tree.outlet_a, tree.outlet_a, clerk_a)
        paused = start(tree.outlet_a, tree.outlet_a, clerk_a)
        timers.timer_pause(timer=paused, reason="waiting", at=at(2026, 11, 20, 9, 10))
        met = start(tree.outlet_a, tree.outlet_a, clerk_a)
        timers.timer_meet(timer=met)

    test_rule.duration = dt.timedelta(hours=1)
    test_rule.save()
    assert timers.timers_recompute_for_rule(rule=test_rule) == 2

    running.refresh_from_db()
    paused.refresh_from_db()
    met.refresh_from_db()
    assert running.due_at == at(2026, 11, 20, 10)
    assert paused.remaining == dt.timedelta(minutes=50)
    assert met.due_at == at(2026, 11, 20, 9, 30)  # ended timers keep their history
    assert running.events.filter(kind=TimerEvent.Kind.RECOMPUTED).exists()


def test_sla_4_entering_2027_recomputes_provisional_timers(
    tree, clerk_a, django_capture_on_commit_callbacks
):
    """A deadline crossing into 2027 is provisional until the 2027 calendar is entered."""
    timer = start(
        tree.outlet_a, tree.outlet_a, clerk_a, rule_code="CLM-9", at_time=at(2026, 12, 30, 10)
    )
    assert (timer.due_at, timer.provisional) == (at(2027, 1, 4, 23, 59, 59), True)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        year = CalendarYear.objects.create(year=2027, source=CalendarYear.Source.MANUAL)
        CalendarDay.objects.create(
            calendar_year=year, date=dt.date(2027, 1, 1), kind="holiday", name="元旦"
        )
        calendar_changed(year=2027)
    assert len(callbacks) == 1
    # The recomputation runs as a task; run it here as the worker would.
    from core.tasks import recompute_timers_for_year

    assert recompute_timers_for_year(2027) == 1
    timer.refresh_from_db()
    assert (timer.due_at, timer.provisional) == (at(2027, 1, 5, 23, 59, 59), False)


def test_sla_6_every_step_of_a_timer_is_in_its_history(tree, clerk_a, test_rule, breach_log):
    with time_machine.travel(at(2026, 11, 20, 9), tick=False):
        timer = start(tree.outlet_a, tree.outlet_a, clerk_a)
    timers.timer_pause(timer=timer, reason="waiting", at=at(2026, 11, 20, 9, 5))
    timers.timer_resume(timer=timer, at=at(2026, 11, 20, 9, 20))
    timers.timers_sweep(now=at(2026, 11, 20, 10))
    kinds = list(timer.events.values_list("kind", flat=True))
    assert kinds == ["started", "paused", "resumed", "breached"]


def test_sla_1_heartbeat_goes_stale_without_sweeps(db, settings):
    settings.SLA_HEARTBEAT_STALE_SECONDS = 180
    assert timers.sweep_is_stale()  # never ran
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        timers.timers_sweep()
        assert not timers.sweep_is_stale()
        traveller.shift(dt.timedelta(minutes=4))
        assert timers.sweep_is_stale()


def test_timer_meet_stops_the_clock(tree, clerk_a, test_rule, breach_log):
    timer = start(tree.outlet_a, tree.outlet_a, clerk_a, at_time=at(2026, 11, 20, 9))
    timers.timer_meet(timer=timer, by=clerk_a)
    assert timers.timers_sweep(now=at(2026, 11, 21)).breached == 0
    assert breach_log == []


def test_sla_5_a_bounded_timer_stays_within_its_bound_when_resumed_or_recomputed(tree, clerk_a):
    """REG-2-style outer bounds: the deadline never passes `not_after`, whatever the
    pauses and rule changes do to it."""
    start = dt.datetime(2026, 3, 2, 10, tzinfo=SH)
    bound = start + dt.timedelta(days=3)
    timer = timers.timer_start(
        subject=tree.outlet_a,
        rule_code="PUB-4",
        org_unit=tree.outlet_a,
        owner=clerk_a,
        started_at=start,
        not_after=bound,
    )
    assert timer.due_at == bound  # 7 days, cut to 3

    timers.timer_pause(timer=timer, reason="等待客户补材料", at=start + dt.timedelta(days=1))
    timer = timers.timer_resume(timer=timer, at=start + dt.timedelta(days=2))
    assert timer.due_at == bound

    timers.timers_recompute(queryset=SlaTimer.objects.filter(pk=timer.pk))
    timer.refresh_from_db()
    assert timer.due_at == bound


def test_sla_3_a_lead_time_timer_is_due_ahead_of_its_anchor_and_follows_the_rule(tree, clerk_a):
    """OUT-5: a lease warning is due the lead time before the lease ends; a manager who
    changes the lead time moves it, and it cannot be paused (nothing waits on anyone)."""
    rule = TimerRule.objects.create(
        code="TEST-LEAD",
        name="warn ahead",
        clock=Clock.WALL,
        duration=dt.timedelta(days=90),
        on_breach="tell the head",
        lead_time=True,
    )
    lease_end = at(2027, 6, 30)
    with time_machine.travel(at(2026, 11, 20, 9), tick=False):
        timer = timers.timer_start(
            subject=tree.outlet_a, rule_code="TEST-LEAD", org_unit=tree.outlet_a, anchor=lease_end
        )
        with pytest.raises(timers.TimerStateError):
            timers.timer_pause(timer=timer, reason="no")
    assert timer.due_at == lease_end - dt.timedelta(days=90)

    rule.duration = dt.timedelta(days=30)
    rule.save()
    assert timers.timers_recompute_for_rule(rule=rule) == 1
    timer.refresh_from_db()
    assert timer.due_at == lease_end - dt.timedelta(days=30)


def test_sla_3_a_lead_time_rule_needs_an_anchor_and_others_refuse_one(tree, test_rule):
    TimerRule.objects.create(
        code="TEST-ZERO",
        name="due on the date",
        clock=Clock.WALL,
        duration=dt.timedelta(0),
        on_breach="overdue",
        lead_time=True,
    )
    with pytest.raises(ValueError):
        timers.timer_start(subject=tree.outlet_a, rule_code="TEST-ZERO", org_unit=tree.outlet_a)
    with pytest.raises(ValueError):
        timers.timer_start(
            subject=tree.outlet_a, rule_code="TEST-1", org_unit=tree.outlet_a, anchor=at(2027, 1, 1)
        )
    due = timers.timer_start(
        subject=tree.outlet_a, rule_code="TEST-ZERO", org_unit=tree.outlet_a, anchor=at(2027, 1, 1)
    )
    assert due.due_at == at(2027, 1, 1)
