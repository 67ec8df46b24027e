from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutletsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "outlets"
    verbose_name = _("Outlets")
