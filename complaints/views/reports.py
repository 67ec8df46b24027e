"""CMP-8: the complaints report page of an outlet, a county or above, and its CSV and
Excel exports. Everyone sees the figures of their own branch (a clerk: their outlet);
the per-complaint exports are for outlet heads, managers and auditors
(complaints.reports.can_export_report)."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path, re_path, reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from complaints.exports import complaint_export_response
from complaints.reports import (
    can_export_report,
    complaint_report,
    report_unit_get,
    report_units,
)
from core.forms import DateInput, add_errors


class ReportFilterForm(forms.Form):
    """The period; the unit is read apart so that a unit outside the branch is a 404."""

    date_from = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateInput)
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=DateInput)


def _unit(request):
    """The unit asked for (`org_unit`), if any: one of the user's branch or a 404."""
    pk = request.GET.get("org_unit", "")
    return report_unit_get(user=request.user, pk=pk) if pk else None


@login_required
@require_GET
def report(request):
    unit = _unit(request)
    form = ReportFilterForm(request.GET)
    figures = None
    if form.is_valid():
        try:
            figures = complaint_report(user=request.user, org_unit=unit, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
    query = request.GET.urlencode()
    context = {
        "form": form,
        "report": figures,
        "units": report_units(user=request.user),
        "unit": unit,
        "can_export": can_export_report(user=request.user),
        "query": query,
    }
    return render(request, "complaints/reports/report.html", context)


@login_required
@require_GET
def report_export(request, fmt: str):
    unit = _unit(request)
    form = ReportFilterForm(request.GET)
    back = f"{reverse('complaints:report')}?{request.GET.urlencode()}"
    if not form.is_valid():
        return redirect(back)
    try:
        return complaint_export_response(
            user=request.user,
            fmt=fmt,
            org_unit=unit,
            ip_address=request.META.get("REMOTE_ADDR"),
            **form.cleaned_data,
        )
    except ValidationError:
        # The page shows what is wrong with the period.
        return redirect(back)


urlpatterns = [
    path("reports/", report, name="report"),
    re_path(r"^reports/export\.(?P<fmt>csv|xlsx)$", report_export, name="report_export"),
]
