"""Reads of the counter queue (OUT-12), consultations (OUT-14) and satisfaction (OUT-15).

Everything a user asks for goes through core.access: another outlet's ticket is a 404.
The per-outlet figures (waits, satisfaction) take an outlet already fetched in scope.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from core.access import get_in_scope, in_scope
from core.models import OrgUnit
from core.selectors import county_override
from outlets.models import Consultation, Evaluation, OutletSettings, QueueTicket

WAIT_LIMIT = dt.timedelta(minutes=30)
# Until a day has finished services to learn from, a service is assumed to take this long.
DEFAULT_SERVICE_TIME = dt.timedelta(minutes=10)


# Outlets and tickets -----------------------------------------------------------------------
def queue_outlet_get(*, user, pk: int) -> OrgUnit:
    """An outlet in the user's scope (NotInScope otherwise)."""
    return get_in_scope(OrgUnit.objects.filter(kind=OrgUnit.Kind.OUTLET), user, pk=pk)


def ticket_list(
    *,
    user,
    outlet: OrgUnit | None = None,
    day: dt.date | None = None,
    state: str = "",
) -> QuerySet[QueueTicket]:
    tickets = in_scope(QueueTicket.objects.select_related("outlet", "served_by"), user)
    if outlet is not None:
        tickets = tickets.filter(outlet=outlet)
    if day is not None:
        tickets = tickets.filter(day=day)
    if state:
        tickets = tickets.filter(state=state)
    return tickets.order_by("outlet", "day", "number")


def ticket_get(*, user, pk: int) -> QueueTicket:
    return get_in_scope(
        QueueTicket.objects.select_related("outlet", "served_by", "wait_timer"), user, pk=pk
    )


def ticket_by_rating_token(*, token: str) -> QueueTicket | None:
    """The ticket a public rating link points to (OUT-15), or None. No scope: the
    unguessable token is the customer's credential, and the page shows no personal data."""
    if not token or len(token) > QueueTicket._meta.get_field("rating_token").max_length:
        return None
    return (
        QueueTicket.objects.select_related("outlet", "outlet__profile")
        .filter(rating_token=token)
        .first()
    )


@dataclass
class WaitingTicket:
    ticket: QueueTicket
    waited: dt.timedelta
    foreseen: dt.timedelta
    timed: bool  # OUT-12 applies to its purpose

    @property
    def waited_minutes(self) -> int:
        return int(self.waited.total_seconds() // 60)

    @property
    def foreseen_minutes(self) -> int:
        return int(self.foreseen.total_seconds() // 60)

    @property
    def over_limit_foreseen(self) -> bool:
        """OUT-12: a wait beyond 30 minutes is foreseen; tell the customer."""
        return self.timed and self.foreseen > WAIT_LIMIT


@dataclass
class QueueBoard:
    outlet: OrgUnit
    day: dt.date
    waiting: list[WaitingTicket] = field(default_factory=list)
    in_service: list[QueueTicket] = field(default_factory=list)
    recently_called: list[QueueTicket] = field(default_factory=list)
    done: int = 0
    left: int = 0
    breaches: int = 0
    service_time: dt.timedelta = DEFAULT_SERVICE_TIME

    @property
    def service_minutes(self) -> int:
        return max(1, round(self.service_time.total_seconds() / 60))


def _service_time(tickets: list[QueueTicket]) -> dt.timedelta:
    spans = [t.done_at - t.called_at for t in tickets if t.done_at and t.called_at]
    if not spans:
        return DEFAULT_SERVICE_TIME
    return sum(spans, dt.timedelta(0)) / len(spans)


def queue_board(*, outlet: OrgUnit, now: dt.datetime | None = None) -> QueueBoard:
    """The day's queue of `outlet`: who waits (oldest first, with the wait so far and
    the wait foreseen, OUT-12), who is at a counter, the last calls and the counts.

    The foreseen wait is the wait so far plus the services ahead of the customer at the
    day's average service time, shared over the windows working now."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    tickets = list(
        QueueTicket.objects.filter(outlet=outlet, day=day)
        .select_related("served_by")
        .order_by("issued_at", "number")
    )
    board = QueueBoard(outlet=outlet, day=day, service_time=_service_time(tickets))
    state = QueueTicket.State
    in_service = [t for t in tickets if t.state in (state.CALLED, state.SERVING)]
    windows = max(1, len({t.window or t.served_by_id for t in in_service}))
    ahead = len(in_service)
    for ticket in tickets:
        if ticket.state == state.WAITING:
            ahead += 1
            board.waiting.append(
                WaitingTicket(
                    ticket=ticket,
                    waited=now - ticket.issued_at,
                    foreseen=now - ticket.issued_at + board.service_time * ahead / windows,
                    timed=ticket.wait_timer_id is not None,
                )
            )
    board.in_service = sorted(in_service, key=lambda t: t.called_at)
    called = [t for t in tickets if t.called_at]
    board.recently_called = sorted(called, key=lambda t: t.called_at, reverse=True)[:6]
    board.done = sum(t.state == state.DONE for t in tickets)
    board.left = sum(t.state == state.LEFT for t in tickets)
    board.breaches = sum(t.wait_breached for t in tickets)
    return board


# Waits (OUT-12) -----------------------------------------------------------------------------
@dataclass(frozen=True)
class DayWaits:
    outlet_id: int
    day: dt.date
    tickets: int
    timed: int
    breached: int
    breached_told: int

    @property
    def breached_untold(self) -> int:
        return self.breached - self.breached_told


def wait_breaches(
    *, user, start: dt.date, end: dt.date, outlet: OrgUnit | None = None
) -> list[DayWaits]:
    """OUT-12: per outlet and day from `start` to `end` (inclusive): tickets, those under
    the 30-minute rule, breaches, and breaches of customers told in advance."""
    tickets = in_scope(QueueTicket.objects.all(), user).filter(day__gte=start, day__lte=end)
    if outlet is not None:
        tickets = tickets.filter(outlet=outlet)
    rows = (
        tickets.values("outlet_id", "day")
        .annotate(
            tickets=Count("pk"),
            timed=Count("pk", filter=Q(wait_timer__isnull=False)),
            breached=Count("pk", filter=Q(wait_breached=True)),
            breached_told=Count("pk", filter=Q(wait_breached=True, told_of_wait_at__isnull=False)),
        )
        .order_by("outlet_id", "day")
    )
    return [DayWaits(**row) for row in rows]


# Satisfaction (OUT-15) ------------------------------------------------------------------------
def satisfaction_target_for(*, outlet: OrgUnit) -> Decimal:
    """OUT-15: the county's target, else the default row's, else 80 %."""
    settings_row = county_override(OutletSettings.objects.all(), county=outlet.county)
    return settings_row.satisfaction_target if settings_row else Decimal("0.800")


@dataclass(frozen=True)
class Satisfaction:
    outlet: OrgUnit
    start: dt.date
    end: dt.date
    evaluations: int
    satisfied: int
    target: Decimal

    @property
    def rate(self) -> Decimal | None:
        """Satisfied evaluations / evaluations (OUT-15); None without evaluations."""
        if not self.evaluations:
            return None
        return (Decimal(self.satisfied) / Decimal(self.evaluations)).quantize(
            Decimal("0.001"), rounding=ROUND_HALF_UP
        )

    @property
    def rate_percent(self) -> Decimal | None:
        return None if self.rate is None else (self.rate * 100).quantize(Decimal("0.1"))

    @property
    def target_percent(self) -> Decimal:
        return (self.target * 100).quantize(Decimal("0.1"))

    @property
    def meets_target(self) -> bool | None:
        return None if self.rate is None else self.rate >= self.target


def _day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    first = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    after = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    return first, after


def satisfaction(*, outlet: OrgUnit, start: dt.date, end: dt.date) -> Satisfaction:
    """OUT-15: the satisfaction rate of `outlet` over the days `start`..`end` (Beijing
    time, inclusive) against the target."""
    first, after = _day_bounds(start, end)
    counts = Evaluation.objects.filter(
        outlet=outlet, rated_at__gte=first, rated_at__lt=after
    ).aggregate(
        evaluations=Count("pk"),
        satisfied=Count("pk", filter=Q(rating__gte=Evaluation.SATISFIED_FROM)),
    )
    return Satisfaction(
        outlet=outlet,
        start=start,
        end=end,
        target=satisfaction_target_for(outlet=outlet),
        **counts,
    )


def evaluation_list(
    *,
    user,
    outlet: OrgUnit | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> QuerySet[Evaluation]:
    evaluations = in_scope(Evaluation.objects.select_related("outlet", "ticket", "served_by"), user)
    if outlet is not None:
        evaluations = evaluations.filter(outlet=outlet)
    if start is not None:
        evaluations = evaluations.filter(rated_at__gte=_day_bounds(start, start)[0])
    if end is not None:
        evaluations = evaluations.filter(rated_at__lt=_day_bounds(end, end)[1])
    return evaluations.order_by("-rated_at", "-pk")


# Consultations (OUT-14) -----------------------------------------------------------------------
def consultation_list(
    *, user, outlet: OrgUnit | None = None, state: str = ""
) -> QuerySet[Consultation]:
    consultations = in_scope(
        Consultation.objects.select_related("outlet", "recorded_by", "reply_timer"), user
    )
    if outlet is not None:
        consultations = consultations.filter(outlet=outlet)
    if state:
        consultations = consultations.filter(state=state)
    return consultations.order_by("-asked_at", "-pk")


def consultation_get(*, user, pk: int) -> Consultation:
    return get_in_scope(
        Consultation.objects.select_related(
            "outlet", "ticket", "recorded_by", "answered_by", "reply_timer"
        ),
        user,
        pk=pk,
    )
