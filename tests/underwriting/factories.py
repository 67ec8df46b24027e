"""Factories for underwriting records. IDs are generated valid (check digit computed)."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory
from stdnum.cn import ric, uscc

from underwriting.models import Customer, Policy, Product, ProductExclusion, SubsidyRate


def resident_id(n: int, *, region: str = "441823", birth: str = "19700101") -> str:
    """A valid 18-digit resident ID, different for each `n` (0..999)."""
    body = f"{region}{birth}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")  # it ignores the last character


def credit_code(n: int) -> str:
    """A valid unified social credit code, different for each `n`."""
    body = f"54441823MJ{n % 10**7:07d}"
    return body + uscc.calc_check_digit(body)


class CustomerFactory(DjangoModelFactory):
    class Meta:
        model = Customer

    kind = Customer.Kind.FARMER
    name = factory.Sequence(lambda n: f"农户{n}")
    id_number = factory.Sequence(lambda n: resident_id(n))
    phone = "13800138000"
    village_group = "东村一组"
    bank_account = "6217000000000000123"
    bank_name = "农村信用社"


class OrganisationFactory(CustomerFactory):
    kind = Customer.Kind.ORGANISATION
    organisation_type = Customer.OrganisationType.VILLAGE_COMMITTEE
    name = factory.Sequence(lambda n: f"东村{n}村民委员会")
    id_number = factory.Sequence(lambda n: credit_code(n))


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"CROP{n:03d}")
    name = "水稻种植保险"
    line = Product.Line.CROP
    policy_based = True
    rate = Decimal("0.06")
    sum_insured_per_unit = Decimal("1000.00")
    unit = "亩"
    liability = "暴雨、洪水、内涝、风灾、冰雹、冻灾、旱灾、病虫草鼠害造成的损失。"

    @factory.post_generation
    def exclusions(self, create, extracted, **kwargs):
        if create:
            texts = extracted or ["投保人及其家庭成员的故意行为", "行政行为或司法行为"]
            for i, text in enumerate(texts):
                ProductExclusion.objects.create(product=self, position=i, text=text)


class SubsidyRateFactory(DjangoModelFactory):
    class Meta:
        model = SubsidyRate

    product = factory.SubFactory(ProductFactory)
    year = factory.LazyFunction(lambda: timezone.localdate().year)
    central = Decimal("0.45")
    provincial = Decimal("0.25")
    city = Decimal("0.05")
    county = Decimal("0.05")


class PolicyFactory(DjangoModelFactory):
    """A quoted individual policy; pass status/number/issued_at for later states."""

    class Meta:
        model = Policy

    kind = Policy.Kind.INDIVIDUAL
    status = Policy.Status.QUOTED
    product = factory.SubFactory(ProductFactory)
    quantity = Decimal("10")
    unit = "亩"
    premium = Decimal("600.00")
    farmer_share = Decimal("600.00")
    application_date = factory.LazyFunction(timezone.localdate)
    starts_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=1))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=365))
