"""Motor self-survey check (CLM-13) for a counter or phone system: may this accident be
surveyed by the customer alone? Read-only, so every active role may call it (auditors
too); nothing is stored.
"""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.response import Response
from rest_framework.views import APIView

from claims_assist.self_survey import Condition, VehicleUse, self_survey_check
from core.api.permissions import IsActiveUser


class AnswerField(serializers.BooleanField):
    """A yes/no answer the caller must give: left out of a form-encoded request it is an
    error, not a silent "no" (which would make a case look eligible)."""

    default_empty_html = empty


class SelfSurveyReasonOutputSerializer(serializers.Serializer):
    condition = serializers.CharField(
        help_text="The failed condition: " + ", ".join(Condition.values)
    )
    message = serializers.CharField(help_text="Why, for the customer; names CLM-13.")


class SelfSurveyCheckApi(APIView):
    """CLM-13: motor self-survey is offered only for private or non-commercial cars, with
    nobody injured, no third-party property damaged, the car drivable, and fewer than two
    earlier accidents in the policy year. Every condition that fails is returned."""

    permission_classes = [IsActiveUser]

    class InputSerializer(serializers.Serializer):
        vehicle_use = serializers.ChoiceField(choices=VehicleUse.choices)
        injuries = AnswerField(help_text="Anyone injured: driver, passengers or third parties.")
        third_party_property_damage = AnswerField(
            help_text="Property other than the insured car damaged."
        )
        drivable = AnswerField(help_text="The car can still be driven normally.")
        accidents_this_policy_year = serializers.IntegerField(
            min_value=0,
            help_text=(
                "Earlier insured accidents in the current policy year, NOT counting this "
                "one; two or more refuse (the third accident of a year is refused)."
            ),
        )

    class OutputSerializer(serializers.Serializer):
        rule = serializers.CharField(help_text="CLM-13")
        eligible = serializers.BooleanField()
        reasons = SelfSurveyReasonOutputSerializer(many=True, help_text="Empty when eligible.")
        next_step = serializers.CharField(help_text="What to tell the customer.")

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decision = self_survey_check(**data.validated_data)
        return Response(self.OutputSerializer(decision).data)


urlpatterns = [
    path(
        "claims/self-survey/check/",
        SelfSurveyCheckApi.as_view(),
        name="api-claims-self-survey-check",
    ),
]
