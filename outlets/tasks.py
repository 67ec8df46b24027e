"""Celery tasks of the outlets app. They take ids (or nothing), reload and call a
service; callers enqueue them with `delay_on_commit`."""

import datetime as dt

from celery import shared_task

from core.models import OrgUnit
from outlets.services.compliance import compliance_compute, compliance_recompute_all
from outlets.services.staffing import staffing_check, staffing_check_all


@shared_task
def check_staffing_all() -> int:
    """OUT-10, daily: every outlet against its minimum staff; returns the understaffed."""
    return staffing_check_all()


@shared_task
def check_staffing(outlet_id: int) -> bool:
    """OUT-10: one outlet after its staff changed; True if it is understaffed."""
    outlet = OrgUnit.objects.filter(pk=outlet_id, kind=OrgUnit.Kind.OUTLET).first()
    return staffing_check(outlet=outlet).understaffed if outlet else False


@shared_task
def recompute_compliance_all() -> int:
    """OUT-16, daily: the scores of the current and the previous month."""
    return compliance_recompute_all()


@shared_task
def recompute_compliance(outlet_id: int, month: str) -> str | None:
    """OUT-16: one outlet's score of one month (ISO date of its first day)."""
    outlet = OrgUnit.objects.filter(pk=outlet_id, kind=OrgUnit.Kind.OUTLET).first()
    if outlet is None:
        return None
    score = compliance_compute(outlet=outlet, month=dt.date.fromisoformat(month))
    return str(score.score)
