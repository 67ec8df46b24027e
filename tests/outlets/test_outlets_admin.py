"""The outlets admin: settings and staffing bands with a county override (OUT-4, OUT-5,
OUT-10, OUT-15; only a superuser changes the default rows), registry and findings
read-only and scoped (OUT-1), phones masked (REG-3)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from core.models import Role
from outlets.models import Consultation, OutletSettings, StaffingBand
from outlets.services import inspections as inspection_service
from tests.factories import UserFactory
from tests.outlets.registry_support import staff


@pytest.fixture
def client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def manager(county_manager):
    return staff(county_manager)


@pytest.fixture
def far_manager(tree):
    return UserFactory(
        username="manager_c", org_unit=tree.other_county, role=Role.COUNTY_MANAGER, is_staff=True
    )


def test_out_10_default_band_only_by_superuser_county_override_by_manager(client, manager, tree):
    default = StaffingBand.objects.filter(county__isnull=True).order_by("premium_from").first()
    assert default is not None  # the lead's data migration
    client.force_login(manager)
    url = f"/admin/outlets/staffingband/{default.pk}/change/"
    response = client.post(url, {"premium_from": "0", "minimum_staff": "9"})
    assert response.status_code == 403
    response = client.post(
        "/admin/outlets/staffingband/add/",
        {"county": tree.county.pk, "premium_from": "0", "minimum_staff": "2"},
    )
    assert response.status_code == 302
    assert StaffingBand.objects.get(county=tree.county).minimum_staff == 2
    # Without a county the manager's row is refused (the county is required).
    response = client.post(
        "/admin/outlets/staffingband/add/", {"premium_from": "1", "minimum_staff": "2"}
    )
    assert (
        response.status_code == 200
        and not StaffingBand.objects.filter(county__isnull=True, premium_from=1).exists()
    )


def test_out_4_settings_override_is_scoped(client, manager, far_manager, tree):
    own = OutletSettings.objects.create(county=tree.county, min_area=Decimal("25"))
    far = OutletSettings.objects.create(county=tree.other_county, min_area=Decimal("28"))
    client.force_login(manager)
    listed = client.get("/admin/outlets/outletsettings/").context["cl"].queryset
    assert own in listed and far not in listed
    assert client.get(f"/admin/outlets/outletsettings/{far.pk}/change/").status_code in (302, 404)
    response = client.post(
        f"/admin/outlets/outletsettings/{own.pk}/change/",
        {
            "county": tree.county.pk,
            "min_area": "28",
            "min_lease_years": "3",
            "satisfaction_target": "0.850",
        },
    )
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.min_area == Decimal("28") and own.satisfaction_target == Decimal("0.850")


def test_out_16_findings_read_only_and_scoped(
    client, manager, far_manager, profile_a, outlet_head_a
):
    finding = inspection_service.finding_record(
        by=manager,
        outlet=profile_a.outlet,
        standard="OUT-7-pens",
        description="无签字笔",
        corrective_action="配备",
        owner=outlet_head_a,
        due_on=timezone.localdate() + dt.timedelta(days=3),
    )
    client.force_login(manager)
    assert client.get(f"/admin/outlets/finding/{finding.pk}/change/").status_code == 200
    response = client.post(f"/admin/outlets/finding/{finding.pk}/change/", {"standard": "x"})
    assert response.status_code == 403
    assert client.get(f"/admin/outlets/outletprofile/{profile_a.pk}/change/").status_code == 200
    client.force_login(far_manager)
    assert client.get("/admin/outlets/finding/").context["cl"].result_count == 0
    assert client.get(f"/admin/outlets/finding/{finding.pk}/history/").status_code == 404


def test_out_14_consultation_phone_masked_in_admin(client, manager, tree, clerk_a):
    Consultation.objects.create(
        outlet=tree.outlet_a,
        customer_name="王大爷",
        customer_phone="13912345678",
        topic="product",
        question="小麦保险保什么",
        asked_at=timezone.now(),
        recorded_by=clerk_a,
    )
    client.force_login(manager)
    html = client.get("/admin/outlets/consultation/").content.decode()
    assert "13912345678" not in html and "139****5678" in html
