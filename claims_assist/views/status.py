"""The counter's status query (CLM-11): the clerk types the policy number and the
insured's ID number the customer shows (or the representative's name and ID number and
ticks that the power of attorney and the copy of the insured's ID were seen) and reads
out the answer. The service decides and records every query; this view only shows it.

The page is a counter action that writes the query record: read-only roles get 403.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from claims_assist.models import StatusQuery
from claims_assist.services.status import case_status_query
from claims_assist.views.actions import form_status
from core.access import check_can_write


class StatusQueryForm(forms.Form):
    # Nothing is required here: the service refuses and records a query missing them.
    policy_number = forms.CharField(
        label=gettext_lazy("Policy number"), max_length=32, required=False
    )
    id_number = forms.CharField(
        label=gettext_lazy("Insured's ID number"),
        max_length=40,
        required=False,
        help_text=gettext_lazy("From the insured's ID card, or the copy the representative shows."),
    )
    via_attorney = forms.BooleanField(
        label=gettext_lazy("Asked by a representative with a power of attorney"), required=False
    )
    attorney_name = forms.CharField(
        label=gettext_lazy("Representative's name"), max_length=100, required=False
    )
    attorney_id_number = forms.CharField(
        label=gettext_lazy("Representative's ID number"), max_length=40, required=False
    )
    attorney_documents_seen = forms.BooleanField(
        label=gettext_lazy("I have seen the power of attorney and a copy of the insured's ID"),
        required=False,
    )


@login_required
@require_http_methods(["GET", "POST"])
def status_query(request):
    """CLM-11: GET shows the form, POST asks and shows the answer (or the refusal)."""
    check_can_write(request.user)
    form = StatusQueryForm(request.POST or None)
    answer = None
    if request.method == "POST" and form.is_valid():
        answer = case_status_query(
            by=request.user, channel=StatusQuery.Channel.COUNTER, **form.cleaned_data
        )
        if answer.field is not None:
            form.add_error(answer.field, answer.message)
    context = {"form": form, "answer": answer}
    return render(request, "claims_assist/status/query.html", context, status=form_status(form))


urlpatterns = [path("status/", status_query, name="status_query")]
