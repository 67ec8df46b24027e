"""Objection endpoints for staff (PUB-5): the objections of the caller's branch, one
objection, record one received by phone or in person, resolve one with its outcome.

Reads go through publicity.selectors (another branch's objection or notice is a 404),
writes through publicity.services.objections (read-only roles get 403). A correction
decided here is written to the source list through the underwriting services, with the
reason in its history; the objection keeps the change as {field: [before, after]}.
Objections filed by villagers online arrive through publicity.api.public.
"""

from django.core.exceptions import ValidationError
from django.urls import path
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.serializers import MaskedCharField, UserRefSerializer
from publicity import selectors
from publicity.models import Objection
from publicity.services import objections as services
from underwriting.models import MONEY, QUANTITY, PolicyChange
from underwriting.selectors import policy_change_get

# Staff record what reached them by phone or at the counter; "online" is the public
# page's (PUB-2).
STAFF_CHANNELS = [
    (value, label)
    for value, label in Objection.Channel.choices
    if value != Objection.Channel.ONLINE
]


class NoticeRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    state = serializers.CharField()


@extend_schema_serializer(component_name="Objection")
class ObjectionOutputSerializer(serializers.ModelSerializer):
    """REG-3: the contact phone is masked; the address it was filed from is not shown."""

    notice = NoticeRefSerializer()
    contact_phone = MaskedCharField(kind="phone")
    recorded_by = UserRefSerializer(allow_null=True)
    resolved_by = UserRefSerializer(allow_null=True)
    line_name = serializers.CharField(source="line.name", allow_null=True, default=None)
    claim_label = serializers.CharField(source="get_claim_display")
    outcome_label = serializers.CharField(source="get_outcome_display")
    verification_due_at = serializers.DateTimeField(
        source="timer.due_at", allow_null=True, default=None
    )

    class Meta:
        model = Objection
        fields = [
            "id",
            "notice",
            "line",
            "line_position",
            "line_name",
            "raiser_kind",
            "raiser_name",
            "contact_phone",
            "channel",
            "claim",
            "claim_label",
            "details",
            "raised_at",
            "late",
            "recorded_by",
            "state",
            "verification_due_at",
            "outcome",
            "outcome_label",
            "outcome_note",
            "change",
            "policy_change",
            "resolved_by",
            "resolved_at",
        ]


def _objections(user):
    return selectors.objection_list(user=user).select_related("recorded_by", "resolved_by", "timer")


class ObjectionFilter(filters.FilterSet):
    class Meta:
        model = Objection
        fields = ["notice", "state", "late", "claim", "channel", "outcome"]


class ObjectionListApi(ListAPIView):
    """PUB-5: the objections of the caller's branch; filter by notice, state, late,
    claim, channel or outcome."""

    serializer_class = ObjectionOutputSerializer
    filterset_class = ObjectionFilter
    ordering_fields = ["raised_at", "resolved_at"]

    def get_queryset(self):
        return _objections(self.request.user)


class ObjectionDetailApi(APIView):
    @extend_schema(responses=ObjectionOutputSerializer)
    def get(self, request, pk: int):
        objection = selectors.objection_get(user=request.user, pk=pk)
        return Response(ObjectionOutputSerializer(objection).data)


class ObjectionRecordApi(APIView):
    """PUB-5: an objection received by phone or in person, about one line (`line_position`,
    the line's number on the notice) or the whole notice. Raised after the period it is
    recorded as late and handled as a policy change."""

    class InputSerializer(serializers.Serializer):
        line_position = serializers.IntegerField(min_value=1, required=False, allow_null=True)
        raiser_kind = serializers.ChoiceField(choices=Objection.Raiser.choices)
        raiser_name = serializers.CharField(max_length=100)
        contact_phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
        channel = serializers.ChoiceField(choices=STAFF_CHANNELS)
        claim = serializers.ChoiceField(choices=Objection.Claim.choices)
        details = serializers.CharField(max_length=4000)
        raised_at = serializers.DateTimeField(
            required=False, help_text="When it was raised; now when left out."
        )

    @extend_schema(request=InputSerializer, responses={201: ObjectionOutputSerializer})
    def post(self, request, pk: int):
        notice = selectors.notice_get(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        position = values.pop("line_position", None)
        line = None
        if position is not None:
            line = selectors.notice_lines(notice=notice).filter(position=position).first()
            if line is None:
                raise ValidationError(
                    {"line_position": _("This notice has no line %(n)s.") % {"n": position}}
                )
        objection = services.objection_record(
            clerk=request.user, notice=notice, line=line, **values
        )
        return Response(ObjectionOutputSerializer(objection).data, status=status.HTTP_201_CREATED)


class CorrectionsInputSerializer(serializers.Serializer):
    """PUB-5: what the verified objection changes on its line (any of these)."""

    name = serializers.CharField(max_length=100, required=False)
    quantity = serializers.DecimalField(**QUANTITY, required=False)
    subject = serializers.CharField(max_length=100, required=False)
    village_group = serializers.CharField(max_length=100, required=False)
    amount = serializers.DecimalField(**MONEY, required=False, help_text="Claim notices only.")


class ObjectionResolveApi(APIView):
    """PUB-5: record the verification outcome. `corrected` writes `corrections` to the
    list, `removed` takes the household off it (both audited, the notice's revision goes
    up); `no_change` and `rejected` need a note; `policy_change` (late objections only)
    links a change of the same policy."""

    class InputSerializer(serializers.Serializer):
        outcome = serializers.ChoiceField(choices=Objection.Outcome.choices)
        note = serializers.CharField(max_length=4000, allow_blank=True, default="")
        corrections = CorrectionsInputSerializer(required=False)
        policy_change = serializers.IntegerField(
            required=False, allow_null=True, help_text="Id of the policy change."
        )

    @extend_schema(request=InputSerializer, responses=ObjectionOutputSerializer)
    def post(self, request, pk: int):
        objection = selectors.objection_get(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        change_id = values.pop("policy_change", None)
        policy_change: PolicyChange | None = None
        if change_id is not None:
            policy_change = policy_change_get(user=request.user, pk=change_id)
        objection = services.objection_resolve(
            clerk=request.user,
            objection=objection,
            outcome=values["outcome"],
            note=values["note"],
            corrections=dict(values["corrections"]) if "corrections" in values else None,
            policy_change=policy_change,
        )
        objection = selectors.objection_get(user=request.user, pk=objection.pk)
        return Response(ObjectionOutputSerializer(objection).data)


urlpatterns = [
    path("objections/", ObjectionListApi.as_view(), name="api-objection-list"),
    path("objections/<int:pk>/", ObjectionDetailApi.as_view(), name="api-objection-detail"),
    path(
        "notices/<int:pk>/objections/create/",
        ObjectionRecordApi.as_view(),
        name="api-objection-record",
    ),
    path(
        "objections/<int:pk>/resolve/",
        ObjectionResolveApi.as_view(),
        name="api-objection-resolve",
    ),
]
