"""Pages for changes to issued policies (UW-12): request an endorsement or a surrender,
see its computed effect (before/after, premium split, refund table), then confirm or
withdraw; the outlet's list of changes."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.access import check_can_write
from core.forms import DateInput, add_errors
from core.masking import mask
from underwriting.models import Policy, PolicyChange
from underwriting.selectors import policy_change_get, policy_change_list, policy_get
from underwriting.services import changes as services

CHANGES_PER_PAGE = 50
MASKED = {"phone": "phone", "bank_account": "bank_account"}
FIELD_LABELS = {
    "quantity": gettext_lazy("Quantity"),
    "phone": gettext_lazy("Phone"),
    "address": gettext_lazy("Address"),
    "village_group": gettext_lazy("Village / group"),
    "bank_account": gettext_lazy("Bank account"),
    "bank_name": gettext_lazy("Bank"),
}


class EndorsementForm(forms.Form):
    """Blank fields stay as they are (E6); only what is typed changes."""

    reason = forms.CharField(label=gettext_lazy("Reason for the endorsement"), max_length=300)
    effective_on = forms.DateField(
        label=gettext_lazy("Effective on"),
        required=False,
        widget=DateInput,
        help_text=gettext_lazy("Empty: today."),
    )
    row_number = forms.IntegerField(
        label=gettext_lazy("Household row (line in the list)"), min_value=1, required=False
    )
    quantity = forms.CharField(label=gettext_lazy("New quantity"), required=False, max_length=20)
    phone = forms.CharField(label=gettext_lazy("New phone"), required=False, max_length=20)
    address = forms.CharField(label=gettext_lazy("New address"), required=False, max_length=200)
    village_group = forms.CharField(
        label=gettext_lazy("New village / group"), required=False, max_length=100
    )
    bank_account = forms.CharField(
        label=gettext_lazy("New bank account"), required=False, max_length=40
    )
    bank_name = forms.CharField(label=gettext_lazy("New bank"), required=False, max_length=60)

    def __init__(self, *args, policy: Policy, **kwargs):
        super().__init__(*args, **kwargs)
        if policy.kind == Policy.Kind.GROUP:
            self.fields["row_number"].required = True
            del self.fields["address"]
        else:
            del self.fields["row_number"]

    def values(self) -> dict[str, str]:
        data = self.cleaned_data
        return {
            name: data[name]
            for name in ("quantity", *services.CUSTOMER_FIELDS)
            if name in self.fields
        }


class SurrenderForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason the customer states"), max_length=300)
    true_reason = forms.CharField(
        label=gettext_lazy("True reason (after talking to the customer)"), max_length=300
    )
    retention = forms.ChoiceField(
        label=gettext_lazy("Retention attempt"),
        choices=[
            (PolicyChange.Retention.DECLINED, PolicyChange.Retention.DECLINED.label),
            (PolicyChange.Retention.RETAINED, PolicyChange.Retention.RETAINED.label),
        ],
        widget=forms.RadioSelect,
    )
    retention_note = forms.CharField(
        label=gettext_lazy("What was offered to keep the customer"), max_length=300
    )
    effective_on = forms.DateField(
        label=gettext_lazy("Effective on"),
        required=False,
        widget=DateInput,
        help_text=gettext_lazy("Empty: today."),
    )


def _display_fields(change: PolicyChange) -> list[dict]:
    """Before/after of each changed field, personal data masked (REG-3)."""
    rows = []
    for item in change.changes.get("fields", []):
        kind = MASKED.get(item["field"])
        rows.append(
            {
                "label": FIELD_LABELS.get(item["field"], item["field"]),
                "before": mask(item["before"], kind) if kind else item["before"],
                "after": mask(item["after"], kind) if kind else item["after"],
            }
        )
    return rows


PART_LABELS = {
    "premium": gettext_lazy("Total premium"),
    "farmer_share": gettext_lazy("Farmer's own share"),
    "central": gettext_lazy("Central subsidy"),
    "provincial": gettext_lazy("Provincial subsidy"),
    "city": gettext_lazy("City subsidy"),
    "county": gettext_lazy("County subsidy"),
}


COLUMN_LABELS = {
    "paid": gettext_lazy("Paid"),
    "returned": gettext_lazy("Returned"),
    "kept": gettext_lazy("Kept"),
    "before": gettext_lazy("Before"),
    "after": gettext_lazy("After"),
    "delta": gettext_lazy("Change"),
}


def _table(effect: dict, columns: tuple[str, ...]) -> dict:
    """One line per part of the premium, one column per stage (paid, returned, …)."""
    return {
        "headings": [COLUMN_LABELS[column] for column in columns],
        "lines": [
            {"label": PART_LABELS[name], "values": [effect[column][name] for column in columns]}
            for name in services.SPLIT_FIELDS
        ],
    }


def _effect_tables(change: PolicyChange) -> dict:
    effect = change.changes
    if change.kind == PolicyChange.Kind.SURRENDER:
        return {"refund_table": _table(effect, ("paid", "returned", "kept"))}
    tables = {}
    if "split" in effect:
        tables["split_table"] = _table(effect["split"], ("before", "after", "delta"))
        tables["policy_table"] = _table(effect["policy_split"], ("before", "after"))
    if "returned" in effect:
        tables["returned_table"] = _table(effect, ("returned",))
    return tables


def _surrender_estimate(policy: Policy) -> dict | None:
    """The refund table of a surrender effective today, shown before the form is sent."""
    today = timezone.localdate()
    if not services.is_changeable(policy=policy, today=today):
        return None
    effect = services.surrender_effect(policy=policy, effective_on=today)
    return {
        "table": _table(effect, ("paid", "returned", "kept")),
        "cover": effect["cover"],
    }


@login_required
def change_create(request, pk: int, kind: str):
    """UW-12: the request form; the draft it creates shows the computed effect."""
    if kind not in PolicyChange.Kind.values:
        raise Http404
    policy = policy_get(user=request.user, pk=pk)
    check_can_write(request.user, policy)
    form_class = SurrenderForm if kind == PolicyChange.Kind.SURRENDER else EndorsementForm
    extra = {} if kind == PolicyChange.Kind.SURRENDER else {"policy": policy}
    form = form_class(request.POST or None, **extra)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if kind == PolicyChange.Kind.SURRENDER:
                change = services.change_request_surrender(
                    by=request.user,
                    policy=policy,
                    reason=data["reason"],
                    true_reason=data["true_reason"],
                    retention=data["retention"],
                    retention_note=data["retention_note"],
                    effective_on=data["effective_on"],
                )
            else:
                change = services.change_request_endorsement(
                    by=request.user,
                    policy=policy,
                    reason=data["reason"],
                    values=form.values(),
                    effective_on=data["effective_on"],
                    row_number=data.get("row_number"),
                )
        except ValidationError as error:
            add_errors(form, error)
        else:
            if change.state == PolicyChange.State.WITHDRAWN:
                messages.success(
                    request, _("The customer stayed: the surrender was withdrawn, nothing changed.")
                )
            return redirect("underwriting:change_detail", pk=change.pk)
    context = {
        "policy": policy,
        "kind": kind,
        "kind_label": PolicyChange.Kind(kind).label,
        "form": form,
        "rules": services.ENDORSEMENT_RULES,
    }
    if kind == PolicyChange.Kind.SURRENDER:
        context["estimate"] = _surrender_estimate(policy)
    return render(request, "underwriting/changes/create.html", context)


@login_required
def change_detail(request, pk: int):
    change = policy_change_get(user=request.user, pk=pk)
    context = {
        "change": change,
        "policy": change.policy,
        "fields": _display_fields(change),
        "can_act": change.state == PolicyChange.State.DRAFT and not request.user.is_read_only,
        **_effect_tables(change),
    }
    return render(request, "underwriting/changes/detail.html", context)


@login_required
@require_POST
def change_confirm(request, pk: int):
    change = policy_change_get(user=request.user, pk=pk)
    try:
        services.change_confirm(by=request.user, change=change)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The change was applied to the policy."))
    return redirect("underwriting:change_detail", pk=change.pk)


@login_required
@require_POST
def change_withdraw(request, pk: int):
    change = policy_change_get(user=request.user, pk=pk)
    try:
        services.change_withdraw(by=request.user, change=change, note=request.POST.get("note", ""))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The change was withdrawn; the policy is unchanged."))
    return redirect("underwriting:change_detail", pk=change.pk)


@login_required
def change_list(request):
    """The changes of the user's outlets, filtered by kind, state and policy number."""
    changes = policy_change_list(user=request.user)
    kind = request.GET.get("kind", "")
    state = request.GET.get("state", "")
    query = request.GET.get("q", "").strip()
    if kind in PolicyChange.Kind.values:
        changes = changes.filter(kind=kind)
    if state in PolicyChange.State.values:
        changes = changes.filter(state=state)
    if query:
        changes = changes.filter(policy__number__icontains=query)
    page = Paginator(changes, CHANGES_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "kinds": PolicyChange.Kind.choices,
        "states": PolicyChange.State.choices,
        "kind": kind,
        "state": state,
        "q": query,
    }
    return render(request, "underwriting/changes/list.html", context)


urlpatterns = [
    path("policies/<int:pk>/changes/<str:kind>/new/", change_create, name="change_create"),
    path("changes/", change_list, name="change_list"),
    path("changes/<int:pk>/", change_detail, name="change_detail"),
    path("changes/<int:pk>/confirm/", change_confirm, name="change_confirm"),
    path("changes/<int:pk>/withdraw/", change_withdraw, name="change_withdraw"),
]
