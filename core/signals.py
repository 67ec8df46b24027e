from django.db.models.signals import post_migrate
from django.dispatch import receiver


@receiver(post_migrate)
def create_platform_data(sender, app_config=None, **kwargs):
    """Default timer rules and the official calendars the installed package knows, each
    created only when missing so that managers' corrections are never overwritten."""
    if app_config is None or app_config.name != "core":
        return
    from core.calendar import calendar_load_missing_years
    from core.rules import ensure_default_rules

    ensure_default_rules()
    calendar_load_missing_years()
