"""Celery tasks of the dashboards: keeping the summary tables (dashboards.summaries)."""

from celery import shared_task
from django.db import connection

from dashboards import summaries


def _postgresql() -> bool:
    # The summaries are PostgreSQL SQL; the embedded SQLite default has no dashboards.
    return connection.vendor == "postgresql"


@shared_task
def refresh_issuance_summary() -> int:
    """Issuance by outlet, product and day up to yesterday (beat, at night and hourly);
    returns the summary rows written."""
    return summaries.issuance_refresh() if _postgresql() else 0


@shared_task
def refresh_timer_summary() -> int:
    """Timers ended by unit, rule and day up to yesterday (beat, hourly); returns the
    summary rows written."""
    return summaries.timers_refresh() if _postgresql() else 0


@shared_task
def refresh_queue_summary() -> int:
    """The counter queue by outlet and day (and complete month) up to yesterday (beat,
    hourly); returns the summary rows written."""
    return summaries.queue_refresh() if _postgresql() else 0
