"""Customer satisfaction (OUT-15): after service the customer rates it once, on the
counter tablet or through the QR code printed on the ticket. The satisfaction rate is
satisfied evaluations / evaluations (outlets.selectors_queue)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.access import check_can_write
from core.models import User
from outlets.models import Evaluation, QueueTicket

COMMENT_MAX = Evaluation._meta.get_field("comment").max_length


def check_rating(*, ticket: QueueTicket, rating: int, comment: str, channel: str) -> None:
    """OUT-15: one rating per ticket, only once service is done, 1 to 5 stars."""
    if ticket.state != QueueTicket.State.DONE:
        raise ValidationError(
            _("The service of this ticket is not finished; rate it afterwards."),
            code="not_done",
        )
    if Evaluation.objects.filter(ticket=ticket).exists():
        raise ValidationError(_("This service has been rated already. Thank you."), code="rated")
    errors = {}
    if rating not in Evaluation.Rating.values:
        errors["rating"] = _("Choose a rating.")
    if len(comment) > COMMENT_MAX:
        errors["comment"] = _("At most %(max)d characters.") % {"max": COMMENT_MAX}
    if channel not in Evaluation.Channel.values:
        errors["channel"] = _("Unknown channel.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def evaluation_record(
    *,
    ticket: QueueTicket,
    rating: int,
    channel: str,
    comment: str = "",
    by: User | None = None,
    at: dt.datetime | None = None,
) -> Evaluation:
    """Record the customer's rating of a done ticket (OUT-15). `by` is the member of
    staff holding the counter tablet or the kiosk's account; none for the public QR page,
    where the ticket's unguessable token is the credential. Locks the ticket row, so a
    double submission rates once."""
    if by is not None:
        check_can_write(by, ticket)
    ticket = QueueTicket.objects.select_for_update().get(pk=ticket.pk)
    comment = (comment or "").strip()
    check_rating(ticket=ticket, rating=rating, comment=comment, channel=channel)
    try:
        with transaction.atomic():
            return Evaluation.objects.create(
                outlet_id=ticket.outlet_id,
                ticket=ticket,
                rating=rating,
                comment=comment,
                channel=channel,
                rated_at=at or timezone.now(),
                served_by_id=ticket.served_by_id,
            )
    except IntegrityError:
        raise ValidationError(
            _("This service has been rated already. Thank you."), code="rated"
        ) from None
