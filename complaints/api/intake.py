"""Complaint intake and status over the API (CMP-1..CMP-4, CMP-7).

One APIView per operation with nested serializers (the list and the intake on the same
URL share a class, one method each). Reads go through complaints.selectors: a complaint
out of the caller's scope is a 404; read-only roles get 403 on every write (the default
permission). Staff record what they received (CMP-1); other systems (API client role)
deliver online complaints of their county, routed as CMP-2 says.
"""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import path
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints import selectors
from complaints.models import Channel, Complaint, Severity, Topic
from complaints.services import intake as intake_services
from core.api.serializers import MaskedCharField, OrgUnitRefSerializer, UserRefSerializer
from core.models import OrgUnit, Role


class ComplaintOutputSerializer(serializers.ModelSerializer):
    """REG-3: the contact phone is always masked here."""

    county = OrgUnitRefSerializer()
    org_unit = OrgUnitRefSerializer()
    named_department = OrgUnitRefSerializer(allow_null=True)
    contact_phone = MaskedCharField(kind="phone")
    policy_number = serializers.CharField(source="policy.number", allow_null=True, default=None)
    received_by = UserRefSerializer()
    first_responder = UserRefSerializer()
    claims_owner = UserRefSerializer(allow_null=True)

    class Meta:
        model = Complaint
        fields = [
            "id",
            "number",
            "status",
            "county",
            "org_unit",
            "channel",
            "named_department",
            "topic",
            "severity",
            "urgent",
            "complainant_name",
            "contact_phone",
            "policy",
            "policy_number",
            "claim_reference",
            "claim_case",
            "received_by",
            "first_responder",
            "claims_owner",
            "received_at",
            "first_response_at",
            "forwarded_at",
            "outcome_told_at",
            "satisfaction",
            "closed_at",
            "reopen_count",
        ]


class ComplaintFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label="Number or complainant (contains)")

    class Meta:
        model = Complaint
        fields = ["status", "topic", "channel", "severity", "org_unit"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(number__icontains=value) | Q(complainant_name__icontains=value))


def _department(county: OrgUnit | None, pk: int | None) -> OrgUnit | None:
    if pk is None:
        return None
    department = intake_services.complaint_departments(county=county).filter(pk=pk).first()
    if department is None:
        raise ValidationError({"named_department": _("Name a department of your county.")})
    return department


class ComplaintListCreateApi(ListAPIView):
    """GET: the caller's complaints (CMP-1: a receiver keeps seeing those handed on until
    they are closed), filtered by status, topic, channel, severity, unit or `q`.
    POST: intake. Staff: the caller received it (counter, face to face, phone, visit:
    the caller is the first responder; letters are routed, CMP-2). API clients: an
    online complaint of the client's county, routed to the named department or the
    designated receiver; `channel` must then be "online" (or left out), and severity
    starts as "general" for the first responder to assess."""

    serializer_class = ComplaintOutputSerializer
    filterset_class = ComplaintFilter
    ordering_fields = ["received_at", "number"]

    class InputSerializer(serializers.Serializer):
        channel = serializers.ChoiceField(choices=Channel.choices, required=False)
        topic = serializers.ChoiceField(choices=Topic.choices)
        severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.GENERAL)
        urgent = serializers.BooleanField(default=False)
        complainant_name = serializers.CharField(max_length=100)
        contact_phone = serializers.CharField(max_length=20)
        contact_address = serializers.CharField(max_length=200, required=False, allow_blank=True)
        policy_number = serializers.CharField(max_length=32, required=False, allow_blank=True)
        claim_reference = serializers.CharField(max_length=40, required=False, allow_blank=True)
        what_happened = serializers.CharField()
        what_is_asked = serializers.CharField()
        named_department = serializers.IntegerField(
            required=False,
            allow_null=True,
            help_text="Id of the county branch or one of its outlets (letters and online).",
        )
        received_at = serializers.DateTimeField(
            required=False, help_text="Staff only: when it was received; now when left out."
        )

    def get_queryset(self):
        return selectors.complaint_list(user=self.request.user).select_related(
            "named_department", "policy", "claims_owner"
        )

    @extend_schema(request=InputSerializer, responses={201: ComplaintOutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        user = request.user
        county = user.org_unit.county if user.org_unit_id else None
        fields["named_department"] = _department(county, fields.get("named_department"))
        if user.role == Role.API_CLIENT:
            complaint = self._receive_online(county, fields)
        else:
            number = fields.pop("policy_number", "").strip()
            fields["policy"] = (
                intake_services.complaint_policy_lookup(user=user, number=number)
                if number
                else None
            )
            fields.setdefault("channel", Channel.COUNTER)
            complaint = intake_services.complaint_receive(by=user, **fields)
        return Response(ComplaintOutputSerializer(complaint).data, status=status.HTTP_201_CREATED)

    @staticmethod
    def _receive_online(county: OrgUnit | None, fields: dict) -> Complaint:
        if fields.get("channel", Channel.ONLINE) != Channel.ONLINE:
            raise ValidationError({"channel": _("Other systems deliver online complaints.")})
        if county is None:
            raise ValidationError(_("This API client is not placed in a county branch."))
        return intake_services.complaint_receive_online(
            county=county,
            complainant_name=fields["complainant_name"],
            contact_phone=fields["contact_phone"],
            topic=fields["topic"],
            what_happened=fields["what_happened"],
            what_is_asked=fields["what_is_asked"],
            named_department=fields["named_department"],
            contact_address=fields.get("contact_address", ""),
            policy_number=fields.get("policy_number", ""),
            claim_reference=fields.get("claim_reference", ""),
        )


class ComplaintDeadlineSerializer(serializers.Serializer):
    rule = serializers.CharField(source="rule.code")
    state = serializers.CharField()
    started_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    provisional = serializers.BooleanField()
    owner = UserRefSerializer(allow_null=True)


class ComplaintDetailApi(APIView):
    """A complaint's status: number, status, first responder and its deadlines."""

    class OutputSerializer(ComplaintOutputSerializer):
        deadlines = serializers.SerializerMethodField()

        class Meta(ComplaintOutputSerializer.Meta):
            fields = [
                *ComplaintOutputSerializer.Meta.fields,
                "contact_address",
                "what_happened",
                "what_is_asked",
                "outcome",
                "deadlines",
            ]

        @extend_schema_field(ComplaintDeadlineSerializer(many=True))
        def get_deadlines(self, complaint) -> list:
            timers = intake_services.complaint_timers(complaint=complaint)
            return ComplaintDeadlineSerializer(timers, many=True).data

    @extend_schema(responses=OutputSerializer)
    def get(self, request, pk: int):
        complaint = selectors.complaint_get(user=request.user, pk=pk)
        return Response(self.OutputSerializer(complaint).data)


urlpatterns = [
    path("complaints/", ComplaintListCreateApi.as_view(), name="api-complaint-list"),
    path("complaints/<int:pk>/", ComplaintDetailApi.as_view(), name="api-complaint-detail"),
]
