"""Underwriting personas on top of tests/conftest.py: a rice product subsidised 80% in
the county, a farmer and a village committee registered at outlet A, and one at B."""

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import translation

from tests.underwriting.factories import (
    CustomerFactory,
    OrganisationFactory,
    ProductFactory,
    SubsidyRateFactory,
)
from underwriting.models import Customer, Product


@dataclass
class Book:
    rice: Product
    motor: Product
    farmer_a: Customer
    committee_a: Customer
    farmer_b: Customer


@pytest.fixture(autouse=True)
def _english_messages():
    """Services are called here in English so that tests read their messages; pages
    still get the zh-hans default from the middleware, as users do."""
    with translation.override("en"):
        yield


@pytest.fixture
def book(tree, clerk_a, clerk_b) -> Book:
    rice = ProductFactory(code="RICE", name="水稻种植保险")
    SubsidyRateFactory(product=rice, region=tree.county)
    motor = ProductFactory(
        code="MOTOR",
        name="机动车交通事故责任强制保险",
        line=Product.Line.MOTOR,
        policy_based=False,
        rate=Decimal("0.010000"),
        sum_insured_per_unit=Decimal("200000.00"),
        unit="辆",
    )
    return Book(
        rice=rice,
        motor=motor,
        farmer_a=CustomerFactory(
            org_unit=tree.outlet_a, created_by=clerk_a, name="张三", id_number="11010519491231002X"
        ),
        committee_a=OrganisationFactory(
            org_unit=tree.outlet_a, created_by=clerk_a, name="东村村民委员会"
        ),
        farmer_b=CustomerFactory(org_unit=tree.outlet_b, created_by=clerk_b, name="李四"),
    )
