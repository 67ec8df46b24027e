"""Publicity campaign endpoints (PUB-8): list (filter by outlet, dates, audience,
channel, content), record, read, correct, delete one recorded by mistake, and add
photos.

Reads go through publicity.selectors (a campaign of another branch is a 404; a county
manager reads every outlet of the county), writes through publicity.services.campaigns
(read-only roles get 403).
"""

from django.urls import path, reverse
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.access import get_in_scope
from core.api.concurrency import guarded_write, object_etag, with_etag
from core.api.serializers import OrgUnitRefSerializer, UserRefSerializer
from core.models import OrgUnit
from core.selectors import evidence_for
from publicity import selectors
from publicity.models import Campaign, Channel
from publicity.services import campaigns as services
from publicity.views.campaigns import CampaignFilter

CHANNEL_CHOICES = [(c.value, c.label) for c in Channel if c.value in services.CAMPAIGN_CHANNELS]


class CampaignPhotoOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    caption = serializers.CharField()
    original_name = serializers.CharField()
    taken_at = serializers.DateTimeField(allow_null=True)
    uploaded_at = serializers.DateTimeField()
    display_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    def get_display_url(self, photo) -> str:
        return reverse("evidence_file", args=[photo.pk, "display"])

    def get_thumbnail_url(self, photo) -> str:
        return reverse("evidence_file", args=[photo.pk, "thumb"])


@extend_schema_serializer(component_name="Campaign")
class CampaignOutputSerializer(serializers.ModelSerializer):
    org_unit = OrgUnitRefSerializer()
    created_by = UserRefSerializer()
    topics = serializers.ListField(child=serializers.CharField())
    channels = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = Campaign
        fields = [
            "id",
            "org_unit",
            "held_on",
            "title",
            "audience",
            "topics",
            "channels",
            "place",
            "materials",
            "reach",
            "description",
            "created_by",
            "created_at",
        ]


@extend_schema_serializer(component_name="CampaignDetail")
class CampaignDetailOutputSerializer(CampaignOutputSerializer):
    photos = serializers.SerializerMethodField()

    class Meta(CampaignOutputSerializer.Meta):
        fields = [*CampaignOutputSerializer.Meta.fields, "photos"]

    @extend_schema_field(CampaignPhotoOutputSerializer(many=True))
    def get_photos(self, campaign):
        photos = evidence_for(user=self.context["request"].user, subject=campaign)
        return CampaignPhotoOutputSerializer(photos, many=True).data


def _detail(request, campaign: Campaign) -> dict:
    campaign = selectors.campaign_get(user=request.user, pk=campaign.pk)
    return CampaignDetailOutputSerializer(campaign, context={"request": request}).data


class CampaignFieldsSerializer(serializers.Serializer):
    """What a campaign record says (PUB-8)."""

    held_on = serializers.DateField()
    title = serializers.CharField(max_length=150)
    audience = serializers.ChoiceField(choices=Campaign.Audience.choices)
    topics = serializers.ListField(
        child=serializers.ChoiceField(choices=Campaign.Topic.choices), allow_empty=False
    )
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=CHANNEL_CHOICES), allow_empty=False
    )
    place = serializers.CharField(max_length=200)
    materials = serializers.CharField(max_length=300, required=False, allow_blank=True)
    reach = serializers.IntegerField(min_value=0, max_value=services.REACH_MAX, required=False)
    description = serializers.CharField(required=False, allow_blank=True)


class CampaignListApi(ListAPIView):
    """PUB-8: the campaigns of the caller's branch, newest first; filter by outlet
    (`org_unit`), `held_from` / `held_to`, `audience`, `channel` or `topic`."""

    serializer_class = CampaignOutputSerializer
    filterset_class = CampaignFilter
    ordering_fields = ["held_on", "reach", "created_at"]

    def get_queryset(self):
        return selectors.campaign_list(user=self.request.user)


class CampaignCreateApi(APIView):
    """PUB-8: record a campaign held by one of the caller's outlets."""

    class InputSerializer(CampaignFieldsSerializer):
        org_unit = serializers.IntegerField(help_text="Id of the outlet that held it.")

    @extend_schema(request=InputSerializer, responses={201: CampaignDetailOutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        org_unit = get_in_scope(OrgUnit, request.user, pk=values.pop("org_unit"))
        campaign = services.campaign_create(clerk=request.user, org_unit=org_unit, **values)
        return Response(_detail(request, campaign), status=status.HTTP_201_CREATED)


class CampaignDetailApi(APIView):
    @extend_schema(responses=CampaignDetailOutputSerializer)
    def get(self, request, pk: int):
        campaign = selectors.campaign_get(user=request.user, pk=pk)
        return with_etag(
            Response(CampaignDetailOutputSerializer(campaign, context={"request": request}).data),
            object_etag(campaign),
        )


class CampaignUpdateApi(APIView):
    """PUB-8: correct a campaign (the fields given; the outlet stays); the history keeps
    the caller and `reason`."""

    class InputSerializer(CampaignFieldsSerializer):
        reason = serializers.CharField(max_length=200, required=False, allow_blank=True)

    @extend_schema(request=InputSerializer, responses=CampaignDetailOutputSerializer)
    def patch(self, request, pk: int):
        campaign = selectors.campaign_get(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        with guarded_write(request, campaign, current=lambda: object_etag(campaign)):
            campaign = services.campaign_update(
                clerk=request.user, campaign=campaign, **data.validated_data
            )
        return with_etag(Response(_detail(request, campaign)), object_etag(campaign))


class CampaignDeleteApi(APIView):
    """PUB-8: delete a campaign recorded by mistake, with the reason (kept in its
    history). A campaign with photos is kept."""

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=200)

    @extend_schema(request=InputSerializer, responses={204: None})
    def post(self, request, pk: int):
        campaign = selectors.campaign_get(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.campaign_delete(
            clerk=request.user, campaign=campaign, reason=data.validated_data["reason"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class CampaignPhotoCreateApi(APIView):
    """PUB-8: a photo of the campaign (multipart `photo`, optional `caption`), checked
    to be a real image (JPEG, PNG, WebP) within the size limits."""

    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        photo = serializers.FileField()
        caption = serializers.CharField(max_length=200, required=False, allow_blank=True)

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        responses={201: CampaignPhotoOutputSerializer},
    )
    def post(self, request, pk: int):
        campaign = selectors.campaign_get(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        photo = services.campaign_photo_add(
            clerk=request.user,
            campaign=campaign,
            upload=data.validated_data["photo"],
            caption=data.validated_data.get("caption", ""),
        )
        body = CampaignPhotoOutputSerializer(photo).data
        return Response(body, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("campaigns/", CampaignListApi.as_view(), name="api-campaign-list"),
    path("campaigns/create/", CampaignCreateApi.as_view(), name="api-campaign-create"),
    path("campaigns/<int:pk>/", CampaignDetailApi.as_view(), name="api-campaign-detail"),
    path("campaigns/<int:pk>/update/", CampaignUpdateApi.as_view(), name="api-campaign-update"),
    path("campaigns/<int:pk>/delete/", CampaignDeleteApi.as_view(), name="api-campaign-delete"),
    path(
        "campaigns/<int:pk>/photos/",
        CampaignPhotoCreateApi.as_view(),
        name="api-campaign-photo-create",
    ),
]
