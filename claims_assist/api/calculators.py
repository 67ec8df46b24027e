"""CLM-14 benefit calculators over the API: one endpoint per scheme (elderly accident,
group medical, student accident), each returning the amount payable and its working.

They read and write nothing, so every authenticated member of staff or API client may
use them, auditors included (a POST only because the input is a form). A refusal (out of
the 180-day window, a lapsed claim, a negative amount, an unknown grade) is a 400 with
the reason. Money is strings in yuan with two decimals ("600.00"). The medical endpoint
takes the insured's year-to-date figures (there are no claim records yet) and returns
them updated.
"""

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from claims_assist import calculators as calc
from core.api.permissions import IsActiveUser

MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": 0}
CONVEYANCE_CHOICES = [
    (calc.CONVEYANCE_NONE, "Not a passenger of a commercial conveyance"),
    (calc.CONVEYANCE_MOTOR, "Commercial motor vehicle"),
    (calc.CONVEYANCE_RAIL, "Rail"),
    (calc.CONVEYANCE_SHIP, "Ship"),
    (calc.CONVEYANCE_AIRCRAFT, "Aircraft"),
]
GRADE_HELP = "JR/T 0083-2013 disability grade, 1 (100 %) to 10 (10 %)."


def _require(data: dict, names: tuple[str, ...]) -> None:
    missing = {name: [_("This field is required.")] for name in names if data.get(name) is None}
    if missing:
        raise serializers.ValidationError(missing)


class CalculationOutputSerializer(serializers.Serializer):
    rule = serializers.CharField(help_text="CLM-14")
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="Payable, yuan.")
    lines = serializers.ListField(
        child=serializers.CharField(), help_text="The working, line by line."
    )


class CalculatorApi(APIView):
    permission_classes = [IsActiveUser]


class ElderlyCalculatorApi(CalculatorApi):
    """CLM-14 elderly accident scheme: death (3,000, or a passenger's 30,000 / 30,000 /
    50,000 / 100,000), disability (grade ratio × 3,000) within 180 days of the accident,
    or the hospital allowance (30/day, 90 days a stay, 180 a year)."""

    class InputSerializer(serializers.Serializer):
        benefit = serializers.ChoiceField(
            choices=[
                ("death", "Death"),
                ("disability", "Disability"),
                ("hospital_allowance", "Hospital allowance"),
            ]
        )
        accident_on = serializers.DateField(required=False, help_text="Death and disability.")
        death_on = serializers.DateField(required=False)
        disabled_on = serializers.DateField(
            required=False, help_text="The day the disability was established."
        )
        conveyance = serializers.ChoiceField(
            choices=CONVEYANCE_CHOICES, default=calc.CONVEYANCE_NONE
        )
        grade = serializers.IntegerField(required=False, help_text=GRADE_HELP)
        disability_paid = serializers.DecimalField(
            **MONEY, default=calc.ZERO, help_text="Disability already paid for this person."
        )
        hospital_days = serializers.IntegerField(required=False, min_value=0)
        days_paid_this_year = serializers.IntegerField(
            min_value=0, default=0, help_text="Allowance days already paid this policy year."
        )

        def validate(self, data):
            required = {
                "death": ("accident_on", "death_on"),
                "disability": ("accident_on", "disabled_on", "grade"),
                "hospital_allowance": ("hospital_days",),
            }[data["benefit"]]
            _require(data, required)
            return data

    class OutputSerializer(CalculationOutputSerializer):
        days_paid = serializers.IntegerField(
            required=False, help_text="Hospital allowance: days paid by this claim."
        )

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if values["benefit"] == "death":
            result = calc.elderly_death_benefit(
                accident_on=values["accident_on"],
                death_on=values["death_on"],
                conveyance=values["conveyance"],
                disability_paid=values["disability_paid"],
            )
        elif values["benefit"] == "disability":
            result = calc.elderly_disability_benefit(
                accident_on=values["accident_on"],
                disabled_on=values["disabled_on"],
                grade=values["grade"],
                disability_paid=values["disability_paid"],
            )
        else:
            result = calc.elderly_hospital_allowance(
                hospital_days=values["hospital_days"],
                days_paid_this_year=values["days_paid_this_year"],
            )
        return Response(self.OutputSerializer(result).data)


class MedicalLedgerSerializer(serializers.Serializer):
    outpatient_paid = serializers.DecimalField(**MONEY)
    inpatient_paid = serializers.DecimalField(**MONEY)
    deductible_used = serializers.DecimalField(**MONEY)
    total_paid = serializers.DecimalField(max_digits=12, decimal_places=2)


class MedicalCalculatorApi(CalculatorApi):
    """CLM-14 group medical: one outpatient or inpatient claim against the insured's
    policy year so far (other insurers first, the 600 outpatient deductible, 70 %, the
    1,400 / 2,600 / 4,000 limits; lapsed 15 months after cover starts)."""

    class InputSerializer(serializers.Serializer):
        care = serializers.ChoiceField(
            choices=[(calc.OUTPATIENT, "Outpatient"), (calc.INPATIENT, "Inpatient")]
        )
        eligible_self_paid = serializers.DecimalField(
            **MONEY,
            help_text="The self-paid part eligible under the medical insurance rules "
            "(personal account payments included).",
        )
        other_insurers_paid = serializers.DecimalField(**MONEY, default=calc.ZERO)
        cover_starts_on = serializers.DateField()
        claimed_on = serializers.DateField()
        outpatient_paid = serializers.DecimalField(
            **MONEY, default=calc.ZERO, help_text="Outpatient paid earlier this policy year."
        )
        inpatient_paid = serializers.DecimalField(
            **MONEY, default=calc.ZERO, help_text="Inpatient paid earlier this policy year."
        )
        deductible_used = serializers.DecimalField(
            **MONEY, default=calc.ZERO, help_text="Outpatient deductible used this policy year."
        )

    class OutputSerializer(CalculationOutputSerializer):
        ledger = MedicalLedgerSerializer(help_text="The policy year after this claim.")

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        ledger = calc.MedicalLedger(
            outpatient_paid=values.pop("outpatient_paid"),
            inpatient_paid=values.pop("inpatient_paid"),
            deductible_used=values.pop("deductible_used"),
        )
        result = calc.medical_claim(ledger=ledger, **values)
        return Response(self.OutputSerializer(result).data)


class StudentCalculatorApi(CalculatorApi):
    """CLM-14 student accident: death (sum insured less disability paid) or disability
    (ratio × sum insured, graded at day 180 if treatment continues); the cover ends when
    disability payments reach the sum insured."""

    class InputSerializer(serializers.Serializer):
        insured_event = serializers.ChoiceField(
            choices=[("death", "Death"), ("disability", "Disability")]
        )
        sum_insured = serializers.DecimalField(**MONEY)
        accident_on = serializers.DateField()
        death_on = serializers.DateField(required=False)
        assessed_on = serializers.DateField(required=False)
        grade = serializers.IntegerField(required=False, help_text=GRADE_HELP)
        treatment_continuing = serializers.BooleanField(
            default=False, help_text="Treatment still continued on day 180 after the accident."
        )
        disability_paid = serializers.DecimalField(**MONEY, default=calc.ZERO)

        def validate(self, data):
            required = {
                "death": ("death_on",),
                "disability": ("assessed_on", "grade"),
            }[data["insured_event"]]
            _require(data, required)
            return data

    class OutputSerializer(CalculationOutputSerializer):
        cover_ended = serializers.BooleanField(
            help_text="The contract ends with this payment (death, or disability in all "
            "reaching the sum insured)."
        )

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        common = {
            "sum_insured": values["sum_insured"],
            "accident_on": values["accident_on"],
            "disability_paid": values["disability_paid"],
        }
        if values["insured_event"] == "death":
            result = calc.student_death_benefit(death_on=values["death_on"], **common)
        else:
            result = calc.student_disability_benefit(
                assessed_on=values["assessed_on"],
                grade=values["grade"],
                treatment_continuing=values["treatment_continuing"],
                **common,
            )
        return Response(self.OutputSerializer(result).data)


urlpatterns = [
    path(
        "claims/calculators/elderly/",
        ElderlyCalculatorApi.as_view(),
        name="api-claims-calculator-elderly",
    ),
    path(
        "claims/calculators/medical/",
        MedicalCalculatorApi.as_view(),
        name="api-claims-calculator-medical",
    ),
    path(
        "claims/calculators/student/",
        StudentCalculatorApi.as_view(),
        name="api-claims-calculator-student",
    ),
]
