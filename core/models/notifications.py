"""The notification interface: an outbox written in the caller's transaction and
delivered idempotently (SLA-2), an in-app inbox for staff, SMS for customers."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    class Channel(models.TextChoices):
        INBOX = "inbox", _("In-app inbox")
        SMS = "sms", _("SMS")

    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    dedup_key = models.CharField(
        _("deduplication key"),
        max_length=200,
        unique=True,
        help_text=_("The same key is written once: a retried breach cannot message twice."),
    )
    org_unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("organisation unit"), on_delete=models.PROTECT
    )
    recipient = models.ForeignKey(
        "core.User",
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    provider_ref = models.CharField(_("provider reference"), max_length=100, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(delivered_at__isnull=True),
                name="outbox_undelivered",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel="inbox", recipient__isnull=False)
                | Q(channel="sms") & ~Q(phone=""),
                name="outbox_has_address",
            )
        ]

    def __str__(self):
        return self.subject


class Notification(models.Model):
    """An in-app inbox entry for a member of staff."""

    recipient = models.ForeignKey(
        "core.User", on_delete=models.CASCADE, related_name="notifications"
    )
    source = models.OneToOneField(
        OutboxMessage, null=True, blank=True, on_delete=models.PROTECT, related_name="notification"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    scope_field = "recipient__org_unit"

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]

    def __str__(self):
        return self.title
