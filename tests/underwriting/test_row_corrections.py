"""Corrections of single household rows (underwriting.services.rows), as PUB-5 objections
make them: audited with who and why (UW-6), the premium split of the whole list
re-allocated in row order and the totals kept to the cent (UW-4), the row's UW-5 flags
evaluated again; the last household is never removed; scope and roles (OUT-1)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone

from core.access import NotInScope, ReadOnlyRole
from core.audit import history_of
from tests.underwriting.group_support import listed_policy, rows_of
from underwriting.imports.validation import EPIDEMIC_ZONE, LARGE_QUANTITY, OVER_CAPACITY
from underwriting.models import HouseholdList, HouseholdRow, Policy, Village, VillageCapacity
from underwriting.premiums import RowAllocator, premium_for
from underwriting.selectors import subsidy_rates_for
from underwriting.services.rows import household_row_correct, household_row_remove

SPLIT = ("premium", "farmer_share", "central", "provincial", "city", "county")


def split_of(record) -> tuple:
    return tuple(getattr(record, field) for field in SPLIT)


def expected_splits(policy: Policy) -> list[tuple]:
    """UW-4 rule 3 computed afresh: each row priced and allocated in row order."""
    product = policy.product
    allocator = RowAllocator(
        rates=subsidy_rates_for(
            product=product, org_unit=policy.org_unit, year=policy.application_date.year
        )
    )
    return [
        split_of(
            allocator.allocate(
                premium_for(
                    quantity=row.quantity,
                    sum_insured_per_unit=product.sum_insured_per_unit,
                    rate=product.rate,
                )
            )
        )
        for row in rows_of(policy)
    ]


def assert_adds_up(policy: Policy) -> None:
    """UW-4: the rows are allocated as the rule says and add up to the list and the
    policy to the cent."""
    policy.refresh_from_db()
    rows = rows_of(policy)
    assert [split_of(row) for row in rows] == expected_splits(policy)
    household_list = policy.lists.get(state=HouseholdList.State.ACCEPTED)
    sums = HouseholdRow.objects.filter(household_list=household_list).aggregate(
        quantity=Sum("quantity"), **{field: Sum(field) for field in SPLIT}
    )
    assert tuple(sums[field] for field in SPLIT) == split_of(policy)
    assert policy.split_adds_up()
    assert policy.quantity == sums["quantity"] == household_list.quantity
    assert household_list.premium == policy.premium
    assert household_list.household_count == len(rows)
    assert policy.sum_insured == (policy.quantity * policy.product.sum_insured_per_unit).quantize(
        Decimal("0.01")
    )


def test_pub_5_uw_6_name_correction_is_audited_with_who_and_why(book, clerk_a):
    policy = listed_policy(book, clerk_a)
    first = rows_of(policy)[0]
    result = household_row_correct(
        clerk=clerk_a, row=first, changes={"name": " 王大明 "}, reason="村委会核实：姓名错录"
    )
    assert result.changes == {"name": ["农户0号", "王大明"]}
    first.refresh_from_db()
    assert first.name == "王大明"
    entry = history_of(first)[0]
    assert entry.user == clerk_a
    assert entry.reason == "村委会核实：姓名错录"
    assert first.history.get().name == "王大明"
    policy.refresh_from_db()
    # UW-2: the applicant is "{first name}等N户".
    assert policy.applicant_label == "王大明等3户"
    assert policy.history.first().history_change_reason == "村委会核实：姓名错录"


def test_pub_5_subject_and_village_group_are_corrected(book, clerk_a):
    policy = listed_policy(book, clerk_a)
    row = rows_of(policy)[1]
    result = household_row_correct(
        clerk=clerk_a,
        row=row,
        changes={"subject_type": "杂交水稻", "village_group": "东村二组"},
        reason="核实",
    )
    assert result.changes == {
        "subject_type": ["水稻", "杂交水稻"],
        "village_group": ["东村一组", "东村二组"],
    }
    policy.refresh_from_db()
    assert set(policy.subject.split("、")) == {"杂交水稻", "水稻"}
    assert_adds_up(policy)


def test_uw_4_quantity_correction_reprices_the_row_and_totals(book, clerk_a):
    policy = listed_policy(book, clerk_a)
    row = rows_of(policy)[1]
    result = household_row_correct(
        clerk=clerk_a, row=row, changes={"quantity": "12.5"}, reason="实测12.5亩"
    )
    assert result.changes == {"quantity": ["10", "12.5"]}
    row.refresh_from_db()
    assert row.quantity == Decimal("12.5")
    assert split_of(row) == (
        Decimal("750.00"),
        Decimal("150.00"),
        Decimal("337.50"),
        Decimal("187.50"),
        Decimal("37.50"),
        Decimal("37.50"),
    )
    policy.refresh_from_db()
    assert policy.quantity == Decimal("32.5")
    assert policy.premium == Decimal("1950.00")
    assert_adds_up(policy)
    assert history_of(row)[0].reason == "实测12.5亩"


def test_uw_4_quantity_correction_reallocates_the_whole_list_in_row_order(book, clerk_a):
    """Cumulative rounding: changing the first row moves a cent of a later row's
    subsidy; that row is saved too, with the same reason."""
    policy = listed_policy(book, clerk_a)
    first, _second, third = rows_of(policy)
    household_row_correct(clerk=clerk_a, row=third, changes={"quantity": "10.0001"}, reason="核实")
    third.refresh_from_db()
    assert third.central == Decimal("270.00")
    result = household_row_correct(
        clerk=clerk_a, row=first, changes={"quantity": "10.0001"}, reason="核实二"
    )
    assert result.rows_reallocated == 1
    third.refresh_from_db()
    assert third.central == Decimal("270.01")
    assert third.split_adds_up()
    assert history_of(third)[0].reason == "核实二"
    assert_adds_up(policy)


def test_uw_4_rows_remain_within_a_cent_of_their_exact_share(book, clerk_a):
    policy = listed_policy(book, clerk_a, households=5)
    rates = subsidy_rates_for(
        product=book.rice, org_unit=policy.org_unit, year=policy.application_date.year
    )
    for row, quantity in zip(
        rows_of(policy), ["3.3333", "7.1", "0.0007", "11.1111", "2.5"], strict=True
    ):
        household_row_correct(clerk=clerk_a, row=row, changes={"quantity": quantity}, reason="x")
    for row in rows_of(policy):
        for level, rate in rates.items():
            assert abs(getattr(row, level) - row.premium * rate) < Decimal("0.01")
    assert_adds_up(policy)


def test_uw_5_large_quantity_flag_is_evaluated_again(book, clerk_a):
    book.rice.flag_quantity_over = Decimal("50")
    book.rice.save()
    policy = listed_policy(book, clerk_a)
    row = rows_of(policy)[0]
    household_row_correct(clerk=clerk_a, row=row, changes={"quantity": "60"}, reason="核实")
    row.refresh_from_db()
    assert LARGE_QUANTITY in row.flags
    household_row_correct(clerk=clerk_a, row=row, changes={"quantity": "20"}, reason="再核实")
    row.refresh_from_db()
    assert LARGE_QUANTITY not in row.flags


def test_uw_5_epidemic_zone_and_capacity_flags_follow_the_correction(book, clerk_a, tree):
    Village.objects.create(org_unit=tree.outlet_a, name="西村", epidemic_zone=True)
    dongcun = Village.objects.create(org_unit=tree.outlet_a, name="东村")
    VillageCapacity.objects.create(village=dongcun, unit="亩", quantity=Decimal("25"))
    policy = listed_policy(book, clerk_a)
    first, second, _third = rows_of(policy)
    household_row_correct(
        clerk=clerk_a, row=first, changes={"village_group": "西村二组"}, reason="核实"
    )
    first.refresh_from_db()
    assert first.flags == [EPIDEMIC_ZONE]
    # 东村 now holds two rows of 10 亩; 20 + 10 > 25.
    household_row_correct(clerk=clerk_a, row=second, changes={"quantity": "20"}, reason="核实")
    second.refresh_from_db()
    assert OVER_CAPACITY in second.flags
    household_row_correct(clerk=clerk_a, row=second, changes={"quantity": "10"}, reason="核实")
    second.refresh_from_db()
    assert OVER_CAPACITY not in second.flags


def test_uw_6_correction_refusals_are_listed_together_and_nothing_is_saved(book, clerk_a):
    policy = listed_policy(book, clerk_a)
    row = rows_of(policy)[0]
    with pytest.raises(ValidationError) as exc:
        household_row_correct(
            clerk=clerk_a,
            row=row,
            changes={"quantity": "0", "name": "  ", "id_number": "x"},
            reason=" ",
        )
    errors = exc.value.message_dict
    assert {"reason", "quantity", "name", "__all__"} <= set(errors)
    assert "id_number" in " ".join(errors["__all__"])
    row.refresh_from_db()
    assert row.name == "农户0号" and row.quantity == Decimal("10")
    assert not row.history.exists()


def test_uw_6_unchanged_values_change_nothing(book, clerk_a):
    policy = listed_policy(book, clerk_a)
    row = rows_of(policy)[0]
    result = household_row_correct(
        clerk=clerk_a, row=row, changes={"quantity": "10.0000", "name": "农户0号"}, reason="x"
    )
    assert result.changes == {}
    assert not row.history.exists()


def test_uw_4_pub_5_removal_is_audited_and_totals_follow(book, clerk_a):
    policy = listed_policy(book, clerk_a)
    first, second, third = rows_of(policy)
    household_row_correct(clerk=clerk_a, row=third, changes={"quantity": "10.0001"}, reason="a")
    household_row_correct(clerk=clerk_a, row=first, changes={"quantity": "10.0001"}, reason="b")
    result = household_row_remove(clerk=clerk_a, row=first, reason="本户未投保")
    assert result.row.name == "农户0号"
    assert not HouseholdRow.objects.filter(pk=first.pk).exists()
    deleted = HouseholdRow.history.filter(id=first.pk, history_type="-").get()
    assert deleted.history_user == clerk_a
    assert deleted.history_change_reason == "本户未投保"
    # Without the first row the third row's cent goes back.
    third.refresh_from_db()
    assert third.central == Decimal("270.00")
    assert result.rows_reallocated == 1
    policy.refresh_from_db()
    assert policy.applicant_label == "农户1号等2户"
    assert policy.quantity == Decimal("20.0001")
    assert_adds_up(policy)
    assert second.pk in {row.pk for row in rows_of(policy)}


def test_pub_5_the_last_household_is_never_removed(book, clerk_a):
    policy = listed_policy(book, clerk_a, households=1)
    (row,) = rows_of(policy)
    with pytest.raises(ValidationError) as exc:
        household_row_remove(clerk=clerk_a, row=row, reason="未投保")
    assert "only household" in " ".join(exc.value.messages)
    assert HouseholdRow.objects.filter(pk=row.pk).exists()


def test_uw_6_removal_needs_a_reason(book, clerk_a):
    policy = listed_policy(book, clerk_a)
    row = rows_of(policy)[0]
    with pytest.raises(ValidationError):
        household_row_remove(clerk=clerk_a, row=row, reason="")
    assert HouseholdRow.objects.filter(pk=row.pk).exists()


def test_uw_12_an_issued_policy_is_not_corrected_here(book, clerk_a):
    policy = listed_policy(book, clerk_a)
    Policy.objects.filter(pk=policy.pk).update(
        status=Policy.Status.ISSUED, number="G4418230120260001", issued_at=timezone.now()
    )
    row = rows_of(policy)[0]
    with pytest.raises(ValidationError) as exc:
        household_row_correct(clerk=clerk_a, row=row, changes={"name": "王五"}, reason="x")
    assert exc.value.code == "list_not_editable"
    with pytest.raises(ValidationError):
        household_row_remove(clerk=clerk_a, row=row, reason="x")
    row.refresh_from_db()
    assert row.name == "农户0号"


def test_pub_1_a_row_of_a_replaced_list_is_not_corrected(book, clerk_a):
    policy = listed_policy(book, clerk_a)
    old = rows_of(policy)[0]
    HouseholdList.objects.filter(pk=old.household_list_id).update(
        state=HouseholdList.State.SUPERSEDED
    )
    new_list = HouseholdList.objects.create(
        policy=policy,
        state=HouseholdList.State.ACCEPTED,
        source_name="新清单.xlsx",
        uploaded_by=clerk_a,
        finished_at=timezone.now() - dt.timedelta(hours=1),
    )
    assert new_list.pk != old.household_list_id
    with pytest.raises(ValidationError) as exc:
        household_row_correct(clerk=clerk_a, row=old, changes={"name": "王五"}, reason="x")
    assert exc.value.code == "row_not_current"


def test_it_validates_ownership(book, clerk_a, clerk_b, auditor):
    """OUT-1: another outlet's clerk does not find the row; an auditor may not write."""
    policy = listed_policy(book, clerk_a)
    row = rows_of(policy)[0]
    with pytest.raises(NotInScope):
        household_row_correct(clerk=clerk_b, row=row, changes={"name": "王五"}, reason="x")
    with pytest.raises(NotInScope):
        household_row_remove(clerk=clerk_b, row=row, reason="x")
    with pytest.raises(ReadOnlyRole):
        household_row_correct(clerk=auditor, row=row, changes={"name": "王五"}, reason="x")
    with pytest.raises(ReadOnlyRole):
        household_row_remove(clerk=auditor, row=row, reason="x")
    row.refresh_from_db()
    assert row.name == "农户0号"
