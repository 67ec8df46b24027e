"""Celery tasks of the dashboards: keeping the summary tables (dashboards.summaries)."""

from celery import shared_task

from dashboards import summaries


@shared_task
def refresh_issuance_summary() -> int:
    """Issuance by outlet, product and day up to yesterday (beat, at night and hourly);
    returns the summary rows written."""
    return summaries.issuance_refresh()
