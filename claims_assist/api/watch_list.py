"""Watch list endpoints (CLM-16): the list (GET) and an addition (POST) at
`watch-list/`, a removal at `watch-list/<pk>/remove/`.

The county managers and the city claims centre keep the list; auditors read it;
other callers get 403. Entries outside the caller's branch are 404. ID numbers are
masked in every answer (REG-3).
"""

from django.core.exceptions import PermissionDenied
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from claims_assist.api.actions import validated
from claims_assist.models import WatchListEntry
from claims_assist.selectors_cases import case_get
from claims_assist.selectors_check import watch_list, watch_list_counties
from claims_assist.services import fraud as fraud_service
from core.api.permissions import IsActiveUser
from core.masking import mask_id_number


class WatchListEntryOutputSerializer(serializers.ModelSerializer):
    id_number = serializers.SerializerMethodField(help_text="Masked (REG-3).")
    case_number = serializers.CharField(source="case.number", allow_null=True, default=None)

    class Meta:
        model = WatchListEntry
        fields = [
            "id",
            "county",
            "name",
            "id_number",
            "reason",
            "case",
            "case_number",
            "added_by",
            "added_at",
            "removed_at",
            "removed_by",
            "removed_reason",
        ]

    def get_id_number(self, entry) -> str:
        return mask_id_number(entry.id_number)


def _check_reader(user) -> None:
    if not (user.is_read_only or fraud_service.may_manage_watch_list(user)):
        raise PermissionDenied(
            _("Only a county manager or the city claims centre keeps the watch list (CLM-16).")
        )


class WatchListApi(ListAPIView):
    """GET: the active entries of the caller's counties (`removed=1` adds the removed
    ones). POST: add a person to a county's list; an entry already active for the ID
    is returned unchanged (200), a new one is 201."""

    permission_classes = [IsActiveUser]
    serializer_class = WatchListEntryOutputSerializer

    class InputSerializer(serializers.Serializer):
        county = serializers.IntegerField(
            required=False, allow_null=True, default=None, help_text="Default: your county."
        )
        name = serializers.CharField(max_length=100)
        id_number = serializers.CharField(max_length=30)
        reason = serializers.CharField()
        case = serializers.IntegerField(
            required=False, allow_null=True, default=None, help_text="The false claim's case."
        )

    @extend_schema(
        parameters=[OpenApiParameter("removed", bool, description="Include removed entries.")]
    )
    def get(self, request, *args, **kwargs):
        _check_reader(request.user)
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return WatchListEntry.objects.none()
        include_removed = self.request.query_params.get("removed") in ("1", "true")
        return watch_list(user=self.request.user, include_removed=include_removed)

    @extend_schema(
        request=InputSerializer,
        responses={200: WatchListEntryOutputSerializer, 201: WatchListEntryOutputSerializer},
    )
    def post(self, request):
        fraud_service.check_watch_list_role(request.user)
        values = validated(self.InputSerializer, request)
        counties = watch_list_counties(user=request.user)
        county_pk = values.pop("county")
        if county_pk is None:
            if counties.count() != 1:
                raise serializers.ValidationError({"county": [_("Say which county branch.")]})
            county = counties.get()
        else:
            county = counties.filter(pk=county_pk).first()
            if county is None:
                raise serializers.ValidationError({"county": [_("Not a county branch here.")]})
        case_pk = values.pop("case")
        case = case_get(user=request.user, pk=case_pk) if case_pk is not None else None
        active_before = set(
            watch_list(user=request.user, county=county).values_list("pk", flat=True)
        )
        entry = fraud_service.watch_list_add(by=request.user, county=county, case=case, **values)
        return Response(
            WatchListEntryOutputSerializer(entry).data,
            status=status.HTTP_200_OK if entry.pk in active_before else status.HTTP_201_CREATED,
        )


class WatchListRemoveApi(APIView):
    permission_classes = [IsActiveUser]

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField()

    @extend_schema(request=InputSerializer, responses=WatchListEntryOutputSerializer)
    def post(self, request, pk: int):
        data = validated(self.InputSerializer, request)
        entry = fraud_service.watch_list_remove(by=request.user, entry_pk=pk, reason=data["reason"])
        return Response(WatchListEntryOutputSerializer(entry).data)


urlpatterns = [
    path("watch-list/", WatchListApi.as_view(), name="api-watch-list"),
    path("watch-list/<int:pk>/remove/", WatchListRemoveApi.as_view(), name="api-watch-list-remove"),
]
