"""Forms of the initial check (CLM-3), refusal letters (REG-1), major cases (CLM-4)
and the watch list (CLM-16). They only read input; the rules are in the services."""

from django import forms
from django.utils.translation import gettext_lazy

from claims_assist.models import ClaimCase
from claims_assist.services.check import initial_check_facts
from claims_assist.services.major import MANUAL_REASONS
from core.forms import DateInput


class DateTimeInput(forms.DateTimeInput):
    """The browser's date-time picker reads and sends ISO times."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class CheckForm(forms.Form):
    # Prefixed: the case page shows several of these forms at once.
    prefix = "check"

    covered = forms.TypedChoiceField(
        label=gettext_lazy("Is the cause a covered peril?"),
        choices=[("yes", gettext_lazy("Yes, covered")), ("no", gettext_lazy("No, not covered"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        help_text=gettext_lazy("Judge it against the product's liability and exclusions."),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        widget=forms.Textarea({"rows": 2}),
        help_text=gettext_lazy(
            "If the peril is not covered, say why (e.g. which exclusion applies): the "
            "refusal letter states it."
        ),
    )
    cover_starts = forms.DateField(
        label=gettext_lazy("Cover starts (from the policy document)"),
        widget=DateInput,
        required=False,
    )
    cover_ends = forms.DateField(
        label=gettext_lazy("Cover ends (from the policy document)"),
        widget=DateInput,
        required=False,
    )

    def __init__(self, *args, case: ClaimCase, **kwargs):
        super().__init__(*args, **kwargs)
        # The period comes from the linked policy when it has one (CLM-3).
        if initial_check_facts(case=case).period_from_policy:
            del self.fields["cover_starts"]
            del self.fields["cover_ends"]
        else:
            self.fields["cover_starts"].required = True
            self.fields["cover_ends"].required = True


class DeliveredForm(forms.Form):
    # Prefixed: the case page shows several of these forms at once.
    prefix = "delivered"

    at = forms.DateTimeField(
        label=gettext_lazy("Handed over at"),
        widget=DateTimeInput,
        required=False,
        help_text=gettext_lazy("Leave empty for now."),
    )
    note = forms.CharField(
        label=gettext_lazy("How it was delivered"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("In person at the counter, by post (tracking number) …"),
    )


class MajorFlagForm(forms.Form):
    # Prefixed: the case page shows several of these forms at once.
    prefix = "major-flag"

    reasons = forms.MultipleChoiceField(
        label=gettext_lazy("Dispute"),
        choices=[(code.value, code.label) for code in MANUAL_REASONS],
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=gettext_lazy("What happened"),
        widget=forms.Textarea({"rows": 2}),
        help_text=gettext_lazy("Who took the dispute where, and when."),
    )


class MajorReportedForm(forms.Form):
    # Prefixed: the case page shows several of these forms at once.
    prefix = "major-reported"

    reference = forms.CharField(label=gettext_lazy("Head office report reference"), max_length=60)
    at = forms.DateTimeField(
        label=gettext_lazy("Reported at"),
        widget=DateTimeInput,
        required=False,
        help_text=gettext_lazy("Leave empty for now."),
    )


class WatchListAddForm(forms.Form):
    county = forms.ModelChoiceField(label=gettext_lazy("County branch"), queryset=None)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    id_number = forms.CharField(label=gettext_lazy("ID number"), max_length=30)
    reason = forms.CharField(
        label=gettext_lazy("Proven false claim"),
        widget=forms.Textarea({"rows": 3}),
        help_text=gettext_lazy("Which claim was proven false, and how."),
    )
    case_number = forms.CharField(
        label=gettext_lazy("Case number of the false claim"), max_length=32, required=False
    )

    def __init__(self, *args, counties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = counties
        if len(counties) == 1:
            self.fields["county"].initial = counties[0].pk


class WatchListRemoveForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why the person comes off the watch list"),
        widget=forms.Textarea({"rows": 3}),
    )
