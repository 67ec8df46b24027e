"""Dashboard pages: a county's page and the drill-down to one of its outlets, each table
as Excel and the whole page as PDF. The views only check who may look, read the period
and call dashboards.selectors."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from dashboards import exports
from dashboards.sections.base import Scope
from dashboards.selectors import (
    PeriodForm,
    check_can_see_dashboards,
    dashboard_counties,
    dashboard_sections,
    dashboard_table,
    dashboard_unit_get,
    default_period,
    home_unit,
    presets,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def needs_postgresql(view):
    """The dashboards' aggregates and summaries are written for PostgreSQL (percentiles,
    local dates of aware times, JSON histograms); on the embedded SQLite default of
    `make run` the page says so instead of failing."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if connection.vendor != "postgresql":
            return render(request, "dashboards/unavailable.html", status=503)
        return view(request, *args, **kwargs)

    return wrapper


def _scope(request, kind: str, pk: int) -> tuple[Scope | None, PeriodForm]:
    """The scope asked for, or None with the form's errors (the unit is checked first:
    a unit outside the branch is a 404 whatever the period)."""
    check_can_see_dashboards(request.user)
    unit = dashboard_unit_get(user=request.user, kind=kind, pk=pk)
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return Scope(user=request.user, unit=unit, period=default_period()), form
    return Scope(user=request.user, unit=unit, period=form.cleaned_data["period"]), form


def _title(scope: Scope) -> str:
    return _("Dashboard of %(unit)s") % {"unit": scope.unit}


@login_required
@require_GET
def index(request):
    """A county manager lands on their county; above a county, the user picks one."""
    check_can_see_dashboards(request.user)
    unit = home_unit(user=request.user)
    if unit is not None:
        name = "dashboards:outlet" if unit.kind == "outlet" else "dashboards:county"
        return redirect(name, pk=unit.pk)
    return render(
        request, "dashboards/index.html", {"counties": dashboard_counties(user=request.user)}
    )


def _page(request, kind: str, pk: int):
    scope, form = _scope(request, kind, pk)
    valid = form.is_valid()
    sections = dashboard_sections(scope=scope) if valid else []
    base = reverse(f"dashboards:{kind}", args=[pk])
    context = {
        "title": _title(scope),
        "scope": scope,
        "kind": kind,
        "form": form,
        "sections": sections,
        "presets": [(label, f"{base}?{period.query}") for label, period in presets()],
        "pdf_url": reverse("dashboards:pdf", args=[kind, pk]) + f"?{scope.period.query}",
        "county_url": (
            reverse("dashboards:county", args=[scope.unit.parent_id]) + f"?{scope.period.query}"
            if kind == "outlet" and request.user.org_unit_id != scope.unit.pk
            else ""
        ),
    }
    return render(request, "dashboards/page.html", context, status=200 if valid else 400)


@login_required
@require_GET
@needs_postgresql
def county(request, pk: int):
    return _page(request, "county", pk)


@login_required
@require_GET
@needs_postgresql
def outlet(request, pk: int):
    return _page(request, "outlet", pk)


@login_required
@require_GET
@needs_postgresql
def table_xlsx(request, kind: str, pk: int, table_id: str):
    scope, form = _scope(request, kind, pk)
    if not form.is_valid():
        return HttpResponse(" ".join(form.non_field_errors()) or _("Invalid period."), status=400)
    table = dashboard_table(scope=scope, table_id=table_id)
    if table is None:
        raise Http404(_("Not found."))
    response = HttpResponse(exports.table_xlsx(table=table, scope=scope), content_type=XLSX)
    filename = f"{table_id}-{scope.unit.code}-{scope.period.start}-{scope.period.end}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
@needs_postgresql
def page_pdf(request, kind: str, pk: int):
    scope, form = _scope(request, kind, pk)
    if not form.is_valid():
        return HttpResponse(" ".join(form.non_field_errors()) or _("Invalid period."), status=400)
    pdf = exports.page_pdf(
        scope=scope, sections=dashboard_sections(scope=scope), title=_title(scope)
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"dashboard-{scope.unit.code}-{scope.period.start}-{scope.period.end}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
