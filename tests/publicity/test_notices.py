"""Notice lifecycle services (PUB-1..PUB-4, PUB-6, PUB-7): creation from a group policy
or a claim payment list, posting, postings and their evidence, closing, withdrawal."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.access import NotInScope, ReadOnlyRole
from core.audit import history_of
from core.models import EvidencePhoto, EvidenceVideo, SlaTimer, TimerRule
from publicity.models import Notice, NoticePosting, Objection
from publicity.services import notices as services
from publicity.sources import source_for
from tests.publicity.conftest import HOUSEHOLDS, add_posting_photo, make_notice, secrets_of
from tests.test_videos import mp4_bytes
from tests.underwriting.group_support import draft_policy, photo, rows_of
from underwriting.models import Customer, HouseholdList, HouseholdRow, Policy
from underwriting.services.group import group_policy_checklist

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def codes_of(exc_info) -> set[str]:
    error = exc_info.value
    groups = error.error_dict.values() if hasattr(error, "error_dict") else [error.error_list]
    return {item.code for errors in groups for item in errors}


def messages_of(exc_info) -> str:
    return " ".join(exc_info.value.messages)


def post(notice, clerk, *, posted_at=None, **overrides) -> Notice:
    values = {
        "posted_at": posted_at or timezone.now(),
        "place_kind": NoticePosting.Place.BOARD,
        "place": "东村村委会公告栏",
    }
    return services.notice_post(clerk=clerk, notice=notice, **values | overrides)


def objection(notice, *, late=False, state=Objection.State.OPEN) -> Objection:
    resolved = state == Objection.State.RESOLVED
    return Objection.objects.create(
        notice=notice,
        line=notice.lines.first(),
        line_position=1,
        raiser_kind=Objection.Raiser.HOUSEHOLD,
        raiser_name="王小明",
        channel=Objection.Channel.PHONE,
        claim=Objection.Claim.WRONG_QUANTITY,
        details="我家只种了8亩",
        raised_at=timezone.now(),
        late=late,
        recorded_by=notice.responsible,
        state=state,
        outcome=Objection.Outcome.NO_CHANGE if resolved else "",
        resolved_at=timezone.now() if resolved else None,
    )


# --- Creation from a group policy (PUB-1, PUB-2) ------------------------------------
def test_pub_1_pub_2_notice_copies_the_household_list_without_personal_data(group_policy, clerk_a):
    notice = services.notice_create_for_group_policy(
        clerk=clerk_a, policy=group_policy, objection_phone=" 0763-1234567 "
    )

    assert notice.state == Notice.State.DRAFT
    assert notice.title == "阳山县东村水稻种植保险2026早稻承保公示"
    assert (notice.county_name, notice.village) == ("阳山县", "东村")
    assert (notice.product_name, notice.season) == ("水稻种植保险", "2026早稻")
    assert notice.source == group_policy
    household_list = group_policy.lists.get(state=HouseholdList.State.ACCEPTED)
    assert notice.source_revision == household_list.pk
    assert notice.responsible == clerk_a
    assert notice.objection_phone == "0763-1234567"
    assert notice.objection_place == "阳城镇三农营销服务部"  # the outlet, by default
    rows = rows_of(group_policy)
    lines = list(notice.lines.order_by("position"))
    assert [line.name for line in lines] == [name for name, _phone, _account in HOUSEHOLDS]
    assert [line.source_row_id for line in lines] == [row.pk for row in rows]
    assert lines[0].village_group == "东村一组"
    assert (lines[0].subject, lines[0].quantity, lines[0].unit) == ("水稻", Decimal("10"), "亩")
    assert lines[0].farmer_share == Decimal("120.00")
    assert lines[0].central == Decimal("270.00")
    # Totals are those of the policy's list.
    assert notice.line_count == 3
    assert notice.quantity == group_policy.quantity
    for field in ("farmer_share", "central", "provincial", "city", "county"):
        assert getattr(notice, field) == getattr(group_policy, field)
    # PUB-2: no ID number, phone or bank account is copied anywhere.
    copied = " ".join(
        str(value) for line in lines for value in line.__dict__.values() if value is not None
    )
    assert secrets_of(group_policy)
    for secret in secrets_of(group_policy):
        assert secret not in copied
    assert history_of(notice)


def test_pub_1_only_a_listed_group_policy_is_noticed(book, clerk_a):
    policy = draft_policy(book, clerk_a)
    with pytest.raises(ValidationError) as exc:
        services.notice_create_for_group_policy(clerk=clerk_a, policy=policy)
    assert codes_of(exc) == {"not_noticeable"}
    assert not Notice.objects.exists()


def test_pub_1_one_notice_in_progress_per_policy(group_policy, clerk_a):
    first = services.notice_create_for_group_policy(clerk=clerk_a, policy=group_policy)
    with pytest.raises(ValidationError) as exc:
        services.notice_create_for_group_policy(clerk=clerk_a, policy=group_policy)
    assert codes_of(exc) == {"notice_open"}

    services.notice_withdraw(clerk=clerk_a, notice=first, reason="清单有误")
    second = services.notice_create_for_group_policy(clerk=clerk_a, policy=group_policy)
    assert second.pk != first.pk and second.state == Notice.State.DRAFT


def test_it_validates_ownership_of_the_policy(group_policy, clerk_b, auditor):
    with pytest.raises(NotInScope):
        services.notice_create_for_group_policy(clerk=clerk_b, policy=group_policy)
    with pytest.raises(ReadOnlyRole):
        services.notice_create_for_group_policy(clerk=auditor, policy=group_policy)
    assert not Notice.objects.exists()


@pytest.mark.parametrize(
    ("kind", "name", "village"),
    [
        (Customer.OrganisationType.VILLAGE_COMMITTEE, "东村村民委员会", "东村"),
        (Customer.OrganisationType.VILLAGE_COMMITTEE, "石门村委会", "石门村"),
        (Customer.OrganisationType.COOPERATIVE, "阳山县绿源水稻专业合作社", "东村一组"),
    ],
)
def test_pub_2_village_comes_from_the_committee_or_the_households(kind, name, village):
    policy = SimpleNamespace(organiser=SimpleNamespace(organisation_type=kind, name=name))
    lines = [SimpleNamespace(village_group=group) for group in ("东村一组", "东村一组", "")]
    assert services.village_of(policy, lines) == village


# --- Claim payment notices (PUB-7) ---------------------------------------------------
def claim_lines():
    return [
        services.ClaimPaymentLine(
            name="王小明", village_group="东村一组", loss="洪涝 水稻", amount=Decimal("1000.00")
        ),
        services.ClaimPaymentLine(
            name="李秀英",
            village_group="东村二组",
            loss="洪涝 水稻",
            amount=Decimal("530.50"),
            quantity=Decimal("5.3"),
            unit="亩",
        ),
    ]


def test_pub_7_claim_payment_notice_is_made_from_the_given_lines(tree, clerk_a):
    notice = services.notice_create_for_claim_payments(
        clerk=clerk_a,
        org_unit=tree.outlet_a,
        village="东村",
        product_name="水稻种植保险",
        season="2026早稻",
        lines=claim_lines(),
    )
    assert notice.kind == Notice.Kind.CLAIM_PAYMENT
    assert notice.title == "阳山县东村水稻种植保险2026早稻赔款公示"
    assert notice.source is None
    assert (notice.line_count, notice.amount) == (2, Decimal("1530.50"))
    assert notice.quantity == Decimal("5.3")
    second = notice.lines.get(position=2)
    assert (second.name, second.subject, second.amount) == (
        "李秀英",
        "洪涝 水稻",
        Decimal("530.50"),
    )


def test_pub_7_every_problem_of_the_list_is_reported_at_once(tree, clerk_a):
    lines = [
        services.ClaimPaymentLine(name=" ", village_group="", loss="", amount=Decimal("10")),
        services.ClaimPaymentLine(name="李秀英", village_group="", loss="", amount=Decimal("0")),
    ]
    with pytest.raises(ValidationError) as exc:
        services.notice_create_for_claim_payments(
            clerk=clerk_a,
            org_unit=tree.outlet_a,
            village="",
            product_name="水稻种植保险",
            season="",
            lines=lines,
        )
    text = messages_of(exc)
    assert "Line 1: the payee's name is missing." in text
    assert "Line 2: the claim payment must be more than zero." in text
    assert "This field is required." in text
    assert not Notice.objects.exists()


def test_pub_7_claim_notice_needs_a_payee_and_an_outlet(tree, clerk_a, county_manager):
    with pytest.raises(ValidationError) as exc:
        services.notice_create_for_claim_payments(
            clerk=clerk_a,
            org_unit=tree.outlet_a,
            village="东村",
            product_name="水稻种植保险",
            season="",
            lines=[],
        )
    assert codes_of(exc) == {"no_lines"}
    with pytest.raises(ValidationError) as exc:
        services.notice_create_for_claim_payments(
            clerk=county_manager,
            org_unit=tree.county,
            village="东村",
            product_name="水稻种植保险",
            season="",
            lines=claim_lines(),
        )
    assert codes_of(exc) == {"not_outlet"}


def test_it_validates_ownership_of_the_claim_notice_outlet(tree, clerk_b, auditor):
    values = {
        "org_unit": tree.outlet_a,
        "village": "东村",
        "product_name": "水稻种植保险",
        "season": "",
        "lines": claim_lines(),
    }
    with pytest.raises(NotInScope):
        services.notice_create_for_claim_payments(clerk=clerk_b, **values)
    with pytest.raises(ReadOnlyRole):
        services.notice_create_for_claim_payments(clerk=auditor, **values)


# --- Editing a draft -----------------------------------------------------------------
def test_pub_3_channels_and_how_to_object_are_updated_with_audit(draft_notice, clerk_a):
    notice = services.notice_update(
        clerk=clerk_a,
        notice=draft_notice,
        objection_place="东村村委会",
        channels=["sms", "broadcast"],
    )
    assert notice.objection_place == "东村村委会"
    assert notice.channels == ["broadcast", "sms"]
    assert history_of(notice)[0].reason == "Notice details changed"

    with pytest.raises(ValidationError) as exc:
        services.notice_update(clerk=clerk_a, notice=notice, channels=["leaflet"])
    assert codes_of(exc) == {"invalid_channel"}


def test_closed_notice_details_cannot_change(elapsed_notice, clerk_a, clerk_b, auditor):
    with pytest.raises(NotInScope):
        services.notice_update(clerk=clerk_b, notice=elapsed_notice, objection_phone="1")
    with pytest.raises(ReadOnlyRole):
        services.notice_update(clerk=auditor, notice=elapsed_notice, objection_phone="1")
    services.notice_close(clerk=clerk_a, notice=elapsed_notice)
    with pytest.raises(ValidationError) as exc:
        services.notice_update(clerk=clerk_a, notice=elapsed_notice, objection_phone="1")
    assert codes_of(exc) == {"wrong_state"}


def test_draft_lines_are_copied_again_from_the_list(draft_notice, group_policy, clerk_a):
    row = rows_of(group_policy)[1]
    HouseholdRow.objects.filter(pk=row.pk).update(name="李秀兰")
    notice = services.notice_refresh_lines(clerk=clerk_a, notice=draft_notice)
    assert notice.lines.get(position=2).name == "李秀兰"
    assert notice.line_count == 3
    assert notice.revision == 2


def test_only_a_draft_with_a_list_is_refreshed(posted_notice, claim_notice, clerk_a, clerk_b):
    with pytest.raises(ValidationError) as exc:
        services.notice_refresh_lines(clerk=clerk_a, notice=posted_notice)
    assert codes_of(exc) == {"wrong_state"}
    with pytest.raises(ValidationError) as exc:
        services.notice_refresh_lines(clerk=clerk_a, notice=claim_notice)
    assert codes_of(exc) == {"no_source"}
    with pytest.raises(NotInScope):
        services.notice_refresh_lines(clerk=clerk_b, notice=claim_notice)


# --- Posting (PUB-3, PUB-4) ----------------------------------------------------------
def test_pub_4_posting_starts_the_seven_day_period(draft_notice, clerk_a):
    # Made at the counter in the morning, put up in the village in the afternoon.
    now = timezone.now()
    Notice.objects.filter(pk=draft_notice.pk).update(created_at=now - dt.timedelta(hours=5))
    posted_at = now - dt.timedelta(hours=1)
    notice = post(draft_notice, clerk_a, posted_at=posted_at, channels=["broadcast"])

    assert notice.state == Notice.State.POSTED
    assert notice.posted_at == posted_at
    assert notice.ends_at == posted_at + dt.timedelta(days=7)
    timer = notice.period_timer
    assert (timer.rule.code, timer.state) == ("PUB-4", SlaTimer.State.RUNNING)
    assert (timer.owner, timer.started_at, timer.due_at) == (clerk_a, posted_at, notice.ends_at)
    assert notice.channels == ["broadcast"]
    posting = notice.postings.get()
    assert (posting.place, posting.posted_at, posting.posted_by) == (
        "东村村委会公告栏",
        posted_at,
        clerk_a,
    )


def test_pub_4_a_county_may_lengthen_the_period(draft_notice, clerk_a, tree):
    default = TimerRule.objects.get(code="PUB-4", county=None)
    TimerRule.objects.create(
        code="PUB-4",
        county=tree.county,
        name=default.name,
        clock=default.clock,
        duration=dt.timedelta(days=10),
        minimum=default.minimum,
        on_breach=default.on_breach,
    )
    notice = post(draft_notice, clerk_a)
    assert notice.ends_at - notice.posted_at == dt.timedelta(days=10)


def test_pub_4_a_county_cannot_shorten_the_period_below_seven_days(tree):
    default = TimerRule.objects.get(code="PUB-4", county=None)
    rule = TimerRule(
        code="PUB-4",
        county=tree.county,
        name=default.name,
        clock=default.clock,
        duration=dt.timedelta(days=5),
        on_breach=default.on_breach,
    )
    with pytest.raises(ValidationError):
        rule.full_clean()


def test_pub_4_posting_time_cannot_be_in_the_future_or_before_the_notice(draft_notice, clerk_a):
    with pytest.raises(ValidationError) as exc:
        post(draft_notice, clerk_a, posted_at=timezone.now() + dt.timedelta(hours=1))
    assert "The notice cannot be put up in the future." in messages_of(exc)
    with pytest.raises(ValidationError) as exc:
        post(draft_notice, clerk_a, posted_at=draft_notice.created_at - dt.timedelta(days=2))
    assert "it cannot have been put up before that" in messages_of(exc)
    draft_notice.refresh_from_db()
    assert draft_notice.state == Notice.State.DRAFT
    assert not SlaTimer.objects.exists()


def test_pub_3_every_problem_of_the_posting_is_listed(draft_notice, clerk_a):
    with pytest.raises(ValidationError) as exc:
        post(draft_notice, clerk_a, place_kind="tree", place=" ", channels=["poster"])
    assert set(exc.value.message_dict) == {"place_kind", "place", "channels"}


def test_only_a_draft_is_posted(posted_notice, clerk_a, clerk_b, auditor, claim_notice):
    with pytest.raises(ValidationError) as exc:
        post(posted_notice, clerk_a)
    assert codes_of(exc) == {"wrong_state"}
    with pytest.raises(NotInScope):
        post(claim_notice, clerk_b)
    with pytest.raises(ReadOnlyRole):
        post(claim_notice, auditor)
    claim_notice.refresh_from_db()
    assert claim_notice.state == Notice.State.DRAFT


def test_pub_1_a_notice_of_a_replaced_list_is_not_posted(draft_notice, group_policy, clerk_a):
    group_policy.lists.update(state=HouseholdList.State.SUPERSEDED)
    HouseholdList.objects.create(
        policy=group_policy,
        state=HouseholdList.State.ACCEPTED,
        source="household-lists/2026/03/new.xlsx",
        source_name="new.xlsx",
        uploaded_by=clerk_a,
        finished_at=timezone.now(),
    )
    with pytest.raises(ValidationError) as exc:
        post(draft_notice, clerk_a)
    assert codes_of(exc) == {"source_replaced"}


def test_pub_3_more_posting_places_are_recorded(posted_notice, clerk_a, clerk_b):
    posting = services.posting_add(
        clerk=clerk_a,
        notice=posted_notice,
        place_kind=NoticePosting.Place.ENTRANCE,
        place="东村村口",
        posted_at=timezone.now(),
    )
    assert posted_notice.postings.count() == 2
    assert posting.place_kind == NoticePosting.Place.ENTRANCE
    with pytest.raises(ValidationError) as exc:
        services.posting_add(
            clerk=clerk_a,
            notice=posted_notice,
            place_kind=NoticePosting.Place.ENTRANCE,
            place="东村村口",
            posted_at=posted_notice.posted_at - dt.timedelta(minutes=1),
        )
    assert "posted_at" in exc.value.message_dict
    with pytest.raises(NotInScope):
        services.posting_add(
            clerk=clerk_b,
            notice=posted_notice,
            place_kind=NoticePosting.Place.OTHER,
            place="七拱镇",
            posted_at=timezone.now(),
        )


def test_pub_3_a_draft_has_no_posting_places(draft_notice, clerk_a):
    with pytest.raises(ValidationError) as exc:
        services.posting_add(
            clerk=clerk_a,
            notice=draft_notice,
            place_kind=NoticePosting.Place.ENTRANCE,
            place="东村村口",
            posted_at=timezone.now(),
        )
    assert codes_of(exc) == {"wrong_state"}


# --- Posting evidence (PUB-6) --------------------------------------------------------
def test_pub_6_a_photo_and_a_video_of_the_posting_are_kept(posted_notice, clerk_a):
    posting = posted_notice.postings.get()
    kept_photo = services.posting_evidence_add(
        clerk=clerk_a, posting=posting, upload=photo("board.jpg"), caption="公告栏"
    )
    video = SimpleUploadedFile("board.mp4", mp4_bytes(), content_type="video/mp4")
    kept_video = services.posting_evidence_add(clerk=clerk_a, posting=posting, upload=video)

    assert isinstance(kept_photo, EvidencePhoto) and kept_photo.subject == posting
    assert kept_photo.caption == "公告栏"
    assert isinstance(kept_video, EvidenceVideo) and kept_video.subject == posting
    assert kept_video.container == "mp4"


@pytest.mark.parametrize(
    ("name", "data"),
    [("board.jpg", b"not a photo at all" * 20), ("board.mp4", b"\x00\x00\x00\x18ftypmp42")],
)
def test_pub_6_a_file_that_is_neither_photo_nor_video_is_refused(
    posted_notice, clerk_a, name, data
):
    posting = posted_notice.postings.get()
    upload = SimpleUploadedFile(name, data)
    with pytest.raises(ValidationError):
        services.posting_evidence_add(clerk=clerk_a, posting=posting, upload=upload)
    assert not EvidencePhoto.objects.exists() and not EvidenceVideo.objects.exists()


def test_it_validates_ownership_of_posting_evidence(posted_notice, clerk_b, auditor):
    posting = posted_notice.postings.get()
    with pytest.raises(NotInScope):
        services.posting_evidence_add(clerk=clerk_b, posting=posting, upload=photo())
    with pytest.raises(ReadOnlyRole):
        services.posting_evidence_add(clerk=auditor, posting=posting, upload=photo())


def test_pub_6_no_evidence_for_a_withdrawn_notice(posted_notice, clerk_a):
    services.notice_withdraw(clerk=clerk_a, notice=posted_notice, reason="清单有误")
    posting = posted_notice.postings.get()
    with pytest.raises(ValidationError) as exc:
        services.posting_evidence_add(clerk=clerk_a, posting=posting, upload=photo())
    assert codes_of(exc) == {"wrong_state"}


# --- Closing (PUB-1, PUB-4, PUB-5, PUB-6) --------------------------------------------
def test_pub_4_early_close_refused(posted_notice, clerk_a):
    add_posting_photo(posted_notice, clerk_a)
    with pytest.raises(ValidationError) as exc:
        services.notice_close(clerk=clerk_a, notice=posted_notice)
    assert codes_of(exc) == {"period_running"}
    ends = timezone.localtime(posted_notice.ends_at).strftime("%Y-%m-%d %H:%M")
    assert f"PUB-4: the notice must stay up for its full period; it may be closed from {ends}." in (
        messages_of(exc)
    )
    posted_notice.refresh_from_db()
    assert posted_notice.state == Notice.State.POSTED


def test_pub_6_close_with_no_photo_refused(group_policy, clerk_a):
    notice = make_notice(group_policy, clerk_a, posted_days_ago=8)
    video = SimpleUploadedFile("board.mp4", mp4_bytes())
    services.posting_evidence_add(clerk=clerk_a, posting=notice.postings.get(), upload=video)
    with pytest.raises(ValidationError) as exc:
        services.notice_close(clerk=clerk_a, notice=notice)
    assert codes_of(exc) == {"no_posting_photo"}
    assert "PUB-6" in messages_of(exc)


def test_pub_5_an_objection_being_verified_blocks_the_close(elapsed_notice, clerk_a):
    objection(elapsed_notice)
    with pytest.raises(ValidationError) as exc:
        services.notice_close(clerk=clerk_a, notice=elapsed_notice)
    assert codes_of(exc) == {"objections_open"}
    assert "PUB-5: 1 objection raised during the notice is still being verified." in (
        messages_of(exc)
    )


def test_pub_5_a_late_or_resolved_objection_does_not_block_the_close(elapsed_notice, clerk_a):
    objection(elapsed_notice, late=True)
    objection(elapsed_notice, state=Objection.State.RESOLVED)
    notice = services.notice_close(clerk=clerk_a, notice=elapsed_notice)
    assert notice.state == Notice.State.CLOSED


def test_pub_1_a_replaced_list_blocks_the_close(elapsed_notice, group_policy, clerk_a):
    group_policy.lists.update(state=HouseholdList.State.SUPERSEDED)
    HouseholdList.objects.create(
        policy=group_policy,
        state=HouseholdList.State.ACCEPTED,
        source="household-lists/2026/03/new.xlsx",
        source_name="new.xlsx",
        uploaded_by=clerk_a,
        finished_at=timezone.now(),
    )
    with pytest.raises(ValidationError) as exc:
        services.notice_close(clerk=clerk_a, notice=elapsed_notice)
    assert codes_of(exc) == {"source_replaced"}


def test_pub_4_pub_5_pub_6_every_reason_not_to_close_is_listed(posted_notice, clerk_a):
    objection(posted_notice)
    with pytest.raises(ValidationError) as exc:
        services.check_notice_close(clerk=clerk_a, notice=posted_notice)
    assert codes_of(exc) == {"period_running", "no_posting_photo", "objections_open"}


def test_pub_1_closing_completes_the_notice_of_the_group_policy(
    elapsed_notice, group_policy, clerk_a
):
    checklist = {item.code: item.done for item in group_policy_checklist(policy=group_policy)}
    assert checklist["notice"] is False

    notice = services.notice_close(clerk=clerk_a, notice=elapsed_notice, note=" 无异议 ")

    assert notice.state == Notice.State.CLOSED
    assert (notice.closed_by, notice.close_note) == (clerk_a, "无异议")
    assert notice.period_timer.state == SlaTimer.State.MET
    group_policy.refresh_from_db()
    assert group_policy.notice_completed_at == notice.closed_at
    checklist = {item.code: item.done for item in group_policy_checklist(policy=group_policy)}
    assert checklist["notice"] is True
    assert history_of(notice)[0].reason == "Notice closed"


def test_pub_1_notice_closes_only_once(elapsed_notice, clerk_a):
    services.notice_close(clerk=clerk_a, notice=elapsed_notice)
    with pytest.raises(ValidationError) as exc:
        services.notice_close(clerk=clerk_a, notice=elapsed_notice)
    assert codes_of(exc) == {"wrong_state"}


def test_it_validates_ownership_of_the_close(elapsed_notice, clerk_b, auditor):
    with pytest.raises(NotInScope):
        services.notice_close(clerk=clerk_b, notice=elapsed_notice)
    with pytest.raises(ReadOnlyRole):
        services.notice_close(clerk=auditor, notice=elapsed_notice)
    elapsed_notice.refresh_from_db()
    assert elapsed_notice.state == Notice.State.POSTED


def test_pub_7_claim_notice_goes_through_the_same_period(claim_notice, clerk_a):
    now = timezone.now()
    Notice.objects.filter(pk=claim_notice.pk).update(created_at=now - dt.timedelta(days=10))
    claim_notice.refresh_from_db()
    post(claim_notice, clerk_a, posted_at=now - dt.timedelta(days=9))
    add_posting_photo(claim_notice, clerk_a)
    notice = services.notice_close(clerk=clerk_a, notice=claim_notice)
    assert notice.state == Notice.State.CLOSED
    assert not Policy.objects.exists()


# --- Withdrawal ----------------------------------------------------------------------
def test_withdrawal_needs_a_reason_and_cancels_the_timers(posted_notice, clerk_a):
    with pytest.raises(ValidationError):
        services.notice_withdraw(clerk=clerk_a, notice=posted_notice, reason=" ")
    notice = services.notice_withdraw(clerk=clerk_a, notice=posted_notice, reason="清单有误")
    assert (notice.state, notice.withdrawn_reason) == (Notice.State.WITHDRAWN, "清单有误")
    assert notice.period_timer.state == SlaTimer.State.CANCELLED
    assert history_of(notice)[0].reason == "清单有误"


def test_a_closed_notice_is_not_withdrawn(elapsed_notice, clerk_a, clerk_b):
    with pytest.raises(NotInScope):
        services.notice_withdraw(clerk=clerk_b, notice=elapsed_notice, reason="x")
    services.notice_close(clerk=clerk_a, notice=elapsed_notice)
    with pytest.raises(ValidationError) as exc:
        services.notice_withdraw(clerk=clerk_a, notice=elapsed_notice, reason="x")
    assert codes_of(exc) == {"wrong_state"}


# --- Source adapters: corrections written back (PUB-5, PUB-7) -------------------------
def test_pub_5_pub_7_a_claim_line_is_corrected_with_totals_and_audit(claim_notice, clerk_a):
    line = claim_notice.lines.get(position=2)
    change = source_for(claim_notice).apply_correction(
        notice=claim_notice,
        line=line,
        by=clerk_a,
        changes={"amount": "600.00", "name": "李秀英"},
        reason="核实后更正赔款",
    )
    assert change == {"amount": ["530.50", "600.00"]}
    line.refresh_from_db()
    assert line.amount == Decimal("600.00") and line.corrected_at is not None
    assert history_of(line)[0].reason == "核实后更正赔款"
    claim_notice.refresh_from_db()
    assert (claim_notice.amount, claim_notice.revision) == (Decimal("1600.00"), 2)


def test_pub_5_a_correction_that_changes_nothing_or_the_wrong_field_is_refused(
    claim_notice, clerk_a
):
    line = claim_notice.lines.get(position=1)
    adapter = source_for(claim_notice)
    with pytest.raises(ValidationError) as exc:
        adapter.apply_correction(
            notice=claim_notice, line=line, by=clerk_a, changes={"name": "王小明"}, reason="x"
        )
    assert codes_of(exc) == {"same"}
    with pytest.raises(ValidationError) as exc:
        adapter.apply_correction(
            notice=claim_notice,
            line=line,
            by=clerk_a,
            changes={"farmer_share": "1", "amount": "-5"},
            reason="x",
        )
    assert codes_of(exc) == {"unknown_field", "invalid"}
    claim_notice.refresh_from_db()
    assert claim_notice.revision == 1


def test_pub_5_pub_7_a_claim_line_is_removed_but_never_the_last(claim_notice, clerk_a):
    adapter = source_for(claim_notice)
    first, second = claim_notice.lines.order_by("position")
    change = adapter.apply_removal(notice=claim_notice, line=second, by=clerk_a, reason="重复")
    assert change["name"] == ["李秀英", None]
    claim_notice.refresh_from_db()
    assert (claim_notice.line_count, claim_notice.amount) == (1, Decimal("1000.00"))
    with pytest.raises(ValidationError) as exc:
        adapter.apply_removal(notice=claim_notice, line=first, by=clerk_a, reason="重复")
    assert codes_of(exc) == {"last_line"}


def test_pub_5_uw_4_a_quantity_correction_moves_the_premiums_of_the_notice(
    posted_notice, group_policy, clerk_a
):
    line = posted_notice.lines.get(position=1)
    change = source_for(posted_notice).apply_correction(
        notice=posted_notice, line=line, by=clerk_a, changes={"quantity": "8"}, reason="实测8亩"
    )
    assert change["quantity"] == ["10.0000", "8"]
    assert change["farmer_share"] == ["120.00", "96.00"]
    line.refresh_from_db()
    assert (line.quantity, line.farmer_share) == (Decimal("8"), Decimal("96.00"))
    posted_notice.refresh_from_db()
    group_policy.refresh_from_db()
    assert posted_notice.revision == 2
    assert posted_notice.quantity == group_policy.quantity == Decimal("28")
    for field in ("farmer_share", "central", "provincial", "city", "county"):
        assert getattr(posted_notice, field) == getattr(group_policy, field)
    assert rows_of(group_policy)[0].quantity == Decimal("8")


def test_pub_5_a_household_taken_off_the_list_leaves_the_notice(
    posted_notice, group_policy, clerk_a
):
    line = posted_notice.lines.get(position=2)
    source_for(posted_notice).apply_removal(
        notice=posted_notice, line=line, by=clerk_a, reason="未投保"
    )
    posted_notice.refresh_from_db()
    group_policy.refresh_from_db()
    assert list(posted_notice.lines.values_list("position", flat=True)) == [1, 3]
    assert posted_notice.line_count == 2
    assert posted_notice.farmer_share == group_policy.farmer_share
    assert len(rows_of(group_policy)) == 2
