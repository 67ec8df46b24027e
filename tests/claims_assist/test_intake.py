"""Claim report intake (CLM-1, CLM-2): the report with its number, first event, SMS and
CLM-1 timer; refusals that save nothing; the lookup with duplicate names resolved by
ID; the 95518 number; the CLM-1 breach; corrections and withdrawal."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from claims_assist.models import CaseEvent, CaseMessage, ClaimCase, ClaimCaseCounter
from claims_assist.services.cases import case_timer
from claims_assist.services.intake import (
    HOTLINE_RULE,
    case_hotline_record,
    case_lookup,
    case_report,
    case_report_update,
    case_withdraw,
    check_case_report,
)
from core.access import NotInScope, ReadOnlyRole
from core.models import OutboxMessage, SlaTimer, TimerRule
from core.timers import timers_sweep
from tests.claims_assist.factories import ClaimCaseFactory
from tests.claims_assist.intake_support import BEIJING, ID_A, group_policy, report_values
from tests.factories import UserFactory
from tests.underwriting.factories import (
    CustomerFactory,
    PolicyFactory,
    resident_id,
)
from underwriting.models import Policy


def _timers(case):
    return SlaTimer.objects.filter(
        subject_type=ContentType.objects.get_for_model(ClaimCase), subject_id=case.pk
    )


# Intake ------------------------------------------------------------------------------------
def test_clm_2_intake_writes_case_number_event_sms_and_clm_1_timer(claims_book, clerk_a, tree):
    case = case_report(by=clerk_a, **report_values(claims_book))

    assert case.number.startswith(f"441823-L{timezone.localdate():%Y%m%d}-")
    assert case.org_unit == tree.outlet_a and case.owner == clerk_a
    assert case.stage == ClaimCase.Stage.REPORTED
    # The issued policy is linked with its product, sum insured and insured's ID.
    assert case.policy == claims_book.rice_a
    assert case.product == claims_book.rice
    assert case.sum_insured == Decimal("10000.00")
    assert case.insured_id_number == ID_A
    assert case.reporter_phone == "13800138000"
    assert list(case.events.values_list("stage", flat=True)) == [ClaimCase.Stage.REPORTED]
    message = CaseMessage.objects.get(case=case)
    assert OutboxMessage.objects.filter(
        pk=message.outbox_id, channel=OutboxMessage.Channel.SMS, phone="13800138000"
    ).exists()
    timer = case_timer(case=case, rule_code=HOTLINE_RULE)
    assert timer.due_at == case.reported_at + dt.timedelta(hours=24)
    assert timer.owner == clerk_a
    assert case.fraud_flags == []
    assert case.major is False
    assert case.history.first().history_user == clerk_a


def test_clm_2_numbers_are_consecutive_per_county_and_day(claims_book, clerk_a, clerk_b):
    first = case_report(by=clerk_a, **report_values(claims_book))
    second = case_report(
        by=clerk_b,
        **report_values(claims_book, policy_number=claims_book.rice_b.number, insured_name="李四"),
    )
    assert first.number[-4:] == "0001" and second.number[-4:] == "0002"


def test_clm_1_timer_duration_follows_the_rule(claims_book, clerk_a):
    TimerRule.objects.filter(code=HOTLINE_RULE, county__isnull=True).update(
        duration=dt.timedelta(hours=12)
    )
    case = case_report(by=clerk_a, **report_values(claims_book))
    timer = case_timer(case=case, rule_code=HOTLINE_RULE)
    assert timer.due_at == case.reported_at + dt.timedelta(hours=12)


def test_clm_1_wall_clock_runs_through_national_day(claims_book, clerk_a):
    reported = dt.datetime(2026, 9, 30, 20, 0, tzinfo=BEIJING)
    with time_machine.travel(reported, tick=False):
        case = case_report(
            by=clerk_a,
            **report_values(claims_book, incident_at=reported - dt.timedelta(hours=3)),
        )
    timer = case_timer(case=case, rule_code=HOTLINE_RULE)
    assert timer.due_at == dt.datetime(2026, 10, 1, 20, 0, tzinfo=BEIJING)
    assert case.number.endswith("-L20260930-0001")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"incident_at": timezone.now() + dt.timedelta(hours=1)}, "incident_at"),
        ({"insured_id_number": "110105194912310021"}, "insured_id_number"),
        ({"reporter_phone": "12345"}, "reporter_phone"),
        ({"policy_number": "PNOTINTHESYSTEM01"}, "product"),
        ({"course": "  "}, "course"),
        ({"estimated_amount": Decimal("-1")}, "estimated_amount"),
        ({"reporter_relation": "cousin"}, "reporter_relation"),
        ({"reported_at": timezone.now() + dt.timedelta(days=1)}, "reported_at"),
    ],
)
def test_clm_2_bad_input_changes_nothing(claims_book, clerk_a, overrides, field):
    with pytest.raises(ValidationError) as caught:
        case_report(by=clerk_a, **report_values(claims_book, **overrides))
    assert field in caught.value.message_dict
    assert not ClaimCase.objects.exists()
    assert not CaseEvent.objects.exists()
    assert not OutboxMessage.objects.exists()
    assert not SlaTimer.objects.exists()
    assert not ClaimCaseCounter.objects.filter(last__gt=0).exists()


def test_clm_2_incident_after_report_refused(claims_book, clerk_a):
    now = timezone.now()
    values = report_values(
        claims_book,
        reported_at=now - dt.timedelta(hours=5),
        incident_at=now - dt.timedelta(hours=1),
    )
    with pytest.raises(ValidationError) as caught:
        case_report(by=clerk_a, **values)
    assert "after the report" in caught.value.message_dict["incident_at"][0]
    assert not ClaimCase.objects.exists()


def test_clm_2_invalid_id_and_phone_messages_are_clear(claims_book, clerk_a):
    values = report_values(claims_book, insured_id_number="12345", reporter_phone="0123")
    with pytest.raises(ValidationError) as caught:
        check_case_report(by=clerk_a, values=values)
    errors = caught.value.message_dict
    assert "18 characters" in errors["insured_id_number"][0]
    assert "mobile or landline" in errors["reporter_phone"][0]


def test_clm_2_policy_not_in_system_needs_product(claims_book, clerk_a):
    case = case_report(
        by=clerk_a,
        **report_values(
            claims_book,
            policy_number="PEXTERNAL0001",
            product=claims_book.elderly,
            insured_id_number="11010519491231002x",
            sum_insured=Decimal("3000"),
        ),
    )
    assert case.policy is None and case.product == claims_book.elderly
    assert case.insured_id_number == ID_A
    assert case.sum_insured == Decimal("3000")


def test_clm_2_id_not_the_insureds_of_the_policy_refused(claims_book, clerk_a):
    values = report_values(claims_book, insured_id_number=resident_id(7))
    with pytest.raises(ValidationError) as caught:
        case_report(by=clerk_a, **values)
    assert "not the insured's" in caught.value.message_dict["insured_id_number"][0]


def test_clm_2_policy_of_another_outlet_is_not_linked(claims_book, clerk_a):
    values = report_values(claims_book, policy_number=claims_book.rice_b.number)
    with pytest.raises(ValidationError) as caught:
        case_report(by=clerk_a, **values)
    assert "choose the product" in caught.value.message_dict["product"][0]


def test_clm_2_group_policy_links_the_household_by_id(claims_book, clerk_a, tree):
    policy = group_policy(
        claims_book, tree, clerk_a, rows=[("王五", resident_id(301)), ("王五", resident_id(302))]
    )
    values = report_values(claims_book, policy_number=policy.number, insured_name="王五")
    with pytest.raises(ValidationError) as caught:
        case_report(by=clerk_a, **values)
    assert "ask for the insured's ID number" in caught.value.message_dict["insured_id_number"][0]

    case = case_report(by=clerk_a, **{**values, "insured_id_number": resident_id(302)})
    assert case.policy == policy
    assert case.household_row.id_number == resident_id(302)
    assert case.sum_insured == Decimal("10000.00")  # 10 亩 × 1,000 yuan

    # A name not on the list is taken as written; the household is left open.
    unlisted = case_report(by=clerk_a, **{**values, "insured_name": "王伍"})
    assert unlisted.policy == policy and unlisted.household_row is None
    assert unlisted.sum_insured == policy.sum_insured


def test_clm_1_outlet_and_follower(claims_book, clerk_a, claims_assist_a, county_manager, tree):
    values = report_values(claims_book)
    with pytest.raises(ValidationError) as caught:
        case_report(by=county_manager, **values)
    assert "org_unit" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        case_report(by=county_manager, org_unit=tree.outlet_a, **values)
    assert "owner" in caught.value.message_dict  # a manager is no staff of the outlet
    with pytest.raises(ValidationError) as caught:
        case_report(by=county_manager, org_unit=tree.outlet_c, owner=clerk_a, **values)
    assert "org_unit" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        case_report(by=clerk_a, org_unit=tree.outlet_b, **values)
    assert "org_unit" in caught.value.message_dict

    case = case_report(by=county_manager, org_unit=tree.outlet_a, owner=claims_assist_a, **values)
    assert case.org_unit == tree.outlet_a and case.owner == claims_assist_a
    assert case.created_by == county_manager


def test_clm_1_inactive_follower_refused(claims_book, clerk_a, tree):
    gone = UserFactory(username="gone", org_unit=tree.outlet_a, role="clerk", is_active=False)
    with pytest.raises(ValidationError) as caught:
        case_report(by=clerk_a, owner=gone, **report_values(claims_book))
    assert "owner" in caught.value.message_dict


def test_clm_2_auditor_and_api_client_may_not_report(claims_book, auditor, api_client_user):
    with pytest.raises(ReadOnlyRole):
        case_report(by=auditor, **report_values(claims_book))
    with pytest.raises(PermissionDenied):
        case_report(by=api_client_user, **report_values(claims_book))
    assert not ClaimCase.objects.exists()


def test_clm_16_flags_stored_at_intake(claims_book, clerk_a, county_manager):
    from claims_assist.services.fraud import watch_list_add

    watch_list_add(
        by=county_manager,
        county=claims_book.rice_a.org_unit.county,
        name="张三",
        id_number=ID_A,
        reason="伪造单证",
    )
    case = case_report(by=clerk_a, **report_values(claims_book))
    assert [flag["code"] for flag in case.fraud_flags] == ["watch_list"]


def test_clm_4_two_deaths_flag_major_at_intake(claims_book, clerk_a):
    case = case_report(
        by=clerk_a,
        **report_values(
            claims_book, policy_number=claims_book.elderly_a.number, deaths=2, injuries="两人死亡"
        ),
    )
    assert case.major is True
    assert ClaimCase.MajorReason.DEATHS in case.major_reasons


# Lookup ------------------------------------------------------------------------------------
def test_clm_2_lookup_by_number_name_and_id(claims_book, clerk_a):
    case = case_report(by=clerk_a, **report_values(claims_book))

    by_number = case_lookup(user=clerk_a, policy_number=claims_book.rice_a.number)
    assert by_number.cases == [case]
    assert [match.policy for match in by_number.policies] == [claims_book.rice_a]

    by_name = case_lookup(user=clerk_a, name="张三")
    assert by_name.cases == [case]
    assert {match.policy for match in by_name.policies} == {
        claims_book.rice_a,
        claims_book.elderly_a,
    }
    assert by_name.ambiguous is False

    by_id = case_lookup(user=clerk_a, id_number="11010519491231002x")
    assert by_id.cases == [case]
    assert by_id.id_number == ID_A
    assert len(by_id.policies) == 2
    assert by_id.policies[0].masked_id_number == "110105********002X"


def test_clm_2_duplicate_name_is_ambiguous_until_the_id_is_given(claims_book, clerk_a, tree):
    other = CustomerFactory(
        org_unit=tree.outlet_a, created_by=clerk_a, name="张三", id_number=resident_id(42)
    )
    PolicyFactory(
        number="PEAA202644182301000042",
        status=Policy.Status.ISSUED,
        product=claims_book.elderly,
        insured=other,
        applicant=other,
        org_unit=tree.outlet_a,
        entered_by=clerk_a,
        issued_at=timezone.now(),
        explained_at=timezone.now(),
    )
    found = case_lookup(user=clerk_a, name="张三")
    assert found.ambiguous is True
    assert found.masked_ids == sorted(
        ["110105********002X", "441823********" + resident_id(42)[-4:]]
    )
    assert len(found.policies) == 3

    resolved = case_lookup(user=clerk_a, name="张三", id_number=resident_id(42))
    assert resolved.ambiguous is False
    assert [match.policy.number for match in resolved.policies] == ["PEAA202644182301000042"]


def test_clm_2_lookup_finds_group_households(claims_book, clerk_a, tree):
    policy = group_policy(claims_book, tree, clerk_a, rows=[("王五", resident_id(301))])
    found = case_lookup(user=clerk_a, id_number=resident_id(301))
    assert [(match.policy, match.insured_name) for match in found.policies] == [(policy, "王五")]
    assert found.policies[0].household_row is not None


def test_clm_2_lookup_invalid_id_refused(claims_book, clerk_a):
    with pytest.raises(ValidationError) as caught:
        case_lookup(user=clerk_a, id_number="110105194912310021")
    assert "id_number" in caught.value.message_dict


def test_clm_2_lookup_is_scoped(claims_book, clerk_a, clerk_b, county_manager):
    case_report(by=clerk_a, **report_values(claims_book))
    found = case_lookup(user=clerk_b, name="张三")
    assert found.cases == [] and found.policies == []
    assert case_lookup(user=clerk_b, policy_number=claims_book.rice_a.number).policies == []
    assert len(case_lookup(user=county_manager, name="张三").cases) == 1


# 95518 (CLM-1) -----------------------------------------------------------------------------
def test_clm_1_hotline_number_meets_timer_and_forwards(claims_book, clerk_a):
    case = case_report(by=clerk_a, **report_values(claims_book))
    timer = case_timer(case=case, rule_code=HOTLINE_RULE)

    case = case_hotline_record(by=clerk_a, case_pk=case.pk, number=" rp-2026 0001 ")

    assert case.hotline_number == "RP-20260001"
    assert case.hotline_recorded_at is not None
    timer.refresh_from_db()
    assert timer.state == SlaTimer.State.MET
    assert case.stage == ClaimCase.Stage.FORWARDED
    assert list(case.events.values_list("stage", flat=True)) == ["reported", "forwarded"]
    assert case.messages.count() == 2


def test_clm_1_hotline_number_correction_is_audited(claims_book, clerk_a, outlet_head_a):
    case = case_report(by=clerk_a, **report_values(claims_book))
    case_hotline_record(by=clerk_a, case_pk=case.pk, number="RP0001")
    case = case_hotline_record(by=outlet_head_a, case_pk=case.pk, number="RP0002")
    assert case.hotline_number == "RP0002"
    assert case.stage == ClaimCase.Stage.FORWARDED
    last = case.history.first()
    assert last.history_user == outlet_head_a
    assert "corrected" in last.history_change_reason
    assert case.history.filter(hotline_number="RP0001").exists()


def test_clm_1_duplicate_hotline_number_refused(claims_book, clerk_a, clerk_b):
    first = case_report(by=clerk_a, **report_values(claims_book))
    case_hotline_record(by=clerk_a, case_pk=first.pk, number="RP0001")
    second = case_report(by=clerk_a, **report_values(claims_book))
    with pytest.raises(ValidationError) as caught:
        case_hotline_record(by=clerk_a, case_pk=second.pk, number="rp0001")
    assert first.number in caught.value.message_dict["number"][0]

    other = case_report(
        by=clerk_b,
        **report_values(claims_book, policy_number=claims_book.rice_b.number, insured_name="李四"),
    )
    with pytest.raises(ValidationError) as caught:
        case_hotline_record(by=clerk_b, case_pk=other.pk, number="RP0001")
    # Outlet B does not see outlet A's case: its number is not revealed.
    assert first.number not in caught.value.message_dict["number"][0]
    second.refresh_from_db()
    assert second.hotline_number == "" and second.stage == ClaimCase.Stage.REPORTED


def test_clm_1_hotline_refusals(claims_book, clerk_a, clerk_b, auditor):
    case = case_report(by=clerk_a, **report_values(claims_book))
    with pytest.raises(NotInScope):
        case_hotline_record(by=clerk_b, case_pk=case.pk, number="RP0001")
    with pytest.raises(ReadOnlyRole):
        case_hotline_record(by=auditor, case_pk=case.pk, number="RP0001")
    with pytest.raises(ValidationError):
        case_hotline_record(by=clerk_a, case_pk=case.pk, number="   ")
    case.refresh_from_db()
    assert case.hotline_number == ""


def test_clm_1_breach_flags_the_case_and_tells_the_outlet_head_once(
    claims_book, clerk_a, outlet_head_a
):
    reported = dt.datetime(2026, 9, 30, 20, 0, tzinfo=BEIJING)
    with time_machine.travel(reported, tick=False):
        case = case_report(
            by=clerk_a, **report_values(claims_book, incident_at=reported - dt.timedelta(hours=2))
        )
    timer = case_timer(case=case, rule_code=HOTLINE_RULE)
    with time_machine.travel(reported + dt.timedelta(hours=23), tick=False):
        assert timers_sweep(now=timezone.now()).breached == 0
    with time_machine.travel(timer.due_at + dt.timedelta(minutes=1), tick=False):
        assert timers_sweep(now=timezone.now()).breached == 1
        assert timers_sweep(now=timezone.now()).breached == 0
    case.refresh_from_db()
    assert case.hotline_overdue_at == timer.due_at
    inbox = OutboxMessage.objects.filter(
        channel=OutboxMessage.Channel.INBOX, dedup_key__startswith=f"claim-case:{case.pk}:CLM-1"
    )
    assert list(inbox.values_list("recipient", flat=True)) == [outlet_head_a.pk]
    assert inbox.get().link == f"/claims/cases/{case.pk}/"
    timer.refresh_from_db()
    assert timer.state == SlaTimer.State.BREACHED

    # A late number is still recorded; the flag stays as the record of the delay.
    case = case_hotline_record(by=clerk_a, case_pk=case.pk, number="RP0009")
    assert case.hotline_overdue_at is not None and case.stage == ClaimCase.Stage.FORWARDED


def test_clm_1_number_in_time_means_no_breach(claims_book, clerk_a, outlet_head_a):
    case = case_report(by=clerk_a, **report_values(claims_book))
    case_hotline_record(by=clerk_a, case_pk=case.pk, number="RP0001")
    with time_machine.travel(timezone.now() + dt.timedelta(days=2), tick=False):
        timers_sweep(now=timezone.now())
    case.refresh_from_db()
    assert case.hotline_overdue_at is None
    assert not OutboxMessage.objects.filter(dedup_key__contains=":CLM-1:").exists()


# Corrections and withdrawal ------------------------------------------------------------------
def test_clm_4_raised_estimate_reevaluates_major(claims_book, clerk_a):
    case = case_report(by=clerk_a, **report_values(claims_book))
    assert case.major is False
    case = case_report_update(
        by=clerk_a, case_pk=case.pk, estimated_amount=Decimal("600000"), reason="重新估损"
    )
    assert case.major is True
    assert ClaimCase.MajorReason.LARGE_UNCERTAIN in case.major_reasons
    assert case.history.first().history_change_reason == "重新估损"


def test_clm_2_correction_validates_and_relinks(claims_book, clerk_a):
    case = case_report(by=clerk_a, **report_values(claims_book))
    with pytest.raises(ValidationError) as caught:
        case_report_update(
            by=clerk_a, case_pk=case.pk, incident_at=case.reported_at + dt.timedelta(minutes=1)
        )
    assert "incident_at" in caught.value.message_dict
    case = case_report_update(
        by=clerk_a, case_pk=case.pk, policy_number=claims_book.elderly_a.number, cause="摔倒"
    )
    assert case.policy == claims_book.elderly_a and case.product == claims_book.elderly
    assert case.sum_insured == Decimal("3000.00") and case.cause == "摔倒"


def test_clm_2_final_case_cannot_be_corrected(claims_book, clerk_a, clerk_b, auditor):
    case = case_report(by=clerk_a, **report_values(claims_book))
    with pytest.raises(NotInScope):
        case_report_update(by=clerk_b, case_pk=case.pk, cause="x")
    with pytest.raises(ReadOnlyRole):
        case_report_update(by=auditor, case_pk=case.pk, cause="x")
    case_withdraw(by=clerk_a, case_pk=case.pk, reason="客户自行协商解决")
    with pytest.raises(ValidationError):
        case_report_update(by=clerk_a, case_pk=case.pk, cause="x")


def test_clm_1_withdrawal_ends_the_case_and_its_timers(claims_book, clerk_a):
    case = case_report(by=clerk_a, **report_values(claims_book))
    with pytest.raises(ValidationError) as caught:
        case_withdraw(by=clerk_a, case_pk=case.pk, reason=" ")
    assert "reason" in caught.value.message_dict

    case = case_withdraw(by=clerk_a, case_pk=case.pk, reason="客户撤案")
    assert case.stage == ClaimCase.Stage.WITHDRAWN
    assert case.events.last().note == "客户撤案"
    assert not _timers(case).filter(state__in=SlaTimer.OPEN_STATES).exists()
    assert case.messages.count() == 2
    with pytest.raises(ValidationError):
        case_withdraw(by=clerk_a, case_pk=case.pk, reason="again")


def test_clm_2_factory_case_is_found_by_lookup(claims_book, clerk_a):
    case = ClaimCaseFactory(
        policy=claims_book.rice_a, org_unit=claims_book.rice_a.org_unit, created_by=clerk_a
    )
    assert case_lookup(user=clerk_a, policy_number=claims_book.rice_a.number).cases == [case]
