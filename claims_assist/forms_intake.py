"""Forms of the claim report pages (CLM-1, CLM-2): they read input; every rule is
checked again by claims_assist.services.intake."""

from django import forms
from django.utils.translation import gettext_lazy

from claims_assist.models import ClaimCase
from claims_assist.services.intake import case_followers, case_outlets, case_types
from core.models import OrgUnit
from underwriting.models import Product


class DateTimeInput(forms.DateTimeInput):
    """The browser's date-and-time picker reads and sends ISO times (Beijing time)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class FollowerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return f"{user} · {user.org_unit}"


def _text(label, *, required=True, rows=None, help_text=""):
    widget = forms.Textarea({"rows": rows}) if rows else None
    return forms.CharField(label=label, required=required, widget=widget, help_text=help_text)


class LookupForm(forms.Form):
    """CLM-2: look up existing reports and policies before taking a report."""

    policy_number = forms.CharField(label=gettext_lazy("Policy number"), required=False)
    name = forms.CharField(label=gettext_lazy("Insured name"), required=False)
    id_number = forms.CharField(
        label=gettext_lazy("ID number"),
        required=False,
        help_text=gettext_lazy("Ask for it when several people share the name."),
    )


class CaseEditForm(forms.Form):
    """The intake facts of CLM-2 that a correction may change."""

    channel = forms.ChoiceField(label=gettext_lazy("Reported by"), choices=ClaimCase.Channel)
    policy_number = forms.CharField(label=gettext_lazy("Policy number"), max_length=32)
    product = forms.ModelChoiceField(
        label=gettext_lazy("Product"),
        queryset=Product.objects.order_by("name"),
        required=False,
        help_text=gettext_lazy(
            "Only when the policy is not in the system; otherwise it is the policy's."
        ),
    )
    insured_name = forms.CharField(label=gettext_lazy("Insured name"), max_length=100)
    insured_id_number = forms.CharField(
        label=gettext_lazy("Insured ID number"),
        required=False,
        help_text=gettext_lazy(
            "Resident ID or unified social credit code; resolves a shared name."
        ),
    )
    incident_at = forms.DateTimeField(
        label=gettext_lazy("Incident time (Beijing time)"), widget=DateTimeInput
    )
    incident_place = forms.CharField(label=gettext_lazy("Incident place"), max_length=200)
    cause = forms.CharField(label=gettext_lazy("Cause"), max_length=200)
    course = _text(gettext_lazy("Course of events"), rows=3)
    injuries = _text(gettext_lazy("Injuries"), required=False, rows=2)
    deaths = forms.IntegerField(
        label=gettext_lazy("Deaths"),
        min_value=0,
        max_value=32767,
        initial=0,
        help_text=gettext_lazy("Two or more deaths make a major case (CLM-4)."),
    )
    measures = _text(gettext_lazy("Measures taken"), required=False, rows=2)
    current_state = _text(gettext_lazy("Current state"), required=False, rows=2)
    hospital = forms.CharField(label=gettext_lazy("Hospital"), max_length=100, required=False)
    reporter_name = forms.CharField(label=gettext_lazy("Reporter"), max_length=100)
    reporter_phone = forms.CharField(
        label=gettext_lazy("Reporter's phone"),
        max_length=30,
        help_text=gettext_lazy("Mobile or landline; progress messages go to a mobile."),
    )
    reporter_relation = forms.ChoiceField(
        label=gettext_lazy("Relation to the insured"), choices=ClaimCase.Relation
    )
    estimated_amount = forms.DecimalField(
        label=gettext_lazy("Estimated loss (yuan)"),
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
    )
    sum_insured = forms.DecimalField(
        label=gettext_lazy("Sum insured (yuan)"),
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=gettext_lazy(
            "Only when the policy is not in the system; otherwise it is the policy's."
        ),
    )
    case_type = forms.ModelChoiceField(
        label=gettext_lazy("Case type"), queryset=None, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case_type"].queryset = case_types()


class CaseReportForm(CaseEditForm):
    """CLM-2: a new report; the outlet is asked of users above outlets only."""

    reported_at = forms.DateTimeField(
        label=gettext_lazy("Reported at (Beijing time)"),
        widget=DateTimeInput,
        required=False,
        help_text=gettext_lazy("Leave empty for now."),
    )
    org_unit = forms.ModelChoiceField(label=gettext_lazy("Outlet"), queryset=None)
    owner = FollowerChoiceField(
        label=gettext_lazy("Followed by"),
        queryset=None,
        required=False,
        help_text=gettext_lazy("The outlet's staff member who follows the case; default: you."),
    )

    field_order = ["channel", "reported_at", "org_unit", "owner"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if user.org_unit_id and user.org_unit.kind == OrgUnit.Kind.OUTLET:
            del self.fields["org_unit"]
        else:
            self.fields["org_unit"].queryset = case_outlets(user=user)
        self.fields["owner"].queryset = case_followers(user=user)


class HotlineForm(forms.Form):
    """CLM-1: the report number the customer got from 95518."""

    number = forms.CharField(label=gettext_lazy("95518 report number"), max_length=60)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why the customer withdraws the claim"),
        widget=forms.Textarea({"rows": 3}),
    )
