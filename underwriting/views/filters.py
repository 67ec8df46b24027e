"""The filters of the policy lists (individual and group) that the county dashboards link
to: unit (its whole subtree), product and issue dates, plus the group list's own."""

from django import forms
from django.utils.translation import gettext_lazy

from core.forms import DateInput
from core.models import OrgUnit, User
from core.selectors import org_unit_get
from publicity.models import Notice
from underwriting.models import Policy, Product
from underwriting.selectors import NOTICE_NONE

# Primary keys are bigints: anything larger is not a key (and would overflow the query).
MAX_PK = 2**63 - 1


def _date_range_error(form: forms.Form, start: str, end: str) -> None:
    data = form.cleaned_data
    if data.get(start) and data.get(end) and data[start] > data[end]:
        form.add_error(end, gettext_lazy("The end date is before the start date."))


class PolicyFilterForm(forms.Form):
    """GET filters; an invalid value is reported on the page and left out, the valid
    ones still apply (`cleaned_data` keeps them)."""

    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("All statuses")), *Policy.Status.choices],
        required=False,
    )
    unit = forms.IntegerField(
        label=gettext_lazy("Unit"), min_value=1, max_value=MAX_PK, required=False
    )
    # `outlet` is what the dashboards sent before `unit`: the same filter.
    outlet = forms.IntegerField(
        label=gettext_lazy("Outlet"), min_value=1, max_value=MAX_PK, required=False
    )
    product = forms.ModelChoiceField(
        label=gettext_lazy("Product"),
        queryset=Product.objects.order_by("line", "code"),
        empty_label=gettext_lazy("All products"),
        required=False,
    )
    issued_from = forms.DateField(
        label=gettext_lazy("Issued from"), widget=DateInput(), required=False
    )
    issued_to = forms.DateField(label=gettext_lazy("Issued to"), widget=DateInput(), required=False)

    def clean(self):
        data = super().clean()
        _date_range_error(self, "issued_from", "issued_to")
        return data

    def filters(self, *, user: User) -> dict:
        """The selector's keyword arguments from the valid fields; a unit outside the
        user's branch is NotInScope (a 404, as for any record out of scope)."""
        self.is_valid()
        data = self.cleaned_data
        unit_pk = data.get("unit") or data.get("outlet")
        self.unit_obj: OrgUnit | None = org_unit_get(user=user, pk=unit_pk) if unit_pk else None
        return {
            "status": data.get("status") or "",
            "unit": self.unit_obj,
            "product": data.get("product"),
            "issued_from": data.get("issued_from"),
            "issued_to": data.get("issued_to"),
        }


# The individual list can also show group policies beside them: the dashboard's issuance
# figures count both kinds.
ALL_KINDS = "all"


class IndividualFilterForm(PolicyFilterForm):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=[
            ("", gettext_lazy("Individual policies")),
            (ALL_KINDS, gettext_lazy("Individual and group policies")),
        ],
        required=False,
    )

    def filters(self, *, user: User) -> dict:
        filters = super().filters(user=user)
        all_kinds = self.cleaned_data.get("kind") == ALL_KINDS
        return {**filters, "kind": None if all_kinds else Policy.Kind.INDIVIDUAL}


class GroupFilterForm(PolicyFilterForm):
    season = forms.CharField(label=gettext_lazy("Season"), max_length=40, required=False)
    q = forms.CharField(label=gettext_lazy("Organiser or number"), max_length=100, required=False)
    applied_from = forms.DateField(
        label=gettext_lazy("Applied from"), widget=DateInput(), required=False
    )
    applied_to = forms.DateField(
        label=gettext_lazy("Applied to"), widget=DateInput(), required=False
    )
    notice = forms.ChoiceField(
        label=gettext_lazy("Public notice"),
        choices=[
            ("", gettext_lazy("Any")),
            (NOTICE_NONE, gettext_lazy("No notice")),
            *Notice.State.choices,
        ],
        required=False,
    )
    hide_cancelled = forms.BooleanField(label=gettext_lazy("Hide cancelled"), required=False)

    def clean(self):
        data = super().clean()
        _date_range_error(self, "applied_from", "applied_to")
        return data

    def filters(self, *, user: User) -> dict:
        filters = super().filters(user=user)
        data = self.cleaned_data
        return {
            **filters,
            "season": data.get("season") or "",
            "query": data.get("q") or "",
            "applied_from": data.get("applied_from"),
            "applied_to": data.get("applied_to"),
            "notice": data.get("notice") or "",
            "hide_cancelled": bool(data.get("hide_cancelled")),
        }
