"""The counter queue of an outlet (OUT-12): take-a-number tickets issued, called, served
and done, and the 30-minute wait.

- Numbers: per outlet and day, from 1, never lost nor given twice. The QueueCounter row
  of (outlet, day) is locked with SELECT … FOR UPDATE until the issuing transaction ends,
  so concurrent issues (the clerk's screen and a kiosk) queue on it for a moment; a
  failed issue rolls its number back with it, so numbers stay gapless.
- OUT-12: a walk-in customer with a consultation or a complaint waits at most 30
  minutes. Their ticket starts an OUT-12 timer (wall clock) at issue, met when the ticket
  is called; its breach flags the ticket (`wait_breached`, counted per outlet and day by
  `outlets.handlers_queue`). When a longer wait is foreseen the clerk records that the
  customer was told (`ticket_told_of_wait`).
- Every step on a ticket locks its row, so two clerks clicking at once cannot call,
  serve or close it twice; "call next" skips tickets another clerk is calling.
"""

import datetime as dt
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import timers
from core.access import check_can_write
from core.models import OrgUnit, SlaTimer, User
from core.sequences import counter_next
from outlets.models import QueueCounter, QueueTicket

WAIT_RULE = "OUT-12"
# OUT-12 names the walk-in customers whose wait is bounded; issuance has its own clock
# (OUT-13) and claims and changes none.
WAIT_RULE_PURPOSES = (QueueTicket.Purpose.CONSULTATION, QueueTicket.Purpose.COMPLAINT)
WINDOW_MAX = QueueTicket._meta.get_field("window").max_length


def _check_outlet(outlet: OrgUnit) -> None:
    if outlet.kind != OrgUnit.Kind.OUTLET or not outlet.is_active:
        raise ValidationError(_("Tickets are issued at an active outlet."), code="not_an_outlet")


def _next_number(*, outlet: OrgUnit, day: dt.date) -> int:
    """The next number of `outlet` on `day`. Locks the QueueCounter row of (outlet, day)
    until the caller's transaction ends (core.sequences)."""
    return counter_next(QueueCounter, field="last_number", outlet=outlet, day=day)


@transaction.atomic
def ticket_issue(
    *, outlet: OrgUnit, purpose: str, by: User, at: dt.datetime | None = None
) -> QueueTicket:
    """Issue the next ticket of the day at `outlet` (OUT-12), by a clerk or a kiosk's
    API account. Locks the outlet's counter row of the day; starts the OUT-12 timer for
    a consultation or a complaint."""
    check_can_write(by, outlet)
    _check_outlet(outlet)
    if purpose not in QueueTicket.Purpose.values:
        raise ValidationError({"purpose": _("Choose what the customer came for.")})
    at = at or timezone.now()
    day = timezone.localdate(at)
    ticket = QueueTicket.objects.create(
        outlet=outlet,
        day=day,
        number=_next_number(outlet=outlet, day=day),
        purpose=purpose,
        issued_at=at,
        issued_by=by,
        rating_token=secrets.token_urlsafe(24),
    )
    if purpose in WAIT_RULE_PURPOSES:
        ticket.wait_timer = timers.timer_start(
            subject=ticket, rule_code=WAIT_RULE, org_unit=outlet, started_at=at, by=by
        )
        ticket.save(update_fields=["wait_timer"])
    return ticket


def _locked(ticket: QueueTicket) -> QueueTicket:
    return (
        QueueTicket.objects.select_for_update(of=("self",))
        .select_related("outlet", "wait_timer")
        .get(pk=ticket.pk)
    )


def _check_state(ticket: QueueTicket, *allowed: str) -> None:
    if ticket.state not in allowed:
        raise ValidationError(
            _("Ticket %(label)s is %(state)s; this step is not possible now.")
            % {"label": ticket.label, "state": ticket.get_state_display()},
            code="wrong_state",
        )


def _check_window(window: str) -> str:
    window = (window or "").strip()
    if len(window) > WINDOW_MAX:
        raise ValidationError({"window": _("At most %(max)d characters.") % {"max": WINDOW_MAX}})
    return window


def _meet_wait(ticket: QueueTicket, *, by: User | None) -> None:
    """OUT-12: the customer was called (or left); the wait timer stops if still running."""
    if ticket.wait_timer_id and ticket.wait_timer.state == SlaTimer.State.RUNNING:
        timers.timer_meet(timer=ticket.wait_timer, by=by)


@transaction.atomic
def ticket_call_next(
    *, outlet: OrgUnit, by: User, window: str = "", at: dt.datetime | None = None
) -> QueueTicket | None:
    """Call the oldest waiting ticket of the day at `outlet` to `window`; None when
    nobody waits. The ticket row is claimed with SKIP LOCKED, so two clerks calling at
    once get two customers. Meets the ticket's OUT-12 timer."""
    check_can_write(by, outlet)
    window = _check_window(window)
    at = at or timezone.now()
    ticket = (
        QueueTicket.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("outlet", "wait_timer")
        .filter(outlet=outlet, day=timezone.localdate(at), state=QueueTicket.State.WAITING)
        .order_by("issued_at", "number")
        .first()
    )
    if ticket is None:
        return None
    return _call(ticket, by=by, window=window, at=at)


def _call(ticket: QueueTicket, *, by: User, window: str, at: dt.datetime) -> QueueTicket:
    ticket.state = QueueTicket.State.CALLED
    ticket.called_at = at
    ticket.served_by = by
    ticket.window = window
    ticket.save(update_fields=["state", "called_at", "served_by", "window"])
    _meet_wait(ticket, by=by)
    return ticket


@transaction.atomic
def ticket_call(
    *, ticket: QueueTicket, by: User, window: str = "", at: dt.datetime | None = None
) -> QueueTicket:
    """Call one waiting ticket out of turn (a customer with an appointment), or call a
    called ticket again to another window. Locks the ticket row."""
    check_can_write(by, ticket)
    window = _check_window(window)
    ticket = _locked(ticket)
    _check_state(ticket, QueueTicket.State.WAITING, QueueTicket.State.CALLED)
    return _call(ticket, by=by, window=window, at=at or timezone.now())


@transaction.atomic
def ticket_serve(*, ticket: QueueTicket, by: User, at: dt.datetime | None = None) -> QueueTicket:
    """The called customer is at the counter: service starts. Locks the ticket row."""
    check_can_write(by, ticket)
    ticket = _locked(ticket)
    _check_state(ticket, QueueTicket.State.CALLED)
    ticket.state = QueueTicket.State.SERVING
    ticket.served_at = at or timezone.now()
    ticket.served_by = by
    ticket.save(update_fields=["state", "served_at", "served_by"])
    return ticket


@transaction.atomic
def ticket_done(*, ticket: QueueTicket, by: User, at: dt.datetime | None = None) -> QueueTicket:
    """Service is over; the customer may now rate it (OUT-15). Locks the ticket row."""
    check_can_write(by, ticket)
    ticket = _locked(ticket)
    _check_state(ticket, QueueTicket.State.SERVING)
    ticket.state = QueueTicket.State.DONE
    ticket.done_at = at or timezone.now()
    ticket.save(update_fields=["state", "done_at"])
    return ticket


@transaction.atomic
def ticket_left(*, ticket: QueueTicket, by: User, at: dt.datetime | None = None) -> QueueTicket:
    """The customer went away before service (or did not come when called). A wait
    still running ends as met: nobody waits any more; a breach already counted stays.
    Locks the ticket row."""
    check_can_write(by, ticket)
    ticket = _locked(ticket)
    _check_state(ticket, QueueTicket.State.WAITING, QueueTicket.State.CALLED)
    ticket.state = QueueTicket.State.LEFT
    ticket.done_at = at or timezone.now()
    ticket.save(update_fields=["state", "done_at"])
    if ticket.wait_timer_id and ticket.wait_timer.state == SlaTimer.State.RUNNING:
        timers.timer_cancel(
            timer=ticket.wait_timer, by=by, detail=_("The customer left before being called.")
        )
    return ticket


@transaction.atomic
def ticket_told_of_wait(
    *, ticket: QueueTicket, by: User, at: dt.datetime | None = None
) -> QueueTicket:
    """OUT-12: the clerk told a waiting customer in advance that the wait will be longer
    than 30 minutes. Recorded once; a breach of a told customer is counted as such.
    Locks the ticket row."""
    check_can_write(by, ticket)
    ticket = _locked(ticket)
    _check_state(ticket, QueueTicket.State.WAITING)
    if ticket.told_of_wait_at is None:
        ticket.told_of_wait_at = at or timezone.now()
        ticket.save(update_fields=["told_of_wait_at"])
    return ticket


def ticket_mark_breached(*, ticket_id: int) -> bool:
    """OUT-12: flag a ticket whose wait passed the limit; runs in the sweep's
    transaction (outlets.handlers_queue). Returns whether it was newly flagged."""
    return bool(
        QueueTicket.objects.filter(pk=ticket_id, wait_breached=False).update(wait_breached=True)
    )
