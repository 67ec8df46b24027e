from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClaimsAssistConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "claims_assist"
    verbose_name = _("Claims assist")

    def ready(self):
        # Registers the CLM-6 expiry warning's breach handler with core.timers.
        from claims_assist import handlers  # noqa: F401
