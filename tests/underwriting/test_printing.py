"""UW-13: the printed policy (individual at once, group with its household annex in the
worker), the first print meeting OUT-13, and the public verification page."""

import datetime as dt
import io
from decimal import Decimal

import pytest
import segno
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from pypdf import PdfReader
from rest_framework.test import APIClient

from config import celery_app
from core import timers
from core.access import ReadOnlyRole
from core.masking import mask
from core.models import SlaTimer
from tests.underwriting.factories import PolicyFactory, resident_id
from underwriting.models import HouseholdList, HouseholdRow, Policy, PolicyDocument
from underwriting.services import printing

CODE = "K7M2P9QXR4T8"
GROUP_CODE = "W3N5H8J2C6V9"
FARMER_ID = "11010519491231002X"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PUBLIC_BASE_URL = "https://verify.example.cn"


@pytest.fixture
def individual(tree, clerk_a, book) -> Policy:
    """An issued rice policy of 张三 at outlet A: 600.00 split 120 / 270 / 150 / 30 / 30."""
    now = timezone.now()
    return PolicyFactory(
        product=book.rice,
        org_unit=tree.outlet_a,
        entered_by=clerk_a,
        applicant=book.farmer_a,
        insured=book.farmer_a,
        status=Policy.Status.ISSUED,
        number="P44182301202600000001",
        verification_code=CODE,
        issued_at=now,
        explained_at=now,
        explained_by=clerk_a,
        subject="水稻",
        quantity=Decimal("10"),
        unit="亩",
        sum_insured=Decimal("10000.00"),
        premium=Decimal("600.00"),
        farmer_share=Decimal("120.00"),
        central=Decimal("270.00"),
        provincial=Decimal("150.00"),
        city=Decimal("30.00"),
        county=Decimal("30.00"),
        payment_method=Policy.PaymentMethod.POS,
        payment_reference="POS-884213",
        paid_at=now,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + dt.timedelta(days=364),
    )


HOUSEHOLDS = [
    ("王五", resident_id(11), HouseholdRow.Signature.SIGNED, ""),
    ("赵六", resident_id(12), HouseholdRow.Signature.PROXY, "王五"),
    ("孙七", resident_id(13), HouseholdRow.Signature.UNSIGNED, ""),
]


def make_group(*, tree, clerk, book, households) -> Policy:
    """An issued group policy of the village committee with an accepted list; each row
    75.00 split 15.00 / 33.75 / 18.75 / 3.75 / 3.75."""
    count = len(households)
    row_premium = Decimal("75.00")
    policy = PolicyFactory(
        kind=Policy.Kind.GROUP,
        product=book.rice,
        org_unit=tree.outlet_a,
        entered_by=clerk,
        organiser=book.committee_a,
        applicant_label=f"{households[0][0]}等{count}户",
        status=Policy.Status.ISSUED,
        number="G44182301202600000002",
        verification_code=GROUP_CODE,
        issued_at=timezone.now(),
        season="2026早稻",
        subject="水稻",
        quantity=Decimal("12.5") * count,
        unit="亩",
        sum_insured=Decimal("1250.00") * count,
        premium=row_premium * count,
        farmer_share=Decimal("15.00") * count,
        central=Decimal("33.75") * count,
        provincial=Decimal("18.75") * count,
        city=Decimal("3.75") * count,
        county=Decimal("3.75") * count,
    )
    household_list = HouseholdList.objects.create(
        policy=policy,
        state=HouseholdList.State.ACCEPTED,
        source="household-lists/list.xlsx",
        source_name="list.xlsx",
        uploaded_by=clerk,
        household_count=count,
    )
    HouseholdRow.objects.bulk_create(
        HouseholdRow(
            household_list=household_list,
            row_number=number,
            name=name,
            id_kind=HouseholdRow.IdKind.RESIDENT,
            id_number=id_number,
            phone="13912345678",
            subject_type="水稻",
            quantity=Decimal("12.5"),
            unit="亩",
            village_group="东村一组",
            bank_account="6217000000000099887",
            signature=signature,
            proxy_name=proxy,
            proxy_authorisation="委托书2026-01" if proxy else "",
            premium=row_premium,
            farmer_share=Decimal("15.00"),
            central=Decimal("33.75"),
            provincial=Decimal("18.75"),
            city=Decimal("3.75"),
            county=Decimal("3.75"),
        )
        for number, (name, id_number, signature, proxy) in enumerate(households, start=1)
    )
    return policy


@pytest.fixture
def group(tree, clerk_a, book) -> Policy:
    return make_group(tree=tree, clerk=clerk_a, book=book, households=HOUSEHOLDS)


@pytest.fixture
def eager_worker():
    """Enqueued tasks run in the test process (when the transaction commits)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def pdf_pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def pdf_text(pdf: bytes) -> str:
    return "\n".join(pdf_pages(pdf))


def zh(message: str) -> str:
    with translation.override("zh-hans"):
        return gettext(message)


# The individual policy -------------------------------------------------------------------


def test_uw_13_individual_policy_prints_number_parties_subject_split_and_code(
    individual, clerk_a, book
):
    pdf = printing.policy_print(clerk=clerk_a, policy=individual)
    text = pdf_text(pdf)

    assert pdf.startswith(b"%PDF-")
    for expected in (
        "P44182301202600000001",
        "张三",
        "水稻种植保险",
        "阳城镇三农营销服务部",
        "10亩",
        "10,000.00",
        # UW-4: farmer, central, provincial, city, county and total, to the cent.
        "120.00",
        "270.00",
        "150.00",
        "30.00",
        "600.00",
        "投保人及其家庭成员的故意行为",
        "行政行为或司法行为",
        "95518",
        "POS-884213",
        CODE,
    ):
        assert expected in text, expected
    # REG-3: the insured's ID number is printed masked, never in full.
    assert mask(FARMER_ID, "id_number") == "110105********002X"
    assert "110105********002X" in text
    assert FARMER_ID not in text
    assert "13800138000" not in text


def test_uw_13_policy_is_a4_and_prints_in_chinese_whatever_the_screen_language(individual, clerk_a):
    with translation.override("en"):
        english_screen = printing.render_policy(policy=individual).pdf
    with translation.override("zh-hans"):
        chinese_screen = printing.render_policy(policy=individual).pdf

    assert pdf_pages(english_screen) == pdf_pages(chinese_screen)
    assert zh("Insurance policy") in pdf_text(english_screen)
    width, height = PdfReader(io.BytesIO(english_screen)).pages[0].mediabox[2:]
    assert (round(float(width) / 72 * 25.4), round(float(height) / 72 * 25.4)) == (210, 297)


def test_uw_13_qr_code_opens_the_public_verification_page(individual, clerk_a):
    url = printing.verification_url(CODE)
    assert url == f"https://verify.example.cn/underwriting/verify/{CODE}/"
    assert url == "https://verify.example.cn" + reverse("underwriting:verify", args=[CODE])

    pdf = printing.policy_print(clerk=clerk_a, policy=individual)

    # The embedded image is the QR code of that URL, module for module (one pixel per
    # module, four-module quiet zone).
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


def test_uw_13_and_out_13_first_print_is_recorded_and_meets_the_issuance_clock(
    individual, clerk_a, tree
):
    timer = timers.timer_start(
        subject=individual, rule_code="OUT-13", org_unit=tree.outlet_a, owner=clerk_a
    )
    other = timers.timer_start(
        subject=individual, rule_code="OUT-12", org_unit=tree.outlet_a, owner=clerk_a
    )

    printing.policy_print(clerk=clerk_a, policy=individual)
    individual.refresh_from_db()
    first = individual.printed_at

    timer.refresh_from_db()
    other.refresh_from_db()
    assert first is not None
    assert timer.state == SlaTimer.State.MET
    assert other.state == SlaTimer.State.RUNNING  # only the issuance clock stops

    printing.policy_print(clerk=clerk_a, policy=individual)
    individual.refresh_from_db()
    assert individual.printed_at == first


def test_uw_13_surrendered_policy_prints_stamped(individual, clerk_a):
    individual.status = Policy.Status.SURRENDERED
    individual.save()

    text = pdf_text(printing.policy_print(clerk=clerk_a, policy=individual))

    assert zh("SURRENDERED") in text


@pytest.mark.parametrize(
    "status", [Policy.Status.QUOTED, Policy.Status.PENDING_PAYMENT, Policy.Status.CANCELLED]
)
def test_uw_13_a_policy_that_is_not_issued_is_not_printed(tree, clerk_a, book, status):
    policy = PolicyFactory(
        product=book.rice,
        org_unit=tree.outlet_a,
        entered_by=clerk_a,
        insured=book.farmer_a,
        status=status,
        channel=Policy.Channel.TELESALES,
    )

    with pytest.raises(ValidationError) as refused:
        printing.policy_print(clerk=clerk_a, policy=policy)
    assert refused.value.code == "not_printable"
    policy.refresh_from_db()
    assert policy.printed_at is None

    client_response = api_as(clerk_a).get(f"/api/v1/policies/{policy.pk}/pdf/")
    assert client_response.status_code == 400


def test_uw_13_read_only_auditor_cannot_print(individual, auditor):
    with pytest.raises(ReadOnlyRole):
        printing.policy_print(clerk=auditor, policy=individual)
    individual.refresh_from_db()
    assert individual.printed_at is None


# Pages -----------------------------------------------------------------------------------


def test_uw_13_print_page_returns_the_pdf_inline_named_by_policy_number(
    client, individual, clerk_a
):
    client.force_login(clerk_a)
    response = client.get(reverse("underwriting:policy_pdf", args=[individual.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="P44182301202600000001.pdf"'
    assert "no-store" in response["Cache-Control"]
    assert "张三" in pdf_text(response.content)


def test_uw_13_print_page_refusals(client, individual, clerk_b, auditor, tree, clerk_a, book):
    url = reverse("underwriting:policy_pdf", args=[individual.pk])
    client.force_login(clerk_b)
    assert client.get(url).status_code == 404  # OUT-1: another outlet's policy
    client.force_login(auditor)
    assert client.get(url).status_code == 403
    quote = PolicyFactory(
        product=book.rice, org_unit=tree.outlet_a, entered_by=clerk_a, insured=book.farmer_a
    )
    client.force_login(clerk_a)
    response = client.get(reverse("underwriting:policy_pdf", args=[quote.pk]))
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert response.context["errors"]
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


# The group policy ------------------------------------------------------------------------


def test_uw_13_group_policy_prints_with_the_household_annex_ids_masked(
    group, clerk_a, eager_worker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        document = printing.policy_document_request(clerk=clerk_a, policy=group)

    document.refresh_from_db()
    assert document.state == PolicyDocument.State.READY, document.failure
    assert document.annex_rows == 3
    with document.file.open("rb") as file:
        pdf = file.read()
    pages = pdf_pages(pdf)
    assert document.pages == len(pages)
    text = "\n".join(pages)
    assert group.organiser.name in text
    assert "王五等3户" in text
    assert GROUP_CODE in text
    for name, id_number, _signature, _proxy in HOUSEHOLDS:
        assert name in text
        assert mask(id_number, "id_number") in text
        assert id_number not in text
    assert "王五代" in text  # UW-7: the proxy signature as "{name}代"
    assert "13912345678" not in text and "6217000000000099887" not in text
    # The annex totals: 3 × 12.5 亩 and 3 × 75.00.
    assert "37.5亩" in text and "225.00" in text
    # The annex is landscape.
    width, height = PdfReader(io.BytesIO(pdf)).pages[-1].mediabox[2:]
    assert float(width) > float(height)
    group.refresh_from_db()
    assert group.printed_at is not None


def test_uw_13_group_policy_does_not_print_in_the_request(group, clerk_a):
    with pytest.raises(ValidationError) as refused:
        printing.policy_print(clerk=clerk_a, policy=group)
    assert refused.value.code == "group_prints_in_background"


def test_uw_13_a_second_request_while_rendering_returns_the_same_document(
    group, clerk_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = printing.policy_document_request(clerk=clerk_a, policy=group)
        second = printing.policy_document_request(clerk=clerk_a, policy=group)

    assert first == second
    assert len(callbacks) == 1
    assert first.state == PolicyDocument.State.QUEUED


def test_uw_13_a_stalled_render_is_replaced_by_a_new_request(
    client, group, clerk_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        lost = printing.policy_document_request(clerk=clerk_a, policy=group)
    later = timezone.now() + printing.STALLED_AFTER + dt.timedelta(minutes=1)
    client.force_login(clerk_a)
    with time_machine.travel(later, tick=False):
        partial = client.get(reverse("underwriting:document_progress", args=[lost.pk]))
        assert "hx-trigger" not in partial.content.decode()  # stops polling, offers a retry
        assert partial.context["stalled"]
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            fresh = printing.policy_document_request(clerk=clerk_a, policy=group)

    assert fresh != lost and len(callbacks) == 1
    lost.refresh_from_db()
    assert lost.state == PolicyDocument.State.FAILED and lost.failure


def test_uw_13_a_task_delivered_twice_renders_once(group, clerk_a, monkeypatch):
    document = PolicyDocument.objects.create(policy=group, requested_by=clerk_a)
    assert printing.policy_document_render(document_id=document.pk).state == "ready"

    monkeypatch.setattr(printing, "render_policy", pytest.fail)
    assert printing.policy_document_render(document_id=document.pk) is None


def test_uw_13_a_failed_render_is_recorded(group, clerk_a, monkeypatch):
    document = PolicyDocument.objects.create(policy=group, requested_by=clerk_a)

    def broken(*, policy):
        raise OSError("font cache unreadable")

    monkeypatch.setattr(printing, "render_policy", broken)
    printing.policy_document_render(document_id=document.pk)

    document.refresh_from_db()
    assert document.state == PolicyDocument.State.FAILED
    assert "font cache unreadable" in document.failure
    assert document.finished_at is not None
    group.refresh_from_db()
    assert group.printed_at is None


def test_uw_13_group_print_pages_queue_poll_and_download(
    client, group, clerk_a, django_capture_on_commit_callbacks
):
    client.force_login(clerk_a)
    url = reverse("underwriting:policy_pdf", args=[group.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'method="post"' in page.content.decode()

    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(url)
    document = PolicyDocument.objects.get(policy=group)
    assert response.status_code == 302
    assert response["Location"] == reverse("underwriting:document_detail", args=[document.pk])

    detail = client.get(response["Location"]).content.decode()
    progress_url = reverse("underwriting:document_progress", args=[document.pk])
    # Polls its progress every second, with no inline script or style (CSP).
    assert f'hx-get="{progress_url}"' in detail and 'hx-trigger="every 1s"' in detail
    assert "style=" not in detail and "<script>" not in detail

    printing.policy_document_render(document_id=document.pk)
    partial = client.get(progress_url, HTTP_HX_REQUEST="true").content.decode()
    download_url = reverse("underwriting:document_download", args=[document.pk])
    assert "hx-trigger" not in partial  # polling stops
    assert download_url in partial

    download = client.get(download_url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert 'filename="G44182301202600000002.pdf"' in download["Content-Disposition"]
    assert "赵六" in pdf_text(b"".join(download.streaming_content))


def test_uw_13_group_document_pages_refusals(client, group, clerk_a, clerk_b, auditor):
    document = PolicyDocument.objects.create(policy=group, requested_by=clerk_a)
    printing.policy_document_render(document_id=document.pk)
    names = ("document_detail", "document_progress", "document_download")

    client.force_login(clerk_b)
    for name in names:
        assert client.get(reverse(f"underwriting:{name}", args=[document.pk])).status_code == 404
    assert client.post(reverse("underwriting:policy_pdf", args=[group.pk])).status_code == 404

    client.force_login(auditor)
    assert (
        client.get(reverse("underwriting:document_detail", args=[document.pk])).status_code == 200
    )
    download = reverse("underwriting:document_download", args=[document.pk])
    assert client.get(download).status_code == 403
    assert client.post(reverse("underwriting:policy_pdf", args=[group.pk])).status_code == 403
    assert PolicyDocument.objects.filter(policy=group).count() == 1


# The public verification page ------------------------------------------------------------


def test_uw_13_verification_page_shows_facts_and_no_personal_data(client, individual, book):
    response = client.get(reverse("underwriting:verify", args=[CODE]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "P44182301202600000001" in html
    assert "水稻种植保险" in html
    assert "阳城镇三农营销服务部" in html
    assert individual.ends_on.isoformat() in html
    assert response.context["facts"].status == printing.CoverStatus.IN_FORCE
    for personal in (
        "张三",
        mask("张三", "name"),
        FARMER_ID,
        mask(FARMER_ID, "id_number"),
        "13800138000",
        "6217000000000000123",
        "120.00",
    ):
        assert personal not in html, personal


def test_uw_13_verification_of_a_group_policy_counts_households_names_none(client, group):
    response = client.get(reverse("underwriting:verify", args=[GROUP_CODE.lower()]))

    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["facts"].households == 3
    assert group.organiser.name not in html
    for name, id_number, _signature, _proxy in HOUSEHOLDS:
        assert name not in html
        assert id_number not in html and mask(id_number, "id_number") not in html


def test_uw_13_verification_tells_surrendered_and_expired(client, individual):
    individual.status = Policy.Status.SURRENDERED
    individual.save()
    response = client.get(reverse("underwriting:verify", args=[CODE]))
    assert response.context["facts"].status == printing.CoverStatus.SURRENDERED

    individual.status = Policy.Status.ISSUED
    individual.starts_on = timezone.localdate() - dt.timedelta(days=400)
    individual.ends_on = timezone.localdate() - dt.timedelta(days=36)
    individual.save()
    response = client.get(reverse("underwriting:verify", args=[CODE]))
    assert response.context["facts"].status == printing.CoverStatus.EXPIRED


def test_uw_13_unknown_or_unissued_code_is_a_clear_404(client, tree, clerk_a, book):
    response = client.get(reverse("underwriting:verify", args=["ZZZZZZZZZZZZ"]))
    assert response.status_code == 404
    assert "ZZZZZZZZZZZZ" in response.content.decode()

    PolicyFactory(
        product=book.rice,
        org_unit=tree.outlet_a,
        entered_by=clerk_a,
        insured=book.farmer_a,
        verification_code="QUOTED234567",
    )
    assert client.get(reverse("underwriting:verify", args=["QUOTED234567"])).status_code == 404


def test_uw_13_verification_form_normalises_the_typed_code(client, individual):
    form = client.get(reverse("underwriting:verify_lookup"))
    assert form.status_code == 200
    assert 'name="code"' in form.content.decode()

    response = client.get(reverse("underwriting:verify_lookup"), {"code": " k7m2-p9qx r4t8 "})
    assert response.status_code == 302
    assert response["Location"] == reverse("underwriting:verify", args=[CODE])


# API -------------------------------------------------------------------------------------


def test_uw_13_api_prints_an_individual_policy(individual, clerk_a, clerk_b, auditor):
    url = f"/api/v1/policies/{individual.pk}/pdf/"

    response = api_as(clerk_a).get(url, HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "P44182301202600000001" in pdf_text(response.content)

    assert api_as(clerk_b).get(url).status_code == 404
    refused = api_as(auditor).get(url)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "permission_denied"


def test_uw_13_api_group_document_is_queued_then_downloaded(
    group, clerk_a, clerk_b, auditor, django_capture_on_commit_callbacks
):
    api = api_as(clerk_a)
    refused = api.get(f"/api/v1/policies/{group.pk}/pdf/")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "invalid"

    with django_capture_on_commit_callbacks(execute=False):
        response = api.post(f"/api/v1/policies/{group.pk}/documents/")
    assert response.status_code == 202
    body = response.json()
    assert body["state"] == "queued" and body["download_url"] is None
    detail_url = f"/api/v1/documents/{body['id']}/"
    assert api.get(detail_url + "file/").status_code == 404  # not ready yet

    printing.policy_document_render(document_id=body["id"])
    detail = api.get(detail_url).json()
    assert detail["state"] == "ready"
    assert detail["annex_rows"] == 3 and detail["pages"] >= 2
    assert detail["download_url"] == detail_url + "file/"

    download = api.get(detail["download_url"])
    assert download.status_code == 200
    assert "孙七" in pdf_text(b"".join(download.streaming_content))

    assert api_as(clerk_b).get(detail_url).status_code == 404
    assert api_as(clerk_b).post(f"/api/v1/policies/{group.pk}/documents/").status_code == 404
    assert api_as(auditor).get(detail_url).status_code == 200
    assert api_as(auditor).get(detail["download_url"]).status_code == 403
    assert api_as(auditor).post(f"/api/v1/policies/{group.pk}/documents/").status_code == 403


def test_uw_13_endpoints_are_in_the_openapi_schema(client):
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    for route in (
        "/api/v1/policies/{id}/pdf/",
        "/api/v1/policies/{id}/documents/",
        "/api/v1/documents/{id}/",
        "/api/v1/documents/{id}/file/",
    ):
        assert route in schema["paths"], route
    pdf = schema["paths"]["/api/v1/policies/{id}/pdf/"]["get"]["responses"]["200"]
    assert "application/pdf" in pdf["content"]
