"""Breach handlers of the counter queue (OUT-12) and the consultation reply (OUT-14).

Both run inside the sweep's transaction with the timer row locked (core.timers): their
writes (the ticket's flag, outbox rows) commit with the breach, exactly once (SLA-2).
"""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import SlaTimer
from core.notifications import notify_staff, responsible_managers
from core.timers import breach_handler
from outlets.models import Consultation, QueueTicket
from outlets.services.consultations import REPLY_RULE
from outlets.services.queue import WAIT_RULE, ticket_mark_breached


@breach_handler(WAIT_RULE)
def wait_breached(timer: SlaTimer) -> None:
    """OUT-12: the customer has waited 30 minutes without being called. The ticket is
    flagged, which counts it among the outlet's breaches of the day, and the outlet head
    is told (once per ticket)."""
    ticket = QueueTicket.objects.select_related("outlet").filter(pk=timer.subject_id).first()
    if ticket is None or not ticket_mark_breached(ticket_id=ticket.pk):
        return
    told = (
        _("The customer had been told of the longer wait.")
        if ticket.told_of_wait_at
        else _("The customer had not been told of a longer wait.")
    )
    notify_staff(
        recipients=responsible_managers(ticket.outlet),
        org_unit=ticket.outlet,
        subject=_("Counter wait over 30 minutes: ticket %(label)s") % {"label": ticket.label},
        body=_(
            "Ticket %(label)s, issued at %(issued)s, was not called within 30 minutes "
            "(OUT-12). %(told)s"
        )
        % {
            "label": ticket.label,
            "issued": timezone.localtime(ticket.issued_at).strftime("%H:%M"),
            "told": told,
        },
        dedup_key=f"ticket:{ticket.pk}:wait-breached",
        link=reverse("outlets:queue_clerk", args=[ticket.outlet_id]),
    )


@breach_handler(REPLY_RULE)
def reply_overdue(timer: SlaTimer) -> None:
    """OUT-14: the reply time promised to the customer passed without an answer; the
    clerk who recorded the question and the outlet head are told."""
    consultation = (
        Consultation.objects.select_related("outlet", "recorded_by")
        .filter(pk=timer.subject_id)
        .first()
    )
    if consultation is None or consultation.state != Consultation.State.OPEN:
        return
    recipients = {consultation.recorded_by, *responsible_managers(consultation.outlet)}
    notify_staff(
        recipients=sorted(recipients, key=lambda user: user.pk),
        org_unit=consultation.outlet,
        subject=_("Consultation reply overdue: %(customer)s")
        % {"customer": consultation.customer_name},
        body=_(
            "The reply promised for %(promised)s has not been given (OUT-14). Call the "
            "customer with the answer and record it."
        )
        % {
            "promised": timezone.localtime(consultation.promised_reply_at).strftime(
                "%Y-%m-%d %H:%M"
            )
        },
        dedup_key=f"consultation:{consultation.pk}:reply-overdue",
        link=reverse("outlets:consultation_detail", args=[consultation.pk]),
    )
