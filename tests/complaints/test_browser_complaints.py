"""A claim complaint in real headless Chromium, from the counter to closure: intake,
hand-over (CMP-1), escalation after the hour (CMP-5, time driven by the test), forwarding
to the claims centre, outcome and a satisfied follow-up call (CMP-6)."""

import datetime as dt

import pytest
from django.utils import translation

from complaints.models import Complaint, Escalation
from complaints.selectors import complaint_timer
from core.timers import timers_sweep
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
def head_page(browser, live_server):
    page = shell.Watched(browser, live_server.url)
    yield page
    page.close()


def submit(page, form_selector: str) -> None:
    with page.expect_navigation():
        page.click(f"{form_selector} button[type=submit]")
    unfold(page)


def unfold(page) -> None:
    """Open every folded form (<details>), as a clerk clicking its summary would."""
    folded = page.locator("details:not([open]) > summary")
    while folded.count():
        folded.first.click()


def test_cmp_1_5_6_counter_complaint_handed_over_escalated_and_closed(
    clerk_page, head_page, tree, clerk_a, outlet_head_a, county_manager, claims_centre
):
    # Given a customer at outlet A's counter with a complaint about a claim.
    page = clerk_page.page
    clerk_page.login("clerk_a")
    clerk_page.goto("/complaints/new/")
    page.select_option("#id_channel", "counter")
    page.select_option("#id_topic", "claims")
    page.select_option("#id_severity", "general")
    page.fill("#id_complainant_name", "张三")
    page.fill("#id_contact_phone", "13800138000")
    page.fill("#id_what_happened", "水稻受灾报案已两周，无人联系查勘。")
    page.fill("#id_what_is_asked", "尽快查勘定损。")
    submit(page, "#complaint-form")

    # Then it has a readable number and the clerk is its first responder (CMP-1, CMP-7).
    complaint = Complaint.objects.get()
    assert complaint.number in page.locator("h1").inner_text()
    assert complaint.first_responder == clerk_a

    # When the clerk hands it to the outlet head, who has the authority.
    page.select_option("#hand-over-to", str(outlet_head_a.pk))
    page.fill("#hand-over-reason", "理赔投诉由服务部负责人处理。")
    submit(page, "#hand-over-form")
    complaint.refresh_from_db()
    assert complaint.first_responder == outlet_head_a
    assert complaint.handovers.get().from_user == clerk_a

    # And nobody forwards it within the working hour: the sweep escalates (CMP-5).
    due = complaint_timer(complaint=complaint, rule_code="CMP-5").due_at
    timers_sweep(now=due + dt.timedelta(minutes=1))
    step = Escalation.objects.get(complaint=complaint)
    assert (step.step, step.role) == (1, "outlet_head")
    clerk_page.goto(f"/complaints/{complaint.pk}/")
    assert page.locator("#complaint-escalation tbody tr").count() >= 1
    clerk_page.assert_clean()

    # Then the outlet head acts: forwarding stops the chain.
    head = head_page.page
    head_page.login("head_a")
    head_page.goto(f"/complaints/{complaint.pk}/")
    unfold(head)
    submit(head, "form[action$='/forward/']")
    step.refresh_from_db()
    assert step.acted_by == outlet_head_a
    timers_sweep(now=due + dt.timedelta(days=2))
    assert Escalation.objects.filter(complaint=complaint).count() == 1

    # And the outcome is told, the follow-up call finds the customer satisfied (CMP-6).
    head.fill("#outcome-text", "已安排理赔员明日查勘。")
    submit(head, "#outcome-form")
    head.check("#follow-up-form input[name=satisfaction][value=satisfied]")
    head.fill("#follow-up-note", "客户表示满意。")
    submit(head, "#follow-up-form")
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.CLOSED
    assert complaint.satisfaction == Complaint.Satisfaction.SATISFIED
    with translation.override("zh-hans"):
        closed = str(Complaint.Status.CLOSED.label)
    assert head.locator("#complaint-status").inner_text() == closed
    head_page.assert_clean()
