"""Helpers of the queue tests (OUT-12, OUT-14, OUT-15): tickets walked through the
counter at a given time."""

import datetime as dt

from django.utils import timezone

from outlets.models import QueueTicket
from outlets.services import queue as queue_services

# A Tuesday morning at the counter (Beijing time).
MORNING = timezone.make_aware(dt.datetime(2026, 3, 3, 9, 0))


def issue(outlet, by, *, purpose=QueueTicket.Purpose.CONSULTATION, at=None) -> QueueTicket:
    return queue_services.ticket_issue(outlet=outlet, purpose=purpose, by=by, at=at or MORNING)


def served(outlet, clerk, *, purpose=QueueTicket.Purpose.CONSULTATION, at=None) -> QueueTicket:
    """A ticket issued, called, served and done by `clerk`, ready to be rated."""
    at = at or MORNING
    ticket = issue(outlet, clerk, purpose=purpose, at=at)
    ticket = queue_services.ticket_call(
        ticket=ticket, by=clerk, window="1", at=at + dt.timedelta(minutes=5)
    )
    ticket = queue_services.ticket_serve(ticket=ticket, by=clerk, at=at + dt.timedelta(minutes=6))
    return queue_services.ticket_done(ticket=ticket, by=clerk, at=at + dt.timedelta(minutes=15))
