"""Worker tasks of the printed policy (UW-13). They take ids, reload and call a service;
callers enqueue them with `delay_on_commit`."""

from celery import shared_task

from underwriting.services import printing


@shared_task
def render_policy_document(document_id: int) -> str:
    document = printing.policy_document_render(document_id=document_id)
    return document.state if document else "skipped"
