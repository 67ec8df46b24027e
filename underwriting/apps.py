from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UnderwritingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "underwriting"
    verbose_name = _("Underwriting")
