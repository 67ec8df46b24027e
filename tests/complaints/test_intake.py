"""Complaint intake (CMP-1, CMP-2, CMP-3, CMP-4, REG-2): who owns a new complaint, the
deadlines that start with it, and the intake pages with their refusals."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from complaints.models import Channel, Complaint, ComplaintCounter, Severity, Topic
from complaints.services.intake import complaint_receive_online
from core.access import NotInScope, ReadOnlyRole
from core.models import OutboxMessage, Role, SlaTimer, TimerEvent, TimerRule
from core.timers import timers_recompute
from tests.claims_assist.factories import ClaimCaseFactory
from tests.complaints.factories import ComplaintFactory, HandOverFactory, receive_complaint
from tests.factories import UserFactory
from tests.underwriting.factories import CustomerFactory, PolicyFactory

SH = ZoneInfo("Asia/Shanghai")


def timers_of(complaint) -> dict[str, SlaTimer]:
    rows = SlaTimer.objects.filter(
        subject_type=ContentType.objects.get_for_model(Complaint), subject_id=complaint.pk
    ).select_related("rule")
    return {timer.rule.code: timer for timer in rows}


def issued_policy(unit, clerk, number):
    insured = CustomerFactory(org_unit=unit, created_by=clerk)
    return PolicyFactory(org_unit=unit, entered_by=clerk, insured=insured, number=number)


def online(county, **overrides):
    fields = {
        "county": county,
        "complainant_name": "王五",
        "contact_phone": "13900139000",
        "topic": Topic.CLAIMS,
        "what_happened": "报案三天没有人联系。",
        "what_is_asked": "尽快查勘。",
    }
    return complaint_receive_online(**{**fields, **overrides})


def english(client: Client, user) -> Client:
    client.force_login(user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


# --- CMP-1: the receiver is the first responder -------------------------------------------


@pytest.mark.parametrize(
    "channel", [Channel.COUNTER, Channel.FACE_TO_FACE, Channel.PHONE, Channel.VISIT]
)
def test_cmp_1_the_receiver_is_the_first_responder(tree, clerk_a, channel):
    complaint = receive_complaint(clerk_a, channel=channel)
    assert complaint.received_by == clerk_a
    assert complaint.first_responder == clerk_a
    assert complaint.org_unit == tree.outlet_a
    assert complaint.county == tree.county
    assert complaint.status == Complaint.Status.OPEN
    # Nobody else to tell: the receiver has it in hand.
    assert not OutboxMessage.objects.exists()


def test_cmp_1_receiver_keeps_seeing_a_complaint_handed_elsewhere_until_closed(
    tree, clerk_a, clerk_b, client
):
    complaint = receive_complaint(clerk_a)
    HandOverFactory(complaint=complaint, to_user=clerk_b)
    moved = {"first_responder": clerk_b, "org_unit": tree.outlet_b}
    Complaint.objects.filter(pk=complaint.pk).update(**moved)
    english(client, clerk_a)
    detail = f"/complaints/{complaint.pk}/"
    assert client.get(detail).status_code == 200
    assert complaint.number in client.get("/complaints/").content.decode()
    # Another clerk of outlet A never received it: out of scope once it left A.
    other = UserFactory(username="clerk_a2", org_unit=tree.outlet_a, role=Role.CLERK)
    assert Client().get(detail).status_code == 302
    other_client = english(Client(), other)
    assert other_client.get(detail).status_code == 404

    Complaint.objects.filter(pk=complaint.pk).update(
        status=Complaint.Status.CLOSED, outcome="已退还", closed_at=timezone.now()
    )
    assert client.get(detail).status_code == 404
    assert complaint.number not in client.get("/complaints/").content.decode()


# --- CMP-2: letters and online complaints are routed -------------------------------------


def test_cmp_2_letter_naming_an_outlet_goes_to_its_head(tree, clerk_b, outlet_head_a):
    complaint = receive_complaint(clerk_b, channel=Channel.LETTER, named_department=tree.outlet_a)
    assert complaint.received_by == clerk_b
    assert complaint.first_responder == outlet_head_a
    assert complaint.org_unit == tree.outlet_a
    assert complaint.named_department == tree.outlet_a
    # The routed first responder learns of it in the inbox; timers are theirs.
    message = OutboxMessage.objects.get()
    assert message.recipient == outlet_head_a and complaint.number in message.subject
    assert {t.owner for t in timers_of(complaint).values()} == {outlet_head_a}
    assert {t.org_unit for t in timers_of(complaint).values()} == {tree.outlet_a}


def test_cmp_2_letter_naming_the_county_goes_to_the_designated_receiver(
    tree, clerk_a, complaint_settings, receiver_b
):
    complaint = receive_complaint(clerk_a, channel=Channel.LETTER, named_department=tree.county)
    assert complaint.first_responder == receiver_b
    assert complaint.org_unit == tree.outlet_b


def test_cmp_2_letter_naming_an_outlet_without_head_goes_to_the_designated_receiver(
    tree, clerk_a, complaint_settings, receiver_b
):
    complaint = receive_complaint(clerk_a, channel=Channel.LETTER, named_department=tree.outlet_b)
    assert complaint.first_responder == receiver_b


def test_cmp_2_online_complaint_naming_no_department_goes_to_the_designated_receiver(
    tree, complaint_settings, receiver_b
):
    complaint = online(tree.county)
    assert complaint.channel == Channel.ONLINE
    assert complaint.first_responder == receiver_b
    # Nobody on staff received it: the routed first responder is recorded as receiver.
    assert complaint.received_by == receiver_b
    assert complaint.severity == Severity.GENERAL
    assert OutboxMessage.objects.get().recipient == receiver_b


def test_cmp_2_online_complaint_naming_an_outlet_goes_to_its_head(tree, outlet_head_a):
    complaint = online(tree.county, named_department=tree.outlet_a)
    assert complaint.first_responder == outlet_head_a


def test_cmp_2_missing_designated_receiver_is_a_clear_error_and_saves_nothing(tree, clerk_a):
    with pytest.raises(ValidationError, match=r"no designated receiver.*administration"):
        online(tree.county)
    with pytest.raises(ValidationError, match="no designated receiver"):
        receive_complaint(clerk_a, channel=Channel.LETTER)
    assert not Complaint.objects.exists()
    assert not SlaTimer.objects.exists()
    assert not ComplaintCounter.objects.filter(last__gt=0).exists()


def test_cmp_2_a_department_of_another_county_is_refused(tree, clerk_a, complaint_settings):
    with pytest.raises(ValidationError, match="department of"):
        receive_complaint(clerk_a, channel=Channel.LETTER, named_department=tree.outlet_c)
    with pytest.raises(ValidationError, match="department of"):
        online(tree.county, named_department=tree.outlet_c)


# --- CMP-3, CMP-4: what intake records -----------------------------------------------------


@pytest.mark.parametrize("severity", Severity.values)
def test_cmp_4_severity_picks_the_response_and_resolution_rules(tree, clerk_a, severity):
    complaint = receive_complaint(clerk_a, severity=severity, urgent=True)
    timers = timers_of(complaint)
    assert set(timers) == {f"CMP-4-response-{severity}", f"CMP-6-resolution-{severity}", "REG-2"}
    assert all(t.state == SlaTimer.State.RUNNING for t in timers.values())
    assert all(t.started_at == complaint.received_at for t in timers.values())
    assert complaint.urgent


def test_cmp_3_topics_are_the_seven_of_the_rule_and_others_are_refused(tree, clerk_a):
    assert set(Topic.values) == {
        "product",
        "underwriting",
        "endorsement",
        "claims",
        "finance",
        "attitude",
        "other",
    }
    with pytest.raises(ValidationError):
        receive_complaint(clerk_a, topic="weather")
    assert not Complaint.objects.exists()


def test_cmp_4_cmp_5_only_a_claim_complaint_starts_the_forwarding_timer(tree, clerk_a):
    claim = receive_complaint(clerk_a, topic=Topic.CLAIMS, claim_reference="LP2026000123")
    other = receive_complaint(clerk_a, topic=Topic.ATTITUDE)
    assert "CMP-5" in timers_of(claim)
    assert "CMP-5" not in timers_of(other)
    assert claim.claim_reference == "LP2026000123"


def test_clm_12_a_claim_complaint_links_the_county_case_it_names(tree, clerk_a, clerk_b):
    # Given a case at outlet A (known by its 95518 number too) and one in another county.
    policy = issued_policy(tree.outlet_a, clerk_a, "PA2026000077")
    case = ClaimCaseFactory(
        policy=policy, org_unit=tree.outlet_a, created_by=clerk_a, hotline_number="RDAA2026001"
    )
    far = ClaimCaseFactory(
        policy=policy, org_unit=tree.outlet_c, created_by=clerk_a, hotline_number="RDAA2026002"
    )
    # When complaints name the case number, the 95518 number, the far case and nothing known.
    by_number = receive_complaint(clerk_b, topic=Topic.CLAIMS, claim_reference=case.number)
    by_hotline = receive_complaint(clerk_a, topic=Topic.CLAIMS, claim_reference="RDAA2026001")
    foreign = receive_complaint(clerk_a, topic=Topic.CLAIMS, claim_reference=far.number)
    unknown = receive_complaint(clerk_a, topic=Topic.CLAIMS, claim_reference="LP-NOPE")
    # Then the county's case is linked; another county's and unknown ones stay text.
    assert by_number.claim_case == case and by_hotline.claim_case == case
    assert foreign.claim_case is None and unknown.claim_case is None
    assert set(case.complaints.all()) == {by_number, by_hotline}


def test_cmp_4_received_at_starts_the_clocks_and_cannot_be_in_the_future(tree, clerk_a):
    at = timezone.now() - dt.timedelta(hours=2)
    complaint = receive_complaint(clerk_a, received_at=at)
    assert timers_of(complaint)["REG-2"].started_at == at
    assert timers_of(complaint)["REG-2"].due_at == at + dt.timedelta(days=15)
    with pytest.raises(ValidationError, match="future"):
        receive_complaint(clerk_a, received_at=timezone.now() + dt.timedelta(hours=1))


def test_cmp_4_required_facts_are_checked(tree, clerk_a):
    with pytest.raises(ValidationError) as refused:
        receive_complaint(clerk_a, complainant_name=" ", what_is_asked="")
    assert set(refused.value.message_dict) == {"complainant_name", "what_is_asked"}


def test_cmp_4_policy_must_be_in_the_receivers_scope(tree, clerk_a, clerk_b):
    own = issued_policy(tree.outlet_a, clerk_a, "PA2026000001")
    foreign = issued_policy(tree.outlet_b, clerk_b, "PB2026000001")
    assert receive_complaint(clerk_a, policy=own).policy == own
    with pytest.raises(NotInScope):
        receive_complaint(clerk_a, policy=foreign)


def test_cmp_4_online_policy_number_is_linked_or_kept_in_the_text(
    tree, clerk_a, complaint_settings
):
    policy = issued_policy(tree.outlet_a, clerk_a, "PA2026000002")
    assert online(tree.county, policy_number="PA2026000002").policy == policy
    unknown = online(tree.county, policy_number="PX0000")
    assert unknown.policy is None
    assert "PX0000" in unknown.what_happened


def test_read_only_role_cannot_receive(tree, auditor):
    with pytest.raises(ReadOnlyRole):
        receive_complaint(auditor)


def test_a_receiver_outside_any_county_is_refused(tree, claims_centre):
    with pytest.raises(ValidationError, match="county branch"):
        receive_complaint(claims_centre)


# --- REG-2 bounds the resolution deadline -------------------------------------------------


def test_reg_2_resolution_deadline_is_inside_the_regulators_bound(tree, clerk_a):
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, tzinfo=SH), tick=False):
        complaint = receive_complaint(clerk_a)
    timers = timers_of(complaint)
    resolution, bound = timers["CMP-6-resolution-general"], timers["REG-2"]
    assert resolution.due_at < bound.due_at
    assert not resolution.events.filter(kind=TimerEvent.Kind.RECOMPUTED).exists()


def test_reg_2_a_longer_resolution_rule_is_cut_to_the_regulators_bound(tree, clerk_a):
    # A county that allows 30 working days would promise more than the regulator allows.
    TimerRule.objects.filter(code="CMP-6-resolution-minor", county__isnull=True).update(
        duration=dt.timedelta(days=30)
    )
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, tzinfo=SH), tick=False):
        complaint = receive_complaint(clerk_a, severity=Severity.MINOR)
    timers = timers_of(complaint)
    resolution, bound = timers["CMP-6-resolution-minor"], timers["REG-2"]
    assert resolution.due_at == bound.due_at == dt.datetime(2026, 3, 17, 10, tzinfo=SH)
    assert resolution.not_after == bound.due_at

    # The bound holds when the rule changes again and the open timers are recomputed.
    TimerRule.objects.filter(code="CMP-6-resolution-minor", county__isnull=True).update(
        duration=dt.timedelta(days=40)
    )
    timers_recompute(queryset=SlaTimer.objects.filter(pk=resolution.pk))
    resolution.refresh_from_db()
    assert resolution.due_at == bound.due_at


# --- Pages ---------------------------------------------------------------------------------


def test_list_shows_the_users_complaints_with_filters_and_search(tree, clerk_a, clerk_b, client):
    mine = receive_complaint(clerk_a, complainant_name="赵六", topic=Topic.CLAIMS)
    other = receive_complaint(clerk_a, complainant_name="钱七", channel=Channel.PHONE)
    elsewhere = receive_complaint(clerk_b)
    english(client, clerk_a)
    page = client.get("/complaints/").content.decode()
    assert mine.number in page and other.number in page and elsewhere.number not in page
    assert "CMP-5" in page  # the next deadline of the claim complaint
    assert "13800138000" not in page  # phones are masked (REG-3)
    by_topic = client.get("/complaints/", {"topic": "claims"}).content.decode()
    assert mine.number in by_topic and other.number not in by_topic
    by_channel = client.get("/complaints/", {"channel": "phone"}).content.decode()
    assert other.number in by_channel and mine.number not in by_channel
    by_name = client.get("/complaints/", {"q": "赵六"}).content.decode()
    assert mine.number in by_name and other.number not in by_name
    by_number = client.get("/complaints/", {"q": other.number[-4:], "status": "open"})
    assert other.number in by_number.content.decode()
    closed = client.get("/complaints/", {"status": "closed"}).content.decode()
    assert mine.number not in closed


def test_list_refusals(tree, clerk_a, clerk_b, auditor, client):
    complaint = receive_complaint(clerk_a)
    assert client.get("/complaints/").status_code == 302  # login first
    english(client, clerk_b)
    assert complaint.number not in client.get("/complaints/").content.decode()
    # The auditor reads the county's complaints but gets no intake link.
    page = english(Client(), auditor).get("/complaints/").content.decode()
    assert complaint.number in page and "/complaints/new/" not in page


def test_counter_intake_form_creates_and_shows_the_complaint(tree, clerk_a, client):
    policy = issued_policy(tree.outlet_a, clerk_a, "PA2026000003")
    english(client, clerk_a)
    form = client.get("/complaints/new/")
    assert form.status_code == 200 and 'value="counter" selected' in form.content.decode()
    response = client.post(
        "/complaints/new/",
        {
            "channel": "counter",
            "topic": "claims",
            "severity": "major",
            "urgent": "on",
            "complainant_name": "张三",
            "contact_phone": "13800138000",
            "policy_number": "PA2026000003",
            "claim_reference": "LP1",
            "what_happened": "定损金额偏低。",
            "what_is_asked": "重新定损。",
        },
    )
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response.url == f"/complaints/{complaint.pk}/"
    assert complaint.policy == policy and complaint.severity == Severity.MAJOR
    assert complaint.first_responder == clerk_a and complaint.urgent
    page = client.get(response.url).content.decode()
    assert complaint.number in page and "PA2026000003" in page
    assert "138****8000" in page and "13800138000" not in page
    for code in ("CMP-4-response-major", "CMP-6-resolution-major", "REG-2", "CMP-5"):
        assert code in page


def test_counter_intake_form_refuses_a_policy_of_another_outlet(tree, clerk_a, clerk_b, client):
    issued_policy(tree.outlet_b, clerk_b, "PB2026000004")
    english(client, clerk_a)
    response = client.post(
        "/complaints/new/",
        {
            "channel": "counter",
            "topic": "underwriting",
            "severity": "general",
            "complainant_name": "张三",
            "contact_phone": "13800138000",
            "policy_number": "PB2026000004",
            "what_happened": "…",
            "what_is_asked": "…",
        },
    )
    assert response.status_code == 400
    assert "No policy with this number" in response.content.decode()
    assert not Complaint.objects.exists()


def test_counter_intake_form_refusals(tree, auditor, client):
    assert client.get("/complaints/new/").status_code == 302
    english(client, auditor)
    assert client.get("/complaints/new/").status_code == 403
    assert client.post("/complaints/new/", {"topic": "other"}).status_code == 403


def test_detail_page_shows_facts_chain_and_timeline_and_refuses_outsiders(
    tree, clerk_a, clerk_b, outlet_head_a, auditor, client
):
    complaint = receive_complaint(clerk_a, what_happened="保单金额不对。")
    HandOverFactory(complaint=complaint, to_user=outlet_head_a, reason="需要负责人处理")
    english(client, clerk_a)
    page = client.get(f"/complaints/{complaint.pk}/").content.decode()
    assert complaint.number in page and "保单金额不对。" in page and "需要负责人处理" in page
    assert english(Client(), auditor).get(f"/complaints/{complaint.pk}/").status_code == 200
    assert english(Client(), clerk_b).get(f"/complaints/{complaint.pk}/").status_code == 404
    assert client.get("/complaints/999999/").status_code == 404


def test_detail_page_of_a_factory_complaint_without_timers_renders(tree, clerk_a, client):
    complaint = ComplaintFactory(first_responder=clerk_a)
    english(client, clerk_a)
    response = client.get(f"/complaints/{complaint.pk}/")
    assert response.status_code == 200 and "No deadlines." in response.content.decode()


# --- Public online form --------------------------------------------------------------------


def online_post(**overrides) -> dict:
    data = {
        "complainant_name": "王五",
        "contact_phone": "13900139000",
        "topic": "claims",
        "named_department": "",
        "policy_number": "",
        "claim_reference": "",
        "what_happened": "报案三天没有人联系。",
        "what_is_asked": "尽快查勘。",
        "website": "",
    }
    return {**data, **overrides}


def test_cmp_2_public_online_form_routes_and_thanks_with_the_number(
    tree, complaint_settings, receiver_b
):
    client = Client(enforce_csrf_checks=True)
    url = f"/complaints/online/{tree.county.code}/"
    form = client.get(url)
    assert form.status_code == 200
    token = form.cookies["csrftoken"].value
    response = client.post(url, online_post(csrfmiddlewaretoken=token))
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response.url.endswith("/thanks/")
    assert complaint.channel == Channel.ONLINE and complaint.first_responder == receiver_b
    thanks = client.get(response.url)
    assert complaint.number in thanks.content.decode()
    # Another browser does not get somebody else's number.
    other = Client().get(response.url)
    assert other.status_code == 302 and other.url == url


def test_public_online_form_refusals(tree, complaint_settings):
    url = f"/complaints/online/{tree.county.code}/"
    # CSRF: a post without the token is refused.
    assert Client(enforce_csrf_checks=True).post(url, online_post()).status_code == 403
    # Honeypot: a bot filling the hidden field creates nothing.
    assert Client().post(url, online_post(website="http://spam")).status_code == 400
    # Only county branches take complaints online; unknown codes are 404.
    assert Client().get(f"/complaints/online/{tree.outlet_a.code}/").status_code == 404
    assert Client().get("/complaints/online/nope/").status_code == 404
    # Departments of another county cannot be chosen.
    bad = online_post(named_department=str(tree.outlet_c.pk))
    assert Client().post(url, bad).status_code == 400
    assert not Complaint.objects.exists()


def test_cmp_2_public_online_form_without_designated_receiver_explains(tree):
    url = f"/complaints/online/{tree.county.code}/"
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.post(url, online_post())
    assert response.status_code == 400
    assert "cannot be received at the moment" in response.content.decode()
    assert not Complaint.objects.exists()
