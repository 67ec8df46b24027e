"""Escalation pages of a complaint (CMP-5, CLM-12, REG-2): the panel on the detail page
(the escalation history, who acted, the running deadlines) and the forms it posts —
forward to the claims centre, take it for the claims centre, extend the REG-2 deadline,
record the progress told to the complainant. Each form redirects to the detail page."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from complaints.models import Complaint
from complaints.selectors import complaint_get, complaint_timer
from complaints.services import escalation as services
from core.access import check_can_write
from core.models import Role, User

# The deadlines the panel shows, in the order they run.
PANEL_RULES = [
    services.FORWARD_RULE,
    *services.STEP_RULES,
    *services.REG2_RULES.values(),
]


class DateTimeInput(forms.DateTimeInput):
    """The browser's date-time picker reads and sends ISO values, whatever the language."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class ForwardForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Note for the claims centre"), required=False)


class ExtendForm(forms.Form):
    level = forms.TypedChoiceField(
        label=gettext_lazy("Extension"),
        coerce=int,
        choices=[
            (1, gettext_lazy("To 30 days (complex complaint)")),
            (2, gettext_lazy("A further 30 days (specially complex, senior approval)")),
        ],
    )
    reason = forms.CharField(label=gettext_lazy("Why more time is needed"), max_length=500)
    approved_by = forms.ModelChoiceField(
        label=gettext_lazy("Approved by"), queryset=User.objects.none(), required=False
    )
    complainant_told_at = forms.DateTimeField(
        label=gettext_lazy("Complainant told at"), widget=DateTimeInput
    )

    def __init__(self, *args, complaint: Complaint, **kwargs):
        super().__init__(*args, **kwargs)
        approvers = services.senior_approvers(complaint=complaint)
        self.fields["approved_by"].queryset = User.objects.filter(
            pk__in=[user.pk for user in approvers]
        )


class ProgressForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("What the complainant is told"), widget=forms.Textarea, max_length=500
    )
    sms = forms.BooleanField(label=gettext_lazy("Send it by SMS"), required=False, initial=True)


def escalation_panel_context(*, user: User, complaint: Complaint) -> dict:
    """What the panel shows and which forms it offers to `user`."""
    settled = (Complaint.Status.RESOLVED, Complaint.Status.CLOSED)
    writer = not user.is_read_only
    level = services.extension_level(complaint=complaint)
    can_extend = (
        writer
        and level < 2
        and complaint_timer(complaint=complaint, rule_code=services.REG2_RULES[level]) is not None
    )
    timers = [
        timer
        for timer in (complaint_timer(complaint=complaint, rule_code=code) for code in PANEL_RULES)
        if timer is not None
    ]
    return {
        "complaint": complaint,
        "escalation_steps": complaint.escalations.select_related("acted_by"),
        "escalation_timers": timers,
        "extension_level": level,
        "can_forward": writer
        and complaint.is_claim_complaint
        and complaint.status == Complaint.Status.OPEN,
        "can_take": writer
        and user.role == Role.CLAIMS_CENTRE
        and complaint.is_claim_complaint
        and complaint.claims_owner_id is None
        and complaint.status != Complaint.Status.CLOSED,
        "can_extend": can_extend,
        "can_tell_progress": writer and complaint.status not in settled,
        "forward_form": ForwardForm(prefix="forward"),
        "extend_form": ExtendForm(
            complaint=complaint, prefix="extend", initial={"level": level + 1}
        )
        if can_extend
        else None,
        "progress_form": ProgressForm(prefix="progress"),
    }


def _refused(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _form_refused(request, form: forms.Form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


def _complaint_for_write(request, pk: int) -> Complaint:
    """The complaint if the user sees it (else 404) and may write (else 403)."""
    complaint = complaint_get(user=request.user, pk=pk)
    check_can_write(request.user)
    return complaint


def _back(pk: int):
    return redirect("complaints:complaint_detail", pk=pk)


@login_required
@require_POST
def complaint_forward(request, pk: int):
    """CMP-5: forward a claim complaint to the claims centre."""
    complaint = _complaint_for_write(request, pk)
    form = ForwardForm(request.POST, prefix="forward")
    if not form.is_valid():
        _form_refused(request, form)
        return _back(pk)
    try:
        services.complaint_forward_to_claims(
            by=request.user, complaint=complaint, note=form.cleaned_data["note"]
        )
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Forwarded to the claims centre; the escalation stops."))
    return _back(pk)


@login_required
@require_POST
def complaint_take(request, pk: int):
    """CLM-12: a claims centre member becomes responsible for the complaint."""
    complaint = _complaint_for_write(request, pk)
    try:
        services.complaint_take_for_claims_centre(by=request.user, complaint=complaint)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(
            request, _("You are now responsible for this complaint; the customer is told.")
        )
    return _back(pk)


@login_required
@require_POST
def complaint_extend(request, pk: int):
    """REG-2: extend the decision deadline to 30 or 60 days."""
    complaint = _complaint_for_write(request, pk)
    form = ExtendForm(request.POST, complaint=complaint, prefix="extend")
    if not form.is_valid():
        _form_refused(request, form)
        return _back(pk)
    data = form.cleaned_data
    try:
        timer = services.complaint_extend(
            by=request.user,
            complaint=complaint,
            level=data["level"],
            reason=data["reason"],
            approved_by=data["approved_by"],
            complainant_told_at=data["complainant_told_at"],
        )
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(
            request,
            _("The deadline is extended to %(due)s.")
            % {"due": timezone.localtime(timer.due_at).strftime("%Y-%m-%d %H:%M")},
        )
    return _back(pk)


@login_required
@require_POST
def complaint_progress(request, pk: int):
    """CLM-12: record (and send by SMS) what the complainant is told of the progress."""
    complaint = _complaint_for_write(request, pk)
    form = ProgressForm(request.POST, prefix="progress")
    if not form.is_valid():
        _form_refused(request, form)
        return _back(pk)
    try:
        services.complaint_progress_told(
            by=request.user,
            complaint=complaint,
            text=form.cleaned_data["text"],
            sms=form.cleaned_data["sms"],
        )
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("The progress told is recorded."))
    return _back(pk)


urlpatterns = [
    path("<int:pk>/forward/", complaint_forward, name="complaint_forward"),
    path("<int:pk>/take/", complaint_take, name="complaint_take"),
    path("<int:pk>/extend/", complaint_extend, name="complaint_extend"),
    path("<int:pk>/progress/", complaint_progress, name="complaint_progress"),
]
