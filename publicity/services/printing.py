"""The printed notice (PUB-2) rendered in Celery, and the public address of a notice.

CONTRACT STUB written by the lead: the signatures are fixed; the bodies are written by
the printing helper."""

from core.models import User
from publicity.models import Notice, NoticeDocument


def notice_public_url(*, notice: Notice) -> str:
    """The absolute address of the online notice (PUBLIC_BASE_URL + token path)."""
    raise NotImplementedError


def notice_document_request(*, clerk: User, notice: Notice) -> NoticeDocument:
    """Queue the PDF of the notice's current revision (enqueued on commit)."""
    raise NotImplementedError


def notice_document_render(*, document_id: int) -> NoticeDocument:
    """Task body: render the PDF, with progress in `lines_done`."""
    raise NotImplementedError
