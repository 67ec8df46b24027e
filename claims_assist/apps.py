from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _create_defaults(sender, **kwargs):
    from claims_assist.defaults import ensure_claims_defaults

    ensure_claims_defaults()


class ClaimsAssistConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "claims_assist"
    verbose_name = _("Claims assist")

    def ready(self):
        # Registers the claims breach handlers (CLM-1, CLM-4, CLM-6, CLM-7, CLM-9,
        # CLM-10, REG-1) with core.timers.
        from claims_assist import handlers  # noqa: F401

        post_migrate.connect(_create_defaults, sender=self)
