"""The counter's motor self-survey check (CLM-13): the clerk asks the customer the five
questions and reads out the answer with every reason for a refusal and the next step.

A read-only check: a GET form (nothing is stored, no role is refused, auditors too). An
htmx change swaps only the answer; without JavaScript the button reloads the page.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from claims_assist.self_survey import VehicleUse, self_survey_check

YES_NO = [("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))]


def _answer(label, help_text=""):
    """A yes/no question the clerk must answer: no default, so an unasked question can
    never count as "no"."""
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )


class SelfSurveyForm(forms.Form):
    vehicle_use = forms.ChoiceField(
        label=gettext_lazy("Use of the insured vehicle"),
        choices=[("", "---------"), *VehicleUse.choices],
        help_text=gettext_lazy("As printed on the motor policy."),
    )
    injuries = _answer(
        gettext_lazy("Was anyone injured?"),
        gettext_lazy("The driver, passengers or anyone else."),
    )
    third_party_property_damage = _answer(
        gettext_lazy("Was any third-party property damaged?"),
        gettext_lazy("Anything other than the insured car: another's goods, walls, road works…"),
    )
    drivable = _answer(gettext_lazy("Can the car still be driven normally?"))
    accidents_this_policy_year = forms.IntegerField(
        label=gettext_lazy("Earlier accidents this policy year"),
        min_value=0,
        max_value=99,
        help_text=gettext_lazy(
            "Insured accidents before this one in the current policy year; do not count "
            "this accident. From the third accident of a year on, self-survey is not "
            "offered (CLM-13)."
        ),
    )


@login_required
@require_GET
@vary_on_headers("HX-Request")
def self_survey(request):
    """CLM-13: the check form and, once answered, the decision."""
    form = SelfSurveyForm(request.GET or None)
    decision = self_survey_check(**form.cleaned_data) if form.is_valid() else None
    template = (
        "claims_assist/self_survey/_decision.html"
        if request.headers.get("HX-Request") == "true"
        else "claims_assist/self_survey/check.html"
    )
    return render(request, template, {"form": form, "decision": decision})


urlpatterns = [
    path("self-survey/", self_survey, name="self_survey"),
]
