"""Shared personas: a small org tree with two outlets and one user per role."""

from dataclasses import dataclass

import pytest

from core.models import OrgUnit, Role, User
from tests.factories import OrgUnitFactory, UserFactory


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Each test starts with no public-page requests counted (config/settings/test.py)."""
    from django.core.cache import caches

    caches["ratelimit"].clear()


@dataclass
class Tree:
    province: OrgUnit
    city: OrgUnit
    county: OrgUnit
    outlet_a: OrgUnit
    outlet_b: OrgUnit
    other_county: OrgUnit
    outlet_c: OrgUnit


@pytest.fixture
def tree(db) -> Tree:
    province = OrgUnitFactory(kind=OrgUnit.Kind.PROVINCE, code="44", name="广东省分公司")
    city = OrgUnitFactory(
        kind=OrgUnit.Kind.CITY,
        code="4418",
        name="清远市分公司",
        parent=province,
        has_claims_centre=True,
    )
    county = OrgUnitFactory(
        kind=OrgUnit.Kind.COUNTY, code="441823", name="阳山县支公司", parent=city
    )
    other = OrgUnitFactory(
        kind=OrgUnit.Kind.COUNTY, code="441825", name="连山县支公司", parent=city
    )
    return Tree(
        province=province,
        city=city,
        county=county,
        outlet_a=OrgUnitFactory(code="44182301", name="阳城镇三农营销服务部", parent=county),
        outlet_b=OrgUnitFactory(code="44182302", name="七拱镇三农营销服务部", parent=county),
        other_county=other,
        outlet_c=OrgUnitFactory(code="44182501", name="吉田镇三农营销服务部", parent=other),
    )


def _user(unit, role, name):
    return UserFactory(username=name, org_unit=unit, role=role)


@pytest.fixture
def clerk_a(tree) -> User:
    return _user(tree.outlet_a, Role.CLERK, "clerk_a")


@pytest.fixture
def clerk_b(tree) -> User:
    return _user(tree.outlet_b, Role.CLERK, "clerk_b")


@pytest.fixture
def claims_assist_a(tree) -> User:
    return _user(tree.outlet_a, Role.CLAIMS_ASSIST, "assist_a")


@pytest.fixture
def outlet_head_a(tree) -> User:
    return _user(tree.outlet_a, Role.OUTLET_HEAD, "head_a")


@pytest.fixture
def county_manager(tree) -> User:
    return _user(tree.county, Role.COUNTY_MANAGER, "manager")


@pytest.fixture
def claims_centre(tree) -> User:
    return _user(tree.city, Role.CLAIMS_CENTRE, "centre")


@pytest.fixture
def auditor(tree) -> User:
    return _user(tree.county, Role.AUDITOR, "auditor")


@pytest.fixture
def api_client_user(tree) -> User:
    return _user(tree.county, Role.API_CLIENT, "erp")
