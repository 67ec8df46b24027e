"""A walk-in claim report settled one-stop, in real headless Chromium (issue 5): the clerk
looks the policy up and takes the report (CLM-1, CLM-2), records the 95518 number and
the initial check (CLM-3); the claims centre assigns the survey (CLM-5); the adjuster,
holding a one-stop authority (CLM-6), reports the survey with a photo, assesses,
calculates and has the customer sign; the file is completed (CLM-8) and the adjuster
requests the payment, which starts the payment clocks (CLM-10, REG-1); the claims
centre marks it paid and closes the case."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfWriter

from claims_assist.models import (
    Assessment,
    CaseDocument,
    CaseMessage,
    CaseType,
    ClaimCase,
    PaymentRequest,
    SurveyAssignment,
)
from claims_assist.services.cases import case_timer
from core.models import EvidencePhoto
from tests import test_browser as shell
from tests.claims_assist.authority_support import grant, today
from tests.underwriting.group_support import jpeg_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

browser = shell.browser
async_unsafe_allowed = shell.async_unsafe_allowed

ID_NUMBER = "11010519491231002X"


@pytest.fixture
def clerk_page(browser, live_server):
    page = shell.Watched(browser, live_server.url)
    yield page
    page.close()


@pytest.fixture
def centre_page(browser, live_server):
    page = shell.Watched(browser, live_server.url)
    yield page
    page.close()


@pytest.fixture
def adjuster_page(browser, live_server):
    page = shell.Watched(browser, live_server.url)
    yield page
    page.close()


def submit(page, form_selector: str) -> None:
    with page.expect_navigation():
        page.click(f"{form_selector} button[type=submit]")


def no_refusal(page) -> None:
    """Neither a refused form nor an error message on the page."""
    refusals = page.locator(".messages .alert-danger, .errorlist, #form-errors")
    assert refusals.count() == 0, refusals.all_inner_texts()


def local_input(moment: dt.datetime) -> str:
    """A time as the browser's datetime-local field sends it (Beijing time)."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def jpeg_file(name: str) -> dict:
    return {"name": name, "mimeType": "image/jpeg", "buffer": jpeg_bytes()}


def pdf_file(name: str) -> dict:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return {"name": name, "mimeType": "application/pdf", "buffer": buffer.getvalue()}


def test_clm_1_to_10_walk_in_report_settled_one_stop(
    clerk_page,
    centre_page,
    adjuster_page,
    claims_book,
    clerk_a,
    claims_assist_a,
    county_manager,
    claims_centre,
):
    # Given outlet A's issued rice policy for 张三, an adjuster at outlet A holding a
    # one-stop authority for crops up to 2,000 yuan (CLM-6) and the city claims centre.
    authorisation = grant(
        by=county_manager,
        holder=claims_assist_a,
        lines=["crop"],
        case_limit=Decimal("2000"),
        one_stop=True,
        city_approved_by=claims_centre,
        city_approved_on=today() - dt.timedelta(days=20),
        province_approval="粤理赔〔2026〕12号",
        province_approved_on=today() - dt.timedelta(days=15),
    )
    assert authorisation.one_stop
    policy = claims_book.rice_a
    now = timezone.now()
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    # Earlier today, and the survey after it, whenever the test runs.
    incident_at = max(now - dt.timedelta(hours=2), midnight)
    surveyed_at = max(now - dt.timedelta(minutes=30), incident_at)

    # When the clerk opens "New report" and looks the policy up by the insured's ID (CLM-2).
    clerk = clerk_page.page
    clerk_page.login("clerk_a")
    clerk_page.goto("/claims/cases/")
    with clerk.expect_navigation():
        clerk.click("nav.subnav a[href='/claims/cases/new/']")
    clerk.fill("#case-lookup-form [name=id_number]", ID_NUMBER)
    clerk.click("#case-lookup-form button[type=submit]")
    row = clerk.locator(f"#lookup-policies tbody tr:has-text('{policy.number}')")
    row.wait_for()
    assert clerk.locator("#lookup-no-cases").is_visible()
    with clerk.expect_navigation():
        row.locator("a.choose-policy").click()

    # Then the report form is prefilled with the policy; the clerk takes the walk-in report.
    report = "#case-report-form"
    assert clerk.input_value(f"{report} [name=policy_number]") == policy.number
    assert clerk.input_value(f"{report} [name=insured_name]") == "张三"
    assert clerk.input_value(f"{report} [name=insured_id_number]") == ID_NUMBER
    assert clerk.input_value(f"{report} [name=channel]") == ClaimCase.Channel.WALK_IN
    clerk.fill(f"{report} [name=incident_at]", local_input(incident_at))
    clerk.fill(f"{report} [name=incident_place]", "东村三组水田")
    clerk.fill(f"{report} [name=cause]", "暴雨")
    clerk.fill(f"{report} [name=course]", "昨夜暴雨，三亩稻田被淹，秧苗倒伏。")
    clerk.fill(f"{report} [name=reporter_name]", "张三")
    clerk.fill(f"{report} [name=reporter_phone]", "13800138000")
    clerk.select_option(f"{report} [name=reporter_relation]", ClaimCase.Relation.SELF)
    clerk.fill(f"{report} [name=estimated_amount]", "1500")
    submit(clerk, report)
    no_refusal(clerk)

    case = ClaimCase.objects.get()
    assert clerk.url == f"{clerk_page.base_url}/claims/cases/{case.pk}/"
    assert clerk.locator("#case-number").inner_text() == case.number
    assert (case.policy, case.channel, case.cause) == (policy, "walk_in", "暴雨")
    assert (case.estimated_amount, case.created_by) == (Decimal("1500.00"), clerk_a)
    assert case.stage == ClaimCase.Stage.REPORTED
    assert clerk.locator("#case-flags [data-flag=hotline_missing]").is_visible()
    assert case_timer(case=case, rule_code="CLM-1") is not None

    # When the clerk records the 95518 report number (CLM-1).
    clerk.fill("#hotline-form [name=number]", "95518202604170001")
    submit(clerk, "#hotline-form")
    no_refusal(clerk)
    case.refresh_from_db()
    assert case.hotline_number == "95518202604170001"
    assert case.stage == ClaimCase.Stage.FORWARDED
    assert case_timer(case=case, rule_code="CLM-1") is None
    assert clerk.locator("#case-flags [data-flag=hotline_missing]").count() == 0

    # And runs the initial check: a covered peril, in the policy period (CLM-3).
    clerk.check("#check-form input[name=check-covered][value=yes]")
    submit(clerk, "#check-form")
    no_refusal(clerk)
    assert clerk.locator("#check-result").get_attribute("data-result") == "passed"
    case.refresh_from_db()
    assert case.check_result == ClaimCase.Check.PASSED
    clerk_page.assert_clean()

    # When the claims centre assigns the on-site survey to the adjuster (CLM-5).
    centre = centre_page.page
    centre_page.login("centre")
    centre_page.goto(f"/claims/cases/{case.pk}/")
    centre.click("#assignment-create summary")
    assign = "#assignment-create form"
    centre.select_option(f"{assign} [name=kind]", SurveyAssignment.Kind.SURVEY)
    centre.select_option(f"{assign} [name=assignee]", str(claims_assist_a.pk))
    centre.fill(f"{assign} [name=instructions]", "今天到现场查勘，拍照取证。")
    submit(centre, assign)
    no_refusal(centre)
    assignment = SurveyAssignment.objects.get()
    assert (assignment.case, assignment.assignee) == (case, claims_assist_a)
    assert assignment.state == SurveyAssignment.State.OPEN
    assert centre.locator(f"#survey-assignments tr[data-assignment='{assignment.pk}']").count()
    case.refresh_from_db()
    assert case.stage == ClaimCase.Stage.SURVEY
    centre_page.assert_clean()

    # Then the adjuster finds it under "My assignments" and reports the survey with a photo.
    adjuster = adjuster_page.page
    adjuster_page.login("assist_a")
    adjuster_page.goto("/claims/cases/")
    with adjuster.expect_navigation():
        adjuster.click("nav.subnav a[href='/claims/assignments/']")
    with adjuster.expect_navigation():
        adjuster.click(f"#my-assignments tr[data-assignment='{assignment.pk}'] a")
    adjuster.fill("#report-form [name=surveyed_at]", local_input(surveyed_at))
    adjuster.fill("#report-form [name=findings]", "稻田过水，约三亩倒伏，损失约四成。")
    adjuster.set_input_files("#report-form [name=photos]", files=[jpeg_file("field.jpg")])
    adjuster.fill("#report-form [name=documents_note]", "身份证、银行卡复印件已收。")
    submit(adjuster, "#report-form")
    no_refusal(adjuster)
    assert adjuster.url == f"{adjuster_page.base_url}/claims/cases/{case.pk}/"
    assignment.refresh_from_db()
    assert assignment.state == SurveyAssignment.State.DONE
    site_photo = EvidencePhoto.objects.get()
    adjuster.wait_for_selector(
        f"#survey-assignments tr[data-assignment='{assignment.pk}'] "
        f"img[src$='/evidence/{site_photo.pk}/thumb.jpg']"
    )

    # When the adjuster records a one-stop assessment of 1,200 yuan; no exclusion applies
    # (CLM-6, CLM-15).
    assert "one_stop" in adjuster.locator("#assessment-create form [name=mode]").inner_html()
    assess = "#assessment-create form"
    exclusions = adjuster.locator(f"{assess} input[name=exclusions]")
    assert exclusions.count() == 3
    assert not any(exclusions.nth(i).is_checked() for i in range(3))
    adjuster.select_option(f"{assess} [name=mode]", Assessment.Mode.ONE_STOP)
    adjuster.fill(f"{assess} [name=loss_cause]", "暴雨致稻田淹没倒伏")
    adjuster.fill(f"{assess} [name=quantity]", "3")
    adjuster.fill(f"{assess} [name=unit]", "亩")
    adjuster.fill(f"{assess} [name=amount]", "1200")
    submit(adjuster, assess)
    no_refusal(adjuster)
    assessment = Assessment.objects.get()
    assert (assessment.mode, assessment.amount) == ("one_stop", Decimal("1200.00"))
    assert (assessment.adjuster, assessment.authorisation) == (claims_assist_a, authorisation)
    assert not assessment.exclusions.exists()
    assert adjuster.locator("#current-assessment").get_attribute("data-assessment") == str(
        assessment.pk
    )
    steps = adjuster.locator("#one-stop-steps li")
    assert steps.evaluate_all("items => items.map(item => item.dataset.step)") == [
        "survey",
        "assessment",
        "calculation",
        "signature",
        "payment",
    ]
    assert adjuster.locator("#one-stop-steps li[aria-current=step]").get_attribute("data-step") == (
        "calculation"
    )

    # And the calculation (1,200 payable), then the customer's signature (CLM-6).
    step = "#one-stop-form[data-step=calculation]"
    assert adjuster.input_value(f"{step} [name=payable]") == "1200.00"
    adjuster.fill(f"{step} [name=payable]", "1200")
    submit(adjuster, step)
    no_refusal(adjuster)
    step = "#one-stop-form[data-step=signature]"
    adjuster.fill(f"{step} [name=signed_by_name]", "张三")
    submit(adjuster, step)
    no_refusal(adjuster)
    assessment.refresh_from_db()
    assert assessment.calculated_amount == Decimal("1200.00")
    assert assessment.signed_by_name == "张三"
    assert assessment.customer_signed_at is not None
    assert adjuster.locator("#one-stop-form").get_attribute("data-step") == "payment"

    # When the file is completed: the case type, a scan for each required line (CLM-8).
    agriculture = CaseType.objects.get(code="agriculture")
    adjuster.select_option("#case-type-form [name=case_type]", str(agriculture.pk))
    submit(adjuster, "#case-type-form")
    no_refusal(adjuster)
    required = list(
        agriculture.requirements.filter(required=True).values_list("kind__code", flat=True)
    )
    assert len(required) == 6
    accept = adjuster.locator("#accept-file-form button[type=submit]")
    assert accept.is_disabled()
    for position, code in enumerate(required):
        line = f"#document-checklist tr.checklist-line[data-kind={code}]"
        scan = pdf_file(f"{code}.pdf") if position % 2 == 0 else jpeg_file(f"{code}.jpg")
        adjuster.set_input_files(f"{line} form.upload-form input[type=file]", files=[scan])
        submit(adjuster, f"{line} form.upload-form")
        no_refusal(adjuster)
        assert "missing" not in (adjuster.locator(line).get_attribute("class") or "")
    assert CaseDocument.objects.filter(case=case, removed_at__isnull=True).count() == 6
    assert adjuster.locator("#missing-documents").count() == 0
    submit(adjuster, "#accept-file-form")
    no_refusal(adjuster)
    case.refresh_from_db()
    assert case.file_complete_at is not None
    assert case.stage == ClaimCase.Stage.FILE_COMPLETE
    assert adjuster.locator("#case-stage").get_attribute("data-stage") == "file_complete"

    # And the adjuster requests the one-stop payment to 张三's account (CLM-6, CLM-10).
    step = "#one-stop-form[data-step=payment]"
    adjuster.fill(f"{step} [name=payee_name]", "张三")
    adjuster.fill(f"{step} [name=payee_id_number]", ID_NUMBER)
    adjuster.fill(f"{step} [name=bank_name]", "农村信用社")
    adjuster.fill(f"{step} [name=bank_account]", "6217000000000000123")
    submit(adjuster, step)
    no_refusal(adjuster)

    # Then the case is approved for 1,200 yuan with a payment request and the payment clocks
    # running (CLM-10-pay-small, REG-1-payment); the customer was told by SMS.
    case.refresh_from_db()
    assert (case.decision, case.approved_amount) == ("pay", Decimal("1200.00"))
    assert case.decided_by == claims_assist_a
    assert case.stage == ClaimCase.Stage.APPROVED
    payment = PaymentRequest.objects.get()
    assert (payment.case, payment.state, payment.amount) == (
        case,
        PaymentRequest.State.REQUESTED,
        Decimal("1200.00"),
    )
    assert (payment.payee_name, payment.payee_id_number) == ("张三", ID_NUMBER)
    assert (payment.bank_name, payment.bank_account) == ("农村信用社", "6217000000000000123")
    for rule_code in ("CLM-10-pay-small", "REG-1-payment"):
        timer = case_timer(case=case, rule_code=rule_code)
        assert timer is not None and timer.state == "running", rule_code
    sms = CaseMessage.objects.filter(case=case, kind=CaseMessage.Kind.STAGE)
    assert sms.exists()
    assert set(sms.values_list("phone", flat=True)) == {"13800138000"}
    assert sms.filter(outbox__isnull=False).count() == sms.count()
    told_before_payment = sms.count()
    assert adjuster.locator("#case-stage").get_attribute("data-stage") == "approved"
    assert adjuster.locator(f"#payments #payment-{payment.pk}").is_visible()
    assert adjuster.locator("#one-stop-steps li[data-step=payment] .badge-met").count() == 1
    assert adjuster.locator("#one-stop-form").count() == 0
    assert adjuster.locator("#company-timers tr[data-rule='CLM-10-pay-small']").count() == 1
    assert adjuster.locator("#legal-timers tr[data-rule='REG-1-payment']").count() == 1
    assert (
        adjuster.locator("#case-messages tbody tr").count()
        == CaseMessage.objects.filter(case=case).count()
    )
    adjuster_page.assert_clean()

    # When the claims centre marks the payment paid and closes the case.
    centre_page.goto(f"/claims/cases/{case.pk}/")
    centre.fill(f"#payment-{payment.pk} form.paid-form [name=reference]", "NX2026041700123")
    submit(centre, f"#payment-{payment.pk} form.paid-form")
    no_refusal(centre)
    payment.refresh_from_db()
    case.refresh_from_db()
    assert (payment.state, payment.payment_reference) == ("paid", "NX2026041700123")
    assert case.stage == ClaimCase.Stage.PAID
    assert case_timer(case=case, rule_code="CLM-10-pay-small") is None
    assert case_timer(case=case, rule_code="REG-1-payment") is None
    centre.fill("#close-form [name=note]", "一站式赔付完毕。")
    submit(centre, "#close-form")
    no_refusal(centre)

    # Then the case is closed, and the customer had a message for each stage reached.
    case.refresh_from_db()
    assert case.stage == ClaimCase.Stage.CLOSED
    assert centre.locator("#case-stage").get_attribute("data-stage") == "closed"
    assert CaseMessage.objects.filter(case=case, kind=CaseMessage.Kind.STAGE).count() > (
        told_before_payment
    )
    centre_page.assert_clean()
