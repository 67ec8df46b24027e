"""Group policy endpoints: list, create (UW-2), detail with the finalisation checklist,
household rows (masked IDs), signatures and seal (UW-6, UW-7), on-site inspections
(UW-5, also of individual policies) and finalisation (PUB-1).

One APIView per operation; reads go through the scoping selectors (404 outside the
caller's branch), writes through the services (read-only roles get 403).
"""

from django.core.exceptions import ValidationError
from django.urls import path, reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.access import check_can_write
from core.api.concurrency import guarded_write, object_etag, with_etag
from core.api.serializers import MaskedCharField, OrgUnitRefSerializer, UserRefSerializer
from core.selectors import evidence_for
from underwriting.api.common import (
    PREMIUM_SPLIT_FIELDS,
    CustomerRefSerializer,
    ProductRefSerializer,
)
from underwriting.models import HouseholdRow, Inspection, Policy, Product
from underwriting.selectors import (
    current_household_list,
    customer_get,
    group_policy_get,
    group_policy_list,
    group_rows,
    household_row_get,
    household_rows_inspected,
    inspection_get,
    inspection_list,
    policy_get,
    product_get,
)
from underwriting.services import group as group_service
from underwriting.services.inspections import inspection_record


# --- Serializers -------------------------------------------------------------------------
class GroupChecklistItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    done = serializers.BooleanField()
    problem = serializers.CharField()


class GroupPolicyOutputSerializer(serializers.ModelSerializer):
    org_unit = OrgUnitRefSerializer()
    organiser = CustomerRefSerializer()
    product = ProductRefSerializer()
    status_label = serializers.CharField(source="get_status_display")
    household_count = serializers.SerializerMethodField()

    class Meta:
        model = Policy
        fields = [
            "id",
            "number",
            "status",
            "status_label",
            "org_unit",
            "organiser",
            "product",
            "season",
            "applicant_label",
            "household_count",
            "quantity",
            "unit",
            *PREMIUM_SPLIT_FIELDS,
            "application_date",
            "starts_on",
            "ends_on",
            "seal",
            "notice_completed_at",
            "issued_at",
            "verification_code",
            "entered_at",
        ]

    def get_household_count(self, policy) -> int | None:
        """Households of the current accepted list; null before a list is accepted."""
        if hasattr(policy, "households"):
            return policy.households
        household_list = current_household_list(policy=policy)
        return household_list.household_count if household_list else None


class GroupPolicyDetailOutputSerializer(GroupPolicyOutputSerializer):
    current_list = serializers.SerializerMethodField()
    checklist = serializers.SerializerMethodField()
    ready_to_finalise = serializers.SerializerMethodField()

    class Meta(GroupPolicyOutputSerializer.Meta):
        fields = [
            *GroupPolicyOutputSerializer.Meta.fields,
            "current_list",
            "checklist",
            "ready_to_finalise",
        ]

    def _checklist(self, policy) -> list[group_service.ChecklistItem]:
        cache = self.context.setdefault("checklists", {})
        if policy.pk not in cache:
            cache[policy.pk] = group_service.group_policy_checklist(policy=policy)
        return cache[policy.pk]

    def get_current_list(self, policy) -> int | None:
        household_list = current_household_list(policy=policy)
        return household_list.pk if household_list else None

    @extend_schema_field(GroupChecklistItemSerializer(many=True))
    def get_checklist(self, policy):
        """What is still missing before finalisation (PUB-1, UW-5, UW-7)."""
        return GroupChecklistItemSerializer(self._checklist(policy), many=True).data

    def get_ready_to_finalise(self, policy) -> bool:
        return all(item.done for item in self._checklist(policy))


class HouseholdRowOutputSerializer(serializers.ModelSerializer):
    id_number = MaskedCharField(kind="id_number")
    phone = MaskedCharField(kind="phone")
    bank_account = MaskedCharField(kind="bank_account")
    signature_display = serializers.CharField()
    inspected = serializers.BooleanField(
        help_text="A confirmed on-site inspection covers this row (UW-5)."
    )

    class Meta:
        model = HouseholdRow
        fields = [
            "id",
            "row_number",
            "name",
            "id_kind",
            "id_number",
            "phone",
            "subject_type",
            "quantity",
            "unit",
            "village_group",
            "plot",
            "forest_certificate",
            "subject_tag",
            "condition",
            "bank_account",
            "bank_name",
            *PREMIUM_SPLIT_FIELDS,
            "signature",
            "signature_display",
            "proxy_name",
            "proxy_authorisation",
            "flags",
            "inspected",
        ]


class InspectionPhotoOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    original_name = serializers.CharField()
    taken_at = serializers.DateTimeField(allow_null=True)
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    display_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    def get_display_url(self, photo) -> str:
        return reverse("evidence_file", args=[photo.pk, "display"])

    def get_thumbnail_url(self, photo) -> str:
        return reverse("evidence_file", args=[photo.pk, "thumb"])


class InspectionOutputSerializer(serializers.ModelSerializer):
    inspector = UserRefSerializer()
    photos = serializers.SerializerMethodField()

    class Meta:
        model = Inspection
        fields = [
            "id",
            "policy",
            "household",
            "inspector",
            "inspected_on",
            "location",
            "findings",
            "confirmed",
            "created_at",
            "photos",
        ]

    @extend_schema_field(InspectionPhotoOutputSerializer(many=True))
    def get_photos(self, inspection):
        photos = evidence_for(user=self.context["request"].user, subject=inspection)
        return InspectionPhotoOutputSerializer(photos, many=True).data


# --- Group policies -----------------------------------------------------------------------
class GroupPolicyListApi(ListAPIView):
    """The caller's group policies; filter by status, season, organiser name or number."""

    serializer_class = GroupPolicyOutputSerializer
    ordering_fields = ["entered_at", "application_date", "season"]

    @extend_schema(
        parameters=[
            OpenApiParameter("status", enum=Policy.Status.values),
            OpenApiParameter("season", str),
            OpenApiParameter("search", str, description="Organiser name or policy number."),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        status_ = params.get("status", "")
        return group_policy_list(
            user=self.request.user,
            status=status_ if status_ in Policy.Status.values else "",
            season=params.get("season", ""),
            query=params.get("search", ""),
        )


class GroupPolicyCreateApi(APIView):
    """UW-2: open a group policy; its households come from the list import (UW-10)."""

    class InputSerializer(serializers.Serializer):
        organiser = serializers.IntegerField(help_text="Customer id of the organiser.")
        product = serializers.IntegerField()
        season = serializers.CharField(max_length=group_service.SEASON_MAX)
        application_date = serializers.DateField()
        starts_on = serializers.DateField(required=False, allow_null=True)

        class Meta:
            ref_name = "GroupPolicyCreateInput"

    @extend_schema(request=InputSerializer, responses={201: GroupPolicyDetailOutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        organiser = customer_get(user=request.user, pk=values["organiser"])
        try:
            product = product_get(pk=values["product"])
        except Product.DoesNotExist:
            raise ValidationError({"product": _("Unknown product.")}) from None
        policy = group_service.group_policy_create(
            clerk=request.user,
            organiser=organiser,
            product=product,
            season=values["season"],
            application_date=values["application_date"],
            starts_on=values.get("starts_on"),
        )
        body = GroupPolicyDetailOutputSerializer(policy).data
        return Response(body, status=status.HTTP_201_CREATED)


class GroupPolicyDetailApi(APIView):
    @extend_schema(responses=GroupPolicyDetailOutputSerializer)
    def get(self, request, pk: int):
        policy = group_policy_get(user=request.user, pk=pk)
        return Response(GroupPolicyDetailOutputSerializer(policy).data)


class GroupPolicyRowListApi(ListAPIView):
    """The households of the policy's current list; ID numbers, phones and bank
    accounts masked (REG-3)."""

    serializer_class = HouseholdRowOutputSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("flagged", bool, description="Only rows with import flags."),
            OpenApiParameter("unsigned", bool, description="Only unsigned rows."),
            OpenApiParameter("search", str, description="Name contains."),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return HouseholdRow.objects.none()
        policy = group_policy_get(user=self.request.user, pk=self.kwargs["pk"])
        household_list = current_household_list(policy=policy)
        if household_list is None:
            return HouseholdRow.objects.none()
        params = self.request.query_params
        rows = group_rows(
            household_list=household_list,
            flagged=params.get("flagged") in {"true", "1"},
            unsigned=params.get("unsigned") in {"true", "1"},
            query=params.get("search", ""),
        )
        return household_rows_inspected(rows=rows)


class HouseholdRowSignatureApi(APIView):
    """UW-7: how the household signed; UW-6: every change needs a reason and is kept
    in the row's history with the caller."""

    class InputSerializer(serializers.Serializer):
        signature = serializers.ChoiceField(choices=HouseholdRow.Signature.choices)
        proxy_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
        proxy_authorisation = serializers.CharField(
            max_length=200, required=False, allow_blank=True
        )
        reason = serializers.CharField(max_length=200)

        class Meta:
            ref_name = "HouseholdRowSignatureInput"

    @extend_schema(request=InputSerializer, responses=HouseholdRowOutputSerializer)
    def patch(self, request, pk: int):
        row = household_row_get(user=request.user, pk=pk)
        check_can_write(request.user, row)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with guarded_write(request, row, current=lambda: object_etag(row)):
            row = group_service.household_signature_record(
                clerk=request.user, row=row, **data.validated_data
            )
        row = household_rows_inspected(rows=HouseholdRow.objects.filter(pk=row.pk)).get()
        return with_etag(Response(HouseholdRowOutputSerializer(row).data), object_etag(row))


class GroupPolicySignAllApi(APIView):
    """UW-7: mark every unsigned row signed, as the signed paper list shows."""

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=200)

        class Meta:
            ref_name = "GroupPolicySignAllInput"

    class OutputSerializer(serializers.Serializer):
        changed = serializers.IntegerField()

        class Meta:
            ref_name = "GroupPolicySignAllOutput"

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def post(self, request, pk: int):
        policy = group_policy_get(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changed = group_service.household_signatures_mark_signed(
            clerk=request.user, policy=policy, reason=data.validated_data["reason"]
        )
        return Response(self.OutputSerializer({"changed": changed}).data)


class GroupPolicySealApi(APIView):
    """UW-7: the organiser's official or seam seal on the list."""

    class InputSerializer(serializers.Serializer):
        seal = serializers.ChoiceField(choices=list(group_service.SEAL_CHOICES.items()))

        class Meta:
            ref_name = "GroupPolicySealInput"

    @extend_schema(request=InputSerializer, responses=GroupPolicyDetailOutputSerializer)
    def post(self, request, pk: int):
        policy = group_policy_get(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        policy = group_service.group_policy_record_seal(
            clerk=request.user, policy=policy, seal=data.validated_data["seal"]
        )
        return Response(GroupPolicyDetailOutputSerializer(policy).data)


class GroupPolicyFinaliseApi(APIView):
    """Issue the group policy; refused with every missing condition listed (PUB-1 notice,
    UW-7 signatures and seal, UW-5 inspections of flagged rows)."""

    @extend_schema(request=None, responses=GroupPolicyDetailOutputSerializer)
    def post(self, request, pk: int):
        policy = group_policy_get(user=request.user, pk=pk)
        policy = group_service.group_policy_finalise(clerk=request.user, policy=policy)
        return Response(GroupPolicyDetailOutputSerializer(policy).data)


# --- Inspections (UW-5) -------------------------------------------------------------------
class InspectionListApi(ListAPIView):
    """The on-site inspections of a policy (individual or group)."""

    serializer_class = InspectionOutputSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Inspection.objects.none()
        policy = policy_get(user=self.request.user, pk=self.kwargs["pk"])
        return inspection_list(user=self.request.user, policy=policy).select_related("inspector")


class InspectionCreateApi(APIView):
    """UW-5: an inspection with at least one photo (multipart: repeat `photos`). All or
    nothing: one refused photo refuses the whole record."""

    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        inspected_on = serializers.DateField()
        findings = serializers.CharField()
        location = serializers.CharField(max_length=200, required=False, allow_blank=True)
        confirmed = serializers.BooleanField(default=True)
        household = serializers.IntegerField(
            required=False, allow_null=True, help_text="Household row id (group policies)."
        )
        photos = serializers.ListField(child=serializers.FileField(), allow_empty=False)

        class Meta:
            ref_name = "InspectionCreateInput"

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        responses={201: InspectionOutputSerializer},
    )
    def post(self, request, pk: int):
        policy = policy_get(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        household_id = values.pop("household", None)
        household = None
        if household_id:
            household = household_row_get(user=request.user, pk=household_id)
        inspection = inspection_record(
            clerk=request.user, policy=policy, household=household, **values
        )
        body = InspectionOutputSerializer(inspection, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class InspectionDetailApi(APIView):
    @extend_schema(responses=InspectionOutputSerializer)
    def get(self, request, pk: int):
        inspection = inspection_get(user=request.user, pk=pk)
        body = InspectionOutputSerializer(inspection, context={"request": request}).data
        return Response(body)


urlpatterns = [
    path("group-policies/", GroupPolicyListApi.as_view(), name="api-group-policy-list"),
    path(
        "group-policies/create/",
        GroupPolicyCreateApi.as_view(),
        name="api-group-policy-create",
    ),
    path(
        "group-policies/<int:pk>/",
        GroupPolicyDetailApi.as_view(),
        name="api-group-policy-detail",
    ),
    path(
        "group-policies/<int:pk>/rows/",
        GroupPolicyRowListApi.as_view(),
        name="api-group-policy-rows",
    ),
    path(
        "group-policies/<int:pk>/sign-all/",
        GroupPolicySignAllApi.as_view(),
        name="api-group-policy-sign-all",
    ),
    path(
        "group-policies/<int:pk>/seal/",
        GroupPolicySealApi.as_view(),
        name="api-group-policy-seal",
    ),
    path(
        "group-policies/<int:pk>/finalise/",
        GroupPolicyFinaliseApi.as_view(),
        name="api-group-policy-finalise",
    ),
    path(
        "household-rows/<int:pk>/signature/",
        HouseholdRowSignatureApi.as_view(),
        name="api-household-row-signature",
    ),
    path(
        "policies/<int:pk>/inspections/",
        InspectionListApi.as_view(),
        name="api-policy-inspection-list",
    ),
    path(
        "policies/<int:pk>/inspections/create/",
        InspectionCreateApi.as_view(),
        name="api-policy-inspection-create",
    ),
    path("inspections/<int:pk>/", InspectionDetailApi.as_view(), name="api-inspection-detail"),
]
