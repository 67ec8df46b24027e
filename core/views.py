"""Browser pages of the platform shell: the dashboard, the SLA timer pages (SLA-6) and the
in-app inbox."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from core.models import Role, SlaTimer
from core.notifications import notification_mark_read
from core.selectors import (
    RECENT_BREACH_DAYS,
    notification_get,
    notification_list_for,
    org_unit_get,
    timer_counts_for_owner,
    timer_counts_in_scope,
    timer_get,
    timer_list_for_owner,
    timer_list_in_scope,
)
from core.timers import sweep_heartbeat_age, sweep_is_stale

TIMERS_PER_PAGE = 50


def can_see_branch_timers(user) -> bool:
    """Managers and outlet heads review their branch's timers; auditors read them."""
    return user.is_authenticated and (
        user.is_manager or user.is_read_only or user.role == Role.OUTLET_HEAD
    )


def humanize_duration(delta: dt.timedelta) -> str:
    """'2 days 3 hours', '25 minutes': the two largest units, for people at a counter."""
    seconds = int(abs(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = []
    if days:
        parts.append(ngettext("%(n)d day", "%(n)d days", days) % {"n": days})
    if hours:
        parts.append(ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    if minutes and not days:
        parts.append(ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes})
    return " ".join(parts[:2]) or _("less than a minute")


def time_left(timer: SlaTimer, now: dt.datetime) -> dict | None:
    """SLA-6: how long is left on an open timer; negative seconds mean overdue."""
    if timer.state == SlaTimer.State.RUNNING:
        delta = timer.due_at - now
    elif timer.state == SlaTimer.State.PAUSED:
        delta = timer.remaining
    else:
        return None
    span = humanize_duration(delta)
    overdue = delta.total_seconds() < 0
    if overdue:
        text = _("overdue by %(span)s") % {"span": span}
    elif timer.state == SlaTimer.State.PAUSED:
        text = _("%(span)s left when resumed") % {"span": span}
    else:
        text = _("%(span)s left") % {"span": span}
    return {"seconds": int(delta.total_seconds()), "text": text, "overdue": overdue}


def _timer_page(request, queryset, template: str, context: dict):
    """A page of timers; an htmx refresh gets only the table."""
    page = Paginator(queryset, TIMERS_PER_PAGE).get_page(request.GET.get("page"))
    now = timezone.now()
    for timer in page:
        timer.time_left = time_left(timer, now)
    context = {**context, "page": page, "now": now}
    if request.htmx:
        template = "core/_timer_table.html"
    return render(request, template, context)


@login_required
def home(request):
    now = timezone.now()
    context = {
        "own_counts": timer_counts_for_owner(user=request.user, now=now),
        "recent_days": RECENT_BREACH_DAYS,
    }
    if can_see_branch_timers(request.user):
        age = sweep_heartbeat_age()
        context["branch_counts"] = timer_counts_in_scope(user=request.user, now=now)
        context["heartbeat_age"] = humanize_duration(age) if age is not None else None
        context["heartbeat_stale"] = sweep_is_stale()
    return render(request, "core/home.html", context)


@login_required
@vary_on_headers("HX-Request")
def my_timers(request):
    return _timer_page(request, timer_list_for_owner(user=request.user), "core/my_timers.html", {})


@login_required
@vary_on_headers("HX-Request")
def branch_timers(request):
    if not can_see_branch_timers(request.user):
        raise PermissionDenied
    state = request.GET.get("state", "")
    if state not in SlaTimer.State.values:
        state = ""
    rule = request.GET.get("rule", "").strip()[:40]
    unit = None
    if request.GET.get("unit", "").isdigit():
        unit = org_unit_get(user=request.user, pk=int(request.GET["unit"]))
    queryset = timer_list_in_scope(
        user=request.user, state=state or None, rule=rule or None, unit=unit
    )
    context = {
        "states": SlaTimer.State.choices,
        "state": state,
        "rule": rule,
        "unit": unit,
        "show_owner": True,
    }
    return _timer_page(request, queryset, "core/branch_timers.html", context)


@login_required
@require_safe
def timer_detail(request, pk: int):
    timer = timer_get(user=request.user, pk=pk)
    now = timezone.now()
    timer.time_left = time_left(timer, now)
    pauses = list(timer.pauses.all())
    for pause in pauses:
        pause.span = humanize_duration((pause.resumed_at or now) - pause.paused_at)
    context = {"timer": timer, "pauses": pauses, "events": timer.events.all()}
    return render(request, "core/timer_detail.html", context)


@login_required
def inbox(request):
    """The staff member's in-app messages: breaches, reminders, escalations."""
    page = Paginator(notification_list_for(user=request.user), TIMERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "core/inbox.html", {"page": page})


@login_required
@require_POST
def inbox_mark_read(request, pk: int):
    notification = notification_mark_read(notification=notification_get(user=request.user, pk=pk))
    if request.htmx:
        return render(request, "core/_notification.html", {"notification": notification})
    return redirect("inbox")
