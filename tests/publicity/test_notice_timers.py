"""The notice timers (PUB-4, PUB-4-close): at the end of the minimum period the clerk is
told the notice can be closed; a notice left open too long after it is flagged to the
county. Driven by the real sweep at the real times (time-machine)."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from core.models import OutboxMessage, SlaTimer
from core.timers import timers_sweep
from publicity.models import Notice
from publicity.services import notices as services
from tests.publicity.conftest import add_posting_photo

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def sweep_at(moment: dt.datetime) -> None:
    with time_machine.travel(moment, tick=False):
        timers_sweep()


def messages_to(user) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(recipient=user).order_by("pk"))


def test_pub_4_at_the_end_of_the_period_the_clerk_is_told_it_can_close(posted_notice, clerk_a):
    ends_at = posted_notice.ends_at
    sweep_at(ends_at - dt.timedelta(minutes=1))
    assert not OutboxMessage.objects.exists()

    sweep_at(ends_at + dt.timedelta(minutes=1))

    notice = Notice.objects.get(pk=posted_notice.pk)
    assert notice.state == Notice.State.POSTED
    assert notice.period_timer.state == SlaTimer.State.MET  # a period, not a breach
    [message] = messages_to(clerk_a)
    assert notice.title in message.subject
    assert message.link == reverse("publicity:notice_detail", args=[notice.pk])
    overdue = notice.overdue_timer
    assert (overdue.rule.code, overdue.state, overdue.owner) == (
        "PUB-4-close",
        SlaTimer.State.RUNNING,
        clerk_a,
    )
    assert overdue.due_at == ends_at + dt.timedelta(days=3)
    assert notice.overdue_flagged_at is None

    sweep_at(ends_at + dt.timedelta(hours=1))
    assert len(messages_to(clerk_a)) == 1  # once (SLA-2)


def test_pub_4_close_a_notice_left_open_is_flagged_to_the_county_manager(
    posted_notice, clerk_a, county_manager, outlet_head_a
):
    ends_at = posted_notice.ends_at
    sweep_at(ends_at + dt.timedelta(minutes=1))
    late = ends_at + dt.timedelta(days=3, minutes=1)

    sweep_at(late)

    notice = Notice.objects.get(pk=posted_notice.pk)
    assert notice.overdue_flagged_at == late
    assert notice.overdue_timer.state == SlaTimer.State.BREACHED
    [message] = messages_to(county_manager)
    assert notice.title in message.subject
    assert timezone.localtime(ends_at).strftime("%Y-%m-%d %H:%M") in message.body
    assert not messages_to(outlet_head_a)
    assert len(messages_to(clerk_a)) == 1  # only the period message

    sweep_at(late + dt.timedelta(days=1))
    assert len(messages_to(county_manager)) == 1


def test_pub_4_close_without_a_county_manager_the_outlet_head_is_told(posted_notice, outlet_head_a):
    ends_at = posted_notice.ends_at
    sweep_at(ends_at + dt.timedelta(minutes=1))
    sweep_at(ends_at + dt.timedelta(days=3, minutes=1))
    assert len(messages_to(outlet_head_a)) == 1


def test_pub_4_closing_after_the_period_meets_the_close_timer(
    posted_notice, clerk_a, county_manager
):
    ends_at = posted_notice.ends_at
    sweep_at(ends_at + dt.timedelta(minutes=1))
    add_posting_photo(posted_notice, clerk_a)
    with time_machine.travel(ends_at + dt.timedelta(days=1), tick=False):
        notice = services.notice_close(clerk=clerk_a, notice=posted_notice)
    assert notice.overdue_timer.state == SlaTimer.State.MET

    sweep_at(ends_at + dt.timedelta(days=4))
    notice.refresh_from_db()
    assert notice.overdue_flagged_at is None
    assert not messages_to(county_manager)


def test_pub_4_a_notice_closed_before_the_sweep_gets_no_reminder(elapsed_notice, clerk_a):
    notice = services.notice_close(clerk=clerk_a, notice=elapsed_notice)
    assert notice.period_timer.state == SlaTimer.State.MET
    assert notice.overdue_timer is None

    sweep_at(timezone.now() + dt.timedelta(days=5))
    assert not OutboxMessage.objects.exists()
    notice.refresh_from_db()
    assert notice.overdue_timer is None


def test_pub_4_a_withdrawn_notice_runs_no_timer(posted_notice, clerk_a):
    notice = services.notice_withdraw(clerk=clerk_a, notice=posted_notice, reason="清单有误")
    assert notice.period_timer.state == SlaTimer.State.CANCELLED

    sweep_at(notice.ends_at + dt.timedelta(days=5))
    assert not OutboxMessage.objects.exists()


def test_pub_4_handler_leaves_a_notice_that_is_no_longer_posted_alone(posted_notice):
    # Whatever ended the notice without its timer, the handler does nothing to it.
    Notice.objects.filter(pk=posted_notice.pk).update(
        state=Notice.State.CLOSED, closed_at=timezone.now()
    )
    sweep_at(posted_notice.ends_at + dt.timedelta(minutes=1))
    notice = Notice.objects.get(pk=posted_notice.pk)
    assert notice.period_timer.state == SlaTimer.State.MET
    assert notice.overdue_timer is None
    assert not OutboxMessage.objects.exists()
