"""A counter ticket in real headless Chromium, from issue to the customer's rating: the
clerk issues it (OUT-12), calls, serves and closes it with the htmx buttons, the waiting-
room display shows the number called, and the customer rates the service on the public
page of the ticket's QR code (OUT-15)."""

import pytest

from core.models import SlaTimer
from outlets.models import Evaluation, QueueTicket
from tests import test_browser as shell

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

browser = shell.browser
async_unsafe_allowed = shell.async_unsafe_allowed


@pytest.fixture
def clerk_page(browser, live_server):
    page = shell.Watched(browser, live_server.url)
    yield page
    page.close()


@pytest.fixture
def customer_page(browser, live_server):
    page = shell.Watched(browser, live_server.url)
    yield page
    page.close()


def click_and_swap(page, selector: str) -> None:
    """Click an htmx button and wait for the queue panel it swaps in."""
    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        page.click(selector)
    assert posted.value.status == 200, posted.value.url
    page.wait_for_selector("#queue-panel")


def test_out_12_15_ticket_from_issue_through_service_to_the_customers_rating(
    clerk_page, customer_page, live_server, settings, tree, clerk_a
):
    # The QR code on the ticket points at this server.
    settings.PUBLIC_BASE_URL = live_server.url
    outlet = tree.outlet_a.pk

    # Given a customer with a question at outlet A's counter: the clerk issues a ticket.
    page = clerk_page.page
    clerk_page.login("clerk_a")
    clerk_page.goto(f"/outlets/{outlet}/queue/")
    page.select_option("#id_purpose", "consultation")
    with page.expect_navigation():
        page.click("#issue-form button[type=submit]")
    assert page.locator("#ticket-label").inner_text() == "A001"
    assert page.locator("#printed-ticket img").get_attribute("src").startswith("data:image/png")
    rating_link = page.locator("#rating-link").get_attribute("href")
    ticket = QueueTicket.objects.get()
    assert rating_link == f"{live_server.url}/outlets/rate/{ticket.rating_token}/"
    assert ticket.wait_timer.state == SlaTimer.State.RUNNING

    # When the clerk calls the next customer to window 2 (htmx swaps the panel in place).
    with page.expect_navigation():
        page.click("#printed-ticket a.button")
    page.fill("#id_window", "2")
    click_and_swap(page, "#call-next")
    assert "A001" in page.locator("#serving-table").inner_text()
    ticket.refresh_from_db()
    assert (ticket.state, ticket.window) == (QueueTicket.State.CALLED, "2")
    assert SlaTimer.objects.get(pk=ticket.wait_timer_id).state == SlaTimer.State.MET

    # Then the waiting-room display shows the number called and the window.
    display = customer_page.page
    customer_page.login("clerk_a")
    customer_page.goto(f"/outlets/{outlet}/queue/display/")
    assert display.locator("#now-serving").inner_text() == "A001"
    assert "2" in display.locator(".queue-now-window").inner_text()
    customer_page.assert_clean()
    customer_page.context.clear_cookies()

    # And the clerk serves the customer and closes the ticket.
    click_and_swap(page, "button[data-action=serve][data-ticket=A001]")
    click_and_swap(page, "button[data-action=done][data-ticket=A001]")
    page.wait_for_selector("#serving-table", state="detached")
    ticket.refresh_from_db()
    assert ticket.state == QueueTicket.State.DONE
    assert page.locator("#queue-counts .tile-value").nth(2).inner_text() == "1"
    clerk_page.assert_clean()

    # Finally the customer scans the QR code and rates the service, without a login.
    customer = customer_page.page
    customer.goto(rating_link)
    assert "A001" in customer.locator(".page-header").inner_text()
    customer.check("#rating-form input[name=rating][value='5']")
    customer.fill("#id_comment", "讲解清楚，等候不久。")
    with customer.expect_navigation():
        customer.click("#rating-form button[type=submit]")
    assert customer.locator("#rating-thanks").is_visible()
    evaluation = Evaluation.objects.get()
    assert (evaluation.ticket_id, evaluation.rating, evaluation.channel) == (ticket.pk, 5, "qr")
    assert evaluation.served_by == clerk_a
    assert evaluation.comment == "讲解清楚，等候不久。"
    customer_page.assert_clean()
