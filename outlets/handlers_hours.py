"""Timer handlers of the hours area (OUT-11)."""

from core.models import SlaTimer
from core.timers import breach_handler
from outlets.services.hours import DUTY_RULE, holiday_duty_breached


@breach_handler(DUTY_RULE)
def duty_check_due(timer: SlaTimer) -> None:
    """OUT-11: three days before a promised holiday nobody is on duty: a finding."""
    holiday_duty_breached(service_id=timer.subject_id)
