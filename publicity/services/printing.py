"""The printed notice (PUB-2, PUB-3, PUB-7) rendered in Celery, and the public address of
a notice.

A notice is printed to be put up in the village: A4, always in Chinese, a title with the
county, village, product and season, one row per household (or payee) with the name
partly masked, the totals, the notice period and how to object, with a QR code to the
online notice. ID numbers, phones and bank accounts are never copied into a notice's
lines (publicity.models.NoticeLine), so they cannot reach the PDF.

A village of 2,000 households makes a document of dozens of pages that takes WeasyPrint
several seconds to lay out, so it is rendered by the worker into a NoticeDocument whose
progress the clerk watches (bench/notice_pdf_bench.py).
"""

import datetime as dt
import gc
import io
import logging
import math
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from pypdf import PdfReader

from core.access import check_can_write
from core.masking import mask_name
from core.models import User
from core.pdf import render_pdf
from core.timers import rule_for
from publicity.models import Notice, NoticeDocument
from underwriting.services.printing import money, qr_data_uri, quantity_text

logger = logging.getLogger(__name__)

PRINT_LANGUAGE = "zh-hans"
NOTICE_TEMPLATE = "pdf/publicity/notice.html"
IN_PROGRESS_STATES = (NoticeDocument.State.QUEUED, NoticeDocument.State.RENDERING)
# A render still unfinished after this was lost with its worker (Celery does not
# redeliver the task of a worker killed for memory); a new request replaces it.
STALLED_AFTER = dt.timedelta(minutes=10)
PERIOD_RULE = "PUB-4"
# Lines are read as plain tuples, this many per round trip.
LINE_CHUNK = 2000
# Progress: WeasyPrint reports each page it lays out; the rows of a page are not known
# until the end, so `lines_done` is estimated from the pages laid out at the rows a page
# holds (the table's rows are one line high: bench/notice_pdf_bench.py), and written at
# most this often.
ROWS_PER_PAGE = {Notice.Kind.UNDERWRITING: 29, Notice.Kind.CLAIM_PAYMENT: 45}
PROGRESS_INTERVAL_SECONDS = 1.0
_LAYOUT_STEP = "Step 5 - Creating layout - Page"


# Addresses -----------------------------------------------------------------------------
def notice_public_url(*, notice: Notice) -> str:
    """The absolute address of the online notice (PUBLIC_BASE_URL + token path): what the
    printed QR code opens (PUB-2)."""
    return settings.PUBLIC_BASE_URL + reverse("publicity:public_notice", args=[notice.token])


# The online notice -----------------------------------------------------------------------
@dataclass(frozen=True)
class PublicLine:
    """A line as the public may see it (PUB-2): the name masked (REG-3), no source row."""

    position: int
    name: str
    village_group: str
    subject: str
    quantity: Decimal | None
    unit: str
    farmer_share: Decimal
    central: Decimal
    provincial: Decimal
    city: Decimal
    county: Decimal
    amount: Decimal


_PUBLIC_FIELDS = (
    "position",
    "name",
    "village_group",
    "subject",
    "quantity",
    "unit",
    "farmer_share",
    "central",
    "provincial",
    "city",
    "county",
    "amount",
)


def public_lines(*, notice: Notice) -> list[PublicLine]:
    """PUB-2: the notice's lines for the public API, names masked."""
    rows = notice.lines.order_by("position").values_list(*_PUBLIC_FIELDS)
    return [
        PublicLine(position, mask_name(name), *rest)
        for position, name, *rest in rows.iterator(chunk_size=LINE_CHUNK)
    ]


# Document state ------------------------------------------------------------------------
def document_stalled(document: NoticeDocument) -> bool:
    return (
        document.state in IN_PROGRESS_STATES
        and document.requested_at < timezone.now() - STALLED_AFTER
    )


def document_filename(document: NoticeDocument) -> str:
    """The download name: the notice's title and the revision printed."""
    return f"{document.notice.title}-{document.revision}.pdf"


def _stored_name(document: NoticeDocument) -> str:
    # Short and ASCII: a title can be longer than the file field holds.
    return f"notice-{document.notice_id}-r{document.revision}-{document.pk}.pdf"


# Checks --------------------------------------------------------------------------------
def check_can_print(*, user: User, notice: Notice) -> None:
    """Staff of the notice's outlet (or above it) print its draft (to put it up), posted
    or closed notice (to file it); a withdrawn notice is not put up again. Read-only
    roles never print."""
    check_can_write(user, notice)
    if notice.state == Notice.State.WITHDRAWN:
        raise ValidationError(_("A withdrawn notice cannot be printed."), code="notice_withdrawn")


# Rendering -----------------------------------------------------------------------------
@dataclass(frozen=True)
class RenderedNotice:
    pdf: bytes
    pages: int
    lines: int


def _underwriting_cells(
    position, name, group, subject, quantity, unit, farmer_share, central, provincial, city, county
) -> tuple:
    """PUB-2: a household's row as printed and shown online, the name masked (REG-3)."""
    return (
        position,
        mask_name(name),
        group,
        subject,
        quantity_text(quantity, unit) if quantity is not None else "",
        money(farmer_share),
        money(central),
        money(provincial),
        money(city),
        money(county),
    )


def _claim_payment_cells(position, name, group, subject, quantity, unit, amount) -> tuple:
    """PUB-7: a payee's row as printed and shown online, the name masked (REG-3)."""
    return (
        position,
        mask_name(name),
        group,
        subject,
        quantity_text(quantity, unit) if quantity is not None else "",
        money(amount),
    )


_UNDERWRITING_FIELDS = (
    "position",
    "name",
    "village_group",
    "subject",
    "quantity",
    "unit",
    "farmer_share",
    "central",
    "provincial",
    "city",
    "county",
)
_CLAIM_PAYMENT_FIELDS = (
    "position",
    "name",
    "village_group",
    "subject",
    "quantity",
    "unit",
    "amount",
)


def notice_rows(*, notice: Notice) -> list[tuple]:
    """The notice's lines as rows of text, names masked, in notice order: what the
    printed notice and the online notice show (PUB-2, PUB-7). Read as plain tuples, a
    chunk at a time."""
    if notice.kind == Notice.Kind.UNDERWRITING:
        fields, cells = _UNDERWRITING_FIELDS, _underwriting_cells
    else:
        fields, cells = _CLAIM_PAYMENT_FIELDS, _claim_payment_cells
    rows = notice.lines.order_by("position").values_list(*fields)
    return [cells(*row) for row in rows.iterator(chunk_size=LINE_CHUNK)]


def quantity_total(*, notice: Notice) -> str:
    """The total quantity per unit ("125亩" or "100亩 + 20头")."""
    quantities = (
        notice.lines.filter(quantity__isnull=False)
        .order_by("unit")
        .values_list("unit")
        .annotate(total=Sum("quantity"))
    )
    return " + ".join(quantity_text(total, unit) for unit, total in quantities)


def notice_totals(*, notice: Notice) -> dict:
    """The totals kept with the notice's lines, as text (PUB-2: printed and online)."""
    return {
        "lines": notice.line_count,
        "quantity": quantity_total(notice=notice),
        "farmer_share": money(notice.farmer_share),
        "central": money(notice.central),
        "provincial": money(notice.provincial),
        "city": money(notice.city),
        "county": money(notice.county),
        "amount": money(notice.amount),
    }


def _period_days(notice: Notice) -> int:
    """PUB-4: the county's notice period in days (never below the rule's minimum)."""
    rule = rule_for(code=PERIOD_RULE, county=notice.org_unit.county)
    return math.ceil(rule.duration / dt.timedelta(days=1))


def notice_context(*, notice: Notice) -> dict:
    """Everything the notice template prints; call inside the print language.

    The lines are read into a list here (a few hundred bytes a line), so that the caller
    can read them and the notice in one transaction and print one revision."""
    underwriting = notice.kind == Notice.Kind.UNDERWRITING
    lines = notice_rows(notice=notice)
    url = notice_public_url(notice=notice)
    return {
        "title": notice.title,
        "notice": notice,
        "underwriting": underwriting,
        "outlet": notice.org_unit.name,
        "page_size": "A4 landscape" if underwriting else "A4",
        "lines": lines,
        "totals": notice_totals(notice=notice),
        "period_days": _period_days(notice),
        "posted_at": timezone.localtime(notice.posted_at) if notice.posted_at else None,
        "ends_at": timezone.localtime(notice.ends_at) if notice.ends_at else None,
        "public_url": url,
        "qr": qr_data_uri(url),
        "printed_at": timezone.localtime(),
    }


class _LayoutProgress(logging.Handler):
    """Counts the pages WeasyPrint lays out (its progress log) and calls `report` with
    the pages so far, at most every PROGRESS_INTERVAL_SECONDS."""

    def __init__(self, report: Callable[[int], None]):
        super().__init__(level=logging.INFO)
        self.report = report
        self.pages = 0
        self.reported_at = 0.0

    def emit(self, record: logging.LogRecord) -> None:
        if not str(record.msg).startswith(_LAYOUT_STEP) or not record.args:
            return
        self.pages = max(self.pages, int(record.args[0]))
        now = time.monotonic()
        if now - self.reported_at >= PROGRESS_INTERVAL_SECONDS:
            self.reported_at = now
            self.report(self.pages)


@contextmanager
def _layout_progress(report: Callable[[int], None] | None):
    """Listen to WeasyPrint's page progress (silenced in settings.LOGGING) while it lays
    out; the records go to `report` only, never to the console."""
    if report is None:
        yield
        return
    progress_logger = logging.getLogger("weasyprint.progress")
    handler = _LayoutProgress(report)
    level, propagate = progress_logger.level, progress_logger.propagate
    progress_logger.addHandler(handler)
    progress_logger.setLevel(logging.INFO)
    progress_logger.propagate = False
    try:
        yield
    finally:
        progress_logger.removeHandler(handler)
        progress_logger.setLevel(level)
        progress_logger.propagate = propagate


def render_notice(
    *, notice: Notice, context: dict | None = None, on_pages: Callable[[int], None] | None = None
) -> RenderedNotice:
    """PUB-2/PUB-7: the notice's PDF (A4, Chinese). `context` is `notice_context` of the
    notice if the caller read it already; `on_pages(n)` hears the pages laid out."""
    with translation.override(PRINT_LANGUAGE):
        context = context or notice_context(notice=notice)
        with _layout_progress(on_pages):
            pdf = render_pdf(template_name=NOTICE_TEMPLATE, context=context)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    return RenderedNotice(pdf=pdf, pages=pages, lines=len(context["lines"]))


@contextmanager
def _collector_paused():
    """WeasyPrint builds millions of small objects for a long table; the cyclic garbage
    collector rescanning them while they grow costs a third of the render time (as for
    the policy annex, underwriting.services.printing). Used in the worker only."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# Writes --------------------------------------------------------------------------------
@transaction.atomic
def notice_document_request(*, clerk: User, notice: Notice) -> NoticeDocument:
    """Queue the PDF of the notice's current revision (enqueued on commit).

    Locks the notice row, so a double click queues one document: while one of this
    revision is queued or rendering, that one is returned, unless it has stalled (then
    it is marked failed and a new one queued).
    """
    locked = (
        Notice.objects.select_for_update(of=("self",)).select_related("org_unit").get(pk=notice.pk)
    )
    check_can_print(user=clerk, notice=locked)
    for pending in locked.documents.filter(state__in=IN_PROGRESS_STATES, revision=locked.revision):
        if not document_stalled(pending):
            return pending
        pending.state = NoticeDocument.State.FAILED
        pending.failure = _("The worker did not finish this document.")
        pending.finished_at = timezone.now()
        pending.save(update_fields=["state", "failure", "finished_at"])
    document = NoticeDocument.objects.create(
        notice=locked, revision=locked.revision, requested_by=clerk
    )
    # Imported here: the task module imports this one.
    from publicity.tasks import render_notice_document

    transaction.on_commit(lambda: render_notice_document.delay(document.pk))
    return document


def _read_for_print(document: NoticeDocument) -> tuple[Notice, dict]:
    """The notice and its lines as of one revision: the notice row is locked while the
    lines are read, so an objection resolved meanwhile (which locks it too) is either
    wholly in the PDF or not at all. The document records the revision read."""
    with transaction.atomic():
        notice = (
            Notice.objects.select_for_update(of=("self",))
            .select_related("org_unit")
            .get(pk=document.notice_id)
        )
        with translation.override(PRINT_LANGUAGE):
            context = notice_context(notice=notice)
    return notice, context


def _store_progress(document: NoticeDocument, estimate_per_page: int) -> Callable[[int], None]:
    def report(pages: int) -> None:
        lines = min(pages * estimate_per_page, max(document.notice.line_count - 1, 0))
        NoticeDocument.objects.filter(pk=document.pk).update(pages=pages, lines_done=lines)

    return report


def notice_document_render(*, document_id: int) -> NoticeDocument:
    """Task body: render the PDF, with progress in `lines_done` (and `pages`).

    The document row is locked only while it is claimed (QUEUED → RENDERING) and while
    the result is stored, so the progress page sees RENDERING during the long render. A
    document left RENDERING by a worker that died is claimed again when the broker
    redelivers the task; one that is already READY or FAILED is returned as it is.
    """
    with transaction.atomic():
        document = (
            NoticeDocument.objects.select_for_update()
            .filter(pk=document_id, state__in=IN_PROGRESS_STATES)
            .first()
        )
        if document is None:
            return NoticeDocument.objects.get(pk=document_id)
        document.state = NoticeDocument.State.RENDERING
        document.lines_done = 0
        document.pages = 0
        document.save(update_fields=["state", "lines_done", "pages"])
    try:
        notice, context = _read_for_print(document)
        document.notice = notice
        on_pages = _store_progress(document, ROWS_PER_PAGE[notice.kind])
        with _collector_paused():
            rendered = render_notice(notice=notice, context=context, on_pages=on_pages)
    except Exception as exc:
        logger.exception("printed notice document %s failed", document.pk)
        document.state = NoticeDocument.State.FAILED
        document.failure = f"{type(exc).__name__}: {exc}"
        document.finished_at = timezone.now()
        document.save(update_fields=["state", "failure", "finished_at"])
        return document
    with transaction.atomic():
        document.revision = notice.revision
        document.file.save(_stored_name(document), ContentFile(rendered.pdf), save=False)
        document.state = NoticeDocument.State.READY
        document.pages = rendered.pages
        document.lines_done = rendered.lines
        document.finished_at = timezone.now()
        document.save(
            update_fields=["revision", "file", "state", "pages", "lines_done", "finished_at"]
        )
    return document
