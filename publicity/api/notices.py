"""Public notice endpoints for staff (PUB-1..PUB-4, PUB-6, PUB-7): list, create from a
group policy or a claim payment list, detail with what still stops the close, lines,
how to object and the channels, post, further postings and their photos or videos,
close after the PUB-4 period, withdraw.

One APIView per operation; reads go through publicity.selectors (a notice of another
branch is a 404), writes through publicity.services.notices (read-only roles get 403).
The notice as villagers see it has its own throttled, anonymous endpoint
(publicity.api.public).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.urls import path, reverse
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.access import get_in_scope
from core.api.concurrency import guarded_write, object_etag, with_etag
from core.api.serializers import OrgUnitRefSerializer, UserRefSerializer
from core.models import EvidencePhoto, OrgUnit
from publicity import selectors
from publicity.models import NOTICE_CHANNELS, Notice, NoticeLine, NoticePosting, Objection
from publicity.services import notices as services
from publicity.services.printing import notice_public_url
from underwriting.models import MONEY, QUANTITY
from underwriting.selectors import group_policy_get

SPLIT_FIELDS = ["farmer_share", "central", "provincial", "city", "county"]
# PUB-3: what may be used beside the posting (named NoticeChannelEnum in the schema).
NOTICE_CHANNEL_CHOICES = [(channel.value, channel.label) for channel in NOTICE_CHANNELS]


# --- Serializers -------------------------------------------------------------------------
class EvidenceOutputSerializer(serializers.Serializer):
    """PUB-6: one photo or video of a posting, served by the scoped evidence views."""

    id = serializers.IntegerField()
    kind = serializers.SerializerMethodField()
    caption = serializers.CharField()
    original_name = serializers.CharField()
    taken_at = serializers.SerializerMethodField()
    uploaded_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    def get_kind(self, evidence) -> str:
        return "photo" if isinstance(evidence, EvidencePhoto) else "video"

    def get_taken_at(self, evidence) -> str | None:
        taken_at = getattr(evidence, "taken_at", None)
        return serializers.DateTimeField().to_representation(taken_at) if taken_at else None

    def get_url(self, evidence) -> str:
        if isinstance(evidence, EvidencePhoto):
            return reverse("evidence_file", args=[evidence.pk, "display"])
        return reverse("evidence_video", args=[evidence.pk])

    def get_thumbnail_url(self, evidence) -> str | None:
        if isinstance(evidence, EvidencePhoto):
            return reverse("evidence_file", args=[evidence.pk, "thumb"])
        return None


@extend_schema_serializer(component_name="NoticePosting")
class PostingOutputSerializer(serializers.ModelSerializer):
    """PUB-3: where the notice is up; PUB-6: its photos and videos."""

    place_kind_label = serializers.CharField(source="get_place_kind_display")
    posted_by = UserRefSerializer()
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = NoticePosting
        fields = [
            "id",
            "notice",
            "place_kind",
            "place_kind_label",
            "place",
            "posted_at",
            "posted_by",
            "note",
            "recorded_at",
            "evidence",
        ]

    @extend_schema_field(EvidenceOutputSerializer(many=True))
    def get_evidence(self, posting):
        evidence = self.context.get("evidence")
        if evidence is None:
            evidence = _evidence_by_posting(posting.notice)
        return EvidenceOutputSerializer(evidence.get(posting.pk, []), many=True).data


def _evidence_by_posting(notice: Notice) -> dict[int, list]:
    """The photos and videos of every posting of `notice`, by posting, oldest first."""
    by_posting: dict[int, list] = {}
    items = [*selectors.posting_photos(notice=notice), *selectors.posting_videos(notice=notice)]
    for item in sorted(items, key=lambda item: (item.uploaded_at, item.pk)):
        by_posting.setdefault(item.subject_id, []).append(item)
    return by_posting


@extend_schema_serializer(component_name="Notice")
class NoticeOutputSerializer(serializers.ModelSerializer):
    org_unit = OrgUnitRefSerializer()
    responsible = UserRefSerializer()
    kind_label = serializers.CharField(source="get_kind_display")
    state_label = serializers.CharField(source="get_state_display")
    source_model = serializers.SerializerMethodField()

    class Meta:
        model = Notice
        fields = [
            "id",
            "kind",
            "kind_label",
            "state",
            "state_label",
            "org_unit",
            "source_model",
            "source_id",
            "source_revision",
            "title",
            "county_name",
            "village",
            "product_name",
            "season",
            "line_count",
            "quantity",
            *SPLIT_FIELDS,
            "amount",
            "revision",
            "responsible",
            "posted_at",
            "ends_at",
            "overdue_flagged_at",
            "closed_at",
            "created_at",
        ]

    def get_source_model(self, notice) -> str | None:
        """e.g. "underwriting.policy"; null for a claim payment list entered directly."""
        if notice.source_type_id is None:
            return None
        return f"{notice.source_type.app_label}.{notice.source_type.model}"


@extend_schema_serializer(component_name="NoticeDetail")
class NoticeDetailOutputSerializer(NoticeOutputSerializer):
    closed_by = UserRefSerializer(allow_null=True)
    created_by = UserRefSerializer()
    public_url = serializers.SerializerMethodField()
    postings = serializers.SerializerMethodField()
    open_objections = serializers.SerializerMethodField()
    close_problems = serializers.SerializerMethodField()

    class Meta(NoticeOutputSerializer.Meta):
        fields = [
            *NoticeOutputSerializer.Meta.fields,
            "objection_phone",
            "objection_place",
            "channels",
            "public_url",
            "closed_by",
            "close_note",
            "withdrawn_reason",
            "created_by",
            "postings",
            "open_objections",
            "close_problems",
        ]

    def get_public_url(self, notice) -> str:
        """PUB-2: the online notice behind the printed QR code (posted or closed only)."""
        return notice_public_url(notice=notice)

    @extend_schema_field(PostingOutputSerializer(many=True))
    def get_postings(self, notice):
        context = {**self.context, "evidence": _evidence_by_posting(notice)}
        return PostingOutputSerializer(
            selectors.posting_list(notice=notice), many=True, context=context
        ).data

    def get_open_objections(self, notice) -> int:
        return notice.objections.filter(state=Objection.State.OPEN).count()

    def get_close_problems(self, notice) -> list[str] | None:
        """Why the caller may not close it now (PUB-1, PUB-4, PUB-5, PUB-6); empty when
        it may; null when it is not posted or the caller may not write."""
        request = self.context.get("request")
        if notice.state != Notice.State.POSTED or request is None or request.user.is_read_only:
            return None
        try:
            services.check_notice_close(clerk=request.user, notice=notice)
        except ValidationError as exc:
            return exc.messages
        except PermissionDenied:
            return None
        return []


@extend_schema_serializer(component_name="NoticeLine")
class LineOutputSerializer(serializers.ModelSerializer):
    """A line as the notice shows it; staff see the full name (the public page masks
    it). No ID number, phone or bank account exists on a line (PUB-2)."""

    class Meta:
        model = NoticeLine
        fields = [
            "id",
            "position",
            "source_row_id",
            "name",
            "village_group",
            "subject",
            "quantity",
            "unit",
            *SPLIT_FIELDS,
            "amount",
            "corrected_at",
        ]


def _detail(request, notice: Notice) -> dict:
    notice = selectors.notice_get(user=request.user, pk=notice.pk)
    return NoticeDetailOutputSerializer(notice, context={"request": request}).data


class NoticeFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label="Title or village (contains)")
    source_id = filters.NumberFilter(help_text="e.g. the group policy's id.")

    class Meta:
        model = Notice
        fields = ["kind", "state", "org_unit", "responsible"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(village__icontains=value))


# --- Notices -----------------------------------------------------------------------------
class NoticeListApi(ListAPIView):
    """The caller's notices, newest first; filter by kind, state, outlet, responsible
    clerk, source id or `q`."""

    serializer_class = NoticeOutputSerializer
    filterset_class = NoticeFilter
    ordering_fields = ["created_at", "posted_at", "ends_at"]

    def get_queryset(self):
        return selectors.notice_list(user=self.request.user).select_related("source_type")


class NoticeCreateGroupApi(APIView):
    """PUB-1/PUB-2: a draft notice of a listed group policy's accepted household list."""

    class InputSerializer(serializers.Serializer):
        policy = serializers.IntegerField(help_text="Id of the group policy.")
        objection_phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
        objection_place = serializers.CharField(max_length=200, required=False, allow_blank=True)

    @extend_schema(request=InputSerializer, responses={201: NoticeDetailOutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        policy = group_policy_get(user=request.user, pk=values.pop("policy"))
        notice = services.notice_create_for_group_policy(
            clerk=request.user, policy=policy, **values
        )
        return Response(_detail(request, notice), status=status.HTTP_201_CREATED)


class ClaimPaymentLineInputSerializer(serializers.Serializer):
    """PUB-7: one payee of the claim payment list."""

    name = serializers.CharField(max_length=100)
    village_group = serializers.CharField(max_length=100, default="", allow_blank=True)
    loss = serializers.CharField(max_length=100, help_text="The loss, e.g. 洪涝 水稻 10亩.")
    amount = serializers.DecimalField(**MONEY, min_value=0)
    quantity = serializers.DecimalField(**QUANTITY, required=False, allow_null=True)
    unit = serializers.CharField(max_length=10, required=False, allow_blank=True)


class NoticeCreateClaimsApi(APIView):
    """PUB-7: a draft claim payment notice of the lines given (who, what loss, how much)
    at one of the caller's outlets."""

    class InputSerializer(serializers.Serializer):
        org_unit = serializers.IntegerField(help_text="Id of the outlet.")
        village = serializers.CharField(max_length=100)
        product_name = serializers.CharField(max_length=100)
        season = serializers.CharField(max_length=40)
        objection_phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
        objection_place = serializers.CharField(max_length=200, required=False, allow_blank=True)
        lines = ClaimPaymentLineInputSerializer(many=True, allow_empty=False)

    @extend_schema(request=InputSerializer, responses={201: NoticeDetailOutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        outlets = OrgUnit.objects.filter(kind=OrgUnit.Kind.OUTLET)
        org_unit = get_in_scope(outlets, request.user, pk=values.pop("org_unit"))
        lines = [services.ClaimPaymentLine(**line) for line in values.pop("lines")]
        notice = services.notice_create_for_claim_payments(
            clerk=request.user, org_unit=org_unit, lines=lines, **values
        )
        return Response(_detail(request, notice), status=status.HTTP_201_CREATED)


class NoticeDetailApi(APIView):
    @extend_schema(responses=NoticeDetailOutputSerializer)
    def get(self, request, pk: int):
        notice = selectors.notice_get(user=request.user, pk=pk)
        return with_etag(
            Response(NoticeDetailOutputSerializer(notice, context={"request": request}).data),
            object_etag(notice),
        )


class NoticeUpdateApi(APIView):
    """PUB-2/PUB-3: how to object and the channels used beside the posting (draft or
    posted); fields left out stay as they are."""

    class InputSerializer(serializers.Serializer):
        objection_phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
        objection_place = serializers.CharField(max_length=200, required=False, allow_blank=True)
        channels = serializers.ListField(
            child=serializers.ChoiceField(choices=NOTICE_CHANNEL_CHOICES),
            required=False,
        )

    @extend_schema(request=InputSerializer, responses=NoticeDetailOutputSerializer)
    def patch(self, request, pk: int):
        notice = selectors.notice_get(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with guarded_write(request, notice, current=lambda: object_etag(notice)):
            notice = services.notice_update(
                clerk=request.user, notice=notice, **data.validated_data
            )
        return with_etag(Response(_detail(request, notice)), object_etag(notice))


class NoticeLineListApi(ListAPIView):
    """The lines of a notice in notice order."""

    serializer_class = LineOutputSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return NoticeLine.objects.none()
        notice = selectors.notice_get(user=self.request.user, pk=self.kwargs["pk"])
        return selectors.notice_lines(notice=notice)


class NoticeRefreshLinesApi(APIView):
    """Draft only: copy the lines again from the source (its list may have changed)."""

    @extend_schema(request=None, responses=NoticeDetailOutputSerializer)
    def post(self, request, pk: int):
        notice = selectors.notice_get(user=request.user, pk=pk)
        notice = services.notice_refresh_lines(clerk=request.user, notice=notice)
        return Response(_detail(request, notice))


class NoticePostApi(APIView):
    """PUB-3/PUB-4: the notice is up in the village: its first posting is recorded and
    the PUB-4 period starts at `posted_at` (not in the future, not before the notice was
    made)."""

    class InputSerializer(serializers.Serializer):
        posted_at = serializers.DateTimeField()
        place_kind = serializers.ChoiceField(choices=NoticePosting.Place.choices)
        place = serializers.CharField(max_length=200)
        channels = serializers.ListField(
            child=serializers.ChoiceField(choices=NOTICE_CHANNEL_CHOICES),
            required=False,
        )
        note = serializers.CharField(max_length=300, required=False, allow_blank=True)

    @extend_schema(request=InputSerializer, responses=NoticeDetailOutputSerializer)
    def post(self, request, pk: int):
        notice = selectors.notice_get(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        notice = services.notice_post(clerk=request.user, notice=notice, **data.validated_data)
        return Response(_detail(request, notice))


class NoticePostingListApi(ListAPIView):
    """PUB-3/PUB-6: where the notice is up, each posting with its photos and videos."""

    serializer_class = PostingOutputSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return NoticePosting.objects.none()
        self.notice = selectors.notice_get(user=self.request.user, pk=self.kwargs["pk"])
        return selectors.posting_list(notice=self.notice)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if hasattr(self, "notice"):
            context["evidence"] = _evidence_by_posting(self.notice)
        return context


class NoticePostingCreateApi(APIView):
    """PUB-3: another place where the posted notice is up."""

    class InputSerializer(serializers.Serializer):
        place_kind = serializers.ChoiceField(choices=NoticePosting.Place.choices)
        place = serializers.CharField(max_length=200)
        posted_at = serializers.DateTimeField()
        note = serializers.CharField(max_length=300, required=False, allow_blank=True)

    @extend_schema(request=InputSerializer, responses={201: PostingOutputSerializer})
    def post(self, request, pk: int):
        notice = selectors.notice_get(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        posting = services.posting_add(clerk=request.user, notice=notice, **data.validated_data)
        return Response(PostingOutputSerializer(posting).data, status=status.HTTP_201_CREATED)


class PostingEvidenceCreateApi(APIView):
    """PUB-6: a photo (JPEG, PNG, WebP) or a video (MP4, MOV, WebM) of the posting,
    checked for what it really is; multipart with `file` and an optional `caption`."""

    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField()
        caption = serializers.CharField(max_length=200, required=False, allow_blank=True)

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        responses={201: EvidenceOutputSerializer},
    )
    def post(self, request, pk: int):
        posting = selectors.posting_get(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        evidence = services.posting_evidence_add(
            clerk=request.user,
            posting=posting,
            upload=data.validated_data["file"],
            caption=data.validated_data.get("caption", ""),
        )
        return Response(EvidenceOutputSerializer(evidence).data, status=status.HTTP_201_CREATED)


class NoticeCloseApi(APIView):
    """Close the notice (PUB-1: the group policy may then be finalised). Refused with
    every reason listed: PUB-4 period not over (says when it may close), PUB-6 no
    posting photo, PUB-5 objections still open, PUB-1 list replaced since."""

    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(required=False, allow_blank=True, max_length=2000)

    @extend_schema(request=InputSerializer, responses=NoticeDetailOutputSerializer)
    def post(self, request, pk: int):
        notice = selectors.notice_get(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        notice = services.notice_close(
            clerk=request.user, notice=notice, note=data.validated_data.get("note", "")
        )
        return Response(_detail(request, notice))


class NoticeWithdrawApi(APIView):
    """Withdraw a draft or posted notice, with the reason (its timers are cancelled)."""

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=2000)

    @extend_schema(request=InputSerializer, responses=NoticeDetailOutputSerializer)
    def post(self, request, pk: int):
        notice = selectors.notice_get(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        notice = services.notice_withdraw(
            clerk=request.user, notice=notice, reason=data.validated_data["reason"]
        )
        return Response(_detail(request, notice))


urlpatterns = [
    path("notices/", NoticeListApi.as_view(), name="api-notice-list"),
    path(
        "notices/from-group-policy/",
        NoticeCreateGroupApi.as_view(),
        name="api-notice-create-group",
    ),
    path(
        "notices/claim-payments/",
        NoticeCreateClaimsApi.as_view(),
        name="api-notice-create-claims",
    ),
    path("notices/<int:pk>/", NoticeDetailApi.as_view(), name="api-notice-detail"),
    path("notices/<int:pk>/update/", NoticeUpdateApi.as_view(), name="api-notice-update"),
    path("notices/<int:pk>/lines/", NoticeLineListApi.as_view(), name="api-notice-lines"),
    path(
        "notices/<int:pk>/refresh-lines/",
        NoticeRefreshLinesApi.as_view(),
        name="api-notice-refresh-lines",
    ),
    path("notices/<int:pk>/post/", NoticePostApi.as_view(), name="api-notice-post"),
    path(
        "notices/<int:pk>/postings/",
        NoticePostingListApi.as_view(),
        name="api-notice-postings",
    ),
    path(
        "notices/<int:pk>/postings/create/",
        NoticePostingCreateApi.as_view(),
        name="api-notice-posting-create",
    ),
    path(
        "notice-postings/<int:pk>/evidence/",
        PostingEvidenceCreateApi.as_view(),
        name="api-notice-posting-evidence",
    ),
    path("notices/<int:pk>/close/", NoticeCloseApi.as_view(), name="api-notice-close"),
    path("notices/<int:pk>/withdraw/", NoticeWithdrawApi.as_view(), name="api-notice-withdraw"),
]
