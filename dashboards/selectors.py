"""Who may see which dashboard, over which period, and the sections of a page.

Dashboards are for the people who answer for a county or a city: county managers, the
city claims centre, auditors (read-only) and superusers. A unit outside the user's
branch is a 404 (core.access, OUT-1), like every other record.
"""

import datetime as dt
from types import ModuleType

from django import forms
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.access import get_in_scope, in_scope
from core.forms import DateInput
from core.models import OrgUnit, Role, SlaTimer, User
from dashboards import links
from dashboards.sections import SECTIONS, section_name, shared
from dashboards.sections.base import Column, Period, Scope, Section, Table

DASHBOARD_ROLES = {Role.COUNTY_MANAGER, Role.CLAIMS_CENTRE, Role.AUDITOR}
MAX_PERIOD_DAYS = 3 * 366
KINDS = {"county": OrgUnit.Kind.COUNTY, "outlet": OrgUnit.Kind.OUTLET}


def can_see_dashboards(user: User) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.role in DASHBOARD_ROLES)
    )


def check_can_see_dashboards(user: User) -> None:
    if not can_see_dashboards(user):
        raise PermissionDenied


def dashboard_unit_get(*, user: User, kind: str, pk) -> OrgUnit:
    """A county or outlet of the user's branch, or NotInScope (a 404)."""
    return get_in_scope(OrgUnit.objects.filter(kind=KINDS[kind]), user, pk=pk)


def dashboard_counties(*, user: User):
    return in_scope(
        OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY, is_active=True), user
    ).order_by("path")


def home_unit(*, user: User) -> OrgUnit | None:
    """Where /dashboards/ lands: the user's own county or outlet; above a county, the
    only county of the branch if there is one (else the user picks)."""
    unit = user.org_unit
    if unit is not None and unit.kind in (OrgUnit.Kind.COUNTY, OrgUnit.Kind.OUTLET):
        return unit
    counties = list(dashboard_counties(user=user)[:2])
    return counties[0] if len(counties) == 1 else None


# --- The period -----------------------------------------------------------------------------
def default_period(today: dt.date | None = None) -> Period:
    """This month up to today."""
    today = today or timezone.localdate()
    return Period(today.replace(day=1), today)


def presets(today: dt.date | None = None) -> list[tuple[str, Period]]:
    today = today or timezone.localdate()
    last_month_end = today.replace(day=1) - dt.timedelta(days=1)
    return [
        (_("This month"), default_period(today)),
        (_("Last month"), Period(last_month_end.replace(day=1), last_month_end)),
        (_("This year"), Period(today.replace(month=1, day=1), today)),
    ]


class PeriodForm(forms.Form):
    """GET `from` and `to` (ISO dates); both default to this month up to today."""

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["from"] = forms.DateField(
            label=gettext_lazy("From"), required=False, widget=DateInput
        )
        self.fields["to"] = forms.DateField(
            label=gettext_lazy("To"), required=False, widget=DateInput
        )

    def clean(self):
        data = super().clean()
        default = default_period()
        start = data.get("from") or (data["to"].replace(day=1) if data.get("to") else default.start)
        end = data.get("to") or (default.end if start <= default.end else start)
        if start > end:
            raise forms.ValidationError(_("The start of the period is after its end."))
        if (end - start).days >= MAX_PERIOD_DAYS:
            raise forms.ValidationError(_("The period may not be longer than three years."))
        data["period"] = Period(start, end)
        return data


# --- The page ---------------------------------------------------------------------------------
def outlets_section(*, scope: Scope) -> Section:
    """The county's outlets with a few headline figures, each leading to its page."""
    outlets = list(
        OrgUnit.objects.filter(parent=scope.unit, kind=OrgUnit.Kind.OUTLET)
        .order_by("code")
        .values_list("pk", "code", "name")
    )
    # The same aggregates as the sla, claims and complaints sections, read once per page.
    timers: dict[int, dict] = {}
    for row in shared.open_timers(scope):
        counts = timers.setdefault(row["org_unit_id"], {"running": 0, "overdue": 0, "breached": 0})
        counts["running"] += row["running"]
        counts["overdue"] += row["overdue"]
    for (unit_id, _rule, _type), (_met, breached) in shared.ended_timers(scope).items():
        counts = timers.setdefault(unit_id, {"running": 0, "overdue": 0, "breached": 0})
        counts["breached"] += breached
    claims: dict[int, int] = {}
    for row in shared.claim_counts(scope):
        claims[row["org_unit_id"]] = claims.get(row["org_unit_id"], 0) + row["n"]
    complaints = {unit: row["received"] for unit, row in shared.complaint_counts(scope).items()}
    rows = []
    for pk, code, name in outlets:
        outlet_scope = Scope(
            user=scope.user, unit=OrgUnit(pk=pk, kind=OrgUnit.Kind.OUTLET), period=scope.period
        )
        timer_row = timers.get(pk, {})
        rows.append(
            {
                "outlet": f"{code} {name}",
                "running": timer_row.get("running", 0),
                "overdue": timer_row.get("overdue", 0),
                "breached": timer_row.get("breached", 0),
                "claims": claims.get(pk, 0),
                "complaints": complaints.get(pk, 0),
                "_links": {
                    "outlet": links.outlet_url(pk, scope.period.query),
                    "running": links.timers_url(outlet_scope, state=SlaTimer.State.RUNNING),
                    "overdue": links.timers_url(outlet_scope, state=SlaTimer.State.RUNNING),
                    "breached": links.timers_url(outlet_scope, state=SlaTimer.State.BREACHED),
                    "claims": links.cases_url(outlet_scope),
                    "complaints": links.complaint_report_url(outlet_scope),
                },
            }
        )
    columns = [
        Column("outlet", _("Outlet")),
        Column("running", _("Timers running"), numeric=True),
        Column("overdue", _("Overdue now"), numeric=True),
        Column("breached", _("Breached in the period"), numeric=True),
        Column("claims", _("Claims reported"), numeric=True),
        Column("complaints", _("Complaints received"), numeric=True),
    ]
    return Section(
        id="outlets",
        title=_("Outlets"),
        tables=[Table("outlets", _("Outlets of the county"), columns, rows)],
    )


def _builders(scope: Scope) -> list[tuple[str, object]]:
    builders: list[tuple[str, object]] = []
    if not scope.is_outlet:
        builders.append(("outlets", outlets_section))
    builders += [(section_name(module), module.build) for module in SECTIONS]
    return builders


def dashboard_sections(*, scope: Scope) -> list[Section]:
    """Every section of the page, in page order, read in one transaction."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # These aggregates take tens of milliseconds; PostgreSQL's JIT compiler,
            # triggered by their cost estimates, spent ~30 ms compiling one of them.
            # For this transaction only.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        return [build(scope=scope) for _name, build in _builders(scope)]


def dashboard_table(*, scope: Scope, table_id: str) -> Table | None:
    """One table of the page; only the section named by the table id's first part is
    built when there is one (ids are "<section>-…")."""
    builders = _builders(scope)
    prefix = table_id.split("-", 1)[0]
    ordered = [b for b in builders if b[0] == prefix] + [b for b in builders if b[0] != prefix]
    for _name, build in ordered:
        for table in build(scope=scope).tables:
            if table.id == table_id:
                return table
    return None


def section_modules() -> list[ModuleType]:
    return list(SECTIONS)
