"""One counter issuance in a real headless Chromium: register the customer, quote with the
live premium preview, explain the terms (UW-8), take cash, issue, print, and read the
printed policy's text (UW-13)."""

import io
import re
from pathlib import Path

import pytest
from django.utils import translation
from pypdf import PdfReader

from tests import test_browser as shell
from tests.underwriting.factories import resident_id
from underwriting.models import Customer, Policy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The Playwright set-up of the shell's browser test: Chromium at /usr/bin/chromium, one
# watched page per test on the live server.
async_unsafe_allowed = shell.async_unsafe_allowed
browser = shell.browser
watched = shell.watched


def ui_text(msgid: str) -> str:
    """A label as the Chinese UI shows it (the msgid until it is translated)."""
    with translation.override("zh-hans"):
        return translation.gettext(msgid)


def pdf_bytes_of_click(watched, link) -> bytes:
    """Click a link to a PDF and return the document, whether the server sends it as an
    attachment (a download) or inline (shown in Chromium's viewer, which keeps the bytes
    to itself: they are downloaded again with the same session)."""
    page = watched.page
    downloads = []
    page.on("download", lambda download: downloads.append(download))
    href = link.get_attribute("href")
    with page.expect_response(lambda response: response.url.endswith(href)) as caught:
        link.click()
    response = caught.value
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/pdf")
    if "attachment" in response.headers.get("content-disposition", ""):
        download = downloads[0] if downloads else page.wait_for_event("download")
        return Path(download.path()).read_bytes()
    again = watched.context.request.get(response.url)
    assert again.headers["content-type"].startswith("application/pdf")
    return again.body()


def test_counter_issuance_ends_in_a_printed_policy(transactional_db, watched, book, clerk_a):
    page = watched.page
    watched.login("clerk_a")

    # Register the customer; the ID typed with spaces and a lower-case x.
    watched.goto("/underwriting/")
    page.locator("main a[href='/underwriting/customers/new/']").first.click()
    page.wait_for_url(re.compile(r".*/underwriting/customers/new/$"))
    page.select_option("#id_kind", "farmer")
    page.fill("#id_name", "王五")
    number = resident_id(1)
    page.fill("#id_id_number", f"{number[:6]} {number[6:14]} {number[14:].lower()}")
    page.fill("#id_phone", "13912345678")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/underwriting/customers/\d+/$"))
    customer = Customer.objects.get(name="王五")
    assert customer.id_number == number
    # Masked on the page.
    assert f"441823********{number[-4:]}" in page.locator("#customer-facts").inner_text()

    # Quote: the premium split appears before saving (htmx preview).
    page.locator(f"a[href='/underwriting/customers/{customer.pk}/quote/']").click()
    page.wait_for_url(re.compile(r".*/quote/$"))
    page.select_option("#id_product", str(book.rice.pk))
    page.fill("#id_quantity", "12.5")
    page.fill("#id_expected_minutes", "20")
    page.locator("#id_expected_minutes").dispatch_event("change")
    page.wait_for_selector("#customer-pays")
    assert "150.00" in page.locator("#customer-pays").inner_text()
    assert "750.00" in page.locator("#split-premium").inner_text()
    page.click("#quote-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/underwriting/policies/\d+/$"))
    policy = Policy.objects.get(insured=customer)

    # UW-8: the three confirmations, then cash, then issue.
    for box in page.locator("#step-explain input[type=checkbox]").all():
        box.check()
    page.click("#step-explain button[type=submit]")
    page.wait_for_selector("#step-pay")
    assert "150.00" in page.locator("#step-pay").inner_text()
    page.select_option("#id_payment_method", "cash")
    page.click("#step-pay button[type=submit]")
    page.wait_for_selector("#step-issue")
    page.click("#step-issue button[type=submit]")
    page.wait_for_selector("#step-print")
    policy.refresh_from_db()
    assert policy.status == Policy.Status.ISSUED
    assert policy.number in page.locator("h1").inner_text()
    watched.assert_clean()

    # Print: the PDF carries the number, the insured and the product.
    link = page.get_by_role("link", name=ui_text("Print policy"))
    text = "\n".join(
        pdf_page.extract_text()
        for pdf_page in PdfReader(io.BytesIO(pdf_bytes_of_click(watched, link))).pages
    )
    assert policy.number in text
    assert "王五" in text
    assert "水稻种植保险" in text
