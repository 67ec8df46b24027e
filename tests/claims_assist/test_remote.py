"""CLM-7 remote assessment: the photos and materials are uploaded within 24 hours (wall
clock) of the remote session. The sweep flags the case and tells its follower, the
outlet head and the adjuster once; an upload meets the timer."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from claims_assist.models import Assessment, ClaimCase
from claims_assist.services import assessment as assessment_service
from claims_assist.services.cases import case_timer, case_timers
from core.models import EvidencePhoto, OutboxMessage, SlaTimer
from core.selectors import evidence_for
from core.timers import timers_sweep
from tests.claims_assist.authority_support import grant
from tests.claims_assist.survey_support import fake_photo, photo, rice_case

BEIJING = dt.timezone(dt.timedelta(hours=8))
SESSION = dt.datetime(2026, 11, 2, 15, 0, tzinfo=BEIJING)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def remote(claims_book, clerk_a, claims_assist_a, county_manager, outlet_head_a):
    """A crop case recorded at 13:00 and assessed remotely in a session at 15:00."""
    with time_machine.travel(SESSION - dt.timedelta(hours=2), tick=False):
        case = rice_case(claims_book, by=clerk_a)
        grant(by=county_manager, holder=claims_assist_a)
    with time_machine.travel(SESSION + dt.timedelta(minutes=30), tick=False):
        assessment = assessment_service.assessment_record(
            by=claims_assist_a,
            case_pk=case.pk,
            mode=Assessment.Mode.REMOTE,
            loss_cause="暴雨内涝",
            quantity=Decimal("2.5"),
            unit="亩",
            amount=Decimal("900.00"),
            remote_session_at=SESSION,
        )
    return assessment


def test_clm_7_remote_assessment_starts_the_24_hour_timer(remote, claims_assist_a):
    timer = case_timer(case=remote.case, rule_code="CLM-7")
    assert timer.started_at == SESSION
    assert timer.due_at == SESSION + dt.timedelta(hours=24)
    assert timer.owner == claims_assist_a


def test_clm_7_remote_needs_a_past_session(claims_book, clerk_a, claims_assist_a, county_manager):
    case = rice_case(claims_book, by=clerk_a)
    grant(by=county_manager, holder=claims_assist_a)
    values = {
        "by": claims_assist_a,
        "case_pk": case.pk,
        "mode": Assessment.Mode.REMOTE,
        "loss_cause": "暴雨",
        "quantity": Decimal("1"),
        "unit": "亩",
        "amount": Decimal("100"),
    }
    with pytest.raises(ValidationError) as error:
        assessment_service.assessment_record(**values)
    assert "remote_session_at" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        assessment_service.assessment_record(
            **values, remote_session_at=timezone.now() + dt.timedelta(hours=1)
        )
    assert "remote_session_at" in error.value.error_dict
    assert Assessment.objects.count() == 0


def test_clm_7_breach_flags_the_case_and_notifies_once(remote, claims_assist_a, clerk_a):
    with time_machine.travel(SESSION + dt.timedelta(hours=23, minutes=59), tick=False):
        assert timers_sweep(now=timezone.now()).breached == 0
    with time_machine.travel(SESSION + dt.timedelta(hours=24, minutes=1), tick=False):
        assert timers_sweep(now=timezone.now()).breached == 1
        assert timers_sweep(now=timezone.now()).breached == 0

    case = ClaimCase.objects.get(pk=remote.case_id)
    assert case.remote_upload_overdue_at == SESSION + dt.timedelta(hours=24)
    messages = OutboxMessage.objects.filter(dedup_key__contains=f"claim-case:{case.pk}:CLM-7:")
    assert sorted(messages.values_list("recipient__username", flat=True)) == [
        "assist_a",
        "clerk_a",
        "head_a",
    ]
    assert case_timers(case=case).get(rule__code="CLM-7").state == SlaTimer.State.BREACHED


def test_clm_7_upload_meets_the_timer(remote, claims_assist_a):
    at = SESSION + dt.timedelta(hours=20)
    with time_machine.travel(at, tick=False):
        uploaded = assessment_service.assessment_materials_upload(
            by=claims_assist_a, assessment_pk=remote.pk, photos=[photo("a.jpg"), photo("b.jpg")]
        )
    assert uploaded.materials_uploaded_at == at
    assert evidence_for(user=claims_assist_a, subject=uploaded).count() == 2
    timer = case_timers(case=remote.case).get(rule__code="CLM-7")
    assert timer.state == SlaTimer.State.MET
    with time_machine.travel(SESSION + dt.timedelta(hours=25), tick=False):
        assert timers_sweep(now=timezone.now()).breached == 0
    assert ClaimCase.objects.get(pk=remote.case_id).remote_upload_overdue_at is None


def test_clm_7_late_upload_clears_the_flag(remote, claims_assist_a):
    with time_machine.travel(SESSION + dt.timedelta(hours=25), tick=False):
        timers_sweep(now=timezone.now())
        assessment_service.assessment_materials_upload(
            by=claims_assist_a, assessment_pk=remote.pk, photos=[photo()]
        )
    case = ClaimCase.objects.get(pk=remote.case_id)
    assert case.remote_upload_overdue_at is None
    assert case_timers(case=case).get(rule__code="CLM-7").state == SlaTimer.State.BREACHED


def test_clm_7_upload_refusals_save_nothing(remote, claims_assist_a, clerk_a, media_root):
    with pytest.raises(PermissionDenied):
        assessment_service.assessment_materials_upload(
            by=clerk_a, assessment_pk=remote.pk, photos=[photo()]
        )
    with pytest.raises(ValidationError) as error:
        assessment_service.assessment_materials_upload(
            by=claims_assist_a, assessment_pk=remote.pk, photos=[]
        )
    assert "photos" in error.value.error_dict
    with pytest.raises(ValidationError):
        assessment_service.assessment_materials_upload(
            by=claims_assist_a, assessment_pk=remote.pk, photos=[photo(), fake_photo()]
        )
    remote.refresh_from_db()
    assert remote.materials_uploaded_at is None
    assert EvidencePhoto.objects.count() == 0
    assert not any(path.is_file() for path in media_root.rglob("*"))
    assert case_timer(case=remote.case, rule_code="CLM-7") is not None


def test_clm_7_superseded_remote_assessment_stops_its_timer(remote, claims_assist_a):
    with time_machine.travel(SESSION + dt.timedelta(hours=3), tick=False):
        assessment_service.assessment_record(
            by=claims_assist_a,
            case_pk=remote.case_id,
            mode=Assessment.Mode.ON_SITE,
            loss_cause="暴雨内涝",
            quantity=Decimal("2.5"),
            unit="亩",
            amount=Decimal("950.00"),
        )
    timer = case_timers(case=remote.case).get(rule__code="CLM-7")
    assert timer.state == SlaTimer.State.CANCELLED
    with pytest.raises(ValidationError):
        assessment_service.assessment_materials_upload(
            by=claims_assist_a, assessment_pk=remote.pk, photos=[photo()]
        )


def test_clm_7_wall_clock_runs_through_national_day(
    claims_book, clerk_a, claims_assist_a, county_manager
):
    """CLM-7 counts 24 hours on the wall clock: a session on National Day (a holiday) is
    still due the next day at the same time, not after the holiday week."""
    session = dt.datetime(2026, 10, 1, 10, 0, tzinfo=BEIJING)
    with time_machine.travel(session - dt.timedelta(hours=3), tick=False):
        case = rice_case(claims_book, by=clerk_a)
        grant(by=county_manager, holder=claims_assist_a)
    with time_machine.travel(session + dt.timedelta(hours=1), tick=False):
        assessment_service.assessment_record(
            by=claims_assist_a,
            case_pk=case.pk,
            mode=Assessment.Mode.REMOTE,
            loss_cause="台风倒伏",
            quantity=Decimal("1"),
            unit="亩",
            amount=Decimal("300.00"),
            remote_session_at=session,
        )
    timer = case_timer(case=case, rule_code="CLM-7")
    assert timer.due_at == dt.datetime(2026, 10, 2, 10, 0, tzinfo=BEIJING)
    with time_machine.travel(dt.datetime(2026, 10, 2, 10, 1, tzinfo=BEIJING), tick=False):
        assert timers_sweep(now=timezone.now()).breached == 1
    assert ClaimCase.objects.get(pk=case.pk).remote_upload_overdue_at == timer.due_at
