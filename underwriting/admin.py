"""Admin of the underwriting records, scoped like the UI and the API (OUT-1).

Who edits what:
- Products and their exclusions are provincial reference data: superusers only; every
  staff member may look. A manager edits the subsidy rates of regions in their branch.
- Underwriting rules: the default row only by a superuser; a county manager adds and
  changes their own county's override (like TimerRule in core).
- Villages and their capacities (UW-5 checks): managers of the branch.
- Customers, policies, household lists and rows, inspections, changes and printed
  policies are read-only here: they change only through the services, which validate,
  audit and lock (UW-6, UW-12). Personal data is shown masked (REG-3). The one write
  is adding a telesales/online policy pending payment (UW-11), through the service.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.access import in_scope, scope_q
from core.admin import CountyOverrideMixin, ReadOnlyAdmin, RoleAdminMixin, ScopedHistoryMixin
from core.masking import mask
from core.models import OrgUnit
from underwriting.models import (
    Customer,
    HouseholdList,
    HouseholdRow,
    ImportIssue,
    Inspection,
    Policy,
    PolicyChange,
    PolicyDocument,
    Product,
    ProductExclusion,
    SubsidyRate,
    UnderwritingRules,
    Village,
    VillageCapacity,
)
from underwriting.services.policies import check_intake_remote, policy_intake_remote


class ReadOnlyHistoryAdmin(ScopedHistoryMixin, ReadOnlyAdmin, SimpleHistoryAdmin):
    """Read-only, scoped, with the change history (who, when, why)."""


class RoleInlineMixin:
    """Inlines follow the role of the page they sit on, not Django's model permissions."""

    manager_can_edit = False

    def _can_edit(self, request):
        user = request.user
        return user.is_superuser or (
            self.manager_can_edit and user.is_staff and user.is_manager and not user.is_read_only
        )

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request, obj=None):
        return self._can_edit(request)

    def has_change_permission(self, request, obj=None):
        return self._can_edit(request)

    def has_delete_permission(self, request, obj=None):
        return self._can_edit(request)


PERSONAL_FIELDS = {"id_number": "id_number", "phone": "phone", "bank_account": "bank_account"}


def _masked(field: str, kind: str, label):
    @admin.display(description=label)
    def display(self, obj):
        return mask(getattr(obj, field) or "", kind) or "—"

    return display


# --- Reference data ------------------------------------------------------------------------
class ProductExclusionInline(RoleInlineMixin, admin.TabularInline):
    model = ProductExclusion
    extra = 0


class ProductSubsidyInline(RoleInlineMixin, admin.TabularInline):
    model = SubsidyRate
    extra = 0
    fields = ["region", "year", "central", "provincial", "city", "county"]


@admin.register(Product)
class ProductAdmin(ScopedHistoryMixin, RoleAdminMixin, SimpleHistoryAdmin):
    list_display = [
        "code",
        "name",
        "line",
        "policy_based",
        "rate",
        "sum_insured_per_unit",
        "unit",
        "is_active",
    ]
    list_filter = ["line", "policy_based", "is_active"]
    search_fields = ["code", "name"]
    inlines = [ProductExclusionInline, ProductSubsidyInline]
    scoped = False


@admin.register(SubsidyRate)
class SubsidyRateAdmin(ScopedHistoryMixin, RoleAdminMixin, SimpleHistoryAdmin):
    """UW-4: everyone may read every rate (a county's premium depends on the province's
    rates); a manager changes only the rates of regions in their branch."""

    list_display = ["product", "region", "year", "central", "provincial", "city", "county"]
    list_filter = ["year", "product"]
    list_select_related = ["product", "region"]
    manager_can_edit = True
    scoped = False

    def has_change_permission(self, request, obj=None):
        user = request.user
        outside = obj is not None and (
            user.org_unit_id is None or not user.org_unit.contains(obj.region)
        )
        if outside and not user.is_superuser:
            return False
        return super().has_change_permission(request, obj)


@admin.register(UnderwritingRules)
class UnderwritingRulesAdmin(
    CountyOverrideMixin, ScopedHistoryMixin, RoleAdminMixin, SimpleHistoryAdmin
):
    """UW-9 backfill days and the premium tolerance: a county manager overrides them for
    their own county; only a superuser changes the default that binds every county."""

    list_display = ["__str__", "backfill_days", "premium_tolerance"]
    manager_can_edit = True
    scoped = False  # the default row has no county; scoped below

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(scope_q(request.user, UnderwritingRules) | Q(county__isnull=True))


class VillageCapacityInline(RoleInlineMixin, admin.TabularInline):
    model = VillageCapacity
    extra = 1
    manager_can_edit = True


@admin.register(Village)
class VillageAdmin(ScopedHistoryMixin, RoleAdminMixin, SimpleHistoryAdmin):
    """UW-5: what each village can hold and whether it is in an epidemic zone."""

    list_display = ["name", "org_unit", "epidemic_zone"]
    list_filter = ["epidemic_zone"]
    search_fields = ["name"]
    list_select_related = ["org_unit"]
    inlines = [VillageCapacityInline]
    manager_can_edit = True

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "org_unit":
            field.queryset = field.queryset.filter(kind=OrgUnit.Kind.OUTLET)
        return field


# --- Business records: read-only, scoped, masked ----------------------------------------
@admin.register(Customer)
class CustomerAdmin(ReadOnlyHistoryAdmin):
    list_display = ["name", "kind", "organisation_type", "masked_id_number", "org_unit"]
    list_filter = ["kind", "organisation_type"]
    search_fields = ["name"]
    list_select_related = ["org_unit"]
    fields = [
        "org_unit",
        "kind",
        "organisation_type",
        "name",
        "masked_id_number",
        "masked_phone",
        "village_group",
        "address",
        "masked_bank_account",
        "bank_name",
        "created_by",
        "created_at",
    ]
    readonly_fields = fields

    masked_id_number = _masked("id_number", "id_number", _("ID number"))
    masked_phone = _masked("phone", "phone", _("phone"))
    masked_bank_account = _masked("bank_account", "bank_account", _("bank account"))
    history_masked_fields = PERSONAL_FIELDS


class RemotePolicyForm(forms.ModelForm):
    """UW-11: a telesales or online policy landing at an outlet, pending payment. The
    admin only collects the fields; underwriting.services.policies checks and writes."""

    user = None  # set per request by PolicyAdmin.get_form

    class Meta:
        model = Policy
        fields = [
            "org_unit",
            "channel",
            "product",
            "insured",
            "quantity",
            "application_date",
            "starts_on",
            "external_reference",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [
            (channel.value, channel.label)
            for channel in (Policy.Channel.TELESALES, Policy.Channel.ONLINE)
        ]
        self.fields["insured"].required = True
        self.fields["external_reference"].required = True

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                check_intake_remote(by=self.user, **self.intake_arguments())
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned

    def intake_arguments(self) -> dict:
        return {field: self.cleaned_data.get(field) for field in self.Meta.fields}


@admin.register(Policy)
class PolicyAdmin(ReadOnlyHistoryAdmin):
    """Read-only: quotes, issuance, lists, finalisation and changes go through the
    underwriting pages and API, where every rule is checked. The one thing added here
    is a telesales or online policy arriving pending payment (UW-11), through the same
    service as the API."""

    list_display = [
        "__str__",
        "kind",
        "channel",
        "status",
        "product",
        "applicant_label",
        "insured",
        "organiser",
        "premium",
        "org_unit",
        "entered_at",
    ]
    list_filter = ["kind", "channel", "status", "product"]
    search_fields = ["number", "applicant_label", "insured__name", "organiser__name"]
    list_select_related = ["product", "insured", "organiser", "org_unit"]
    date_hierarchy = "entered_at"
    manager_can_edit = True

    def has_add_permission(self, request, obj=None):
        return self._can_edit(request)

    def get_form(self, request, obj=None, **kwargs):
        if obj is not None:
            return super().get_form(request, obj, **kwargs)
        return type("RemotePolicyForm", (RemotePolicyForm,), {"user": request.user})

    def get_fields(self, request, obj=None):
        if obj is None:
            return RemotePolicyForm.Meta.fields
        return super().get_fields(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "insured":
            kwargs["queryset"] = in_scope(Customer.objects.all(), request.user)
        elif db_field.name == "product":
            kwargs["queryset"] = Product.objects.filter(is_active=True)
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "org_unit":
            field.queryset = field.queryset.filter(kind=OrgUnit.Kind.OUTLET)
        return field

    def save_model(self, request, obj, form, change):
        policy = policy_intake_remote(by=request.user, **form.intake_arguments())
        # The admin logs and redirects with `obj`: make it the saved policy.
        for field in Policy._meta.concrete_fields:
            setattr(obj, field.attname, getattr(policy, field.attname))
        obj._state.adding = False


@admin.register(HouseholdList)
class HouseholdListAdmin(ReadOnlyAdmin):
    # The uploaded file and the report carry full ID numbers: listed by name only.
    list_display = [
        "source_name",
        "policy",
        "state",
        "household_count",
        "error_count",
        "warning_count",
        "uploaded_by",
        "uploaded_at",
    ]
    list_filter = ["state"]
    list_select_related = ["policy", "uploaded_by"]
    exclude = ["source", "report"]


@admin.register(ImportIssue)
class ImportIssueAdmin(ReadOnlyAdmin):
    list_display = ["household_list", "row_number", "severity", "code", "column", "message"]
    list_filter = ["severity", "code"]
    list_select_related = ["household_list"]


@admin.register(HouseholdRow)
class HouseholdRowAdmin(ReadOnlyHistoryAdmin):
    list_display = [
        "row_number",
        "name",
        "masked_id_number",
        "policy",
        "quantity",
        "unit",
        "premium",
        "signature_display",
        "flags",
    ]
    list_filter = ["signature"]
    search_fields = ["name"]
    list_select_related = ["household_list__policy"]
    exclude = ["id_number", "phone", "bank_account"]
    readonly_fields = ["masked_id_number", "masked_phone", "masked_bank_account"]

    masked_id_number = _masked("id_number", "id_number", _("ID number"))
    masked_phone = _masked("phone", "phone", _("phone"))
    masked_bank_account = _masked("bank_account", "bank_account", _("bank account"))
    history_masked_fields = PERSONAL_FIELDS

    @admin.display(description=_("policy"))
    def policy(self, row):
        return row.household_list.policy


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyHistoryAdmin):
    list_display = ["policy", "household", "inspected_on", "inspector", "confirmed"]
    list_filter = ["confirmed"]
    list_select_related = ["policy", "household", "inspector"]
    date_hierarchy = "inspected_on"


@admin.register(PolicyChange)
class PolicyChangeAdmin(ReadOnlyHistoryAdmin):
    list_display = ["policy", "kind", "state", "reason", "refund", "requested_by", "requested_at"]
    list_filter = ["kind", "state"]
    list_select_related = ["policy", "requested_by"]


@admin.register(PolicyDocument)
class PolicyDocumentAdmin(ReadOnlyAdmin):
    list_display = ["policy", "state", "pages", "annex_rows", "requested_by", "requested_at"]
    list_filter = ["state"]
    list_select_related = ["policy", "requested_by"]
    exclude = ["file"]
