"""CLM-14 benefit calculators page: one form per scheme (elderly accident, group medical,
student accident); the result is shown under its form with the lines of its working.

Nothing is read or written, so every logged-in user may calculate, auditors included.
The forms only validate and call claims_assist.calculators; a refusal (out of the
180-day window, lapsed, an unknown grade…) comes back on the form.
"""

from decimal import Decimal

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import path
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from claims_assist import calculators as calc
from core.forms import DateInput, add_errors

SCHEMES = ("elderly", "medical", "student")


def _money_field(label, *, required: bool = True, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=12,
        decimal_places=2,
        required=required,
        initial=None if required else Decimal("0.00"),
        help_text=help_text,
    )


GRADE_CHOICES = [
    ("", "—"),
    *(
        (
            str(grade),
            format_lazy(
                gettext_lazy("Grade {grade} ({percent})"), grade=grade, percent=calc.percent(ratio)
            ),
        )
        for grade, ratio in calc.DISABILITY_RATIOS.items()
    ),
]


class ElderlyForm(forms.Form):
    """CLM-14 elderly accident scheme."""

    benefit = forms.ChoiceField(
        label=gettext_lazy("Benefit"),
        choices=[
            ("death", gettext_lazy("Death")),
            ("disability", gettext_lazy("Disability")),
            ("hospital_allowance", gettext_lazy("Hospital allowance")),
        ],
    )
    accident_on = forms.DateField(
        label=gettext_lazy("Accident on"), widget=DateInput, required=False
    )
    death_on = forms.DateField(label=gettext_lazy("Death on"), widget=DateInput, required=False)
    disabled_on = forms.DateField(
        label=gettext_lazy("Disability established on"), widget=DateInput, required=False
    )
    conveyance = forms.ChoiceField(
        label=gettext_lazy("Death as a passenger of"),
        choices=[
            (calc.CONVEYANCE_NONE, gettext_lazy("No commercial conveyance")),
            (calc.CONVEYANCE_MOTOR, gettext_lazy("Commercial motor vehicle")),
            (calc.CONVEYANCE_RAIL, gettext_lazy("Rail")),
            (calc.CONVEYANCE_SHIP, gettext_lazy("Ship")),
            (calc.CONVEYANCE_AIRCRAFT, gettext_lazy("Aircraft")),
        ],
        initial=calc.CONVEYANCE_NONE,
        required=False,
    )
    grade = forms.TypedChoiceField(
        label=gettext_lazy("Disability grade"),
        choices=GRADE_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
    )
    disability_paid = _money_field(
        gettext_lazy("Disability already paid"),
        required=False,
        help_text=gettext_lazy("For this person, in yuan."),
    )
    hospital_days = forms.IntegerField(label=gettext_lazy("Days in hospital"), required=False)
    days_paid_this_year = forms.IntegerField(
        label=gettext_lazy("Allowance days already paid this policy year"),
        required=False,
        initial=0,
    )

    REQUIRED = {
        "death": ("accident_on", "death_on"),
        "disability": ("accident_on", "disabled_on", "grade"),
        "hospital_allowance": ("hospital_days",),
    }

    def clean(self):
        data = super().clean()
        _require(self, self.REQUIRED.get(data.get("benefit"), ()))
        return data

    def calculate(self) -> calc.Calculation:
        data = self.cleaned_data
        paid = data.get("disability_paid") or calc.ZERO
        if data["benefit"] == "death":
            return calc.elderly_death_benefit(
                accident_on=data["accident_on"],
                death_on=data["death_on"],
                conveyance=data.get("conveyance") or calc.CONVEYANCE_NONE,
                disability_paid=paid,
            )
        if data["benefit"] == "disability":
            return calc.elderly_disability_benefit(
                accident_on=data["accident_on"],
                disabled_on=data["disabled_on"],
                grade=data["grade"],
                disability_paid=paid,
            )
        return calc.elderly_hospital_allowance(
            hospital_days=data["hospital_days"],
            days_paid_this_year=data.get("days_paid_this_year") or 0,
        )


class MedicalForm(forms.Form):
    """CLM-14 group medical; the year-to-date figures stand in for claim records."""

    care = forms.ChoiceField(
        label=gettext_lazy("Care"),
        choices=[
            (calc.OUTPATIENT, gettext_lazy("Outpatient")),
            (calc.INPATIENT, gettext_lazy("Inpatient")),
        ],
    )
    eligible_self_paid = _money_field(
        gettext_lazy("Eligible self-paid part"),
        help_text=gettext_lazy(
            "Self-paid under the medical insurance rules, personal account payments included."
        ),
    )
    other_insurers_paid = _money_field(gettext_lazy("Paid by other insurers"), required=False)
    cover_starts_on = forms.DateField(label=gettext_lazy("Cover starts on"), widget=DateInput)
    claimed_on = forms.DateField(label=gettext_lazy("Claimed on"), widget=DateInput)
    outpatient_paid = _money_field(
        gettext_lazy("Outpatient paid earlier this policy year"), required=False
    )
    inpatient_paid = _money_field(
        gettext_lazy("Inpatient paid earlier this policy year"), required=False
    )
    deductible_used = _money_field(
        gettext_lazy("Outpatient deductible used this policy year"), required=False
    )

    def calculate(self) -> calc.MedicalCalculation:
        data = self.cleaned_data
        ledger = calc.MedicalLedger(
            outpatient_paid=data.get("outpatient_paid") or calc.ZERO,
            inpatient_paid=data.get("inpatient_paid") or calc.ZERO,
            deductible_used=data.get("deductible_used") or calc.ZERO,
        )
        return calc.medical_claim(
            ledger=ledger,
            care=data["care"],
            eligible_self_paid=data["eligible_self_paid"],
            other_insurers_paid=data.get("other_insurers_paid") or calc.ZERO,
            cover_starts_on=data["cover_starts_on"],
            claimed_on=data["claimed_on"],
        )


class StudentForm(forms.Form):
    """CLM-14 student accident."""

    insured_event = forms.ChoiceField(
        label=gettext_lazy("Benefit"),
        choices=[("death", gettext_lazy("Death")), ("disability", gettext_lazy("Disability"))],
    )
    sum_insured = _money_field(gettext_lazy("Sum insured"))
    accident_on = forms.DateField(label=gettext_lazy("Accident on"), widget=DateInput)
    death_on = forms.DateField(label=gettext_lazy("Death on"), widget=DateInput, required=False)
    assessed_on = forms.DateField(
        label=gettext_lazy("Disability assessed on"), widget=DateInput, required=False
    )
    grade = forms.TypedChoiceField(
        label=gettext_lazy("Disability grade"),
        choices=GRADE_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
    )
    treatment_continuing = forms.BooleanField(
        label=gettext_lazy("Treatment still continued on day 180"), required=False
    )
    disability_paid = _money_field(gettext_lazy("Disability already paid"), required=False)

    REQUIRED = {"death": ("death_on",), "disability": ("assessed_on", "grade")}

    def clean(self):
        data = super().clean()
        _require(self, self.REQUIRED.get(data.get("insured_event"), ()))
        return data

    def calculate(self) -> calc.StudentCalculation:
        data = self.cleaned_data
        common = {
            "sum_insured": data["sum_insured"],
            "accident_on": data["accident_on"],
            "disability_paid": data.get("disability_paid") or calc.ZERO,
        }
        if data["insured_event"] == "death":
            return calc.student_death_benefit(death_on=data["death_on"], **common)
        return calc.student_disability_benefit(
            assessed_on=data["assessed_on"],
            grade=data["grade"],
            treatment_continuing=data["treatment_continuing"],
            **common,
        )


FORMS: dict[str, type[forms.Form]] = {
    "elderly": ElderlyForm,
    "medical": MedicalForm,
    "student": StudentForm,
}
TITLES = {
    "elderly": gettext_lazy("Elderly accident scheme"),
    "medical": gettext_lazy("Group outpatient and inpatient medical"),
    "student": gettext_lazy("Student accident"),
}
INTROS = {
    "elderly": gettext_lazy(
        "Accidental death 3,000 yuan; as a passenger of a commercial motor vehicle 30,000, "
        "rail 30,000, ship 50,000, aircraft 100,000; disability grade ratio × 3,000; death "
        "or disability within 180 days of the accident. Hospital allowance 30 yuan a day, "
        "at most 90 days a stay and 180 days a policy year."
    ),
    "medical": gettext_lazy(
        "Per insured and policy year 4,000 yuan in all: outpatient at most 1,400, "
        "inpatient at most 2,600. Other insurers' payments come off first; outpatient pays "
        "70 % above a 600 yuan deductible a year, inpatient 70 %. The right to claim lapses "
        "15 months after cover starts."
    ),
    "student": gettext_lazy(
        "Death pays the sum insured less disability already paid; disability pays the "
        "grade ratio × the sum insured, graded on day 180 if treatment continues. The "
        "cover ends when disability payments reach the sum insured."
    ),
}


def _require(form: forms.Form, names) -> None:
    for name in names:
        if form.cleaned_data.get(name) is None and name not in form.errors:
            form.add_error(
                name, forms.ValidationError(form.fields[name].error_messages["required"])
            )


@login_required
@require_http_methods(["GET", "POST"])
def calculators(request):
    """CLM-14: the three calculators; a POST names its scheme and gets its result."""
    scheme = request.POST.get("scheme") if request.method == "POST" else None
    forms_by_scheme = {
        name: form_class(request.POST if name == scheme else None, prefix=name)
        for name, form_class in FORMS.items()
    }
    result = None
    status = 200
    if scheme in FORMS:
        form = forms_by_scheme[scheme]
        if form.is_valid():
            try:
                result = form.calculate()
            except ValidationError as exc:
                add_errors(form, exc)
        if result is None:
            status = 400
    elif request.method == "POST":
        status = 400
    context = {
        "sections": [
            {
                "scheme": name,
                "title": TITLES[name],
                "intro": INTROS[name],
                "form": form,
                "result": result if name == scheme else None,
            }
            for name, form in forms_by_scheme.items()
        ],
        "scheme": scheme,
    }
    return render(request, "claims_assist/calculators/calculators.html", context, status=status)


urlpatterns = [
    path("calculators/", calculators, name="calculators"),
]
