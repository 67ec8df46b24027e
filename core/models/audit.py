"""REG-3: who looked at or exported personal data."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PersonalDataAccess(models.Model):
    class Action(models.TextChoices):
        VIEW = "view", _("Viewed full value")
        EXPORT = "export", _("Exported")

    user = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"), auto_now_add=True)
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    model = models.CharField(_("record type"), max_length=100)
    object_id = models.CharField(_("record"), max_length=64, blank=True)
    fields = models.CharField(_("fields"), max_length=200, blank=True)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    row_count = models.PositiveIntegerField(_("rows"), default=1)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    scope_field = "user__org_unit"

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.user} {self.get_action_display()} {self.model} {self.object_id}"
