"""CLM-4 major cases through the services: flagged at intake by deaths or amount (the
24-hour clock from the report), by a later change of the estimate (from the flagging
time), by a dispute (manual); the head-office report meets the timer; a missed report
escalates once to the county manager and the city claims centre."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from claims_assist.models import ClaimCase, ClaimsSettings
from claims_assist.services.cases import case_lock, case_timer
from claims_assist.services.major import (
    MAJOR_RULE,
    case_major_evaluate,
    case_major_flag,
    case_major_reported,
)
from core.access import NotInScope, ReadOnlyRole
from core.models import OutboxMessage, SlaTimer
from core.timers import timers_sweep
from tests.claims_assist.authority_support import manager_c
from tests.claims_assist.factories import ClaimCaseFactory

MAJOR = ClaimCase.MajorReason


def _case(tree, clerk_a, claims_book, **values) -> ClaimCase:
    return ClaimCaseFactory(
        policy=claims_book.elderly_a, org_unit=tree.outlet_a, created_by=clerk_a, **values
    )


def _evaluate(case, by, at=None) -> bool:
    with transaction.atomic():
        locked = case_lock(user=by, pk=case.pk)
        major = case_major_evaluate(case=locked, by=by, at=at)
    case.refresh_from_db()
    return major


def _recipients(case) -> list[str]:
    return sorted(
        OutboxMessage.objects.filter(
            dedup_key__startswith=f"claim-case:{case.pk}:CLM-4:timer:"
        ).values_list("recipient__username", flat=True)
    )


# Automatic reasons ------------------------------------------------------------------------
def test_clm_4_two_deaths_at_intake_clock_from_the_report(
    tree, clerk_a, claims_book, county_manager
):
    reported = timezone.now() - dt.timedelta(hours=3)
    case = _case(tree, clerk_a, claims_book, deaths=2, reported_at=reported)
    assert _evaluate(case, clerk_a)
    assert case.major and case.major_reasons == [MAJOR.DEATHS]
    assert case.major_flagged_at is not None
    timer = case_timer(case=case, rule_code=MAJOR_RULE)
    assert timer.started_at == reported
    assert timer.due_at == reported + dt.timedelta(hours=24)
    told = OutboxMessage.objects.filter(dedup_key__startswith=f"claim-case:{case.pk}:CLM-4:flagged")
    assert [m.recipient for m in told] == [county_manager]


def test_clm_4_one_death_is_not_major(tree, clerk_a, claims_book):
    case = _case(tree, clerk_a, claims_book, deaths=1)
    assert not _evaluate(case, clerk_a)
    assert case_timer(case=case, rule_code=MAJOR_RULE) is None


def test_clm_4_amount_over_the_major_amount_at_intake(tree, clerk_a, claims_book):
    reported = timezone.now() - dt.timedelta(hours=1)
    by_estimate = _case(
        tree, clerk_a, claims_book, estimated_amount=Decimal("500000.01"), reported_at=reported
    )
    by_sum = _case(tree, clerk_a, claims_book, sum_insured=Decimal("800000.00"))
    at_limit = _case(tree, clerk_a, claims_book, estimated_amount=Decimal("500000.00"))
    assert _evaluate(by_estimate, clerk_a) and by_estimate.major_reasons == [MAJOR.LARGE_UNCERTAIN]
    assert case_timer(case=by_estimate, rule_code=MAJOR_RULE).started_at == reported
    assert _evaluate(by_sum, clerk_a) and by_sum.major_reasons == [MAJOR.LARGE_UNCERTAIN]
    assert not _evaluate(at_limit, clerk_a)


def test_clm_4_amount_uses_the_county_setting_and_needs_an_open_outcome(tree, clerk_a, claims_book):
    ClaimsSettings.objects.create(county=tree.county, major_amount=Decimal("100000.00"))
    case = _case(tree, clerk_a, claims_book, estimated_amount=Decimal("200000.00"))
    decided = _case(
        tree,
        clerk_a,
        claims_book,
        estimated_amount=Decimal("200000.00"),
        decision=ClaimCase.Decision.PAY,
    )
    assert _evaluate(case, clerk_a)
    assert not _evaluate(decided, clerk_a)


def test_clm_4_raised_estimate_clock_from_the_flagging_time(tree, clerk_a, claims_book):
    reported = timezone.now() - dt.timedelta(days=2)
    case = _case(
        tree,
        clerk_a,
        claims_book,
        estimated_amount=Decimal("20000.00"),
        reported_at=reported,
        incident_at=reported - dt.timedelta(hours=2),
    )
    assert not _evaluate(case, clerk_a)
    case.estimated_amount = Decimal("650000.00")
    case.save(update_fields=["estimated_amount"])
    flagged = timezone.now()
    assert _evaluate(case, clerk_a, at=flagged)
    timer = case_timer(case=case, rule_code=MAJOR_RULE)
    assert timer.started_at == flagged and case.major_flagged_at == flagged
    # A second evaluation changes nothing: one timer, one message.
    assert _evaluate(case, clerk_a)
    assert SlaTimer.objects.filter(subject_id=case.pk, rule__code=MAJOR_RULE).count() == 1


def test_clm_4_deaths_added_to_a_major_case_keep_its_timer(tree, clerk_a, claims_book):
    case = _case(tree, clerk_a, claims_book, estimated_amount=Decimal("600000.00"))
    assert _evaluate(case, clerk_a)
    case.deaths = 3
    case.save(update_fields=["deaths"])
    assert _evaluate(case, clerk_a)
    assert case.major_reasons == [MAJOR.LARGE_UNCERTAIN, MAJOR.DEATHS]
    assert SlaTimer.objects.filter(subject_id=case.pk, rule__code=MAJOR_RULE).count() == 1


# Manual flag ------------------------------------------------------------------------------
def test_clm_4_manual_flag_for_litigation(tree, clerk_a, claims_book, county_manager):
    case = _case(tree, clerk_a, claims_book, reported_at=timezone.now() - dt.timedelta(days=5))
    at = timezone.now()
    case_major_flag(
        by=clerk_a, case_pk=case.pk, reasons=[MAJOR.LITIGATION], note="客户已向法院起诉", at=at
    )
    case.refresh_from_db()
    assert case.major and case.major_reasons == [MAJOR.LITIGATION]
    assert case_timer(case=case, rule_code=MAJOR_RULE).started_at == at
    assert case.history.first().history_change_reason == "客户已向法院起诉"
    case_major_flag(by=clerk_a, case_pk=case.pk, reasons=[MAJOR.REGULATOR_MEDIA], note="媒体报道")
    case.refresh_from_db()
    assert case.major_reasons == [MAJOR.LITIGATION, MAJOR.REGULATOR_MEDIA]
    assert SlaTimer.objects.filter(subject_id=case.pk, rule__code=MAJOR_RULE).count() == 1


def test_clm_4_manual_flag_refusals(tree, clerk_a, clerk_b, auditor, claims_book):
    case = _case(tree, clerk_a, claims_book)
    with pytest.raises(ValidationError) as error:
        case_major_flag(by=clerk_a, case_pk=case.pk, reasons=[MAJOR.DEATHS], note="x")
    assert error.value.error_dict["reasons"][0].code == "invalid_reason"
    with pytest.raises(ValidationError) as error:
        case_major_flag(by=clerk_a, case_pk=case.pk, reasons=[MAJOR.LITIGATION], note=" ")
    assert "note" in error.value.error_dict
    with pytest.raises(NotInScope):
        case_major_flag(by=clerk_b, case_pk=case.pk, reasons=[MAJOR.LITIGATION], note="x")
    with pytest.raises(ReadOnlyRole):
        case_major_flag(by=auditor, case_pk=case.pk, reasons=[MAJOR.LITIGATION], note="x")
    case_major_flag(by=clerk_a, case_pk=case.pk, reasons=[MAJOR.LITIGATION], note="起诉")
    with pytest.raises(ValidationError) as error:
        case_major_flag(by=clerk_a, case_pk=case.pk, reasons=[MAJOR.LITIGATION], note="again")
    assert error.value.error_dict["reasons"][0].code == "already_flagged"


# Head-office report -----------------------------------------------------------------------
def test_clm_4_head_office_report_meets_the_timer(tree, clerk_a, claims_book):
    case = _case(tree, clerk_a, claims_book, deaths=2)
    with pytest.raises(ValidationError) as error:
        case_major_reported(by=clerk_a, case_pk=case.pk, reference="ZB-1")
    assert error.value.code == "not_major"
    _evaluate(case, clerk_a)
    timer = case_timer(case=case, rule_code=MAJOR_RULE)
    with pytest.raises(ValidationError) as error:
        case_major_reported(by=clerk_a, case_pk=case.pk, reference=" ")
    assert "reference" in error.value.error_dict
    case_major_reported(by=clerk_a, case_pk=case.pk, reference="ZB-2026-118")
    case.refresh_from_db()
    assert case.head_office_reference == "ZB-2026-118" and case.head_office_reported_at
    timer.refresh_from_db()
    assert timer.state == SlaTimer.State.MET
    with pytest.raises(ValidationError) as error:
        case_major_reported(by=clerk_a, case_pk=case.pk, reference="ZB-again")
    assert error.value.code == "already_reported"
    with time_machine.travel(timer.due_at + dt.timedelta(minutes=1), tick=False):
        assert timers_sweep(now=timezone.now()).breached == 0


# The breach -------------------------------------------------------------------------------
def test_clm_4_not_reported_in_24_hours_escalates_once(
    tree, clerk_a, claims_book, county_manager, claims_centre, outlet_head_a
):
    manager_c(tree)  # the other county's manager is not told
    case = _case(tree, clerk_a, claims_book, deaths=2)
    _evaluate(case, clerk_a)
    timer = case_timer(case=case, rule_code=MAJOR_RULE)
    with time_machine.travel(timer.due_at - dt.timedelta(minutes=1), tick=False):
        assert timers_sweep(now=timezone.now()).breached == 0
    with time_machine.travel(timer.due_at + dt.timedelta(minutes=1), tick=False):
        assert timers_sweep(now=timezone.now()).breached == 1
        assert timers_sweep(now=timezone.now()).breached == 0
    case.refresh_from_db()
    assert case.major_overdue_at is not None
    assert _recipients(case) == sorted([county_manager.username, claims_centre.username])
    timer.refresh_from_db()
    assert timer.state == SlaTimer.State.BREACHED
