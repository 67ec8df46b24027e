"""Outlet registry endpoints (OUT-2..OUT-10): outlets with their official name and the
standards as the registry answers them, the profile, the regulator's name, leases,
signage/interior/equipment items and staff.

One APIView per operation; reads go through outlets.selectors (404 outside the
caller's branch), writes through outlets.services.registry (403 for read-only roles and
for staff other than the outlet head or a manager).
"""

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.concurrency import etag, guarded_write, history_version, object_etag, with_etag
from core.models import OrgUnit, User
from outlets import selectors
from outlets.models import FacilityItem, Lease, OutletProfile, StaffMember
from outlets.services import registry as registry_service
from outlets.standards import FACILITY_BY_CODE


# --- Serializers -------------------------------------------------------------------------
class RegistryStandardSerializer(serializers.Serializer):
    code = serializers.CharField()
    rule = serializers.CharField()
    label = serializers.CharField()
    required = serializers.BooleanField()
    met = serializers.BooleanField(
        allow_null=True, help_text="What the registry says; null when it does not know."
    )


class RegistryLeaseSerializer(serializers.ModelSerializer):
    end_warning_due_at = serializers.DateTimeField(
        source="end_warning.due_at", allow_null=True, default=None
    )

    class Meta:
        model = Lease
        fields = [
            "id",
            "landlord",
            "starts_on",
            "ends_on",
            "short_term_reason",
            "end_warning",
            "end_warning_due_at",
        ]


class RegistryStaffSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(help_text="employee, agent or dispatched.")
    kind_label = serializers.CharField(source="get_kind_display")

    class Meta:
        model = StaffMember
        fields = [
            "id",
            "name",
            "kind",
            "kind_label",
            "user",
            "qualification_number",
            "qualification_expires_on",
            "joined_on",
            "left_on",
            "expiry_warning",
        ]


class RegistryFacilitySerializer(serializers.ModelSerializer):
    category = serializers.CharField(help_text="signage, interior or equipment.")
    label = serializers.SerializerMethodField()
    required = serializers.SerializerMethodField()

    class Meta:
        model = FacilityItem
        fields = [
            "code",
            "category",
            "label",
            "required",
            "present",
            "width_mm",
            "height_mm",
            "thickness_mm",
            "material",
            "note",
        ]

    def get_label(self, item) -> str:
        spec = FACILITY_BY_CODE.get(item.code)
        return str(spec.label) if spec else item.code

    def get_required(self, item) -> bool:
        spec = FACILITY_BY_CODE.get(item.code)
        return bool(spec and spec.required)


PROFILE_OUTPUT_FIELDS = [
    "county_label",
    "township",
    "standard_name",
    "official_name",
    "imposed_name",
    "imposed_name_reason",
    "address",
    "phone",
    "ground_floor_storefront",
    "on_main_street",
    "inside_partner_premises",
    "in_back_street",
    "frontage_unobstructed",
    "surroundings_safe",
    "building_inspected",
    "usable_area",
    "head_name",
    "head_type",
    "head_user",
    "head_appointed_on",
    "entered_annual_premium",
]


class RegistryProfileSerializer(serializers.ModelSerializer):
    standard_name = serializers.CharField(read_only=True)
    official_name = serializers.CharField(read_only=True)
    head_type = serializers.CharField(help_text="employee or entrusted (OUT-9).")

    class Meta:
        model = OutletProfile
        fields = PROFILE_OUTPUT_FIELDS


class RegistryOutletSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    county = serializers.CharField(source="parent.name")
    official_name = serializers.SerializerMethodField()
    registered = serializers.SerializerMethodField()
    open_findings = serializers.IntegerField(source="open_finding_count", default=0)

    def _profile(self, outlet) -> OutletProfile | None:
        # A missing one-to-one row raises an AttributeError subclass.
        return getattr(outlet, "profile", None)

    def get_official_name(self, outlet) -> str:
        """OUT-2: the imposed name if any, else the standard one; the node's name until
        the outlet is registered."""
        profile = self._profile(outlet)
        return profile.official_name if profile else outlet.name

    def get_registered(self, outlet) -> bool:
        return self._profile(outlet) is not None


class RegistryOutletDetailSerializer(RegistryOutletSerializer):
    profile = serializers.SerializerMethodField()
    standards = serializers.SerializerMethodField()
    current_lease = serializers.SerializerMethodField()

    @extend_schema_field(RegistryProfileSerializer(allow_null=True))
    def get_profile(self, outlet):
        profile = self._profile(outlet)
        return RegistryProfileSerializer(profile).data if profile else None

    @extend_schema_field(RegistryStandardSerializer(many=True))
    def get_standards(self, outlet):
        """OUT-3..OUT-9 as the registry answers them."""
        rows = [
            {
                "code": s.code,
                "rule": s.rule,
                "label": str(s.label),
                "required": s.required,
                "met": answer,
            }
            for s, answer in selectors.registry_standards(outlet=outlet)
        ]
        return RegistryStandardSerializer(rows, many=True).data

    @extend_schema_field(RegistryLeaseSerializer(allow_null=True))
    def get_current_lease(self, outlet):
        lease = selectors.lease_current(outlet=outlet)
        return RegistryLeaseSerializer(lease).data if lease else None


def _detail(outlet: OrgUnit) -> dict:
    outlet = OrgUnit.objects.select_related("parent", "profile").get(pk=outlet.pk)
    return RegistryOutletDetailSerializer(outlet).data


def _user_of(outlet: OrgUnit, pk: int | None, field: str) -> User | None:
    """A user account given by id: it must belong to the outlet (else a field error)."""
    if pk is None:
        return None
    user = User.objects.filter(pk=pk, org_unit=outlet).first()
    if user is None:
        raise serializers.ValidationError({field: _("Not an account of this outlet.")})
    return user


# --- Outlets and profiles -----------------------------------------------------------------
class OutletListApi(ListAPIView):
    """The outlets of the caller's branch with their official names (OUT-2)."""

    serializer_class = RegistryOutletSerializer

    @extend_schema(parameters=[OpenApiParameter("search", str, description="Name or code.")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.outlet_list(
            user=self.request.user, query=self.request.query_params.get("search", "")
        )


class OutletDetailApi(APIView):
    @extend_schema(responses=RegistryOutletDetailSerializer)
    def get(self, request, pk: int):
        outlet = selectors.outlet_get(user=request.user, pk=pk)
        return with_etag(Response(_detail(outlet)), profile_etag(outlet))


def profile_etag(outlet: OrgUnit) -> str:
    """The version of an outlet's registry record (its profile), for If-Match."""
    return etag(f"outlet.{outlet.pk}", history_version(OutletProfile.history.filter(outlet=outlet)))


def facility_etag(outlet: OrgUnit, code: str) -> str:
    versions = FacilityItem.history.filter(outlet=outlet, code=code)
    return etag(f"facility.{outlet.pk}.{code}", history_version(versions))


class OutletProfileSaveApi(APIView):
    """Create the registry record or change it; a change needs a reason (history)."""

    class InputSerializer(serializers.ModelSerializer):
        head_type = serializers.ChoiceField(choices=OutletProfile.HeadType.choices)
        head_user = serializers.IntegerField(required=False, allow_null=True)
        reason = serializers.CharField(max_length=200, required=False, allow_blank=True)

        class Meta:
            model = OutletProfile
            fields = [*registry_service.PROFILE_FIELDS, "reason"]

    @extend_schema(request=InputSerializer, responses=RegistryOutletDetailSerializer)
    def put(self, request, pk: int):
        outlet = selectors.outlet_get(user=request.user, pk=pk)
        registry_service.check_registry_writer(request.user, outlet)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        reason = values.pop("reason", "")
        values["head_user"] = _user_of(outlet, values.get("head_user"), "head_user")
        # The outlet's row is the lock: the profile may not exist yet.
        with guarded_write(request, outlet, current=lambda: profile_etag(outlet)):
            registry_service.profile_save(
                by=request.user, outlet=outlet, values=values, reason=reason
            )
        return with_etag(Response(_detail(outlet)), profile_etag(outlet))


class OutletOfficialNameApi(APIView):
    """OUT-2: the name a local regulator imposed (empty: back to the standard name)."""

    class InputSerializer(serializers.Serializer):
        imposed_name = serializers.CharField(max_length=120, allow_blank=True)
        reason = serializers.CharField()

    @extend_schema(request=InputSerializer, responses=RegistryOutletDetailSerializer)
    def post(self, request, pk: int):
        profile = selectors.profile_get(user=request.user, outlet_pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        registry_service.official_name_impose(
            by=request.user,
            profile=profile,
            name=data.validated_data["imposed_name"],
            reason=data.validated_data["reason"],
        )
        return Response(_detail(profile.outlet))


# --- Leases (OUT-5) -------------------------------------------------------------------------
class LeaseListApi(ListAPIView):
    serializer_class = RegistryLeaseSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Lease.objects.none()
        outlet = selectors.outlet_get(user=self.request.user, pk=self.kwargs["pk"])
        return selectors.lease_list(user=self.request.user, outlet=outlet)


class LeaseCreateApi(APIView):
    """OUT-5: a lease of at least the minimum term, or an exception with its reason;
    its end warning starts at once."""

    class InputSerializer(serializers.Serializer):
        landlord = serializers.CharField(max_length=120)
        starts_on = serializers.DateField()
        ends_on = serializers.DateField()
        short_term_reason = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses={201: RegistryLeaseSerializer})
    def post(self, request, pk: int):
        outlet = selectors.outlet_get(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        lease = registry_service.lease_record(by=request.user, outlet=outlet, **data.validated_data)
        return Response(RegistryLeaseSerializer(lease).data, status=status.HTTP_201_CREATED)


class LeaseUpdateApi(APIView):
    """Correct a lease (with a reason); a changed end date restarts its warning."""

    class InputSerializer(serializers.Serializer):
        landlord = serializers.CharField(max_length=120)
        starts_on = serializers.DateField()
        ends_on = serializers.DateField()
        short_term_reason = serializers.CharField(required=False, allow_blank=True, default="")
        reason = serializers.CharField(max_length=200)

    @extend_schema(request=InputSerializer, responses=RegistryLeaseSerializer)
    def put(self, request, pk: int):
        lease = selectors.lease_get(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with guarded_write(request, lease, current=lambda: object_etag(lease)):
            lease = registry_service.lease_update(
                by=request.user, lease=lease, **data.validated_data
            )
        return with_etag(Response(RegistryLeaseSerializer(lease).data), object_etag(lease))


# --- Facilities (OUT-6, OUT-7, OUT-8) ---------------------------------------------------------
class FacilityListApi(ListAPIView):
    serializer_class = RegistryFacilitySerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return FacilityItem.objects.none()
        outlet = selectors.outlet_get(user=self.request.user, pk=self.kwargs["pk"])
        return selectors.facility_list(user=self.request.user, outlet=outlet)


class FacilitySetApi(APIView):
    """Whether a catalogue item is at the outlet; sizes and board for the nameplate."""

    class InputSerializer(serializers.Serializer):
        present = serializers.BooleanField()
        width_mm = serializers.IntegerField(required=False, allow_null=True, min_value=1)
        height_mm = serializers.IntegerField(required=False, allow_null=True, min_value=1)
        thickness_mm = serializers.IntegerField(required=False, allow_null=True, min_value=1)
        material = serializers.CharField(
            max_length=60, required=False, allow_blank=True, default=""
        )
        note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses=RegistryFacilitySerializer)
    def put(self, request, pk: int, code: str):
        outlet = selectors.outlet_get(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with guarded_write(request, outlet, current=lambda: facility_etag(outlet, code)):
            item = registry_service.facility_item_set(
                by=request.user, outlet=outlet, code=code, **data.validated_data
            )
        return with_etag(
            Response(RegistryFacilitySerializer(item).data), facility_etag(outlet, code)
        )


# --- Staff (OUT-9, OUT-10) -------------------------------------------------------------------
class StaffListApi(ListAPIView):
    """The outlet's staff; `active` keeps those working today."""

    serializer_class = RegistryStaffSerializer

    @extend_schema(parameters=[OpenApiParameter("active", bool)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return StaffMember.objects.none()
        outlet = selectors.outlet_get(user=self.request.user, pk=self.kwargs["pk"])
        active = self.request.query_params.get("active") in {"true", "1"}
        return selectors.staff_list(
            user=self.request.user,
            outlet=outlet,
            active_on=timezone.localdate() if active else None,
        )


class StaffCreateApi(APIView):
    """OUT-10: an agent needs a qualification number and expiry (warned about)."""

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=60)
        kind = serializers.ChoiceField(choices=StaffMember.Kind.choices)
        joined_on = serializers.DateField()
        user = serializers.IntegerField(required=False, allow_null=True)
        qualification_number = serializers.CharField(
            max_length=40, required=False, allow_blank=True, default=""
        )
        qualification_expires_on = serializers.DateField(required=False, allow_null=True)

    @extend_schema(request=InputSerializer, responses={201: RegistryStaffSerializer})
    def post(self, request, pk: int):
        outlet = selectors.outlet_get(user=request.user, pk=pk)
        registry_service.check_registry_writer(request.user, outlet)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["user"] = _user_of(outlet, values.get("user"), "user")
        member = registry_service.staff_member_add(by=request.user, outlet=outlet, **values)
        return Response(RegistryStaffSerializer(member).data, status=status.HTTP_201_CREATED)


class StaffUpdateApi(APIView):
    """OUT-10: correct a person's record (all fields, with a reason); a renewed
    qualification restarts its expiry warning. `If-Match` guards against lost updates."""

    class InputSerializer(StaffCreateApi.InputSerializer):
        reason = serializers.CharField(max_length=200)

    @extend_schema(request=InputSerializer, responses=RegistryStaffSerializer)
    def put(self, request, pk: int):
        member = selectors.staff_get(user=request.user, pk=pk)
        registry_service.check_registry_writer(request.user, member.outlet)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        reason = values.pop("reason")
        values["user"] = _user_of(member.outlet, values.get("user"), "user")
        with guarded_write(request, member, current=lambda: object_etag(member)):
            member = registry_service.staff_member_update(
                by=request.user, member=member, values=values, reason=reason
            )
        return with_etag(Response(RegistryStaffSerializer(member).data), object_etag(member))


class StaffLeaveApi(APIView):
    class InputSerializer(serializers.Serializer):
        left_on = serializers.DateField()
        reason = serializers.CharField(max_length=200)

    @extend_schema(request=InputSerializer, responses=RegistryStaffSerializer)
    def post(self, request, pk: int):
        member = selectors.staff_get(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member = registry_service.staff_member_leave(
            by=request.user, member=member, **data.validated_data
        )
        return Response(RegistryStaffSerializer(member).data)


urlpatterns = [
    path("outlets/", OutletListApi.as_view(), name="api-outlet-list"),
    path("outlets/<int:pk>/", OutletDetailApi.as_view(), name="api-outlet-detail"),
    path("outlets/<int:pk>/profile/", OutletProfileSaveApi.as_view(), name="api-outlet-profile"),
    path(
        "outlets/<int:pk>/official-name/",
        OutletOfficialNameApi.as_view(),
        name="api-outlet-official-name",
    ),
    path("outlets/<int:pk>/leases/", LeaseListApi.as_view(), name="api-outlet-lease-list"),
    path(
        "outlets/<int:pk>/leases/create/",
        LeaseCreateApi.as_view(),
        name="api-outlet-lease-create",
    ),
    path("outlet-leases/<int:pk>/", LeaseUpdateApi.as_view(), name="api-outlet-lease-update"),
    path(
        "outlets/<int:pk>/facilities/",
        FacilityListApi.as_view(),
        name="api-outlet-facility-list",
    ),
    path(
        "outlets/<int:pk>/facilities/<slug:code>/",
        FacilitySetApi.as_view(),
        name="api-outlet-facility-set",
    ),
    path("outlets/<int:pk>/staff/", StaffListApi.as_view(), name="api-outlet-staff-list"),
    path(
        "outlets/<int:pk>/staff/create/",
        StaffCreateApi.as_view(),
        name="api-outlet-staff-create",
    ),
    path("outlet-staff/<int:pk>/", StaffUpdateApi.as_view(), name="api-outlet-staff-update"),
    path("outlet-staff/<int:pk>/leave/", StaffLeaveApi.as_view(), name="api-outlet-staff-leave"),
]
