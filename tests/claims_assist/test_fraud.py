"""CLM-16 through the services: the intake flags (watch list by ID or by name, repeat
claimant, high loss ratio) and keeping the watch list (managers only, per county)."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from claims_assist.models import ClaimsSettings, WatchListEntry
from claims_assist.services.fraud import fraud_flags_for, watch_list_add, watch_list_remove
from core.access import NotInScope, ReadOnlyRole
from tests.claims_assist.authority_support import manager_c
from tests.claims_assist.factories import ClaimCaseFactory

ID_A = "11010519491231002X"


def _codes(flags) -> list[str]:
    return [flag["code"] for flag in flags]


def _flags(tree, **values):
    values.setdefault("insured_id_number", ID_A)
    values.setdefault("insured_name", "张三")
    return fraud_flags_for(county=tree.county, **values)


@pytest.fixture
def listed(tree, county_manager, claims_book) -> WatchListEntry:
    return watch_list_add(
        by=county_manager, county=tree.county, name="张三", id_number=ID_A, reason="2025年虚构事故"
    )


# Flags ------------------------------------------------------------------------------------
def test_clm_16_nothing_flagged(tree, claims_book):
    assert _flags(tree) == []


def test_clm_16_watch_list_hit_by_id(tree, listed):
    flags = _flags(tree, insured_id_number="11010519491231002x")  # as typed: lower-case x
    assert _codes(flags) == ["watch_list"]
    assert "ID number matches" in flags[0]["detail"] and "CLM-16" in flags[0]["detail"]
    json.dumps(flags)
    assert _flags(tree, insured_id_number="440102199001011234", insured_name="张三") == []


def test_clm_16_watch_list_hit_by_name_says_so(tree, listed):
    flags = _flags(tree, insured_id_number="")
    assert _codes(flags) == ["watch_list"]
    assert "name matches" in flags[0]["detail"]


def test_clm_16_watch_list_is_per_county_and_removal_ends_it(tree, listed, county_manager):
    assert (
        fraud_flags_for(county=tree.other_county, insured_id_number=ID_A, insured_name="张三") == []
    )
    watch_list_remove(by=county_manager, entry_pk=listed.pk, reason="复核后撤销")
    assert _flags(tree) == []


def test_clm_16_repeat_claimant(tree, clerk_a, claims_book):
    now = timezone.now()
    cases = [
        ClaimCaseFactory(
            policy=claims_book.rice_a,
            org_unit=tree.outlet_a,
            created_by=clerk_a,
            reported_at=now - dt.timedelta(days=days),
        )
        for days in (10, 100, 200)
    ]
    # Outside the window and in the other county: not counted.
    ClaimCaseFactory(
        policy=claims_book.rice_a,
        org_unit=tree.outlet_a,
        created_by=clerk_a,
        reported_at=now - dt.timedelta(days=400),
    )
    ClaimCaseFactory(
        policy=claims_book.rice_a,
        org_unit=tree.outlet_c,
        created_by=clerk_a,
        reported_at=now - dt.timedelta(days=5),
    )
    flags = _flags(tree)
    assert _codes(flags) == ["repeat_claimant"]
    assert flags[0]["detail"].startswith("3 other cases")
    # The case being reported is not one of the "other" cases.
    assert _flags(tree, exclude_case=cases[0]) == []
    ClaimsSettings.objects.create(county=tree.county, repeat_claims=2, repeat_window_days=150)
    flags = _flags(tree)
    assert _codes(flags) == ["repeat_claimant"] and flags[0]["detail"].startswith("2 other cases")


def test_clm_16_repeat_claimant_without_id_by_name_and_policy(tree, clerk_a, claims_book):
    for _ in range(3):
        ClaimCaseFactory(
            policy=claims_book.rice_a,
            org_unit=tree.outlet_a,
            created_by=clerk_a,
            insured_id_number="",
        )
    flags = _flags(tree, insured_id_number="", policy_number=claims_book.rice_a.number)
    assert _codes(flags) == ["repeat_claimant"]
    assert "by name" in flags[0]["detail"]
    assert _flags(tree, insured_id_number="", policy_number="OTHER") == []


def test_clm_16_high_loss_ratio(tree, clerk_a, claims_book):
    # 张三's issued premium: rice 600 + elderly 600 = 1,200 yuan.
    ClaimCaseFactory(
        policy=claims_book.rice_a,
        org_unit=tree.outlet_a,
        created_by=clerk_a,
        paid_amount=Decimal("1000.00"),
    )
    assert _flags(tree) == []  # 83.3%
    ClaimCaseFactory(
        policy=claims_book.elderly_a,
        org_unit=tree.outlet_a,
        created_by=clerk_a,
        paid_amount=Decimal("500.00"),
    )
    flags = _flags(tree)
    assert _codes(flags) == ["high_loss_ratio"]
    assert "1500.00" in flags[0]["detail"] and "125.0%" in flags[0]["detail"]
    ClaimsSettings.objects.create(county=tree.county, high_loss_ratio=Decimal("1.500"))
    assert _flags(tree) == []
    # Without an ID number the premium cannot be found: no loss-ratio flag.
    assert "high_loss_ratio" not in _codes(_flags(tree, insured_id_number=""))


# The watch list ---------------------------------------------------------------------------
def test_clm_16_watch_list_add_once_per_person(tree, county_manager, claims_centre, listed):
    again = watch_list_add(
        by=claims_centre, county=tree.county, name="张三", id_number=ID_A, reason="再次"
    )
    assert again.pk == listed.pk and again.reason == "2025年虚构事故"
    other = watch_list_add(
        by=claims_centre, county=tree.other_county, name="张三", id_number=ID_A, reason="同一人"
    )
    assert other.pk != listed.pk and other.county == tree.other_county


def test_clm_16_watch_list_add_validates(tree, county_manager, clerk_a, claims_book):
    with pytest.raises(ValidationError) as error:
        watch_list_add(by=county_manager, county=tree.county, name="", id_number="123", reason="")
    assert set(error.value.error_dict) == {"name", "id_number", "reason"}
    with pytest.raises(ValidationError) as error:
        watch_list_add(
            by=county_manager, county=tree.outlet_a, name="张三", id_number=ID_A, reason="x"
        )
    assert "county" in error.value.error_dict
    foreign = ClaimCaseFactory(
        policy=claims_book.rice_b, org_unit=tree.outlet_c, created_by=clerk_a
    )
    with pytest.raises(ValidationError) as error:
        watch_list_add(
            by=county_manager,
            county=tree.county,
            name="张三",
            id_number=ID_A,
            reason="x",
            case=foreign,
        )
    assert "case" in error.value.error_dict


def test_clm_16_only_managers_keep_the_watch_list(tree, clerk_a, auditor, county_manager, listed):
    other_manager = manager_c(tree)
    values = {"county": tree.county, "name": "李四", "id_number": ID_A, "reason": "x"}
    with pytest.raises(PermissionDenied):
        watch_list_add(by=clerk_a, **values)
    with pytest.raises(ReadOnlyRole):
        watch_list_add(by=auditor, **values)
    with pytest.raises(NotInScope):
        watch_list_add(by=other_manager, **values)
    with pytest.raises(NotInScope):
        watch_list_remove(by=other_manager, entry_pk=listed.pk, reason="x")
    with pytest.raises(PermissionDenied):
        watch_list_remove(by=clerk_a, entry_pk=listed.pk, reason="x")
    with pytest.raises(ValidationError):
        watch_list_remove(by=county_manager, entry_pk=listed.pk, reason=" ")
    removed = watch_list_remove(by=county_manager, entry_pk=listed.pk, reason="复核后撤销")
    assert removed.removed_at and removed.removed_by == county_manager
    with pytest.raises(ValidationError) as error:
        watch_list_remove(by=county_manager, entry_pk=listed.pk, reason="again")
    assert error.value.code == "already_removed"
