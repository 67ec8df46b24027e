"""A small known data set for the dashboard sections: March 2025 in the county of
tests/conftest.py (outlets A and B), with records outside the period and in the other
county that no figure may count."""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType

from claims_assist.models import ClaimCase
from complaints.models import Channel, Complaint, Escalation, Severity, Topic
from core.models import Role, SlaTimer, TimerRule
from dashboards.sections.base import Period
from tests.claims_assist.factories import ClaimCaseFactory
from tests.complaints.factories import ComplaintFactory
from tests.factories import UserFactory
from tests.underwriting.factories import ProductFactory

BEIJING = ZoneInfo("Asia/Shanghai")
MARCH = Period(dt.date(2025, 3, 1), dt.date(2025, 3, 31))
MARCH_QUERY = "from=2025-03-01&to=2025-03-31"
FAR_FUTURE = dt.datetime(2100, 1, 1, tzinfo=BEIJING)


def at(month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2025, month, day, hour, tzinfo=BEIJING)


@pytest.fixture
def clerk_c(tree):
    return UserFactory(username="clerk_c", org_unit=tree.outlet_c, role=Role.CLERK)


def make_timer(*, unit, code, state, subject=None, due_at=None, ended_at=None, **extra):
    subject = subject or unit
    rule = TimerRule.objects.get(code=code, county__isnull=True)
    return SlaTimer.objects.create(
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        rule=rule,
        clock=rule.clock,
        org_unit=unit,
        budget=rule.duration,
        started_at=at(3, 1, 8),
        due_at=due_at if due_at is not None or state != SlaTimer.State.RUNNING else FAR_FUTURE,
        ended_at=ended_at,
        state=state,
        **extra,
    )


@dataclass
class Timers:
    breached_a: SlaTimer
    met_b: SlaTimer


@pytest.fixture
def timers(tree) -> Timers:
    """County: CLM-1 running ×2 (one overdue and provisional, at B), CLM-9 breached in
    March at A and met in March at B, REG-2 paused at A; not counted: CLM-9 breached in
    February, CLM-1 running in the other county."""
    S = SlaTimer.State
    make_timer(unit=tree.outlet_a, code="CLM-1", state=S.RUNNING)
    make_timer(unit=tree.outlet_b, code="CLM-1", state=S.RUNNING, due_at=at(3, 2), provisional=True)
    breached_a = make_timer(unit=tree.outlet_a, code="CLM-9", state=S.BREACHED, ended_at=at(3, 10))
    make_timer(unit=tree.outlet_a, code="CLM-9", state=S.BREACHED, ended_at=at(2, 10))
    met_b = make_timer(unit=tree.outlet_b, code="CLM-9", state=S.MET, ended_at=at(3, 11))
    make_timer(unit=tree.outlet_a, code="REG-2", state=S.PAUSED, remaining=dt.timedelta(days=3))
    make_timer(unit=tree.outlet_c, code="CLM-1", state=S.RUNNING)
    return Timers(breached_a=breached_a, met_b=met_b)


@dataclass
class Cases:
    paid: ClaimCase
    file_complete: ClaimCase
    reported_b: ClaimCase
    february: ClaimCase
    other_county: ClaimCase


@pytest.fixture
def cases(tree, clerk_a, clerk_b, clerk_c) -> Cases:
    """Reported in March in the county: a major case at A paid (report → file 2 days,
    → transfer 1, → decision 4, → payment 2), a case at A whose file was complete after
    4 days, a case at B just reported. Not counted: A in February, C in March. The paid
    case's CLM-9 timer breached in March."""
    rice = ProductFactory(code="RICE")
    common = {"product": rice, "policy": None, "policy_number": "P-1", "insured_name": "张三"}
    paid = ClaimCaseFactory(
        **common,
        number="441823-L20250303-0001",
        org_unit=tree.outlet_a,
        created_by=clerk_a,
        reported_at=at(3, 3),
        file_complete_at=at(3, 5),
        transferred_at=at(3, 6),
        decided_at=at(3, 10),
        paid_at=at(3, 12),
        stage=ClaimCase.Stage.PAID,
        major=True,
        major_reasons=[ClaimCase.MajorReason.DEATHS],
        deaths=2,
    )
    file_complete = ClaimCaseFactory(
        **common,
        number="441823-L20250304-0001",
        org_unit=tree.outlet_a,
        created_by=clerk_a,
        reported_at=at(3, 4),
        file_complete_at=at(3, 8),
        stage=ClaimCase.Stage.FILE_COMPLETE,
    )
    reported_b = ClaimCaseFactory(
        **common,
        number="441823-L20250320-0001",
        org_unit=tree.outlet_b,
        created_by=clerk_b,
        reported_at=at(3, 20),
    )
    february = ClaimCaseFactory(
        **common,
        number="441823-L20250220-0001",
        org_unit=tree.outlet_a,
        created_by=clerk_a,
        reported_at=at(2, 20),
    )
    other = ClaimCaseFactory(
        **common,
        number="441825-L20250305-0001",
        org_unit=tree.outlet_c,
        created_by=clerk_c,
        reported_at=at(3, 5),
    )
    make_timer(
        unit=tree.outlet_a,
        code="CLM-9",
        state=SlaTimer.State.BREACHED,
        subject=paid,
        ended_at=at(3, 9),
    )
    return Cases(paid, file_complete, reported_b, february, other)


@dataclass
class Complaints:
    closed_a: Complaint
    waiting_a: Complaint
    major_b: Complaint
    other_county: Complaint


@pytest.fixture
def complaints(tree, clerk_a, clerk_b, clerk_c) -> Complaints:
    """Received in March in the county: at A a general claims complaint answered in 2 h,
    resolved in 48 h, satisfied; at A a general phone complaint still waiting (its
    CMP-4 timer breached); at B a major letter answered in 1 h, resolved in 24 h,
    unsatisfied, escalated twice (step 1 acted on), its REG-2 timer breached. Not
    counted: A in February, C in March."""
    closed_a = ComplaintFactory(
        first_responder=clerk_a,
        received_at=at(3, 5, 9),
        first_response_at=at(3, 5, 11),
        outcome="已赔付",
        outcome_told_at=at(3, 7, 9),
        satisfaction=Complaint.Satisfaction.SATISFIED,
        status=Complaint.Status.CLOSED,
        closed_at=at(3, 8, 9),
        channel=Channel.COUNTER,
        topic=Topic.CLAIMS,
    )
    waiting_a = ComplaintFactory(
        first_responder=clerk_a, received_at=at(3, 6, 9), channel=Channel.PHONE
    )
    major_b = ComplaintFactory(
        first_responder=clerk_b,
        received_at=at(3, 10, 9),
        first_response_at=at(3, 10, 10),
        outcome="已解释",
        outcome_told_at=at(3, 11, 9),
        satisfaction=Complaint.Satisfaction.UNSATISFIED,
        status=Complaint.Status.CLOSED,
        closed_at=at(3, 12, 9),
        channel=Channel.LETTER,
        topic=Topic.CLAIMS,
        severity=Severity.MAJOR,
    )
    ComplaintFactory(first_responder=clerk_a, received_at=at(2, 1, 9))
    other = ComplaintFactory(first_responder=clerk_c, received_at=at(3, 5, 9))
    Escalation.objects.create(
        complaint=major_b,
        step=1,
        role="outlet_head",
        escalated_at=at(3, 10, 11),
        due_at=at(3, 10, 11),
        acted_at=at(3, 10, 12),
    )
    Escalation.objects.create(
        complaint=major_b,
        step=2,
        role="county_manager",
        escalated_at=at(3, 10, 13),
        due_at=at(3, 10, 13),
    )
    S = SlaTimer.State
    make_timer(
        unit=tree.outlet_a,
        code="CMP-4-response-general",
        state=S.BREACHED,
        subject=waiting_a,
        ended_at=at(3, 7),
    )
    make_timer(
        unit=tree.outlet_b, code="REG-2", state=S.BREACHED, subject=major_b, ended_at=at(3, 25)
    )
    return Complaints(closed_a, waiting_a, major_b, other)
