"""Customers, products and individual policies over the API (UW-1, UW-5, UW-8, UW-9,
UW-11, OUT-13).

One APIView per operation with nested serializers (a list and the create on the same
URL share a class, one method each); every read goes through underwriting.selectors,
so another branch's record is a 404; read-only roles get 403 on every write (the
default permission). Money and quantities are strings ("600.00").
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from core import selectors as core_selectors
from core.access import check_can_write
from core.api.concurrency import guarded_write, object_etag, with_etag
from core.api.serializers import MaskedCharField, OrgUnitRefSerializer
from core.models import Role
from underwriting import selectors
from underwriting.api.common import (
    PREMIUM_SPLIT_FIELDS,
    CustomerRefSerializer,
    ProductRefSerializer,
)
from underwriting.models import Customer, Policy, Product, SubsidyLevel
from underwriting.services import customers as customer_services
from underwriting.services import policies as policy_services


# Customers ------------------------------------------------------------------------------
class CustomerOutputSerializer(serializers.ModelSerializer):
    """REG-3: ID number, phone and bank account are always masked here."""

    id_number = MaskedCharField(kind="id_number")
    phone = MaskedCharField(kind="phone")
    bank_account = MaskedCharField(kind="bank_account")
    org_unit = OrgUnitRefSerializer()

    class Meta:
        model = Customer
        fields = [
            "id",
            "kind",
            "organisation_type",
            "name",
            "id_number",
            "phone",
            "village_group",
            "address",
            "bank_account",
            "bank_name",
            "org_unit",
            "created_at",
        ]


class CustomerListCreateApi(ListAPIView):
    """GET: the caller's customers, `?q=` matching a name or an ID number however typed.
    POST: register a farmer or an organisation at an outlet (the caller's by default)."""

    serializer_class = CustomerOutputSerializer

    @extend_schema_serializer(component_name="CustomerCreateInput")
    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=Customer.Kind.choices)
        organisation_type = serializers.ChoiceField(
            choices=Customer.OrganisationType.choices, required=False, allow_blank=True
        )
        name = serializers.CharField(max_length=100)
        id_number = serializers.CharField(max_length=40)
        phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
        village_group = serializers.CharField(max_length=100, required=False, allow_blank=True)
        address = serializers.CharField(max_length=200, required=False, allow_blank=True)
        bank_account = serializers.CharField(max_length=40, required=False, allow_blank=True)
        bank_name = serializers.CharField(max_length=60, required=False, allow_blank=True)
        org_unit = serializers.IntegerField(
            required=False, help_text="Outlet id; the caller's own unit when left out."
        )

    def get_queryset(self):
        return selectors.customer_list(
            user=self.request.user, query=self.request.query_params.get("q", "")
        )

    @extend_schema(
        parameters=[OpenApiParameter("q", str, description="Name or ID number (normalised).")]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=InputSerializer, responses={201: CustomerOutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        unit_id = fields.pop("org_unit", None)
        org_unit = (
            core_selectors.org_unit_get(user=request.user, pk=unit_id)
            if unit_id is not None
            else request.user.org_unit
        )
        if org_unit is None:
            raise Http404
        customer = customer_services.customer_create(by=request.user, org_unit=org_unit, **fields)
        return Response(CustomerOutputSerializer(customer).data, status=status.HTTP_201_CREATED)


class CustomerDetailApi(APIView):
    @extend_schema(responses=CustomerOutputSerializer)
    def get(self, request, pk: int):
        customer = selectors.customer_get(user=request.user, pk=pk)
        return with_etag(Response(CustomerOutputSerializer(customer).data), object_etag(customer))


class CustomerUpdateApi(APIView):
    """Change a customer's contact or bank details (the fields given), with a reason
    kept in the history; the ID number and kind never change. `If-Match` guards
    against lost updates."""

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=100, required=False)
        organisation_type = serializers.ChoiceField(
            choices=Customer.OrganisationType.choices, required=False, allow_blank=True
        )
        phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
        village_group = serializers.CharField(max_length=100, required=False, allow_blank=True)
        address = serializers.CharField(max_length=200, required=False, allow_blank=True)
        bank_account = serializers.CharField(max_length=40, required=False, allow_blank=True)
        bank_name = serializers.CharField(max_length=60, required=False, allow_blank=True)
        reason = serializers.CharField(max_length=200)

    @extend_schema(request=InputSerializer, responses=CustomerOutputSerializer)
    def patch(self, request, pk: int):
        customer = selectors.customer_get(user=request.user, pk=pk)
        check_can_write(request.user, customer)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        reason = fields.pop("reason")
        with guarded_write(request, customer, current=lambda: object_etag(customer)):
            customer = customer_services.customer_update(
                by=request.user, customer=customer, reason=reason, **fields
            )
        return with_etag(Response(CustomerOutputSerializer(customer).data), object_etag(customer))


# Products -------------------------------------------------------------------------------
class ProductOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = [
            "id",
            "code",
            "name",
            "line",
            "policy_based",
            "rate",
            "sum_insured_per_unit",
            "unit",
            "cover_days",
            "is_active",
        ]


class SubsidyRatesSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    central = serializers.DecimalField(max_digits=7, decimal_places=6)
    provincial = serializers.DecimalField(max_digits=7, decimal_places=6)
    city = serializers.DecimalField(max_digits=7, decimal_places=6)
    county = serializers.DecimalField(max_digits=7, decimal_places=6)


class ProductDetailOutputSerializer(ProductOutputSerializer):
    exclusions = serializers.SlugRelatedField(slug_field="text", many=True, read_only=True)
    subsidies = serializers.SerializerMethodField()

    class Meta(ProductOutputSerializer.Meta):
        fields = [
            *ProductOutputSerializer.Meta.fields,
            "liability",
            "claim_route",
            "inspection_quantity",
            "exclusions",
            "subsidies",
        ]

    @extend_schema_field(SubsidyRatesSerializer)
    def get_subsidies(self, product) -> dict:
        return self.context["subsidies"]


class ProductListApi(ListAPIView):
    """The products on sale."""

    serializer_class = ProductOutputSerializer

    def get_queryset(self):
        return selectors.product_list()


class ProductDetailApi(APIView):
    """A product with its exclusions and the subsidy rates (UW-4) that apply in the
    caller's region for `?year=` (default this year)."""

    @extend_schema(
        parameters=[OpenApiParameter("year", int, description="Subsidy year.")],
        responses=ProductDetailOutputSerializer,
    )
    def get(self, request, pk: int):
        try:
            product = selectors.product_get(pk=pk)
        except Product.DoesNotExist:
            raise Http404 from None
        try:
            year = int(request.query_params.get("year") or timezone.localdate().year)
        except ValueError:
            raise serializers.ValidationError({"year": [_("A year is a number.")]}) from None
        rates = (
            selectors.subsidy_rates_for(product=product, org_unit=request.user.org_unit, year=year)
            if request.user.org_unit_id
            else {}
        )
        levels = {level: rates.get(level, 0) for level in SubsidyLevel.values}
        subsidies = SubsidyRatesSerializer({"year": year, **levels}).data
        return Response(
            ProductDetailOutputSerializer(product, context={"subsidies": subsidies}).data
        )


# Policies -------------------------------------------------------------------------------
class PolicyOutputSerializer(serializers.ModelSerializer):
    org_unit = OrgUnitRefSerializer()
    product = ProductRefSerializer()
    insured = CustomerRefSerializer(allow_null=True)
    applicant = CustomerRefSerializer(allow_null=True)
    organiser = CustomerRefSerializer(allow_null=True)

    class Meta:
        model = Policy
        fields = [
            "id",
            "number",
            "kind",
            "channel",
            "status",
            "org_unit",
            "product",
            "insured",
            "applicant",
            "organiser",
            "applicant_label",
            "season",
            "subject",
            "quantity",
            "unit",
            "sum_insured",
            *PREMIUM_SPLIT_FIELDS,
            "application_date",
            "starts_on",
            "ends_on",
            "expected_minutes",
            "explained_at",
            "payment_method",
            "payment_reference",
            "paid_at",
            "issued_at",
            "printed_at",
            "external_reference",
            "verification_code",
            "entered_at",
        ]


class PolicyFilter(filters.FilterSet):
    product = filters.CharFilter(field_name="product__code")

    class Meta:
        model = Policy
        fields = ["kind", "status", "channel", "org_unit"]


def _customer(user, pk: int | None) -> Customer | None:
    return None if pk is None else selectors.customer_get(user=user, pk=pk)


class PolicyListCreateApi(ListAPIView):
    """GET: individual and group policies in the caller's branch. POST: quote an
    individual policy at the caller's outlet (UW-1, UW-9; OUT-13 starts for motor,
    other lines need `expected_minutes`)."""

    serializer_class = PolicyOutputSerializer
    filterset_class = PolicyFilter
    ordering_fields = ["entered_at", "issued_at", "number"]

    @extend_schema_serializer(component_name="PolicyQuoteInput")
    class InputSerializer(serializers.Serializer):
        product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
        insured = serializers.IntegerField()
        applicant = serializers.IntegerField(required=False, allow_null=True)
        quantity = serializers.DecimalField(max_digits=14, decimal_places=4)
        application_date = serializers.DateField()
        starts_on = serializers.DateField(required=False, allow_null=True)
        subject = serializers.CharField(max_length=100, required=False, allow_blank=True)
        expected_minutes = serializers.IntegerField(
            required=False, allow_null=True, min_value=1, max_value=10080
        )

    def get_queryset(self):
        return selectors.policy_list(user=self.request.user)

    @extend_schema(request=InputSerializer, responses={201: PolicyOutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        insured = _customer(request.user, fields.pop("insured"))
        applicant = _customer(request.user, fields.pop("applicant", None))
        policy = policy_services.policy_quote(
            clerk=request.user, insured=insured, applicant=applicant, **fields
        )
        return Response(PolicyOutputSerializer(policy).data, status=status.HTTP_201_CREATED)


class PolicyDetailApi(APIView):
    @extend_schema(responses=PolicyOutputSerializer)
    def get(self, request, pk: int):
        policy = selectors.policy_get(user=request.user, pk=pk)
        return Response(PolicyOutputSerializer(policy).data)


class PolicyRemoteIntakeApi(APIView):
    """UW-11: a telesales or online policy arrives at an outlet as pending payment.
    For the sales systems (API client role) of the outlet's branch."""

    @extend_schema_serializer(component_name="PolicyRemoteIntakeInput")
    class InputSerializer(serializers.Serializer):
        channel = serializers.ChoiceField(choices=policy_services.REMOTE_CHANNELS)
        org_unit = serializers.IntegerField(help_text="The outlet where the customer pays.")
        product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
        insured = serializers.IntegerField(help_text="Customer id, registered at that outlet.")
        quantity = serializers.DecimalField(max_digits=14, decimal_places=4)
        application_date = serializers.DateField()
        starts_on = serializers.DateField(required=False, allow_null=True)
        external_reference = serializers.CharField(max_length=64)

    @extend_schema(request=InputSerializer, responses={201: PolicyOutputSerializer})
    def post(self, request):
        # The intake is the sales systems' door; staff enter quotes at the counter.
        if not (request.user.is_superuser or request.user.role == Role.API_CLIENT):
            raise PermissionDenied(_("Only sales systems (API clients) deliver remote policies."))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        org_unit = core_selectors.org_unit_get(user=request.user, pk=fields.pop("org_unit"))
        insured = selectors.customer_get(user=request.user, pk=fields.pop("insured"))
        policy = policy_services.policy_intake_remote(
            by=request.user, org_unit=org_unit, insured=insured, **fields
        )
        return Response(PolicyOutputSerializer(policy).data, status=status.HTTP_201_CREATED)


class PolicyExplainApi(APIView):
    """UW-8: record that liability, exclusions and the claim route were explained."""

    @extend_schema_serializer(component_name="PolicyExplainInput")
    class InputSerializer(serializers.Serializer):
        liability = serializers.BooleanField()
        exclusions = serializers.BooleanField()
        claim_route = serializers.BooleanField()

    @extend_schema(request=InputSerializer, responses=PolicyOutputSerializer)
    def post(self, request, pk: int):
        policy = selectors.policy_get(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        policy = policy_services.policy_record_explanation(
            clerk=request.user, policy=policy, **data.validated_data
        )
        return Response(PolicyOutputSerializer(policy).data)


class PolicyPayApi(APIView):
    """Take the customer's own share (farmer_share) by cash, card or POS."""

    @extend_schema_serializer(component_name="PolicyPayInput")
    class InputSerializer(serializers.Serializer):
        payment_method = serializers.ChoiceField(choices=Policy.PaymentMethod.choices)
        payment_reference = serializers.CharField(max_length=64, required=False, allow_blank=True)

    @extend_schema(request=InputSerializer, responses=PolicyOutputSerializer)
    def post(self, request, pk: int):
        policy = selectors.policy_get(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        policy = policy_services.policy_take_payment(
            clerk=request.user,
            policy=policy,
            method=data.validated_data["payment_method"],
            reference=data.validated_data.get("payment_reference", ""),
        )
        return Response(PolicyOutputSerializer(policy).data)


class PolicyIssueApi(APIView):
    """Issue a paid policy (UW-5, UW-8 and UW-9 checked again)."""

    @extend_schema(request=None, responses=PolicyOutputSerializer)
    def post(self, request, pk: int):
        policy = selectors.policy_get(user=request.user, pk=pk)
        policy = policy_services.policy_issue(clerk=request.user, policy=policy)
        return Response(PolicyOutputSerializer(policy).data)


class PolicyCancelApi(APIView):
    """Cancel an unissued policy with a reason."""

    @extend_schema_serializer(component_name="PolicyCancelInput")
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=200)

    @extend_schema(request=InputSerializer, responses=PolicyOutputSerializer)
    def post(self, request, pk: int):
        policy = selectors.policy_get(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        policy = policy_services.policy_cancel(
            clerk=request.user, policy=policy, reason=data.validated_data["reason"]
        )
        return Response(PolicyOutputSerializer(policy).data)


urlpatterns = [
    path("customers/", CustomerListCreateApi.as_view(), name="api-customer-list"),
    path("customers/<int:pk>/", CustomerDetailApi.as_view(), name="api-customer-detail"),
    path("customers/<int:pk>/update/", CustomerUpdateApi.as_view(), name="api-customer-update"),
    path("products/", ProductListApi.as_view(), name="api-product-list"),
    path("products/<int:pk>/", ProductDetailApi.as_view(), name="api-product-detail"),
    path("policies/", PolicyListCreateApi.as_view(), name="api-policy-list"),
    path("policies/remote/", PolicyRemoteIntakeApi.as_view(), name="api-policy-remote"),
    path("policies/<int:pk>/", PolicyDetailApi.as_view(), name="api-policy-detail"),
    path("policies/<int:pk>/explain/", PolicyExplainApi.as_view(), name="api-policy-explain"),
    path("policies/<int:pk>/pay/", PolicyPayApi.as_view(), name="api-policy-pay"),
    path("policies/<int:pk>/issue/", PolicyIssueApi.as_view(), name="api-policy-issue"),
    path("policies/<int:pk>/cancel/", PolicyCancelApi.as_view(), name="api-policy-cancel"),
]
