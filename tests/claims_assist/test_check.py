"""CLM-3 initial check and REG-1 art. 24 written refusals, through the services: each
failed reason alone and together, the policy period from the linked policy or the
customer's document, the claim time limit per county, once per case; the letter's
PDF text; the 3-day REG-1-refusal timer swept for real."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from pypdf import PdfReader

from claims_assist.models import ClaimCase, ClaimsSettings, RefusalLetter
from claims_assist.services.cases import case_lock, case_stage_set, case_timer
from claims_assist.services.check import case_check_initial, initial_check_facts
from claims_assist.services.refusals import REFUSAL_RULE, refusal_delivered, refusal_issue
from core.access import NotInScope, ReadOnlyRole
from core.models import OutboxMessage, SlaTimer
from core.timers import timers_sweep
from tests.claims_assist.factories import ClaimCaseFactory

FULL_ID = "11010519491231002X"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def case(tree, clerk_a, claims_book) -> ClaimCase:
    return ClaimCaseFactory(policy=claims_book.rice_a, org_unit=tree.outlet_a, created_by=clerk_a)


def _case(tree, clerk_a, claims_book, *, incident_days_ago: int) -> ClaimCase:
    now = timezone.now()
    return ClaimCaseFactory(
        policy=claims_book.rice_a,
        org_unit=tree.outlet_a,
        created_by=clerk_a,
        reported_at=now,
        incident_at=now - dt.timedelta(days=incident_days_ago),
    )


def _pdf_text(letter: RefusalLetter) -> str:
    with letter.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    assert len(reader.pages) == 1
    return "".join(reader.pages[0].extract_text().split())


def _squeeze(text: str) -> str:
    return "".join(text.split())


# Passing ----------------------------------------------------------------------------------
def test_clm_3_check_passes(case, clerk_a):
    checked = case_check_initial(by=clerk_a, case_pk=case.pk, covered=True, note="暴雨属保险责任")
    case.refresh_from_db()
    assert case.check_result == ClaimCase.Check.PASSED and case.check_reasons == []
    assert case.checked_by == clerk_a and case.checked_at is not None
    assert case.stage == ClaimCase.Stage.REPORTED and checked.pk == case.pk
    assert not case.refusals.exists()


def test_clm_3_facts_show_liability_exclusions_and_time_limit(case, claims_book):
    facts = initial_check_facts(case=case)
    assert facts.period_from_policy
    assert (facts.cover_starts, facts.cover_ends) == (
        claims_book.rice_a.starts_on,
        claims_book.rice_a.ends_on,
    )
    assert facts.in_period and facts.within_time_limit and facts.time_limit_days == 730
    assert facts.exclusions == [
        "投保人及其家庭成员的故意行为",
        "行政行为或司法行为",
        "未达到起赔点的损失",
    ]
    assert facts.liability == claims_book.rice.liability


# Each reason alone, then together ---------------------------------------------------------
def test_clm_3_outside_period_alone(tree, clerk_a, claims_book):
    case = _case(tree, clerk_a, claims_book, incident_days_ago=70)  # cover began 59 days ago
    case_check_initial(by=clerk_a, case_pk=case.pk, covered=True)
    case.refresh_from_db()
    assert case.check_result == ClaimCase.Check.FAILED
    assert case.check_reasons == [ClaimCase.CheckReason.OUTSIDE_PERIOD]
    assert case.stage == ClaimCase.Stage.REFUSED
    letter = case.refusals.get()
    assert letter.kind == RefusalLetter.Kind.INITIAL_CHECK
    assert "出险时间不在保险期间内" in letter.reasons  # the letter speaks zh-hans
    assert claims_book.rice_a.starts_on.isoformat() in letter.reasons


def test_clm_3_not_covered_alone_states_the_note(case, clerk_a):
    case_check_initial(by=clerk_a, case_pk=case.pk, covered=False, note="属免责条款第2条")
    case.refresh_from_db()
    assert case.check_reasons == [ClaimCase.CheckReason.NOT_COVERED]
    reasons = case.refusals.get().reasons
    assert "不属于保险责任" in reasons and "属免责条款第2条" in reasons and "暴雨" in reasons


def test_clm_3_time_limit_alone_uses_the_county_setting(tree, clerk_a, claims_book):
    ClaimsSettings.objects.create(county=tree.county, claim_time_limit_days=3)
    case = _case(tree, clerk_a, claims_book, incident_days_ago=5)
    assert initial_check_facts(case=case).days_to_report == 5
    case_check_initial(by=clerk_a, case_pk=case.pk, covered=True)
    case.refresh_from_db()
    assert case.check_reasons == [ClaimCase.CheckReason.TIME_LIMIT]
    assert "出险后5天才报案，时限为3天" in case.refusals.get().reasons


def test_clm_3_time_limit_at_the_limit_passes(tree, clerk_a, claims_book):
    ClaimsSettings.objects.create(county=tree.county, claim_time_limit_days=5)
    case = _case(tree, clerk_a, claims_book, incident_days_ago=5)
    case_check_initial(by=clerk_a, case_pk=case.pk, covered=True)
    case.refresh_from_db()
    assert case.check_result == ClaimCase.Check.PASSED


def test_clm_3_every_reason_together(tree, clerk_a, claims_book):
    ClaimsSettings.objects.create(county=tree.county, claim_time_limit_days=30)
    case = _case(tree, clerk_a, claims_book, incident_days_ago=70)
    case_check_initial(by=clerk_a, case_pk=case.pk, covered=False)
    case.refresh_from_db()
    assert case.check_reasons == [
        ClaimCase.CheckReason.OUTSIDE_PERIOD,
        ClaimCase.CheckReason.NOT_COVERED,
        ClaimCase.CheckReason.TIME_LIMIT,
    ]
    lines = case.refusals.get().reasons.splitlines()
    assert [line[:2] for line in lines] == ["1.", "2.", "3."]


# The period without a linked policy -------------------------------------------------------
def test_clm_3_without_a_policy_the_clerk_gives_the_period(tree, clerk_a, claims_book):
    case = ClaimCaseFactory(
        policy=None,
        policy_number="PZ-PAPER-0001",
        product=claims_book.rice,
        org_unit=tree.outlet_a,
        created_by=clerk_a,
    )
    with pytest.raises(ValidationError) as error:
        case_check_initial(by=clerk_a, case_pk=case.pk, covered=True)
    assert error.value.error_dict["cover_starts"][0].code == "period_missing"
    today = timezone.localdate()
    with pytest.raises(ValidationError) as error:
        case_check_initial(
            by=clerk_a,
            case_pk=case.pk,
            covered=True,
            cover_starts=today,
            cover_ends=today - dt.timedelta(days=1),
        )
    assert "cover_ends" in error.value.error_dict
    case_check_initial(
        by=clerk_a,
        case_pk=case.pk,
        covered=True,
        cover_starts=today + dt.timedelta(days=1),
        cover_ends=today + dt.timedelta(days=300),
    )
    case.refresh_from_db()
    assert case.check_reasons == [ClaimCase.CheckReason.OUTSIDE_PERIOD]


def test_clm_3_linked_policy_period_cannot_be_overridden(case, clerk_a):
    with pytest.raises(ValidationError) as error:
        case_check_initial(
            by=clerk_a,
            case_pk=case.pk,
            covered=True,
            cover_starts=timezone.localdate(),
            cover_ends=timezone.localdate(),
        )
    assert error.value.error_dict["cover_starts"][0].code == "period_from_policy"


# Once, open cases, scope ------------------------------------------------------------------
def test_clm_3_checked_once(case, clerk_a):
    case_check_initial(by=clerk_a, case_pk=case.pk, covered=True)
    with pytest.raises(ValidationError) as error:
        case_check_initial(by=clerk_a, case_pk=case.pk, covered=False)
    assert error.value.code == "already_checked"
    case.refresh_from_db()
    assert case.check_result == ClaimCase.Check.PASSED


def test_clm_3_only_open_cases(case, clerk_a):
    with transaction.atomic():
        locked = case_lock(user=clerk_a, pk=case.pk)
        case_stage_set(case=locked, stage=ClaimCase.Stage.WITHDRAWN, by=clerk_a)
    with pytest.raises(ValidationError) as error:
        case_check_initial(by=clerk_a, case_pk=case.pk, covered=True)
    assert error.value.code == "case_closed"


def test_clm_3_check_refused_outside_branch_and_for_auditors(case, clerk_b, auditor):
    with pytest.raises(NotInScope):
        case_check_initial(by=clerk_b, case_pk=case.pk, covered=True)
    with pytest.raises(ReadOnlyRole):
        case_check_initial(by=auditor, case_pk=case.pk, covered=True)
    case.refresh_from_db()
    assert case.check_result == ClaimCase.Check.PENDING


# The letter -------------------------------------------------------------------------------
def test_reg_1_refusal_pdf_states_case_number_and_reasons_with_the_id_masked(
    tree, clerk_a, claims_book
):
    ClaimsSettings.objects.create(county=tree.county, claim_time_limit_days=30)
    case = _case(tree, clerk_a, claims_book, incident_days_ago=70)
    assert case.insured_id_number == FULL_ID
    case_check_initial(by=clerk_a, case_pk=case.pk, covered=False, note="属免责条款")
    letter = RefusalLetter.objects.get(case=case)
    text = _pdf_text(letter)
    assert case.number in text
    assert claims_book.rice_a.number in text
    assert "张三" in text
    for line in letter.reasons.splitlines():
        assert _squeeze(line) in text
    assert FULL_ID not in text
    assert "110105********002X" in text
    assert "95518" in text and tree.outlet_a.name in text


def test_reg_1_refusal_issue_needs_a_refused_case_and_reasons(case, clerk_a):
    with transaction.atomic():
        locked = case_lock(user=clerk_a, pk=case.pk)
        with pytest.raises(ValidationError) as error:
            refusal_issue(
                by=clerk_a, case=locked, kind=RefusalLetter.Kind.DECISION, reasons="不属保险责任"
            )
        assert error.value.code == "not_refused"
        case_stage_set(case=locked, stage=ClaimCase.Stage.REFUSED, by=clerk_a)
        with pytest.raises(ValidationError):
            refusal_issue(by=clerk_a, case=locked, kind=RefusalLetter.Kind.DECISION, reasons=" ")
        letter = refusal_issue(
            by=clerk_a, case=locked, kind=RefusalLetter.Kind.DECISION, reasons="不属保险责任"
        )
    assert "不属保险责任" in _pdf_text(letter)
    # The decision's refusal: its timer runs although the REFUSED stage ended the others.
    assert case_timer(case=case, rule_code=REFUSAL_RULE).started_at == letter.issued_at


# REG-1 art. 24: notified within 3 days ----------------------------------------------------
def test_reg_1_refusal_not_delivered_in_3_days_notifies_once(
    case, clerk_a, outlet_head_a, county_manager, claims_centre
):
    case_check_initial(by=clerk_a, case_pk=case.pk, covered=False)
    timer = case_timer(case=case, rule_code=REFUSAL_RULE)
    assert timer.due_at == timer.started_at + dt.timedelta(days=3)
    with time_machine.travel(timer.due_at - dt.timedelta(minutes=1), tick=False):
        assert timers_sweep(now=timezone.now()).breached == 0
    with time_machine.travel(timer.due_at + dt.timedelta(minutes=1), tick=False):
        assert timers_sweep(now=timezone.now()).breached == 1
        assert timers_sweep(now=timezone.now()).breached == 0
    timer.refresh_from_db()
    assert timer.state == SlaTimer.State.BREACHED
    recipients = sorted(
        OutboxMessage.objects.filter(
            dedup_key__startswith=f"claim-case:{case.pk}:REG-1-refusal:"
        ).values_list("recipient__username", flat=True)
    )
    assert recipients == sorted([outlet_head_a.username, county_manager.username])


def test_reg_1_delivery_meets_the_timer(case, clerk_a, county_manager):
    case_check_initial(by=clerk_a, case_pk=case.pk, covered=False)
    letter = case.refusals.get()
    timer = case_timer(case=case, rule_code=REFUSAL_RULE)
    with pytest.raises(ValidationError) as error:
        refusal_delivered(by=clerk_a, letter_pk=letter.pk, at=letter.issued_at - dt.timedelta(1))
    assert error.value.error_dict["at"][0].code == "before_issue"
    delivered = refusal_delivered(by=clerk_a, letter_pk=letter.pk, note="柜面当面签收")
    assert delivered.delivered_at is not None and delivered.delivery_note == "柜面当面签收"
    case.refresh_from_db()
    assert case.refusal_notified_at == delivered.delivered_at
    timer.refresh_from_db()
    assert timer.state == SlaTimer.State.MET
    with time_machine.travel(timer.due_at + dt.timedelta(minutes=1), tick=False):
        assert timers_sweep(now=timezone.now()).breached == 0
    assert not OutboxMessage.objects.filter(dedup_key__contains="REG-1-refusal").exists()
    with pytest.raises(ValidationError) as error:
        refusal_delivered(by=clerk_a, letter_pk=letter.pk)
    assert error.value.code == "already_delivered"


def test_reg_1_delivery_refused_outside_branch_and_for_auditors(case, clerk_a, clerk_b, auditor):
    case_check_initial(by=clerk_a, case_pk=case.pk, covered=False)
    letter = case.refusals.get()
    with pytest.raises(NotInScope):
        refusal_delivered(by=clerk_b, letter_pk=letter.pk)
    with pytest.raises(ReadOnlyRole):
        refusal_delivered(by=auditor, letter_pk=letter.pk)
    letter.refresh_from_db()
    assert letter.delivered_at is None
