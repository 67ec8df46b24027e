"""Issue 8: every dashboard figure opens exactly the records behind it. A section is built
on the small March 2025 data set of tests/dashboards, a figure's link is opened as the
same user, and the list shows as many records as the figure counts. Then each new list
filter on its own: inside records shown, outside ones not; a unit outside the user's
branch is a 404 (OUT-1); a malformed value is a form error on a 200, never a 500."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from complaints.models import Complaint
from dashboards import links
from dashboards.sections import claims, compliance, publicity, sla, underwriting
from dashboards.sections import complaints as complaints_section
from dashboards.sections.base import Scope
from outlets.models import Finding
from publicity.models import Notice, Objection
from tests.dashboards.conftest import MARCH, at, cases, clerk_c, complaints, timers  # noqa: F401
from tests.dashboards.test_sections_compliance import finding, scores  # noqa: F401
from tests.dashboards.test_sections_publicity import group_policy, notice, notices  # noqa: F401
from tests.dashboards.test_sections_underwriting import policy, products  # noqa: F401
from underwriting.models import Policy

N = Notice.State


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def figure(section, label: str):
    return next(f for f in section.figures if f.label == label)


def get(client, user, url: str, params=None):
    """The page as `user` sees it; the page's language (zh-hans) does not leak into the
    test, which reads the sections' English labels."""
    client.force_login(user)
    with translation.override("en"):
        return client.get(url, params)


def rows(client, user, url: str) -> int:
    """The number of records the list at `url` shows to `user` (all pages)."""
    response = get(client, user, url)
    assert response.status_code == 200, url
    return response.context["page"].paginator.count


def shown(client, user, url: str) -> set[int]:
    response = get(client, user, url)
    assert response.status_code == 200, url
    return {record.pk for record in response.context["page"].paginator.object_list}


def county_scope(tree, user) -> Scope:
    return Scope(user=user, unit=tree.county, period=MARCH)


# --- Figures open their records ---------------------------------------------------------
@pytest.mark.parametrize("label", ["Running", "Met in the period"])
def test_sla_figure_opens_its_timers(client, tree, county_manager, timers, label):  # noqa: F811
    section = sla.build(scope=county_scope(tree, county_manager))
    shown_figure = figure(section, label)
    assert shown_figure.value > 0
    assert rows(client, county_manager, shown_figure.link) == shown_figure.value


def test_sla_outlet_figure_opens_the_outlets_timers(client, tree, county_manager, timers):  # noqa: F811
    section = sla.build(scope=Scope(user=county_manager, unit=tree.outlet_b, period=MARCH))
    running = figure(section, "Running")
    assert running.value == 1
    assert rows(client, county_manager, running.link) == 1


@pytest.mark.parametrize("unit", ["county", "outlet_a"])
def test_claims_reported_figure_opens_its_cases(client, tree, county_manager, cases, unit):  # noqa: F811
    section = claims.build(scope=Scope(user=county_manager, unit=getattr(tree, unit), period=MARCH))
    reported = figure(section, "Reported")
    assert reported.value == {"county": 3, "outlet_a": 2}[unit]
    assert rows(client, county_manager, reported.link) == reported.value
    major = figure(section, "Major cases")
    assert rows(client, county_manager, major.link) == major.value == 1


def test_complaints_figures_open_their_complaints(client, tree, county_manager, complaints):  # noqa: F811
    scope = county_scope(tree, county_manager)
    section = complaints_section.build(scope=scope)
    waiting = figure(section, "Awaiting first response")
    assert waiting.value == 1
    assert rows(client, county_manager, waiting.link) == 1
    # The cohort itself (received in March in the county; February's and C's left out).
    received = figure(section, "Received")
    assert rows(client, county_manager, links.complaints_url(scope)) == received.value == 3
    assert rows(client, county_manager, links.complaints_url(scope, awaiting_response="1")) == 1


def test_compliance_findings_figure_opens_the_outlets_findings(
    client,
    tree,
    county_manager,
    scores,  # noqa: F811
):
    # The section's own link on an outlet's page: the outlet's open findings.
    section = compliance.build(scope=Scope(user=county_manager, unit=tree.outlet_a, period=MARCH))
    open_findings = figure(section, "Open findings")
    assert open_findings.value == 2
    assert rows(client, county_manager, open_findings.link) == 2
    overdue = figure(section, "Overdue findings (OUT-16)")
    assert rows(client, county_manager, overdue.link) == overdue.value == 1
    # The county's figures through links.findings_url (unit = the county's subtree).
    scope = county_scope(tree, county_manager)
    county = compliance.build(scope=scope)
    url = links.findings_url(scope, state=Finding.State.OPEN)
    assert rows(client, county_manager, url) == figure(county, "Open findings").value == 3


def test_publicity_objections_figure_opens_the_outlets_objections(
    client,
    tree,
    county_manager,
    notices,  # noqa: F811
):
    section = publicity.build(scope=Scope(user=county_manager, unit=tree.outlet_a, period=MARCH))
    open_objections = figure(section, "Objections open")
    assert open_objections.value == 1
    assert rows(client, county_manager, open_objections.link) == 1


def test_publicity_figures_through_links_open_exactly_their_records(
    client,
    tree,
    county_manager,
    notices,  # noqa: F811
):
    scope = county_scope(tree, county_manager)
    section = publicity.build(scope=scope)
    expected = {
        links.group_applied_url(scope): "Group policies applied for",
        links.group_applied_url(scope, notice="none"): "No notice",
        links.group_applied_url(scope, notice=N.DRAFT): "Draft",
        links.group_applied_url(scope, notice=N.POSTED): "Posted",
        links.group_applied_url(scope, notice=N.CLOSED): "Closed",
        links.notices_url(scope, ended="1"): "Period ended, not closed",
        links.objections_url(scope, state=Objection.State.OPEN): "Objections open",
        links.objections_url(scope, in_period=True): "Objections raised in the period",
        links.objections_url(scope, in_period=True, late="1"): "of which late",
    }
    for url, label in expected.items():
        assert rows(client, county_manager, url) == figure(section, label).value, label


@pytest.fixture
def issued(tree, clerk_a, clerk_b, clerk_c, products):  # noqa: F811
    """March: at A an individual rice policy issued and one surrendered since, at B a
    group sow policy issued on 31 March 23:30 Beijing; not counted: A's rice of
    February, A's quote, C's rice of March."""
    rice, sow = products
    split = ("240", "240", "60", "30", "30")
    policy(tree.outlet_a, clerk_a, rice, issued_at=at(3, 3), split=split)
    policy(
        tree.outlet_a,
        clerk_a,
        rice,
        issued_at=at(3, 20),
        split=split,
        status=Policy.Status.SURRENDERED,
    )
    policy(
        tree.outlet_b,
        clerk_b,
        sow,
        issued_at=dt.datetime(2025, 3, 31, 23, 30, tzinfo=at(3, 1).tzinfo),
        split=("200", "500", "200", "100", "0"),
        group=True,
    )
    policy(tree.outlet_a, clerk_a, rice, issued_at=at(2, 20), split=split)
    policy(tree.outlet_a, clerk_a, rice, issued_at=None, split=split, status=Policy.Status.QUOTED)
    policy(tree.outlet_c, clerk_c, rice, issued_at=at(3, 5), split=split)


def test_underwriting_issued_figure_opens_its_policies(client, tree, county_manager, issued):
    scope = county_scope(tree, county_manager)
    section = underwriting.build(scope=scope)
    issued_figure = figure(section, "Policies issued")
    assert issued_figure.value == 3
    # Individual and group, surrendered ones included, as the figure counts them.
    assert rows(client, county_manager, links.policies_url(scope)) == 3
    assert rows(client, county_manager, links.policies_url(scope, group_only=True)) == 1
    by_product = {row["product"]: row for row in section.tables[0].rows}
    rice_url = links.policies_url(scope, product=_product_pk("RICE"))
    assert rows(client, county_manager, rice_url) == by_product["水稻种植保险"]["count"] == 2
    outlet_url = links.policies_url(scope, unit_pk=tree.outlet_b.pk)
    assert rows(client, county_manager, outlet_url) == 1


def test_underwriting_outlet_figure_link_opens_its_policies(client, tree, county_manager, issued):
    # The section's own link on an outlet's page, where nothing was surrendered or group.
    Policy.objects.filter(status=Policy.Status.SURRENDERED).delete()
    section = underwriting.build(scope=Scope(user=county_manager, unit=tree.outlet_a, period=MARCH))
    issued_figure = figure(section, "Policies issued")
    assert issued_figure.value == 1
    assert rows(client, county_manager, issued_figure.link) == 1


def _product_pk(code: str) -> int:
    from underwriting.models import Product

    return Product.objects.get(code=code).pk


# --- Each filter: inside shown, outside not -------------------------------------------
def test_policy_list_filters_by_unit_product_and_issue_dates(client, tree, county_manager, issued):
    url = reverse("underwriting:policy_list")
    individual = Policy.objects.filter(kind=Policy.Kind.INDIVIDUAL)
    a_march = set(
        individual.filter(org_unit=tree.outlet_a, issued_at__gte=at(3, 1, 0)).values_list(
            "pk", flat=True
        )
    )
    assert len(a_march) == 2  # issued and surrendered; February's and the quote left out
    march = "issued_from=2025-03-01&issued_to=2025-03-31"
    assert shown(client, county_manager, f"{url}?{march}") == a_march
    a_all = set(individual.filter(org_unit=tree.outlet_a).values_list("pk", flat=True))
    assert shown(client, county_manager, f"{url}?unit={tree.outlet_a.pk}") == a_all
    assert shown(client, county_manager, f"{url}?unit={tree.outlet_b.pk}&{march}") == set()
    sow = _product_pk("SOW")
    sows = set(Policy.objects.filter(product_id=sow).values_list("pk", flat=True))
    assert shown(client, county_manager, f"{url}?product={sow}&kind=all") == sows
    assert shown(client, county_manager, f"{url}?product={sow}") == set()


def test_issue_dates_are_beijing_dates(client, tree, county_manager, issued):
    # The group policy issued at 23:30 on 31 March Beijing (15:30 UTC) is March's.
    url = reverse("underwriting:group_list")
    assert rows(client, county_manager, f"{url}?issued_to=2025-03-31") == 1
    assert rows(client, county_manager, f"{url}?issued_from=2025-04-01") == 0


def test_group_list_filters_by_application_dates_and_notice(client, tree, county_manager, notices):  # noqa: F811
    url = reverse("underwriting:group_list")
    march = "applied_from=2025-03-01&applied_to=2025-03-31"
    assert rows(client, county_manager, f"{url}?{march}") == 5
    assert rows(client, county_manager, f"{url}?applied_to=2025-02-28") == 1
    assert rows(client, county_manager, f"{url}?{march}&notice=none") == 1
    assert rows(client, county_manager, f"{url}?{march}&unit={tree.outlet_b.pk}") == 1


def test_notice_list_filters_by_unit_and_ended_not_closed(client, tree, county_manager, notices):  # noqa: F811
    url = reverse("publicity:notice_list")
    ended = shown(client, county_manager, f"{url}?ended=1")
    assert ended == set(
        Notice.objects.filter(org_unit__parent=tree.county, state=N.POSTED).values_list(
            "pk", flat=True
        )
    )
    assert rows(client, county_manager, f"{url}?unit={tree.outlet_b.pk}") == 1
    assert rows(client, county_manager, f"{url}?unit={tree.outlet_b.pk}&ended=1") == 0


def test_objection_list_filters_by_unit_state_and_raised_dates(
    client,
    tree,
    county_manager,
    notices,  # noqa: F811
):
    url = reverse("publicity:objection_list")
    assert rows(client, county_manager, f"{url}?unit={tree.outlet_a.pk}&state=open") == 1
    assert rows(client, county_manager, f"{url}?unit={tree.outlet_b.pk}") == 0
    assert rows(client, county_manager, f"{url}?raised_from=2025-03-13") == 1
    assert rows(client, county_manager, f"{url}?raised_to=2025-03-12") == 1


def test_finding_list_filters_by_outlet_and_unit(client, tree, county_manager, scores):  # noqa: F811
    url = reverse("outlets:finding_list")
    a = set(Finding.objects.filter(outlet=tree.outlet_a).values_list("pk", flat=True))
    assert shown(client, county_manager, f"{url}?outlet={tree.outlet_a.pk}") == a
    county = set(Finding.objects.filter(outlet__parent=tree.county).values_list("pk", flat=True))
    assert shown(client, county_manager, f"{url}?unit={tree.county.pk}") == county


def test_complaint_list_filters_by_received_dates_and_unit(
    client,
    tree,
    county_manager,
    complaints,  # noqa: F811
):
    url = reverse("complaints:complaint_list")
    march = shown(client, county_manager, f"{url}?received_from=2025-03-01&received_to=2025-03-31")
    assert march == {
        complaints.closed_a.pk,
        complaints.waiting_a.pk,
        complaints.major_b.pk,
    }
    assert shown(client, county_manager, f"{url}?unit={tree.outlet_b.pk}") == {
        complaints.major_b.pk
    }
    assert rows(client, county_manager, f"{url}?received_to=2025-02-28") == 1
    assert Complaint.objects.count() == 5


# --- Refusals and malformed values ------------------------------------------------------
LISTS = [
    "underwriting:policy_list",
    "underwriting:group_list",
    "publicity:notice_list",
    "publicity:objection_list",
    "outlets:finding_list",
    "complaints:complaint_list",
]


@pytest.mark.parametrize("name", LISTS)
def test_out_1_a_unit_outside_the_branch_is_not_found(client, tree, county_manager, clerk_a, name):
    client.force_login(county_manager)
    assert client.get(reverse(name), {"unit": tree.other_county.pk}).status_code == 404
    assert client.get(reverse(name), {"unit": tree.outlet_c.pk}).status_code == 404
    # A clerk's branch is their outlet: the county above it is outside.
    client.force_login(clerk_a)
    assert client.get(reverse(name), {"unit": tree.county.pk}).status_code == 404


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize(
    "params",
    [
        {"unit": "abc"},
        {"unit": "99999999999999999999999"},
        {"unit": "-1"},
        {"outlet": "1e9"},
        {"issued_from": "2025-13-45", "received_from": "x", "raised_from": "'; DROP"},
        {"product": "99999999999999999999999", "applied_to": "yesterday"},
        {"issued_from": "2025-03-31", "issued_to": "2025-03-01"},
    ],
)
def test_malformed_filters_are_form_errors_not_500s(client, tree, county_manager, name, params):
    client.force_login(county_manager)
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    if any(key in response.context["filters"].fields for key in params):
        assert response.context["filters"].errors
        assert b'id="filter-errors"' in response.content


def test_an_outlet_outside_the_branch_is_not_found_on_the_findings(client, tree, county_manager):
    client.force_login(county_manager)
    response = client.get(reverse("outlets:finding_list"), {"outlet": tree.outlet_c.pk})
    assert response.status_code == 404
