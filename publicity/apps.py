from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "publicity"
    verbose_name = _("Publicity")

    def ready(self):
        # Register the timer handlers (PUB-4, PUB-4-close, PUB-5) with core.timers.
        from publicity import handlers  # noqa: F401
        from publicity.services import objections  # noqa: F401
