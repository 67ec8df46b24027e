"""Complaint intake pages (CMP-1..CMP-4, CMP-7): the list of the user's complaints, the
counter intake form, the complaint page, and the public online form.

Views validate the form and call complaints.services.intake; reads go through
complaints.selectors, so another outlet's complaint is a 404 (unless CMP-1 lets the
receiver keep it), and a read-only role gets 403 on every write.
"""

import logging

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from complaints import selectors
from complaints.models import Channel, Complaint, Severity, Topic
from complaints.services import intake as intake_services
from core.access import check_can_write
from core.forms import DateInput, add_errors
from core.models import OrgUnit, SlaTimer
from core.selectors import org_unit_get
from core.views import time_left

logger = logging.getLogger(__name__)

PER_PAGE = 50
ONLINE_NUMBER_KEY = "complaints:online_number"


# Forms ----------------------------------------------------------------------------------
class ComplaintFilterForm(forms.Form):
    """GET filters; an invalid value is reported on the page and left out, the valid
    ones still apply."""

    q = forms.CharField(label=gettext_lazy("Number or complainant"), max_length=100, required=False)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("All statuses")), *Complaint.Status.choices],
        required=False,
    )
    topic = forms.ChoiceField(
        label=gettext_lazy("Topic"),
        choices=[("", gettext_lazy("All topics")), *Topic.choices],
        required=False,
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"),
        choices=[("", gettext_lazy("All channels")), *Channel.choices],
        required=False,
    )
    received_from = forms.DateField(
        label=gettext_lazy("Received from"), widget=DateInput(), required=False
    )
    received_to = forms.DateField(
        label=gettext_lazy("Received to"), widget=DateInput(), required=False
    )
    awaiting_response = forms.BooleanField(
        label=gettext_lazy("Awaiting first response"), required=False
    )
    # Primary keys are bigints: anything larger is not a key (and would overflow the query).
    unit = forms.IntegerField(
        label=gettext_lazy("Unit"), min_value=1, max_value=2**63 - 1, required=False
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and start > end:
            self.add_error("received_to", gettext_lazy("The end date is before the start date."))
        return data

    def filters(self, *, user) -> dict:
        """The selector's keyword arguments from the valid fields; a unit outside the
        user's branch is NotInScope (a 404)."""
        self.is_valid()
        data = self.cleaned_data
        self.unit_obj = org_unit_get(user=user, pk=data["unit"]) if data.get("unit") else None
        return {
            **{name: data.get(name) or "" for name in ("status", "topic", "channel")},
            "query": data.get("q") or "",
            "unit": self.unit_obj,
            "received_from": data.get("received_from"),
            "received_to": data.get("received_to"),
            "awaiting_response": bool(data.get("awaiting_response")),
        }


class ComplaintForm(forms.Form):
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), choices=Channel.choices)
    topic = forms.ChoiceField(label=gettext_lazy("Topic"), choices=Topic.choices)
    severity = forms.ChoiceField(
        label=gettext_lazy("Severity"),
        choices=Severity.choices,
        help_text=gettext_lazy("Picks the first-response and resolution deadlines (CMP-4)."),
    )
    urgent = forms.BooleanField(label=gettext_lazy("Urgent"), required=False)
    complainant_name = forms.CharField(label=gettext_lazy("Complainant"), max_length=100)
    contact_phone = forms.CharField(label=gettext_lazy("Contact phone"), max_length=20)
    contact_address = forms.CharField(
        label=gettext_lazy("Contact address"), max_length=200, required=False
    )
    policy_number = forms.CharField(
        label=gettext_lazy("Policy number"),
        max_length=32,
        required=False,
        help_text=gettext_lazy("Optional; a policy of your branch."),
    )
    claim_reference = forms.CharField(
        label=gettext_lazy("Claim number"), max_length=40, required=False
    )
    what_happened = forms.CharField(
        label=gettext_lazy("What happened"), widget=forms.Textarea(attrs={"rows": 4})
    )
    what_is_asked = forms.CharField(
        label=gettext_lazy("What the complainant asks for"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    named_department = forms.ModelChoiceField(
        label=gettext_lazy("Department named by the complainant"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label="—",
        help_text=gettext_lazy(
            "Letters and online complaints go to the department they name, otherwise to "
            "the county's designated receiver (CMP-2). At the counter, on the phone or on a "
            "visit you are the first responder (CMP-1)."
        ),
    )

    def __init__(self, *args, county: OrgUnit | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["named_department"].queryset = intake_services.complaint_departments(
            county=county
        )


class OnlineComplaintForm(forms.Form):
    complainant_name = forms.CharField(label=gettext_lazy("Your name"), max_length=100)
    contact_phone = forms.CharField(
        label=gettext_lazy("Phone number"),
        max_length=20,
        help_text=gettext_lazy("We call you on this number about your complaint."),
    )
    topic = forms.ChoiceField(label=gettext_lazy("What is it about"), choices=Topic.choices)
    named_department = forms.ModelChoiceField(
        label=gettext_lazy("Office concerned"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=gettext_lazy("I don't know"),
    )
    policy_number = forms.CharField(
        label=gettext_lazy("Policy number"), max_length=32, required=False
    )
    claim_reference = forms.CharField(
        label=gettext_lazy("Claim number"), max_length=40, required=False
    )
    what_happened = forms.CharField(
        label=gettext_lazy("What happened"), widget=forms.Textarea(attrs={"rows": 5})
    )
    what_is_asked = forms.CharField(
        label=gettext_lazy("What would you like us to do"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # Against bots: hidden from people (and screen readers); a bot filling every field
    # fills this one too.
    website = forms.CharField(
        label=gettext_lazy("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, county: OrgUnit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["named_department"].queryset = intake_services.complaint_departments(
            county=county
        )

    def clean_website(self):
        if self.cleaned_data["website"]:
            raise ValidationError(_("Your complaint could not be sent. Please try again."))
        return ""


# Reads for the pages ---------------------------------------------------------------------
def _with_time_left(timers: list[SlaTimer]) -> list[SlaTimer]:
    now = timezone.now()
    for timer in timers:
        timer.time_left = time_left(timer, now)
    return timers


def _next_deadlines(complaints: list[Complaint]) -> None:
    """The earliest running deadline of each listed complaint (one query per page)."""
    now = timezone.now()
    running = (
        SlaTimer.objects.filter(
            subject_type=ContentType.objects.get_for_model(Complaint),
            subject_id__in=[c.pk for c in complaints],
            state=SlaTimer.State.RUNNING,
        )
        .select_related("rule")
        .order_by("due_at")
    )
    first: dict[int, SlaTimer] = {}
    for timer in running:
        first.setdefault(timer.subject_id, timer)
    for complaint in complaints:
        timer = first.get(complaint.pk)
        if timer is not None:
            timer.time_left = time_left(timer, now)
        complaint.next_deadline = timer


# Staff pages ----------------------------------------------------------------------------
@login_required
@require_GET
def complaint_list(request):
    filters = ComplaintFilterForm(request.GET)
    complaints = selectors.complaint_list(user=request.user, **filters.filters(user=request.user))
    page = Paginator(complaints, PER_PAGE).get_page(request.GET.get("page"))
    _next_deadlines(page.object_list)
    return render(
        request,
        "complaints/intake/list.html",
        {"page": page, "filters": filters, "can_write": not request.user.is_read_only},
    )


@login_required
def complaint_create(request):
    check_can_write(request.user)
    county = request.user.org_unit.county if request.user.org_unit_id else None
    form = ComplaintForm(
        request.POST or None,
        county=county,
        initial={"channel": Channel.COUNTER, "severity": Severity.GENERAL},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        number = data.pop("policy_number").strip()
        try:
            policy = (
                intake_services.complaint_policy_lookup(user=request.user, number=number)
                if number
                else None
            )
            complaint = intake_services.complaint_receive(by=request.user, policy=policy, **data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Complaint %(number)s received; %(owner)s is its first responder.")
                % {"number": complaint.number, "owner": complaint.first_responder},
            )
            return redirect("complaints:complaint_detail", complaint.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "complaints/intake/form.html", {"form": form}, status=status)


@login_required
@require_GET
def complaint_detail(request, pk: int):
    complaint = selectors.complaint_get(user=request.user, pk=pk)
    context = {
        "complaint": complaint,
        "handovers": complaint.handovers.select_related("from_user", "to_user", "to_unit"),
        "escalations": complaint.escalations.select_related("acted_by"),
        "events": complaint.events.select_related("by", "approved_by"),
        "timers": _with_time_left(intake_services.complaint_timers(complaint=complaint)),
    }
    return render(request, "complaints/intake/detail.html", context)


# Public online form ---------------------------------------------------------------------
def _codes(exc: ValidationError) -> set[str]:
    if hasattr(exc, "error_dict"):
        return {error.code for errors in exc.error_dict.values() for error in errors}
    return {error.code for error in exc.error_list}


def _public_county(code: str) -> OrgUnit:
    county = OrgUnit.objects.filter(code=code, kind=OrgUnit.Kind.COUNTY, is_active=True).first()
    if county is None:
        raise Http404
    return county


def online_form(request, county_code: str):
    """CMP-2: the public complaint form of a county branch; no login, CSRF-protected.
    Not rate-limited yet (the API's anonymous throttle does not cover pages)."""
    county = _public_county(county_code)
    form = OnlineComplaintForm(request.POST or None, county=county)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("website")
        try:
            complaint = intake_services.complaint_receive_online(county=county, **data)
        except ValidationError as exc:
            if _codes(exc) == {"no_designated_receiver"}:
                # The fix is the manager's, not the complainant's: log it for them and
                # tell the public only how else to reach the office.
                logger.error("online complaint refused: %s", exc.messages[0])
                form.add_error(
                    None,
                    _(
                        "Online complaints cannot be received at the moment. Please call or "
                        "visit %(county)s."
                    )
                    % {"county": county},
                )
            else:
                add_errors(form, exc)
        else:
            # The number goes through the session, not the URL: the thanks page shows
            # only the sender their own number.
            request.session[ONLINE_NUMBER_KEY] = complaint.number
            return redirect("complaints:online_thanks", county.code)
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "complaints/intake/online_form.html",
        {"form": form, "county": county},
        status=status,
    )


@require_GET
def online_thanks(request, county_code: str):
    county = _public_county(county_code)
    number = request.session.get(ONLINE_NUMBER_KEY)
    if not number:
        return redirect("complaints:online_form", county.code)
    return render(
        request, "complaints/intake/online_thanks.html", {"county": county, "number": number}
    )


urlpatterns = [
    path("", complaint_list, name="complaint_list"),
    path("new/", complaint_create, name="complaint_create"),
    path("<int:pk>/", complaint_detail, name="complaint_detail"),
    path("online/<str:county_code>/", online_form, name="online_form"),
    path("online/<str:county_code>/thanks/", online_thanks, name="online_thanks"),
]
