"""SLA timers of the unit's subtree (SLA-1..6): what runs now, what breached or was met
in the period, by rule.

- running, paused, overdue now (running past its due time) and provisional (an open
  timer whose due time crosses a year of unknown official calendar) are the state now;
- breached and met count the timers that ended that way in the period (`ended_at`);
  met-in-time rate = met / (met + breached).
The open timers by unit and rule (live), the ended ones from the daily summary
(dashboards.summaries.ended_timers, live after its last refresh), shared with the outlets
table; one query for the rules' names.
"""

from django.utils.translation import gettext as _

from core.models import SlaTimer, TimerRule
from dashboards import links
from dashboards.sections import shared
from dashboards.sections.base import Chart, Column, Figure, Scope, Section, Series, Table

S = SlaTimer.State


def _rows(scope: Scope) -> list[dict]:
    """One row per rule code: the open timers now and those ended in the period."""
    codes = shared.rule_codes(scope)
    keys = ("running", "paused", "overdue", "provisional", "breached", "met")
    by_code: dict[str, dict] = {}

    def row_of(rule_id: int) -> dict:
        code = codes[rule_id]
        return by_code.setdefault(code, {"rule__code": code, **dict.fromkeys(keys, 0)})

    for row in shared.open_timers(scope):
        counts = row_of(row["rule_id"])
        for key in ("running", "paused", "overdue", "provisional"):
            counts[key] += row[key]
    for (_unit, rule_id, _type), (met, breached) in shared.ended_timers(scope).items():
        counts = row_of(rule_id)
        counts["met"] += met
        counts["breached"] += breached
    return [by_code[code] for code in sorted(by_code)]


def _rule_names(codes: list[str]) -> dict[str, str]:
    """The default rule's name (an English msgid) translated; county overrides keep
    the code."""
    rows = TimerRule.objects.filter(county__isnull=True, code__in=codes).values_list("code", "name")
    return {code: _(name) for code, name in rows}


def _rate(met: int, breached: int) -> float | None:
    return round(100 * met / (met + breached), 1) if met + breached else None


def build(*, scope: Scope) -> Section:
    rows = _rows(scope)
    names = _rule_names([row["rule__code"] for row in rows])
    totals = {
        key: sum(row[key] for row in rows)
        for key in ("running", "paused", "overdue", "provisional", "breached", "met")
    }
    rate = _rate(totals["met"], totals["breached"])
    figures = [
        Figure(_("Running"), totals["running"], link=links.timers_url(scope, state=S.RUNNING)),
        Figure(
            _("Overdue now"),
            totals["overdue"],
            link=links.timers_url(scope, state=S.RUNNING),
            status="bad" if totals["overdue"] else "ok",
        ),
        Figure(
            _("Breached in the period"),
            totals["breached"],
            link=links.timers_url(scope, state=S.BREACHED),
            status="bad" if totals["breached"] else "ok",
        ),
        Figure(_("Met in the period"), totals["met"], link=links.timers_url(scope, state=S.MET)),
        Figure(
            _("Met in time"),
            rate,
            unit="%",
            link=links.timers_url(scope, state=S.MET),
            status="" if rate is None else ("ok" if rate >= 90 else "warn"),
            target="90%",
        ),
        Figure(
            _("Provisional deadlines"),
            totals["provisional"],
            link=links.timers_url(scope, state=S.RUNNING),
            status="warn" if totals["provisional"] else "",
        ),
    ]
    columns = [
        Column("code", _("Rule")),
        Column("name", _("Name")),
        Column("running", _("Running"), numeric=True),
        Column("paused", _("Paused"), numeric=True),
        Column("overdue", _("Overdue now"), numeric=True),
        Column("breached", _("Breached"), numeric=True),
        Column("met", _("Met"), numeric=True),
        Column("rate", _("Met in time (%)"), numeric=True),
        Column("provisional", _("Provisional"), numeric=True),
    ]
    state_of = {
        "running": S.RUNNING,
        "overdue": S.RUNNING,
        "provisional": S.RUNNING,
        "paused": S.PAUSED,
        "breached": S.BREACHED,
        "met": S.MET,
        "rate": S.MET,
    }
    table_rows = []
    for row in rows:
        code = row["rule__code"]
        values = {key: row[key] for key in state_of if key != "rate"}
        table_rows.append(
            {
                "code": code,
                "name": names.get(code, code),
                **values,
                "rate": _rate(row["met"], row["breached"]),
                "_links": {
                    key: links.timers_url(scope, state=state, rule=code)
                    for key, state in state_of.items()
                },
            }
        )
    chart = Chart(
        id="sla-by-rule",
        title=_("Timers by rule"),
        kind="stacked",
        categories=[row["rule__code"] for row in rows],
        series=[
            Series(_("Running"), [row["running"] for row in rows]),
            Series(_("Breached"), [row["breached"] for row in rows]),
            Series(_("Met"), [row["met"] for row in rows]),
        ],
    )
    return Section(
        id="sla",
        title=_("SLA timers"),
        figures=figures,
        tables=[Table("sla-by-rule", _("Timers by rule"), columns, table_rows)],
        charts=[chart],
        note=_(
            "Running, paused, overdue and provisional are counted now; breached and met are "
            "the timers that ended so in the period."
        ),
    )
