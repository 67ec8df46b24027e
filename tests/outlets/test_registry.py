"""The outlet registry services: official name (OUT-2), site facts against the standards
(OUT-3, OUT-4), leases and their end warning (OUT-5), facility items (OUT-6..OUT-8), the
head (OUT-9), agents' qualifications and their expiry warning (OUT-10), with the
refusals (other outlet 404, clerk and auditor 403)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.access import NotInScope
from core.models import OutboxMessage, SlaTimer
from core.timers import timers_sweep
from outlets.models import OutletProfile, OutletSettings, StaffMember
from outlets.selectors import registry_standards
from outlets.services import registry as registry_service
from outlets.standards import FACILITY_ITEMS, STANDARD_BY_CODE, STANDARDS, add_years
from tests.outlets.registry_support import complete_registry

TODAY = dt.date(2026, 4, 15)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 4, 15, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def answers(outlet) -> dict[str, bool | None]:
    return {standard.code: answer for standard, answer in registry_standards(outlet=outlet)}


# --- Catalogue -------------------------------------------------------------------------------
def test_out_3_to_9_catalogue_codes_are_unique_and_name_their_rule():
    codes = [standard.code for standard in STANDARDS]
    assert len(codes) == len(set(codes))
    assert all(standard.code.startswith(standard.rule + "-") for standard in STANDARDS)
    assert {standard.rule for standard in STANDARDS} == {f"OUT-{n}" for n in range(3, 10)}
    # OUT-6: nameplate, door-head and image-wall required; vertical and projecting optional.
    assert STANDARD_BY_CODE["OUT-6-door-head"].required
    assert not STANDARD_BY_CODE["OUT-6-projecting"].required
    assert all(s.needs_photo for s in STANDARDS if s.rule == "OUT-3")


def test_out_7_out_8_interior_and_equipment_required_and_optional():
    # OUT-7: the acceptance area is required, the VIP room optional.
    assert STANDARD_BY_CODE["OUT-7-acceptance-area"].required
    assert not STANDARD_BY_CODE["OUT-7-vip-room"].required
    # OUT-8: the POS terminal is required, the copier optional.
    assert STANDARD_BY_CODE["OUT-8-pos"].required
    assert not STANDARD_BY_CODE["OUT-8-copier"].required


def test_out_3_lease_term_counts_years_from_29_february():
    assert add_years(dt.date(2024, 2, 29), 3) == dt.date(2027, 2, 28)


# --- Profile and official name (OUT-2) -------------------------------------------------------
def test_out_2_official_name_built_from_county_and_township(profile_a):
    assert profile_a.official_name == "PICC中国人民保险 阳山县阳城镇三农营销服务部"


def test_out_2_regulator_name_wins_and_needs_a_reason(profile_a, county_manager):
    with pytest.raises(ValidationError) as error:
        registry_service.official_name_impose(
            by=county_manager, profile=profile_a, name="阳山县阳城镇保险服务站", reason=" "
        )
    assert error.value.error_dict["imposed_name_reason"]
    registry_service.official_name_impose(
        by=county_manager,
        profile=profile_a,
        name="阳山县阳城镇保险服务站",
        reason="县金融办2026年3号文要求统一名称",
    )
    profile_a.refresh_from_db()
    assert profile_a.official_name == "阳山县阳城镇保险服务站"
    assert profile_a.history.first().history_change_reason == "县金融办2026年3号文要求统一名称"
    # Cleared with a reason: the standard name is back.
    registry_service.official_name_impose(
        by=county_manager, profile=profile_a, name="", reason="文件废止"
    )
    profile_a.refresh_from_db()
    assert profile_a.official_name == profile_a.standard_name
    assert profile_a.imposed_name_reason == ""


def test_out_2_only_a_manager_records_the_regulator_name(profile_a, outlet_head_a, auditor):
    for user in (outlet_head_a, auditor):
        with pytest.raises(PermissionDenied):
            registry_service.official_name_impose(
                by=user, profile=profile_a, name="别的名字", reason="理由"
            )


def test_out_3_profile_create_and_change_with_reason(tree, outlet_head_a, clerk_a, clerk_b):
    values = {
        "county_label": "阳山县",
        "township": "阳城镇",
        "address": "建设路18号",
        "usable_area": Decimal("32.00"),
        "head_name": "陈建国",
        "head_type": OutletProfile.HeadType.EMPLOYEE,
        "ground_floor_storefront": True,
    }
    with pytest.raises(PermissionDenied):
        registry_service.profile_save(by=clerk_a, outlet=tree.outlet_a, values=values)
    with pytest.raises(NotInScope):
        registry_service.profile_save(by=clerk_b, outlet=tree.outlet_a, values=values)
    profile = registry_service.profile_save(by=outlet_head_a, outlet=tree.outlet_a, values=values)
    assert profile.ground_floor_storefront and profile.usable_area == Decimal("32.00")
    with pytest.raises(ValidationError) as error:
        registry_service.profile_save(
            by=outlet_head_a, outlet=tree.outlet_a, values={"usable_area": Decimal("33")}
        )
    assert "reason" in error.value.error_dict
    registry_service.profile_save(
        by=outlet_head_a,
        outlet=tree.outlet_a,
        values={"usable_area": Decimal("33")},
        reason="重新测量",
    )
    assert OutletProfile.objects.get(pk=profile.pk).usable_area == Decimal("33.00")


def test_out_9_head_account_must_belong_to_the_outlet(profile_a, county_manager, clerk_b):
    with pytest.raises(ValidationError) as error:
        registry_service.profile_save(
            by=county_manager,
            outlet=profile_a.outlet,
            values={"head_user": clerk_b},
            reason="换人",
        )
    assert "head_user" in error.value.error_dict


def test_out_3_out_4_out_9_registry_answers_the_standards(profile_a, profile_b):
    a, b = answers(profile_a.outlet), answers(profile_b.outlet)
    assert a["OUT-3-storefront"] and a["OUT-3-own-premises"] and a["OUT-4-area"]
    assert a["OUT-9-head"]
    # Outlet B: inside a village committee, 24 m² (< 30, OUT-4).
    assert b["OUT-3-own-premises"] is False
    assert b["OUT-3-storefront"] is False
    assert b["OUT-4-area"] is False
    assert b["OUT-9-head"] is True  # an entrusted head is allowed (OUT-9)


def test_out_4_minimum_area_follows_the_county_setting(profile_b, tree):
    OutletSettings.objects.create(county=tree.county, min_area=Decimal("20"))
    assert answers(profile_b.outlet)["OUT-4-area"] is True


def test_out_3_unknown_without_a_profile(tree):
    assert answers(tree.outlet_a)["OUT-3-storefront"] is None


# --- Leases (OUT-5) -------------------------------------------------------------------------
def test_out_5_short_lease_needs_an_exception_reason(profile_a, outlet_head_a):
    with pytest.raises(ValidationError) as error:
        registry_service.lease_record(
            by=outlet_head_a,
            outlet=profile_a.outlet,
            landlord="业主",
            starts_on=TODAY,
            ends_on=add_years(TODAY, 2),
        )
    assert "short_term_reason" in error.value.error_dict
    lease = registry_service.lease_record(
        by=outlet_head_a,
        outlet=profile_a.outlet,
        landlord="业主",
        starts_on=TODAY,
        ends_on=add_years(TODAY, 2),
        short_term_reason="业主只肯签两年，县公司批准",
    )
    assert answers(profile_a.outlet)["OUT-5-lease"] is True
    assert lease.end_warning.rule.code == "OUT-5"


def test_out_5_lease_refusals(profile_a, outlet_head_a, clerk_a, clerk_b):
    kwargs = {
        "outlet": profile_a.outlet,
        "landlord": "业主",
        "starts_on": TODAY,
        "ends_on": add_years(TODAY, 3),
    }
    with pytest.raises(PermissionDenied):
        registry_service.lease_record(by=clerk_a, **kwargs)
    with pytest.raises(NotInScope):
        registry_service.lease_record(by=clerk_b, **kwargs)
    registry_service.lease_record(by=outlet_head_a, **kwargs)
    with pytest.raises(ValidationError) as error:
        registry_service.lease_record(by=outlet_head_a, **kwargs)
    assert "starts_on" in error.value.error_dict  # overlaps
    assert answers(profile_a.outlet)["OUT-5-lease"] is True


def test_out_5_warns_90_days_before_the_lease_ends_once(profile_a, outlet_head_a, county_manager):
    lease = registry_service.lease_record(
        by=outlet_head_a,
        outlet=profile_a.outlet,
        landlord="业主",
        starts_on=TODAY - dt.timedelta(days=900),
        ends_on=TODAY + dt.timedelta(days=200),
    )
    timer = lease.end_warning
    assert timezone.localtime(timer.due_at).date() == TODAY + dt.timedelta(days=201 - 90)
    assert timer.owner == outlet_head_a
    assert timers_sweep(now=timezone.now()).breached == 0
    later = timer.due_at + dt.timedelta(minutes=1)
    assert timers_sweep(now=later).breached == 1
    assert timers_sweep(now=later).breached == 0
    recipients = set(
        OutboxMessage.objects.filter(dedup_key__startswith=f"outlet-lease:{lease.pk}:").values_list(
            "recipient__username", flat=True
        )
    )
    assert recipients == {"head_a", "manager"}


def test_out_5_renewal_cancels_the_old_warning_and_change_restarts(profile_a, outlet_head_a):
    old = registry_service.lease_record(
        by=outlet_head_a,
        outlet=profile_a.outlet,
        landlord="业主",
        starts_on=TODAY - dt.timedelta(days=1100),
        ends_on=TODAY + dt.timedelta(days=95),
    )
    new = registry_service.lease_record(
        by=outlet_head_a,
        outlet=profile_a.outlet,
        landlord="业主",
        starts_on=TODAY + dt.timedelta(days=96),
        ends_on=TODAY + dt.timedelta(days=96 + 3 * 366),
    )
    old.end_warning.refresh_from_db()
    assert old.end_warning.state == SlaTimer.State.CANCELLED
    first = new.end_warning
    registry_service.lease_update(
        by=outlet_head_a,
        lease=new,
        landlord="业主",
        starts_on=new.starts_on,
        ends_on=new.ends_on + dt.timedelta(days=30),
        short_term_reason="",
        reason="补充协议延长",
    )
    first.refresh_from_db()
    assert first.state == SlaTimer.State.CANCELLED
    assert new.end_warning.state == SlaTimer.State.RUNNING


# --- Facilities (OUT-6..OUT-8) -------------------------------------------------------------
def test_out_6_to_8_facilities_answer_the_standards(profile_a, outlet_head_a):
    complete_registry(profile_a, by=outlet_head_a)
    result = answers(profile_a.outlet)
    assert all(result[s.code] for s in STANDARDS if s.required)
    assert result["OUT-6-projecting"] is False  # optional, absent
    # OUT-6: a scaled plate keeps the 3:2 ratio; another ratio is not met.
    registry_service.facility_item_set(
        by=outlet_head_a,
        outlet=profile_a.outlet,
        code="nameplate",
        present=True,
        width_mm=900,
        height_mm=600,
    )
    assert answers(profile_a.outlet)["OUT-6-nameplate"] is True
    registry_service.facility_item_set(
        by=outlet_head_a,
        outlet=profile_a.outlet,
        code="nameplate",
        present=True,
        width_mm=600,
        height_mm=600,
    )
    assert answers(profile_a.outlet)["OUT-6-nameplate"] is False


def test_out_6_refuses_unknown_items_and_sizes_off_the_nameplate(profile_a, outlet_head_a):
    with pytest.raises(ValidationError):
        registry_service.facility_item_set(
            by=outlet_head_a, outlet=profile_a.outlet, code="jukebox", present=True
        )
    with pytest.raises(ValidationError):
        registry_service.facility_item_set(
            by=outlet_head_a, outlet=profile_a.outlet, code="pos", present=True, width_mm=10
        )
    assert len(FACILITY_ITEMS) == len({item.code for item in FACILITY_ITEMS})


# --- Staff and qualifications (OUT-10) ------------------------------------------------------
def test_out_10_agent_needs_a_valid_qualification(profile_a, outlet_head_a):
    kwargs = {"outlet": profile_a.outlet, "name": "张丽", "kind": StaffMember.Kind.AGENT}
    with pytest.raises(ValidationError) as error:
        registry_service.staff_member_add(by=outlet_head_a, joined_on=TODAY, **kwargs)
    assert {"qualification_number", "qualification_expires_on"} <= set(error.value.error_dict)
    with pytest.raises(ValidationError) as error:
        registry_service.staff_member_add(
            by=outlet_head_a,
            joined_on=TODAY,
            qualification_number="0200014400",
            qualification_expires_on=TODAY - dt.timedelta(days=1),
            **kwargs,
        )
    assert "qualification_expires_on" in error.value.error_dict


def test_out_10_qualification_expiry_warned_30_days_ahead(profile_a, outlet_head_a):
    member = registry_service.staff_member_add(
        by=outlet_head_a,
        outlet=profile_a.outlet,
        name="张丽",
        kind=StaffMember.Kind.AGENT,
        joined_on=TODAY,
        qualification_number="0200014400",
        qualification_expires_on=TODAY + dt.timedelta(days=40),
    )
    timer = member.expiry_warning
    assert timer.rule.code == "OUT-10-qualification"
    assert timezone.localtime(timer.due_at).date() == TODAY + dt.timedelta(days=11)
    assert timers_sweep(now=timer.due_at + dt.timedelta(seconds=1)).breached == 1
    assert OutboxMessage.objects.filter(
        dedup_key__startswith=f"outlet-qualification:{member.pk}:", recipient=outlet_head_a
    ).exists()


def test_out_10_renewal_restarts_and_leaving_stops_the_warning(profile_a, outlet_head_a):
    member = registry_service.staff_member_add(
        by=outlet_head_a,
        outlet=profile_a.outlet,
        name="张丽",
        kind=StaffMember.Kind.AGENT,
        joined_on=TODAY,
        qualification_number="0200014400",
        qualification_expires_on=TODAY + dt.timedelta(days=40),
    )
    first = member.expiry_warning
    registry_service.staff_member_update(
        by=outlet_head_a,
        member=member,
        values={"qualification_expires_on": TODAY + dt.timedelta(days=3 * 365)},
        reason="资格证续期",
    )
    first.refresh_from_db()
    assert first.state == SlaTimer.State.CANCELLED
    second = member.expiry_warning
    registry_service.staff_member_leave(
        by=outlet_head_a, member=member, left_on=TODAY, reason="辞职"
    )
    second.refresh_from_db()
    assert second.state == SlaTimer.State.CANCELLED
    with pytest.raises(ValidationError):
        registry_service.staff_member_leave(
            by=outlet_head_a, member=member, left_on=TODAY, reason="again"
        )


def test_out_10_staff_refusals(profile_a, clerk_a, clerk_b, auditor):
    kwargs = {
        "outlet": profile_a.outlet,
        "name": "李四",
        "kind": StaffMember.Kind.EMPLOYEE,
        "joined_on": TODAY,
    }
    with pytest.raises(NotInScope):
        registry_service.staff_member_add(by=clerk_b, **kwargs)
    for user in (clerk_a, auditor):
        with pytest.raises(PermissionDenied):
            registry_service.staff_member_add(by=user, **kwargs)


def test_out_16_demo_registry_seeds_once(
    tree, county_manager, outlet_head_a, clerk_a, settings, tmp_path
):
    """The demo data (seed_demo): profiles, a lease warned about, an agent, an inspection
    of outlet B with its open findings; a second run adds nothing."""
    from outlets.demo import seed_outlets
    from outlets.models import Finding, Inspection, Lease

    settings.MEDIA_ROOT = tmp_path / "media"
    kwargs = {
        "outlet_a": tree.outlet_a,
        "outlet_b": tree.outlet_b,
        "manager": county_manager,
        "head_a": outlet_head_a,
        "clerk_a": clerk_a,
    }
    seed_outlets(**kwargs)
    seed_outlets(**kwargs)
    assert OutletProfile.objects.count() == 2 and Lease.objects.count() == 1
    assert Inspection.objects.get().state == Inspection.State.COMPLETED
    standards = set(Finding.objects.filter(outlet=tree.outlet_b).values_list("standard", flat=True))
    assert {"OUT-3-own-premises", "OUT-4-area", "OUT-5-lease"} <= standards
    assert all(answer for s, answer in registry_standards(outlet=tree.outlet_a) if s.required)
