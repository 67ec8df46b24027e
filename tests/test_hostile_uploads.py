"""Hostile uploads (issue 8): files that are not what they claim, through the real page
and the real API endpoint that accepts each kind of file.

Kinds of file and where they go in:
- household list (UW-10): underwriting:list_upload and POST /api/v1/policies/<pk>/lists/
- evidence photo or video (PUB-6): publicity:posting_evidence and
  POST /api/v1/notice-postings/<pk>/evidence/
- claim document scan (CLM-8): claims_assist:case_document_add and
  POST /api/v1/claim-cases/<pk>/documents/

Each refusal must be a 4xx or a form error with a clear message, never a 500, and leave
nothing behind: no row and no file in MEDIA_ROOT (a fresh directory per test).
"""

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from claims_assist.models import CaseDocument
from core.models import EvidencePhoto, EvidenceVideo
from publicity.models import NoticePosting
from tests.claims_assist.conftest import claims_book  # noqa: F401 (a fixture used here)
from tests.claims_assist.timeline_support import image_bytes, pdf_bytes, reported_case
from tests.publicity.conftest import group_policy, make_notice  # noqa: F401 (fixtures)
from tests.test_videos import mp4_bytes
from tests.underwriting.conftest import book  # noqa: F401 (a fixture used here)
from tests.underwriting.group_support import draft_policy, jpeg_bytes
from underwriting.models import HouseholdList

# Uncompressed size of the zip bomb's sheet: far beyond any real household list.
BOMB_BYTES = 300 * 1024 * 1024


# --- Payloads --------------------------------------------------------------------------
def _xlsx_skeleton(archive: zipfile.ZipFile) -> None:
    archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
    archive.writestr(
        "xl/workbook.xml",
        '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main"><sheets><sheet name="1" sheetId="1"/></sheets></workbook>',
    )


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """An xlsx whose sheet XML inflates to BOMB_BYTES (about 300 kB on the wire),
    written in chunks so that the test itself never holds the expanded sheet."""
    buffer = io.BytesIO()
    chunk = b"<row><c><v>1</v></c></row>" * 40_000
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        _xlsx_skeleton(archive)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            written = 0
            while written < BOMB_BYTES:
                sheet.write(chunk)
                written += len(chunk)
    return buffer.getvalue()


def zip_of_something_else() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A PNG whose header claims 10 gigapixels, in a few dozen bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def truncated_jpeg() -> bytes:
    data = jpeg_bytes()
    return data[: len(data) // 2]


def fake_mp4() -> bytes:
    """An ftyp box (so it sniffs as MP4) followed by a box that runs past the end."""
    return mp4_bytes()[:-7]


def file(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    """A fresh, private MEDIA_ROOT: whatever a refused upload left behind shows here."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def error_text(response) -> str:
    """The message a person or a client gets: the API's error body, or the page."""
    if response["Content-Type"].startswith("application/json"):
        return str(response.json())
    return response.content.decode()


# --- Household lists (UW-10) ------------------------------------------------------------
HOSTILE_LISTS = {
    "zip_of_something_else": (lambda: zip_of_something_else(), "名单.xlsx"),
    "binary_named_xlsx": (lambda: b"\x00\x01\x02" * 1000, "名单.xlsx"),
    "pdf_named_xlsx": (lambda: pdf_bytes(), "名单.xlsx"),
    "empty": (lambda: b"", "名单.xlsx"),
}


@pytest.fixture
def draft_group(book, clerk_a):  # noqa: F811
    return draft_policy(book, clerk_a)


@pytest.mark.parametrize("case", sorted(HOSTILE_LISTS))
def test_uw_10_hostile_list_refused_on_page(case, draft_group, clerk_a, media_root):
    make, name = HOSTILE_LISTS[case]
    response = page(clerk_a).post(
        reverse("underwriting:list_upload", args=[draft_group.pk]), {"file": file(name, make())}
    )
    # The upload form comes back with the error on the file field.
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not HouseholdList.objects.exists()
    assert not stored_files(media_root)


@pytest.mark.parametrize("case", sorted(HOSTILE_LISTS))
def test_uw_10_hostile_list_refused_by_api(case, draft_group, clerk_a, media_root):
    make, name = HOSTILE_LISTS[case]
    response = api(clerk_a).post(
        f"/api/v1/policies/{draft_group.pk}/lists/",
        {"file": file(name, make())},
        format="multipart",
    )
    assert response.status_code == 400, response.content
    assert not HouseholdList.objects.exists()
    assert not stored_files(media_root)


def test_uw_10_xlsx_zip_bomb_refused_at_upload(zip_bomb, draft_group, clerk_a, media_root):
    # Given an xlsx of ~300 kB whose sheet inflates to 300 MB
    assert len(zip_bomb) < 2 * 1024 * 1024
    # When it is uploaded through the page and through the API
    on_page = page(clerk_a).post(
        reverse("underwriting:list_upload", args=[draft_group.pk]),
        {"file": file("名单.xlsx", zip_bomb)},
    )
    by_api = api(clerk_a).post(
        f"/api/v1/policies/{draft_group.pk}/lists/",
        {"file": file("名单.xlsx", zip_bomb)},
        format="multipart",
    )
    # Then both are refused from the archive's directory, before anything is queued
    assert on_page.status_code == 200
    [error] = on_page.context["form"].errors.as_data()["file"]
    assert error.code == "xlsx_too_large_expanded"
    assert by_api.status_code == 400, by_api.content
    assert "expand" in error_text(by_api).lower()
    assert not HouseholdList.objects.exists()
    assert not stored_files(media_root)


def test_uw_10_oversized_list_refused(monkeypatch, draft_group, clerk_a, media_root):
    monkeypatch.setattr("underwriting.services.imports.MAX_UPLOAD_BYTES", 1024)
    csv = ("姓名,身份证号\n" + "张三,110105194912310021\n" * 200).encode()
    response = api(clerk_a).post(
        f"/api/v1/policies/{draft_group.pk}/lists/",
        {"file": file("名单.csv", csv)},
        format="multipart",
    )
    assert response.status_code == 400
    assert "MB" in error_text(response)
    assert not HouseholdList.objects.exists()
    assert not stored_files(media_root)


# --- Evidence photos and videos (PUB-6) -------------------------------------------------
HOSTILE_EVIDENCE = {
    "png_decompression_bomb": (png_bomb, "board.png", "pixels"),
    "pdf_named_jpg": (lambda: pdf_bytes(), "board.jpg", "JPEG"),
    "truncated_jpeg": (truncated_jpeg, "board.jpg", "damaged"),
    "empty": (lambda: b"", "board.jpg", ""),
    "fake_mp4": (fake_mp4, "walk.mp4", "damaged"),
    "text_named_mp4": (lambda: b"not a video at all" * 10, "walk.mp4", "JPEG"),
}


@pytest.fixture
def posting(group_policy, clerk_a) -> NoticePosting:  # noqa: F811
    notice = make_notice(group_policy, clerk_a, posted_days_ago=1)
    return notice.postings.get()


def no_evidence() -> bool:
    return not EvidencePhoto.objects.exists() and not EvidenceVideo.objects.exists()


@pytest.mark.parametrize("case", sorted(HOSTILE_EVIDENCE))
def test_pub_6_hostile_evidence_refused_on_page(case, posting, clerk_a, media_root):
    make, name, _ = HOSTILE_EVIDENCE[case]
    response = page(clerk_a).post(
        reverse("publicity:posting_evidence", args=[posting.pk]),
        {"files": [file(name, make())], "caption": "村口"},
        follow=True,
    )
    assert response.status_code == 200
    errors = [m for m in response.context["messages"] if m.level_tag == "error"]
    assert errors
    assert no_evidence()
    assert not stored_files(media_root)


@pytest.mark.parametrize("case", sorted(HOSTILE_EVIDENCE))
def test_pub_6_hostile_evidence_refused_by_api(case, posting, clerk_a, media_root):
    make, name, words = HOSTILE_EVIDENCE[case]
    response = api(clerk_a).post(
        f"/api/v1/notice-postings/{posting.pk}/evidence/",
        {"file": file(name, make()), "caption": "村口"},
        format="multipart",
    )
    assert response.status_code == 400, response.content
    assert words in error_text(response)
    assert no_evidence()
    assert not stored_files(media_root)


def test_pub_6_oversized_photo_and_video_refused(settings, posting, clerk_a, media_root):
    settings.PHOTO_MAX_BYTES = 1024
    settings.VIDEO_MAX_BYTES = 64
    client = api(clerk_a)
    url = f"/api/v1/notice-postings/{posting.pk}/evidence/"
    too_big_photo = client.post(
        url, {"file": file("big.jpg", jpeg_bytes((1600, 1200)))}, format="multipart"
    )
    too_big_video = client.post(
        url, {"file": file("big.mp4", mp4_bytes(b"\x00" * 200))}, format="multipart"
    )
    assert too_big_photo.status_code == too_big_video.status_code == 400
    assert "too large" in error_text(too_big_photo)
    assert "too large" in error_text(too_big_video)
    assert no_evidence()
    assert not stored_files(media_root)


# --- Claim document scans (CLM-8) -------------------------------------------------------
HOSTILE_SCANS = {
    "png_decompression_bomb": (png_bomb, "scan.png"),
    "truncated_jpeg": (truncated_jpeg, "scan.jpg"),
    "empty": (lambda: b"", "scan.pdf"),
    "truncated_pdf": (lambda: pdf_bytes()[:40], "scan.pdf"),
    "zip_named_pdf": (zip_of_something_else, "scan.pdf"),
}


@pytest.fixture
def claim_case(claims_book, clerk_a):  # noqa: F811
    return reported_case(claims_book, clerk_a)


@pytest.mark.parametrize("case", sorted(HOSTILE_SCANS))
def test_clm_8_hostile_scan_refused_on_page(case, claim_case, clerk_a, media_root):
    make, name = HOSTILE_SCANS[case]
    kind = claim_case.case_type.documents.get(code="policy")
    response = page(clerk_a).post(
        reverse("claims_assist:case_document_add", args=[claim_case.pk]),
        {"kind": kind.pk, "file": file(name, make())},
    )
    # The case page is redisplayed through a redirect with the error in its messages.
    assert response.status_code in (200, 302)
    assert not CaseDocument.objects.exists()
    assert not stored_files(media_root)


@pytest.mark.parametrize("case", sorted(HOSTILE_SCANS))
def test_clm_8_hostile_scan_refused_by_api(case, claim_case, clerk_a, media_root):
    make, name = HOSTILE_SCANS[case]
    response = api(clerk_a).post(
        f"/api/v1/claim-cases/{claim_case.pk}/documents/",
        {"kind": "policy", "file": file(name, make())},
        format="multipart",
    )
    assert response.status_code == 400, response.content
    assert not CaseDocument.objects.exists()
    assert not stored_files(media_root)


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (pdf_bytes(), "scan.jpg", "application/pdf"),
        (image_bytes("JPEG"), "scan.pdf", "image/jpeg"),
    ],
    ids=["pdf_named_jpg", "jpeg_named_pdf"],
)
def test_clm_8_scan_kind_follows_content_not_name(data, name, content_type, claim_case, clerk_a):
    response = api(clerk_a).post(
        f"/api/v1/claim-cases/{claim_case.pk}/documents/",
        {"kind": "policy", "file": file(name, data)},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert response.json()["content_type"] == content_type


def test_clm_8_oversized_scan_refused(settings, claim_case, clerk_a, media_root):
    settings.CLAIM_DOCUMENT_MAX_BYTES = 1024
    response = api(clerk_a).post(
        f"/api/v1/claim-cases/{claim_case.pk}/documents/",
        {"kind": "policy", "file": file("scan.pdf", pdf_bytes(pages=30))},
        format="multipart",
    )
    assert response.status_code == 400
    assert "too large" in error_text(response)
    assert not CaseDocument.objects.exists()
    assert not stored_files(media_root)
