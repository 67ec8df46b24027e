"""The dashboard pages: who may see which unit, the period, links to the records behind
the figures, the Excel and PDF exports, and a bounded number of queries."""

import io
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from dashboards.exports import table_xlsx
from dashboards.sections.base import Column, Scope, Table
from dashboards.selectors import default_period
from tests.dashboards.conftest import MARCH, MARCH_QUERY


def county_url(tree, query=MARCH_QUERY):
    return f"{reverse('dashboards:county', args=[tree.county.pk])}?{query}"


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def section(response, section_id):
    return next(s for s in response.context["sections"] if s.id == section_id)


def table_rows(response, table_id):
    for s in response.context["sections"]:
        for t in s.tables:
            if t.id == table_id:
                return t.rows
    raise AssertionError(table_id)


# --- Who sees what ----------------------------------------------------------------------------
def test_anonymous_is_sent_to_login(client, tree):
    for url in (reverse("dashboards:index"), county_url(tree)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["clerk_a", "outlet_head_a", "claims_assist_a"])
def test_outlet_staff_are_refused(client, tree, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("dashboards:index")).status_code == 403
    assert client.get(county_url(tree)).status_code == 403
    assert client.get(reverse("dashboards:outlet", args=[tree.outlet_a.pk])).status_code == 403


def test_out_1_other_county_and_its_outlets_are_not_found(client, tree, county_manager):
    client.force_login(county_manager)
    assert client.get(reverse("dashboards:county", args=[tree.other_county.pk])).status_code == 404
    assert client.get(reverse("dashboards:outlet", args=[tree.outlet_c.pk])).status_code == 404
    # an outlet is not a county page, and exports refuse the same way
    assert client.get(reverse("dashboards:county", args=[tree.outlet_a.pk])).status_code == 404
    url = reverse("dashboards:table_xlsx", args=["county", tree.other_county.pk, "sla-by-rule"])
    assert client.get(url).status_code == 404
    assert (
        client.get(reverse("dashboards:pdf", args=["county", tree.other_county.pk])).status_code
        == 404
    )


def test_county_manager_lands_on_their_county(client, tree, county_manager):
    client.force_login(county_manager)
    response = client.get(reverse("dashboards:index"))
    assert response.status_code == 302
    assert response.url == reverse("dashboards:county", args=[tree.county.pk])


def test_claims_centre_picks_a_county_of_its_city(client, tree, claims_centre):
    client.force_login(claims_centre)
    response = client.get(reverse("dashboards:index"))
    assert response.status_code == 200
    assert list(response.context["counties"]) == [tree.county, tree.other_county]
    assert client.get(county_url(tree)).status_code == 200
    other = reverse("dashboards:county", args=[tree.other_county.pk])
    assert client.get(other).status_code == 200


def test_auditor_reads_the_county_and_drills_down_to_an_outlet(client, tree, auditor, timers):
    client.force_login(auditor)
    response = client.get(county_url(tree))
    assert response.status_code == 200
    outlets = table_rows(response, "outlets")
    assert [row["outlet"] for row in outlets] == [
        f"{tree.outlet_a.code} {tree.outlet_a.name}",
        f"{tree.outlet_b.code} {tree.outlet_b.name}",
    ]
    assert [(row["running"], row["overdue"], row["breached"]) for row in outlets] == [
        (1, 0, 1),
        (1, 1, 0),
    ]
    drill = outlets[0]["_links"]["outlet"]
    assert drill == f"{reverse('dashboards:outlet', args=[tree.outlet_a.pk])}?{MARCH_QUERY}"
    page = client.get(drill)
    assert page.status_code == 200
    assert page.context["scope"].unit == tree.outlet_a
    assert "outlets" not in [s.id for s in page.context["sections"]]


def test_navigation_offers_dashboards_to_managers_and_auditors_only(
    client, clerk_a, county_manager
):
    client.force_login(county_manager)
    urls = [item["url"] for item in client.get("/").context["nav_items"]]
    assert reverse("dashboards:index") in urls
    client.force_login(clerk_a)
    urls = [item["url"] for item in client.get("/").context["nav_items"]]
    assert reverse("dashboards:index") not in urls


# --- The period -------------------------------------------------------------------------------
def test_default_period_is_this_month_to_today(client, tree, county_manager):
    client.force_login(county_manager)
    response = client.get(reverse("dashboards:county", args=[tree.county.pk]))
    assert response.status_code == 200
    assert response.context["scope"].period == default_period()
    labels = [label for label, _url in response.context["presets"]]
    assert len(labels) == 3


@pytest.mark.parametrize(
    "query",
    [
        "from=2025-03-31&to=2025-03-01",  # reversed
        "from=2020-01-01&to=2025-03-01",  # over three years
        "from=2025-02-30&to=2025-03-01",  # not a date
    ],
)
def test_invalid_periods_are_refused_with_a_message(client, tree, county_manager, query):
    client.force_login(county_manager)
    response = client.get(county_url(tree, query))
    assert response.status_code == 400
    assert response.context["form"].errors
    assert response.context["sections"] == []
    xlsx = reverse("dashboards:table_xlsx", args=["county", tree.county.pk, "sla-by-rule"])
    assert client.get(f"{xlsx}?{query}").status_code == 400


def test_three_years_is_the_longest_period(client, tree, county_manager):
    client.force_login(county_manager)
    assert client.get(county_url(tree, "from=2022-04-01&to=2025-03-31")).status_code == 200


# --- Links to the records behind the figures -------------------------------------------------
def test_sla_figures_link_to_the_branch_timer_list(client, tree, county_manager, timers):
    client.force_login(county_manager)
    response = client.get(county_url(tree))
    link = section(response, "sla").figures[2].link  # breached in the period
    assert link == f"/timers/?state=breached&unit={tree.county.pk}"
    rows = {row["code"]: row for row in table_rows(response, "sla-by-rule")}
    assert rows["CLM-9"]["_links"]["breached"] == (
        f"/timers/?state=breached&rule=CLM-9&unit={tree.county.pk}"
    )
    listed = client.get(link)
    assert listed.status_code == 200
    assert timers.breached_a in list(listed.context["page"])
    assert timers.met_b not in list(listed.context["page"])


def test_claim_stage_counts_link_to_the_case_list_filtered(client, tree, county_manager, cases):
    client.force_login(county_manager)
    response = client.get(county_url(tree))
    paid_row = next(r for r in table_rows(response, "claims-by-stage") if r["count"] and r["major"])
    link = paid_row["_links"]["count"]
    assert link == "/claims/cases/?reported_from=2025-03-01&reported_to=2025-03-31&stage=paid"
    listed = client.get(link)
    assert listed.status_code == 200
    assert [case.number for case in listed.context["page"].object_list] == [cases.paid.number]


def test_outlet_figures_link_to_that_outlet_only(client, tree, county_manager, cases):
    client.force_login(county_manager)
    response = client.get(f"{reverse('dashboards:outlet', args=[tree.outlet_a.pk])}?{MARCH_QUERY}")
    link = section(response, "claims").figures[0].link  # reported
    assert link == (
        f"/claims/cases/?reported_from=2025-03-01&reported_to=2025-03-31&outlet={tree.outlet_a.pk}"
    )
    listed = client.get(link)
    numbers = {case.number for case in listed.context["page"].object_list}
    assert numbers == {cases.paid.number, cases.file_complete.number}


def test_complaint_figures_link_to_the_list_and_the_cmp_8_report(
    client, tree, county_manager, complaints
):
    client.force_login(county_manager)
    response = client.get(county_url(tree))
    channel_row = next(
        r
        for r in table_rows(response, "complaints-by-channel")
        if r["_links"]["count"].endswith("letter")
    )
    assert channel_row["count"] == 1
    listed = client.get(channel_row["_links"]["count"])
    assert [c.number for c in listed.context["page"].object_list] == [complaints.major_b.number]
    received = section(response, "complaints").figures[0]
    assert received.link == (
        f"/complaints/?unit={tree.county.pk}&received_from=2025-03-01&received_to=2025-03-31"
    )
    listed = client.get(received.link)
    assert listed.status_code == 200
    assert len(listed.context["page"].object_list) == received.value == 3


def test_every_count_cell_and_figure_has_a_link(
    client, tree, county_manager, timers, cases, complaints
):
    client.force_login(county_manager)
    response = client.get(county_url(tree))
    for s in response.context["sections"]:
        assert all(f.link for f in s.figures), s.id
    html = response.content.decode()
    assert "data-sortable" in html
    assert "js/dashboards.js" in html and "css/dashboards.css" in html
    assert html.count("<svg") == len([c for s in response.context["sections"] for c in s.charts])


# --- Exports -----------------------------------------------------------------------------------
def test_table_export_is_a_typed_excel_sheet(client, tree, county_manager, cases):
    client.force_login(county_manager)
    url = reverse("dashboards:table_xlsx", args=["county", tree.county.pk, "claims-cycle-times"])
    response = english(client).get(f"{url}?{MARCH_QUERY}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Cycle times (calendar days) against CLM-10"
    assert rows[1][:4] == ("Interval", "Cases", "Median (days)", "p90 (days)")
    assert rows[2][1:4] == (2, 3.0, 3.8)
    assert isinstance(rows[2][1], int)
    assert rows[3][4] == "CLM-9 3"


def test_unknown_table_is_not_found(client, tree, county_manager):
    client.force_login(county_manager)
    url = reverse("dashboards:table_xlsx", args=["county", tree.county.pk, "no-such-table"])
    assert client.get(url).status_code == 404


def test_money_is_written_as_a_number_with_two_decimals(tree, county_manager):
    table = Table(
        "t",
        "Premium",
        [Column("name", "Outlet"), Column("premium", "Premium", numeric=True)],
        [{"name": "A", "premium": Decimal("1234.50")}, {"name": "B", "premium": None}],
    )
    content = table_xlsx(
        table=table, scope=Scope(user=county_manager, unit=tree.county, period=MARCH)
    )
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet["B3"].value == 1234.5
    assert sheet["B3"].number_format == "#,##0.00"
    assert sheet["B4"].value is None


def test_page_pdf_has_the_titles_figures_and_charts(client, tree, county_manager, timers, cases):
    client.force_login(county_manager)
    url = reverse("dashboards:pdf", args=["county", tree.county.pk])
    response = english(client).get(f"{url}?{MARCH_QUERY}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    page = reader.pages[0]
    assert page.mediabox.width > page.mediabox.height  # A4 landscape
    text = "\n".join(p.extract_text() for p in reader.pages)
    for expected in (
        "SLA timers",
        "Timers by rule",
        "CLM-9",
        "Claims",
        "Cases by stage",
        "Complaints",
    ):
        assert expected in text, expected
    assert "441823-" not in text  # figures only, no case numbers


# --- Cost ----------------------------------------------------------------------------------------
def test_county_page_reads_a_bounded_number_of_queries(
    client, tree, county_manager, timers, cases, complaints, django_assert_max_num_queries
):
    client.force_login(county_manager)
    client.get(county_url(tree))  # warm the content-type cache
    # About a dozen for the session, user, unit, navigation and the outlets table, the
    # rest a fixed handful per section, whatever the data (see the per-section test).
    with django_assert_max_num_queries(50):
        assert client.get(county_url(tree)).status_code == 200


@pytest.mark.parametrize(("name", "most"), [("sla", 2), ("claims", 5), ("complaints", 9)])
def test_each_section_reads_a_fixed_number_of_queries(
    tree, county_manager, timers, cases, complaints, name, most, django_assert_max_num_queries
):
    import importlib

    module = importlib.import_module(f"dashboards.sections.{name}")
    scope = Scope(user=county_manager, unit=tree.county, period=MARCH)
    assert scope.unit_ids  # read once per page, shared by the sections
    module.build(scope=scope)  # warm the content-type cache
    with django_assert_max_num_queries(most):
        module.build(scope=scope)


def test_more_outlets_do_not_add_queries(
    client, tree, county_manager, django_assert_max_num_queries
):
    client.force_login(county_manager)
    client.get(county_url(tree))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(county_url(tree))
    for n in range(5):
        tree.county.children.create(kind="outlet", code=f"X{n}", name=f"outlet {n}")
    with CaptureQueriesContext(connection) as many:
        client.get(county_url(tree))
    assert len(many.captured_queries) == len(few.captured_queries)


def test_dashboard_page_obeys_the_strict_csp(client, tree, county_manager, timers, cases):
    """The charts use presentation attributes only: no inline style, no inline script."""
    client.force_login(county_manager)
    html = client.get(county_url(tree)).content.decode()
    assert "<svg" in html
    assert not re.search(r"\sstyle=", html)
    assert "<style" not in html
    assert not re.search(r"<script(?![^>]*\ssrc=)", html)


def test_on_the_embedded_sqlite_default_the_pages_explain_instead_of_failing(
    client, tree, county_manager, monkeypatch
):
    from django.db import connection

    from dashboards import tasks

    # Given the product running on SQLite (make run without DATABASE_URL).
    monkeypatch.setattr(connection, "vendor", "sqlite")
    client.force_login(county_manager)
    # When the manager opens the county page, its PDF and a table export.
    county = reverse("dashboards:county", args=[tree.county.pk])
    pdf = reverse("dashboards:pdf", args=["county", tree.county.pk])
    # Then each says the dashboards need PostgreSQL, and the beat refreshes do nothing.
    for url in (county, pdf):
        response = client.get(url)
        assert response.status_code == 503
        assert 'id="dashboards-unavailable"' in response.content.decode()
    assert tasks.refresh_timer_summary() == 0
