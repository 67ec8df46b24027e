"""OUT-16: an outlet's compliance score with its breakdown, monthly history and open
findings, and the county page of all outlets with their scores. For outlet heads and
the managers above them (clerks get 403); outlets are looked up in scope first (404).
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from core.access import check_can_write
from outlets.selectors import outlet_get
from outlets.selectors_compliance import county_scores, open_findings, score_for, score_history
from outlets.services.compliance import (
    WEIGHTS,
    check_may_see_scores,
    compliance_compute,
    month_start,
    score_rows,
)


def _month_param(value: str) -> dt.date:
    """A month from "YYYY-MM", else the current one."""
    try:
        return dt.date.fromisoformat(f"{value}-01")
    except ValueError:
        return month_start(timezone.localdate())


@login_required
@require_safe
def compliance_detail(request, pk: int):
    """OUT-16: this month's score (computed now if the beat has not yet), its breakdown,
    the history per month and the open findings."""
    outlet = outlet_get(user=request.user, pk=pk)
    check_may_see_scores(request.user)
    month = month_start(timezone.localdate())
    score = score_for(outlet=outlet, month=month) or compliance_compute(outlet=outlet, month=month)
    context = {
        "outlet": outlet,
        "score": score,
        "rows": score_rows(score),
        "history": score_history(user=request.user, outlet=outlet),
        "findings": open_findings(user=request.user, outlet=outlet),
        "today": timezone.localdate(),
        "weights": WEIGHTS,
    }
    return render(request, "outlets/compliance/detail.html", context)


@login_required
@require_POST
def compliance_recompute(request, pk: int):
    """OUT-16 on demand: recompute this month's score now."""
    outlet = outlet_get(user=request.user, pk=pk)
    check_may_see_scores(request.user)
    check_can_write(request.user, outlet)
    score = compliance_compute(outlet=outlet, month=month_start(timezone.localdate()))
    messages.success(request, _("Score recomputed: %(score)s.") % {"score": score.score})
    return redirect("outlets:compliance", outlet.pk)


@login_required
def compliance_overview(request):
    """OUT-16: the outlets of the user's branch with their score of a month, lowest
    first."""
    check_may_see_scores(request.user)
    month = _month_param(request.GET.get("month", ""))
    context = {"rows": county_scores(user=request.user, month=month), "month": month}
    return render(request, "outlets/compliance/overview.html", context)


urlpatterns = [
    path("compliance/", compliance_overview, name="compliance_overview"),
    path("<int:pk>/compliance/", compliance_detail, name="compliance"),
    path("<int:pk>/compliance/recompute/", compliance_recompute, name="compliance_recompute"),
]
