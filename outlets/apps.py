from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _create_defaults(sender, **kwargs):
    from outlets.defaults import ensure_outlet_defaults

    ensure_outlet_defaults()


class OutletsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "outlets"
    verbose_name = _("Outlets")

    def ready(self):
        # Register the outlet timer handlers (OUT-5, OUT-10, OUT-11, OUT-12, OUT-14, OUT-16).
        from outlets import handlers_hours, handlers_queue, handlers_registry  # noqa: F401

        post_migrate.connect(_create_defaults, sender=self)
