"""CMP-5, CLM-12, REG-2: the escalation chain of a claim complaint driven by the sweep,
acting stops it, the claims centre's named owner and the customer's SMS, the REG-2
extensions, the breach handlers of the other complaint rules, and the pages."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import render_to_string
from django.test import RequestFactory

from complaints.models import Complaint, ComplaintEvent, Escalation, Severity, Topic
from complaints.selectors import complaint_timer
from complaints.services import escalation as services
from complaints.services.intake import complaint_receive
from core import timers
from core.access import NotInScope
from core.models import OutboxMessage, Role, SlaTimer
from tests.factories import UserFactory

SH = ZoneInfo("Asia/Shanghai")
# A Monday; working hours 08:30–12:00 and 14:00–17:30.
RECEIVED = dt.datetime(2026, 11, 16, 9, 0, tzinfo=SH)
PHONE = "13800138000"


def at(hour, minute=0, day=16) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=SH)


def receive(clerk, *, topic=Topic.CLAIMS, severity=Severity.GENERAL, phone=PHONE) -> Complaint:
    return complaint_receive(
        by=clerk,
        channel="counter",
        topic=topic,
        severity=severity,
        urgent=False,
        complainant_name="张三",
        contact_phone=phone,
        what_happened="理赔款三个月未到账。",
        what_is_asked="尽快赔付。",
        claim_reference="CLM-2026-0001",
        received_at=RECEIVED,
    )


def sweep(time_machine, moment):
    """The beat's sweep at `moment`, with the clock there too (handlers read now())."""
    time_machine.move_to(moment, tick=False)
    return timers.timers_sweep(now=moment)


def messages_to(user, key_part=""):
    return OutboxMessage.objects.filter(recipient=user, dedup_key__contains=key_part)


@pytest.fixture
def claim(time_machine, clerk_a, outlet_head_a, county_manager, claims_centre):
    time_machine.move_to(RECEIVED, tick=False)
    return receive(clerk_a)


# --- CMP-5: the chain ----------------------------------------------------------------


def test_cmp_5_steps_fire_in_order_each_with_its_own_deadline(
    claim, time_machine, outlet_head_a, county_manager, claims_centre
):
    # 1 working hour: due 10:00. Nothing before.
    assert complaint_timer(complaint=claim, rule_code="CMP-5").due_at == at(10)
    sweep(time_machine, at(9, 59))
    assert not Escalation.objects.exists()

    sweep(time_machine, at(10, 1))
    first = Escalation.objects.get()
    assert (first.step, first.role, first.due_at, first.escalated_at) == (
        1,
        Role.OUTLET_HEAD,
        at(10),
        at(10, 1),
    )
    assert messages_to(outlet_head_a, "escalation:1").count() == 1
    assert not messages_to(county_manager, "escalation").exists()
    step_1 = complaint_timer(complaint=claim, rule_code="CMP-5-1")
    assert (step_1.due_at, step_1.owner) == (at(11, 1), outlet_head_a)

    sweep(time_machine, at(10, 30))
    assert Escalation.objects.count() == 1

    sweep(time_machine, at(11, 2))
    second = Escalation.objects.get(step=2)
    assert (second.role, second.due_at) == (Role.COUNTY_MANAGER, at(11, 1))
    assert messages_to(county_manager, "escalation:2").count() == 1
    # 58 minutes before lunch, 2 after it.
    assert complaint_timer(complaint=claim, rule_code="CMP-5-2").due_at == at(14, 2)

    sweep(time_machine, at(14, 3))
    third = Escalation.objects.get(step=3)
    assert (third.role, third.due_at) == (Role.CLAIMS_CENTRE, at(14, 2))
    assert messages_to(claims_centre, "escalation:3").count() == 1
    assert complaint_timer(complaint=claim, rule_code="CMP-5-3").due_at == at(16, 3)

    sweep(time_machine, at(16, 4))
    # The last step tells the claims centre again and the chain ends.
    assert messages_to(claims_centre, "escalation:3:again").count() == 1
    assert list(claim.escalations.values_list("step", flat=True)) == [1, 2, 3]
    assert not SlaTimer.objects.filter(
        subject_id=claim.pk, rule__code__startswith="CMP-5", state=SlaTimer.State.RUNNING
    ).exists()
    sweep(time_machine, at(17, 0, day=20))
    assert claim.escalations.count() == 3


def test_cmp_5_forwarding_stops_the_chain_and_tells_the_claims_centre(
    claim, time_machine, outlet_head_a, claims_centre
):
    sweep(time_machine, at(10, 1))
    time_machine.move_to(at(10, 20), tick=False)

    services.complaint_escalation_act(by=outlet_head_a, complaint=claim, action="forward")

    claim.refresh_from_db()
    assert (claim.status, claim.forwarded_at) == (Complaint.Status.FORWARDED, at(10, 20))
    step = claim.escalations.get()
    assert (step.acted_by, step.acted_at) == (outlet_head_a, at(10, 20))
    assert claim.events.filter(kind=ComplaintEvent.Kind.FORWARDED, by=outlet_head_a).exists()
    assert messages_to(claims_centre, "forwarded").count() == 1
    assert (
        SlaTimer.objects.get(subject_id=claim.pk, rule__code="CMP-5-1").state == SlaTimer.State.MET
    )
    sweep(time_machine, at(17, 0, day=20))
    assert claim.escalations.count() == 1


def test_cmp_5_forwarded_in_time_never_escalates(claim, time_machine, clerk_a):
    time_machine.move_to(at(9, 30), tick=False)
    services.complaint_forward_to_claims(by=clerk_a, complaint=claim, note="请理赔中心跟进")
    assert complaint_timer(complaint=claim, rule_code="CMP-5") is None
    sweep(time_machine, at(17, 0, day=20))
    assert not Escalation.objects.exists()
    assert SlaTimer.objects.get(subject_id=claim.pk, rule__code="CMP-5").state == SlaTimer.State.MET


def test_cmp_5_claims_centre_taking_it_stops_the_chain(claim, time_machine, claims_centre):
    sweep(time_machine, at(10, 1))
    sweep(time_machine, at(11, 2))
    time_machine.move_to(at(11, 30), tick=False)

    services.complaint_escalation_act(by=claims_centre, complaint=claim, action="take")

    step_2 = claim.escalations.get(step=2)
    assert step_2.acted_by == claims_centre
    assert claim.escalations.get(step=1).acted_at is None  # nobody acted at step 1
    sweep(time_machine, at(17, 0, day=20))
    assert claim.escalations.count() == 2


def test_cmp_5_step_without_outlet_head_tells_the_next_steps_people(
    time_machine, clerk_a, county_manager
):
    time_machine.move_to(RECEIVED, tick=False)
    claim = receive(clerk_a)
    sweep(time_machine, at(10, 1))
    assert claim.escalations.get().role == Role.OUTLET_HEAD
    assert messages_to(county_manager, "escalation:1").count() == 1


def test_cmp_5_a_replayed_breach_escalates_and_messages_once(claim, time_machine, outlet_head_a):
    timer = complaint_timer(complaint=claim, rule_code="CMP-5")
    time_machine.move_to(at(10, 1), tick=False)
    services._escalate(timer)
    services._escalate(timer)
    assert claim.escalations.count() == 1
    assert messages_to(outlet_head_a, "escalation:1").count() == 1
    assert SlaTimer.objects.filter(subject_id=claim.pk, rule__code="CMP-5-1").count() == 1


def test_cmp_5_chain_durations_follow_the_county_override(
    time_machine, clerk_a, outlet_head_a, tree
):
    """The chain is configured by the TimerRule rows; a county's own row wins."""
    from core.models import TimerRule

    default = TimerRule.objects.get(code="CMP-5-1", county=None)
    TimerRule.objects.create(
        code="CMP-5-1",
        county=tree.county,
        name=default.name,
        clock=default.clock,
        duration=dt.timedelta(minutes=30),
        on_breach=default.on_breach,
    )
    time_machine.move_to(RECEIVED, tick=False)
    claim = receive(clerk_a)
    sweep(time_machine, at(10, 1))
    assert complaint_timer(complaint=claim, rule_code="CMP-5-1").due_at == at(10, 31)


def test_cmp_5_forward_refusals(claim, time_machine, clerk_a, clerk_b, auditor):
    with pytest.raises(NotInScope):
        services.complaint_forward_to_claims(by=clerk_b, complaint=claim)
    with pytest.raises(PermissionDenied):
        services.complaint_forward_to_claims(by=auditor, complaint=claim)
    services.complaint_forward_to_claims(by=clerk_a, complaint=claim)
    with pytest.raises(ValidationError, match="only an open complaint"):
        services.complaint_forward_to_claims(by=clerk_a, complaint=claim)
    other = receive(clerk_a, topic=Topic.UNDERWRITING)
    with pytest.raises(ValidationError, match="about a claim"):
        services.complaint_forward_to_claims(by=clerk_a, complaint=other)
    with pytest.raises(ValidationError, match="Unknown action"):
        services.complaint_escalation_act(by=clerk_a, complaint=claim, action="ignore")


# --- CLM-12 --------------------------------------------------------------------------


def test_clm_12_claims_centre_member_is_named_and_the_customer_gets_an_sms(
    claim, time_machine, claims_centre
):
    claims_centre.display_name, claims_centre.phone = "李理赔", "07635551234"
    claims_centre.save()
    time_machine.move_to(at(9, 40), tick=False)

    services.complaint_take_for_claims_centre(by=claims_centre, complaint=claim)

    claim.refresh_from_db()
    assert claim.claims_owner == claims_centre
    assert (claim.status, claim.forwarded_at) == (Complaint.Status.FORWARDED, at(9, 40))
    event = claim.events.get(kind=ComplaintEvent.Kind.CLAIMS_OWNER)
    assert (event.by, event.at) == (claims_centre, at(9, 40))
    sms = OutboxMessage.objects.get(channel=OutboxMessage.Channel.SMS)
    assert sms.phone == PHONE
    assert "李理赔" in sms.body and "07635551234" in sms.body
    # CMP-5 is met: the complaint reached the claims centre in time.
    assert SlaTimer.objects.get(subject_id=claim.pk, rule__code="CMP-5").state == SlaTimer.State.MET
    sweep(time_machine, at(17, 0, day=20))
    assert not Escalation.objects.exists()


def test_clm_12_only_the_claims_centre_takes_and_only_once(
    claim, time_machine, outlet_head_a, claims_centre, tree
):
    with pytest.raises(services.ClaimsCentreOnly):
        services.complaint_take_for_claims_centre(by=outlet_head_a, complaint=claim)
    services.complaint_take_for_claims_centre(by=claims_centre, complaint=claim)
    colleague = UserFactory(username="centre2", org_unit=tree.city, role=Role.CLAIMS_CENTRE)
    with pytest.raises(ValidationError, match="already responsible"):
        services.complaint_take_for_claims_centre(by=colleague, complaint=claim)


def test_clm_12_progress_told_is_recorded_and_sent(claim, time_machine, claims_centre):
    services.complaint_take_for_claims_centre(by=claims_centre, complaint=claim)
    event = services.complaint_progress_told(
        by=claims_centre, complaint=claim, text="查勘报告已收到，预计本周内赔付。"
    )
    assert (event.kind, event.by) == (ComplaintEvent.Kind.PROGRESS_TOLD, claims_centre)
    sms = OutboxMessage.objects.get(dedup_key=f"complaint:{claim.pk}:progress:{event.pk}")
    assert (sms.phone, sms.body) == (PHONE, "查勘报告已收到，预计本周内赔付。")
    # Told by phone: recorded without an SMS.
    services.complaint_progress_told(by=claims_centre, complaint=claim, text="电话告知", sms=False)
    assert claim.events.filter(kind=ComplaintEvent.Kind.PROGRESS_TOLD).count() == 2
    assert OutboxMessage.objects.filter(channel=OutboxMessage.Channel.SMS).count() == 2
    with pytest.raises(ValidationError):
        services.complaint_progress_told(by=claims_centre, complaint=claim, text="  ")


def test_clm_12_no_sms_without_a_phone(time_machine, clerk_a):
    time_machine.move_to(RECEIVED, tick=False)
    claim = receive(clerk_a, phone="")
    with pytest.raises(ValidationError, match="no phone"):
        services.complaint_progress_told(by=clerk_a, complaint=claim, text="已在处理")
    services.complaint_progress_told(by=clerk_a, complaint=claim, text="已在处理", sms=False)


# --- REG-2 ---------------------------------------------------------------------------


def test_reg_2_extensions_in_order_with_approval_count_from_receipt(
    claim, time_machine, clerk_a, county_manager
):
    time_machine.move_to(at(10, 0, day=25), tick=False)
    told = at(9, 30, day=25)
    assert complaint_timer(complaint=claim, rule_code="REG-2").due_at == RECEIVED + dt.timedelta(
        days=15
    )

    with pytest.raises(ValidationError, match="30-day extension first"):
        services.complaint_extend(
            by=clerk_a,
            complaint=claim,
            level=2,
            reason="复杂",
            approved_by=county_manager,
            complainant_told_at=told,
        )
    timer = services.complaint_extend(
        by=clerk_a, complaint=claim, level=1, reason="需调取查勘资料", complainant_told_at=told
    )
    assert (timer.rule.code, timer.due_at) == ("REG-2-extended", RECEIVED + dt.timedelta(days=30))
    assert SlaTimer.objects.get(subject_id=claim.pk, rule__code="REG-2").state == (
        SlaTimer.State.CANCELLED
    )
    told_event = claim.events.get(kind=ComplaintEvent.Kind.PROGRESS_TOLD)
    assert told_event.at == told
    assert OutboxMessage.objects.filter(dedup_key=f"complaint:{claim.pk}:extended:1").exists()

    with pytest.raises(ValidationError, match="already extended to 30 days"):
        services.complaint_extend(
            by=clerk_a, complaint=claim, level=1, reason="再延", complainant_told_at=told
        )
    with pytest.raises(ValidationError, match="senior's approval"):
        services.complaint_extend(
            by=clerk_a, complaint=claim, level=2, reason="特别复杂", complainant_told_at=told
        )
    with pytest.raises(ValidationError, match="county branch manager"):
        services.complaint_extend(
            by=clerk_a,
            complaint=claim,
            level=2,
            reason="特别复杂",
            approved_by=clerk_a,
            complainant_told_at=told,
        )
    timer = services.complaint_extend(
        by=clerk_a,
        complaint=claim,
        level=2,
        reason="需司法鉴定",
        approved_by=county_manager,
        complainant_told_at=told,
    )
    assert (timer.rule.code, timer.due_at) == ("REG-2-special", RECEIVED + dt.timedelta(days=60))
    extension = claim.events.filter(kind=ComplaintEvent.Kind.EXTENDED).last()
    assert (extension.approved_by, extension.by) == (county_manager, clerk_a)
    assert services.extension_level(complaint=claim) == 2
    with pytest.raises(ValidationError, match="already extended to 60 days"):
        services.complaint_extend(
            by=clerk_a,
            complaint=claim,
            level=2,
            reason="x",
            approved_by=county_manager,
            complainant_told_at=told,
        )


def test_reg_2_extension_needs_the_complainant_told_and_a_reason(claim, time_machine, clerk_a):
    time_machine.move_to(at(10, 0, day=20), tick=False)
    with pytest.raises(ValidationError) as refused:
        services.complaint_extend(
            by=clerk_a, complaint=claim, level=1, reason=" ", complainant_told_at=None
        )
    assert set(refused.value.message_dict) == {"reason", "complainant_told_at"}
    with pytest.raises(ValidationError, match="future"):
        services.complaint_extend(
            by=clerk_a, complaint=claim, level=1, reason="x", complainant_told_at=at(9, day=21)
        )
    assert complaint_timer(complaint=claim, rule_code="REG-2") is not None
    assert not claim.events.filter(kind=ComplaintEvent.Kind.EXTENDED).exists()


def test_reg_2_breach_tells_the_county_manager(claim, time_machine, county_manager):
    sweep(time_machine, RECEIVED + dt.timedelta(days=15, minutes=1))
    timer = SlaTimer.objects.get(subject_id=claim.pk, rule__code="REG-2")
    assert timer.state == SlaTimer.State.BREACHED
    assert messages_to(county_manager, f"timer:{timer.pk}:breach").count() == 1


def test_reg_2_a_breached_bound_cannot_be_extended(claim, time_machine, clerk_a):
    sweep(time_machine, RECEIVED + dt.timedelta(days=15, minutes=1))
    with pytest.raises(ValidationError, match="no longer running"):
        services.complaint_extend(
            by=clerk_a,
            complaint=claim,
            level=1,
            reason="x",
            complainant_told_at=RECEIVED + dt.timedelta(days=15),
        )


# --- other complaint rules ----------------------------------------------------------


def _breach(complaint, code, time_machine):
    timer = complaint_timer(complaint=complaint, rule_code=code)
    sweep(time_machine, timer.due_at + dt.timedelta(minutes=1))
    timer.refresh_from_db()
    assert timer.state == SlaTimer.State.BREACHED
    return OutboxMessage.objects.filter(dedup_key__startswith=f"timer:{timer.pk}:breach")


def test_cmp_4_major_response_late_tells_outlet_head_and_county_manager(
    time_machine, clerk_a, outlet_head_a, county_manager
):
    time_machine.move_to(RECEIVED, tick=False)
    complaint = receive(clerk_a, topic=Topic.ATTITUDE, severity=Severity.MAJOR)
    sent = _breach(complaint, "CMP-4-response-major", time_machine)
    assert {m.recipient for m in sent} == {outlet_head_a, county_manager}


def test_cmp_4_general_response_late_tells_the_outlet_head(
    time_machine, clerk_a, outlet_head_a, county_manager
):
    time_machine.move_to(RECEIVED, tick=False)
    complaint = receive(clerk_a, topic=Topic.ATTITUDE)
    sent = _breach(complaint, "CMP-4-response-general", time_machine)
    assert {m.recipient for m in sent} == {outlet_head_a}


def test_cmp_6_resolution_late_tells_per_severity(
    time_machine, clerk_a, outlet_head_a, county_manager
):
    time_machine.move_to(RECEIVED, tick=False)
    minor = receive(clerk_a, topic=Topic.ATTITUDE, severity=Severity.MINOR)
    general = receive(clerk_a, topic=Topic.ATTITUDE)
    # General (8 working days) falls due before minor (10).
    assert {m.recipient for m in _breach(general, "CMP-6-resolution-general", time_machine)} == {
        outlet_head_a,
        county_manager,
    }
    assert {m.recipient for m in _breach(minor, "CMP-6-resolution-minor", time_machine)} == {
        outlet_head_a
    }


def test_cmp_6_follow_up_due_reminds_the_first_responder(time_machine, clerk_a, outlet_head_a):
    time_machine.move_to(RECEIVED, tick=False)
    complaint = receive(clerk_a, topic=Topic.ATTITUDE)
    timers.timer_start(
        subject=complaint,
        rule_code="CMP-6-follow-up",
        org_unit=complaint.org_unit,
        owner=clerk_a,
        started_at=RECEIVED,
    )
    assert {m.recipient for m in _breach(complaint, "CMP-6-follow-up", time_machine)} == {clerk_a}


# --- pages ---------------------------------------------------------------------------


def _post(client, user, name, complaint, data=None):
    client.force_login(user)
    return client.post(f"/complaints/{complaint.pk}/{name}/", data or {})


def test_cmp_5_forward_page_forwards_and_redirects_to_the_detail(client, claim, clerk_a):
    response = _post(client, clerk_a, "forward", claim, {"forward-note": "请跟进"})
    assert response.status_code == 302
    assert response.url == f"/complaints/{claim.pk}/"
    claim.refresh_from_db()
    assert claim.status == Complaint.Status.FORWARDED


def test_clm_12_take_page_and_refusal_for_others(client, claim, claims_centre, clerk_a):
    response = _post(client, clerk_a, "take", claim)
    assert response.status_code == 403
    assert _post(client, claims_centre, "take", claim).status_code == 302
    claim.refresh_from_db()
    assert claim.claims_owner == claims_centre


def test_reg_2_extend_page_and_progress_page(client, claim, clerk_a, time_machine):
    time_machine.move_to(at(10, 0, day=20), tick=False)
    response = _post(
        client,
        clerk_a,
        "extend",
        claim,
        {
            "extend-level": "1",
            "extend-reason": "需调取资料",
            "extend-complainant_told_at": "2026-11-20T09:30",
        },
    )
    assert response.status_code == 302
    assert services.extension_level(complaint=claim) == 1
    # A refused level 2 (no approval) comes back as a message, nothing saved.
    response = _post(
        client,
        clerk_a,
        "extend",
        claim,
        {
            "extend-level": "2",
            "extend-reason": "x",
            "extend-complainant_told_at": "2026-11-20T09:30",
        },
    )
    assert response.status_code == 302
    assert services.extension_level(complaint=claim) == 1
    _post(client, clerk_a, "progress", claim, {"progress-text": "已在核实", "progress-sms": "on"})
    assert claim.events.filter(kind=ComplaintEvent.Kind.PROGRESS_TOLD, text="已在核实").exists()


@pytest.mark.parametrize("name", ["forward", "take", "extend", "progress"])
def test_cmp_5_pages_refuse_other_outlets_auditors_and_get(
    client, claim, clerk_b, auditor, clerk_a, name
):
    assert _post(client, clerk_b, name, claim).status_code == 404
    assert _post(client, auditor, name, claim).status_code == 403
    client.force_login(clerk_a)
    assert client.get(f"/complaints/{claim.pk}/{name}/").status_code == 405
    claim.refresh_from_db()
    assert claim.status == Complaint.Status.OPEN


def _panel(user, complaint) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return render_to_string(
        "complaints/escalation/_panel.html", {"complaint": complaint}, request=request
    )


def test_cmp_5_panel_shows_history_who_acted_and_the_forms_for_the_reader(
    claim, time_machine, outlet_head_a, claims_centre, auditor
):
    sweep(time_machine, at(10, 1))
    html = _panel(claims_centre, claim)
    assert "/forward/" in html and "/take/" in html and "/extend/" in html
    assert PHONE not in html and "138****8000" in html
    assert "/forward/" not in _panel(auditor, claim)
    assert "/take/" not in _panel(outlet_head_a, claim)
    claim = services.complaint_forward_to_claims(by=outlet_head_a, complaint=claim)
    html = _panel(outlet_head_a, claim)
    assert str(outlet_head_a) in html
    assert "/forward/" not in html
