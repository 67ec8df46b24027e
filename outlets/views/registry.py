"""Pages of the outlet registry (OUT-2..OUT-10): the list of outlets, an outlet's page
(official name, site facts against the standards, lease, facilities, staff with
qualification warnings, inspections and open findings), the forms that keep it, and the
nameplate drawing for the sign maker (OUT-6).

Views read input and call outlets.services.registry; the outlet or record is looked up
in the user's scope first (404), then writes are checked (read-only roles and clerks
403).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from core.forms import DateInput, add_errors
from core.models import OrgUnit, Role, User
from outlets import selectors
from outlets.models import Lease, OutletProfile, StaffMember
from outlets.services import registry as registry_service
from outlets.services.nameplate import nameplate_filename, nameplate_svg
from outlets.standards import FACILITY_ITEMS, RULES

PER_PAGE = 50


# --- Forms --------------------------------------------------------------------------------
class ReasonField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", gettext_lazy("Reason for the change"))
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("help_text", gettext_lazy("Kept in the record's history with your name."))
        super().__init__(**kwargs)


class RecordForm(forms.Form):
    """The fields of a registry model as the admin would show them; the model itself is
    validated by the service, which names the rule a value breaks. Editing an existing
    record adds the reason kept in its history."""

    model: type = OutletProfile
    field_names: tuple[str, ...] = ()
    widgets: dict = {}

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(
            forms.fields_for_model(self.model, fields=self.field_names, widgets=self.widgets)
        )
        if editing:
            self.fields["reason"] = ReasonField()

    @classmethod
    def initial_of(cls, instance) -> dict:
        return forms.model_to_dict(instance, fields=cls.field_names) if instance else {}


class ProfileForm(RecordForm):
    model = OutletProfile
    field_names = registry_service.PROFILE_FIELDS
    widgets = {"head_appointed_on": DateInput}

    def __init__(self, *args, outlet: OrgUnit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["head_user"].queryset = User.objects.filter(org_unit=outlet, is_active=True)


class LeaseForm(RecordForm):
    model = Lease
    field_names = ("landlord", "starts_on", "ends_on", "short_term_reason")
    widgets = {
        "starts_on": DateInput,
        "ends_on": DateInput,
        "short_term_reason": forms.Textarea({"rows": 2}),
    }


class StaffForm(RecordForm):
    model = StaffMember
    field_names = registry_service.STAFF_FIELDS
    widgets = {"joined_on": DateInput, "qualification_expires_on": DateInput}

    def __init__(self, *args, outlet: OrgUnit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(org_unit=outlet, is_active=True)


class OfficialNameForm(forms.Form):
    imposed_name = forms.CharField(
        label=gettext_lazy("Name imposed by the regulator"),
        max_length=OutletProfile._meta.get_field("imposed_name").max_length,
        required=False,
        help_text=gettext_lazy("Leave empty to go back to the standard name (OUT-2)."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Why (the regulator's decision)"), widget=forms.Textarea({"rows": 3})
    )


class LeaveForm(forms.Form):
    left_on = forms.DateField(label=gettext_lazy("Left on"), widget=DateInput)
    reason = ReasonField()


class FacilitiesForm(forms.Form):
    """One checkbox per catalogue item (OUT-6..OUT-8) and the nameplate's measures."""

    width_mm = forms.IntegerField(label=gettext_lazy("Nameplate width (mm)"), required=False)
    height_mm = forms.IntegerField(label=gettext_lazy("Nameplate height (mm)"), required=False)
    thickness_mm = forms.IntegerField(
        label=gettext_lazy("Nameplate thickness (mm)"), required=False
    )
    material = forms.CharField(label=gettext_lazy("Nameplate board"), max_length=60, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for spec in FACILITY_ITEMS:
            self.fields[f"item_{spec.code}"] = forms.BooleanField(label=spec.label, required=False)

    def items(self, category: str):
        return [
            (spec, self[f"item_{spec.code}"])
            for spec in FACILITY_ITEMS
            if spec.category == category
        ]


# --- Helpers -------------------------------------------------------------------------------
def _may_keep(user) -> bool:
    return not user.is_read_only and (
        user.is_superuser or user.is_manager or user.role == Role.OUTLET_HEAD
    )


def _form_page(request, *, form, outlet, title, intro="", submit, status=None):
    status = status or (400 if form.is_bound and form.errors else 200)
    context = {"form": form, "outlet": outlet, "title": title, "intro": intro, "submit": submit}
    return render(request, "outlets/registry/form.html", context, status=status)


# --- Pages ---------------------------------------------------------------------------------
@login_required
@require_GET
def outlet_list(request):
    query = request.GET.get("q", "")
    outlets = selectors.outlet_list(user=request.user, query=query)
    page = Paginator(outlets, PER_PAGE).get_page(request.GET.get("page"))
    for outlet in page.object_list:
        outlet.registry = getattr(outlet, "profile", None)
    return render(request, "outlets/registry/list.html", {"page": page, "query": query})


@login_required
@require_GET
def outlet_detail(request, pk: int):
    outlet = selectors.outlet_get(user=request.user, pk=pk)
    today = timezone.localdate()
    profile = selectors.profile_for(outlet=outlet)
    answers = selectors.registry_standards(outlet=outlet, today=today)
    facilities = selectors.facilities_of(outlet=outlet)
    context = {
        "outlet": outlet,
        "profile": profile,
        "settings": selectors.outlet_settings_for(outlet=outlet),
        "standards_by_rule": [
            (rule, [(s, answer) for s, answer in answers if s.rule == rule]) for rule in RULES
        ],
        "unmet_required": sum(1 for s, answer in answers if s.required and answer is False),
        "leases": selectors.lease_list(user=request.user, outlet=outlet),
        "current_lease": selectors.lease_current(outlet=outlet, on=today),
        "staff": selectors.staff_list(user=request.user, outlet=outlet, active_on=today),
        "former_staff": selectors.staff_list(user=request.user, outlet=outlet).filter(
            left_on__lt=today
        ),
        "expiring": selectors.qualifications_expiring(user=request.user, outlet=outlet),
        "facilities": [(spec, facilities.get(spec.code)) for spec in FACILITY_ITEMS],
        "inspections": selectors.inspection_list(user=request.user, outlet=outlet)[:10],
        "findings": selectors.finding_list(user=request.user, outlet=outlet, state="open"),
        "today": today,
        "may_keep": _may_keep(request.user),
        "may_inspect": request.user.is_manager and not request.user.is_read_only,
    }
    return render(request, "outlets/registry/detail.html", context)


@login_required
def profile_edit(request, pk: int):
    outlet = selectors.outlet_get(user=request.user, pk=pk)
    registry_service.check_registry_writer(request.user, outlet)
    profile = selectors.profile_for(outlet=outlet)
    form = ProfileForm(
        request.POST or None,
        initial=ProfileForm.initial_of(profile),
        outlet=outlet,
        editing=profile is not None,
    )
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in registry_service.PROFILE_FIELDS}
        try:
            registry_service.profile_save(
                by=request.user,
                outlet=outlet,
                values=values,
                reason=form.cleaned_data.get("reason", ""),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Registry record saved."))
            return redirect("outlets:outlet_detail", outlet.pk)
    return _form_page(
        request,
        form=form,
        outlet=outlet,
        title=_("Registry record"),
        intro=_(
            "Site facts (OUT-3), usable area (OUT-4), head of outlet (OUT-9). The official "
            "name is built from the county and the township (OUT-2)."
        ),
        submit=_("Save"),
    )


@login_required
def official_name_edit(request, pk: int):
    profile = selectors.profile_get(user=request.user, outlet_pk=pk)
    registry_service.check_name_writer(request.user, profile)
    form = OfficialNameForm(
        request.POST or None,
        initial={"imposed_name": profile.imposed_name, "reason": profile.imposed_name_reason},
    )
    if request.method == "POST" and form.is_valid():
        try:
            registry_service.official_name_impose(
                by=request.user,
                profile=profile,
                name=form.cleaned_data["imposed_name"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Official name recorded."))
            return redirect("outlets:outlet_detail", pk)
    return _form_page(
        request,
        form=form,
        outlet=profile.outlet,
        title=_("Name imposed by the regulator"),
        intro=_("Standard name: %(name)s") % {"name": profile.standard_name},
        submit=_("Record the name"),
    )


@login_required
def lease_create(request, pk: int):
    outlet = selectors.outlet_get(user=request.user, pk=pk)
    registry_service.check_registry_writer(request.user, outlet)
    form = LeaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            registry_service.lease_record(
                by=request.user,
                outlet=outlet,
                landlord=data["landlord"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                short_term_reason=data["short_term_reason"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Lease recorded; its end is watched (OUT-5)."))
            return redirect("outlets:outlet_detail", outlet.pk)
    return _form_page(
        request,
        form=form,
        outlet=outlet,
        title=_("New lease"),
        intro=_("At least 3 years per contract unless an exception with reason (OUT-5)."),
        submit=_("Record the lease"),
    )


@login_required
def lease_edit(request, pk: int):
    lease = selectors.lease_get(user=request.user, pk=pk)
    registry_service.check_registry_writer(request.user, lease.outlet)
    form = LeaseForm(request.POST or None, initial=LeaseForm.initial_of(lease), editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            registry_service.lease_update(by=request.user, lease=lease, **data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Lease corrected."))
            return redirect("outlets:outlet_detail", lease.outlet_id)
    return _form_page(
        request, form=form, outlet=lease.outlet, title=_("Correct the lease"), submit=_("Save")
    )


@login_required
def facilities_edit(request, pk: int):
    outlet = selectors.outlet_get(user=request.user, pk=pk)
    registry_service.check_registry_writer(request.user, outlet)
    recorded = selectors.facilities_of(outlet=outlet)
    plate = recorded.get("nameplate")
    initial = {f"item_{code}": item.present for code, item in recorded.items()}
    if plate is not None:
        initial.update({name: getattr(plate, name) for name in registry_service.SIZE_FIELDS})
    form = FacilitiesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        present = {spec.code for spec in FACILITY_ITEMS if data[f"item_{spec.code}"]}
        try:
            registry_service.facilities_record(
                by=request.user,
                outlet=outlet,
                present=present,
                nameplate={name: data[name] for name in registry_service.SIZE_FIELDS},
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Signage, interior and equipment saved."))
            return redirect("outlets:outlet_detail", outlet.pk)
    context = {
        "outlet": outlet,
        "form": form,
        "sections": [
            (_("Signage (OUT-6)"), form.items("signage")),
            (_("Interior (OUT-7)"), form.items("interior")),
            (_("Equipment (OUT-8)"), form.items("equipment")),
        ],
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "outlets/registry/facilities.html", context, status=status)


@login_required
def staff_create(request, pk: int):
    outlet = selectors.outlet_get(user=request.user, pk=pk)
    registry_service.check_registry_writer(request.user, outlet)
    form = StaffForm(request.POST or None, outlet=outlet)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in registry_service.STAFF_FIELDS}
        try:
            registry_service.staff_member_add(by=request.user, outlet=outlet, **values)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Staff member added."))
            return redirect("outlets:outlet_detail", outlet.pk)
    return _form_page(
        request,
        form=form,
        outlet=outlet,
        title=_("New staff member"),
        intro=_("A sales agent needs a qualification number and its expiry date (OUT-10)."),
        submit=_("Add"),
    )


@login_required
def staff_edit(request, pk: int):
    member = selectors.staff_get(user=request.user, pk=pk)
    registry_service.check_registry_writer(request.user, member.outlet)
    form = StaffForm(
        request.POST or None,
        initial=StaffForm.initial_of(member),
        outlet=member.outlet,
        editing=True,
    )
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in registry_service.STAFF_FIELDS}
        try:
            registry_service.staff_member_update(
                by=request.user, member=member, values=values, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Staff member saved."))
            return redirect("outlets:outlet_detail", member.outlet_id)
    return _form_page(request, form=form, outlet=member.outlet, title=member.name, submit=_("Save"))


@login_required
def staff_leave(request, pk: int):
    member = selectors.staff_get(user=request.user, pk=pk)
    registry_service.check_registry_writer(request.user, member.outlet)
    form = LeaveForm(request.POST or None, initial={"left_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            registry_service.staff_member_leave(by=request.user, member=member, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("%(name)s has left the outlet.") % {"name": member.name})
            return redirect("outlets:outlet_detail", member.outlet_id)
    return _form_page(
        request,
        form=form,
        outlet=member.outlet,
        title=_("%(name)s leaves the outlet") % {"name": member.name},
        submit=_("Record"),
    )


@login_required
@require_GET
def nameplate(request, pk: int):
    """OUT-6: the plate drawing; `?download=1` gives it as a file for the sign maker."""
    profile = selectors.profile_get(user=request.user, outlet_pk=pk)
    response = HttpResponse(nameplate_svg(profile=profile), content_type="image/svg+xml")
    disposition = "attachment" if request.GET.get("download") else "inline"
    response["Content-Disposition"] = (
        f'{disposition}; filename="{nameplate_filename(profile=profile)}"'
    )
    return response


urlpatterns = [
    path("", outlet_list, name="outlet_list"),
    path("<int:pk>/", outlet_detail, name="outlet_detail"),
    path("<int:pk>/profile/", profile_edit, name="profile_edit"),
    path("<int:pk>/name/", official_name_edit, name="official_name_edit"),
    path("<int:pk>/leases/new/", lease_create, name="lease_create"),
    path("leases/<int:pk>/edit/", lease_edit, name="lease_edit"),
    path("<int:pk>/facilities/", facilities_edit, name="facilities_edit"),
    path("<int:pk>/staff/new/", staff_create, name="staff_create"),
    path("staff/<int:pk>/edit/", staff_edit, name="staff_edit"),
    path("staff/<int:pk>/leave/", staff_leave, name="staff_leave"),
    path("<int:pk>/nameplate.svg", nameplate, name="nameplate"),
]
