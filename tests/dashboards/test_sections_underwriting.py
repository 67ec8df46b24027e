"""The issuance section (UW-4 premium split) against a small known data set of March
2025, read live and through the daily summary the beat keeps."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from dashboards import summaries
from dashboards.models import IssuanceDay
from dashboards.sections import underwriting
from dashboards.sections.base import Period, Scope
from tests.dashboards.conftest import MARCH, at
from tests.underwriting.factories import CustomerFactory, OrganisationFactory, ProductFactory
from underwriting.models import Policy, Product

D = Decimal


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def policy(outlet, clerk, product, *, issued_at, split, status=Policy.Status.ISSUED, group=False):
    farmer, central, provincial, city, county = (D(x) for x in split)
    premium = farmer + central + provincial + city + county
    customer = (OrganisationFactory if group else CustomerFactory)(
        org_unit=outlet, created_by=clerk
    )
    issued = status in (Policy.Status.ISSUED, Policy.Status.SURRENDERED)
    return Policy.objects.create(
        kind=Policy.Kind.GROUP if group else Policy.Kind.INDIVIDUAL,
        status=status,
        org_unit=outlet,
        product=product,
        insured=None if group else customer,
        organiser=customer if group else None,
        application_date=(issued_at or at(3, 1)).date(),
        premium=premium,
        farmer_share=farmer,
        central=central,
        provincial=provincial,
        city=city,
        county=county,
        explained_at=None if group else at(3, 1),
        number=f"P{Policy.objects.count():08d}" if issued else None,
        issued_at=issued_at if issued else None,
        entered_by=clerk,
    )


@pytest.fixture
def products(db):
    rice = ProductFactory(code="RICE", name="水稻种植保险", line=Product.Line.CROP)
    sow = ProductFactory(code="SOW", name="能繁母猪养殖保险", line=Product.Line.LIVESTOCK)
    return rice, sow


@pytest.fixture
def issued(tree, clerk_a, clerk_b, products):
    """Issued in March: at A rice 600 (farmer 240, central 240, provincial 60, city 30,
    county 30) on 3 March and rice 300 surrendered later (farmer 120, central 120,
    provincial 30, city 15, county 15) on 20 March; at B a sow group policy 1000
    (farmer 200, central 500, provincial 200, city 100) on 31 March at 23:30 Beijing.
    Not counted: A's quote of March, A's rice of February, C's rice of March."""
    rice, sow = products
    policy(tree.outlet_a, clerk_a, rice, issued_at=at(3, 3), split=("240", "240", "60", "30", "30"))
    policy(
        tree.outlet_a,
        clerk_a,
        rice,
        issued_at=at(3, 20),
        split=("120", "120", "30", "15", "15"),
        status=Policy.Status.SURRENDERED,
    )
    policy(
        tree.outlet_b,
        clerk_b,
        sow,
        issued_at=at(3, 31, 23) + dt.timedelta(minutes=30),
        split=("200", "500", "200", "100", "0"),
        group=True,
    )
    policy(
        tree.outlet_a, clerk_a, rice, issued_at=None, split=("600", "0", "0", "0", "0"),
        status=Policy.Status.QUOTED,
    )  # fmt: skip
    policy(tree.outlet_a, clerk_a, rice, issued_at=at(2, 28), split=("50", "50", "0", "0", "0"))
    clerk_c = clerk_a.__class__.objects.create(
        username="clerk_c_uw", org_unit=tree.outlet_c, role="clerk"
    )
    policy(tree.outlet_c, clerk_c, rice, issued_at=at(3, 5), split=("70", "30", "0", "0", "0"))


EXPECTED = {
    "Policies issued": 3,
    "Premium": D("1900.00"),
    "Farmers' own share": D("560.00"),
    "Subsidies": D("1340.00"),
    "Central subsidy": D("860.00"),
    "Provincial subsidy": D("290.00"),
    "City subsidy": D("145.00"),
    "County subsidy": D("45.00"),
}


def figures(section) -> dict:
    return {figure.label: figure.value for figure in section.figures}


def test_uw_4_issued_premium_and_subsidy_split_live(tree, county_manager, issued):
    # Given no summary yet; when the county's section is built for March
    section = underwriting.build(scope=Scope(user=county_manager, unit=tree.county, period=MARCH))
    # then the policies issued in March in the county count, split by level.
    assert figures(section) == EXPECTED


def test_uw_4_same_figures_through_the_daily_summary(tree, county_manager, issued):
    # Given the summary refreshed on 1 April (complete through 31 March, Beijing days)
    written = summaries.issuance_refresh(since=dt.date(2025, 1, 1), today=dt.date(2025, 4, 1))
    assert written == IssuanceDay.objects.count()
    assert IssuanceDay.objects.filter(whole_month=False).count() == 5
    assert summaries.issuance_through() == dt.date(2025, 3, 31)
    # B's policy issued at 23:30 on 31 March Beijing time is a 31 March row, and in the
    # row of the whole (complete) month of March.
    assert IssuanceDay.objects.get(outlet=tree.outlet_b, whole_month=False).day == dt.date(
        2025, 3, 31
    )
    assert IssuanceDay.objects.get(outlet=tree.outlet_b, whole_month=True).day == dt.date(
        2025, 3, 1
    )
    # when the section is built, then it shows the same figures as live.
    section = underwriting.build(scope=Scope(user=county_manager, unit=tree.county, period=MARCH))
    assert figures(section) == EXPECTED


def test_summary_and_live_combine_across_the_refresh_boundary(tree, county_manager, issued):
    # Given the summary complete through 10 March only
    summaries.issuance_refresh(since=dt.date(2025, 1, 1), today=dt.date(2025, 3, 11))
    # when March is shown, then days up to the 10th come from the summary, the rest live.
    section = underwriting.build(scope=Scope(user=county_manager, unit=tree.county, period=MARCH))
    assert figures(section) == EXPECTED


def test_tables_by_product_and_outlet_and_chart_by_month(tree, county_manager, issued, products):
    rice, sow = products
    year = Period(dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    section = underwriting.build(scope=Scope(user=county_manager, unit=tree.county, period=year))
    by_product = {row["product"]: row for row in section.tables[0].rows}
    assert (by_product[rice.name]["count"], by_product[rice.name]["premium"]) == (3, D("1000.00"))
    assert (by_product[sow.name]["count"], by_product[sow.name]["central"]) == (1, D("500.00"))
    by_outlet = {row["outlet"]: row for row in section.tables[1].rows}
    assert set(by_outlet) == {tree.outlet_a.name, tree.outlet_b.name}
    chart = section.charts[0]
    assert chart.categories == ["2025-02", "2025-03"]
    assert chart.series[0].values == [D("50.00"), D("560.00")]
    assert chart.series[1].values == [D("50.00"), D("1340.00")]


def test_links_lead_to_the_issued_policy_list(tree, county_manager, issued, products):
    section = underwriting.build(scope=Scope(user=county_manager, unit=tree.county, period=MARCH))
    policy_list = reverse("underwriting:policy_list")
    assert all(
        figure.link.startswith(f"{policy_list}?unit={tree.county.pk}&issued_from=2025-03-01")
        for figure in section.figures
    )
    row = section.tables[0].rows[0]
    assert f"product={products[0].pk}" in row["_links"]["premium"]


def test_outlet_drill_down_counts_only_that_outlet(tree, county_manager, issued):
    section = underwriting.build(scope=Scope(user=county_manager, unit=tree.outlet_b, period=MARCH))
    assert figures(section)["Policies issued"] == 1
    assert figures(section)["Central subsidy"] == D("500.00")
    # No per-outlet table on an outlet's page.
    assert [table.id for table in section.tables] == ["underwriting-by-product"]
