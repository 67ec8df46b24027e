from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self):
        # Registers the @breach_handler actions of the complaint rules (CMP-5 chain,
        # REG-2, CMP-4/6) in every process that sweeps timers.
        import complaints.services.escalation  # noqa: F401
