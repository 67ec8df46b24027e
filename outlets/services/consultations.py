"""Consultations at the counter (OUT-14): a question about a product, premium or service
is answered the same day, or the customer is given a concrete reply time which is then
tracked to the answer.

An unanswered question gets a promised reply time: the one the clerk gave the customer,
else the end of the day it was asked (the same-day promise). The OUT-14 timer is a
lead-time rule of zero anchored to that time (core.rules): it falls due exactly when the
promise runs out, on the wall clock, and is met by the answer.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import timers
from core.access import check_can_write
from core.audit import save_with_reason
from core.models import OrgUnit, User
from outlets.models import Consultation, QueueTicket

REPLY_RULE = "OUT-14"


def end_of_day(at: dt.datetime) -> dt.datetime:
    """The end of the local (Beijing) day of `at`: the same-day promise (OUT-14)."""
    local = timezone.localtime(at)
    next_midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time.min)
    return timezone.make_aware(next_midnight) - dt.timedelta(microseconds=1)


def check_consultation(
    *,
    outlet: OrgUnit,
    customer_name: str,
    customer_phone: str,
    topic: str,
    question: str,
    answer: str,
    promised_reply_at: dt.datetime | None,
    asked_at: dt.datetime,
    ticket: QueueTicket | None,
) -> None:
    """Everything that can be wrong with a new consultation, as one ValidationError."""
    errors: dict[str, str] = {}
    if outlet.kind != OrgUnit.Kind.OUTLET:
        errors["outlet"] = _("Consultations are recorded at an outlet.")
    if not customer_name.strip():
        errors["customer_name"] = _("This field is required.")
    if not question.strip():
        errors["question"] = _("This field is required.")
    if topic not in Consultation.Topic.values:
        errors["topic"] = _("Choose what the question is about.")
    if ticket is not None and ticket.outlet_id != outlet.pk:
        errors["ticket"] = _("The ticket was issued at another outlet.")
    if answer.strip():
        if promised_reply_at is not None:
            errors["promised_reply_at"] = _(
                "The question is answered: leave the promised reply time empty."
            )
    else:
        if not customer_phone.strip():
            errors["customer_phone"] = _(
                "A question answered later needs a phone number to reach the customer (OUT-14)."
            )
        if promised_reply_at is not None and promised_reply_at <= asked_at:
            errors["promised_reply_at"] = _("The promised reply time must be later than now.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def consultation_record(
    *,
    by: User,
    outlet: OrgUnit,
    customer_name: str,
    topic: str,
    question: str,
    customer_phone: str = "",
    answer: str = "",
    promised_reply_at: dt.datetime | None = None,
    ticket: QueueTicket | None = None,
    asked_at: dt.datetime | None = None,
) -> Consultation:
    """Record a customer's question at `outlet` (OUT-14): answered on the spot, or with
    a promised reply time (default: the end of today) tracked by an OUT-14 timer owned
    by the recording clerk."""
    check_can_write(by, outlet)
    asked_at = asked_at or timezone.now()
    check_consultation(
        outlet=outlet,
        customer_name=customer_name,
        customer_phone=customer_phone,
        topic=topic,
        question=question,
        answer=answer,
        promised_reply_at=promised_reply_at,
        asked_at=asked_at,
        ticket=ticket,
    )
    consultation = Consultation(
        outlet=outlet,
        ticket=ticket,
        customer_name=customer_name.strip(),
        customer_phone=customer_phone.strip(),
        topic=topic,
        question=question.strip(),
        asked_at=asked_at,
        recorded_by=by,
    )
    if answer.strip():
        consultation.state = Consultation.State.ANSWERED
        consultation.answer = answer.strip()
        consultation.answered_at = asked_at
        consultation.answered_by = by
        return save_with_reason(consultation, by=by)
    consultation.promised_reply_at = promised_reply_at or end_of_day(asked_at)
    save_with_reason(consultation, by=by)
    consultation.reply_timer = timers.timer_start(
        subject=consultation,
        rule_code=REPLY_RULE,
        org_unit=outlet,
        owner=by,
        started_at=asked_at,
        anchor=consultation.promised_reply_at,
        by=by,
    )
    consultation.save(update_fields=["reply_timer"])
    return consultation


@transaction.atomic
def consultation_answer(
    *, consultation: Consultation, by: User, answer: str, at: dt.datetime | None = None
) -> Consultation:
    """Record the reply given to the customer (OUT-14) and meet the reply timer; a
    timer already breached stays breached. Locks the consultation row."""
    check_can_write(by, consultation)
    consultation = (
        Consultation.objects.select_for_update(of=("self",))
        .select_related("reply_timer", "outlet")
        .get(pk=consultation.pk)
    )
    if consultation.state != Consultation.State.OPEN:
        raise ValidationError(_("This consultation is answered already."), code="answered")
    if not answer.strip():
        raise ValidationError({"answer": _("This field is required.")})
    consultation.state = Consultation.State.ANSWERED
    consultation.answer = answer.strip()
    consultation.answered_at = at or timezone.now()
    consultation.answered_by = by
    save_with_reason(consultation, by=by, reason=_("Answered (OUT-14)"))
    if consultation.reply_timer_id:
        timers.timer_meet(timer=consultation.reply_timer, by=by)
    return consultation
