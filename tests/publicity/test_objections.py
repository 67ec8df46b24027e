"""Objections to a notice (PUB-5): recorded at the counter or online, late after the
period, verified within the PUB-5 timer (a breach tells the outlet head), resolved with
an outcome; an upheld objection changes the household list through the underwriting
services with audit (UW-4, UW-6); claim payment notices the same way (PUB-7); scope and
roles (OUT-1)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.access import NotInScope, ReadOnlyRole
from core.models import OutboxMessage, SlaTimer
from core.timers import timers_sweep
from publicity.models import Notice, NoticeLine, Objection
from publicity.services.objections import (
    objection_record,
    objection_resolve,
    objection_submit_online,
)
from tests.underwriting.group_support import listed_policy
from underwriting.models import HouseholdList, HouseholdRow, Policy, PolicyChange


def record(notice, clerk, *, line=None, **overrides) -> Objection:
    values = {
        "raiser_kind": Objection.Raiser.HOUSEHOLD,
        "raiser_name": "李秀英",
        "channel": Objection.Channel.PHONE,
        "claim": Objection.Claim.WRONG_QUANTITY,
        "details": "我家实际种了12亩，不是10亩。",
        "contact_phone": "137 8765 4321",
    }
    values.update(overrides)
    return objection_record(clerk=clerk, notice=notice, line=line, **values)


def line_at(notice, position: int) -> NoticeLine:
    return notice.lines.get(position=position)


def row_of(line: NoticeLine) -> HouseholdRow:
    return HouseholdRow.objects.get(pk=line.source_row_id)


def messages_of(exc_info) -> str:
    return " ".join(exc_info.value.messages)


def post(notice: Notice, *, days_ago: float = 1) -> Notice:
    """A claim payment notice put up `days_ago` days ago (its lifecycle is tested with
    the notice services)."""
    posted_at = timezone.now() - dt.timedelta(days=days_ago)
    Notice.objects.filter(pk=notice.pk).update(
        state=Notice.State.POSTED, posted_at=posted_at, ends_at=posted_at + dt.timedelta(days=7)
    )
    notice.refresh_from_db()
    return notice


# --- Recording ---------------------------------------------------------------------------
def test_pub_5_objection_of_the_period_starts_its_verification_timer(posted_notice, clerk_a):
    objection = record(posted_notice, clerk_a, line=line_at(posted_notice, 2))
    assert objection.late is False
    assert objection.state == Objection.State.OPEN
    assert objection.line_position == 2
    assert objection.recorded_by == clerk_a
    assert objection.contact_phone == "13787654321"
    timer = objection.timer
    assert timer.rule.code == "PUB-5"
    assert timer.state == SlaTimer.State.RUNNING
    assert timer.owner == clerk_a
    assert timer.started_at == objection.raised_at
    assert objection.history.earliest().history_change_reason == "Objection recorded (PUB-5)"


def test_pub_5_a_colleague_recording_it_tells_the_responsible_clerk(
    posted_notice, clerk_a, outlet_head_a
):
    objection = record(posted_notice, outlet_head_a, line=line_at(posted_notice, 1))
    message = OutboxMessage.objects.get(dedup_key=f"objection:{objection.pk}:new:u{clerk_a.pk}")
    assert message.recipient == clerk_a
    assert posted_notice.title in message.subject
    assert message.link.endswith(f"/{objection.pk}/")


def test_pub_5_objection_after_the_period_is_late_and_has_no_timer(elapsed_notice, clerk_a):
    objection = record(elapsed_notice, clerk_a, line=line_at(elapsed_notice, 1))
    assert objection.late is True
    assert objection.timer is None
    assert "policy change" in objection.history.get().history_change_reason


def test_pub_5_objection_raised_within_the_period_is_not_late_when_recorded_later(
    elapsed_notice, clerk_a
):
    raised_at = elapsed_notice.ends_at - dt.timedelta(hours=2)
    objection = record(elapsed_notice, clerk_a, raised_at=raised_at)
    assert objection.late is False
    assert objection.timer.started_at == raised_at


def test_pub_5_objection_to_a_closed_notice_is_late(posted_notice, clerk_a):
    Notice.objects.filter(pk=posted_notice.pk).update(
        state=Notice.State.CLOSED, closed_at=timezone.now()
    )
    posted_notice.refresh_from_db()
    assert record(posted_notice, clerk_a).late is True


def test_pub_5_a_draft_notice_receives_no_objection(draft_notice, clerk_a):
    with pytest.raises(ValidationError) as exc:
        record(draft_notice, clerk_a)
    assert "posted in the village" in messages_of(exc)
    assert not Objection.objects.exists()


def test_pub_5_record_lists_every_problem(posted_notice, claim_notice, clerk_a):
    with pytest.raises(ValidationError) as exc:
        record(
            posted_notice,
            clerk_a,
            line=line_at(claim_notice, 1),
            raiser_kind="stranger",
            raiser_name=" ",
            claim="wrong_payment",
            details="",
            contact_phone="12345",
            raised_at=timezone.now() + dt.timedelta(hours=1),
        )
    assert set(exc.value.message_dict) == {
        "raiser_kind",
        "raiser_name",
        "claim",
        "details",
        "contact_phone",
        "line",
        "raised_at",
    }
    assert not Objection.objects.exists()


def test_pub_5_objection_cannot_be_raised_before_the_posting(posted_notice, clerk_a):
    with pytest.raises(ValidationError) as exc:
        record(posted_notice, clerk_a, raised_at=posted_notice.posted_at - dt.timedelta(hours=1))
    assert "raised_at" in exc.value.message_dict


def test_pub_5_staff_do_not_record_online_objections(posted_notice, clerk_a):
    with pytest.raises(ValidationError) as exc:
        record(posted_notice, clerk_a, channel=Objection.Channel.ONLINE)
    assert "channel" in exc.value.message_dict


def test_pub_5_a_missing_household_has_no_line(posted_notice, clerk_a):
    with pytest.raises(ValidationError) as exc:
        record(
            posted_notice,
            clerk_a,
            line=line_at(posted_notice, 1),
            claim=Objection.Claim.MISSING,
        )
    assert "line" in exc.value.message_dict
    assert record(posted_notice, clerk_a, claim=Objection.Claim.MISSING).line is None


# --- Online -----------------------------------------------------------------------------
def test_pub_5_online_objection_is_recorded_without_a_user(posted_notice, clerk_a):
    objection = objection_submit_online(
        notice=posted_notice,
        line_position=3,
        raiser_name="欧阳春花",
        claim=Objection.Claim.WRONG_NAME,
        details="名字是欧阳春华。",
        contact_phone="15011112222",
        ip_address="203.0.113.7",
    )
    assert objection.channel == Objection.Channel.ONLINE
    assert objection.recorded_by is None
    assert objection.submitted_ip == "203.0.113.7"
    assert objection.line == line_at(posted_notice, 3)
    assert objection.timer.rule.code == "PUB-5"
    assert OutboxMessage.objects.filter(
        recipient=clerk_a, dedup_key__startswith=f"objection:{objection.pk}:new"
    ).exists()


def test_pub_5_online_double_submission_is_recorded_once(posted_notice):
    values = {
        "notice": posted_notice,
        "line_position": "1",
        "raiser_name": "王小明",
        "claim": Objection.Claim.WRONG_QUANTITY,
        "details": "数量不对",
        "ip_address": "203.0.113.7",
    }
    first = objection_submit_online(**values)
    assert objection_submit_online(**values) == first
    assert Objection.objects.count() == 1


def test_pub_5_online_input_is_validated(posted_notice):
    with pytest.raises(ValidationError) as exc:
        objection_submit_online(
            notice=posted_notice,
            line_position=99,
            raiser_name="",
            claim="nonsense",
            details="x" * 5000,
            contact_phone="abc",
        )
    assert set(exc.value.message_dict) == {
        "line_position",
        "raiser_name",
        "claim",
        "details",
        "contact_phone",
    }
    assert not Objection.objects.exists()


def test_pub_5_online_objection_to_a_draft_is_refused(draft_notice):
    with pytest.raises(ValidationError):
        objection_submit_online(
            notice=draft_notice,
            line_position=None,
            raiser_name="王小明",
            claim="other",
            details="x",
        )
    assert not Objection.objects.exists()


# --- Resolution --------------------------------------------------------------------------
def test_pub_5_upheld_objection_corrects_the_list_with_audit(posted_notice, group_policy, clerk_a):
    line = line_at(posted_notice, 2)
    objection = record(posted_notice, clerk_a, line=line)
    objection = objection_resolve(
        clerk=clerk_a,
        objection=objection,
        outcome=Objection.Outcome.CORRECTED,
        note="村委会核实承包合同，确为12亩。",
        corrections={"quantity": Decimal("12")},
    )
    assert objection.state == Objection.State.RESOLVED
    assert objection.resolved_by == clerk_a and objection.resolved_at is not None
    before, after = objection.change["quantity"]
    assert Decimal(before) == 10 and Decimal(after) == 12
    # UW-4, UW-6: the household row, through the underwriting service, with the reason.
    row = row_of(line)
    assert row.quantity == Decimal("12")
    assert row.premium == Decimal("720.00") and row.split_adds_up()
    record_ = row.history.first()
    assert record_.history_user == clerk_a
    assert f"PUB-5 objection #{objection.pk}" in record_.history_change_reason
    assert "确为12亩" in record_.history_change_reason
    group_policy.refresh_from_db()
    assert group_policy.quantity == Decimal("32")
    assert group_policy.premium == Decimal("1920.00") and group_policy.split_adds_up()
    # The notice shows the corrected list.
    line.refresh_from_db()
    assert line.quantity == Decimal("12") and line.corrected_at is not None
    assert line.farmer_share == row.farmer_share
    posted_notice.refresh_from_db()
    assert posted_notice.revision == 2
    assert posted_notice.quantity == Decimal("32")
    assert posted_notice.farmer_share == group_policy.farmer_share
    assert objection.timer.state == SlaTimer.State.MET


def test_pub_5_name_correction_reaches_the_row_and_the_line(posted_notice, clerk_a):
    line = line_at(posted_notice, 1)
    objection = record(posted_notice, clerk_a, line=line, claim=Objection.Claim.WRONG_NAME)
    objection = objection_resolve(
        clerk=clerk_a,
        objection=objection,
        outcome=Objection.Outcome.CORRECTED,
        note="身份证核对",
        corrections={"name": "王晓明"},
    )
    assert objection.change == {"name": ["王小明", "王晓明"]}
    assert row_of(line).name == "王晓明"
    line.refresh_from_db()
    assert line.name == "王晓明"


def test_pub_5_household_removed_from_the_list(posted_notice, group_policy, clerk_a):
    line = line_at(posted_notice, 3)
    row_pk = line.source_row_id
    objection = record(posted_notice, clerk_a, line=line, claim=Objection.Claim.NOT_INSURED)
    objection = objection_resolve(
        clerk=clerk_a,
        objection=objection,
        outcome=Objection.Outcome.REMOVED,
        note="本户声明未投保",
    )
    objection.refresh_from_db()
    assert objection.line is None and objection.line_position == 3
    assert objection.outcome == Objection.Outcome.REMOVED
    assert objection.change["name"][0] == "欧阳春花"
    assert not HouseholdRow.objects.filter(pk=row_pk).exists()
    deleted = HouseholdRow.history.get(id=row_pk, history_type="-")
    assert deleted.history_user == clerk_a
    assert "本户声明未投保" in deleted.history_change_reason
    group_policy.refresh_from_db()
    assert group_policy.applicant_label == "王小明等2户"
    assert group_policy.quantity == Decimal("20") and group_policy.split_adds_up()
    posted_notice.refresh_from_db()
    assert posted_notice.line_count == 2 and posted_notice.revision == 2


@pytest.mark.parametrize("outcome", [Objection.Outcome.NO_CHANGE, Objection.Outcome.REJECTED])
def test_pub_5_outcome_without_change_needs_a_note(posted_notice, clerk_a, outcome):
    objection = record(posted_notice, clerk_a, line=line_at(posted_notice, 1))
    with pytest.raises(ValidationError) as exc:
        objection_resolve(clerk=clerk_a, objection=objection, outcome=outcome, note="  ")
    assert "note" in exc.value.message_dict
    objection = objection_resolve(
        clerk=clerk_a, objection=objection, outcome=outcome, note="实地丈量为10亩，清单无误。"
    )
    assert objection.state == Objection.State.RESOLVED
    assert objection.change == {}
    posted_notice.refresh_from_db()
    assert posted_notice.revision == 1
    assert row_of(line_at(posted_notice, 1)).quantity == Decimal("10")


def test_pub_5_resolution_refusals_are_listed_and_nothing_changes(posted_notice, clerk_a):
    without_line = record(posted_notice, clerk_a, claim=Objection.Claim.OTHER)
    with pytest.raises(ValidationError) as exc:
        objection_resolve(
            clerk=clerk_a, objection=without_line, outcome=Objection.Outcome.CORRECTED, note=""
        )
    assert {"outcome", "__all__"} <= set(exc.value.message_dict)
    with_line = record(posted_notice, clerk_a, line=line_at(posted_notice, 1))
    with pytest.raises(ValidationError) as exc:
        objection_resolve(
            clerk=clerk_a,
            objection=with_line,
            outcome=Objection.Outcome.NO_CHANGE,
            note="无误",
            corrections={"quantity": "12"},
        )
    assert "__all__" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        objection_resolve(clerk=clerk_a, objection=with_line, outcome="maybe", note="x")
    assert "outcome" in exc.value.message_dict
    assert not Objection.objects.filter(state=Objection.State.RESOLVED).exists()


def test_pub_5_an_invalid_correction_saves_nothing(posted_notice, clerk_a):
    line = line_at(posted_notice, 1)
    objection = record(posted_notice, clerk_a, line=line)
    with pytest.raises(ValidationError):
        objection_resolve(
            clerk=clerk_a,
            objection=objection,
            outcome=Objection.Outcome.CORRECTED,
            note="x",
            corrections={"quantity": "-3"},
        )
    objection.refresh_from_db()
    assert objection.state == Objection.State.OPEN
    assert row_of(line).quantity == Decimal("10")
    posted_notice.refresh_from_db()
    assert posted_notice.revision == 1


def test_pub_5_resolved_objection_cannot_be_resolved_again(posted_notice, clerk_a):
    objection = record(posted_notice, clerk_a)
    objection_resolve(
        clerk=clerk_a, objection=objection, outcome=Objection.Outcome.REJECTED, note="无依据"
    )
    with pytest.raises(ValidationError) as exc:
        objection_resolve(
            clerk=clerk_a, objection=objection, outcome=Objection.Outcome.NO_CHANGE, note="x"
        )
    assert exc.value.code == "resolved"


def _change(policy: Policy, clerk) -> PolicyChange:
    return PolicyChange.objects.create(
        policy=policy,
        kind=PolicyChange.Kind.ENDORSEMENT,
        reason="异议后批改数量",
        effective_on=timezone.localdate(),
        requested_by=clerk,
    )


def test_pub_5_late_objection_is_handled_as_a_policy_change(
    elapsed_notice, group_policy, clerk_a, book
):
    line = line_at(elapsed_notice, 1)
    objection = record(elapsed_notice, clerk_a, line=line)
    assert objection.late
    with pytest.raises(ValidationError) as exc:
        objection_resolve(
            clerk=clerk_a,
            objection=objection,
            outcome=Objection.Outcome.CORRECTED,
            note="x",
            corrections={"quantity": "12"},
        )
    assert "policy change" in messages_of(exc)
    assert row_of(line).quantity == Decimal("10")
    with pytest.raises(ValidationError) as exc:
        objection_resolve(
            clerk=clerk_a, objection=objection, outcome=Objection.Outcome.POLICY_CHANGE, note=""
        )
    assert "policy_change" in exc.value.message_dict
    other_policy = listed_policy(book, clerk_a)
    with pytest.raises(ValidationError) as exc:
        objection_resolve(
            clerk=clerk_a,
            objection=objection,
            outcome=Objection.Outcome.POLICY_CHANGE,
            note="",
            policy_change=_change(other_policy, clerk_a),
        )
    assert "policy_change" in exc.value.message_dict
    change = _change(group_policy, clerk_a)
    objection = objection_resolve(
        clerk=clerk_a,
        objection=objection,
        outcome=Objection.Outcome.POLICY_CHANGE,
        note="出单后批改",
        policy_change=change,
    )
    assert objection.outcome == Objection.Outcome.POLICY_CHANGE
    assert objection.policy_change == change


def test_pub_5_only_a_late_objection_becomes_a_policy_change(posted_notice, group_policy, clerk_a):
    objection = record(posted_notice, clerk_a, line=line_at(posted_notice, 1))
    with pytest.raises(ValidationError) as exc:
        objection_resolve(
            clerk=clerk_a,
            objection=objection,
            outcome=Objection.Outcome.POLICY_CHANGE,
            note="",
            policy_change=_change(group_policy, clerk_a),
        )
    assert "outcome" in exc.value.message_dict


# --- PUB-5 timer breach ------------------------------------------------------------------
def test_pub_5_unverified_objection_tells_the_outlet_head_once(
    posted_notice, clerk_a, outlet_head_a
):
    objection = record(posted_notice, clerk_a, line=line_at(posted_notice, 1))
    due = objection.timer.due_at
    timers_sweep(now=due + dt.timedelta(minutes=1))
    timers_sweep(now=due + dt.timedelta(hours=2))
    messages = OutboxMessage.objects.filter(dedup_key__startswith=f"objection:{objection.pk}:pub5")
    assert [message.recipient for message in messages] == [outlet_head_a]
    assert "PUB-5" in messages[0].subject
    objection.timer.refresh_from_db()
    assert objection.timer.state == SlaTimer.State.BREACHED


def test_pub_5_verified_objection_is_not_escalated(posted_notice, clerk_a, outlet_head_a):
    objection = record(posted_notice, clerk_a, line=line_at(posted_notice, 1))
    objection_resolve(
        clerk=clerk_a, objection=objection, outcome=Objection.Outcome.NO_CHANGE, note="无误"
    )
    timers_sweep(now=objection.timer.due_at + dt.timedelta(minutes=1))
    assert not OutboxMessage.objects.filter(recipient=outlet_head_a).exists()


# --- PUB-7 claim payment notices ---------------------------------------------------------
def test_pub_7_claim_payment_objection_corrects_the_amount(claim_notice, clerk_a):
    notice = post(claim_notice)
    line = line_at(notice, 1)
    objection = record(
        notice, clerk_a, line=line, claim=Objection.Claim.WRONG_PAYMENT, details="损失核定有误"
    )
    objection = objection_resolve(
        clerk=clerk_a,
        objection=objection,
        outcome=Objection.Outcome.CORRECTED,
        note="复核查勘记录",
        corrections={"amount": "1200.00"},
    )
    assert Decimal(objection.change["amount"][1]) == Decimal("1200.00")
    line.refresh_from_db()
    assert line.amount == Decimal("1200.00") and line.corrected_at is not None
    notice.refresh_from_db()
    assert notice.amount == Decimal("1730.50")
    assert notice.revision == 2


def test_pub_7_premium_claims_do_not_apply_to_a_claim_payment_notice(claim_notice, clerk_a):
    notice = post(claim_notice)
    with pytest.raises(ValidationError) as exc:
        record(notice, clerk_a, claim=Objection.Claim.WRONG_PREMIUM)
    assert "claim" in exc.value.message_dict


# --- Scope and roles ---------------------------------------------------------------------
def test_it_validates_ownership(posted_notice, clerk_a, clerk_b, auditor):
    """OUT-1: outlet B's clerk does not find outlet A's notice or objection; an auditor
    may not write."""
    with pytest.raises(NotInScope):
        record(posted_notice, clerk_b)
    with pytest.raises(ReadOnlyRole):
        record(posted_notice, auditor)
    objection = record(posted_notice, clerk_a, line=line_at(posted_notice, 1))
    for user, error in ((clerk_b, NotInScope), (auditor, ReadOnlyRole)):
        with pytest.raises(error):
            objection_resolve(
                clerk=user, objection=objection, outcome=Objection.Outcome.REJECTED, note="x"
            )
    objection.refresh_from_db()
    assert objection.state == Objection.State.OPEN
    assert HouseholdList.objects.filter(policy=posted_notice.source).exists()
