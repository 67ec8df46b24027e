"""Household-list import pages (UW-10): upload, progress and result, report download.

The validation runs in Celery; the result page polls a small progress fragment with
htmx every second while the import runs, so the clerk can leave and come back.
"""

import datetime as dt

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from core.access import check_can_write
from underwriting.imports.reader import MAX_UPLOAD_BYTES
from underwriting.imports.template import household_list_template
from underwriting.models import HouseholdList
from underwriting.selectors import group_policy_get, household_list_get, import_issues
from underwriting.services.imports import household_list_report_open, household_list_upload

ISSUES_PER_PAGE = 50
REPORT_WAIT = dt.timedelta(minutes=10)
FINISHED = {
    HouseholdList.State.ACCEPTED,
    HouseholdList.State.REJECTED,
    HouseholdList.State.SUPERSEDED,
    HouseholdList.State.FAILED,
}


class ListUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Household list"),
        help_text=_(
            "An Excel workbook (.xlsx) or a CSV file of at most %(mb)s MB, in the county's "
            "usual template: title rows, the header (姓名, 身份证号, 投保数量 …), one row per "
            "household and the totals row (合计)."
        )
        % {"mb": MAX_UPLOAD_BYTES // 2**20},
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


@login_required
@require_http_methods(["GET", "POST"])
def list_upload(request, pk: int):
    """UW-10: upload a household list for a group policy."""
    policy = group_policy_get(user=request.user, pk=pk)
    form = ListUploadForm()
    if request.method == "POST":
        check_can_write(request.user, policy)
        form = ListUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                household_list = household_list_upload(
                    clerk=request.user, policy=policy, upload=form.cleaned_data["file"]
                )
            except ValidationError as exc:
                form.add_error("file", exc)
            else:
                return redirect("underwriting:list_detail", household_list.pk)
    context = {"policy": policy, "form": form, "imports": policy.lists.all()[:20]}
    return render(request, "underwriting/imports/upload.html", context)


@login_required
@require_GET
def list_template(request, pk: int) -> HttpResponse:
    """UW-3: the blank household list of this policy, with the columns the import reads
    and the ID column stored as text."""
    policy = group_policy_get(user=request.user, pk=pk)
    response = HttpResponse(
        household_list_template(policy=policy),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    filename = f"{policy.organiser}{policy.season}分户清单.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _progress_context(household_list: HouseholdList) -> dict:
    running = household_list.state not in FINISHED
    # The report is written by a task of its own after the validation; the page waits
    # for it a while (a worker lost meanwhile must not keep it polling for ever).
    report_pending = (
        not running
        and household_list.state != HouseholdList.State.FAILED
        and bool(household_list.error_count or household_list.warning_count)
        and not household_list.report
        and household_list.finished_at is not None
        and timezone.now() - household_list.finished_at < REPORT_WAIT
    )
    return {
        "household_list": household_list,
        "running": running,
        "report_pending": report_pending,
        "polling": running or report_pending,
    }


@login_required
@require_GET
def list_detail(request, pk: int):
    """The import's progress while it runs; its result, issues and totals after."""
    household_list = household_list_get(user=request.user, pk=pk)
    page = Paginator(import_issues(household_list=household_list), ISSUES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        **_progress_context(household_list),
        "policy": household_list.policy,
        "page": page,
    }
    return render(request, "underwriting/imports/detail.html", context)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def list_progress(request, pk: int):
    """The progress fragment polled by the result page. Once the import has finished
    (and its report is written) an htmx poll reloads the whole page, which then shows
    the result."""
    household_list = household_list_get(user=request.user, pk=pk)
    context = _progress_context(household_list)
    response = render(request, "underwriting/imports/_progress.html", context)
    if request.htmx and not context["polling"]:
        response["HX-Refresh"] = "true"
    return response


def report_response(request, household_list: HouseholdList, *, filename: str) -> FileResponse:
    """The validation report as a download (page and API), its export logged for the
    caller; 404 while the import has no report."""
    try:
        report = household_list_report_open(
            user=request.user,
            household_list=household_list,
            ip_address=request.META.get("REMOTE_ADDR"),
        )
    except ValidationError:
        raise Http404 from None
    return FileResponse(report, as_attachment=True, filename=filename)


@login_required
@require_GET
def list_report_download(request, pk: int) -> HttpResponse:
    """The validation report (xlsx); the export of personal data is logged (REG-3)."""
    household_list = household_list_get(user=request.user, pk=pk)
    return report_response(request, household_list, filename=f"校验报告-{household_list.pk}.xlsx")


urlpatterns = [
    path("policies/<int:pk>/lists/new/", list_upload, name="list_upload"),
    path("policies/<int:pk>/lists/template.xlsx", list_template, name="list_template"),
    path("lists/<int:pk>/", list_detail, name="list_detail"),
    path("lists/<int:pk>/progress/", list_progress, name="list_progress"),
    path("lists/<int:pk>/report/", list_report_download, name="list_report_download"),
]
