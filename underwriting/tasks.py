"""Celery tasks of underwriting. They take ids, reload and call a service; callers
enqueue them with `delay_on_commit`."""

from celery import shared_task

from underwriting.services.imports import household_list_report_build, household_list_validate
from underwriting.services.printing import policy_document_render


@shared_task
def validate_household_list(household_list_id: int) -> str:
    """UW-10: validate an uploaded household list and accept or reject it."""
    return household_list_validate(household_list_id=household_list_id).state


@shared_task
def build_household_list_report(household_list_id: int) -> None:
    """UW-10: write the Excel report of a validated household list."""
    household_list_report_build(household_list_id=household_list_id)


@shared_task
def render_policy_document(document_id: int) -> str:
    """UW-13: render a printed policy with its household annex."""
    document = policy_document_render(document_id=document_id)
    return document.state if document else "skipped"
