"""Pages facing the customers of an outlet: the waiting-room display (OUT-12) and the
rating of a service (OUT-15).

- The display runs on a screen in the waiting room under an outlet staff login; its
  board refreshes itself by htmx polling of a partial, without a full reload.
- The public rating page is reached through the QR code printed on the ticket: no login,
  the ticket's unguessable token is the credential, CSRF-protected, one rating per
  ticket, and it shows no personal data. The counter tablet page does the same in a
  member of staff's session.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from core.access import check_can_write
from core.forms import add_errors
from outlets import selectors_queue as selectors
from outlets.models import Evaluation, QueueTicket
from outlets.services import evaluations as evaluation_services

DISPLAY_REFRESH_SECONDS = 5


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=gettext_lazy("How satisfied are you with our service?"),
        choices=Evaluation.Rating.choices,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=gettext_lazy("Anything you would like to tell us (optional)"),
        max_length=evaluation_services.COMMENT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# Waiting-room display -------------------------------------------------------------------------
def _display_context(outlet) -> dict:
    board = selectors.queue_board(outlet=outlet)
    return {
        "outlet": outlet,
        "board": board,
        "now_serving": board.recently_called[:1],
        "earlier": board.recently_called[1:],
        "refresh_seconds": DISPLAY_REFRESH_SECONDS,
    }


@login_required
@require_GET
def queue_display(request, outlet_pk: int):
    """OUT-12: the numbers called and the queue length, in large type."""
    outlet = selectors.queue_outlet_get(user=request.user, pk=outlet_pk)
    return render(request, "outlets/queue/display.html", _display_context(outlet))


@login_required
@require_GET
@vary_on_headers("HX-Request")
def queue_display_board(request, outlet_pk: int):
    """The display's board alone, polled every few seconds."""
    outlet = selectors.queue_outlet_get(user=request.user, pk=outlet_pk)
    return render(request, "outlets/queue/_display_board.html", _display_context(outlet))


# Rating (OUT-15) ------------------------------------------------------------------------------
def _rate(request, ticket: QueueTicket, *, channel: str, by, template: str, done_url: str):
    already = Evaluation.objects.filter(ticket=ticket).exists()
    # A second submission (a double tap, the back button) just shows the thanks again.
    form = RatingForm(None if already else request.POST or None)
    if request.method == "POST" and form.is_bound and form.is_valid():
        try:
            evaluation_services.evaluation_record(
                ticket=ticket,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
                channel=channel,
                by=by,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            return redirect(done_url)
    status = 400 if form.is_bound and form.errors else 200
    context = {
        "ticket": ticket,
        "outlet_name": _outlet_name(ticket),
        "form": form,
        "already": already,
        "ready": ticket.state == QueueTicket.State.DONE,
    }
    return render(request, template, context, status=status)


def _outlet_name(ticket: QueueTicket) -> str:
    profile = getattr(ticket.outlet, "profile", None)
    return profile.official_name if profile else ticket.outlet.name


def rate(request, token: str):
    """The public rating page of the ticket's QR code (no login)."""
    ticket = selectors.ticket_by_rating_token(token=token)
    if ticket is None:
        raise Http404
    return _rate(
        request,
        ticket,
        channel=Evaluation.Channel.QR,
        by=None,
        template="outlets/queue/rate.html",
        done_url=request.path,
    )


@login_required
def rate_tablet(request, pk: int):
    """The counter tablet: the customer rates the service just done, on the clerk's
    session (OUT-15)."""
    ticket = selectors.ticket_get(user=request.user, pk=pk)
    if request.method == "POST":
        check_can_write(request.user, ticket)
    return _rate(
        request,
        ticket,
        channel=Evaluation.Channel.TABLET,
        by=request.user,
        template="outlets/queue/rate_tablet.html",
        done_url=request.path,
    )


urlpatterns = [
    path("<int:outlet_pk>/queue/display/", queue_display, name="queue_display"),
    path("<int:outlet_pk>/queue/display/board/", queue_display_board, name="queue_display_board"),
    path("rate/<str:token>/", rate, name="rate"),
    path("queue/tickets/<int:pk>/rate/", rate_tablet, name="rate_tablet"),
]
