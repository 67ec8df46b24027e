"""Adjuster authority endpoints (CLM-6): authorisations (list, detail, grant, revoke),
annual evaluations (list, create) and the authority check that an assessment or a
one-stop settlement calls before it acts.

One APIView per operation; reads go through claims_assist.selectors (404 outside the
caller's branch), writes through claims_assist.services.authority (403 for read-only
roles and for staff other than managers). The check is a read: any active user may
call it, auditors too; the holder must be in the caller's branch.
"""

import datetime as dt

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from claims_assist import selectors
from claims_assist.models import (
    AUTHORITY_CEILING,
    AdjusterAuthorisation,
    AnnualEvaluation,
    AuthorityLine,
)
from claims_assist.services import authority as authority_service
from core.api.permissions import IsActiveUser

LINES_HELP = "Lines: " + ", ".join(AuthorityLine.values) + "."
GRADES_HELP = "Grade: " + ", ".join(AnnualEvaluation.Grade.values) + "."


# --- Serializers -------------------------------------------------------------------------
class AdjusterAuthorisationOutputSerializer(serializers.ModelSerializer):
    lines = serializers.ListField(child=serializers.CharField(), help_text=LINES_HELP)
    state = serializers.CharField(help_text="active or revoked.")
    holder_name = serializers.CharField(source="holder.__str__")
    outlet = serializers.IntegerField(source="holder.org_unit_id")
    expiry_warning_due_at = serializers.DateTimeField(
        source="expiry_warning.due_at", allow_null=True, default=None
    )

    class Meta:
        model = AdjusterAuthorisation
        fields = [
            "id",
            "holder",
            "holder_name",
            "outlet",
            "lines",
            "case_limit",
            "valid_from",
            "valid_to",
            "evaluation",
            "one_stop",
            "city_approved_by",
            "city_approved_on",
            "province_approval",
            "province_approved_on",
            "state",
            "revoked_reason",
            "granted_by",
            "granted_at",
            "expiry_warning",
            "expiry_warning_due_at",
        ]


class AnnualEvaluationOutputSerializer(serializers.ModelSerializer):
    grade = serializers.CharField(help_text=GRADES_HELP)

    class Meta:
        model = AnnualEvaluation
        fields = ["id", "staff", "year", "grade", "evaluated_on", "evaluated_by", "note"]


def _holder(user, pk: int, field: str):
    """A staff member given by id, in the caller's branch (else a field error)."""
    if pk is None:
        return None
    staff = selectors.claims_assist_staff(user=user).filter(pk=pk).first()
    if staff is None:
        raise serializers.ValidationError({field: [_("Not a claims-assist staff member here.")]})
    return staff


# --- Authorisations -----------------------------------------------------------------------
class AuthorisationListApi(ListAPIView):
    """The authorisations of the caller's branch; `holder` and `valid_on` narrow it."""

    serializer_class = AdjusterAuthorisationOutputSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("holder", int, description="A holder's user id."),
            OpenApiParameter(
                "valid_on", dt.date, description="Active authorisations valid on this day."
            ),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return AdjusterAuthorisation.objects.none()
        params = self.request.query_params
        holder = None
        if params.get("holder"):
            holder = selectors.staff_get(user=self.request.user, pk=params["holder"])
        valid_on = None
        if params.get("valid_on"):
            valid_on = serializers.DateField().to_internal_value(params["valid_on"])
        return selectors.authorisation_list(
            user=self.request.user, holder=holder, valid_on=valid_on
        )


class AuthorisationDetailApi(APIView):
    @extend_schema(responses=AdjusterAuthorisationOutputSerializer)
    def get(self, request, pk: int):
        authorisation = selectors.authorisation_get(user=request.user, pk=pk)
        return Response(AdjusterAuthorisationOutputSerializer(authorisation).data)


class AuthorisationGrantApi(APIView):
    """CLM-6: a grant of at most 2,000 yuan per case for at most a year, on the holder's
    evaluation; one-stop service with both approvals and a good evaluation. Every
    problem is returned by field; nothing is saved then."""

    class InputSerializer(serializers.Serializer):
        holder = serializers.IntegerField()
        lines = serializers.ListField(
            child=serializers.CharField(max_length=20), allow_empty=True, help_text=LINES_HELP
        )
        case_limit = serializers.DecimalField(
            max_digits=14, decimal_places=2, required=False, default=AUTHORITY_CEILING
        )
        valid_from = serializers.DateField()
        valid_to = serializers.DateField()
        evaluation = serializers.IntegerField(allow_null=True)
        one_stop = serializers.BooleanField(required=False, default=False)
        city_approved_by = serializers.IntegerField(required=False, allow_null=True, default=None)
        city_approved_on = serializers.DateField(required=False, allow_null=True, default=None)
        province_approval = serializers.CharField(
            max_length=60, required=False, allow_blank=True, default=""
        )
        province_approved_on = serializers.DateField(required=False, allow_null=True, default=None)

    @extend_schema(request=InputSerializer, responses={201: AdjusterAuthorisationOutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        holder = selectors.staff_get(user=request.user, pk=values.pop("holder"))
        authority_service.check_authority_manager(request.user, holder)
        evaluation_pk = values.pop("evaluation")
        evaluation = None
        if evaluation_pk is not None:
            evaluation = (
                selectors.evaluation_list(user=request.user).filter(pk=evaluation_pk).first()
            )
            if evaluation is None:
                raise serializers.ValidationError({"evaluation": [_("Not an evaluation here.")]})
        approver_pk = values.pop("city_approved_by")
        approver = None
        if approver_pk is not None:
            approver = (
                selectors.city_claims_centre_staff(user=request.user).filter(pk=approver_pk).first()
            )
            if approver is None:
                raise serializers.ValidationError(
                    {"city_approved_by": [_("Not a user of the city claims centre.")]}
                )
        authorisation = authority_service.authorisation_grant(
            by=request.user,
            holder=holder,
            evaluation=evaluation,
            city_approved_by=approver,
            **values,
        )
        return Response(
            AdjusterAuthorisationOutputSerializer(authorisation).data,
            status=status.HTTP_201_CREATED,
        )


class AuthorisationRevokeApi(APIView):
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField()

    @extend_schema(request=InputSerializer, responses=AdjusterAuthorisationOutputSerializer)
    def post(self, request, pk: int):
        authorisation = selectors.authorisation_get(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        authorisation = authority_service.authorisation_revoke(
            by=request.user, authorisation=authorisation, reason=data.validated_data["reason"]
        )
        return Response(AdjusterAuthorisationOutputSerializer(authorisation).data)


# --- Evaluations ----------------------------------------------------------------------------
class EvaluationListApi(ListAPIView):
    serializer_class = AnnualEvaluationOutputSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("staff", int, description="A staff member's user id."),
            OpenApiParameter("year", int),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return AnnualEvaluation.objects.none()
        params = self.request.query_params
        staff = (
            selectors.staff_get(user=self.request.user, pk=params["staff"])
            if params.get("staff")
            else None
        )
        year = int(params["year"]) if params.get("year", "").isdigit() else None
        return selectors.evaluation_list(user=self.request.user, staff=staff, year=year)


class EvaluationCreateApi(APIView):
    """CLM-6: the yearly evaluation of a claims-assist staff member, once a year."""

    class InputSerializer(serializers.Serializer):
        staff = serializers.IntegerField()
        year = serializers.IntegerField(min_value=2000, max_value=2100)
        grade = serializers.CharField(max_length=10, help_text=GRADES_HELP)
        evaluated_on = serializers.DateField()
        note = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses={201: AnnualEvaluationOutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        staff = selectors.staff_get(user=request.user, pk=values.pop("staff"))
        evaluation = authority_service.evaluation_record(by=request.user, staff=staff, **values)
        return Response(
            AnnualEvaluationOutputSerializer(evaluation).data, status=status.HTTP_201_CREATED
        )


# --- The check ------------------------------------------------------------------------------
class AuthorityCheckApi(APIView):
    """CLM-6: may `holder` assess a case of `line` for `amount` yuan (by one-stop service
    if asked) at `at` (default now)? Allowed: the authorisation used. Refused: the reason
    (no_authority, not_yet_valid, expired, revoked, above_limit, not_one_stop) and a
    message naming CLM-6 that refers the case to the city claims centre. Stores nothing."""

    permission_classes = [IsActiveUser]

    class InputSerializer(serializers.Serializer):
        holder = serializers.IntegerField()
        line = serializers.CharField(max_length=20, help_text=LINES_HELP)
        amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
        one_stop = serializers.BooleanField(required=False, default=False)
        at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    class OutputSerializer(serializers.Serializer):
        rule = serializers.CharField(help_text="CLM-6")
        allowed = serializers.BooleanField()
        reason = serializers.CharField(allow_blank=True, help_text="Empty when allowed.")
        message = serializers.CharField(allow_blank=True)
        authorisation = AdjusterAuthorisationOutputSerializer(allow_null=True)

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        holder = selectors.staff_get(user=request.user, pk=values.pop("holder"))
        if values["line"] not in AuthorityLine.values:
            raise serializers.ValidationError({"line": [LINES_HELP]})
        answer = {"rule": "CLM-6", "allowed": True, "reason": "", "message": ""}
        try:
            used = authority_service.check_authority(
                holder=holder, **{**values, "at": values["at"] or timezone.now()}
            )
        except authority_service.BeyondAuthority as exc:
            answer.update(allowed=False, reason=exc.reason, message=exc.messages[0])
            used = None
        answer["authorisation"] = used
        return Response(self.OutputSerializer(answer).data)


urlpatterns = [
    path(
        "claims/authorisations/",
        AuthorisationListApi.as_view(),
        name="api-claims-authorisation-list",
    ),
    path(
        "claims/authorisations/grant/",
        AuthorisationGrantApi.as_view(),
        name="api-claims-authorisation-grant",
    ),
    path(
        "claims/authorisations/<int:pk>/",
        AuthorisationDetailApi.as_view(),
        name="api-claims-authorisation-detail",
    ),
    path(
        "claims/authorisations/<int:pk>/revoke/",
        AuthorisationRevokeApi.as_view(),
        name="api-claims-authorisation-revoke",
    ),
    path("claims/evaluations/", EvaluationListApi.as_view(), name="api-claims-evaluation-list"),
    path(
        "claims/evaluations/create/",
        EvaluationCreateApi.as_view(),
        name="api-claims-evaluation-create",
    ),
    path("claims/authority-check/", AuthorityCheckApi.as_view(), name="api-claims-authority-check"),
]
