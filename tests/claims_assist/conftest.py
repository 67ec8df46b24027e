"""Claims-assist fixtures on top of tests/conftest.py (personas: clerk_a,
claims_assist_a, claims_centre, auditor, api_client_user…): `claims_book` holds the
products and issued policies that cases are reported on."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from tests.underwriting.factories import CustomerFactory, PolicyFactory, ProductFactory
from underwriting.models import Customer, Policy, Product


@pytest.fixture(autouse=True)
def _english_messages():
    """Calculators and checks are called here in English so that tests read their
    messages and working lines; pages still get the zh-hans default from the middleware,
    as users do."""
    with translation.override("en"):
        yield


@dataclass
class ClaimsBook:
    rice: Product
    elderly: Product
    motor: Product
    farmer_a: Customer
    farmer_b: Customer
    rice_a: Policy  # issued at outlet A, insured farmer_a, in force
    elderly_a: Policy  # issued at outlet A, insured farmer_a, in force
    rice_b: Policy  # issued at outlet B, insured farmer_b, in force


def _issued(*, number, product, insured, outlet, clerk, sum_insured) -> Policy:
    today = timezone.localdate()
    return PolicyFactory(
        number=number,
        status=Policy.Status.ISSUED,
        product=product,
        applicant=insured,
        insured=insured,
        org_unit=outlet,
        entered_by=clerk,
        sum_insured=sum_insured,
        application_date=today - dt.timedelta(days=60),
        starts_on=today - dt.timedelta(days=59),
        ends_on=today + dt.timedelta(days=305),
        issued_at=timezone.now() - dt.timedelta(days=60),
        explained_at=timezone.now() - dt.timedelta(days=60),
        explained_by=clerk,
    )


@pytest.fixture
def claims_book(tree, clerk_a, clerk_b) -> ClaimsBook:
    rice = ProductFactory(
        code="RICE",
        name="水稻种植保险",
        exclusions=["投保人及其家庭成员的故意行为", "行政行为或司法行为", "未达到起赔点的损失"],
    )
    elderly = ProductFactory(
        code="ELDERLY",
        name="农村老年人意外伤害保险",
        line=Product.Line.ACCIDENT,
        policy_based=False,
        rate=Decimal("0.010000"),
        sum_insured_per_unit=Decimal("3000.00"),
        unit="人",
        exclusions=["被保险人故意自伤、自杀", "酒后驾驶、无证驾驶", "战争、军事冲突"],
    )
    motor = ProductFactory(
        code="MOTOR",
        name="机动车商业保险",
        line=Product.Line.MOTOR,
        policy_based=False,
        rate=Decimal("0.010000"),
        sum_insured_per_unit=Decimal("200000.00"),
        unit="辆",
    )
    farmer_a = CustomerFactory(
        org_unit=tree.outlet_a, created_by=clerk_a, name="张三", id_number="11010519491231002X"
    )
    farmer_b = CustomerFactory(org_unit=tree.outlet_b, created_by=clerk_b, name="李四")
    return ClaimsBook(
        rice=rice,
        elderly=elderly,
        motor=motor,
        farmer_a=farmer_a,
        farmer_b=farmer_b,
        rice_a=_issued(
            number="PZAA202644182301000001",
            product=rice,
            insured=farmer_a,
            outlet=tree.outlet_a,
            clerk=clerk_a,
            sum_insured=Decimal("10000.00"),
        ),
        elderly_a=_issued(
            number="PEAA202644182301000002",
            product=elderly,
            insured=farmer_a,
            outlet=tree.outlet_a,
            clerk=clerk_a,
            sum_insured=Decimal("3000.00"),
        ),
        rice_b=_issued(
            number="PZAA202644182302000003",
            product=rice,
            insured=farmer_b,
            outlet=tree.outlet_b,
            clerk=clerk_b,
            sum_insured=Decimal("10000.00"),
        ),
    )
