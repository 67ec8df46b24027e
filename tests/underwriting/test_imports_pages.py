"""Household-list import pages and endpoints (UW-10): upload, progress, result, report,
and their refusals (OUT-1: other outlets get 404; read-only roles get 403 on writes)."""

import io

import openpyxl
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from core.models import PersonalDataAccess
from tests.underwriting.sheets import Household, county_sheet, upload
from tests.underwriting.test_imports import make_group
from underwriting.models import HouseholdList
from underwriting.services.imports import (
    household_list_report_build,
    household_list_upload,
    household_list_validate,
)
from underwriting.tasks import validate_household_list


@pytest.fixture
def group(book, tree, clerk_a):
    return make_group(book, tree, clerk_a)


@pytest.fixture
def rejected(group, clerk_a) -> HouseholdList:
    content = county_sheet([Household(1), Household(2, quantity=0)], totals=False)
    household_list = household_list_upload(clerk=clerk_a, policy=group, upload=upload(content))
    household_list_validate(household_list_id=household_list.pk)
    return household_list_report_build(household_list_id=household_list.pk)


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# Pages ------------------------------------------------------------------------------------
def test_uw_10_clerk_uploads_a_list_and_the_task_is_enqueued(
    client, group, clerk_a, django_capture_on_commit_callbacks
):
    client.force_login(clerk_a)
    url = reverse("underwriting:list_upload", args=[group.pk])
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url, {"file": upload(county_sheet([Household(1)]))})
    household_list = HouseholdList.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("underwriting:list_detail", args=[household_list.pk])
    assert len(callbacks) == 1
    # The worker runs the task; here it runs in-process.
    assert validate_household_list(household_list.pk) == "accepted"


def test_uw_3_blank_template_filled_in_is_accepted_by_the_import(client, group, clerk_a):
    """Given the blank list downloaded from the upload page, when the village fills it in
    (premium columns left for the import to compute), then it imports without issues."""
    client.force_login(clerk_a)
    response = client.get(reverse("underwriting:list_template", args=[group.pk]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook.active
    assert sheet["C4"].number_format == "@"  # IDs stay text (UW-3)
    filled = {"A": 1, "B": "张三", "C": "11010519491231002X", "D": "13800138000"}
    filled |= {"E": "东村一组", "I": "水稻", "J": "12.5亩", "K": "亩", "U": "张三"}
    for column, value in filled.items():
        sheet[f"{column}4"] = value
    buffer = io.BytesIO()
    workbook.save(buffer)

    household_list = household_list_upload(
        clerk=clerk_a, policy=group, upload=upload(buffer.getvalue())
    )
    household_list = household_list_validate(household_list_id=household_list.pk)
    assert household_list.state == HouseholdList.State.ACCEPTED, list(
        household_list.issues.values_list("message", flat=True)
    )
    row = household_list.rows.get()
    assert (row.name, row.quantity, row.premium) == ("张三", 12.5, 750)


def test_uw_10_bad_file_is_refused_on_the_form(client, group, clerk_a):
    client.force_login(clerk_a)
    url = reverse("underwriting:list_upload", args=[group.pk])
    response = client.post(url, {"file": upload(b"\x00\x01\x02 not a list", "x.xlsx")})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not HouseholdList.objects.exists()


def test_uw_10_running_import_shows_a_polling_progress_bar(client, group, clerk_a):
    household_list = household_list_upload(
        clerk=clerk_a, policy=group, upload=upload(county_sheet([Household(1)]))
    )
    HouseholdList.objects.filter(pk=household_list.pk).update(
        state=HouseholdList.State.RUNNING, rows_total=200, rows_done=50
    )
    client.force_login(clerk_a)
    page = client.get(reverse("underwriting:list_detail", args=[household_list.pk]))
    html = page.content.decode()
    progress_url = reverse("underwriting:list_progress", args=[household_list.pk])
    assert f'hx-get="{progress_url}"' in html and 'hx-trigger="every 1s"' in html
    assert '<progress id="list-progress-bar" max="100" value="25">' in html
    assert "<script" not in html.split("<main")[1] and 'style="' not in html

    fragment = client.get(progress_url, headers={"HX-Request": "true"})
    assert 'value="25"' in fragment.content.decode() and "HX-Refresh" not in fragment


def test_uw_10_finished_import_reloads_the_page_and_shows_its_issues(client, clerk_a, rejected):
    client.force_login(clerk_a)
    fragment = client.get(
        reverse("underwriting:list_progress", args=[rejected.pk]), headers={"HX-Request": "true"}
    )
    assert fragment["HX-Refresh"] == "true"
    page = client.get(reverse("underwriting:list_detail", args=[rejected.pk]))
    html = page.content.decode()
    assert "hx-get" not in html
    assert reverse("underwriting:list_report_download", args=[rejected.pk]) in html
    assert page.context["page"].paginator.count == 1


def test_uw_10_page_waits_for_the_report_after_the_validation(client, clerk_a, group):
    content = county_sheet([Household(1, quantity=0)], totals=False)
    household_list = household_list_upload(clerk=clerk_a, policy=group, upload=upload(content))
    household_list_validate(household_list_id=household_list.pk)
    client.force_login(clerk_a)
    url = reverse("underwriting:list_progress", args=[household_list.pk])
    waiting = client.get(url, headers={"HX-Request": "true"})
    assert "HX-Refresh" not in waiting and 'hx-trigger="every 1s"' in waiting.content.decode()
    household_list_report_build(household_list_id=household_list.pk)
    assert client.get(url, headers={"HX-Request": "true"})["HX-Refresh"] == "true"


def test_uw_10_report_download_is_logged(client, clerk_a, rejected):
    client.force_login(clerk_a)
    response = client.get(reverse("underwriting:list_report_download", args=[rejected.pk]))
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert "错误/提示" in [c.value for c in workbook.worksheets[0][2]]
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.action, access.object_id) == (clerk_a, "export", str(rejected.pk))


def test_out_1_other_outlets_clerk_gets_404_on_every_import_page(client, clerk_b, group, rejected):
    client.force_login(clerk_b)
    for url in (
        reverse("underwriting:list_upload", args=[group.pk]),
        reverse("underwriting:list_template", args=[group.pk]),
        reverse("underwriting:list_detail", args=[rejected.pk]),
        reverse("underwriting:list_progress", args=[rejected.pk]),
        reverse("underwriting:list_report_download", args=[rejected.pk]),
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(
        reverse("underwriting:list_upload", args=[group.pk]),
        {"file": upload(county_sheet([Household(1)]))},
    )
    assert response.status_code == 404
    assert not PersonalDataAccess.objects.exists()


def test_auditor_reads_imports_but_cannot_upload(client, auditor, group, rejected):
    client.force_login(auditor)
    assert client.get(reverse("underwriting:list_detail", args=[rejected.pk])).status_code == 200
    page = client.get(reverse("underwriting:list_upload", args=[group.pk]))
    assert page.status_code == 200 and b'type="file"' not in page.content
    response = client.post(
        reverse("underwriting:list_upload", args=[group.pk]),
        {"file": upload(county_sheet([Household(1)]))},
    )
    assert response.status_code == 403
    assert HouseholdList.objects.count() == 1


# API ---------------------------------------------------------------------------------------
def test_uw_10_api_upload_answers_202_with_the_status_url(
    group, clerk_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api(clerk_a).post(
            f"/api/v1/policies/{group.pk}/lists/",
            {"file": upload(county_sheet([Household(1), Household(2)]))},
            format="multipart",
        )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["state"] == "queued" and len(callbacks) == 1
    validate_household_list(body["id"])

    status = api(clerk_a).get(body["status_url"]).json()
    assert (status["state"], status["household_count"], status["premium"]) == (
        "accepted",
        2,
        "1200.00",
    )
    assert status["progress_percent"] == 100 and status["report_url"] is None


def test_uw_10_api_issues_and_report(clerk_a, rejected):
    client = api(clerk_a)
    issues = client.get(f"/api/v1/lists/{rejected.pk}/issues/").json()
    assert issues["count"] == 1
    assert issues["results"][0]["code"] == "quantity_not_positive"
    assert issues["results"][0]["row_number"] == 5
    report = client.get(f"/api/v1/lists/{rejected.pk}/report/")
    assert report.status_code == 200
    assert report["Content-Disposition"].startswith("attachment")
    assert PersonalDataAccess.objects.filter(user=clerk_a, action="export").count() == 1


def test_uw_10_api_refuses_a_bad_file_in_the_error_format(group, clerk_a):
    response = api(clerk_a).post(
        f"/api/v1/policies/{group.pk}/lists/",
        {"file": upload(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old", "old.xls")},
        format="multipart",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["fields"]["file"] and ".xls" in error["message"]


def test_out_1_api_other_outlets_clerk_gets_404(clerk_b, group, rejected):
    client = api(clerk_b)
    for url in (
        f"/api/v1/lists/{rejected.pk}/",
        f"/api/v1/lists/{rejected.pk}/issues/",
        f"/api/v1/lists/{rejected.pk}/report/",
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(
        f"/api/v1/policies/{group.pk}/lists/",
        {"file": upload(county_sheet([Household(1)]))},
        format="multipart",
    )
    assert response.status_code == 404


def test_api_auditor_reads_but_gets_403_on_upload(auditor, group, rejected):
    client = api(auditor)
    assert client.get(f"/api/v1/lists/{rejected.pk}/").status_code == 200
    response = client.post(
        f"/api/v1/policies/{group.pk}/lists/",
        {"file": upload(county_sheet([Household(1)]))},
        format="multipart",
    )
    assert response.status_code == 403
    assert HouseholdList.objects.count() == 1
