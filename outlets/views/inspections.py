"""Pages of outlet inspections and findings (OUT-3..OUT-9, OUT-16): open an inspection,
record each standard with notes and evidence photos, complete it with a corrective
action, owner and due date per unmet standard; the findings list (all outlets of the
user's branch) and a finding's page, where a manager records, reschedules or closes
one.

Views read input and call outlets.services.inspections; records are looked up in the
user's scope first (404), then writes are checked (only managers inspect: 403 for the
others).
"""

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from core.forms import DateInput, add_errors
from core.selectors import evidence_for, org_unit_get
from core.views import time_left
from outlets import selectors
from outlets.models import Finding, Inspection, InspectionResult
from outlets.services import inspections as inspection_service
from outlets.standards import STANDARDS

PER_PAGE = 50


# --- Forms --------------------------------------------------------------------------------
class InspectionForm(forms.Form):
    inspected_on = forms.DateField(label=gettext_lazy("Inspected on"), widget=DateInput)
    note = forms.CharField(
        label=gettext_lazy("Note"), widget=forms.Textarea({"rows": 2}), required=False
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several photos from one input; each is checked by core.evidence when stored."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class ResultForm(forms.Form):
    standard = forms.ChoiceField(choices=[(s.code, s.code) for s in STANDARDS])
    result = forms.ChoiceField(
        label=gettext_lazy("Result"),
        choices=InspectionResult.Result.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), widget=forms.Textarea({"rows": 2}), required=False
    )
    photos = MultipleImageField(
        label=gettext_lazy("Evidence photos"),
        required=False,
        help_text=gettext_lazy("JPEG, PNG or WebP. Site standards (OUT-3) need at least one."),
    )


class PlanForm(forms.Form):
    """The plan of one unmet standard (prefix: the standard's code)."""

    corrective_action = forms.CharField(
        label=gettext_lazy("Corrective action"), widget=forms.Textarea({"rows": 2})
    )
    owner = forms.ModelChoiceField(label=gettext_lazy("Owner"), queryset=None)
    due_on = forms.DateField(label=gettext_lazy("Due on"), widget=DateInput)

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners


class FindingForm(forms.Form):
    standard = forms.CharField(
        label=gettext_lazy("Standard"),
        max_length=40,
        help_text=gettext_lazy("A catalogue code such as OUT-3-frontage, or a short code."),
    )
    description = forms.CharField(label=gettext_lazy("Finding"), widget=forms.Textarea({"rows": 3}))
    corrective_action = forms.CharField(
        label=gettext_lazy("Corrective action"), widget=forms.Textarea({"rows": 2})
    )
    owner = forms.ModelChoiceField(label=gettext_lazy("Owner"), queryset=None)
    due_on = forms.DateField(label=gettext_lazy("Due on"), widget=DateInput)

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners


class RescheduleForm(forms.Form):
    owner = forms.ModelChoiceField(label=gettext_lazy("Owner"), queryset=None)
    due_on = forms.DateField(label=gettext_lazy("Due on"), widget=DateInput)
    reason = forms.CharField(label=gettext_lazy("Reason for the change"), max_length=200)

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners


class CloseForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("How the correction was verified"),
        widget=forms.Textarea({"rows": 2}),
    )


class FindingFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=gettext_lazy("State"),
        choices=[("", gettext_lazy("All states")), *Finding.State.choices],
        required=False,
    )
    source = forms.ChoiceField(
        label=gettext_lazy("Source"),
        choices=[("", gettext_lazy("All sources")), *Finding.Source.choices],
        required=False,
    )
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)
    # Primary keys are bigints: anything larger is not a key (and would overflow the query).
    outlet = forms.IntegerField(
        label=gettext_lazy("Outlet"), min_value=1, max_value=2**63 - 1, required=False
    )
    unit = forms.IntegerField(
        label=gettext_lazy("Unit"), min_value=1, max_value=2**63 - 1, required=False
    )

    def places(self, user) -> dict:
        """The outlet and the unit asked for; NotInScope (a 404) outside the user's
        branch. Call after is_valid()."""
        data = self.cleaned_data
        self.outlet_obj = (
            selectors.outlet_get(user=user, pk=data["outlet"]) if data.get("outlet") else None
        )
        self.unit_obj = org_unit_get(user=user, pk=data["unit"]) if data.get("unit") else None
        return {"outlet": self.outlet_obj, "unit": self.unit_obj}


# --- Helpers -------------------------------------------------------------------------------
def _may_inspect(user) -> bool:
    return user.is_manager and not user.is_read_only


def _form_page(request, *, form, outlet, title, intro="", submit):
    status = 400 if form.is_bound and form.errors else 200
    context = {"form": form, "outlet": outlet, "title": title, "intro": intro, "submit": submit}
    return render(request, "outlets/registry/form.html", context, status=status)


def _plan_forms(request, inspection: Inspection) -> list[tuple[InspectionResult, PlanForm]]:
    owners = selectors.finding_owner_choices(outlet=inspection.outlet)
    profile = selectors.profile_for(outlet=inspection.outlet)
    initial = {
        "owner": profile.head_user if profile and profile.head_user_id else None,
        "due_on": timezone.localdate() + dt.timedelta(days=inspection_service.DEFAULT_DUE_DAYS),
    }
    return [
        (
            row,
            PlanForm(
                request.POST or None,
                prefix=row.standard,
                owners=owners,
                initial={**initial, "corrective_action": ""},
            ),
        )
        for row in inspection_service.standards_needing_plans(inspection=inspection)
    ]


# --- Inspections ------------------------------------------------------------------------------
@login_required
def inspection_create(request, pk: int):
    outlet = selectors.outlet_get(user=request.user, pk=pk)
    inspection_service.check_inspector(request.user, outlet)
    form = InspectionForm(request.POST or None, initial={"inspected_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            inspection = inspection_service.inspection_start(
                inspector=request.user, outlet=outlet, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            return redirect("outlets:inspection_detail", inspection.pk)
    return _form_page(
        request,
        form=form,
        outlet=outlet,
        title=_("New inspection"),
        intro=_("Record each standard as met, not met or not applicable (OUT-3..OUT-9)."),
        submit=_("Start"),
    )


@login_required
@require_GET
def inspection_detail(request, pk: int):
    inspection = selectors.inspection_get(user=request.user, pk=pk)
    results = selectors.inspection_results(inspection=inspection)
    rows = []
    for standard in STANDARDS:
        result = results.get(standard.code)
        photos = evidence_for(user=request.user, subject=result) if result else []
        rows.append((standard, result, photos))
    editable = inspection.state == Inspection.State.DRAFT and _may_inspect(request.user)
    context = {
        "inspection": inspection,
        "outlet": inspection.outlet,
        "rows": rows,
        "editable": editable,
        "result_choices": InspectionResult.Result.choices,
        "recorded": len(results),
        "closed_findings": inspection.closed_findings.all(),
        "raised_findings": Finding.objects.filter(result__inspection=inspection),
        "today": timezone.localdate(),
    }
    return render(request, "outlets/inspections/detail.html", context)


@login_required
@require_POST
def inspection_result(request, pk: int):
    inspection = selectors.inspection_get(user=request.user, pk=pk)
    inspection_service.check_inspector(request.user, inspection.outlet)
    form = ResultForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            inspection_service.inspection_result_record(
                inspector=request.user, inspection=inspection, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
    if form.errors:
        messages.error(
            request,
            _("%(standard)s not saved: %(errors)s")
            % {
                "standard": request.POST.get("standard", ""),
                "errors": " ".join(m for errors in form.errors.values() for m in errors),
            },
        )
    anchor = f"#std-{request.POST.get('standard', '')}"
    return redirect(reverse("outlets:inspection_detail", args=[inspection.pk]) + anchor)


@login_required
def inspection_complete(request, pk: int):
    inspection = selectors.inspection_get(user=request.user, pk=pk)
    inspection_service.check_inspector(request.user, inspection.outlet)
    plan_forms = _plan_forms(request, inspection)
    errors: list[str] = []
    if request.method == "POST" and all(form.is_valid() for _row, form in plan_forms):
        plans = [
            inspection_service.FindingPlan(standard=row.standard, **form.cleaned_data)
            for row, form in plan_forms
        ]
        try:
            inspection_service.inspection_complete(
                inspector=request.user, inspection=inspection, plans=plans
            )
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("Inspection completed."))
            return redirect("outlets:inspection_detail", inspection.pk)
    context = {
        "inspection": inspection,
        "outlet": inspection.outlet,
        "plan_forms": plan_forms,
        "errors": errors,
    }
    failed = request.method == "POST" and (errors or any(f.errors for _r, f in plan_forms))
    return render(
        request, "outlets/inspections/complete.html", context, status=400 if failed else 200
    )


# --- Findings ------------------------------------------------------------------------------
@login_required
@require_GET
def finding_list(request):
    # Invalid values are reported on the page and left out; the valid ones still apply.
    filters = FindingFilterForm(request.GET)
    filters.is_valid()
    data = filters.cleaned_data
    findings = selectors.finding_list(
        user=request.user,
        **filters.places(request.user),
        state=data.get("state", ""),
        source=data.get("source", ""),
        overdue=data.get("overdue", False),
    )
    page = Paginator(findings, PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "filters": filters, "today": timezone.localdate()}
    return render(request, "outlets/inspections/findings.html", context)


@login_required
@require_GET
def finding_detail(request, pk: int):
    finding = selectors.finding_get(user=request.user, pk=pk)
    timer = finding.timer
    if timer is not None:
        timer.time_left = time_left(timer, timezone.now())
    owners = selectors.finding_owner_choices(outlet=finding.outlet)
    context = {
        "finding": finding,
        "timer": timer,
        "may_act": _may_inspect(request.user) and finding.state == Finding.State.OPEN,
        "close_form": CloseForm(),
        "reschedule_form": RescheduleForm(
            owners=owners, initial={"owner": finding.owner, "due_on": finding.due_on}
        ),
    }
    return render(request, "outlets/inspections/finding.html", context)


@login_required
def finding_create(request, pk: int):
    outlet = selectors.outlet_get(user=request.user, pk=pk)
    inspection_service.check_inspector(request.user, outlet)
    form = FindingForm(request.POST or None, owners=selectors.finding_owner_choices(outlet=outlet))
    if request.method == "POST" and form.is_valid():
        try:
            finding = inspection_service.finding_record(
                by=request.user, outlet=outlet, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Finding recorded; its owner is told."))
            return redirect("outlets:finding_detail", finding.pk)
    return _form_page(
        request, form=form, outlet=outlet, title=_("Record a finding"), submit=_("Record")
    )


@login_required
@require_POST
def finding_close(request, pk: int):
    finding = selectors.finding_get(user=request.user, pk=pk)
    inspection_service.check_inspector(request.user, finding.outlet)
    form = CloseForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors["note"])
        inspection_service.finding_close(
            by=request.user, finding=finding, note=form.cleaned_data["note"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Finding closed."))
    return redirect("outlets:finding_detail", finding.pk)


@login_required
def finding_reschedule(request, pk: int):
    finding = selectors.finding_get(user=request.user, pk=pk)
    inspection_service.check_inspector(request.user, finding.outlet)
    form = RescheduleForm(
        request.POST or None,
        owners=selectors.finding_owner_choices(outlet=finding.outlet),
        initial={"owner": finding.owner, "due_on": finding.due_on},
    )
    if request.method == "POST" and form.is_valid():
        try:
            inspection_service.finding_reschedule(
                by=request.user, finding=finding, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Finding rescheduled."))
            return redirect("outlets:finding_detail", finding.pk)
    return _form_page(
        request,
        form=form,
        outlet=finding.outlet,
        title=_("Reschedule the corrective action"),
        submit=_("Save"),
    )


urlpatterns = [
    path("<int:pk>/inspections/new/", inspection_create, name="inspection_create"),
    path("inspections/<int:pk>/", inspection_detail, name="inspection_detail"),
    path("inspections/<int:pk>/result/", inspection_result, name="inspection_result"),
    path("inspections/<int:pk>/complete/", inspection_complete, name="inspection_complete"),
    path("findings/", finding_list, name="finding_list"),
    path("findings/<int:pk>/", finding_detail, name="finding_detail"),
    path("<int:pk>/findings/new/", finding_create, name="finding_create"),
    path("findings/<int:pk>/close/", finding_close, name="finding_close"),
    path("findings/<int:pk>/reschedule/", finding_reschedule, name="finding_reschedule"),
]
