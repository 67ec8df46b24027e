"""Claim case pages (CLM-1, CLM-2): the report form with its lookup of existing reports
and policies, the case page (the hub every part of claims assist adds a panel to), the
correction form, the 95518 number and the withdrawal.

Views read input and call claims_assist.services.intake; cases are read in the user's
scope (404 outside the branch), writes are refused to read-only roles (403). After a
POST the browser is sent to the case page; errors re-render the form.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from claims_assist import panels as case_panels_module
from claims_assist.forms_intake import (
    CaseEditForm,
    CaseReportForm,
    HotlineForm,
    LookupForm,
    WithdrawForm,
)
from claims_assist.models import ClaimCase
from claims_assist.panels import intake as intake_panel
from claims_assist.selectors_cases import case_get
from claims_assist.services import intake as intake_service
from claims_assist.views.actions import case_url, form_action, form_status
from core.forms import add_errors

# What "choose this policy" puts into the report form (GET parameters of the new page).
PREFILL = ("policy_number", "product", "insured_name", "insured_id_number")


def _lookup(request) -> tuple[LookupForm, intake_service.LookupResult | None]:
    form = LookupForm(request.GET or None)
    if not form.is_valid():
        return form, None
    try:
        return form, intake_service.case_lookup(user=request.user, **form.cleaned_data)
    except ValidationError as exc:
        add_errors(form, exc)
        return form, None


def _new_page(request, *, form, lookup_form, lookup, status=None):
    status = status or form_status(form)
    context = {"form": form, "lookup_form": lookup_form, "lookup": lookup}
    return render(request, "claims_assist/cases/new.html", context, status=status)


@login_required
def case_new(request):
    """CLM-2: look up existing reports and policies first, then take the report."""
    intake_service.check_case_writer(request.user)
    lookup_form, lookup = LookupForm(), None
    if request.method == "POST":
        form = CaseReportForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                case = intake_service.case_report(by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Report %(number)s recorded. Guide the customer to report to 95518.")
                    % {"number": case.number},
                )
                return redirect(case_url(case.pk))
        return _new_page(request, form=form, lookup_form=lookup_form, lookup=lookup)
    initial = {"channel": ClaimCase.Channel.WALK_IN, "deaths": 0}
    initial |= {name: request.GET[name] for name in PREFILL if request.GET.get(name)}
    form = CaseReportForm(initial=initial, user=request.user)
    return _new_page(request, form=form, lookup_form=lookup_form, lookup=lookup)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def case_lookup(request):
    """CLM-2: existing reports and policies by policy number, insured name or ID number
    (htmx: the results only; without JavaScript, the report page with them)."""
    lookup_form, lookup = _lookup(request)
    context = {"lookup_form": lookup_form, "lookup": lookup}
    status = 400 if lookup_form.errors else 200
    if request.htmx:
        return render(request, "claims_assist/cases/_lookup.html", context, status=status)
    intake_service.check_case_writer(request.user)
    form = CaseReportForm(initial={"channel": ClaimCase.Channel.WALK_IN}, user=request.user)
    return _new_page(request, form=form, lookup_form=lookup_form, lookup=lookup, status=status)


def _detail_page(request, case, *, hotline_form=None, status=200):
    panels = case_panels_module.case_panels(case=case, user=request.user)
    if hotline_form is not None:
        for panel in panels:
            if panel["name"] == "intake":
                panel.update(
                    intake_panel.panel(case=case, user=request.user, hotline_form=hotline_form)
                )
    context = {
        "case": case,
        "panels": panels,
        "may_write": case.is_open and intake_service.may_write_cases(request.user),
        "may_withdraw": case.stage not in intake_service.NOT_WITHDRAWABLE
        and intake_service.may_write_cases(request.user),
        "major_reasons": [
            ClaimCase.MajorReason(code).label
            for code in case.major_reasons
            if code in ClaimCase.MajorReason.values
        ],
    }
    return render(request, "claims_assist/cases/detail.html", context, status=status)


@login_required
@require_GET
def case_detail(request, pk: int):
    """The case page: header with its flags, then every part's panel."""
    return _detail_page(request, case_get(user=request.user, pk=pk))


@login_required
def case_edit(request, pk: int):
    """CLM-2: correct the report of an open case."""
    case = case_get(user=request.user, pk=pk)
    intake_service.check_case_writer(request.user)
    initial = {name: getattr(case, name) for name in CaseEditForm.base_fields}
    form = CaseEditForm(request.POST or None, initial=initial)
    response = form_action(
        request,
        form,
        lambda data: intake_service.case_report_update(
            by=request.user,
            case_pk=case.pk,
            **{name: data[name] for name in form.changed_data},
        ),
        success=_("Report corrected."),
        redirect_to=case_url(case.pk),
    )
    if response is not None:
        return response
    context = {"case": case, "form": form}
    return render(request, "claims_assist/cases/edit.html", context, status=form_status(form))


@login_required
@require_POST
def case_hotline(request, pk: int):
    """CLM-1: record (or correct) the 95518 report number."""
    case = case_get(user=request.user, pk=pk)
    form = HotlineForm(request.POST)
    response = form_action(
        request,
        form,
        lambda data: intake_service.case_hotline_record(
            by=request.user, case_pk=case.pk, number=data["number"]
        ),
        success=_("95518 report number recorded."),
        redirect_to=case_url(case.pk),
    )
    if response is not None:
        return response
    intake_service.check_case_writer(request.user)
    return _detail_page(request, case, hotline_form=form, status=400)


@login_required
def case_withdraw(request, pk: int):
    """The customer withdraws the claim (reason required)."""
    case = case_get(user=request.user, pk=pk)
    intake_service.check_case_writer(request.user)
    form = WithdrawForm(request.POST or None)
    response = form_action(
        request,
        form,
        lambda data: intake_service.case_withdraw(
            by=request.user, case_pk=case.pk, reason=data["reason"]
        ),
        success=_("The claim is withdrawn."),
        redirect_to=case_url(case.pk),
    )
    if response is not None:
        return response
    context = {"case": case, "form": form}
    return render(request, "claims_assist/cases/withdraw.html", context, status=form_status(form))


urlpatterns = [
    path("cases/new/", case_new, name="case_new"),
    path("cases/lookup/", case_lookup, name="case_lookup"),
    path("cases/<int:pk>/", case_detail, name="case_detail"),
    path("cases/<int:pk>/edit/", case_edit, name="case_edit"),
    path("cases/<int:pk>/hotline/", case_hotline, name="case_hotline"),
    path("cases/<int:pk>/withdraw/", case_withdraw, name="case_withdraw"),
]
