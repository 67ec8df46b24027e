"""The two shapes of a POST action on a claims page, shared by the views.

- A form page (`form_action`): the form shows on GET; a valid POST calls the service
  and redirects with a success message; a refusal (the form's own errors or the
  service's ValidationError) shows the form again, with status 400 (`form_status`).
- A panel of the case page (`panel_action`): the form is posted from the panel and
  every outcome goes back to the case page at that panel, refusals as error messages.

Records are looked up in the user's scope first (404), then writes are checked (403 for
read-only roles): `writable_case`.
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse

from claims_assist.models import ClaimCase
from claims_assist.selectors_cases import case_get
from core.access import check_can_write
from core.forms import add_errors


def posted(request):
    """The posted data, also when empty (an empty post is an invalid form, not a GET)."""
    return request.POST if request.method == "POST" else None


def writable_case(request, pk: int) -> ClaimCase:
    """The case in the user's scope (404) that the user may change (403 for read-only
    roles), checked before the form is read."""
    case = case_get(user=request.user, pk=pk)
    check_can_write(request.user, case)
    return case


def case_url(case_pk: int, anchor: str = "") -> str:
    """The case page, at one of its panels when `anchor` names it."""
    url = reverse("claims_assist:case_detail", args=[case_pk])
    return f"{url}#panel-{anchor}" if anchor else url


def form_status(form: forms.Form) -> int:
    """The status of a form page: 400 when a posted form was refused, else 200."""
    return 400 if form.is_bound and form.errors else 200


def form_action(
    request,
    form: forms.Form,
    action: Callable[[dict], Any],
    *,
    success: str | None,
    redirect_to: str,
) -> HttpResponseRedirect | None:
    """On a POST of a valid `form`, call the service `action(form.cleaned_data)`; when
    it accepts, show `success` (None: the action reported its outcome itself) and
    redirect to `redirect_to`. The service's ValidationError goes on the form.

    Returns None when the form page is to be shown (a GET or a refusal)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        action(form.cleaned_data)
    except ValidationError as exc:
        add_errors(form, exc)
        return None
    if success is not None:
        messages.success(request, success)
    return redirect(redirect_to)


def report_errors(request, error: ValidationError | None = None, form=None) -> None:
    """Show what was refused, and why, on the case page."""
    if form is not None:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for message in errors:
                messages.error(request, f"{label}: {message}" if label else message)
    if error is not None:
        for message in error.messages:
            messages.error(request, message)


def panel_action(
    request,
    case_pk: int,
    action: Callable[[], Any],
    *,
    success: str,
    anchor: str,
    form: forms.Form | None = None,
) -> HttpResponse:
    """A POST from a panel of the case page: unless `form` is invalid, call the service
    `action()`; report the form's errors, the service's refusal (ValidationError) or
    `success` as messages, then go back to the case page at the panel `anchor`."""
    if form is not None and not form.is_valid():
        report_errors(request, form=form)
    else:
        try:
            action()
        except ValidationError as exc:
            report_errors(request, exc)
        else:
            messages.success(request, success)
    return redirect(case_url(case_pk, anchor))
