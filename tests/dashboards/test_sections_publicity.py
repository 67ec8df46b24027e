"""The publicity section (PUB-1..PUB-5): group policies by the state of their latest
notice, notices left open past their period, objections; March 2025."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import translation

from dashboards.sections import publicity
from dashboards.sections.base import Scope
from publicity.models import Notice, Objection
from tests.dashboards.conftest import MARCH, at
from tests.underwriting.factories import OrganisationFactory, ProductFactory
from underwriting.models import Policy

N = Notice.State


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def group_policy(outlet, clerk, applied: dt.date) -> Policy:
    return Policy.objects.create(
        kind=Policy.Kind.GROUP,
        status=Policy.Status.LISTED,
        org_unit=outlet,
        product=ProductFactory(code="RICE"),
        organiser=OrganisationFactory(org_unit=outlet, created_by=clerk),
        application_date=applied,
        entered_by=clerk,
    )


def notice(policy, clerk, state, **extra) -> Notice:
    posted = extra.pop("posted_at", None)
    if state in (N.POSTED, N.CLOSED) and posted is None:
        posted = at(3, 10)
    return Notice.objects.create(
        kind=Notice.Kind.UNDERWRITING,
        state=state,
        org_unit=policy.org_unit,
        source_type=ContentType.objects.get_for_model(Policy),
        source_id=policy.pk,
        title="东村水稻承保公示",
        county_name="阳山县",
        village="东村",
        responsible=clerk,
        created_by=clerk,
        posted_at=posted,
        ends_at=posted + dt.timedelta(days=7) if posted else None,
        closed_at=at(3, 18) if state == N.CLOSED else None,
        withdrawn_reason="名单有误" if state == N.WITHDRAWN else "",
        **extra,
    )


def objection(notice_row, clerk, *, raised_at, state=Objection.State.OPEN, late=False):
    resolved = state == Objection.State.RESOLVED
    return Objection.objects.create(
        notice=notice_row,
        raiser_kind=Objection.Raiser.HOUSEHOLD,
        raiser_name="张三",
        channel=Objection.Channel.IN_PERSON,
        claim=Objection.Claim.WRONG_QUANTITY,
        details="面积不对",
        raised_at=raised_at,
        late=late,
        recorded_by=clerk,
        state=state,
        outcome=Objection.Outcome.CORRECTED if resolved else "",
        resolved_at=raised_at if resolved else None,
    )


@pytest.fixture
def notices(tree, clerk_a, clerk_b):
    """Group policies applied for in March: at A one without a notice, one with a draft,
    one posted (period ended, flagged as left open) with an open objection and a
    resolved late one, one withdrawn and drafted again; at B one closed. Not counted:
    A's group policy of February (posted, its period ended), C's of March."""
    march = dt.date(2025, 3, 5)
    group_policy(tree.outlet_a, clerk_a, march)
    notice(group_policy(tree.outlet_a, clerk_a, march), clerk_a, N.DRAFT)
    posted = notice(
        group_policy(tree.outlet_a, clerk_a, march),
        clerk_a,
        N.POSTED,
        overdue_flagged_at=at(3, 20),
    )
    objection(posted, clerk_a, raised_at=at(3, 12))
    objection(posted, clerk_a, raised_at=at(3, 19), state=Objection.State.RESOLVED, late=True)
    redone = group_policy(tree.outlet_a, clerk_a, march)
    notice(redone, clerk_a, N.WITHDRAWN)
    notice(redone, clerk_a, N.DRAFT)
    notice(group_policy(tree.outlet_b, clerk_b, march), clerk_b, N.CLOSED)
    february = group_policy(tree.outlet_a, clerk_a, dt.date(2025, 2, 10))
    notice(february, clerk_a, N.POSTED, posted_at=at(2, 12))
    clerk_c = clerk_a.__class__.objects.create(
        username="clerk_c_pub", org_unit=tree.outlet_c, role="clerk"
    )
    notice(group_policy(tree.outlet_c, clerk_c, march), clerk_c, N.POSTED)


def figures(section) -> dict:
    return {figure.label: figure for figure in section.figures}


def test_pub_1_group_policies_by_the_state_of_their_latest_notice(tree, county_manager, notices):
    # Given the notices of the data set; when the county's section is built for March
    section = publicity.build(scope=Scope(user=county_manager, unit=tree.county, period=MARCH))
    shown = {label: figure.value for label, figure in figures(section).items()}
    # then a policy counts once, under its latest notice (the redrafted one as a draft).
    assert shown["Group policies applied for"] == 5
    assert (shown["No notice"], shown["Draft"], shown["Posted"]) == (1, 2, 1)
    assert (shown["Closed"], shown["Withdrawn"]) == (1, 0)


def test_pub_4_pub_5_notices_past_their_period_and_objections(tree, county_manager, notices):
    section = publicity.build(scope=Scope(user=county_manager, unit=tree.county, period=MARCH))
    shown = {label: figure.value for label, figure in figures(section).items()}
    # Now: A's posted notices of March and February are past their period (C's is
    # another county); one of them was flagged after PUB-4-close.
    assert shown["Period ended, not closed"] == 2
    assert shown["Left open past PUB-4-close"] == 1
    assert shown["Objections open"] == 1
    assert (shown["Objections raised in the period"], shown["of which late"]) == (2, 1)
    assert figures(section)["Period ended, not closed"].status == "warn"


def test_links_lead_to_the_notice_and_objection_lists(tree, county_manager, notices):
    section = publicity.build(scope=Scope(user=county_manager, unit=tree.county, period=MARCH))
    links = {label: figure.link for label, figure in figures(section).items()}
    groups = reverse("underwriting:group_list")
    unit = f"unit={tree.county.pk}"
    assert links["Posted"].startswith(f"{groups}?{unit}&applied_from=2025-03-01")
    assert links["Posted"].endswith("&notice=posted")
    assert links["No notice"].startswith(f"{groups}?{unit}") and "notice=none" in links["No notice"]
    objections = links["Objections open"]
    assert objections.startswith(f"{reverse('publicity:objection_list')}?{unit}")
    assert "state=open" in objections


def test_per_outlet_table_and_outlet_drill_down(tree, county_manager, notices):
    section = publicity.build(scope=Scope(user=county_manager, unit=tree.county, period=MARCH))
    rows = {row["outlet"]: row for row in section.tables[0].rows}
    assert rows[tree.outlet_a.name]["total"] == 4
    assert rows[tree.outlet_b.name]["closed"] == 1
    assert set(section.charts[0].categories) == {tree.outlet_a.name, tree.outlet_b.name}
    outlet = publicity.build(scope=Scope(user=county_manager, unit=tree.outlet_b, period=MARCH))
    shown = {label: figure.value for label, figure in figures(outlet).items()}
    assert (shown["Group policies applied for"], shown["Closed"], shown["Objections open"]) == (
        1, 1, 0,
    )  # fmt: skip
    assert f"unit={tree.outlet_b.pk}" in figures(outlet)["Closed"].link


def test_nothing_in_the_period(tree, county_manager):
    section = publicity.build(scope=Scope(user=county_manager, unit=tree.county, period=MARCH))
    assert all(figure.value == 0 for figure in section.figures)
    assert section.tables[0].rows == []
