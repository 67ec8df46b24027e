"""Admin of the outlets app, scoped like the pages and the API (OUT-1).

- Outlet settings (OUT-4, OUT-5, OUT-15) and staffing bands (OUT-10): the default rows
  only by a superuser; a county manager adds and changes their own county's override.
- Registry, inspections, findings, hours, queue, evaluations and scores are read-only
  here: they change through the services, which check the rules, start and stop the
  timers and keep the history with a reason. Customer phones are masked (REG-3).
"""

from django.contrib import admin
from django.db.models import Q
from simple_history.admin import SimpleHistoryAdmin

from core.access import scope_q
from core.admin import CountyOverrideMixin, ReadOnlyAdmin, RoleAdminMixin, ScopedHistoryMixin
from core.masking import mask
from outlets.models import (
    BusinessHours,
    ComplianceScore,
    Consultation,
    DutyAssignment,
    Evaluation,
    FacilityItem,
    Finding,
    HolidayService,
    Inspection,
    InspectionResult,
    Lease,
    OutletProfile,
    OutletSettings,
    QueueTicket,
    StaffingBand,
    StaffMember,
)


class CountySettingsAdmin(
    CountyOverrideMixin, ScopedHistoryMixin, RoleAdminMixin, SimpleHistoryAdmin
):
    """The default row (no county) and the user's own counties' overrides."""

    manager_can_edit = True
    scoped = False  # the default row has no county; scoped below

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(scope_q(request.user, self.model) | Q(county__isnull=True))


@admin.register(OutletSettings)
class OutletSettingsAdmin(CountySettingsAdmin):
    list_display = ["__str__", "min_area", "min_lease_years", "satisfaction_target"]
    list_select_related = ["county"]


@admin.register(StaffingBand)
class StaffingBandAdmin(CountySettingsAdmin):
    """OUT-10: a band applies from its `premium_from` inclusive, the highest reached."""

    list_display = ["__str__", "county", "premium_from", "minimum_staff"]
    list_filter = ["county"]
    list_select_related = ["county"]


class ReadOnlyInline(admin.TabularInline):
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


class ReadOnlyHistoryAdmin(ScopedHistoryMixin, ReadOnlyAdmin, SimpleHistoryAdmin):
    pass


@admin.register(OutletProfile)
class OutletProfileAdmin(ReadOnlyHistoryAdmin):
    list_display = ["outlet", "official_name", "head_name", "head_type", "usable_area"]
    list_select_related = ["outlet"]
    search_fields = ["outlet__code", "outlet__name", "township", "imposed_name"]


@admin.register(Lease)
class LeaseAdmin(ReadOnlyHistoryAdmin):
    list_display = ["outlet", "landlord", "starts_on", "ends_on"]
    list_select_related = ["outlet"]


@admin.register(FacilityItem)
class FacilityItemAdmin(ReadOnlyHistoryAdmin):
    list_display = ["outlet", "category", "code", "present"]
    list_filter = ["category", "present"]
    list_select_related = ["outlet"]


@admin.register(StaffMember)
class StaffMemberAdmin(ReadOnlyHistoryAdmin):
    list_display = ["name", "outlet", "kind", "qualification_expires_on", "left_on"]
    list_filter = ["kind"]
    list_select_related = ["outlet"]


class InspectionResultInline(ReadOnlyInline):
    model = InspectionResult
    fields = ["standard", "result", "note"]


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyHistoryAdmin):
    list_display = ["outlet", "inspected_on", "inspector", "state"]
    list_filter = ["state"]
    list_select_related = ["outlet", "inspector"]
    inlines = [InspectionResultInline]


@admin.register(Finding)
class FindingAdmin(ReadOnlyHistoryAdmin):
    list_display = ["outlet", "standard", "source", "owner", "due_on", "state"]
    list_filter = ["state", "source"]
    list_select_related = ["outlet", "owner"]


class DutyInline(ReadOnlyInline):
    model = DutyAssignment


@admin.register(BusinessHours)
class BusinessHoursAdmin(ReadOnlyHistoryAdmin):
    list_display = ["outlet", "weekday", "opens", "closes"]
    list_select_related = ["outlet"]


@admin.register(HolidayService)
class HolidayServiceAdmin(ReadOnlyHistoryAdmin):
    list_display = ["outlet", "day", "opens", "closes"]
    list_select_related = ["outlet"]
    inlines = [DutyInline]


@admin.register(QueueTicket)
class QueueTicketAdmin(ReadOnlyAdmin):
    list_display = ["label", "outlet", "day", "purpose", "state", "wait_breached"]
    list_filter = ["state", "purpose", "wait_breached"]
    list_select_related = ["outlet"]
    exclude = ["rating_token"]


@admin.register(Consultation)
class ConsultationAdmin(ReadOnlyAdmin):
    list_display = ["customer_name", "masked_phone", "outlet", "topic", "state", "asked_at"]
    list_filter = ["state", "topic"]
    list_select_related = ["outlet"]
    exclude = ["customer_phone"]

    @admin.display(description=Consultation._meta.get_field("customer_phone").verbose_name)
    def masked_phone(self, obj):
        return mask(obj.customer_phone, "phone")


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdmin):
    list_display = ["outlet", "rating", "channel", "rated_at"]
    list_filter = ["rating", "channel"]
    list_select_related = ["outlet"]


@admin.register(ComplianceScore)
class ComplianceScoreAdmin(ReadOnlyAdmin):
    list_display = ["outlet", "month", "score", "open_findings"]
    list_select_related = ["outlet"]
