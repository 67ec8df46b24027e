"""The public notice endpoints (PUB-2, PUB-5): the online notice behind a printed QR code
and the objection a villager files on it. No login: the unguessable token is the only
key, only posted or closed notices answer, names are masked as on paper, and each
endpoint is throttled per client address (scopes `public_notice`, `public_objection`).
"""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from publicity.models import Notice, Objection
from publicity.selectors import notice_by_token
from publicity.services.objections import check_public_objection, objection_submit_online
from publicity.services.printing import notice_public_url, public_lines
from publicity.views.public import DETAILS_MAX, PHONE, client_address


class PublicApi(APIView):
    # Anonymous by design; no session either (so no CSRF), whatever the client sends.
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]


class PublicNoticeApi(PublicApi):
    throttle_scope = "public_notice"

    class OutputSerializer(serializers.ModelSerializer):
        class LineSerializer(serializers.Serializer):
            position = serializers.IntegerField()
            name = serializers.CharField(help_text="Masked (REG-3): 王*明.")
            village_group = serializers.CharField()
            subject = serializers.CharField()
            quantity = serializers.DecimalField(max_digits=14, decimal_places=4, allow_null=True)
            unit = serializers.CharField()
            farmer_share = serializers.DecimalField(max_digits=14, decimal_places=2)
            central = serializers.DecimalField(max_digits=14, decimal_places=2)
            provincial = serializers.DecimalField(max_digits=14, decimal_places=2)
            city = serializers.DecimalField(max_digits=14, decimal_places=2)
            county = serializers.DecimalField(max_digits=14, decimal_places=2)
            amount = serializers.DecimalField(max_digits=14, decimal_places=2)

        outlet = serializers.CharField(source="org_unit.name")
        url = serializers.SerializerMethodField()
        lines = serializers.SerializerMethodField()

        class Meta:
            model = Notice
            fields = [
                "title",
                "kind",
                "state",
                "outlet",
                "county_name",
                "village",
                "product_name",
                "season",
                "revision",
                "posted_at",
                "ends_at",
                "closed_at",
                "objection_phone",
                "objection_place",
                "line_count",
                "quantity",
                "farmer_share",
                "central",
                "provincial",
                "city",
                "county",
                "amount",
                "url",
                "lines",
            ]

        def get_url(self, notice) -> str:
            """The online notice page (what the printed QR code opens)."""
            return notice_public_url(notice=notice)

        @extend_schema(responses=LineSerializer(many=True))
        def get_lines(self, notice) -> list[dict]:
            return self.LineSerializer(public_lines(notice=notice), many=True).data

    @extend_schema(
        summary="A public notice (no login)",
        auth=[],
        responses=OutputSerializer,
    )
    def get(self, request, token: str):
        notice = notice_by_token(token=token)
        return Response(self.OutputSerializer(notice).data)


class PublicObjectionApi(PublicApi):
    """PUB-5: an objection filed online; it is verified by the outlet like any other."""

    throttle_scope = "public_objection"

    class InputSerializer(serializers.Serializer):
        line_position = serializers.IntegerField(required=False, allow_null=True, min_value=1)
        raiser_name = serializers.CharField(max_length=100)
        contact_phone = serializers.RegexField(
            PHONE, max_length=20, required=False, allow_blank=True
        )
        claim = serializers.ChoiceField(choices=Objection.Claim.choices)
        details = serializers.CharField(max_length=DETAILS_MAX)

    class OutputSerializer(serializers.ModelSerializer):
        class Meta:
            model = Objection
            fields = ["raised_at", "line_position", "claim", "state", "late"]

    @extend_schema(
        summary="Raise an objection to a public notice (no login)",
        auth=[],
        request=InputSerializer,
        responses={201: OutputSerializer},
    )
    def post(self, request, token: str):
        notice = notice_by_token(token=token)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        line_position = data.get("line_position")
        problems = check_public_objection(
            notice=notice, claim=data["claim"], line_position=line_position
        )
        if problems:
            raise problems
        objection = objection_submit_online(
            notice=notice,
            line_position=line_position,
            raiser_name=data["raiser_name"],
            claim=data["claim"],
            details=data["details"],
            contact_phone=data.get("contact_phone", ""),
            ip_address=client_address(request),
        )
        return Response(self.OutputSerializer(objection).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("public/notices/<str:token>/", PublicNoticeApi.as_view(), name="api-public-notice"),
    path(
        "public/notices/<str:token>/objections/",
        PublicObjectionApi.as_view(),
        name="api-public-objection",
    ),
]
