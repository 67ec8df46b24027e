"""Handling pages (CMP-1, CMP-6): the forms of the handling panel on the complaint's
detail page post here — hand over, first response, note, outcome told, follow-up call —
and each answers with a redirect back to the detail page.

Refusals: a complaint the user may not see is a 404 (selectors); one they see but may
not act on (a read-only role, a colleague who is neither first responder nor manager, the
original receiver after a hand-over) is a 403 page that says why.
"""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from complaints.models import Complaint
from complaints.selectors import complaint_get
from complaints.services import handling as services
from core.models import User


class HandOverForm(forms.Form):
    # Any active user here; the service decides who may receive it (CMP-1).
    to_user = forms.ModelChoiceField(
        label=gettext_lazy("Hand over to"), queryset=User.objects.filter(is_active=True)
    )
    reason = forms.CharField(label=gettext_lazy("Why"), max_length=1000)


class TextForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Text"), max_length=4000)


class OutcomeForm(forms.Form):
    outcome = forms.CharField(label=gettext_lazy("Outcome told"), max_length=4000)
    told_at = forms.DateTimeField(label=gettext_lazy("Told at"), required=False)


class FollowUpForm(forms.Form):
    satisfaction = forms.ChoiceField(
        label=gettext_lazy("Answer"), choices=Complaint.Satisfaction.choices
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=4000, required=False)


def _handle(
    request,
    pk: int,
    *,
    form_class: type[forms.Form],
    check: Callable[..., None],
    action: Callable[[Complaint, dict], object],
    done: str,
):
    """Shared flow of the panel's forms: find the complaint in scope (404), refuse who
    may not act (403 with the reason), validate, call the service, report, go back."""
    complaint = complaint_get(user=request.user, pk=pk)
    try:
        check(user=request.user, complaint=complaint)
        form = form_class(request.POST)
        if not form.is_valid():
            raise ValidationError(
                [
                    f"{form.fields[name].label}: {' '.join(errs)}"
                    for name, errs in form.errors.items()
                ]
            )
        action(complaint, form.cleaned_data)
    except PermissionDenied as refusal:
        context = {"complaint": complaint, "message": str(refusal)}
        return render(request, "complaints/handling/refused.html", context, status=403)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect("complaints:complaint_detail", pk=complaint.pk)


@login_required
@require_POST
def complaint_hand_over(request, pk: int):
    """CMP-1: hand the complaint to a colleague in the county."""
    return _handle(
        request,
        pk,
        form_class=HandOverForm,
        check=services.check_can_hand_over,
        action=lambda complaint, data: services.complaint_hand_over(
            by=request.user, complaint=complaint, to_user=data["to_user"], reason=data["reason"]
        ),
        done=_("The complaint was handed over."),
    )


@login_required
@require_POST
def complaint_first_response(request, pk: int):
    return _handle(
        request,
        pk,
        form_class=TextForm,
        check=services.check_can_act,
        action=lambda complaint, data: services.complaint_first_response(
            by=request.user, complaint=complaint, text=data["text"]
        ),
        done=_("The first response was recorded."),
    )


@login_required
@require_POST
def complaint_add_note(request, pk: int):
    return _handle(
        request,
        pk,
        form_class=TextForm,
        check=services.check_can_act,
        action=lambda complaint, data: services.complaint_note(
            by=request.user, complaint=complaint, text=data["text"]
        ),
        done=_("The note was added."),
    )


@login_required
@require_POST
def complaint_tell_outcome(request, pk: int):
    """CMP-6: the outcome was told; the follow-up call is scheduled."""
    return _handle(
        request,
        pk,
        form_class=OutcomeForm,
        check=services.check_can_act,
        action=lambda complaint, data: services.complaint_tell_outcome(
            by=request.user,
            complaint=complaint,
            outcome=data["outcome"],
            told_at=data["told_at"],
        ),
        done=_("The outcome was recorded and the follow-up call scheduled."),
    )


@login_required
@require_POST
def complaint_follow_up(request, pk: int):
    """CMP-6: the follow-up call: closes the complaint, or reopens it when unsatisfied."""
    return _handle(
        request,
        pk,
        form_class=FollowUpForm,
        check=services.check_can_act,
        action=lambda complaint, data: services.complaint_record_follow_up(
            by=request.user,
            complaint=complaint,
            satisfaction=data["satisfaction"],
            note=data["note"],
        ),
        done=_("The follow-up call was recorded."),
    )


urlpatterns = [
    path("<int:pk>/hand-over/", complaint_hand_over, name="complaint_hand_over"),
    path("<int:pk>/first-response/", complaint_first_response, name="complaint_first_response"),
    path("<int:pk>/notes/", complaint_add_note, name="complaint_add_note"),
    path("<int:pk>/outcome/", complaint_tell_outcome, name="complaint_tell_outcome"),
    path("<int:pk>/follow-up/", complaint_follow_up, name="complaint_follow_up"),
]
