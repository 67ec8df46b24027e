"""The underwriting admin: scoped like the UI and the API (OUT-1), personal data masked
(REG-3), reference data edited by the right people, business records read-only."""

from decimal import Decimal

import pytest
from django.utils import timezone, translation

from core.masking import mask
from core.models import Role
from tests.factories import UserFactory
from tests.underwriting.factories import CustomerFactory, SubsidyRateFactory
from tests.underwriting.group_support import listed_policy, rows_of
from underwriting.models import (
    Customer,
    Policy,
    Product,
    SubsidyRate,
    UnderwritingRules,
    Village,
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def staff(user):
    user.is_staff = True
    user.save()
    return user


@pytest.fixture
def manager(county_manager):
    return staff(county_manager)


@pytest.fixture
def far_manager(tree):
    return UserFactory(
        username="manager_c", org_unit=tree.other_county, role=Role.COUNTY_MANAGER, is_staff=True
    )


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", role="", is_superuser=True, is_staff=True)


def test_out_1_customers_are_scoped_and_their_ids_masked(client, book, clerk_a, tree):
    far = CustomerFactory(org_unit=tree.outlet_c, created_by=clerk_a, name="远方农户")
    client.force_login(staff(clerk_a))
    html = client.get("/admin/underwriting/customer/").content.decode()
    assert book.farmer_a.name in html
    assert book.farmer_b.name not in html and far.name not in html
    assert mask(book.farmer_a.id_number, "id_number") in html
    assert book.farmer_a.id_number not in html
    assert client.get(f"/admin/underwriting/customer/{book.farmer_b.pk}/change/").status_code in (
        302,
        404,
    )
    page = client.get(f"/admin/underwriting/customer/{book.farmer_a.pk}/change/")
    assert page.status_code == 200
    assert book.farmer_a.id_number not in page.content.decode()


def test_customers_are_read_only_in_the_admin(client, book, manager):
    client.force_login(manager)
    response = client.post(
        f"/admin/underwriting/customer/{book.farmer_a.pk}/change/", {"name": "改名"}
    )
    assert response.status_code == 403
    assert Customer.objects.get(pk=book.farmer_a.pk).name == "张三"


def test_out_1_history_of_another_branchs_record_is_not_found(client, book, clerk_a, far_manager):
    client.force_login(far_manager)
    url = f"/admin/underwriting/customer/{book.farmer_a.pk}/history/"
    assert client.get(url).status_code == 404
    record = book.farmer_a.history.first()
    form_url = f"/admin/underwriting/customer/{book.farmer_a.pk}/history/{record.history_id}/"
    assert client.get(form_url).status_code == 404


def test_uw_6_row_history_in_the_admin_shows_who_and_why_and_cannot_revert(
    client, book, clerk_a, manager
):
    from underwriting.services.group import household_signature_record

    row = rows_of(listed_policy(book, clerk_a))[0]
    household_signature_record(clerk=clerk_a, row=row, signature="signed", reason="本人签字")
    client.force_login(manager)
    html = client.get(f"/admin/underwriting/householdrow/{row.pk}/history/").content.decode()
    assert "本人签字" in html
    record = row.history.first()
    url = f"/admin/underwriting/householdrow/{row.pk}/history/{record.history_id}/"
    assert client.post(url, {"signature": "unsigned"}).status_code == 403
    listing = client.get("/admin/underwriting/householdrow/").content.decode()
    assert mask(row.id_number, "id_number") in listing and row.id_number not in listing


def test_uw_9_county_manager_edits_their_own_countys_rules_only(client, tree, manager, superuser):
    default = UnderwritingRules.objects.get_or_create(county=None)[0]
    other = UnderwritingRules.objects.create(county=tree.other_county, backfill_days=20)
    client.force_login(manager)
    response = client.post(
        "/admin/underwriting/underwritingrules/add/",
        {"county": tree.county.pk, "backfill_days": "45", "premium_tolerance": "0.05"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert UnderwritingRules.objects.get(county=tree.county).backfill_days == 45
    # Not the default row, not another county's row, not a rule without a county.
    response = client.post(
        f"/admin/underwriting/underwritingrules/{default.pk}/change/",
        {"county": "", "backfill_days": "90", "premium_tolerance": "0.05"},
    )
    assert response.status_code == 403
    response = client.get(f"/admin/underwriting/underwritingrules/{other.pk}/change/")
    assert response.status_code in (302, 404)
    response = client.post(
        "/admin/underwriting/underwritingrules/add/",
        {"county": tree.other_county.pk, "backfill_days": "90", "premium_tolerance": "0.05"},
    )
    assert response.status_code == 200  # the form comes back with the error
    default.refresh_from_db()
    other.refresh_from_db()
    assert (default.backfill_days, other.backfill_days) == (30, 20)
    # The superuser changes the default.
    client.force_login(superuser)
    response = client.post(
        f"/admin/underwriting/underwritingrules/{default.pk}/change/",
        {"county": "", "backfill_days": "25", "premium_tolerance": "0.05"},
    )
    assert response.status_code == 302
    default.refresh_from_db()
    assert default.backfill_days == 25


def test_products_are_reference_data_edited_by_superusers(client, book, manager, superuser):
    client.force_login(manager)
    assert book.rice.code in client.get("/admin/underwriting/product/").content.decode()
    response = client.post(f"/admin/underwriting/product/{book.rice.pk}/change/", {})
    assert response.status_code == 403
    client.force_login(superuser)
    response = client.post(
        "/admin/underwriting/product/add/",
        {
            "code": "PIG",
            "name": "能繁母猪保险",
            "line": "livestock",
            "policy_based": "on",
            "rate": "0.060000",
            "sum_insured_per_unit": "1500.00",
            "unit": "头",
            "cover_days": "365",
            "claim_route": "拨打95518",
            "is_active": "on",
            "exclusions-TOTAL_FORMS": "1",
            "exclusions-INITIAL_FORMS": "0",
            "exclusions-0-position": "0",
            "exclusions-0-text": "未按规定免疫",
            "subsidies-TOTAL_FORMS": "0",
            "subsidies-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Product.objects.get(code="PIG").exclusions.get().text == "未按规定免疫"


def test_uw_4_manager_changes_subsidy_rates_of_their_branch_only(client, book, tree, manager):
    provincial = SubsidyRateFactory(product=book.rice, region=tree.province, year=2025)
    county_rate = SubsidyRate.objects.get(product=book.rice, region=tree.county)
    client.force_login(manager)
    data = {
        "product": book.rice.pk,
        "region": tree.county.pk,
        "year": county_rate.year,
        "central": "0.45",
        "provincial": "0.25",
        "city": "0.05",
        "county": "0.10",
    }
    response = client.post(f"/admin/underwriting/subsidyrate/{county_rate.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    county_rate.refresh_from_db()
    assert county_rate.county == Decimal("0.10")
    response = client.post(
        f"/admin/underwriting/subsidyrate/{provincial.pk}/change/",
        {**data, "region": tree.province.pk, "year": 2025},
    )
    assert response.status_code == 403


def test_uw_5_manager_records_a_village_with_its_capacity(client, tree, manager):
    client.force_login(manager)
    response = client.post(
        "/admin/underwriting/village/add/",
        {
            "org_unit": tree.outlet_a.pk,
            "name": "东村",
            "epidemic_zone": "on",
            "epidemic_note": "非洲猪瘟封锁区",
            "capacities-TOTAL_FORMS": "1",
            "capacities-INITIAL_FORMS": "0",
            "capacities-0-unit": "亩",
            "capacities-0-quantity": "3200",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    village = Village.objects.get(name="东村")
    assert village.capacities.get().quantity == Decimal("3200")


def test_out_1_villages_of_another_county_are_not_visible(client, tree, clerk_a, far_manager):
    village = Village.objects.create(org_unit=tree.outlet_a, name="东村")
    client.force_login(far_manager)
    assert "东村" not in client.get("/admin/underwriting/village/").content.decode()
    assert client.get(f"/admin/underwriting/village/{village.pk}/change/").status_code in (
        302,
        404,
    )


def test_policies_are_read_only_in_the_admin(client, book, clerk_a, manager, far_manager):
    policy = listed_policy(book, clerk_a)
    client.force_login(manager)
    assert client.get(f"/admin/underwriting/policy/{policy.pk}/change/").status_code == 200
    response = client.post(f"/admin/underwriting/policy/{policy.pk}/change/", {"status": "issued"})
    assert response.status_code == 403
    client.force_login(far_manager)
    assert "农户0号等3户" not in client.get("/admin/underwriting/policy/").content.decode()
    for model in ("householdlist", "householdrow", "inspection"):
        assert client.get(f"/admin/underwriting/{model}/").status_code == 200


def test_uw_11_remote_policy_added_in_the_admin_goes_through_the_service(
    client, book, tree, manager
):
    client.force_login(manager)
    data = {
        "org_unit": tree.outlet_a.pk,
        "channel": "telesales",
        "product": book.rice.pk,
        "insured": book.farmer_a.pk,
        "quantity": "5",
        "application_date": timezone.localdate().isoformat(),
        "external_reference": "TS-2026-0001",
    }
    response = client.post("/admin/underwriting/policy/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    policy = Policy.objects.get(external_reference="TS-2026-0001")
    assert policy.status == Policy.Status.PENDING_PAYMENT
    assert policy.channel == "telesales" and policy.premium > 0 and policy.split_adds_up()
    # The same order again is refused by the service, on the form.
    response = client.post("/admin/underwriting/policy/add/", data)
    assert response.status_code == 200
    assert "TS-2026-0001" in response.content.decode()
    assert Policy.objects.filter(external_reference="TS-2026-0001").count() == 1


def test_auditor_cannot_add_a_remote_policy(client, book, tree, auditor):
    client.force_login(staff(auditor))
    assert client.get("/admin/underwriting/policy/add/").status_code == 403
