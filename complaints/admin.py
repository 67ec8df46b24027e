"""Admin of complaints, scoped like the pages and the API (OUT-1, CMP-1).

- Complaint settings (CMP-2, the designated receiver): the default row only by a
  superuser; a county manager adds and changes their own county's row, naming a
  receiver who works in that county.
- Complaints, with their hand-overs, escalations and timeline, are read-only here: they
  change only through the services, which check every rule and keep the history. The
  contact phone is masked (REG-3).
- Nothing about a complaint is ever deleted (CMP-6): no delete anywhere, not even for a
  superuser. The numbering counters (CMP-7) are not shown: they are the service's.
"""

from django import forms
from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from complaints.models import Complaint, ComplaintEvent, ComplaintSettings, Escalation, HandOver
from complaints.selectors import complaint_list
from core.access import scope_q
from core.admin import CountyOverrideMixin, ReadOnlyAdmin, RoleAdminMixin, ScopedHistoryMixin
from core.masking import mask
from core.models import Role, User

# Who can be named to receive complaints: staff who handle them, not read-only roles or
# other systems.
RECEIVER_ROLES = [
    Role.CLERK,
    Role.CLAIMS_ASSIST,
    Role.OUTLET_HEAD,
    Role.COUNTY_MANAGER,
]


class NeverDeletedMixin:
    """CMP-6: nothing about a complaint is ever deleted."""

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


class ComplaintSettingsForm(forms.ModelForm):
    class Meta:
        model = ComplaintSettings
        fields = ["county", "designated_receiver"]

    def clean(self):
        cleaned = super().clean()
        county, receiver = cleaned.get("county"), cleaned.get("designated_receiver")
        if county and receiver and not county.contains(receiver.org_unit):
            self.add_error(
                "designated_receiver", _("The designated receiver must work in this county.")
            )
        return cleaned


@admin.register(ComplaintSettings)
class ComplaintSettingsAdmin(
    NeverDeletedMixin, CountyOverrideMixin, ScopedHistoryMixin, RoleAdminMixin, SimpleHistoryAdmin
):
    """CMP-2: who receives the letters and online complaints that name no department."""

    form = ComplaintSettingsForm
    list_display = ["__str__", "designated_receiver"]
    list_select_related = ["county", "designated_receiver"]
    manager_can_edit = True
    scoped = False  # the default row has no county; scoped below

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(scope_q(request.user, ComplaintSettings) | Q(county__isnull=True))

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "designated_receiver" in form.base_fields:
            form.base_fields["designated_receiver"].queryset = self._receivers(request, obj)
        return form

    def _receivers(self, request, obj: ComplaintSettings | None):
        """Active staff of the county being edited (of the user's branch when adding);
        the form checks the receiver against the county finally chosen."""
        receivers = User.objects.filter(is_active=True, role__in=RECEIVER_ROLES)
        if obj is not None and obj.county_id:
            return receivers.filter(org_unit__path__startswith=obj.county.path)
        return receivers.filter(scope_q(request.user, User))


class ReadOnlyInline(admin.TabularInline):
    """Inlines of a read-only record: shown to staff who can see the complaint."""

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


class HandOverInline(ReadOnlyInline):
    """CMP-1: the chain of hand-overs."""

    model = HandOver


class EscalationInline(ReadOnlyInline):
    """CMP-5: the steps of the escalation chain that fired."""

    model = Escalation


class ComplaintEventInline(ReadOnlyInline):
    """The timeline, REG-2 extensions with their approval included."""

    model = ComplaintEvent


@admin.register(Complaint)
class ComplaintAdmin(NeverDeletedMixin, ScopedHistoryMixin, ReadOnlyAdmin, SimpleHistoryAdmin):
    """Read-only; the same complaints as the pages (complaint_list: the branch, plus what
    CMP-1 keeps visible to the receiver and the people responsible)."""

    list_display = [
        "number",
        "received_at",
        "channel",
        "topic",
        "severity",
        "status",
        "complainant_name",
        "masked_phone",
        "org_unit",
        "first_responder",
    ]
    list_filter = ["status", "channel", "topic", "severity", "urgent"]
    search_fields = ["number", "complainant_name", "claim_reference"]
    date_hierarchy = "received_at"
    inlines = [HandOverInline, EscalationInline, ComplaintEventInline]
    exclude = ["contact_phone"]
    readonly_fields = ["masked_phone"]
    history_masked_fields = {"contact_phone": "phone"}
    scoped = False  # complaint_list scopes below

    def get_queryset(self, request):
        return complaint_list(user=request.user)

    @admin.display(description=_("contact phone"))
    def masked_phone(self, complaint):
        return mask(complaint.contact_phone, "phone") or "—"
