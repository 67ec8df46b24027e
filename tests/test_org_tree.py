"""OUT-1: the organisation tree, roles and the one scoping mechanism."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from core.access import NotInScope, ReadOnlyRole, check_can_write, get_in_scope, in_scope
from core.models import OrgUnit, Role, User
from tests.factories import OrgUnitFactory, UserFactory


def test_out_1_tree_levels_are_enforced(tree):
    outlet_under_city = OrgUnit(kind=OrgUnit.Kind.OUTLET, code="X1", name="x", parent=tree.city)
    with pytest.raises(ValidationError):
        outlet_under_city.full_clean()
    with pytest.raises(IntegrityError):
        OrgUnit.objects.create(kind=OrgUnit.Kind.COUNTY, code="X2", name="orphan")


def test_out_1_moving_a_unit_moves_its_subtree(tree):
    tree.county.parent = OrgUnitFactory(
        kind=OrgUnit.Kind.CITY, code="4419", name="另一市分公司", parent=tree.province
    )
    tree.county.save()
    tree.outlet_a.refresh_from_db()
    assert tree.outlet_a.path.startswith(tree.county.parent.path)
    assert tree.outlet_a.county == tree.county


def test_out_1_roles_sit_at_their_level(tree):
    clerk_at_county = User(username="x", role=Role.CLERK, org_unit=tree.county)
    with pytest.raises(ValidationError):
        clerk_at_county.full_clean()
    manager = User(username="y", role=Role.COUNTY_MANAGER, org_unit=tree.county)
    manager.set_unusable_password()
    manager.full_clean()


def test_out_1_scope_is_own_node_and_below(tree, clerk_a, county_manager, claims_centre):
    assert set(in_scope(OrgUnit.objects.all(), clerk_a)) == {tree.outlet_a}
    assert set(in_scope(OrgUnit.objects.all(), county_manager)) == {
        tree.county,
        tree.outlet_a,
        tree.outlet_b,
    }
    assert tree.outlet_c in in_scope(OrgUnit.objects.all(), claims_centre)


def test_out_1_it_validates_ownership(tree, clerk_a, auditor):
    with pytest.raises(NotInScope):
        get_in_scope(OrgUnit, clerk_a, pk=tree.outlet_b.pk)
    with pytest.raises(NotInScope):
        get_in_scope(OrgUnit, clerk_a, pk="not-a-number")
    with pytest.raises(NotInScope):
        check_can_write(clerk_a, tree.outlet_b)
    with pytest.raises(ReadOnlyRole):
        check_can_write(auditor, tree.outlet_a)
    check_can_write(clerk_a, tree.outlet_a)


def test_out_1_inactive_or_unplaced_users_see_nothing(tree, clerk_a):
    clerk_a.is_active = False
    assert not in_scope(OrgUnit.objects.all(), clerk_a).exists()
    superuser = UserFactory(is_superuser=True, role="", org_unit=None)
    assert in_scope(OrgUnit.objects.all(), superuser).count() == OrgUnit.objects.count()
