"""The claims-assist admin (CLM-6): adjuster authorisations and annual evaluations are
read-only and scoped (OUT-1); grants and revocations go through the service."""

import pytest
from django.test import Client

from claims_assist.models import AdjusterAuthorisation
from core.models import Role
from tests.claims_assist.authority_support import assist_c, evaluate, grant
from tests.factories import UserFactory


def staff(user):
    user.is_staff = True
    user.save()
    return user


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def granted(tree, claims_assist_a, county_manager):
    far_manager = UserFactory(
        username="manager_c", org_unit=tree.other_county, role=Role.COUNTY_MANAGER
    )
    own = grant(by=county_manager, holder=claims_assist_a)
    far = grant(by=far_manager, holder=assist_c(tree))
    return own, far


def test_clm_6_admin_lists_are_scoped(county_manager, granted):
    own, far = granted
    client = login(staff(county_manager))
    listed = client.get("/admin/claims_assist/adjusterauthorisation/").context["cl"].queryset
    assert own in listed and far not in listed
    url = f"/admin/claims_assist/adjusterauthorisation/{far.pk}/change/"
    assert client.get(url).status_code in (302, 404)
    history = f"/admin/claims_assist/adjusterauthorisation/{far.pk}/history/"
    assert client.get(history).status_code == 404
    evaluations = client.get("/admin/claims_assist/annualevaluation/").context["cl"].queryset
    assert {e.staff_id for e in evaluations} == {own.holder_id}


def test_clm_6_admin_is_read_only(county_manager, claims_assist_a, granted):
    own, _ = granted
    client = login(staff(county_manager))
    assert (
        client.get(f"/admin/claims_assist/adjusterauthorisation/{own.pk}/change/").status_code
        == 200
    )
    response = client.post(
        f"/admin/claims_assist/adjusterauthorisation/{own.pk}/change/",
        {"case_limit": "9999", "state": "revoked"},
    )
    assert response.status_code == 403
    assert client.get("/admin/claims_assist/adjusterauthorisation/add/").status_code == 403
    assert client.get("/admin/claims_assist/annualevaluation/add/").status_code == 403
    own.refresh_from_db()
    assert own.state == AdjusterAuthorisation.State.ACTIVE
    assert (
        client.post(
            f"/admin/claims_assist/adjusterauthorisation/{own.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert AdjusterAuthorisation.objects.filter(pk=own.pk).exists()


def test_clm_6_admin_superuser_still_read_only(db, granted):
    own, far = granted
    admin = UserFactory(username="root", is_superuser=True, is_staff=True, role="", org_unit=None)
    client = login(admin)
    listed = client.get("/admin/claims_assist/adjusterauthorisation/").context["cl"].queryset
    assert {own, far} <= set(listed)
    assert client.get("/admin/claims_assist/adjusterauthorisation/add/").status_code == 403


def test_clm_6_admin_evaluation_history_scoped(tree, county_manager, claims_assist_a):
    evaluation = evaluate(by=county_manager, staff=claims_assist_a)
    far_manager = staff(
        UserFactory(username="manager_c2", org_unit=tree.other_county, role=Role.COUNTY_MANAGER)
    )
    url = f"/admin/claims_assist/annualevaluation/{evaluation.pk}/history/"
    assert login(staff(county_manager)).get(url).status_code == 200
    assert login(far_manager).get(url).status_code == 404
