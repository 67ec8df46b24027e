"""The case list page: scope (OUT-1), filters (stage, outlet, major, overdue flags,
reported dates, decision), the search over case, policy, 95518 and ID numbers and the
insured's name, sorting, pagination at a constant number of queries, the claims
navigation, and the refusals (anonymous to the login page, another county sees none).

Pages render zh-hans: tests assert status, context and structure. The rows link to the
case page and the nav to other parts of the app by url name (claims_assist:case_detail,
case_new, my_assignments, watch_list)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from claims_assist.models import ClaimCase
from core.models import Role
from tests.claims_assist.factories import ClaimCaseFactory
from tests.factories import UserFactory

URL = "/claims/cases/"
BEIJING = ZoneInfo("Asia/Shanghai")


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def listed(response) -> list[str]:
    assert response.status_code == 200
    return [case.number for case in response.context["page"].object_list]


@pytest.fixture
def cases(tree, clerk_a, clerk_b, claims_book):
    """Three cases at outlet A, one at outlet B, one in the other county."""
    now = timezone.now()
    a1 = ClaimCaseFactory(
        number="441823-L20261101-0001",
        policy=claims_book.rice_a,
        org_unit=tree.outlet_a,
        created_by=clerk_a,
        reported_at=now - dt.timedelta(days=3),
        hotline_number="95518-2026-0001",
    )
    a2 = ClaimCaseFactory(
        number="441823-L20261102-0002",
        policy=claims_book.elderly_a,
        org_unit=tree.outlet_a,
        created_by=clerk_a,
        reported_at=now - dt.timedelta(days=2),
        stage=ClaimCase.Stage.TRANSFERRED,
        major=True,
        major_reasons=["deaths"],
        transfer_overdue_at=now,
    )
    a3 = ClaimCaseFactory(
        number="441823-L20261103-0003",
        policy=claims_book.rice_a,
        org_unit=tree.outlet_a,
        created_by=clerk_a,
        reported_at=now - dt.timedelta(days=1),
        stage=ClaimCase.Stage.REFUSED,
        decision=ClaimCase.Decision.REFUSE,
        decision_reason="未达到起赔点",
        hotline_overdue_at=now,
    )
    b1 = ClaimCaseFactory(
        number="441823-L20261104-0004",
        policy=claims_book.rice_b,
        org_unit=tree.outlet_b,
        created_by=clerk_b,
        reported_at=now - dt.timedelta(hours=5),
    )
    c_clerk = UserFactory(username="clerk_c", org_unit=tree.outlet_c, role=Role.CLERK)
    c1 = ClaimCaseFactory(
        number="441825-L20261104-0001",
        policy=claims_book.rice_b,
        org_unit=tree.outlet_c,
        created_by=c_clerk,
        reported_at=now - dt.timedelta(hours=4),
        insured_name="王五",
        insured_id_number="",
    )
    return {"a1": a1, "a2": a2, "a3": a3, "b1": b1, "c1": c1}


def numbers(cases, *keys) -> list[str]:
    return [cases[key].number for key in keys]


# --- Scope and refusals ----------------------------------------------------------------------
def test_out_1_list_is_scoped_newest_first(clerk_a, clerk_b, county_manager, claims_centre, cases):
    assert listed(login(clerk_a).get(URL)) == numbers(cases, "a3", "a2", "a1")
    assert listed(login(clerk_b).get(URL)) == numbers(cases, "b1")
    assert listed(login(county_manager).get(URL)) == numbers(cases, "b1", "a3", "a2", "a1")
    assert len(listed(login(claims_centre).get(URL))) == 5


def test_list_refusals(tree, auditor, cases):
    response = Client().get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    other_manager = UserFactory(
        username="manager_c", org_unit=tree.other_county, role=Role.COUNTY_MANAGER
    )
    assert listed(login(other_manager).get(URL)) == numbers(cases, "c1")
    # Another outlet's pk in the outlet filter is not a choice: refused, not listed.
    response = login(other_manager).get(URL, {"outlet": tree.outlet_a.pk})
    assert "outlet" in response.context["filters"].errors
    assert cases["a1"].number not in response.content.decode()
    # The auditor reads (a read-only role) but is not offered a new report.
    response = login(auditor).get(URL)
    assert len(listed(response)) == 4 and not response.context["can_write"]
    assert 'id="case-new-link"' not in response.content.decode()
    assert login(auditor).post(URL).status_code == 405


# --- Filters -----------------------------------------------------------------------------------
def test_filters_stage_outlet_major_decision(tree, county_manager, cases):
    client = login(county_manager)
    assert listed(client.get(URL, {"stage": "transferred"})) == numbers(cases, "a2")
    assert listed(client.get(URL, {"outlet": tree.outlet_b.pk})) == numbers(cases, "b1")
    assert listed(client.get(URL, {"major": "true"})) == numbers(cases, "a2")
    assert listed(client.get(URL, {"major": "false"})) == numbers(cases, "b1", "a3", "a1")
    assert listed(client.get(URL, {"decision": "refuse"})) == numbers(cases, "a3")
    choices = {o.pk for o in client.get(URL).context["filters"].fields["outlet"].queryset}
    assert choices == {tree.outlet_a.pk, tree.outlet_b.pk}


def test_outlet_choices_are_the_users_own_outlet(tree, clerk_a, cases):
    response = login(clerk_a).get(URL)
    assert list(response.context["filters"].fields["outlet"].queryset) == [tree.outlet_a]
    assert (
        "outlet" in login(clerk_a).get(URL, {"outlet": tree.outlet_b.pk}).context["filters"].errors
    )


def test_filter_flagged_any_breach_flag(county_manager, cases):
    client = login(county_manager)
    assert listed(client.get(URL, {"flagged": "true"})) == numbers(cases, "a3", "a2")
    assert listed(client.get(URL, {"flagged": "false"})) == numbers(cases, "b1", "a1")
    html = client.get(URL, {"flagged": "true"}).content.decode()
    assert 'data-flag="transfer"' in html and 'data-flag="hotline"' in html
    assert 'data-flag="major"' in html


def test_filter_reported_dates_in_beijing_time(county_manager, cases):
    day = dt.datetime(2026, 3, 10, tzinfo=BEIJING)
    ClaimCase.objects.filter(pk=cases["a1"].pk).update(
        reported_at=day + dt.timedelta(minutes=30), incident_at=day - dt.timedelta(days=1)
    )
    ClaimCase.objects.filter(pk=cases["a2"].pk).update(
        reported_at=day - dt.timedelta(minutes=1), incident_at=day - dt.timedelta(days=1)
    )
    client = login(county_manager)
    one_day = {"reported_from": "2026-03-10", "reported_to": "2026-03-10"}
    assert listed(client.get(URL, one_day)) == numbers(cases, "a1")
    assert listed(client.get(URL, {"reported_to": "2026-03-09"})) == numbers(cases, "a2")
    response = client.get(URL, {"reported_from": "not a date"})
    assert "reported_from" in response.context["filters"].errors


# --- Search ------------------------------------------------------------------------------------
def test_search_case_policy_hotline_name_and_id(county_manager, claims_book, cases):
    client = login(county_manager)
    assert listed(client.get(URL, {"q": cases["a2"].number})) == numbers(cases, "a2")
    assert listed(client.get(URL, {"q": cases["a2"].number.lower()})) == numbers(cases, "a2")
    assert listed(client.get(URL, {"q": claims_book.rice_a.number})) == numbers(cases, "a3", "a1")
    assert listed(client.get(URL, {"q": " 95518-2026-0001 "})) == numbers(cases, "a1")
    assert listed(client.get(URL, {"q": "张三"})) == numbers(cases, "a3", "a2", "a1")
    # Whole values only: each alternative is an index lookup over 200,000 cases.
    assert listed(client.get(URL, {"q": "张"})) == []
    assert listed(client.get(URL, {"q": cases["a2"].number[:-1]})) == []
    assert listed(client.get(URL, {"q": "nobody"})) == []


def test_search_id_number_exact_after_normalising(county_manager, cases):
    client = login(county_manager)
    # Full-width digits, a lower-case x and spaces: the same person.
    typed = "１１０１０５ １９４９１２３１ ００２x"
    assert listed(client.get(URL, {"q": typed})) == numbers(cases, "a3", "a2", "a1")
    # Part of an ID number finds nothing (exact match only).
    assert listed(client.get(URL, {"q": "110105"})) == []


def test_search_never_crosses_the_scope(clerk_b, cases):
    assert listed(login(clerk_b).get(URL, {"q": "11010519491231002X"})) == []
    assert listed(login(clerk_b).get(URL, {"q": cases["c1"].number})) == []


# --- Sort and pagination --------------------------------------------------------------------------
def test_sort_by_number_stage_and_report_time(county_manager, cases):
    client = login(county_manager)
    assert listed(client.get(URL, {"sort": "number"})) == numbers(cases, "a1", "a2", "a3", "b1")
    assert listed(client.get(URL, {"sort": "-number"})) == numbers(cases, "b1", "a3", "a2", "a1")
    assert listed(client.get(URL, {"sort": "reported_at"})) == numbers(
        cases, "a1", "a2", "a3", "b1"
    )
    # Stages sort in the order of the workflow: reported, …, transferred, …, refused.
    assert listed(client.get(URL, {"sort": "stage"})) == numbers(cases, "b1", "a1", "a2", "a3")
    assert listed(client.get(URL, {"sort": "-stage"})) == numbers(cases, "a3", "a2", "b1", "a1")
    response = client.get(URL, {"sort": "stage", "stage": "reported"})
    html = response.content.decode()
    assert 'aria-sort="ascending"' in html and "sort=-stage" in html
    assert listed(client.get(URL, {"sort": "owner"})) == numbers(cases, "b1", "a3", "a2", "a1")


def _bulk_cases(n: int, *, outlet, clerk, policy, start: int = 1) -> None:
    now = timezone.now()
    ClaimCase.objects.bulk_create(
        ClaimCaseFactory.build(
            number=f"441823-L20260101-{i:04d}",
            policy=policy,
            org_unit=outlet,
            created_by=clerk,
            owner=clerk,
            reported_at=now - dt.timedelta(minutes=i),
        )
        for i in range(start, start + n)
    )


def test_pagination_with_a_constant_number_of_queries(
    tree, clerk_a, claims_book, django_assert_num_queries
):
    client = login(clerk_a)
    _bulk_cases(3, outlet=tree.outlet_a, clerk=clerk_a, policy=claims_book.rice_a)
    with CaptureQueriesContext(connection) as few:
        assert len(listed(client.get(URL))) == 3
    _bulk_cases(117, outlet=tree.outlet_a, clerk=clerk_a, policy=claims_book.rice_a, start=4)
    with django_assert_num_queries(len(few)):
        response = client.get(URL)
    assert len(listed(response)) == 50
    assert response.context["page"].paginator.count == 120
    with django_assert_num_queries(len(few)):
        response = client.get(URL, {"page": 3, "q": "张三", "sort": "stage"})
    assert len(listed(response)) == 20
    assert listed(response)[-1] == "441823-L20260101-0120"
    assert 'class="pager"' in response.content.decode()


def test_count_is_bounded(monkeypatch, tree, clerk_a, claims_book):
    from claims_assist.views import case_list
    from core import pagination

    monkeypatch.setattr(pagination, "COUNT_LIMIT", 5)
    monkeypatch.setattr(case_list, "COUNT_LIMIT", 5)
    _bulk_cases(12, outlet=tree.outlet_a, clerk=clerk_a, policy=claims_book.rice_a)
    response = login(clerk_a).get(URL)
    paginator = response.context["page"].paginator
    assert paginator.count == 6 and paginator.count_bounded
    assert 'id="case-count"' in response.content.decode()


# --- Links and navigation ---------------------------------------------------------------------
def test_rows_link_to_the_case_and_mask_the_id(clerk_a, cases):
    html = login(clerk_a).get(URL).content.decode()
    assert reverse("claims_assist:case_detail", args=[cases["a1"].pk]) in html
    assert reverse("claims_assist:case_new") in html
    assert "张三" in html
    assert "11010519491231002X" not in html and "110105********002X" in html


def nav_links(html: str) -> list[str]:
    nav = html.split('<nav class="subnav"', 1)[1].split("</nav>", 1)[0]
    return [part.split('"', 1)[0] for part in nav.split('href="')[1:]]


CLAIMS_NAV = [
    "claims_assist:case_list",
    "claims_assist:case_new",
    "claims_assist:status_query",
    "claims_assist:my_assignments",
]
TOOLS_NAV = [
    "claims_assist:calculators",
    "claims_assist:self_survey",
    "claims_assist:authority_check",
    "claims_assist:authority_mine",
    "claims_assist:authority_list",
]


def test_claims_nav_order_and_watch_list_for_managers_only(clerk_a, county_manager, cases):
    expected = [reverse(name) for name in CLAIMS_NAV + TOOLS_NAV]
    assert nav_links(login(clerk_a).get(URL).content.decode()) == expected
    manager_expected = [
        reverse(name) for name in [*CLAIMS_NAV, "claims_assist:watch_list", *TOOLS_NAV]
    ]
    assert nav_links(login(county_manager).get(URL).content.decode()) == manager_expected


def test_top_nav_claims_points_to_the_case_list(clerk_a):
    html = login(clerk_a).get(reverse("home")).content.decode()
    assert f'href="{URL}"' in html
    response = login(clerk_a).get(URL)
    assert f'<a href="{URL}" aria-current="page">' in response.content.decode()
