"""A village notice in real headless Chromium: the clerk creates the notice from the
group policy page (PUB-1), posts it with a photo of the notice board (PUB-3, PUB-4,
PUB-6), a villager files an objection on the public page behind the QR code (PUB-2,
PUB-5) and the clerk resolves it with a correction of the list; the notice still cannot
close before its 7 days (PUB-4)."""

from decimal import Decimal

import pytest

from core.models import EvidencePhoto
from publicity.models import Notice, Objection
from tests import test_browser as shell
from tests.underwriting.group_support import photo
from underwriting.models import HouseholdRow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

browser = shell.browser
async_unsafe_allowed = shell.async_unsafe_allowed


@pytest.fixture
def clerk_page(browser, live_server):
    page = shell.Watched(browser, live_server.url)
    yield page
    page.close()


@pytest.fixture
def villager_page(browser, live_server):
    page = shell.Watched(browser, live_server.url)
    yield page
    page.close()


def submit(page, form_selector: str) -> None:
    with page.expect_navigation():
        page.click(f"{form_selector} button[type=submit]")


def test_pub_1_to_6_notice_posted_objected_online_and_corrected(
    clerk_page, villager_page, clerk_a, group_policy
):
    # Given outlet A's listed group policy: the clerk creates its notice from its page.
    page = clerk_page.page
    clerk_page.login("clerk_a")
    clerk_page.goto(f"/underwriting/groups/{group_policy.pk}/")
    with page.expect_navigation():
        page.click("#create-notice")
    page.fill("#id_objection_phone", "0763-1234567")
    page.fill("#id_objection_place", "阳城镇三农营销服务部柜面")
    submit(page, "#notice-create-form")
    notice = Notice.objects.get()
    assert page.locator("#notice-state [data-state]").get_attribute("data-state") == "draft"
    # Staff see the full names.
    assert "欧阳春花" in page.locator("#notice-lines").inner_text()

    # When it is put up on the village notice board (the time field is prefilled).
    page.select_option("#id_place_kind", "board")
    page.fill("#id_place", "东村村委会公告栏")
    page.check("#post-form input[name=channels][value=broadcast]")
    submit(page, "#post-form")
    notice.refresh_from_db()
    assert notice.state == Notice.State.POSTED
    assert notice.channels == ["broadcast"]
    assert page.locator("#period-left").is_visible()

    # And a photo of the board is uploaded (PUB-6).
    posting = notice.postings.get()
    upload = photo("board.jpg")
    page.set_input_files(
        f"#evidence-files-{posting.pk}",
        files=[{"name": "board.jpg", "mimeType": "image/jpeg", "buffer": upload.read()}],
    )
    submit(page, f"#posting-{posting.pk} .evidence-form")
    evidence = EvidencePhoto.objects.get()
    page.wait_for_selector(f"#posting-{posting.pk} img[src$='/evidence/{evidence.pk}/thumb.jpg']")
    clerk_page.assert_clean()

    # Then a villager opens the online notice and objects to the first household's area.
    public_url = page.locator("#public-link").get_attribute("href")
    villager = villager_page.page
    villager_page.goto(public_url)
    assert "欧阳春花" not in villager.content()
    villager.select_option("#id_line_position", "1")
    villager.select_option("#id_claim", "wrong_quantity")
    villager.fill("#id_details", "王小明家实际种了12亩。")
    villager.fill("#id_raiser_name", "李四")
    submit(villager, "#public-objection-form")
    objection = Objection.objects.get()
    assert (objection.channel, objection.late, objection.recorded_by) == ("online", False, None)
    villager_page.assert_clean()

    # When the clerk verifies it and corrects the list from the objection page.
    clerk_page.goto(f"/publicity/notices/{notice.pk}/")
    with page.expect_navigation():
        page.click(f"#notice-objections a[href='/publicity/objections/{objection.pk}/']")
    page.select_option("#id_outcome", "corrected")
    page.fill("#id_quantity", "12")
    page.fill("#id_note", "村组长现场核实为12亩。")
    submit(page, "#resolve-form")

    # Then the objection is resolved, the household row and the notice line say 12 mu,
    # and the notice has a new revision.
    objection.refresh_from_db()
    assert (objection.state, objection.outcome) == ("resolved", "corrected")
    line = notice.lines.get(position=1)
    assert line.quantity == Decimal("12")
    assert HouseholdRow.objects.get(pk=line.source_row_id).quantity == Decimal("12")
    notice.refresh_from_db()
    assert notice.revision == 2
    assert page.locator("#objection-changes tbody tr").count() >= 1

    # And the notice still cannot close before its 7 days (PUB-4).
    clerk_page.goto(f"/publicity/notices/{notice.pk}/")
    assert "PUB-4" in page.locator("#close-blockers").inner_text()
    submit(page, "#close-form")
    notice.refresh_from_db()
    assert notice.state == Notice.State.POSTED
    clerk_page.assert_clean()
