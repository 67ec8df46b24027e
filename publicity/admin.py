"""Admin of the publicity records, scoped like the pages and the API (OUT-1).

Who edits what:
- Notices are read-mostly: their lines, postings, objections and printed documents
  change only through the services, which check the PUB rules, lock and audit. The one
  thing a manager may change here on an open notice is how to object and the channels
  used beside the posting (PUB-2, PUB-3), through the same service as the pages.
- Objections are read-only; the contact phone is masked and the address an online
  objection came from is not shown (REG-3).
- Campaigns (PUB-8): managers record and correct them, through the campaign services
  (every rule checked, history kept); nothing is deleted here (the API deletes a
  mistaken record with a reason).
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ReadOnlyAdmin, RoleAdminMixin, ScopedHistoryMixin
from core.masking import mask
from core.models import OrgUnit
from publicity.models import (
    NOTICE_CHANNELS,
    Campaign,
    Channel,
    Notice,
    NoticeDocument,
    NoticeLine,
    NoticePosting,
    Objection,
)
from publicity.services.campaigns import (
    CAMPAIGN_CHANNELS,
    EDITABLE_FIELDS,
    campaign_create,
    campaign_update,
    check_campaign,
)
from publicity.services.notices import notice_update


class ReadOnlyHistoryAdmin(ScopedHistoryMixin, ReadOnlyAdmin, SimpleHistoryAdmin):
    """Read-only, scoped, with the change history (who, when, why)."""


class ReadOnlyInline(admin.TabularInline):
    """Inlines of a read-mostly record: shown to staff who can see the record."""

    extra = 0
    can_delete = False
    show_change_link = True

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class NeverDeletedMixin:
    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


def _masked_phone(objection: Objection) -> str:
    return mask(objection.contact_phone, "phone") or "—"


# --- Notices ------------------------------------------------------------------------------
class PostingInline(ReadOnlyInline):
    """PUB-3: where the notice is up (the photos and videos are on the notice page)."""

    model = NoticePosting
    fields = ["place_kind", "place", "posted_at", "posted_by", "note"]


class ObjectionInline(ReadOnlyInline):
    """PUB-5: the objections and their outcomes."""

    model = Objection
    fields = ["line_position", "raiser_name", "channel", "claim", "late", "state", "outcome"]


class NoticeForm(forms.ModelForm):
    """The fields a manager may change on an open notice (PUB-2, PUB-3)."""

    channels = forms.MultipleChoiceField(
        label=_("additional channels"),
        choices=[(channel.value, channel.label) for channel in NOTICE_CHANNELS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Notice
        fields = ["objection_phone", "objection_place", "channels"]


@admin.register(Notice)
class NoticeAdmin(NeverDeletedMixin, ScopedHistoryMixin, RoleAdminMixin, SimpleHistoryAdmin):
    """Read-mostly: how to object and the channels of an open notice are a manager's to
    correct; everything else goes through the notice pages and API."""

    form = NoticeForm
    list_display = [
        "title",
        "kind",
        "state",
        "org_unit",
        "line_count",
        "posted_at",
        "ends_at",
        "closed_at",
        "overdue_flagged_at",
        "responsible",
    ]
    list_filter = ["kind", "state"]
    search_fields = ["title", "village"]
    list_select_related = ["org_unit", "responsible"]
    date_hierarchy = "created_at"
    inlines = [PostingInline, ObjectionInline]
    manager_can_edit = True
    # The public token is the unguessable part of the online notice's address.
    exclude = ["token", "source_type", "source_id"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and not obj.is_open:
            return False
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        editable = (
            set(NoticeForm.Meta.fields) if self.has_change_permission(request, obj) else set()
        )
        return [
            field.name
            for field in Notice._meta.concrete_fields
            if field.name not in editable and field.name not in self.exclude
        ]

    def save_model(self, request, obj, form, change):
        notice_update(
            clerk=request.user,
            notice=obj,
            objection_phone=form.cleaned_data["objection_phone"],
            objection_place=form.cleaned_data["objection_place"],
            channels=list(form.cleaned_data["channels"]),
        )


@admin.register(NoticeLine)
class NoticeLineAdmin(ReadOnlyHistoryAdmin):
    """PUB-2: the lines as shown; corrections come only from resolved objections."""

    list_display = [
        "notice",
        "position",
        "name",
        "village_group",
        "subject",
        "quantity",
        "corrected_at",
    ]
    search_fields = ["name", "notice__title"]
    list_select_related = ["notice"]


@admin.register(NoticePosting)
class NoticePostingAdmin(ReadOnlyHistoryAdmin):
    list_display = ["notice", "place_kind", "place", "posted_at", "posted_by"]
    list_filter = ["place_kind"]
    list_select_related = ["notice", "posted_by"]
    date_hierarchy = "posted_at"


@admin.register(Objection)
class ObjectionAdmin(NeverDeletedMixin, ReadOnlyHistoryAdmin):
    list_display = [
        "notice",
        "line_position",
        "raiser_name",
        "masked_phone",
        "channel",
        "claim",
        "raised_at",
        "late",
        "state",
        "outcome",
    ]
    list_filter = ["state", "late", "channel", "claim", "outcome"]
    search_fields = ["raiser_name", "notice__title"]
    list_select_related = ["notice"]
    date_hierarchy = "raised_at"
    exclude = ["contact_phone", "submitted_ip"]
    readonly_fields = ["masked_phone"]
    history_masked_fields = {"contact_phone": "phone"}

    @admin.display(description=_("contact phone"))
    def masked_phone(self, objection):
        return _masked_phone(objection)


@admin.register(NoticeDocument)
class NoticeDocumentAdmin(ReadOnlyAdmin):
    """Printed notices are downloaded from the notice page (scoped view)."""

    list_display = ["notice", "revision", "state", "pages", "requested_by", "requested_at"]
    list_filter = ["state"]
    list_select_related = ["notice", "requested_by"]
    exclude = ["file"]


# --- Campaigns (PUB-8) -------------------------------------------------------------------
class CampaignForm(forms.ModelForm):
    """Collects the fields; publicity.services.campaigns checks and writes."""

    user = None  # set per request by CampaignAdmin.get_form

    topics = forms.MultipleChoiceField(
        label=_("content"), choices=Campaign.Topic.choices, widget=forms.CheckboxSelectMultiple
    )
    channels = forms.MultipleChoiceField(
        label=_("channels"),
        choices=[(value, label) for value, label in Channel.choices if value in CAMPAIGN_CHANNELS],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Campaign
        fields = ["org_unit", *EDITABLE_FIELDS]

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            org_unit = cleaned.get("org_unit") or self.instance.org_unit
            arguments = {
                field: cleaned.get(field)
                for field in ("held_on", "title", "audience", "topics", "channels", "place")
            }
            try:
                check_campaign(
                    clerk=self.user,
                    org_unit=org_unit,
                    materials=cleaned.get("materials") or "",
                    reach=cleaned.get("reach") or 0,
                    **arguments,
                )
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned


@admin.register(Campaign)
class CampaignAdmin(NeverDeletedMixin, ScopedHistoryMixin, RoleAdminMixin, SimpleHistoryAdmin):
    form = CampaignForm
    list_display = ["held_on", "title", "org_unit", "audience", "reach", "created_by"]
    list_filter = ["audience", "held_on"]
    search_fields = ["title", "place"]
    list_select_related = ["org_unit", "created_by"]
    date_hierarchy = "held_on"
    manager_can_edit = True

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type("CampaignForm", (form,), {"user": request.user})

    def get_readonly_fields(self, request, obj=None):
        # A campaign stays with the outlet that held it.
        return ["org_unit", "created_by", "created_at"] if obj is not None else []

    def get_fields(self, request, obj=None):
        if obj is None:
            return CampaignForm.Meta.fields
        return [*CampaignForm.Meta.fields, "created_by", "created_at"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "org_unit":
            field.queryset = field.queryset.filter(kind=OrgUnit.Kind.OUTLET)
        return field

    def save_model(self, request, obj, form, change):
        values = {field: form.cleaned_data[field] for field in EDITABLE_FIELDS}
        values["topics"], values["channels"] = list(values["topics"]), list(values["channels"])
        if change:
            saved = campaign_update(clerk=request.user, campaign=obj, **values)
        else:
            saved = campaign_create(
                clerk=request.user, org_unit=form.cleaned_data["org_unit"], **values
            )
        # The admin logs and redirects with `obj`: make it the saved campaign.
        for field in Campaign._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False
