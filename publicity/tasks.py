"""Celery tasks of publicity. They take ids, reload and call a service; callers enqueue
them on commit."""

from celery import shared_task

from publicity.services.printing import notice_document_render


@shared_task
def render_notice_document(document_id: int) -> str:
    """PUB-2/PUB-7: render a printed notice."""
    return notice_document_render(document_id=document_id).state
