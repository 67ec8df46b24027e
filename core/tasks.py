"""Beat and worker tasks of the platform. They take ids (or nothing), reload and call a
service; callers enqueue them with `delay_on_commit`."""

from celery import shared_task
from django.core.cache import cache

from core import notifications, timers


@shared_task
def sweep_timers() -> dict:
    result = timers.timers_sweep()
    return {"breached": result.breached, "failed": result.failed}


@shared_task
def deliver_outbox() -> int:
    # Cleared first, so that messages written from now on queue a new delivery.
    cache.delete(notifications.DELIVERY_PENDING_KEY)
    return notifications.outbox_deliver()


@shared_task
def recompute_timers_for_rule(rule_id: int) -> int:
    from core.models import TimerRule

    rule = TimerRule.objects.filter(pk=rule_id).first()
    return timers.timers_recompute_for_rule(rule=rule) if rule else 0


@shared_task
def recompute_timers_for_year(year: int) -> int:
    return timers.timers_recompute_for_year(year=year)


@shared_task
def purge_idempotency_keys() -> int:
    from core.api.idempotency import idempotency_keys_purge

    return idempotency_keys_purge()
