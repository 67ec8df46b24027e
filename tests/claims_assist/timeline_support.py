"""Helpers for the tests of claim documents, the timeline and payments (CLM-8..CLM-10,
REG-1): scans (sound, fake, encrypted), a reported case, a complete file."""

import datetime as dt
import io
import struct
import zlib
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image
from pypdf import PdfWriter

from claims_assist.models import ClaimCase
from claims_assist.services import documents as documents_service
from claims_assist.services.cases import case_lock, case_timer
from core import timers
from core.models import SlaTimer
from tests.claims_assist.factories import ClaimCaseFactory

SH = ZoneInfo("Asia/Shanghai")
# The agriculture case type's required documents (claims_assist.defaults, CLM-8).
AGRICULTURE = [
    "policy",
    "premium_receipt",
    "insured_id",
    "claim_form",
    "bank_account",
    "accident_proof",
]


def beijing(day: dt.date | str, hour: int = 10, minute: int = 0) -> dt.datetime:
    day = dt.date.fromisoformat(day) if isinstance(day, str) else day
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SH)


def end_of(day: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(23, 59, 59), tzinfo=SH)


def pdf_bytes(pages: int = 1, *, password: str = "") -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if password:
        writer.encrypt(password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def image_bytes(fmt: str = "PNG", size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, format=fmt)
    return buffer.getvalue()


def png_bomb(side: int) -> bytes:
    """A valid black 1-bit PNG of side x side pixels squeezed into a small file."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    row = b"\x00" * (1 + (side + 7) // 8)
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def scan(data: bytes | None = None, name: str = "scan.pdf") -> SimpleUploadedFile:
    data = pdf_bytes() if data is None else data
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def reported_case(claims_book, clerk, **fields) -> ClaimCase:
    """A case reported by `clerk`, by default at outlet A on the rice policy (type:
    agriculture)."""
    fields.setdefault("policy", claims_book.rice_a)
    fields.setdefault("org_unit", fields["policy"].org_unit)
    return ClaimCaseFactory(created_by=clerk, **fields)


def add_documents(case: ClaimCase, by, kinds=AGRICULTURE) -> None:
    for kind in kinds:
        documents_service.document_add(by=by, case_pk=case.pk, kind=kind, upload=scan())


def complete_file(case: ClaimCase, by, at: dt.datetime | None = None) -> ClaimCase:
    """Every required document received and the file accepted (CLM-8)."""
    add_documents(case, by)
    return documents_service.case_file_accept(by=by, case_pk=case.pk, at=at)


def timer_of(case: ClaimCase, rule_code: str):
    return case_timer(case=case, rule_code=rule_code)


def last_timer(case: ClaimCase, rule_code: str) -> SlaTimer:
    """The case's latest timer of `rule_code`, open or ended."""
    return SlaTimer.objects.filter(subject_id=case.pk, rule__code=rule_code).latest("started_at")


@contextmanager
def case_locked(user, case: ClaimCase):
    """The case row locked in a transaction, as callers of the kernel hold it."""
    with transaction.atomic():
        yield case_lock(user=user, pk=case.pk)


def sweep(time_machine, moment: dt.datetime):
    """The beat's sweep at `moment`, with the clock there too (handlers read now())."""
    time_machine.move_to(moment, tick=False)
    return timers.timers_sweep(now=moment)


def code_of(error) -> str:
    """The code of a service's refusal, on a field or not."""
    if hasattr(error, "error_dict"):
        return next(iter(error.error_dict.values()))[0].code
    return error.code
