"""The platform's notification interface.

Callers write to the outbox inside their own transaction (so a breach and its message
commit together); `outbox_deliver` hands the rows to their channel later, idempotently:
an inbox row is created in the same transaction that marks the message delivered, and an
SMS carries the outbox id as its idempotency key for the gateway.
"""

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from core.models import MANAGER_ROLES, Notification, OrgUnit, OutboxMessage, Role, User

logger = logging.getLogger(__name__)


class ConsoleSmsBackend:
    """Development backend: logs the SMS; the outbox row is the record of it."""

    def send(self, *, message: OutboxMessage) -> str:
        logger.info("SMS to %s: %s", message.phone, message.body)
        return f"console-{message.pk}"


def _write(**fields) -> OutboxMessage | None:
    try:
        with transaction.atomic():
            return OutboxMessage.objects.create(**fields)
    except IntegrityError:
        # The same dedup key was written before: the message exists already.
        return None


def responsible_managers(org_unit: OrgUnit) -> list[User]:
    """Who answers for a unit: its outlet heads, else the managers above it."""
    ids = [int(part) for part in org_unit.path.strip("/").split("/")]
    heads = User.objects.filter(is_active=True, role=Role.OUTLET_HEAD, org_unit_id=org_unit.pk)
    if heads:
        return list(heads)
    return list(User.objects.filter(is_active=True, role__in=MANAGER_ROLES, org_unit_id__in=ids))


def notify_staff(
    *,
    org_unit: OrgUnit,
    subject: str,
    body: str,
    dedup_key: str,
    recipients: Iterable[User] | None = None,
    link: str = "",
) -> list[OutboxMessage]:
    """Queue an in-app message to each recipient (default: the unit's managers)."""
    targets = list(recipients) if recipients is not None else responsible_managers(org_unit)
    written = [
        _write(
            channel=OutboxMessage.Channel.INBOX,
            dedup_key=f"{dedup_key}:u{user.pk}",
            org_unit=org_unit,
            recipient=user,
            subject=subject,
            body=body,
            link=link,
        )
        for user in targets
    ]
    _deliver_soon()
    return [message for message in written if message]


def notify_customer_sms(
    *, org_unit: OrgUnit, phone: str, body: str, dedup_key: str, subject: str = ""
) -> OutboxMessage | None:
    """Queue an SMS to a customer through the configured gateway adapter."""
    message = _write(
        channel=OutboxMessage.Channel.SMS,
        dedup_key=dedup_key,
        org_unit=org_unit,
        phone=phone,
        subject=subject or body[:60],
        body=body,
    )
    _deliver_soon()
    return message


DELIVERY_PENDING_KEY = "outbox:delivery-pending"


def _deliver_soon() -> None:
    # Robust: with the broker down the change has committed anyway and the beat's own
    # delivery run sends the message later; the request or sweep must not fail.
    transaction.on_commit(_enqueue_delivery, robust=True)


def _enqueue_delivery() -> None:
    """One queued delivery covers every message written before it runs: a sweep that
    breaches a thousand timers queues one task, not a thousand. The key expires, so a
    lost task only delays delivery until the next one (or the beat's own run)."""
    from core.tasks import deliver_outbox

    if cache.add(DELIVERY_PENDING_KEY, True, timeout=30):
        deliver_outbox.delay()


def outbox_deliver(*, batch_size: int = 100) -> int:
    """Deliver pending outbox rows, each claimed with SKIP LOCKED. Returns how many."""
    delivered = 0
    sms = import_string(settings.SMS_BACKEND)()
    while True:
        with transaction.atomic():
            batch = list(
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(delivered_at__isnull=True, attempts__lt=10)
                .order_by("created_at")[:batch_size]
            )
            for message in batch:
                try:
                    with transaction.atomic():
                        if message.channel == OutboxMessage.Channel.INBOX:
                            Notification.objects.create(
                                recipient=message.recipient,
                                source=message,
                                title=message.subject,
                                body=message.body,
                                link=message.link,
                            )
                        else:
                            message.provider_ref = sms.send(message=message)
                        message.delivered_at = timezone.now()
                        message.save(update_fields=["delivered_at", "provider_ref"])
                        delivered += 1
                except Exception as exc:
                    logger.exception("outbox message %s failed", message.pk)
                    message.attempts += 1
                    message.last_error = f"{type(exc).__name__}: {exc}"
                    message.save(update_fields=["attempts", "last_error"])
        if len(batch) < batch_size:
            return delivered


def notification_mark_read(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification
