"""Outlet personas on top of tests/conftest.py: outlet A's registry record, as the
standardisation guide wants it, and outlet B's, which falls short of it."""

from decimal import Decimal

import pytest
from django.utils import translation

from outlets.models import OutletProfile


@pytest.fixture(autouse=True)
def _english_messages():
    """Services are called here in English so that tests read their messages; pages
    still get the zh-hans default from the middleware, as users do."""
    with translation.override("en"):
        yield


@pytest.fixture
def profile_a(tree, outlet_head_a) -> OutletProfile:
    """阳城镇 outlet of 阳山县: a ground-floor storefront on the main street, 45 m²."""
    return OutletProfile.objects.create(
        outlet=tree.outlet_a,
        county_label="阳山县",
        township="阳城镇",
        address="阳山县阳城镇建设路18号",
        phone="0763-7712345",
        ground_floor_storefront=True,
        on_main_street=True,
        frontage_unobstructed=True,
        surroundings_safe=True,
        building_inspected=True,
        usable_area=Decimal("45.00"),
        head_name="陈建国",
        head_type=OutletProfile.HeadType.EMPLOYEE,
        head_user=outlet_head_a,
    )


@pytest.fixture
def profile_b(tree) -> OutletProfile:
    """七拱镇 outlet: inside a village committee's premises, 24 m², entrusted head."""
    return OutletProfile.objects.create(
        outlet=tree.outlet_b,
        county_label="阳山县",
        township="七拱镇",
        address="阳山县七拱镇七拱村委会一楼",
        inside_partner_premises=True,
        usable_area=Decimal("24.00"),
        head_name="黄志强",
        head_type=OutletProfile.HeadType.ENTRUSTED,
    )
