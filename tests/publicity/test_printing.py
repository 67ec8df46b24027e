"""PUB-2, PUB-3, PUB-7: the printed notice rendered in the worker (A4, Chinese, names
masked, totals, period, how to object with a QR code to the online notice), its progress
and download pages and endpoints, each refused outside the clerk's branch.

Real PDFs are few here (WeasyPrint takes seconds); the document's life is tested with a
stand-in renderer."""

import datetime as dt
import io
import logging

import pytest
import segno
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader
from rest_framework.test import APIClient

from config import celery_app
from core.access import NotInScope, ReadOnlyRole
from core.masking import mask_name
from publicity.models import Notice, NoticeDocument
from publicity.services import printing
from tests.publicity.conftest import HOUSEHOLDS, secrets_of

TITLE = "阳山县东村水稻种植保险2026早稻承保公示"
FAKE_PDF = b"%PDF-1.4 stand-in"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PUBLIC_BASE_URL = "https://desk.example.cn"


@pytest.fixture
def eager_worker():
    """Enqueued tasks run in the test process (when the transaction commits)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def fake_render(monkeypatch):
    """The worker's render without WeasyPrint: a stand-in PDF of 2 pages."""
    calls = []

    def render(*, notice, context=None, on_pages=None):
        calls.append(notice.pk)
        return printing.RenderedNotice(pdf=FAKE_PDF, pages=2, lines=notice.line_count)

    monkeypatch.setattr(printing, "render_notice", render)
    return calls


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def compact(text: str) -> str:
    """Text without any whitespace: a value split over two lines is still found."""
    return "".join(text.split())


def mm(pdf: bytes, page: int = 0) -> tuple[int, int]:
    width, height = PdfReader(io.BytesIO(pdf)).pages[page].mediabox[2:]
    return round(float(width) / 72 * 25.4), round(float(height) / 72 * 25.4)


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# The printed notice (real PDFs) ------------------------------------------------------------


def test_pub_2_printed_notice_shows_title_masked_lines_totals_period_and_how_to_object(
    posted_notice,
    group_policy,
    clerk_a,
    eager_worker,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    languages = []
    real_render_pdf = printing.render_pdf

    def spy(**kwargs):
        languages.append(translation.get_language())
        return real_render_pdf(**kwargs)

    monkeypatch.setattr(printing, "render_pdf", spy)
    with django_capture_on_commit_callbacks(execute=True):
        document = printing.notice_document_request(clerk=clerk_a, notice=posted_notice)

    document.refresh_from_db()
    assert document.state == NoticeDocument.State.READY, document.failure
    assert document.lines_done == 3 and document.revision == posted_notice.revision
    with document.file.open("rb") as file:
        pdf = file.read()
    assert document.pages == len(PdfReader(io.BytesIO(pdf)).pages)
    # Printed in Chinese whatever the language of the clerk's screen (English here).
    assert languages == ["zh-hans"]
    text = pdf_text(pdf)
    flat = compact(text)
    # The title names the county, village, product and season (PUB-2).
    assert TITLE in flat
    for part in ("阳山县", "东村", group_policy.product.name, "2026早稻"):
        assert part in flat
    # One masked row per household, with the village group and the split per level.
    for name, _phone, _account in HOUSEHOLDS:
        assert mask_name(name) in flat
    assert "东村一组" in flat and "10亩" in flat
    assert "120.00270.00150.0030.0030.00" in flat  # a row's farmer share and subsidies
    # Totals: 3 households, 30 亩, each level summed.
    assert "30亩360.00810.00450.0090.0090.00" in flat
    # The period and how to object, with the address of the online notice.
    posted = timezone.localtime(posted_notice.posted_at).strftime("%Y-%m-%d%H:%M")
    ends = timezone.localtime(posted_notice.ends_at).strftime("%Y-%m-%d%H:%M")
    assert posted in flat and ends in flat
    assert "0763-1234567" in flat and "阳城镇三农营销服务部柜面" in flat
    assert compact(printing.notice_public_url(notice=posted_notice)) in flat
    # PUB-2 / REG-3: no ID number, phone or bank account, and no full name, ever.
    secrets = secrets_of(group_policy)
    assert len(secrets) == 9
    for secret in secrets:
        assert secret not in flat, secret
    for name, _phone, _account in HOUSEHOLDS:
        assert name not in flat, name
    # A4 landscape for the wide table.
    assert mm(pdf) == (297, 210)


def test_pub_2_draft_prints_blank_dates_and_a_qr_code_of_the_online_notice(draft_notice):
    url = printing.notice_public_url(notice=draft_notice)
    assert url == "https://desk.example.cn" + reverse(
        "publicity:public_notice", args=[draft_notice.token]
    )
    with translation.override("zh-hans"):
        context = printing.notice_context(notice=draft_notice)
    # PUB-4: a draft is printed before it is put up: the period in days, dates by hand.
    assert context["posted_at"] is None and context["period_days"] == 7

    pdf = printing.render_notice(notice=draft_notice).pdf

    assert "____-__-__" in pdf_text(pdf)
    # The embedded image is the QR code of that URL, module for module.
    images = PdfReader(io.BytesIO(pdf)).pages[0].images
    assert len(images) == 1
    printed = images[0].image.convert("L")
    expected = segno.make(url, error="m", micro=False)
    size = expected.symbol_size(scale=1, border=4)
    assert printed.size == size
    dark = {
        (x, y) for y in range(size[1]) for x in range(size[0]) if printed.getpixel((x, y)) < 128
    }
    modules = {
        (x + 4, y + 4)
        for y, row in enumerate(expected.matrix)
        for x, value in enumerate(row)
        if value
    }
    assert dark == modules


def test_pub_7_claim_payment_notice_prints_payees_losses_and_amounts(claim_notice):
    pages = []

    rendered = printing.render_notice(notice=claim_notice, on_pages=pages.append)

    flat = compact(pdf_text(rendered.pdf))
    assert "阳山县东村水稻种植保险2026早稻赔款公示" in flat
    assert "王*明" in flat and "李*英" in flat
    assert "洪涝水稻10亩" in flat and "1,000.00" in flat and "530.50" in flat
    assert "1,530.50" in flat  # the total
    assert "王小明" not in flat and "李秀英" not in flat
    assert rendered.lines == 2
    # Portrait is wide enough for a payee table; the layout reported its page.
    assert mm(rendered.pdf) == (210, 297)
    assert pages == [1]


# The document's life (stand-in renderer) -------------------------------------------------


def test_pub_2_a_second_request_while_rendering_returns_the_same_document(
    posted_notice, clerk_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = printing.notice_document_request(clerk=clerk_a, notice=posted_notice)
        second = printing.notice_document_request(clerk=clerk_a, notice=posted_notice)

    assert first == second
    assert len(callbacks) == 1
    assert first.state == NoticeDocument.State.QUEUED and first.revision == 1


def test_pub_5_a_changed_notice_is_printed_again_at_its_new_revision(
    posted_notice, clerk_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        first = printing.notice_document_request(clerk=clerk_a, notice=posted_notice)
    Notice.objects.filter(pk=posted_notice.pk).update(revision=2)  # an objection changed it

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        second = printing.notice_document_request(clerk=clerk_a, notice=posted_notice)

    assert second != first and second.revision == 2 and len(callbacks) == 1


def test_pub_2_a_stalled_render_is_replaced_by_a_new_request(
    posted_notice, clerk_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        lost = printing.notice_document_request(clerk=clerk_a, notice=posted_notice)
    later = timezone.now() + printing.STALLED_AFTER + dt.timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        assert printing.document_stalled(lost)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            fresh = printing.notice_document_request(clerk=clerk_a, notice=posted_notice)

    assert fresh != lost and len(callbacks) == 1
    lost.refresh_from_db()
    assert lost.state == NoticeDocument.State.FAILED and lost.failure


def test_pub_2_a_task_delivered_twice_renders_once(posted_notice, clerk_a, fake_render):
    document = NoticeDocument.objects.create(notice=posted_notice, revision=1, requested_by=clerk_a)

    first = printing.notice_document_render(document_id=document.pk)
    again = printing.notice_document_render(document_id=document.pk)

    assert first.state == again.state == NoticeDocument.State.READY
    assert fake_render == [posted_notice.pk]
    assert first.pages == 2 and first.lines_done == 3 and first.finished_at is not None


def test_pub_5_the_document_records_the_revision_it_printed(posted_notice, clerk_a, fake_render):
    document = NoticeDocument.objects.create(notice=posted_notice, revision=1, requested_by=clerk_a)
    # An objection was resolved between the request and the render.
    Notice.objects.filter(pk=posted_notice.pk).update(revision=2)

    assert printing.notice_document_render(document_id=document.pk).revision == 2


def test_pub_2_a_failed_render_is_recorded(posted_notice, clerk_a, monkeypatch):
    def broken(*, notice, context=None, on_pages=None):
        raise OSError("font cache unreadable")

    monkeypatch.setattr(printing, "render_notice", broken)
    document = NoticeDocument.objects.create(notice=posted_notice, revision=1, requested_by=clerk_a)

    printing.notice_document_render(document_id=document.pk)

    document.refresh_from_db()
    assert document.state == NoticeDocument.State.FAILED
    assert "font cache unreadable" in document.failure and document.finished_at is not None


def test_pub_2_layout_progress_is_heard_without_reaching_the_console(caplog):
    pages = []
    progress = logging.getLogger("weasyprint.progress")
    level = progress.level

    with caplog.at_level(logging.INFO), printing._layout_progress(pages.append):
        progress.info("Step 5 - Creating layout - Page %d", 1)
        progress.info("Step 5 - Creating layout - Page %d", 2)  # within the interval
        progress.info("Step 6 - Creating PDF")

    assert pages == [1]
    assert caplog.records == []
    assert progress.level == level and progress.propagate and not progress.handlers


def test_pub_2_progress_is_stored_as_an_estimate_below_the_total(posted_notice, clerk_a):
    document = NoticeDocument.objects.create(
        notice=posted_notice, revision=1, requested_by=clerk_a, state="rendering"
    )

    printing._store_progress(document, 29)(1)

    document.refresh_from_db()
    # Never "all lines" before the document is ready.
    assert document.pages == 1 and document.lines_done == 2


def test_pub_2_withdrawn_notices_are_not_printed(posted_notice, clerk_a):
    posted_notice.state, posted_notice.withdrawn_reason = Notice.State.WITHDRAWN, "名单已更换"
    posted_notice.save()

    with pytest.raises(ValidationError) as refused:
        printing.notice_document_request(clerk=clerk_a, notice=posted_notice)

    assert refused.value.code == "notice_withdrawn"
    assert not NoticeDocument.objects.exists()


def test_pub_2_only_staff_of_the_outlet_print(posted_notice, clerk_b, auditor, county_manager):
    with pytest.raises(NotInScope):
        printing.notice_document_request(clerk=clerk_b, notice=posted_notice)
    with pytest.raises(ReadOnlyRole):
        printing.notice_document_request(clerk=auditor, notice=posted_notice)
    # Above the outlet in the tree is in scope.
    assert printing.notice_document_request(clerk=county_manager, notice=posted_notice).pk


# Pages -----------------------------------------------------------------------------------


def test_pub_2_print_pages_queue_poll_and_download(
    client, posted_notice, clerk_a, fake_render, django_capture_on_commit_callbacks
):
    client.force_login(clerk_a)
    url = reverse("publicity:notice_print", args=[posted_notice.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert f'action="{url}"' in page.content.decode()

    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(url)
    document = NoticeDocument.objects.get(notice=posted_notice)
    assert response.status_code == 302
    assert response["Location"] == reverse("publicity:document_detail", args=[document.pk])

    detail = client.get(response["Location"]).content.decode()
    progress_url = reverse("publicity:document_progress", args=[document.pk])
    # Polls its progress every second, with no inline script or style (CSP).
    assert f'hx-get="{progress_url}"' in detail and 'hx-trigger="every 1s"' in detail
    assert "style=" not in detail and "<script>" not in detail

    NoticeDocument.objects.filter(pk=document.pk).update(state="rendering", lines_done=2, pages=1)
    rendering = client.get(progress_url, HTTP_HX_REQUEST="true").content.decode()
    assert 'value="2" max="3"' in rendering and "hx-trigger" in rendering

    printing.notice_document_render(document_id=document.pk)
    partial = client.get(progress_url, HTTP_HX_REQUEST="true").content.decode()
    download_url = reverse("publicity:document_download", args=[document.pk])
    assert "hx-trigger" not in partial  # polling stops
    assert download_url in partial

    download = client.get(download_url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Cache-Control"] == "private, no-store"
    assert "attachment" in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == FAKE_PDF
    listing = client.get(url).content.decode()
    assert reverse("publicity:document_detail", args=[document.pk]) in listing


def test_pub_2_a_changed_notice_warns_that_its_print_is_outdated(
    client, posted_notice, clerk_a, fake_render
):
    document = NoticeDocument.objects.create(notice=posted_notice, revision=1, requested_by=clerk_a)
    printing.notice_document_render(document_id=document.pk)
    Notice.objects.filter(pk=posted_notice.pk).update(revision=2)
    client.force_login(clerk_a)

    response = client.get(reverse("publicity:document_progress", args=[document.pk]))

    assert response.context["outdated"]
    assert "alert-warning" in response.content.decode()


def test_pub_2_print_of_a_withdrawn_notice_is_refused_on_the_page(client, posted_notice, clerk_a):
    posted_notice.state, posted_notice.withdrawn_reason = Notice.State.WITHDRAWN, "名单已更换"
    posted_notice.save()
    client.force_login(clerk_a)

    response = client.post(reverse("publicity:notice_print", args=[posted_notice.pk]))

    assert response.status_code == 400
    assert response.context["errors"]
    assert not NoticeDocument.objects.exists()


def test_it_validates_ownership_of_print_pages(
    client, posted_notice, clerk_a, clerk_b, auditor, fake_render
):
    document = NoticeDocument.objects.create(notice=posted_notice, revision=1, requested_by=clerk_a)
    printing.notice_document_render(document_id=document.pk)
    print_url = reverse("publicity:notice_print", args=[posted_notice.pk])
    urls = [
        reverse(f"publicity:{name}", args=[document.pk])
        for name in ("document_detail", "document_progress", "document_download")
    ]

    for url in [print_url, *urls]:
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"], url

    client.force_login(clerk_b)
    for url in [print_url, *urls]:
        assert client.get(url).status_code == 404, url
    assert client.post(print_url).status_code == 404

    client.force_login(auditor)
    assert client.get(urls[0]).status_code == 200
    assert client.get(urls[1]).status_code == 200
    assert client.get(urls[2]).status_code == 403  # downloading is printing
    assert client.get(print_url).status_code == 403
    assert client.post(print_url).status_code == 403
    assert NoticeDocument.objects.count() == 1


# API -------------------------------------------------------------------------------------


def test_pub_2_api_queues_reports_and_downloads_the_printed_notice(
    posted_notice, clerk_a, fake_render, django_capture_on_commit_callbacks
):
    api = api_as(clerk_a)
    with django_capture_on_commit_callbacks(execute=False):
        response = api.post(f"/api/v1/notices/{posted_notice.pk}/documents/create/")
    assert response.status_code == 202
    body = response.json()
    assert body["state"] == "queued" and body["download_url"] is None
    assert body["line_count"] == 3 and body["revision"] == 1
    detail_url = f"/api/v1/notice-documents/{body['id']}/"
    assert api.get(detail_url + "file/").status_code == 404  # not ready yet

    printing.notice_document_render(document_id=body["id"])
    detail = api.get(detail_url).json()
    assert detail["state"] == "ready" and detail["pages"] == 2 and detail["lines_done"] == 3
    assert detail["download_url"] == detail_url + "file/"
    listing = api.get(f"/api/v1/notices/{posted_notice.pk}/documents/").json()
    assert [row["id"] for row in listing] == [body["id"]]

    download = api.get(detail["download_url"], HTTP_ACCEPT="application/pdf")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == FAKE_PDF


def test_it_validates_ownership_of_print_endpoints(posted_notice, clerk_a, clerk_b, auditor):
    document = NoticeDocument.objects.create(
        notice=posted_notice,
        revision=1,
        requested_by=clerk_a,
        state=NoticeDocument.State.READY,
        file="notices/ready.pdf",
    )
    create = f"/api/v1/notices/{posted_notice.pk}/documents/create/"
    reads = [
        f"/api/v1/notices/{posted_notice.pk}/documents/",
        f"/api/v1/notice-documents/{document.pk}/",
        f"/api/v1/notice-documents/{document.pk}/file/",
    ]

    anonymous = APIClient()
    assert anonymous.post(create).status_code in (401, 403)
    for url in reads:
        assert anonymous.get(url).status_code in (401, 403), url
    for url in reads:
        assert api_as(clerk_b).get(url).status_code == 404, url
    assert api_as(clerk_b).post(create).status_code == 404
    assert api_as(auditor).get(reads[0]).status_code == 200
    assert api_as(auditor).get(reads[1]).status_code == 200
    refused = api_as(auditor).get(reads[2])
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "permission_denied"
    assert api_as(auditor).post(create).status_code == 403
    assert NoticeDocument.objects.count() == 1


def test_pub_2_print_endpoints_are_in_the_openapi_schema(client):
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    for route in (
        "/api/v1/notices/{id}/documents/",
        "/api/v1/notices/{id}/documents/create/",
        "/api/v1/notice-documents/{id}/",
        "/api/v1/notice-documents/{id}/file/",
    ):
        assert route in schema["paths"], route
    pdf = schema["paths"]["/api/v1/notice-documents/{id}/file/"]["get"]["responses"]["200"]
    assert "application/pdf" in pdf["content"]
