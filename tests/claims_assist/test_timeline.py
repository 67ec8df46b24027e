"""CLM-10 and REG-1: the decision (who, when, how much), the payment clocks by amount
(3 or 7 working days) beside the legal bounds, the breach handlers swept for real
across National Day 2026 (1–7 October off, Saturday 10 October a make-up workday),
the regular progress message and the messages written by staff."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from claims_assist.models import (
    Assessment,
    CaseMessage,
    ClaimCase,
    ClaimsSettings,
    RefusalLetter,
    WatchListEntry,
)
from claims_assist.panels.timeline import timers_split
from claims_assist.services import documents as documents_service
from claims_assist.services import timeline as services
from claims_assist.services.cases import case_message_send, case_stage_set
from core.access import NotInScope, ReadOnlyRole
from core.models import OutboxMessage, Role, SlaTimer
from tests.claims_assist.authority_support import assist_b, grant, manager_c
from tests.claims_assist.timeline_support import (
    beijing,
    case_locked,
    code_of,
    complete_file,
    end_of,
    last_timer,
    reported_case,
    sweep,
    timer_of,
)
from tests.factories import UserFactory

ACCEPTED = beijing("2026-09-29")  # Tuesday; National Day is 1–7 October
TRANSFERRED = beijing("2026-09-30", 9)
DECIDED = beijing("2026-09-30", 15)


def decide(by, case, **kwargs):
    """As the page and the endpoint do: lock the case, then decide."""
    return services.case_decide_locked(by=by, case_pk=case.pk, **kwargs)


@pytest.fixture
def case(claims_book, clerk_a, time_machine):
    time_machine.move_to(ACCEPTED, tick=False)
    case = reported_case(claims_book, clerk_a, reported_at=ACCEPTED - dt.timedelta(hours=2))
    complete_file(case, clerk_a, at=ACCEPTED)
    return case


@pytest.fixture
def transferred(case, clerk_a, time_machine):
    time_machine.move_to(TRANSFERRED, tick=False)
    documents_service.case_transfer(by=clerk_a, case_pk=case.pk, at=TRANSFERRED)
    case.refresh_from_db()
    return case


def one_stop(case, adjuster, manager, *, amount=Decimal("1800.00"), signed=True) -> Assessment:
    """A one-stop settlement signed by the customer (the data H3's flow leaves)."""
    authorisation = grant(by=manager, holder=adjuster)
    return Assessment.objects.create(
        case=case,
        mode=Assessment.Mode.ONE_STOP,
        adjuster=adjuster,
        authorisation=authorisation,
        loss_cause="暴雨",
        quantity=Decimal("2"),
        unit="亩",
        amount=amount,
        assessed_at=ACCEPTED,
        calculated_amount=amount,
        calculated_at=ACCEPTED,
        signed_by_name="张三" if signed else "",
        customer_signed_at=ACCEPTED if signed else None,
    )


def inbox(user, rule: str):
    return OutboxMessage.objects.filter(recipient=user, dedup_key__contains=f":{rule}:timer:")


# --- Decision: pay --------------------------------------------------------------------------
def test_clm_10_pay_small_amount_due_in_3_working_days_across_national_day(
    transferred, claims_centre, time_machine
):
    time_machine.move_to(DECIDED, tick=False)
    decide(claims_centre, transferred, decision="pay", amount=Decimal("3000.00"))
    case = ClaimCase.objects.get(pk=transferred.pk)
    assert case.stage == ClaimCase.Stage.APPROVED and case.decision == "pay"
    assert case.approved_amount == Decimal("3000.00")
    assert case.decided_by == claims_centre and case.decided_at == DECIDED
    for rule in ("CLM-10-review", "REG-1-decision"):
        assert last_timer(case, rule).state == SlaTimer.State.MET
    # 3 working days after 30 Sep: 8, 9 and Saturday 10 October (make-up workday).
    assert timer_of(case, "CLM-10-pay-small").due_at == end_of("2026-10-10")
    assert timer_of(case, "CLM-10-pay") is None
    # REG-1: paid within 10 days of the agreement, on the wall clock.
    assert timer_of(case, "REG-1-payment").due_at == DECIDED + dt.timedelta(days=10)


def test_clm_10_pay_5000_or_more_due_in_7_working_days(transferred, claims_centre, time_machine):
    time_machine.move_to(DECIDED, tick=False)
    decide(claims_centre, transferred, decision="pay", amount=Decimal("5000.00"))
    # 8, 9, 10 (Saturday, worked), 12, 13, 14, 15 October.
    assert timer_of(transferred, "CLM-10-pay").due_at == end_of("2026-10-15")
    assert timer_of(transferred, "CLM-10-pay-small") is None


def test_clm_10_small_payment_threshold_per_county(transferred, tree, county_manager, time_machine):
    ClaimsSettings.objects.create(county=tree.county, small_payment_below=Decimal("2000.00"))
    time_machine.move_to(DECIDED, tick=False)
    decide(county_manager, transferred, decision="pay", amount=Decimal("3000.00"))
    assert timer_of(transferred, "CLM-10-pay") is not None
    assert timer_of(transferred, "CLM-10-pay-small") is None


def test_reg_1_bounds_shown_beside_the_company_timelines(transferred, claims_centre, time_machine):
    time_machine.move_to(DECIDED, tick=False)
    decide(claims_centre, transferred, decision="pay", amount=Decimal("3000.00"))
    company, legal = timers_split(case=transferred)
    company_rules = {timer.rule.code: timer for timer in company}
    legal_rules = {timer.rule.code: timer for timer in legal}
    assert {"CLM-9", "CLM-10-review", "CLM-10-pay-small", "CLM-10-progress"} <= set(company_rules)
    assert set(legal_rules) == {"REG-1-decision", "REG-1-payment"}
    assert company_rules["CLM-10-pay-small"].due_at == end_of("2026-10-10")
    assert legal_rules["REG-1-payment"].due_at == beijing("2026-10-10", 15)
    assert legal_rules["REG-1-decision"].due_at == ACCEPTED + dt.timedelta(days=30)
    assert legal_rules["REG-1-payment"].time_left["seconds"] == 10 * 24 * 3600
    assert company_rules["CLM-10-review"].time_left is None  # met


def test_clm_10_pay_amount_checked(transferred, claims_centre, claims_assist_a, county_manager):
    for amount in (None, Decimal("0"), Decimal("-1")):
        with pytest.raises(ValidationError) as refused:
            decide(claims_centre, transferred, decision="pay", amount=amount)
        assert code_of(refused.value) == "amount"
    with pytest.raises(ValidationError) as refused:
        decide(claims_centre, transferred, decision="maybe")
    assert code_of(refused.value) == "decision"
    Assessment.objects.create(
        case=transferred,
        mode=Assessment.Mode.ON_SITE,
        adjuster=claims_assist_a,
        authorisation=grant(by=county_manager, holder=claims_assist_a),
        loss_cause="暴雨",
        quantity=Decimal("1"),
        unit="亩",
        amount=Decimal("1500.00"),
        assessed_at=ACCEPTED,
    )
    with pytest.raises(ValidationError) as refused:
        decide(claims_centre, transferred, decision="pay", amount=Decimal("1500.01"))
    assert code_of(refused.value) == "over_assessment"
    decide(claims_centre, transferred, decision="pay", amount=Decimal("1500.00"))
    with pytest.raises(ValidationError) as again:
        decide(claims_centre, transferred, decision="pay", amount=Decimal("1"))
    assert code_of(again.value) == "decided"


# --- Decision: who and when ----------------------------------------------------------------
def test_clm_10_decision_by_the_wrong_role_refused(
    transferred, tree, clerk_a, outlet_head_a, claims_assist_a, auditor
):
    for user in (clerk_a, outlet_head_a, claims_assist_a):
        with pytest.raises(PermissionDenied):
            decide(user, transferred, decision="pay", amount=Decimal("100"))
    with pytest.raises(ReadOnlyRole):
        decide(auditor, transferred, decision="pay", amount=Decimal("100"))
    with pytest.raises(NotInScope):
        decide(manager_c(tree), transferred, decision="pay", amount=Decimal("100"))
    transferred.refresh_from_db()
    assert transferred.decision == "pending" and transferred.stage == "transferred"


def test_clm_9_decision_waits_for_the_transfer(case, claims_centre):
    with pytest.raises(ValidationError) as refused:
        decide(claims_centre, case, decision="pay", amount=Decimal("100"))
    assert code_of(refused.value) == "not_transferred"


def test_clm_8_decision_needs_a_complete_file(claims_book, clerk_a, claims_centre):
    case = reported_case(claims_book, clerk_a)
    with pytest.raises(ValidationError) as refused:
        decide(claims_centre, case, decision="pay", amount=Decimal("100"))
    assert code_of(refused.value) == "incomplete"


def test_clm_10_one_stop_case_decided_by_its_adjuster(
    case, tree, claims_assist_a, county_manager, time_machine
):
    one_stop(case, claims_assist_a, county_manager)
    colleague = UserFactory(username="assist_a2", org_unit=tree.outlet_a, role=Role.CLAIMS_ASSIST)
    with pytest.raises(PermissionDenied):
        decide(colleague, case, decision="pay", amount=Decimal("1800.00"))
    with pytest.raises(NotInScope):
        decide(assist_b(tree), case, decision="pay", amount=Decimal("1800.00"))
    with pytest.raises(ValidationError) as refused:
        decide(claims_assist_a, case, decision="pay", amount=Decimal("1800.01"))
    assert code_of(refused.value) == "over_assessment"
    time_machine.move_to(DECIDED, tick=False)
    # The signature H3's flow uses: the case locked by the caller.
    with case_locked(claims_assist_a, case) as locked:
        services.case_decide(
            case=locked, by=claims_assist_a, decision="pay", amount=Decimal("1800.00"), at=DECIDED
        )
    case.refresh_from_db()
    assert case.stage == ClaimCase.Stage.APPROVED and case.decided_by == claims_assist_a
    assert timer_of(case, "CLM-10-pay-small") is not None
    # The documents still go to the claims centre (CLM-9).
    assert timer_of(case, "CLM-9").state == SlaTimer.State.RUNNING


def test_clm_10_unsigned_one_stop_goes_through_the_claims_centre(
    case, claims_assist_a, county_manager
):
    one_stop(case, claims_assist_a, county_manager, signed=False)
    with pytest.raises(PermissionDenied):
        decide(claims_assist_a, case, decision="pay", amount=Decimal("100"))


# --- Decision: refuse (REG-1 art. 24, CLM-16) ------------------------------------------------
def test_reg_1_refusal_issues_the_letter_and_starts_its_bound(
    transferred, claims_centre, time_machine
):
    with pytest.raises(ValidationError) as refused:
        decide(claims_centre, transferred, decision="refuse", reason="  ")
    assert code_of(refused.value) == "reason_required"
    time_machine.move_to(DECIDED, tick=False)
    decide(claims_centre, transferred, decision="refuse", reason="损失发生在保险期间之外。")
    case = ClaimCase.objects.get(pk=transferred.pk)
    assert case.stage == ClaimCase.Stage.REFUSED and case.decision == "refuse"
    assert case.decision_reason == "损失发生在保险期间之外。"
    letter = RefusalLetter.objects.get(case=case)
    assert letter.kind == RefusalLetter.Kind.DECISION
    assert last_timer(case, "REG-1-decision").state == SlaTimer.State.MET
    assert last_timer(case, "CLM-10-review").state == SlaTimer.State.MET
    refusal = timer_of(case, "REG-1-refusal")
    assert refusal.due_at == DECIDED + dt.timedelta(days=3)
    assert not WatchListEntry.objects.exists()


def test_clm_16_false_claim_refused_and_insured_watched(transferred, tree, county_manager):
    with pytest.raises(ValidationError) as refused:
        decide(county_manager, transferred, decision="pay", amount=Decimal("1"), false_claim=True)
    assert code_of(refused.value) == "false_claim_paid"
    decide(county_manager, transferred, decision="refuse", reason="伪造事故证明", false_claim=True)
    entry = WatchListEntry.objects.get()
    assert entry.id_number == "11010519491231002X" and entry.county == tree.county
    assert entry.case_id == transferred.pk


def test_clm_16_false_claim_needs_the_insured_id(transferred, county_manager):
    ClaimCase.objects.filter(pk=transferred.pk).update(insured_id_number="")
    with pytest.raises(ValidationError) as refused:
        decide(county_manager, transferred, decision="refuse", reason="伪造", false_claim=True)
    assert code_of(refused.value) == "no_id_number"


# --- Breach handlers, swept for real --------------------------------------------------------
def test_clm_9_transfer_overdue_flags_the_case_and_tells_the_outlet_head_once(
    case, outlet_head_a, time_machine
):
    sweep(time_machine, beijing("2026-10-09", 23))
    assert timer_of(case, "CLM-9").state == SlaTimer.State.RUNNING
    sweep(time_machine, beijing("2026-10-10", 0, 1))
    sweep(time_machine, beijing("2026-10-10", 0, 2))
    timer = last_timer(case, "CLM-9")
    assert timer.state == SlaTimer.State.BREACHED
    case.refresh_from_db()
    assert case.transfer_overdue_at == beijing("2026-10-10", 0, 1)
    message = inbox(outlet_head_a, "CLM-9").get()
    assert case.number in message.subject and message.link == f"/claims/cases/{case.pk}/"


def test_clm_10_review_overdue_tells_claims_centre_and_county_manager(
    transferred, claims_centre, county_manager, clerk_a, time_machine
):
    sweep(time_machine, beijing("2026-10-10", 23))
    assert timer_of(transferred, "CLM-10-review").state == SlaTimer.State.RUNNING
    sweep(time_machine, beijing("2026-10-11", 0, 1))
    assert last_timer(transferred, "CLM-10-review").state == SlaTimer.State.BREACHED
    assert inbox(claims_centre, "CLM-10-review").count() == 1
    assert inbox(county_manager, "CLM-10-review").count() == 1
    assert not inbox(clerk_a, "CLM-10-review").exists()


@pytest.mark.parametrize(
    ("amount", "rule", "due_day"),
    [
        (Decimal("4999.99"), "CLM-10-pay-small", "2026-10-10"),
        (Decimal("8000"), "CLM-10-pay", "2026-10-15"),
    ],
)
def test_clm_10_payment_overdue_after_3_or_7_working_days(
    transferred, claims_centre, county_manager, time_machine, amount, rule, due_day
):
    time_machine.move_to(DECIDED, tick=False)
    decide(claims_centre, transferred, decision="pay", amount=amount)
    sweep(time_machine, end_of(due_day) - dt.timedelta(minutes=1))
    assert timer_of(transferred, rule).state == SlaTimer.State.RUNNING
    sweep(time_machine, end_of(due_day) + dt.timedelta(minutes=1))
    assert last_timer(transferred, rule).state == SlaTimer.State.BREACHED
    assert inbox(claims_centre, rule).count() == 1
    assert inbox(county_manager, rule).count() == 1


def test_reg_1_decision_bound_breached_tells_manager_and_centre(
    transferred, claims_centre, county_manager, time_machine
):
    due = ACCEPTED + dt.timedelta(days=30)
    sweep(time_machine, due - dt.timedelta(minutes=1))
    assert timer_of(transferred, "REG-1-decision").state == SlaTimer.State.RUNNING
    sweep(time_machine, due + dt.timedelta(minutes=1))
    sweep(time_machine, due + dt.timedelta(minutes=2))
    assert last_timer(transferred, "REG-1-decision").state == SlaTimer.State.BREACHED
    message = inbox(county_manager, "REG-1-decision").get()
    assert "art. 23" in message.body
    assert inbox(claims_centre, "REG-1-decision").count() == 1


def test_reg_1_payment_bound_breached_tells_manager_and_centre(
    transferred, claims_centre, county_manager, time_machine
):
    time_machine.move_to(DECIDED, tick=False)
    decide(claims_centre, transferred, decision="pay", amount=Decimal("8000"))
    due = DECIDED + dt.timedelta(days=10)
    sweep(time_machine, due + dt.timedelta(minutes=1))
    assert last_timer(transferred, "REG-1-payment").state == SlaTimer.State.BREACHED
    assert inbox(county_manager, "REG-1-payment").count() == 1
    assert inbox(claims_centre, "REG-1-payment").count() == 1
    # The company's 7 working days run on until 15 October.
    assert timer_of(transferred, "CLM-10-pay").state == SlaTimer.State.RUNNING


# --- CLM-10 progress messages ----------------------------------------------------------------
def test_clm_10_progress_message_every_3_working_days_across_national_day(
    claims_book, clerk_a, time_machine
):
    reported = beijing("2026-09-29", 9)
    time_machine.move_to(reported, tick=False)
    case = reported_case(claims_book, clerk_a, reported_at=reported - dt.timedelta(hours=1))
    with case_locked(clerk_a, case) as locked:
        case_stage_set(case=locked, stage=ClaimCase.Stage.FORWARDED, by=clerk_a, at=reported)
    progress = timer_of(case, "CLM-10-progress")
    # 30 September, then 8 and 9 October: National Day does not count.
    assert progress.due_at == end_of("2026-10-09")
    sweep(time_machine, beijing("2026-10-09", 23))
    assert not CaseMessage.objects.filter(case=case, kind=CaseMessage.Kind.PROGRESS).exists()
    moment = beijing("2026-10-10", 0, 5)
    sweep(time_machine, moment)
    message = CaseMessage.objects.get(case=case, kind=CaseMessage.Kind.PROGRESS)
    assert message.sent_at == moment and message.phone == case.reporter_phone
    assert message.outbox.channel == OutboxMessage.Channel.SMS
    assert message.outbox.dedup_key == f"claim-case:{case.pk}:message:{message.pk}"
    progress.refresh_from_db()
    assert progress.state == SlaTimer.State.MET
    # The next one: 12, 13 and 14 October (Saturday 10 October is the start day).
    following = timer_of(case, "CLM-10-progress")
    assert following.pk != progress.pk and following.due_at == end_of("2026-10-14")


def test_clm_10_manual_message_restarts_the_progress_clock(claims_book, clerk_a, time_machine):
    time_machine.move_to(beijing("2026-09-29", 9), tick=False)
    case = reported_case(claims_book, clerk_a)
    with case_locked(clerk_a, case) as locked:
        case_message_send(case=locked, kind=CaseMessage.Kind.STAGE, body=None, by=clerk_a)
    first = timer_of(case, "CLM-10-progress")
    time_machine.move_to(beijing("2026-09-30", 10), tick=False)
    message = services.case_message_manual(
        by=clerk_a, case_pk=case.pk, body="  您的案件已提交理赔中心审核，请耐心等待。 "
    )
    assert message.kind == CaseMessage.Kind.MANUAL and message.sent_by == clerk_a
    assert message.body == "您的案件已提交理赔中心审核，请耐心等待。"
    assert message.outbox.phone == case.reporter_phone
    first.refresh_from_db()
    assert first.state == SlaTimer.State.MET
    # From Wednesday 30 September: 8, 9 and 10 October.
    assert timer_of(case, "CLM-10-progress").due_at == end_of("2026-10-10")


def test_clm_10_manual_message_checked(claims_book, clerk_a, clerk_b, auditor):
    case = reported_case(claims_book, clerk_a)
    for body, code in (("   ", "empty"), ("短" * 301, "too_long")):
        with pytest.raises(ValidationError) as refused:
            services.case_message_manual(by=clerk_a, case_pk=case.pk, body=body)
        assert code_of(refused.value) == code
    services.case_message_manual(by=clerk_a, case_pk=case.pk, body="短" * 300)
    with pytest.raises(NotInScope):
        services.case_message_manual(by=clerk_b, case_pk=case.pk, body="x")
    with pytest.raises(ReadOnlyRole):
        services.case_message_manual(by=auditor, case_pk=case.pk, body="x")
    ClaimCase.objects.filter(pk=case.pk).update(stage=ClaimCase.Stage.CLOSED)
    with pytest.raises(ValidationError) as refused:
        services.case_message_manual(by=clerk_a, case_pk=case.pk, body="x")
    assert code_of(refused.value) == "closed"
    assert CaseMessage.objects.filter(case=case).count() == 1
