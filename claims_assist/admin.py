"""Admin of claims assist, scoped like the pages and the API (OUT-1).

Case types with their document checklists and the document kinds (CLM-8) are data that
managers edit here; the completeness gate reads them as they are. Claims settings have
a default row (superusers) and per-county overrides (county managers). Cases and the
watch list (CLM-16) are read-only: they change through the services.

Adjuster authorisations and annual evaluations (CLM-6) are read-only here: they are
granted, revoked and recorded through claims_assist.services.authority, which checks
the limit, the one-year term, the evaluation and the approvals and starts or stops the
expiry warning; the history keeps who changed what and why.
"""

from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from claims_assist.models import (
    AdjusterAuthorisation,
    AnnualEvaluation,
    CaseDocument,
    CaseEvent,
    CaseType,
    ClaimCase,
    ClaimsSettings,
    DocumentKind,
    DocumentRequirement,
    PaymentRequest,
    WatchListEntry,
)
from core.access import scope_q
from core.admin import CountyOverrideMixin, ReadOnlyAdmin, RoleAdminMixin, ScopedHistoryMixin
from core.masking import mask


class ReadOnlyHistoryAdmin(ScopedHistoryMixin, ReadOnlyAdmin, SimpleHistoryAdmin):
    pass


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


@admin.register(AnnualEvaluation)
class AnnualEvaluationAdmin(ReadOnlyHistoryAdmin):
    list_display = ["staff", "year", "grade", "evaluated_on", "evaluated_by"]
    list_filter = ["year", "grade"]
    list_select_related = ["staff", "evaluated_by"]
    search_fields = ["staff__username", "staff__display_name"]


@admin.register(AdjusterAuthorisation)
class AdjusterAuthorisationAdmin(ReadOnlyHistoryAdmin):
    list_display = [
        "holder",
        "lines",
        "case_limit",
        "valid_from",
        "valid_to",
        "one_stop",
        "state",
    ]
    list_filter = ["state", "one_stop"]
    list_select_related = ["holder"]
    search_fields = ["holder__username", "holder__display_name", "province_approval"]
    date_hierarchy = "valid_to"


# Cases (CLM-8, CLM-10, CLM-16) ---------------------------------------------------------------
class DocumentRequirementInline(RoleInlineMixin, admin.TabularInline):
    """CLM-8: the checklist lines of a case type; required lines gate completeness."""

    model = DocumentRequirement
    extra = 0
    fields = ["position", "kind", "required", "note"]
    manager_can_edit = True


@admin.register(CaseType)
class CaseTypeAdmin(ScopedHistoryMixin, RoleAdminMixin, SimpleHistoryAdmin):
    """CLM-8: case types and their document checklists are data, edited here by
    managers; the completeness gate reads them as they are."""

    list_display = ["code", "name", "position", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]
    inlines = [DocumentRequirementInline]
    manager_can_edit = True
    scoped = False  # reference data of the whole province


@admin.register(DocumentKind)
class DocumentKindAdmin(ScopedHistoryMixin, RoleAdminMixin, SimpleHistoryAdmin):
    list_display = ["code", "name", "position"]
    search_fields = ["code", "name"]
    manager_can_edit = True
    scoped = False  # reference data of the whole province


@admin.register(ClaimsSettings)
class ClaimsSettingsAdmin(
    CountyOverrideMixin, ScopedHistoryMixin, RoleAdminMixin, SimpleHistoryAdmin
):
    """The configurable numbers of CLM-3, CLM-4, CLM-10 and CLM-16: the default row
    (superusers) and the user's own counties' overrides (county managers)."""

    list_display = [
        "__str__",
        "claim_time_limit_days",
        "major_amount",
        "small_payment_below",
        "repeat_claims",
        "high_loss_ratio",
    ]
    list_select_related = ["county"]
    manager_can_edit = True
    scoped = False  # the default row has no county; scoped below

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(scope_q(request.user, ClaimsSettings) | Q(county__isnull=True))


class CaseReadOnlyInline(admin.TabularInline):
    """Inlines of a read-only case: shown to staff who can see the case."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CaseEventInline(CaseReadOnlyInline):
    model = CaseEvent
    fields = ["at", "stage", "by", "note"]


class CaseDocumentInline(CaseReadOnlyInline):
    model = CaseDocument
    fields = ["kind", "original_name", "content_type", "pages", "received_at", "removed_at"]


class PaymentRequestInline(CaseReadOnlyInline):
    model = PaymentRequest
    fields = ["amount", "payee_name", "state", "requested_at", "paid_at", "payment_reference"]


@admin.register(ClaimCase)
class ClaimCaseAdmin(ReadOnlyHistoryAdmin):
    """Read-only and scoped: a case changes only through the services, which check
    every rule and start and stop its timers. ID numbers and phones are masked (REG-3)."""

    list_display = [
        "number",
        "reported_at",
        "org_unit",
        "insured_name",
        "masked_id_number",
        "policy_number",
        "stage",
        "decision",
    ]
    list_filter = ["stage", "decision", "special", "major"]
    list_select_related = ["org_unit"]
    search_fields = ["number", "policy_number", "insured_name", "hotline_number"]
    date_hierarchy = "reported_at"
    exclude = ["insured_id_number", "reporter_phone"]
    readonly_fields = ["masked_id_number", "masked_phone"]
    inlines = [CaseEventInline, CaseDocumentInline, PaymentRequestInline]
    history_masked_fields = {"insured_id_number": "id_number", "reporter_phone": "phone"}

    @admin.display(description=_("insured ID number"))
    def masked_id_number(self, case):
        return mask(case.insured_id_number, "id_number") or "—"

    @admin.display(description=_("reporter's phone"))
    def masked_phone(self, case):
        return mask(case.reporter_phone, "phone") or "—"


@admin.register(WatchListEntry)
class WatchListEntryAdmin(ReadOnlyHistoryAdmin):
    """CLM-16: read-only and scoped to the county; entries are added and removed
    through claims_assist.services.fraud, which keeps who and why."""

    list_display = ["name", "masked_id_number", "county", "added_at", "added_by", "removed_at"]
    list_filter = ["county"]
    list_select_related = ["county", "added_by"]
    search_fields = ["name", "id_number"]
    exclude = ["id_number"]
    readonly_fields = ["masked_id_number"]
    history_masked_fields = {"id_number": "id_number"}

    @admin.display(description=_("ID number"))
    def masked_id_number(self, entry):
        return mask(entry.id_number, "id_number") or "—"
