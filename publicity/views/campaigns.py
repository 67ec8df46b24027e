"""Publicity campaign pages (PUB-8): the campaigns of the user's branch, filterable by
outlet, date, channel, audience and topic (a county manager sees every outlet of the
county), the record of one campaign with its photos, and the forms to record, correct
and photograph one.

Views validate the form and call publicity.services.campaigns; reads go through
publicity.selectors, so another branch's campaign is a 404, and a read-only role gets
403 on every write.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Sum
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.timezone import localdate
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django_filters import rest_framework as filters

from core.access import check_can_write, in_scope
from core.forms import DateInput, add_errors
from core.models import OrgUnit, User
from core.selectors import evidence_for
from publicity import selectors
from publicity.models import Campaign, Channel
from publicity.services import campaigns as services

PER_PAGE = 50


def _outlets(user: User):
    return in_scope(OrgUnit.objects.filter(kind=OrgUnit.Kind.OUTLET, is_active=True), user)


def _outlets_of_request(request):
    if request is None or not request.user.is_authenticated:
        return OrgUnit.objects.none()
    return _outlets(request.user)


class CampaignFilter(filters.FilterSet):
    """PUB-8: what a county manager narrows the campaigns by (the page and the API)."""

    org_unit = filters.ModelChoiceFilter(
        label=gettext_lazy("Outlet"),
        queryset=_outlets_of_request,
        empty_label=gettext_lazy("All outlets"),
    )
    held_from = filters.DateFilter(
        field_name="held_on", lookup_expr="gte", label=gettext_lazy("From"), widget=DateInput
    )
    held_to = filters.DateFilter(
        field_name="held_on", lookup_expr="lte", label=gettext_lazy("To"), widget=DateInput
    )
    audience = filters.ChoiceFilter(
        label=gettext_lazy("Audience"),
        choices=Campaign.Audience.choices,
        empty_label=gettext_lazy("All audiences"),
    )
    channel = filters.ChoiceFilter(
        label=gettext_lazy("Channel"),
        choices=Channel.choices,
        method="filter_listed",
        empty_label=gettext_lazy("All channels"),
    )
    topic = filters.ChoiceFilter(
        label=gettext_lazy("Content"),
        choices=Campaign.Topic.choices,
        method="filter_listed",
        empty_label=gettext_lazy("All content"),
    )

    class Meta:
        model = Campaign
        fields = ["org_unit", "held_from", "held_to", "audience", "channel", "topic"]

    def filter_listed(self, queryset, name, value):
        # The JSON list holds choice slugs; matching the quoted slug works on PostgreSQL
        # and on the embedded SQLite default alike (JSON `contains` does not).
        field = "channels" if name == "channel" else "topics"
        return queryset.filter(**{f"{field}__icontains": f'"{value}"'})


class CampaignForm(forms.Form):
    org_unit = forms.ModelChoiceField(label=gettext_lazy("Outlet"), queryset=OrgUnit.objects.none())
    held_on = forms.DateField(label=gettext_lazy("Date"), widget=DateInput)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=150)
    audience = forms.ChoiceField(label=gettext_lazy("Audience"), choices=Campaign.Audience.choices)
    place = forms.CharField(
        label=gettext_lazy("Place"),
        max_length=200,
        help_text=gettext_lazy("e.g. 东村文化广场, 阳城镇赶集日"),
    )
    topics = forms.MultipleChoiceField(
        label=gettext_lazy("Content"),
        choices=Campaign.Topic.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    channels = forms.MultipleChoiceField(
        label=gettext_lazy("Channels"),
        choices=[
            (value, label)
            for value, label in Channel.choices
            if value in services.CAMPAIGN_CHANNELS
        ],
        widget=forms.CheckboxSelectMultiple,
    )
    materials = forms.CharField(
        label=gettext_lazy("Materials"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("e.g. 500 leaflets, 20 posters"),
    )
    reach = forms.IntegerField(
        label=gettext_lazy("People reached"), min_value=0, max_value=services.REACH_MAX, initial=0
    )
    description = forms.CharField(
        label=gettext_lazy("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def __init__(self, *args, user: User, campaign: Campaign | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if campaign is None:
            self.fields["org_unit"].queryset = _outlets(user)
        else:
            # A campaign stays with the outlet that held it.
            del self.fields["org_unit"]
            self.fields["reason"] = forms.CharField(
                label=gettext_lazy("Reason for the correction"),
                max_length=200,
                required=False,
                help_text=gettext_lazy("Kept in the campaign's history with your name."),
            )


class PhotoForm(forms.Form):
    photo = forms.ImageField(
        label=gettext_lazy("Photo"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
        help_text=gettext_lazy("JPEG, PNG or WebP, e.g. the stand, the audience, the posters."),
    )
    caption = forms.CharField(label=gettext_lazy("Caption"), max_length=200, required=False)


def _with_labels(campaigns):
    """Attach the display labels of the stored topic and channel slugs."""
    topics, channels = dict(Campaign.Topic.choices), dict(Channel.choices)
    for campaign in campaigns:
        campaign.topic_labels = [str(topics.get(value, value)) for value in campaign.topics]
        campaign.channel_labels = [str(channels.get(value, value)) for value in campaign.channels]
    return campaigns


def _detail_context(request, campaign: Campaign, photo_form: PhotoForm) -> dict:
    (campaign,) = _with_labels([campaign])
    return {
        "campaign": campaign,
        "photos": evidence_for(user=request.user, subject=campaign),
        "photo_form": photo_form,
        "can_write": not request.user.is_read_only,
    }


# --- Pages ------------------------------------------------------------------------------
@login_required
@require_GET
def campaign_list(request):
    """PUB-8: the campaigns of the user's branch, newest first, with the total reach."""
    campaigns = CampaignFilter(
        request.GET or None, queryset=selectors.campaign_list(user=request.user), request=request
    )
    queryset = campaigns.qs
    page = Paginator(queryset, PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = _with_labels(list(page.object_list))
    context = {
        "page": page,
        "filters": campaigns.form,
        "reach": queryset.aggregate(total=Sum("reach"))["total"] or 0,
        "can_write": not request.user.is_read_only,
    }
    return render(request, "publicity/campaigns/list.html", context)


@login_required
def campaign_create(request):
    check_can_write(request.user)
    outlet = request.user.org_unit if request.user.org_unit_id else None
    initial = {"held_on": localdate(), "reach": 0}
    if outlet is not None and outlet.kind == OrgUnit.Kind.OUTLET:
        initial["org_unit"] = outlet.pk
    form = CampaignForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(clerk=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Campaign recorded. Add its photos below."))
            return redirect("publicity:campaign_detail", campaign.pk)
    status = 400 if form.is_bound and form.errors else 200
    context = {"form": form, "campaign": None}
    return render(request, "publicity/campaigns/form.html", context, status=status)


@login_required
@require_GET
def campaign_detail(request, pk: int):
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    context = _detail_context(request, campaign, PhotoForm())
    return render(request, "publicity/campaigns/detail.html", context)


@login_required
def campaign_edit(request, pk: int):
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    check_can_write(request.user, campaign)
    initial = {field: getattr(campaign, field) for field in services.EDITABLE_FIELDS}
    form = CampaignForm(request.POST or None, user=request.user, campaign=campaign, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.campaign_update(clerk=request.user, campaign=campaign, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Campaign saved."))
            return redirect("publicity:campaign_detail", campaign.pk)
    status = 400 if form.is_bound and form.errors else 200
    context = {"form": form, "campaign": campaign}
    return render(request, "publicity/campaigns/form.html", context, status=status)


@login_required
@require_POST
def campaign_photo(request, pk: int):
    """PUB-8: a photo of the campaign, checked by core.evidence (a real image)."""
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    check_can_write(request.user, campaign)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.campaign_photo_add(
                clerk=request.user,
                campaign=campaign,
                upload=form.cleaned_data["photo"],
                caption=form.cleaned_data["caption"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
    if form.errors:
        context = _detail_context(request, campaign, form)
        return render(request, "publicity/campaigns/detail.html", context, status=400)
    messages.success(request, _("Photo added."))
    return redirect("publicity:campaign_detail", campaign.pk)


urlpatterns = [
    path("campaigns/", campaign_list, name="campaign_list"),
    path("campaigns/new/", campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/edit/", campaign_edit, name="campaign_edit"),
    path("campaigns/<int:pk>/photos/", campaign_photo, name="campaign_photo"),
]
