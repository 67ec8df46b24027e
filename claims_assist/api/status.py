"""CLM-11 status query endpoint: `POST /api/v1/claims/status-query/` tells a partner
system (channel "api") how the claims of one insured on one policy stand, on the
insured's ID number and the policy number (or a representative's power of attorney with
a copy of the insured's ID). Every call is recorded as a StatusQuery.

Wrong or missing input (an invalid ID number, a representative without their details or
documents) is a 400 naming the field; a query whose details match no case of the
caller's branch is answered `answered: false` with the same words whether or not a case
exists. Read-only roles get 403.
"""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from claims_assist.api.actions import validated
from claims_assist.models import ClaimCase, StatusQuery
from claims_assist.services.status import case_status_query

STAGES_HELP = "Stage: " + ", ".join(ClaimCase.Stage.values) + "."


class StatusQueryCaseSerializer(serializers.Serializer):
    """One case as the customer is told it (CLM-11)."""

    number = serializers.CharField()
    stage = serializers.CharField(help_text=STAGES_HELP)
    stage_label = serializers.CharField()
    reported_at = serializers.DateTimeField()
    last_event_label = serializers.CharField(allow_blank=True)
    last_event_at = serializers.DateTimeField(allow_null=True)
    next_step = serializers.CharField()
    hotline_number = serializers.CharField(
        allow_blank=True, help_text="The 95518 report number, if recorded."
    )


class StatusQueryApi(APIView):
    """CLM-11: the status of the insured's claims on a policy, recorded."""

    class InputSerializer(serializers.Serializer):
        # Both are required by the service, which records a query missing them too.
        policy_number = serializers.CharField(
            max_length=32, required=False, allow_blank=True, default=""
        )
        id_number = serializers.CharField(
            max_length=40,
            required=False,
            allow_blank=True,
            default="",
            help_text="The insured's resident ID number (required).",
        )
        via_attorney = serializers.BooleanField(required=False, default=False)
        attorney_name = serializers.CharField(
            max_length=100, required=False, allow_blank=True, default=""
        )
        attorney_id_number = serializers.CharField(
            max_length=40, required=False, allow_blank=True, default=""
        )
        attorney_documents_seen = serializers.BooleanField(
            required=False,
            default=False,
            help_text="The power of attorney and a copy of the insured's ID were seen.",
        )

    class OutputSerializer(serializers.Serializer):
        rule = serializers.CharField(help_text="CLM-11")
        query = serializers.IntegerField(help_text="The id of the recorded query.")
        answered = serializers.BooleanField()
        message = serializers.CharField(allow_blank=True, help_text="Empty when answered.")
        cases = StatusQueryCaseSerializer(many=True)

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def post(self, request):
        data = validated(self.InputSerializer, request)
        answer = case_status_query(by=request.user, channel=StatusQuery.Channel.API, **data)
        if answer.field is not None:
            raise serializers.ValidationError({answer.field: [answer.message]})
        body = {
            "rule": "CLM-11",
            "query": answer.query.pk,
            "answered": answer.answered,
            "message": answer.message,
            "cases": answer.cases,
        }
        return Response(self.OutputSerializer(body).data)


urlpatterns = [
    path("claims/status-query/", StatusQueryApi.as_view(), name="api-claims-status-query"),
]
