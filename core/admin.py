"""Admin for the platform. Managers work here too, so every business list is scoped
through core.access exactly like the UI and the API (OUT-1)."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from core import calendar as calendar_service
from core.access import NotInScope, in_scope, scope_q
from core.masking import mask
from core.models import (
    ApiToken,
    CalendarDay,
    CalendarYear,
    EvidencePhoto,
    Notification,
    OrgUnit,
    OutboxMessage,
    PersonalDataAccess,
    Role,
    SlaTimer,
    TimerEvent,
    TimerPause,
    TimerRule,
    User,
    WorkingPeriod,
)
from core.timers import timer_rule_save


class RoleAdminMixin:
    """Admin rights follow the role, not Django's per-model permissions: managers edit
    what `manager_can_edit` allows, read-only roles only look, everyone stays in scope."""

    manager_can_edit = False
    scoped = True

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return in_scope(queryset, request.user) if self.scoped else queryset

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def _can_edit(self, request):
        user = request.user
        return user.is_superuser or (
            self.manager_can_edit and user.is_staff and user.is_manager and not user.is_read_only
        )

    def has_add_permission(self, request, obj=None):
        return self._can_edit(request)

    def has_change_permission(self, request, obj=None):
        return self._can_edit(request)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is OrgUnit and not request.user.is_superuser:
            kwargs["queryset"] = OrgUnit.objects.filter(scope_q(request.user, OrgUnit))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class _MaskingHistoryHelper(HistoricalRecordContextHelper):
    """Shows the old and new values of personal fields masked in the history (REG-3)."""

    def __init__(self, model, historical_record, *, masked: dict[str, str]):
        super().__init__(model, historical_record)
        self.masked = masked

    def prepare_delta_change_value(self, change, value):
        if change.field in self.masked:
            return mask(str(value or ""), self.masked[change.field])
        return super().prepare_delta_change_value(change, value)


class ScopedHistoryMixin:
    """SimpleHistoryAdmin reads the historical table directly: its history page falls
    back to a historical copy when the record is out of the user's scope, and its
    "revert" form saves whatever is posted. Both go through the scoped queryset here,
    and the revert form is for those who may change the record. Personal fields named
    in `history_masked_fields` (field: masking kind) are masked in the differences."""

    history_masked_fields: dict[str, str] = {}

    def get_historical_record_context_helper(self, request, historical_record):
        return _MaskingHistoryHelper(
            self.model, historical_record, masked=self.history_masked_fields
        )

    def _in_scope_or_404(self, request, object_id):
        try:
            return self.get_queryset(request).get(pk=unquote(object_id))
        except (self.model.DoesNotExist, ValueError, ValidationError):
            raise NotInScope(_("Not found.")) from None

    def history_view(self, request, object_id, extra_context=None):
        self._in_scope_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        obj = self._in_scope_or_404(request, object_id)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class CountyOverrideMixin:
    """Settings with a default row (no county) that binds every county and per-county
    overrides: only a superuser changes the default; a county manager adds and changes
    their own county's rows, so for them the county is required."""

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.county_id is None and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if not request.user.is_superuser and "county" in form.base_fields:
            form.base_fields["county"].required = True
        return form


class ReadOnlyAdmin(RoleAdminMixin, admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OrgUnit)
class OrgUnitAdmin(ScopedHistoryMixin, RoleAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "code", "kind", "parent", "has_claims_centre", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code"]
    manager_can_edit = True


@admin.register(User)
class UserAdmin(RoleAdminMixin, BaseUserAdmin):
    list_display = ["username", "display_name", "role", "org_unit", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "display_name", "phone"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Place in the organisation"), {"fields": ("org_unit", "role", "phone", "display_name")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Place in the organisation"), {"fields": ("org_unit", "role", "display_name")}),
    )
    manager_can_edit = True

    def get_readonly_fields(self, request, obj=None):
        # Only a superuser hands out admin rights.
        if request.user.is_superuser:
            return ()
        return ("is_superuser", "is_staff", "groups", "user_permissions")


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 3


@admin.register(CalendarYear)
class CalendarYearAdmin(ScopedHistoryMixin, RoleAdminMixin, SimpleHistoryAdmin):
    """SLA-4: managers enter or correct a year's official holidays and make-up days;
    saving recomputes the timers that reach into that year."""

    list_display = ["year", "source", "updated_at"]
    inlines = [CalendarDayInline]
    actions = ["reload_from_package"]
    manager_can_edit = True
    scoped = False

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        calendar_service.calendar_changed(year=form.instance.year)

    @admin.action(description=_("Reload from the chinesecalendar package"))
    def reload_from_package(self, request, queryset):
        known = set(calendar_service.library_years())
        for calendar_year in queryset:
            if calendar_year.year in known:
                calendar_service.calendar_load_year(year=calendar_year.year)
            else:
                self.message_user(
                    request,
                    _("The package has no data for %(year)s.") % {"year": calendar_year.year},
                    messages.WARNING,
                )


@admin.register(WorkingPeriod)
class WorkingPeriodAdmin(ScopedHistoryMixin, RoleAdminMixin, SimpleHistoryAdmin):
    list_display = ["county", "start", "end"]
    manager_can_edit = True


@admin.register(TimerRule)
class TimerRuleAdmin(CountyOverrideMixin, ScopedHistoryMixin, RoleAdminMixin, SimpleHistoryAdmin):
    """SLA-5: changing a rule's duration recomputes the open timers it governs."""

    list_display = ["code", "name", "county", "clock", "duration", "minimum"]
    list_filter = ["clock", "county"]
    search_fields = ["code", "name"]
    manager_can_edit = True
    scoped = False

    def get_readonly_fields(self, request, obj=None):
        return ("code", "clock", "minimum") if obj else ("minimum",)

    def save_model(self, request, obj, form, change):
        timer_rule_save(rule=obj, by=request.user)


class TimerPauseInline(admin.TabularInline):
    model = TimerPause
    extra = 0
    can_delete = False
    readonly_fields = ["paused_at", "resumed_at", "reason", "paused_by"]


class TimerEventInline(admin.TabularInline):
    model = TimerEvent
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "at", "by", "detail"]


@admin.register(SlaTimer)
class SlaTimerAdmin(ReadOnlyAdmin):
    list_display = ["id", "rule", "state", "owner", "org_unit", "due_at", "provisional"]
    list_filter = ["state", "clock", "provisional", "rule__code"]
    date_hierarchy = "due_at"
    inlines = [TimerPauseInline, TimerEventInline]
    list_select_related = ["rule", "owner", "org_unit"]


@admin.register(ApiToken)
class ApiTokenAdmin(RoleAdminMixin, admin.ModelAdmin):
    """Tokens of API clients: the key is shown once on creation, only its hash is kept."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = in_scope(User.objects.filter(role=Role.API_CLIENT), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            from core.api.tokens import api_token_create

            token, key = api_token_create(user=obj.user, name=obj.name)
            obj.pk = token.pk
            self.message_user(
                request,
                _("Token created. Copy the key now, it is not shown again: %(key)s") % {"key": key},
                messages.WARNING,
            )
            return
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        from core.api.tokens import api_token_revoke

        for token in queryset:
            api_token_revoke(token=token)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = [
        "subject",
        "channel",
        "recipient",
        "phone",
        "created_at",
        "delivered_at",
        "attempts",
    ]
    list_filter = ["channel", "delivered_at"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["title", "recipient", "created_at", "read_at"]


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdmin):
    """REG-3: the log of full views and exports of personal data."""

    list_display = ["at", "user", "action", "model", "object_id", "fields", "row_count"]
    list_filter = ["action", "model"]


@admin.register(EvidencePhoto)
class EvidencePhotoAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "org_unit", "sha256", "taken_at", "uploaded_by", "uploaded_at"]
