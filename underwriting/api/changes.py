"""Endorsements and surrenders of issued policies (UW-12) over the API: request (answers
with the computed effect), list, read, confirm, withdraw. Scoped to the caller's branch
(OUT-1); read-only roles may only read."""

import copy

from django.urls import path
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.serializers import UserRefSerializer
from core.masking import mask
from underwriting.models import PolicyChange
from underwriting.selectors import policy_change_get, policy_change_list, policy_get
from underwriting.services import changes as services

MASKED = {"phone": "phone", "bank_account": "bank_account", "id_number": "id_number"}


@extend_schema_serializer(component_name="PolicyChange")
class ChangeOutputSerializer(serializers.ModelSerializer):
    """A change with its computed effect; personal data in it is masked (REG-3)."""

    policy_number = serializers.CharField(source="policy.number")
    requested_by = UserRefSerializer()
    confirmed_by = UserRefSerializer(allow_null=True)
    changes = serializers.SerializerMethodField()

    class Meta:
        model = PolicyChange
        fields = [
            "id",
            "policy",
            "policy_number",
            "kind",
            "state",
            "reason",
            "true_reason",
            "retention",
            "retention_note",
            "effective_on",
            "premium_delta",
            "refund",
            "subsidy_returned",
            "changes",
            "requested_by",
            "requested_at",
            "confirmed_by",
            "confirmed_at",
        ]

    def get_changes(self, change) -> dict:
        effect = copy.deepcopy(change.changes)
        for item in effect.get("fields", []):
            kind = MASKED.get(item["field"])
            if kind:
                item["before"] = mask(item["before"], kind)
                item["after"] = mask(item["after"], kind)
        values = effect.get("request", {}).get("values", {})
        for name, value in values.items():
            if name in MASKED:
                values[name] = mask(value, MASKED[name])
        return effect


class PolicyChangeCreateApi(APIView):
    """UW-12: request an endorsement or a surrender. The answer is the draft with its
    effect (fields before/after, new split, refund); confirm it to apply it. A surrender
    whose customer stayed (retention "retained") comes back already withdrawn."""

    @extend_schema_serializer(component_name="PolicyChangeInput")
    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=PolicyChange.Kind.choices)
        reason = serializers.CharField(max_length=300)
        effective_on = serializers.DateField(required=False, allow_null=True)
        values = serializers.DictField(
            child=serializers.CharField(allow_blank=True, max_length=200),
            required=False,
            help_text=(
                "Endorsement: the fields to change, e.g. quantity, phone, address, "
                "village_group, bank_account, bank_name."
            ),
        )
        row_number = serializers.IntegerField(
            required=False, allow_null=True, min_value=1, help_text="Group policy: the row."
        )
        true_reason = serializers.CharField(max_length=300, required=False, allow_blank=True)
        retention = serializers.ChoiceField(
            choices=[PolicyChange.Retention.RETAINED, PolicyChange.Retention.DECLINED],
            required=False,
        )
        retention_note = serializers.CharField(max_length=300, required=False, allow_blank=True)

    @extend_schema(request=InputSerializer, responses={201: ChangeOutputSerializer})
    def post(self, request, pk: int):
        policy = policy_get(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        data = data.validated_data
        if data["kind"] == PolicyChange.Kind.SURRENDER:
            change = services.change_request_surrender(
                by=request.user,
                policy=policy,
                reason=data["reason"],
                true_reason=data.get("true_reason", ""),
                retention=data.get("retention", ""),
                retention_note=data.get("retention_note", ""),
                effective_on=data.get("effective_on"),
            )
        else:
            change = services.change_request_endorsement(
                by=request.user,
                policy=policy,
                reason=data["reason"],
                values=data.get("values", {}),
                effective_on=data.get("effective_on"),
                row_number=data.get("row_number"),
            )
        return Response(ChangeOutputSerializer(change).data, status=status.HTTP_201_CREATED)


class ChangeFilter(filters.FilterSet):
    policy_number = filters.CharFilter(field_name="policy__number", lookup_expr="icontains")

    class Meta:
        model = PolicyChange
        fields = ["kind", "state", "policy"]


class ChangeListApi(ListAPIView):
    """The changes of the caller's branch."""

    serializer_class = ChangeOutputSerializer
    filterset_class = ChangeFilter
    ordering_fields = ["requested_at", "effective_on"]

    def get_queryset(self):
        return policy_change_list(user=self.request.user).select_related("confirmed_by")


class ChangeDetailApi(APIView):
    @extend_schema(responses=ChangeOutputSerializer)
    def get(self, request, pk: int):
        change = policy_change_get(user=request.user, pk=pk)
        return Response(ChangeOutputSerializer(change).data)


class ChangeConfirmApi(APIView):
    """Apply a drafted change; refused when a rule now forbids it or the figures moved."""

    @extend_schema(request=None, responses=ChangeOutputSerializer)
    def post(self, request, pk: int):
        change = policy_change_get(user=request.user, pk=pk)
        change = services.change_confirm(by=request.user, change=change)
        return Response(ChangeOutputSerializer(change).data)


class ChangeWithdrawApi(APIView):
    @extend_schema_serializer(component_name="PolicyChangeWithdrawInput")
    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(max_length=100, required=False, allow_blank=True)

    @extend_schema(request=InputSerializer, responses=ChangeOutputSerializer)
    def post(self, request, pk: int):
        change = policy_change_get(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        change = services.change_withdraw(
            by=request.user, change=change, note=data.validated_data.get("note", "")
        )
        return Response(ChangeOutputSerializer(change).data)


urlpatterns = [
    path(
        "policies/<int:pk>/changes/",
        PolicyChangeCreateApi.as_view(),
        name="api-policy-change-create",
    ),
    path("changes/", ChangeListApi.as_view(), name="api-change-list"),
    path("changes/<int:pk>/", ChangeDetailApi.as_view(), name="api-change-detail"),
    path("changes/<int:pk>/confirm/", ChangeConfirmApi.as_view(), name="api-change-confirm"),
    path("changes/<int:pk>/withdraw/", ChangeWithdrawApi.as_view(), name="api-change-withdraw"),
]
