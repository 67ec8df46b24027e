from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutletsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "outlets"
    verbose_name = _("Outlets")

    def ready(self):
        # Register the outlet timer handlers (OUT-5, OUT-10, OUT-11, OUT-12, OUT-14, OUT-16).
        from outlets import handlers_hours, handlers_queue, handlers_registry  # noqa: F401
