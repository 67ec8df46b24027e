"""Outlet inspection and finding endpoints (OUT-3..OUT-9, OUT-16): open an inspection,
record a standard's result with evidence photos (multipart), complete it with a plan
per unmet standard; list, record, reschedule and close findings.

One APIView per operation; reads go through outlets.selectors (404 outside the
caller's branch), writes through outlets.services.inspections (managers only: 403 for
the others).
"""

from django.urls import path, reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.serializers import OrgUnitRefSerializer, UserRefSerializer
from core.models import User
from core.selectors import evidence_for
from outlets import selectors
from outlets.models import Finding, Inspection, InspectionResult
from outlets.services import inspections as inspection_service
from outlets.standards import STANDARD_BY_CODE


# --- Serializers -------------------------------------------------------------------------
class OutletEvidencePhotoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    original_name = serializers.CharField()
    taken_at = serializers.DateTimeField(allow_null=True)
    display_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    def get_display_url(self, photo) -> str:
        return reverse("evidence_file", args=[photo.pk, "display"])

    def get_thumbnail_url(self, photo) -> str:
        return reverse("evidence_file", args=[photo.pk, "thumb"])


class OutletInspectionResultSerializer(serializers.ModelSerializer):
    result = serializers.CharField(help_text="met, not_met or na.")
    label = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()

    class Meta:
        model = InspectionResult
        fields = ["id", "standard", "label", "result", "note", "photos"]

    def get_label(self, row) -> str:
        standard = STANDARD_BY_CODE.get(row.standard)
        return str(standard.label) if standard else row.standard

    @extend_schema_field(OutletEvidencePhotoSerializer(many=True))
    def get_photos(self, row):
        photos = evidence_for(user=self.context["request"].user, subject=row)
        return OutletEvidencePhotoSerializer(photos, many=True).data


class OutletInspectionSerializer(serializers.ModelSerializer):
    outlet = OrgUnitRefSerializer()
    inspector = UserRefSerializer()
    state = serializers.CharField(help_text="draft or completed.")
    results = serializers.SerializerMethodField()

    class Meta:
        model = Inspection
        fields = [
            "id",
            "outlet",
            "inspector",
            "inspected_on",
            "state",
            "note",
            "completed_at",
            "results",
        ]

    @extend_schema_field(OutletInspectionResultSerializer(many=True))
    def get_results(self, inspection):
        return OutletInspectionResultSerializer(
            inspection.results.all(), many=True, context=self.context
        ).data


class OutletFindingSerializer(serializers.ModelSerializer):
    outlet = OrgUnitRefSerializer()
    owner = UserRefSerializer()
    source = serializers.CharField(
        help_text="inspection, staffing, hours, waits, satisfaction or manual."
    )
    state = serializers.CharField(help_text="open or closed.")
    inspection = serializers.IntegerField(
        source="result.inspection_id", allow_null=True, default=None
    )
    due_at = serializers.DateTimeField(source="timer.due_at", allow_null=True, default=None)

    class Meta:
        model = Finding
        fields = [
            "id",
            "outlet",
            "source",
            "standard",
            "description",
            "corrective_action",
            "owner",
            "due_on",
            "due_at",
            "timer",
            "state",
            "inspection",
            "raised_at",
            "raised_by",
            "closed_at",
            "closed_by",
            "closed_by_inspection",
            "closing_note",
        ]


class OutletFindingPlanSerializer(serializers.Serializer):
    """The plan of one unmet standard: corrective action, owner and due date."""

    standard = serializers.CharField(max_length=40)
    corrective_action = serializers.CharField()
    owner = serializers.IntegerField(help_text="User id.")
    due_on = serializers.DateField()


def _owner(pk: int) -> User:
    """The owner named by id; the service refuses one who neither works at the outlet
    nor manages it."""
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise serializers.ValidationError({"owner": _("Unknown user.")})
    return user


def _inspection_body(request, inspection: Inspection) -> dict:
    inspection = selectors.inspection_get(user=request.user, pk=inspection.pk)
    return OutletInspectionSerializer(inspection, context={"request": request}).data


# --- Inspections ------------------------------------------------------------------------------
class InspectionListApi(ListAPIView):
    """Inspections of the caller's branch, the latest first."""

    serializer_class = OutletInspectionSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("outlet", int),
            OpenApiParameter("state", enum=Inspection.State.values),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        outlet = None
        if params.get("outlet"):
            outlet = selectors.outlet_get(user=self.request.user, pk=params["outlet"])
        state = params.get("state", "")
        return (
            selectors.inspection_list(
                user=self.request.user,
                outlet=outlet,
                state=state if state in Inspection.State.values else "",
            )
            .prefetch_related("results")
            .order_by("-inspected_on", "-pk")
        )


class InspectionCreateApi(APIView):
    """Open an inspection of an outlet (a manager; one in progress at a time)."""

    class InputSerializer(serializers.Serializer):
        inspected_on = serializers.DateField()
        note = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses={201: OutletInspectionSerializer})
    def post(self, request, pk: int):
        outlet = selectors.outlet_get(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        inspection = inspection_service.inspection_start(
            inspector=request.user, outlet=outlet, **data.validated_data
        )
        return Response(_inspection_body(request, inspection), status=status.HTTP_201_CREATED)


class InspectionDetailApi(APIView):
    @extend_schema(responses=OutletInspectionSerializer)
    def get(self, request, pk: int):
        inspection = selectors.inspection_get(user=request.user, pk=pk)
        return Response(OutletInspectionSerializer(inspection, context={"request": request}).data)


class InspectionResultApi(APIView):
    """One standard's result with its evidence photos (multipart: repeat `photos`);
    OUT-3 site standards need a photo. All or nothing."""

    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        standard = serializers.CharField(max_length=40)
        result = serializers.ChoiceField(choices=InspectionResult.Result.choices)
        note = serializers.CharField(required=False, allow_blank=True, default="")
        photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        responses=OutletInspectionResultSerializer,
    )
    def post(self, request, pk: int):
        inspection = selectors.inspection_get(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = inspection_service.inspection_result_record(
            inspector=request.user, inspection=inspection, **data.validated_data
        )
        return Response(OutletInspectionResultSerializer(row, context={"request": request}).data)


class InspectionCompleteApi(APIView):
    """Complete the inspection: a plan for each unmet standard without an open finding
    (OUT-16); open findings whose standard is now met are closed."""

    class InputSerializer(serializers.Serializer):
        plans = OutletFindingPlanSerializer(many=True, required=False, default=list)

    @extend_schema(request=InputSerializer, responses=OutletInspectionSerializer)
    def post(self, request, pk: int):
        inspection = selectors.inspection_get(user=request.user, pk=pk)
        inspection_service.check_inspector(request.user, inspection.outlet)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plans = [
            inspection_service.FindingPlan(
                standard=plan["standard"],
                corrective_action=plan["corrective_action"],
                owner=_owner(plan["owner"]),
                due_on=plan["due_on"],
            )
            for plan in data.validated_data["plans"]
        ]
        inspection = inspection_service.inspection_complete(
            inspector=request.user, inspection=inspection, plans=plans
        )
        return Response(_inspection_body(request, inspection))


# --- Findings (OUT-16) ----------------------------------------------------------------------
class FindingListApi(ListAPIView):
    """Findings of the caller's branch; filter by outlet, state, source or overdue."""

    serializer_class = OutletFindingSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("outlet", int),
            OpenApiParameter("state", enum=Finding.State.values),
            OpenApiParameter("source", enum=Finding.Source.values),
            OpenApiParameter("overdue", bool),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        outlet = None
        if params.get("outlet"):
            outlet = selectors.outlet_get(user=self.request.user, pk=params["outlet"])
        state, source = params.get("state", ""), params.get("source", "")
        return selectors.finding_list(
            user=self.request.user,
            outlet=outlet,
            state=state if state in Finding.State.values else "",
            source=source if source in Finding.Source.values else "",
            overdue=params.get("overdue") in {"true", "1"},
        ).select_related("result")


class FindingCreateApi(APIView):
    """A manager's own finding with its corrective action (OUT-16)."""

    class InputSerializer(serializers.Serializer):
        standard = serializers.CharField(max_length=40)
        description = serializers.CharField()
        corrective_action = serializers.CharField()
        owner = serializers.IntegerField(help_text="User id.")
        due_on = serializers.DateField()

    @extend_schema(request=InputSerializer, responses={201: OutletFindingSerializer})
    def post(self, request, pk: int):
        outlet = selectors.outlet_get(user=request.user, pk=pk)
        inspection_service.check_inspector(request.user, outlet)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["owner"] = _owner(values["owner"])
        finding = inspection_service.finding_record(by=request.user, outlet=outlet, **values)
        return Response(OutletFindingSerializer(finding).data, status=status.HTTP_201_CREATED)


class FindingDetailApi(APIView):
    @extend_schema(responses=OutletFindingSerializer)
    def get(self, request, pk: int):
        return Response(
            OutletFindingSerializer(selectors.finding_get(user=request.user, pk=pk)).data
        )


class FindingCloseApi(APIView):
    class InputSerializer(serializers.Serializer):
        note = serializers.CharField()

    @extend_schema(request=InputSerializer, responses=OutletFindingSerializer)
    def post(self, request, pk: int):
        finding = selectors.finding_get(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        finding = inspection_service.finding_close(
            by=request.user, finding=finding, note=data.validated_data["note"]
        )
        return Response(OutletFindingSerializer(finding).data)


class FindingRescheduleApi(APIView):
    class InputSerializer(serializers.Serializer):
        owner = serializers.IntegerField(help_text="User id.")
        due_on = serializers.DateField()
        reason = serializers.CharField(max_length=200)

    @extend_schema(request=InputSerializer, responses=OutletFindingSerializer)
    def post(self, request, pk: int):
        finding = selectors.finding_get(user=request.user, pk=pk)
        inspection_service.check_inspector(request.user, finding.outlet)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["owner"] = _owner(values["owner"])
        finding = inspection_service.finding_reschedule(by=request.user, finding=finding, **values)
        return Response(OutletFindingSerializer(finding).data)


urlpatterns = [
    path("outlet-inspections/", InspectionListApi.as_view(), name="api-outlet-inspection-list"),
    path(
        "outlets/<int:pk>/inspections/create/",
        InspectionCreateApi.as_view(),
        name="api-outlet-inspection-create",
    ),
    path(
        "outlet-inspections/<int:pk>/",
        InspectionDetailApi.as_view(),
        name="api-outlet-inspection-detail",
    ),
    path(
        "outlet-inspections/<int:pk>/results/",
        InspectionResultApi.as_view(),
        name="api-outlet-inspection-result",
    ),
    path(
        "outlet-inspections/<int:pk>/complete/",
        InspectionCompleteApi.as_view(),
        name="api-outlet-inspection-complete",
    ),
    path("outlet-findings/", FindingListApi.as_view(), name="api-outlet-finding-list"),
    path(
        "outlets/<int:pk>/findings/create/",
        FindingCreateApi.as_view(),
        name="api-outlet-finding-create",
    ),
    path("outlet-findings/<int:pk>/", FindingDetailApi.as_view(), name="api-outlet-finding-detail"),
    path(
        "outlet-findings/<int:pk>/close/",
        FindingCloseApi.as_view(),
        name="api-outlet-finding-close",
    ),
    path(
        "outlet-findings/<int:pk>/reschedule/",
        FindingRescheduleApi.as_view(),
        name="api-outlet-finding-reschedule",
    ),
]
