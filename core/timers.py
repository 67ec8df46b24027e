"""SLA-1..SLA-6: starting, pausing, ending and sweeping durable timers.

Apps start a timer on a record with `timer_start(subject=…, rule_code=…)` and register
what happens on breach with `@breach_handler("CMP-5")`. The beat task calls
`timers_sweep()`, which acts on each due timer exactly once (SLA-2).
"""

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import clocks
from core.models import Clock, OrgUnit, SlaTimer, SweepHeartbeat, TimerEvent, TimerPause, TimerRule
from core.selectors import county_override

logger = logging.getLogger(__name__)

BreachHandler = Callable[[SlaTimer], None]
_handlers: dict[str, BreachHandler] = {}
# Rules whose due time is a period elapsing rather than a deadline missed (PUB-4's
# minimum notice period): the sweep ends them as met, not breached.
_period_rules: set[str] = set()

SWEEP_HEARTBEAT = "sla-sweep"


class TimerStateError(ValidationError):
    """The timer is not in a state that allows this step."""


def breach_handler(
    rule_code: str, *, period: bool = False
) -> Callable[[BreachHandler], BreachHandler]:
    """Register the action for a rule's breach. It runs inside the sweep's transaction
    with the timer row locked; its side effects must be database writes (outbox rows,
    flags, follow-up timers) so that they commit or roll back with the breach.

    `period=True` marks a minimum period rather than a deadline: at its due time the
    action runs once in the same way, but the timer ends as met (it is no breach)."""

    def register(func: BreachHandler) -> BreachHandler:
        _handlers[rule_code] = func
        if period:
            _period_rules.add(rule_code)
        return func

    return register


def handler_for(rule_code: str) -> BreachHandler:
    return _handlers.get(rule_code, _notify_owner)


def _notify_owner(timer: SlaTimer) -> None:
    """Default breach action: tell the owner (or the unit's managers) in the inbox."""
    from core.notifications import notify_staff

    notify_staff(
        recipients=[timer.owner] if timer.owner_id else None,
        org_unit=timer.org_unit,
        subject=_("Deadline breached: %(rule)s") % {"rule": timer.rule},
        body=timer.rule.on_breach,
        dedup_key=f"timer:{timer.pk}:breach",
        link=reverse("timer_detail", args=[timer.pk]),
    )


def rule_for(*, code: str, county: OrgUnit | None) -> TimerRule:
    """The county's override of a rule if it has one, else the default."""
    rule = county_override(TimerRule.objects.filter(code=code), county=county)
    if rule is None:
        raise TimerRule.DoesNotExist(f"no timer rule {code}")
    return rule


def timer_start(
    *,
    subject: models.Model,
    rule_code: str,
    org_unit: OrgUnit,
    owner=None,
    started_at: dt.datetime | None = None,
    by=None,
    not_after: dt.datetime | None = None,
    anchor: dt.datetime | None = None,
) -> SlaTimer:
    """Start the rule's timer on `subject`; the deadline comes from the clock service.

    `not_after` is an outer bound (a regulator's) that the deadline never passes, now or
    when it is recomputed or resumed later. A lead-time rule needs `anchor`, the date it
    warns ahead of (a lease end): it is due the rule's duration before it, on the wall
    clock, and follows the rule when a manager changes the lead time."""
    county = org_unit.county
    rule = rule_for(code=rule_code, county=county)
    started_at = started_at or timezone.now()
    if rule.lead_time != (anchor is not None):
        raise ValueError(f"rule {rule_code}: an anchor is needed exactly for lead-time rules")
    if anchor is not None:
        deadline = clocks.Deadline(anchor - rule.duration, False)
    else:
        deadline = clocks.add(
            clock=rule.clock, start=started_at, amount=rule.duration, county=county
        )
    timer = SlaTimer.objects.create(
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        rule=rule,
        clock=rule.clock,
        org_unit=org_unit,
        owner=owner,
        budget=rule.duration,
        started_at=started_at,
        due_at=_bounded(deadline.due, not_after),
        not_after=not_after,
        anchor=anchor,
        provisional=deadline.provisional,
    )
    TimerEvent.objects.create(
        timer=timer,
        kind=TimerEvent.Kind.STARTED,
        at=started_at,
        by=by,
        detail=_("Due %(due)s") % {"due": _fmt(deadline.due)},
    )
    return timer


def _bounded(due: dt.datetime | None, not_after: dt.datetime | None) -> dt.datetime | None:
    return min(due, not_after) if due and not_after else due


def _locked(timer: SlaTimer) -> SlaTimer:
    return SlaTimer.objects.select_for_update().select_related("rule", "org_unit").get(pk=timer.pk)


@transaction.atomic
def timer_pause(
    *, timer: SlaTimer, reason: str, by=None, at: dt.datetime | None = None
) -> SlaTimer:
    """SLA-5: stop the clock while waiting on the customer, keeping the remaining time.
    Locks the timer row."""
    timer = _locked(timer)
    if timer.state != SlaTimer.State.RUNNING:
        raise TimerStateError(_("Only a running timer can be paused."))
    if timer.anchor is not None:
        raise TimerStateError(_("A timer anchored to a date cannot be paused."))
    at = at or timezone.now()
    timer.remaining = _remaining_at(timer, at)
    timer.state = SlaTimer.State.PAUSED
    timer.due_at = None
    timer.save(update_fields=["remaining", "state", "due_at"])
    TimerPause.objects.create(timer=timer, paused_at=at, reason=reason, paused_by=by)
    TimerEvent.objects.create(timer=timer, kind=TimerEvent.Kind.PAUSED, at=at, by=by, detail=reason)
    return timer


@transaction.atomic
def timer_resume(*, timer: SlaTimer, by=None, at: dt.datetime | None = None) -> SlaTimer:
    """SLA-5: restart the clock with the time that was left. Locks the timer row."""
    timer = _locked(timer)
    if timer.state != SlaTimer.State.PAUSED:
        raise TimerStateError(_("Only a paused timer can be resumed."))
    at = at or timezone.now()
    timer.pauses.filter(resumed_at__isnull=True).update(resumed_at=at)
    deadline = clocks.add(
        clock=timer.clock, start=at, amount=timer.remaining, county=timer.org_unit.county
    )
    timer.state = SlaTimer.State.RUNNING
    timer.due_at = _bounded(deadline.due, timer.not_after)
    timer.provisional = deadline.provisional
    timer.remaining = None
    timer.save(update_fields=["state", "due_at", "provisional", "remaining"])
    TimerEvent.objects.create(timer=timer, kind=TimerEvent.Kind.RESUMED, at=at, by=by)
    return timer


def _end(timer: SlaTimer, state: str, kind: str, by, detail: str) -> SlaTimer:
    timer = _locked(timer)
    if not timer.is_open:
        return timer
    at = timezone.now()
    timer.pauses.filter(resumed_at__isnull=True).update(resumed_at=at)
    timer.state, timer.ended_at = state, at
    timer.save(update_fields=["state", "ended_at"])
    TimerEvent.objects.create(timer=timer, kind=kind, at=at, by=by, detail=detail)
    return timer


@transaction.atomic
def timer_meet(*, timer: SlaTimer, by=None, detail: str = "") -> SlaTimer:
    """The awaited action happened: the timer stops as met. Idempotent; locks the row."""
    return _end(timer, SlaTimer.State.MET, TimerEvent.Kind.MET, by, detail)


@transaction.atomic
def timer_cancel(*, timer: SlaTimer, by=None, detail: str = "") -> SlaTimer:
    """The deadline no longer applies. Idempotent; locks the row."""
    return _end(timer, SlaTimer.State.CANCELLED, TimerEvent.Kind.CANCELLED, by, detail)


def _remaining_at(timer: SlaTimer, at: dt.datetime) -> dt.timedelta:
    left = clocks.measure(
        clock=timer.clock, start=at, end=timer.due_at, county=timer.org_unit.county
    ).amount
    return max(left, dt.timedelta(0))


def _replay(
    timer: SlaTimer, calendar: clocks.Calendar
) -> tuple[clocks.Deadline | None, dt.timedelta]:
    """Recompute a timer from its start, budget and pauses (SLA-5): the due time if it is
    running, and the time left."""
    if timer.anchor is not None:
        return clocks.Deadline(timer.anchor - timer.budget, False), timer.budget
    county = timer.org_unit.county
    remaining = timer.budget
    cursor = timer.started_at
    provisional = False
    for pause in timer.pauses.all():
        used = clocks.measure(
            clock=timer.clock, start=cursor, end=pause.paused_at, county=county, calendar=calendar
        )
        remaining = max(remaining - used.amount, dt.timedelta(0))
        provisional = provisional or used.provisional
        if pause.resumed_at is None:
            return None, remaining
        cursor = pause.resumed_at
    deadline = clocks.add(
        clock=timer.clock, start=cursor, amount=remaining, county=county, calendar=calendar
    )
    return clocks.Deadline(deadline.due, deadline.provisional or provisional), remaining


def timers_recompute(*, queryset: models.QuerySet | None = None, reason: str = "") -> int:
    """SLA-4/SLA-5: recompute the open timers after a rule's duration or the calendar
    changed. Each timer is locked while it is rewritten; returns how many changed."""
    queryset = queryset if queryset is not None else SlaTimer.objects.all()
    calendar = clocks.Calendar.load()
    changed = 0
    ids = list(queryset.filter(state__in=SlaTimer.OPEN_STATES).values_list("pk", flat=True))
    for pk in ids:
        with transaction.atomic():
            timer = (
                SlaTimer.objects.select_for_update(skip_locked=True)
                .select_related("rule", "org_unit")
                .filter(pk=pk, state__in=SlaTimer.OPEN_STATES)
                .first()
            )
            if timer is None:
                continue
            old = (timer.budget, timer.due_at, timer.remaining, timer.provisional)
            timer.budget = timer.rule.duration
            deadline, remaining = _replay(timer, calendar)
            if timer.state == SlaTimer.State.PAUSED:
                new = (timer.budget, None, remaining, timer.provisional)
            else:
                due = _bounded(deadline.due, timer.not_after)
                new = (timer.budget, due, None, deadline.provisional)
            if new == old:
                continue
            old_due = timer.due_at
            _budget, timer.due_at, timer.remaining, timer.provisional = new
            timer.save(update_fields=["budget", "due_at", "remaining", "provisional"])
            TimerEvent.objects.create(
                timer=timer,
                kind=TimerEvent.Kind.RECOMPUTED,
                at=timezone.now(),
                detail=_("%(reason)s: due %(old)s → %(new)s")
                % {"reason": reason, "old": _fmt(old_due), "new": _fmt(timer.due_at)},
            )
            changed += 1
    return changed


def _fmt(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"


def timers_recompute_for_rule(*, rule: TimerRule) -> int:
    """SLA-5: a rule changed; recompute the open timers it governs. A county's own rule
    takes over the open timers that ran on the default rule in that county."""
    if rule.county_id:
        SlaTimer.objects.filter(
            state__in=SlaTimer.OPEN_STATES,
            rule__code=rule.code,
            rule__county__isnull=True,
            org_unit__path__startswith=rule.county.path,
        ).update(rule=rule)
    return timers_recompute(
        queryset=SlaTimer.objects.filter(rule=rule),
        reason=_("Rule %(code)s changed") % {"code": rule.code},
    )


def timer_rule_save(*, rule: TimerRule, by=None) -> TimerRule:
    """SLA-5: save a new or changed rule (its floor is checked by the model) and
    recompute the open timers it governs in the worker once the change has committed."""
    from core.audit import save_with_reason
    from core.tasks import recompute_timers_for_rule

    rule.full_clean()
    save_with_reason(rule, by=by)
    recompute_timers_for_rule.delay_on_commit(rule.pk)
    return rule


def timers_recompute_for_year(*, year: int) -> int:
    """SLA-4: a year's calendar was entered or corrected; recompute the calendar-bound
    timers that reach into it (the provisional ones and those due from that year on)."""
    start = clocks._at(dt.date(year, 1, 1), dt.time.min)
    affected = SlaTimer.objects.exclude(clock=Clock.WALL).filter(
        models.Q(provisional=True)
        | models.Q(due_at__gte=start)
        | models.Q(state=SlaTimer.State.PAUSED)
    )
    return timers_recompute(
        queryset=affected, reason=_("Calendar %(year)s changed") % {"year": year}
    )


@dataclass
class SweepResult:
    breached: int = 0
    failed: int = 0
    batches: int = 0


def timers_sweep(*, now: dt.datetime | None = None, batch_size: int | None = None) -> SweepResult:
    """SLA-1/SLA-2: act on every running timer that is due, exactly once.

    Timers are claimed in small batches with SELECT … FOR UPDATE SKIP LOCKED, so two
    sweeps never take the same row. Each breach runs in a savepoint: the handler's
    writes and the BREACHED state commit together, or a failing handler rolls back
    alone and its timer waits for a retry. A unique constraint on the breach event is
    the last guard against a double breach.
    """
    now = now or timezone.now()
    batch_size = batch_size or settings.SLA_SWEEP_BATCH_SIZE
    result = SweepResult()
    started = time.monotonic()
    SweepHeartbeat.objects.update_or_create(
        name=SWEEP_HEARTBEAT, defaults={"last_started_at": timezone.now()}
    )
    skipped: set[int] = set()
    while True:
        with transaction.atomic():
            batch = list(
                SlaTimer.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("rule", "org_unit", "owner")
                .filter(state=SlaTimer.State.RUNNING, due_at__lte=now)
                .filter(models.Q(retry_at__isnull=True) | models.Q(retry_at__lte=now))
                .exclude(pk__in=skipped)
                .order_by("due_at")[:batch_size]
            )
            result.batches += 1
            for timer in batch:
                if _breach(timer, now):
                    result.breached += 1
                else:
                    result.failed += 1
                    skipped.add(timer.pk)
        if len(batch) < batch_size:
            break
    SweepHeartbeat.objects.filter(name=SWEEP_HEARTBEAT).update(
        last_finished_at=timezone.now(),
        last_processed=result.breached,
        last_duration_ms=int((time.monotonic() - started) * 1000),
    )
    return result


def _breach(timer: SlaTimer, now: dt.datetime) -> bool:
    try:
        with transaction.atomic():
            handler_for(timer.rule.code)(timer)
            elapsed = timer.rule.code in _period_rules
            timer.state = SlaTimer.State.MET if elapsed else SlaTimer.State.BREACHED
            timer.ended_at = now
            timer.retry_at, timer.last_error = None, ""
            timer.save(update_fields=["state", "ended_at", "retry_at", "last_error"])
            TimerEvent.objects.create(
                timer=timer,
                kind=TimerEvent.Kind.MET if elapsed else TimerEvent.Kind.BREACHED,
                at=now,
                detail=timer.rule.on_breach,
            )
        return True
    except Exception as exc:
        logger.exception("breach handler for timer %s failed", timer.pk)
        timer.attempts += 1
        timer.retry_at = now + dt.timedelta(
            seconds=settings.SLA_RETRY_BACKOFF_SECONDS * min(2 ** (timer.attempts - 1), 60)
        )
        timer.last_error = f"{type(exc).__name__}: {exc}"
        timer.save(update_fields=["attempts", "retry_at", "last_error"])
        TimerEvent.objects.create(
            timer=timer, kind=TimerEvent.Kind.HANDLER_FAILED, at=now, detail=timer.last_error
        )
        return False


def sweep_heartbeat_age() -> dt.timedelta | None:
    """How long ago the last sweep finished (None if it never ran)."""
    beat = SweepHeartbeat.objects.filter(name=SWEEP_HEARTBEAT).first()
    if beat is None or beat.last_finished_at is None:
        return None
    return timezone.now() - beat.last_finished_at


def sweep_is_stale() -> bool:
    age = sweep_heartbeat_age()
    return age is None or age.total_seconds() > settings.SLA_HEARTBEAT_STALE_SECONDS
