"""Pages of village group policies: list, creation (UW-2), the policy page with its
finalisation checklist and household rows, signatures and seal (UW-6, UW-7), on-site
inspections (UW-5, also for individual policies) and finalisation (PUB-1).

Views only read input and call underwriting.services.group / .inspections; records are
looked up in the user's scope first (404), then writes are checked (read-only roles 403).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.timezone import localdate
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from core.access import NotInScope, check_can_write, in_scope
from core.forms import DateInput, add_errors
from core.selectors import evidence_for
from publicity.models import Notice
from publicity.selectors import notices_of, open_notice_for
from underwriting.models import Customer, HouseholdRow, Policy, Product
from underwriting.selectors import (
    current_household_list,
    group_policy_get,
    group_policy_list,
    group_rows,
    household_row_get,
    household_rows_inspected,
    inspection_get,
    inspection_list,
    policy_get,
    product_list,
)
from underwriting.services import group as group_service
from underwriting.services.inspections import inspection_record
from underwriting.views.filters import GroupFilterForm

PER_PAGE = 50
ROWS_PER_PAGE = 100


# --- Forms ------------------------------------------------------------------------------
class GroupPolicyForm(forms.Form):
    organiser = forms.ModelChoiceField(
        label=gettext_lazy("Organiser"),
        queryset=Customer.objects.none(),
        help_text=gettext_lazy(
            "A village committee, farmers' cooperative or other agricultural organisation "
            "registered at your outlet (UW-2)."
        ),
    )
    product = forms.ModelChoiceField(label=gettext_lazy("Product"), queryset=Product.objects.none())
    season = forms.CharField(
        label=gettext_lazy("Season"),
        max_length=group_service.SEASON_MAX,
        help_text=gettext_lazy("e.g. 2026早稻"),
    )
    application_date = forms.DateField(label=gettext_lazy("Application date"), widget=DateInput)
    starts_on = forms.DateField(
        label=gettext_lazy("Cover starts"),
        widget=DateInput,
        required=False,
        help_text=gettext_lazy("Empty: the day after today."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organiser"].queryset = in_scope(
            Customer.objects.filter(
                kind=Customer.Kind.ORGANISATION,
                organisation_type__in=group_service.ORGANISER_TYPES,
            ),
            user,
        )
        self.fields["product"].queryset = product_list().filter(
            policy_based=True, line__in=group_service.AGRICULTURAL_LINES
        )


class SignatureForm(forms.Form):
    signature = forms.ChoiceField(
        label=gettext_lazy("Signature"), choices=HouseholdRow.Signature.choices
    )
    proxy_name = forms.CharField(
        label=gettext_lazy("Signed by (proxy)"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("Only for a proxy signature."),
    )
    proxy_authorisation = forms.CharField(
        label=gettext_lazy("Authorisation"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Only for a proxy signature, e.g. 委托书 2026-03-01."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason for the change"),
        max_length=200,
        help_text=gettext_lazy("Kept in the row's history with your name (UW-6)."),
    )


class SignAllForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)


class SealForm(forms.Form):
    seal = forms.ChoiceField(
        label=gettext_lazy("Organiser's seal"), choices=list(group_service.SEAL_CHOICES.items())
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


class InspectionForm(forms.Form):
    inspected_on = forms.DateField(label=gettext_lazy("Inspected on"), widget=DateInput)
    location = forms.CharField(label=gettext_lazy("Location"), max_length=200, required=False)
    findings = forms.CharField(label=gettext_lazy("Findings"), widget=forms.Textarea)
    confirmed = forms.BooleanField(
        label=gettext_lazy("Subject confirmed as declared"), required=False, initial=True
    )
    photos = MultipleImageField(
        label=gettext_lazy("Photos"),
        help_text=gettext_lazy(
            "At least one photo showing the inspector, the insured and the subject (UW-5). "
            "JPEG, PNG or WebP."
        ),
    )


# --- Pages ------------------------------------------------------------------------------
@login_required
def group_list(request):
    filters = GroupFilterForm(request.GET)
    policies = group_policy_list(user=request.user, **filters.filters(user=request.user))
    page = Paginator(policies, PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "filters": filters}
    return render(request, "underwriting/group/list.html", context)


@login_required
def group_create(request):
    check_can_write(request.user)
    form = GroupPolicyForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            policy = group_service.group_policy_create(clerk=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request, _("Group policy opened. Import its household list next (UW-10).")
            )
            return redirect("underwriting:group_detail", policy.pk)
    return render(request, "underwriting/group/create.html", {"form": form})


def _rows_with_marks(rows):
    """Attach what the row table shows: flag labels and whether a confirmed inspection
    covers the row."""
    rows = list(household_rows_inspected(rows=rows))
    for row in rows:
        row.flag_labels = group_service.row_flag_labels(row)
        row.needs_inspection = any(needs for _code, _label, needs in row.flag_labels)
    return rows


@login_required
def group_detail(request, pk: int):
    policy = group_policy_get(user=request.user, pk=pk)
    household_list = current_household_list(policy=policy)
    filters = {
        "flagged": request.GET.get("flagged") == "1",
        "unsigned": request.GET.get("unsigned") == "1",
        "query": request.GET.get("q", ""),
    }
    page = None
    if household_list is not None:
        rows = group_rows(household_list=household_list, **filters)
        page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
        page.object_list = _rows_with_marks(page.object_list)
    checklist = group_service.group_policy_checklist(policy=policy)
    editable = policy.status == Policy.Status.LISTED and not request.user.is_read_only
    context = {
        "policy": policy,
        "household_list": household_list,
        "latest_list": policy.lists.first(),
        "checklist": checklist,
        "ready": all(item.done for item in checklist),
        "page": page,
        "filters": filters,
        "inspections": inspection_list(user=request.user, policy=policy).select_related(
            "household", "inspector"
        ),
        "seal_form": SealForm(initial={"seal": policy.seal or "official"}),
        "sign_all_form": SignAllForm(),
        "editable": editable,
        # PUB-1: the notice of the list, or the way to create it.
        "open_notice": open_notice_for(source=policy),
        "past_notices": notices_of(source=policy).exclude(state__in=Notice.OPEN_STATES)[:5],
        "may_create_notice": editable and household_list is not None,
    }
    return render(request, "underwriting/group/detail.html", context)


def _row_context(row: HouseholdRow, user) -> dict:
    policy = row.household_list.policy
    (marked,) = _rows_with_marks(HouseholdRow.objects.filter(pk=row.pk))
    return {
        "row": marked,
        "policy": policy,
        "editable": policy.status == Policy.Status.LISTED and not user.is_read_only,
    }


@login_required
@vary_on_headers("HX-Request")
def household_row(request, pk: int):
    """One row of the household table (htmx: what "Cancel" puts back)."""
    row = household_row_get(user=request.user, pk=pk)
    if not request.htmx:
        return redirect("underwriting:group_detail", row.household_list.policy_id)
    return render(request, "underwriting/group/_row.html", _row_context(row, request.user))


@login_required
@vary_on_headers("HX-Request")
def household_row_signature(request, pk: int):
    """UW-7: change a row's signature; UW-6: with a reason, kept in the row's history.
    With htmx the form replaces the row and the saved row replaces the form."""
    row = household_row_get(user=request.user, pk=pk)
    check_can_write(request.user, row)
    initial = {
        "signature": row.signature,
        "proxy_name": row.proxy_name,
        "proxy_authorisation": row.proxy_authorisation,
    }
    # Several rows may be open for editing at once: their field ids must differ.
    form = SignatureForm(request.POST or None, initial=initial, auto_id=f"row{row.pk}-%s")
    if request.method == "POST" and form.is_valid():
        try:
            row = group_service.household_signature_record(
                clerk=request.user, row=row, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            if request.htmx:
                return render(
                    request, "underwriting/group/_row.html", _row_context(row, request.user)
                )
            messages.success(request, _("Signature of %(name)s saved.") % {"name": row.name})
            return redirect("underwriting:group_detail", row.household_list.policy_id)
    template = (
        "underwriting/group/_row_signature_form.html"
        if request.htmx
        else "underwriting/group/row_signature.html"
    )
    context = {"row": row, "policy": row.household_list.policy, "form": form}
    return render(request, template, context)


@login_required
@require_POST
def group_sign_all(request, pk: int):
    """UW-7: every unsigned row signed, as the signed paper list shows (with a reason)."""
    policy = group_policy_get(user=request.user, pk=pk)
    check_can_write(request.user, policy)
    form = SignAllForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.get("reason") or _("Enter a reason."))
        count = group_service.household_signatures_mark_signed(
            clerk=request.user, policy=policy, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("%(count)s households marked signed.") % {"count": count})
    return redirect("underwriting:group_detail", policy.pk)


@login_required
@require_POST
def group_seal(request, pk: int):
    """UW-7: the organiser's official or seam seal on the list."""
    policy = group_policy_get(user=request.user, pk=pk)
    check_can_write(request.user, policy)
    try:
        group_service.group_policy_record_seal(
            clerk=request.user, policy=policy, seal=request.POST.get("seal", "")
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The organiser's seal is recorded."))
    return redirect("underwriting:group_detail", policy.pk)


@login_required
@require_POST
def group_finalise(request, pk: int):
    """Issue the group policy once the checklist is complete (PUB-1, UW-5, UW-7)."""
    policy = group_policy_get(user=request.user, pk=pk)
    check_can_write(request.user, policy)
    try:
        policy = group_service.group_policy_finalise(clerk=request.user, policy=policy)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("Group policy %(number)s is issued.") % {"number": policy.number}
        )
    return redirect("underwriting:group_detail", policy.pk)


@login_required
def inspection_create(request, pk: int):
    """UW-5: an on-site inspection with photos, of an individual policy or of one
    household row (?row=<id>) of a group policy."""
    policy = policy_get(user=request.user, pk=pk)
    check_can_write(request.user, policy)
    household = None
    row_id = request.POST.get("row") or request.GET.get("row")
    if row_id:
        household = household_row_get(user=request.user, pk=row_id)
        if household.household_list.policy_id != policy.pk:
            raise NotInScope(_("Not found."))
    form = InspectionForm(
        request.POST or None, request.FILES or None, initial={"inspected_on": localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            inspection = inspection_record(
                clerk=request.user,
                policy=policy,
                household=household,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Inspection recorded."))
            return redirect("underwriting:inspection_detail", inspection.pk)
    context = {"policy": policy, "household": household, "form": form}
    return render(request, "underwriting/group/inspection_form.html", context)


@login_required
def inspection_detail(request, pk: int):
    inspection = inspection_get(user=request.user, pk=pk)
    context = {
        "inspection": inspection,
        "policy": inspection.policy,
        "photos": evidence_for(user=request.user, subject=inspection),
    }
    return render(request, "underwriting/group/inspection_detail.html", context)


urlpatterns = [
    path("groups/", group_list, name="group_list"),
    path("groups/new/", group_create, name="group_create"),
    path("groups/<int:pk>/", group_detail, name="group_detail"),
    path("groups/<int:pk>/seal/", group_seal, name="group_seal"),
    path("groups/<int:pk>/sign-all/", group_sign_all, name="group_sign_all"),
    path("groups/<int:pk>/finalise/", group_finalise, name="group_finalise"),
    path("groups/rows/<int:pk>/", household_row, name="household_row"),
    path(
        "groups/rows/<int:pk>/signature/",
        household_row_signature,
        name="household_row_signature",
    ),
    path("policies/<int:pk>/inspections/new/", inspection_create, name="inspection_create"),
    path("inspections/<int:pk>/", inspection_detail, name="inspection_detail"),
]
