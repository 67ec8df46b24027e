"""UW-4: the premium split is exact to the cent and no rounding difference is lost."""

import random
from decimal import Decimal

import pytest
from django.db import IntegrityError

from underwriting.models import Policy
from underwriting.premiums import RowAllocator, premium_for, split_premium, to_cent

RATES = {
    "central": Decimal("0.45"),
    "provincial": Decimal("0.25"),
    "city": Decimal("0.05"),
    "county": Decimal("0.05"),
}


def test_uw_4_premium_is_rounded_half_up_to_the_cent():
    premium = premium_for(
        quantity=Decimal("12.5"), sum_insured_per_unit=Decimal("1000.00"), rate=Decimal("0.0333")
    )
    assert premium == Decimal("416.25")
    assert to_cent(Decimal("0.005")) == Decimal("0.01")


def test_uw_4_policy_split_adds_up_with_the_farmer_taking_the_remainder():
    split = split_premium(premium=Decimal("100.01"), rates=RATES)
    assert split.central == Decimal("45.00")  # 45.0045
    assert split.provincial == Decimal("25.00")  # 25.0025
    assert split.city == split.county == Decimal("5.00")  # 5.0005
    assert split.farmer_share == Decimal("20.01")
    assert split.farmer_share + split.subsidy_total == split.premium


def test_uw_4_split_without_subsidies_is_all_the_farmers():
    split = split_premium(premium=Decimal("88.88"), rates={})
    assert split.farmer_share == Decimal("88.88")
    assert split.subsidy_total == Decimal("0.00")


def test_uw_4_rows_add_up_to_the_policy_totals_to_the_cent():
    """Given rows whose exact subsidies all end in a fraction of a cent, when they are
    allocated in list order, then every level sums to the policy's amount exactly and
    each row stays within one cent of its exact share."""
    allocator = RowAllocator(rates=RATES)
    premiums = [Decimal("0.33")] * 7 + [Decimal("19.99"), Decimal("0.01"), Decimal("1234.57")]
    rows = [allocator.allocate(p) for p in premiums]
    total = allocator.total()

    assert total.premium == sum(premiums)
    for field in ("farmer_share", "central", "provincial", "city", "county"):
        assert sum(getattr(r, field) for r in rows) == getattr(total, field), field
    for row in rows:
        assert row.farmer_share + row.subsidy_total == row.premium
        for level, rate in RATES.items():
            assert abs(getattr(row, level) - row.premium * rate) < Decimal("0.01")


def test_uw_4_allocation_is_exact_for_many_random_rows():
    rng = random.Random(2026)
    allocator = RowAllocator(rates=RATES)
    sums = dict.fromkeys(("premium", "farmer_share", *RATES), Decimal(0))
    for _ in range(5_000):
        split = allocator.allocate(Decimal(rng.randint(1, 500_000)) / 100)
        for key in sums:
            sums[key] += getattr(split, key)
    total = allocator.total().as_dict()
    assert sums == total


@pytest.mark.django_db
def test_uw_4_database_refuses_a_split_that_does_not_add_up(book, tree, clerk_a):
    with pytest.raises(IntegrityError):
        Policy.objects.create(
            kind=Policy.Kind.INDIVIDUAL,
            status=Policy.Status.QUOTED,
            org_unit=tree.outlet_a,
            product=book.rice,
            insured=book.farmer_a,
            application_date="2026-11-01",
            premium=Decimal("100.00"),
            farmer_share=Decimal("20.00"),
            central=Decimal("45.00"),
            provincial=Decimal("25.00"),
            city=Decimal("5.00"),
            county=Decimal("4.99"),
            entered_by=clerk_a,
        )
