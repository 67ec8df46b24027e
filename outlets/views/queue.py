"""The counter queue pages (OUT-12, OUT-14, OUT-15): the clerk's screen (issue a ticket,
call the next customer, serve, done, left, told of a longer wait), the printed ticket
with its rating QR code, the waits and satisfaction of an outlet, and consultations.

The clerk's queue panel refreshes itself (htmx polling) and the buttons swap it in place;
without JavaScript they post and come back to the page. Reads go through
outlets.selectors_queue (another outlet's queue or ticket is a 404), writes through the
services (a read-only role gets 403).
"""

import datetime as dt

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from core.access import check_can_write
from core.forms import DateInput, add_errors
from core.views import time_left
from outlets import selectors_queue as selectors
from outlets.models import Consultation, QueueTicket
from outlets.services import consultations as consultation_services
from outlets.services import queue as queue_services

PER_PAGE = 50


# Forms ------------------------------------------------------------------------------------
class IssueForm(forms.Form):
    purpose = forms.ChoiceField(
        label=gettext_lazy("What the customer came for"), choices=QueueTicket.Purpose.choices
    )


class CallForm(forms.Form):
    window = forms.CharField(
        label=gettext_lazy("Counter window"),
        max_length=queue_services.WINDOW_MAX,
        required=False,
    )


class PeriodForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), widget=DateInput, required=False)
    end = forms.DateField(label=gettext_lazy("To"), widget=DateInput, required=False)

    def period(self) -> tuple[dt.date, dt.date]:
        """The chosen days, by default the current month up to today."""
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        start = data.get("start") or today.replace(day=1)
        end = data.get("end") or today
        return (start, end) if start <= end else (end, start)


class ConsultationForm(forms.Form):
    customer_name = forms.CharField(label=gettext_lazy("Customer"), max_length=60)
    customer_phone = forms.CharField(
        label=gettext_lazy("Phone"),
        max_length=20,
        required=False,
        help_text=gettext_lazy("Needed when the answer is given later."),
    )
    topic = forms.ChoiceField(label=gettext_lazy("Topic"), choices=Consultation.Topic.choices)
    question = forms.CharField(
        label=gettext_lazy("Question"), widget=forms.Textarea(attrs={"rows": 3})
    )
    answer = forms.CharField(
        label=gettext_lazy("Answer given now"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    promised_reply_at = forms.DateTimeField(
        label=gettext_lazy("Reply promised by"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=gettext_lazy(
            "If you cannot answer now: the time you promised the customer. Empty: by the "
            "end of today (OUT-14)."
        ),
    )
    ticket = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AnswerForm(forms.Form):
    answer = forms.CharField(label=gettext_lazy("Answer"), widget=forms.Textarea(attrs={"rows": 4}))


# Helpers ----------------------------------------------------------------------------------
def rating_url(ticket: QueueTicket) -> str:
    """The public rating page of the ticket, as printed in its QR code (OUT-15)."""
    return settings.PUBLIC_BASE_URL + reverse("outlets:rate", args=[ticket.rating_token])


def rating_qr(ticket: QueueTicket) -> str:
    return segno.make(rating_url(ticket), error="m", micro=False).png_data_uri(scale=4, border=2)


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _panel(request, outlet, *, status: int = 200):
    board = selectors.queue_board(outlet=outlet)
    context = {
        "outlet": outlet,
        "board": board,
        "htmx": _is_htmx(request),
        "can_write": not request.user.is_read_only,
        "call_form": CallForm(initial={"window": request.session.get("queue_window", "")}),
    }
    return render(request, "outlets/queue/_panel.html", context, status=status)


def _after_action(request, outlet, *, error: ValidationError | None = None, done: str = ""):
    """An htmx click gets the refreshed panel (with the error, if any); a plain post
    goes back to the clerk's screen with a message."""
    if error is not None:
        for message in error.messages:
            messages.error(request, message)
    elif done:
        messages.success(request, done)
    if _is_htmx(request):
        return _panel(request, outlet, status=400 if error is not None else 200)
    return redirect("outlets:queue_clerk", outlet.pk)


# The clerk's screen -----------------------------------------------------------------------------
@login_required
@require_GET
def queue_clerk(request, outlet_pk: int):
    outlet = selectors.queue_outlet_get(user=request.user, pk=outlet_pk)
    context = {
        "outlet": outlet,
        "board": selectors.queue_board(outlet=outlet),
        "issue_form": IssueForm(),
        "call_form": CallForm(initial={"window": request.session.get("queue_window", "")}),
        "can_write": not request.user.is_read_only,
    }
    return render(request, "outlets/queue/clerk.html", context)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def queue_panel(request, outlet_pk: int):
    """The queue panel alone, polled by the clerk's screen."""
    outlet = selectors.queue_outlet_get(user=request.user, pk=outlet_pk)
    return _panel(request, outlet)


@login_required
@require_POST
def queue_issue(request, outlet_pk: int):
    """OUT-12: issue a ticket at the counter; the clerk then prints it."""
    outlet = selectors.queue_outlet_get(user=request.user, pk=outlet_pk)
    check_can_write(request.user, outlet)
    form = IssueForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what the customer came for."))
        return redirect("outlets:queue_clerk", outlet.pk)
    try:
        ticket = queue_services.ticket_issue(
            outlet=outlet, purpose=form.cleaned_data["purpose"], by=request.user
        )
    except ValidationError as exc:
        return _after_action(request, outlet, error=exc)
    messages.success(request, _("Ticket %(label)s issued.") % {"label": ticket.label})
    return redirect("outlets:ticket_detail", ticket.pk)


@login_required
@require_POST
def queue_call_next(request, outlet_pk: int):
    outlet = selectors.queue_outlet_get(user=request.user, pk=outlet_pk)
    check_can_write(request.user, outlet)
    form = CallForm(request.POST)
    if not form.is_valid():
        return _after_action(request, outlet, error=ValidationError(form.errors["window"]))
    window = form.cleaned_data["window"]
    request.session["queue_window"] = window
    try:
        ticket = queue_services.ticket_call_next(outlet=outlet, by=request.user, window=window)
    except ValidationError as exc:
        return _after_action(request, outlet, error=exc)
    if ticket is None:
        messages.info(request, _("Nobody is waiting."))
        return _after_action(request, outlet)
    return _after_action(
        request, outlet, done=_("Ticket %(label)s called.") % {"label": ticket.label}
    )


TICKET_ACTIONS = {
    "call": (queue_services.ticket_call, gettext_lazy("Ticket %(label)s called.")),
    "serve": (queue_services.ticket_serve, gettext_lazy("Serving ticket %(label)s.")),
    "done": (queue_services.ticket_done, gettext_lazy("Ticket %(label)s done.")),
    "left": (queue_services.ticket_left, gettext_lazy("Ticket %(label)s marked as left.")),
    "told": (
        queue_services.ticket_told_of_wait,
        gettext_lazy("Recorded: the customer of %(label)s was told of the longer wait."),
    ),
}


@login_required
@require_POST
def ticket_action(request, pk: int, action: str):
    """One step on a ticket from the clerk's screen (OUT-12)."""
    if action not in TICKET_ACTIONS:
        raise Http404
    ticket = selectors.ticket_get(user=request.user, pk=pk)
    check_can_write(request.user, ticket)
    service, done = TICKET_ACTIONS[action]
    kwargs = {"ticket": ticket, "by": request.user}
    if action == "call":
        kwargs["window"] = request.session.get("queue_window", "")
    try:
        ticket = service(**kwargs)
    except ValidationError as exc:
        return _after_action(request, ticket.outlet, error=exc)
    return _after_action(request, ticket.outlet, done=str(done) % {"label": ticket.label})


@login_required
@require_GET
def ticket_detail(request, pk: int):
    """The ticket as printed for the customer: number, purpose, the people ahead and the
    QR code of its rating page (OUT-15)."""
    ticket = selectors.ticket_get(user=request.user, pk=pk)
    board = selectors.queue_board(outlet=ticket.outlet)
    ahead = next(
        (n for n, waiting in enumerate(board.waiting) if waiting.ticket.pk == ticket.pk), None
    )
    context = {
        "ticket": ticket,
        "ahead": ahead,
        "rating_url": rating_url(ticket),
        "rating_qr": rating_qr(ticket),
        "timer_left": time_left(ticket.wait_timer, timezone.now())
        if ticket.wait_timer_id
        else None,
        "profile": getattr(ticket.outlet, "profile", None),
        "consultations": ticket.consultations.order_by("asked_at"),
        "evaluation": getattr(ticket, "evaluation", None),
    }
    return render(request, "outlets/queue/ticket.html", context)


# Waits and satisfaction -------------------------------------------------------------------------
@login_required
@require_GET
def queue_stats(request, outlet_pk: int):
    """OUT-12 and OUT-15 of one outlet over a period: wait breaches per day (and how many
    of those customers were told in advance) and the satisfaction rate against target."""
    outlet = selectors.queue_outlet_get(user=request.user, pk=outlet_pk)
    form = PeriodForm(request.GET or None)
    start, end = form.period()
    days = selectors.wait_breaches(user=request.user, outlet=outlet, start=start, end=end)
    evaluations = selectors.evaluation_list(user=request.user, outlet=outlet, start=start, end=end)
    context = {
        "outlet": outlet,
        "form": form,
        "start": start,
        "end": end,
        "days": days,
        "total_breaches": sum(day.breached for day in days),
        "total_timed": sum(day.timed for day in days),
        "satisfaction": selectors.satisfaction(outlet=outlet, start=start, end=end),
        "evaluations": evaluations[:20],
    }
    return render(request, "outlets/queue/stats.html", context)


# Consultations (OUT-14) -------------------------------------------------------------------
def _with_time_left(consultations):
    now = timezone.now()
    for consultation in consultations:
        timer = consultation.reply_timer
        consultation.time_left = time_left(timer, now) if timer else None
    return consultations


@login_required
@require_GET
def consultation_list(request, outlet_pk: int):
    outlet = selectors.queue_outlet_get(user=request.user, pk=outlet_pk)
    state = request.GET.get("state", "")
    if state not in Consultation.State.values:
        state = ""
    consultations = selectors.consultation_list(user=request.user, outlet=outlet, state=state)
    page = Paginator(consultations, PER_PAGE).get_page(request.GET.get("page"))
    _with_time_left(page.object_list)
    context = {
        "outlet": outlet,
        "page": page,
        "state": state,
        "states": Consultation.State.choices,
        "can_write": not request.user.is_read_only,
    }
    return render(request, "outlets/queue/consultation_list.html", context)


@login_required
def consultation_create(request, outlet_pk: int):
    outlet = selectors.queue_outlet_get(user=request.user, pk=outlet_pk)
    check_can_write(request.user, outlet)
    form = ConsultationForm(request.POST or None, initial={"ticket": request.GET.get("ticket")})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        ticket_pk = data.pop("ticket")
        try:
            ticket = selectors.ticket_get(user=request.user, pk=ticket_pk) if ticket_pk else None
            consultation = consultation_services.consultation_record(
                by=request.user, outlet=outlet, ticket=ticket, **data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            if consultation.state == Consultation.State.ANSWERED:
                messages.success(request, _("The consultation was recorded as answered."))
            else:
                messages.success(
                    request,
                    _("The consultation was recorded; reply promised by %(at)s.")
                    % {
                        "at": timezone.localtime(consultation.promised_reply_at).strftime(
                            "%Y-%m-%d %H:%M"
                        )
                    },
                )
            return redirect("outlets:consultation_detail", consultation.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "outlets/queue/consultation_form.html",
        {"outlet": outlet, "form": form},
        status=status,
    )


@login_required
def consultation_detail(request, pk: int):
    consultation = selectors.consultation_get(user=request.user, pk=pk)
    form = AnswerForm(request.POST or None)
    if request.method == "POST":
        check_can_write(request.user, consultation)
        if form.is_valid():
            try:
                consultation_services.consultation_answer(
                    consultation=consultation, by=request.user, answer=form.cleaned_data["answer"]
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("The answer was recorded."))
                return redirect("outlets:consultation_detail", consultation.pk)
    _with_time_left([consultation])
    status = 400 if form.is_bound and form.errors else 200
    context = {
        "consultation": consultation,
        "form": form,
        "can_write": not request.user.is_read_only,
    }
    return render(request, "outlets/queue/consultation_detail.html", context, status=status)


urlpatterns = [
    path("<int:outlet_pk>/queue/", queue_clerk, name="queue_clerk"),
    path("<int:outlet_pk>/queue/panel/", queue_panel, name="queue_panel"),
    path("<int:outlet_pk>/queue/issue/", queue_issue, name="queue_issue"),
    path("<int:outlet_pk>/queue/call/", queue_call_next, name="queue_call_next"),
    path("<int:outlet_pk>/queue/stats/", queue_stats, name="queue_stats"),
    path("queue/tickets/<int:pk>/", ticket_detail, name="ticket_detail"),
    *(
        path(
            f"queue/tickets/<int:pk>/{action}/",
            ticket_action,
            {"action": action},
            name=f"ticket_{action}",
        )
        for action in TICKET_ACTIONS
    ),
    path("<int:outlet_pk>/consultations/", consultation_list, name="consultation_list"),
    path("<int:outlet_pk>/consultations/new/", consultation_create, name="consultation_create"),
    path("consultations/<int:pk>/", consultation_detail, name="consultation_detail"),
]
