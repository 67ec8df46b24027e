"""PUB-1 end to end: a village group policy is finalised only after its public notice
has run its PUB-4 period and closed with every objection of the period resolved; an
upheld objection corrects the list on the way (PUB-5)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from publicity.models import Notice, NoticePosting, Objection
from publicity.services.notices import (
    notice_close,
    notice_create_for_group_policy,
    notice_post,
    notice_withdraw,
    posting_evidence_add,
)
from publicity.services.objections import objection_record, objection_resolve
from tests.underwriting.group_support import photo
from underwriting.models import HouseholdRow, Policy
from underwriting.services.group import (
    group_policy_finalise,
    group_policy_record_seal,
    household_signatures_mark_signed,
)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def ready_policy(group_policy, clerk_a) -> Policy:
    """Signed and sealed (UW-7): only the public notice is missing."""
    household_signatures_mark_signed(clerk=clerk_a, policy=group_policy, reason="清单已签字")
    return group_policy_record_seal(clerk=clerk_a, policy=group_policy, seal="official")


def put_up(policy: Policy, clerk) -> Notice:
    """Create and post the notice with a photo of the posting (PUB-3, PUB-6)."""
    notice = notice_create_for_group_policy(
        clerk=clerk, policy=policy, objection_phone="0763-1234567", objection_place="服务部柜面"
    )
    notice = notice_post(
        clerk=clerk,
        notice=notice,
        posted_at=timezone.now(),
        place_kind=NoticePosting.Place.BOARD,
        place="东村村委会公告栏",
    )
    posting_evidence_add(clerk=clerk, posting=notice.postings.get(), upload=photo("board.jpg"))
    return notice


def finalise_refusal(policy: Policy, clerk) -> str:
    with pytest.raises(ValidationError) as exc:
        group_policy_finalise(clerk=clerk, policy=policy)
    policy.refresh_from_db()
    assert policy.status == Policy.Status.LISTED
    return " ".join(exc.value.messages)


def test_pub_1_finalisation_waits_for_the_closed_notice_and_resolved_objections(
    ready_policy, clerk_a, time_machine
):
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    assert "PUB-1" in finalise_refusal(ready_policy, clerk_a)

    notice = put_up(ready_policy, clerk_a)
    line = notice.lines.get(position=2)
    objection = objection_record(
        clerk=clerk_a,
        notice=notice,
        line=line,
        raiser_kind=Objection.Raiser.HOUSEHOLD,
        raiser_name="李秀英",
        channel=Objection.Channel.IN_PERSON,
        claim=Objection.Claim.WRONG_QUANTITY,
        details="实际种了12亩。",
    )
    # While the notice is up it cannot close and the policy cannot be finalised.
    assert "PUB-1" in finalise_refusal(ready_policy, clerk_a)

    time_machine.move_to(start + dt.timedelta(days=8), tick=False)
    with pytest.raises(ValidationError) as exc:
        notice_close(clerk=clerk_a, notice=notice)
    assert "PUB-5" in " ".join(exc.value.messages)
    assert "PUB-1" in finalise_refusal(ready_policy, clerk_a)

    objection_resolve(
        clerk=clerk_a,
        objection=objection,
        outcome=Objection.Outcome.CORRECTED,
        note="村委会核实为12亩",
        corrections={"quantity": "12"},
    )
    notice = notice_close(clerk=clerk_a, notice=notice)
    assert notice.state == Notice.State.CLOSED

    policy = group_policy_finalise(clerk=clerk_a, policy=ready_policy)
    assert policy.status == Policy.Status.ISSUED
    assert policy.notice_completed_at == notice.closed_at
    # The policy is issued with the list as corrected by the objection.
    assert policy.quantity == Decimal("32")
    assert HouseholdRow.objects.get(pk=line.source_row_id).quantity == Decimal("12")
    assert policy.split_adds_up()


def test_pub_1_a_late_objection_does_not_hold_the_notice_back(ready_policy, clerk_a, time_machine):
    """PUB-5: raised after the period, it is handled as a policy change of the issued
    policy; the notice closes and the policy is finalised meanwhile."""
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    notice = put_up(ready_policy, clerk_a)
    time_machine.move_to(start + dt.timedelta(days=7, hours=1), tick=False)
    late = objection_record(
        clerk=clerk_a,
        notice=notice,
        line=notice.lines.get(position=1),
        raiser_kind=Objection.Raiser.VILLAGER,
        raiser_name="张三",
        channel=Objection.Channel.PHONE,
        claim=Objection.Claim.WRONG_NAME,
        details="名字写错了。",
    )
    assert late.late and late.state == Objection.State.OPEN
    notice_close(clerk=clerk_a, notice=notice)
    policy = group_policy_finalise(clerk=clerk_a, policy=ready_policy)
    assert policy.status == Policy.Status.ISSUED


def test_pub_1_a_withdrawn_notice_does_not_complete_the_policy(ready_policy, clerk_a, time_machine):
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    notice = put_up(ready_policy, clerk_a)
    time_machine.move_to(start + dt.timedelta(days=8), tick=False)
    notice_withdraw(clerk=clerk_a, notice=notice, reason="清单有误，重新公示")
    assert "PUB-1" in finalise_refusal(ready_policy, clerk_a)
