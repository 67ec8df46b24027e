"""CMP-1 hand-overs and CMP-6 first response, outcome, follow-up call, reopening and
closure: the services, the handling panel and its pages, with the refusals of each."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from django.template.loader import render_to_string
from django.test import Client

from complaints.models import Complaint, ComplaintEvent, HandOver, Topic
from complaints.selectors import complaint_list, complaint_timer
from complaints.services import handling
from core.access import NotInScope, ReadOnlyRole
from core.audit import history_of
from core.models import OutboxMessage, SlaTimer
from core.timers import timer_cancel, timer_start
from tests.complaints.factories import ComplaintFactory
from tests.factories import UserFactory

SH = ZoneInfo("Asia/Shanghai")
# A Monday morning in a year whose calendar is unknown (weekends only): plain working days.
MONDAY = dt.datetime(2031, 3, 3, 9, 0, tzinfo=SH)
INTAKE_TIMERS = ("CMP-4-response-general", "CMP-6-resolution-general", "REG-2")


@pytest.fixture(autouse=True)
def monday(time_machine):
    time_machine.move_to(MONDAY, tick=False)


def received(first_responder, **fields) -> Complaint:
    """A complaint as intake leaves it: received by `first_responder`, intake timers on."""
    complaint = ComplaintFactory(first_responder=first_responder, received_at=MONDAY, **fields)
    codes = list(INTAKE_TIMERS)
    if complaint.is_claim_complaint:
        codes.append("CMP-5")
    for code in codes:
        timer_start(
            subject=complaint,
            rule_code=code,
            org_unit=complaint.org_unit,
            owner=first_responder,
            started_at=MONDAY,
        )
    return complaint


@pytest.fixture
def complaint(clerk_a) -> Complaint:
    return received(clerk_a)


def timers(complaint, **filters):
    return SlaTimer.objects.filter(
        subject_type=ContentType.objects.get_for_model(Complaint),
        subject_id=complaint.pk,
        **filters,
    ).select_related("rule")


def kinds(complaint) -> list[str]:
    return list(complaint.events.values_list("kind", flat=True))


def resolve(complaint, by, outcome="已退还多收保费 12 元。") -> Complaint:
    handling.complaint_first_response(by=by, complaint=complaint, text="已受理，三日内答复。")
    return handling.complaint_tell_outcome(by=by, complaint=complaint, outcome=outcome)


# --- CMP-1 hand-overs --------------------------------------------------------------


def test_cmp_1_chain_of_hand_overs_is_recorded_in_order_and_moves_the_owner(
    complaint, clerk_a, clerk_b, county_manager, time_machine
):
    first = handling.complaint_hand_over(
        by=clerk_a, complaint=complaint, to_user=clerk_b, reason="涉及七拱镇的保单"
    )
    time_machine.move_to(MONDAY + dt.timedelta(hours=2), tick=False)
    second = handling.complaint_hand_over(
        by=clerk_b, complaint=complaint, to_user=county_manager, reason="需要支公司决定退费"
    )

    chain = list(complaint.handovers.all())
    assert chain == [first, second]
    assert [(h.from_user, h.to_user, h.to_unit, h.at, h.reason) for h in chain] == [
        (clerk_a, clerk_b, clerk_b.org_unit, MONDAY, "涉及七拱镇的保单"),
        (
            clerk_b,
            county_manager,
            county_manager.org_unit,
            MONDAY + dt.timedelta(hours=2),
            "需要支公司决定退费",
        ),
    ]
    complaint.refresh_from_db()
    assert complaint.first_responder == county_manager
    assert complaint.org_unit == county_manager.org_unit
    assert complaint.received_by == clerk_a


def test_cmp_1_receiver_sees_it_until_closed_but_no_longer_acts(
    complaint, clerk_a, clerk_b, county_manager, tree
):
    handling.complaint_hand_over(by=clerk_a, complaint=complaint, to_user=clerk_b, reason="转交")
    handling.complaint_hand_over(
        by=clerk_b, complaint=complaint, to_user=county_manager, reason="上交"
    )
    complaint.refresh_from_db()

    assert complaint in complaint_list(user=clerk_a)  # the receiver, wherever it went
    assert complaint not in complaint_list(user=clerk_b)  # a middle link, out of scope now
    with pytest.raises(handling.NotAllowed, match="first responder"):
        handling.complaint_note(by=clerk_a, complaint=complaint, text="我再打个电话")

    resolve(complaint, county_manager)
    handling.complaint_record_follow_up(
        by=county_manager, complaint=complaint, satisfaction="satisfied", note=""
    )
    assert complaint not in complaint_list(user=clerk_a)
    # Within scope is still within scope: the outlet's colleagues of a complaint kept there.
    kept = received(clerk_a)
    resolve(kept, clerk_a)
    handling.complaint_record_follow_up(by=clerk_a, complaint=kept, satisfaction="satisfied")
    assert kept in complaint_list(user=clerk_a)


def test_cmp_1_hand_over_moves_the_same_deadlines_to_the_new_first_responder(
    complaint, clerk_a, clerk_b, outlet_head_a
):
    before = {t.pk: (t.rule.code, t.due_at) for t in timers(complaint)}
    escalation = timer_start(
        subject=complaint, rule_code="CMP-5-1", org_unit=complaint.org_unit, owner=outlet_head_a
    )

    handling.complaint_hand_over(by=clerk_a, complaint=complaint, to_user=clerk_b, reason="转交")

    moved = {t.pk: t for t in timers(complaint, rule__code__in=INTAKE_TIMERS)}
    assert {pk: (t.rule.code, t.due_at) for pk, t in moved.items()} == before
    assert {(t.owner, t.org_unit) for t in moved.values()} == {(clerk_b, clerk_b.org_unit)}
    escalation.refresh_from_db()
    assert escalation.owner == outlet_head_a  # an escalation step stays with its manager


def test_cmp_1_new_first_responder_is_told_in_the_inbox(complaint, clerk_a, clerk_b):
    handover = handling.complaint_hand_over(
        by=clerk_a, complaint=complaint, to_user=clerk_b, reason="转交"
    )
    message = OutboxMessage.objects.get(recipient=clerk_b)
    assert message.dedup_key == f"complaint:{complaint.pk}:handover:{handover.pk}:u{clerk_b.pk}"
    assert complaint.number in message.subject
    assert message.link == f"/complaints/{complaint.pk}/"


def test_cmp_1_a_manager_of_the_branch_may_hand_over(complaint, outlet_head_a, clerk_b):
    handling.complaint_hand_over(
        by=outlet_head_a, complaint=complaint, to_user=clerk_b, reason="安排七拱镇处理"
    )
    assert complaint.handovers.get().from_user == complaint.received_by


@pytest.mark.parametrize(
    "target",
    ["auditor", "api_client_user", "inactive", "other_county", "first_responder", "superuser"],
)
def test_cmp_1_only_active_staff_of_the_county_receive_a_hand_over(
    request, complaint, clerk_a, tree, target
):
    to_user = {
        "inactive": lambda: UserFactory(org_unit=tree.outlet_b, is_active=False),
        "other_county": lambda: UserFactory(org_unit=tree.outlet_c),
        "first_responder": lambda: clerk_a,
        "superuser": lambda: UserFactory(is_superuser=True, role="", org_unit=None),
    }.get(target, lambda: request.getfixturevalue(target))()
    with pytest.raises(ValidationError) as error:
        handling.complaint_hand_over(by=clerk_a, complaint=complaint, to_user=to_user, reason="x")
    assert "to_user" in error.value.message_dict
    assert not HandOver.objects.exists()


def test_cmp_1_hand_over_needs_a_reason_and_the_right_person(
    complaint, clerk_a, clerk_b, claims_assist_a, auditor
):
    with pytest.raises(ValidationError) as error:
        handling.complaint_hand_over(by=clerk_a, complaint=complaint, to_user=clerk_b, reason=" ")
    assert "reason" in error.value.message_dict
    with pytest.raises(handling.NotAllowed):
        handling.complaint_hand_over(
            by=claims_assist_a, complaint=complaint, to_user=clerk_b, reason="我来转"
        )
    with pytest.raises(ReadOnlyRole):
        handling.complaint_hand_over(by=auditor, complaint=complaint, to_user=clerk_b, reason="x")
    with pytest.raises(NotInScope):
        handling.complaint_hand_over(by=clerk_b, complaint=complaint, to_user=clerk_b, reason="x")
    assert not HandOver.objects.exists()
    complaint.refresh_from_db()
    assert complaint.first_responder == clerk_a


def test_cmp_1_hand_over_candidates_are_the_county_staff_grouped_by_unit(
    complaint, clerk_b, county_manager, outlet_head_a, auditor, api_client_user, tree
):
    UserFactory(username="clerk_c", org_unit=tree.outlet_c)
    candidates = list(handling.hand_over_candidates(complaint=complaint))
    assert set(candidates) == {clerk_b, county_manager, outlet_head_a}
    assert candidates[0] == county_manager  # the county first, then its outlets in order


# --- CMP-4 first response and notes ------------------------------------------------


def test_cmp_4_first_response_meets_its_timer_and_starts_the_work(complaint, clerk_a):
    event = handling.complaint_first_response(by=clerk_a, complaint=complaint, text="已受理")
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.IN_PROGRESS
    assert complaint.first_response_at == MONDAY
    assert (event.kind, event.by, event.text) == ("first_response", clerk_a, "已受理")
    assert timers(complaint, rule__code="CMP-4-response-general").get().state == "met"
    with pytest.raises(ValidationError, match="already recorded"):
        handling.complaint_first_response(by=clerk_a, complaint=complaint, text="再次")


def test_cmp_5_claim_complaint_stays_open_until_forwarded(clerk_a):
    claim = received(clerk_a, topic=Topic.CLAIMS, claim_reference="CLM-2031-0001")
    handling.complaint_first_response(by=clerk_a, complaint=claim, text="已受理，转理赔中心")
    claim.refresh_from_db()
    assert claim.status == Complaint.Status.OPEN
    with pytest.raises(ValidationError, match="forwarded to the claims centre"):
        handling.complaint_tell_outcome(by=clerk_a, complaint=claim, outcome="已赔付")


def test_cmp_6_notes_go_on_the_timeline_even_after_closure(complaint, clerk_a):
    handling.complaint_note(by=clerk_a, complaint=complaint, text="投诉人下午来电")
    resolve(complaint, clerk_a)
    handling.complaint_record_follow_up(by=clerk_a, complaint=complaint, satisfaction="satisfied")
    handling.complaint_note(by=clerk_a, complaint=complaint, text="投诉人来电致谢")
    notes = complaint.events.filter(kind="note")
    assert list(notes.values_list("text", flat=True)) == ["投诉人下午来电", "投诉人来电致谢"]
    with pytest.raises(ValidationError):
        handling.complaint_note(by=clerk_a, complaint=complaint, text="  ")


# --- CMP-6 outcome, follow-up, reopening, closure ----------------------------------


@pytest.mark.parametrize("bound", ["REG-2", "REG-2-extended"])
def test_cmp_6_outcome_told_meets_the_deadlines_texts_the_complainant_and_schedules_the_call(
    complaint, clerk_a, time_machine, bound
):
    if bound != "REG-2":
        # An approved extension (REG-2) replaced the 15-day bound: whichever runs is met.
        timer_cancel(timer=complaint_timer(complaint=complaint, rule_code="REG-2"))
        timer_start(subject=complaint, rule_code=bound, org_unit=complaint.org_unit)
    time_machine.move_to(MONDAY + dt.timedelta(hours=2), tick=False)
    told_at = MONDAY + dt.timedelta(minutes=30)
    complaint = handling.complaint_tell_outcome(
        by=clerk_a, complaint=complaint, outcome="已退还多收保费 12 元。", told_at=told_at
    )

    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.RESOLVED
    assert complaint.outcome_told_at == told_at
    assert complaint.first_response_at == told_at  # the outcome was the first response
    states = {t.rule.code: t.state for t in timers(complaint).exclude(state="cancelled")}
    assert states == {
        "CMP-4-response-general": "met",
        "CMP-6-resolution-general": "met",
        bound: "met",
        "CMP-6-follow-up": "running",
    }
    follow_up = timers(complaint, rule__code="CMP-6-follow-up").get()
    assert (follow_up.owner, follow_up.started_at) == (clerk_a, told_at)
    sms = OutboxMessage.objects.get(channel="sms")
    assert sms.phone == complaint.contact_phone
    assert complaint.number in sms.body and "已退还多收保费 12 元。" in sms.body
    assert kinds(complaint) == ["outcome_told"]


def test_cmp_6_outcome_is_required_and_told_once(complaint, clerk_a):
    with pytest.raises(ValidationError) as error:
        handling.complaint_tell_outcome(by=clerk_a, complaint=complaint, outcome="")
    assert "outcome" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        handling.complaint_tell_outcome(
            by=clerk_a, complaint=complaint, outcome="x", told_at=MONDAY + dt.timedelta(days=1)
        )
    assert "told_at" in error.value.message_dict
    resolve(complaint, clerk_a)
    with pytest.raises(ValidationError, match="already told"):
        handling.complaint_tell_outcome(by=clerk_a, complaint=complaint, outcome="再说一次")
    assert OutboxMessage.objects.filter(channel="sms").count() == 1


@pytest.mark.parametrize("answer", ["satisfied", "no_answer"])
def test_cmp_6_satisfied_or_unreachable_closes_the_complaint(
    complaint, clerk_a, outlet_head_a, time_machine, answer
):
    resolve(complaint, clerk_a)
    stray = timer_start(
        subject=complaint, rule_code="CMP-5-1", org_unit=complaint.org_unit, owner=outlet_head_a
    )
    time_machine.move_to(MONDAY + dt.timedelta(days=2), tick=False)
    handling.complaint_record_follow_up(
        by=clerk_a, complaint=complaint, satisfaction=answer, note=""
    )

    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.CLOSED
    assert complaint.closed_at == MONDAY + dt.timedelta(days=2)
    assert complaint.satisfaction == answer
    assert kinds(complaint)[-2:] == ["follow_up", "closed"]
    assert timers(complaint, rule__code="CMP-6-follow-up").get().state == "met"
    stray.refresh_from_db()
    assert stray.state == "cancelled"  # nothing breaches on a closed complaint
    with pytest.raises(ValidationError):
        handling.complaint_record_follow_up(by=clerk_a, complaint=complaint, satisfaction=answer)


def test_cmp_6_unsatisfied_reopens_with_a_new_resolution_deadline_and_a_fresh_reg_2(
    complaint, clerk_a, time_machine
):
    resolve(complaint, clerk_a, outcome="维持原核定结果")
    later = MONDAY + dt.timedelta(days=3)
    time_machine.move_to(later, tick=False)
    handling.complaint_record_follow_up(
        by=clerk_a, complaint=complaint, satisfaction="unsatisfied", note="认为退费金额不对"
    )

    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.IN_PROGRESS
    assert complaint.reopen_count == 1
    assert (complaint.outcome, complaint.outcome_told_at) == ("", None)
    assert complaint.events.get(kind="outcome_told").text == "维持原核定结果"
    assert complaint.events.get(kind="reopened").text == "认为退费金额不对"
    running = {t.rule.code: t for t in timers(complaint, state="running")}
    assert set(running) == {"CMP-6-resolution-general", "REG-2"}
    assert running["REG-2"].started_at == later
    assert running["REG-2"].due_at == later + dt.timedelta(days=15)
    assert running["CMP-6-resolution-general"].owner == clerk_a

    # The new outcome is told again (its own SMS), and a satisfied call closes.
    handling.complaint_tell_outcome(by=clerk_a, complaint=complaint, outcome="补退 3 元")
    handling.complaint_record_follow_up(by=clerk_a, complaint=complaint, satisfaction="satisfied")
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.CLOSED
    assert OutboxMessage.objects.filter(channel="sms").count() == 2
    assert kinds(complaint) == [
        "first_response",
        "outcome_told",
        "follow_up",
        "reopened",
        "outcome_told",
        "follow_up",
        "closed",
    ]


def test_cmp_6_reopening_needs_the_reason_and_comes_after_the_outcome(complaint, clerk_a):
    with pytest.raises(ValidationError, match="after the outcome"):
        handling.complaint_record_follow_up(
            by=clerk_a, complaint=complaint, satisfaction="satisfied"
        )
    resolve(complaint, clerk_a)
    with pytest.raises(ValidationError) as error:
        handling.complaint_record_follow_up(
            by=clerk_a, complaint=complaint, satisfaction="unsatisfied", note=""
        )
    assert "note" in error.value.message_dict
    complaint.refresh_from_db()
    assert (complaint.status, complaint.reopen_count) == (Complaint.Status.RESOLVED, 0)


def test_clm_12_the_claims_centre_owner_acts_on_a_forwarded_claim_complaint(
    clerk_a, clerk_b, claims_centre
):
    claim = received(clerk_a, topic=Topic.CLAIMS)
    Complaint.objects.filter(pk=claim.pk).update(
        claims_owner=claims_centre, forwarded_at=MONDAY, status=Complaint.Status.FORWARDED
    )
    claim.refresh_from_db()
    handling.complaint_tell_outcome(by=claims_centre, complaint=claim, outcome="已补赔")
    assert handling.can_act(user=claims_centre, complaint=claim)
    # The claims centre sits above the county: it is also a manager of the branch.
    assert handling.can_hand_over(user=claims_centre, complaint=claim)
    assert not handling.can_hand_over(user=clerk_b, complaint=claim)


def test_cmp_6_nothing_about_a_complaint_can_be_deleted(complaint, clerk_a, clerk_b):
    handling.complaint_hand_over(by=clerk_a, complaint=complaint, to_user=clerk_b, reason="转交")
    resolve(complaint, clerk_b)
    with pytest.raises(ProtectedError):
        complaint.delete()
    with pytest.raises(ProtectedError):
        clerk_b.delete()
    assert Complaint.objects.filter(pk=complaint.pk).exists()


def test_cmp_6_history_has_each_step_with_who_and_why(complaint, clerk_a, clerk_b):
    handling.complaint_hand_over(
        by=clerk_a, complaint=complaint, to_user=clerk_b, reason="涉及七拱镇的保单"
    )
    resolve(complaint, clerk_b)
    handling.complaint_record_follow_up(
        by=clerk_b, complaint=complaint, satisfaction="unsatisfied", note="金额不对"
    )
    entries = history_of(complaint)
    assert [(e.user, e.reason) for e in entries[:4]] == [
        (clerk_b, "Reopened: 金额不对"),
        (clerk_b, "Outcome told"),
        (clerk_b, "First response"),
        (clerk_a, "涉及七拱镇的保单"),
    ]
    assert ("first_responder", clerk_a.pk, clerk_b.pk) in entries[3].changes


def test_cmp_6_a_colleague_who_is_not_the_first_responder_may_not_act(
    complaint, claims_assist_a, auditor, clerk_b
):
    for step in (
        lambda u: handling.complaint_first_response(by=u, complaint=complaint, text="x"),
        lambda u: handling.complaint_note(by=u, complaint=complaint, text="x"),
        lambda u: handling.complaint_tell_outcome(by=u, complaint=complaint, outcome="x"),
        lambda u: handling.complaint_record_follow_up(
            by=u, complaint=complaint, satisfaction="satisfied"
        ),
    ):
        with pytest.raises(handling.NotAllowed):
            step(claims_assist_a)
        with pytest.raises(ReadOnlyRole):
            step(auditor)
        with pytest.raises(NotInScope):
            step(clerk_b)
    assert not complaint.events.exists()


# --- pages -------------------------------------------------------------------------

PAGES = {
    "hand-over": {"reason": "涉及七拱镇的保单"},
    "first-response": {"text": "已受理"},
    "notes": {"text": "投诉人来电"},
    "outcome": {"outcome": "已退费"},
    "follow-up": {"satisfaction": "satisfied", "note": ""},
}


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_data(name, complaint, clerk_b) -> dict:
    data = dict(PAGES[name])
    if name == "hand-over":
        data["to_user"] = clerk_b.pk
    if name == "follow-up":
        handling.complaint_tell_outcome(
            by=complaint.first_responder, complaint=complaint, outcome="已退费"
        )
    return data


@pytest.mark.parametrize("name", PAGES)
def test_cmp_1_cmp_6_each_page_acts_and_goes_back_to_the_complaint(
    complaint, clerk_a, clerk_b, name
):
    data = page_data(name, complaint, clerk_b)
    response = logged_in(clerk_a).post(f"/complaints/{complaint.pk}/{name}/", data)
    assert response.status_code == 302
    assert response["Location"] == f"/complaints/{complaint.pk}/"
    complaint.refresh_from_db()
    expected = {
        "hand-over": lambda: complaint.first_responder == clerk_b,
        "first-response": lambda: complaint.status == Complaint.Status.IN_PROGRESS,
        "notes": lambda: complaint.events.filter(kind="note").exists(),
        "outcome": lambda: complaint.status == Complaint.Status.RESOLVED,
        "follow-up": lambda: complaint.status == Complaint.Status.CLOSED,
    }[name]
    assert expected()


@pytest.mark.parametrize("name", PAGES)
def test_cmp_1_cmp_6_each_page_refuses_who_may_not_act(
    complaint, clerk_b, auditor, claims_assist_a, name
):
    url = f"/complaints/{complaint.pk}/{name}/"
    data = page_data(name, complaint, clerk_b)
    before = ComplaintEvent.objects.count(), HandOver.objects.count()

    assert logged_in(clerk_b).post(url, data).status_code == 404
    assert logged_in(auditor).post(url, data).status_code == 403
    refused = logged_in(claims_assist_a).post(url, data)
    assert refused.status_code == 403
    assert "首问责任人" in refused.content.decode()
    assert logged_in(complaint.first_responder).get(url).status_code == 405
    assert (ComplaintEvent.objects.count(), HandOver.objects.count()) == before


def test_cmp_1_page_refuses_the_receiver_after_the_hand_over(complaint, clerk_a, clerk_b):
    handling.complaint_hand_over(by=clerk_a, complaint=complaint, to_user=clerk_b, reason="转交")
    client = logged_in(clerk_a)
    assert client.get(f"/complaints/{complaint.pk}/").status_code == 200  # still sees it
    refused = client.post(f"/complaints/{complaint.pk}/notes/", {"text": "我来跟进"})
    assert refused.status_code == 403


def test_cmp_6_page_reports_a_bad_input_without_saving(complaint, clerk_a):
    client = logged_in(clerk_a)
    response = client.post(f"/complaints/{complaint.pk}/outcome/", {"outcome": "   "}, follow=True)
    assert response.redirect_chain[-1][0] == f"/complaints/{complaint.pk}/"
    assert list(response.context["messages"])
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.OPEN


def test_cmp_1_panel_offers_the_forms_to_the_first_responder_only(
    complaint, clerk_a, claims_assist_a, auditor, clerk_b, county_manager
):
    panel = render_to_string(
        "complaints/handling/_panel.html", {"complaint": complaint, "user": clerk_a}
    )
    for form in ("first-response-form", "outcome-form", "note-form", "hand-over-form"):
        assert f'id="{form}"' in panel
    assert f'<option value="{clerk_b.pk}">' in panel
    assert f'<option value="{county_manager.pk}">' in panel
    assert f'<optgroup label="{clerk_b.org_unit}">' in panel
    assert "follow-up-form" not in panel
    for user in (claims_assist_a, auditor):
        panel = render_to_string(
            "complaints/handling/_panel.html", {"complaint": complaint, "user": user}
        )
        assert "<form" not in panel


def test_cmp_6_panel_offers_the_follow_up_call_once_the_outcome_is_told(complaint, clerk_a):
    resolve(complaint, clerk_a)
    response = logged_in(clerk_a).get(f"/complaints/{complaint.pk}/")
    page = response.content.decode()
    assert 'id="follow-up-form"' in page
    assert 'id="outcome-form"' not in page
