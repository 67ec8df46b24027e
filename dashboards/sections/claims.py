"""Claim cases reported in the period at the unit's outlets (CLM-1..CLM-10, REG-1).

- The cohort is the cases *reported* in the period, whatever has happened since.
- Stages are the cases' current stage; major (CLM-4) and special (CLM-10) are counted.
- Cycle times are in **calendar days** (median and p90 by percentile_cont), between the
  case's milestones: report → file complete, file complete → transfer (CLM-9), transfer
  → decision (CLM-10 review, special cases 30), decision → payment (CLM-10 payment).
  The targets are working days (the county's rule durations): a p90 within the target in
  calendar days is surely within it; above it, the breached timers (counted exactly by
  the sweep on the working-days clock) are the authority, shown beside.
Queries: cases by outlet and stage (1, shared with the outlets table), cycle times (1),
target rules (1), outlet names (1 on a county page); breached timers from the timers the
SLA section reads (dashboards.summaries.ended_timers).
"""

from django.db.models import Q
from django.utils.translation import gettext as _

from claims_assist.models import ClaimCase
from core.models import OrgUnit, SlaTimer, TimerRule
from dashboards import links
from dashboards.aggregates import EMPTY, interval_stats
from dashboards.sections import shared
from dashboards.sections.base import Chart, Column, Figure, Scope, Section, Series, Table

# (name, start field, end field, rule codes giving its target in working days)
CYCLES = [
    ("report_to_file", "reported_at", "file_complete_at", []),
    ("file_to_transfer", "file_complete_at", "transferred_at", ["CLM-9"]),
    ("transfer_to_decision", "transferred_at", "decided_at", ["CLM-10-review", "CLM-10-special"]),
    ("decision_to_payment", "decided_at", "paid_at", ["CLM-10-pay-small", "CLM-10-pay"]),
]
BREACH_PREFIXES = ("CLM-", "REG-1")


def _cycle_labels() -> dict[str, str]:
    return {
        "report_to_file": _("Report → file complete"),
        "file_to_transfer": _("File complete → transfer"),
        "transfer_to_decision": _("Transfer → decision"),
        "decision_to_payment": _("Decision → payment"),
    }


def cohort(scope: Scope):
    return ClaimCase.objects.filter(
        org_unit_id__in=scope.unit_ids,
        reported_at__gte=scope.period.since,
        reported_at__lt=scope.period.until,
    ).order_by()


def _county_id(scope: Scope) -> int | None:
    return scope.unit.pk if scope.unit.kind == OrgUnit.Kind.COUNTY else scope.unit.parent_id


def _targets(scope: Scope) -> dict[str, int]:
    """Working days of each CLM rule, the county's override winning over the default."""
    codes = [code for *_rest, codes in CYCLES for code in codes]
    rows = TimerRule.objects.filter(
        Q(county_id=_county_id(scope)) | Q(county__isnull=True), code__in=codes
    ).values_list("code", "county_id", "duration")
    targets: dict[str, int] = {}
    for code, _county, duration in sorted(rows, key=lambda r: r[1] is not None):
        targets[code] = duration.days  # the county's row comes last and wins
    return targets


def _breaches(scope: Scope) -> dict[str, int]:
    """Breached CLM/REG-1 timers of claim cases that ended in the period, by rule code."""
    codes = shared.rule_codes(scope)
    case_type = shared.claim_type_id()
    breaches: dict[str, int] = {}
    for (_unit, rule_id, subject_type), (_met, breached) in shared.ended_timers(scope).items():
        code = codes[rule_id]
        if breached and subject_type == case_type and code.startswith(BREACH_PREFIXES):
            breaches[code] = breaches.get(code, 0) + breached
    return breaches


def _status(p90_days: float | None, target: int | None) -> str:
    if p90_days is None or target is None:
        return ""
    return "ok" if p90_days <= target else "warn"


def _outlet_table(scope: Scope) -> Table:
    per_outlet: dict[int, dict] = {}
    for row in shared.claim_counts(scope):
        counts = per_outlet.setdefault(
            row["org_unit_id"], {"reported": 0, "open": 0, "major": 0, "paid": 0}
        )
        counts["reported"] += row["n"]
        counts["open"] += 0 if row["stage"] in ClaimCase.FINAL_STAGES else row["n"]
        counts["major"] += row["major"]
        counts["paid"] += row["paid"]
    units = OrgUnit.objects.filter(pk__in=per_outlet).order_by("code")
    rows = [
        {"org_unit_id": pk, "org_unit__code": code, "org_unit__name": name, **per_outlet[pk]}
        for pk, code, name in units.values_list("pk", "code", "name")
    ]
    table_rows = []
    for row in rows:
        outlet = {"outlet": row["org_unit_id"]}
        table_rows.append(
            {
                "outlet": f"{row['org_unit__code']} {row['org_unit__name']}",
                "reported": row["reported"],
                "open": row["open"],
                "major": row["major"],
                "paid": row["paid"],
                "_links": {
                    "outlet": links.outlet_url(row["org_unit_id"], scope.period.query),
                    "reported": links.cases_url(scope, **outlet),
                    "major": links.cases_url(scope, major="true", **outlet),
                    "paid": links.cases_url(scope, stage=ClaimCase.Stage.PAID, **outlet),
                },
            }
        )
    columns = [
        Column("outlet", _("Outlet")),
        Column("reported", _("Reported"), numeric=True),
        Column("open", _("Open"), numeric=True),
        Column("major", _("Major"), numeric=True),
        Column("paid", _("Paid"), numeric=True),
    ]
    return Table("claims-by-outlet", _("Claims by outlet"), columns, table_rows)


def build(*, scope: Scope) -> Section:
    by_stage: dict[str, dict] = {}
    for row in shared.claim_counts(scope):
        counts = by_stage.setdefault(row["stage"], {"n": 0, "major": 0, "special": 0})
        for key in counts:
            counts[key] += row[key]
    total = sum(row["n"] for row in by_stage.values())
    major = sum(row["major"] for row in by_stage.values())
    special = sum(row["special"] for row in by_stage.values())
    open_cases = sum(
        row["n"] for stage, row in by_stage.items() if stage not in ClaimCase.FINAL_STAGES
    )
    stats = interval_stats(
        cohort(scope), intervals={name: (start, end) for name, start, end, _codes in CYCLES}
    ).get(None, {})
    targets = _targets(scope)
    breaches = _breaches(scope)
    breached_total = sum(breaches.values())

    figures = [
        Figure(_("Reported"), total, link=links.cases_url(scope)),
        Figure(_("Open"), open_cases, link=links.cases_url(scope)),
        Figure(
            _("Major cases"),
            major,
            link=links.cases_url(scope, major="true"),
            status="warn" if major else "",
        ),
        Figure(_("Special cases"), special, link=links.cases_url(scope)),
        Figure(
            _("Breached CLM/REG-1 deadlines"),
            breached_total,
            link=links.timers_url(scope, state=SlaTimer.State.BREACHED),
            status="bad" if breached_total else "ok",
        ),
    ]
    stage_rows = [
        {
            "stage": label,
            "count": by_stage.get(value, {}).get("n", 0),
            "major": by_stage.get(value, {}).get("major", 0),
            "_links": {
                "count": links.cases_url(scope, stage=value),
                "major": links.cases_url(scope, stage=value, major="true"),
            },
        }
        for value, label in ClaimCase.Stage.choices
    ]
    labels = _cycle_labels()
    cycle_rows = []
    for name, _start, _end, codes in CYCLES:
        cycle = stats.get(name, EMPTY)
        target_days = [targets[code] for code in codes if code in targets]
        main_target = target_days[0] if target_days else None
        p90 = cycle.days("p90")
        cycle_rows.append(
            {
                "cycle": labels[name],
                "count": cycle.count,
                "median": cycle.days("median"),
                "p90": p90,
                "target": " / ".join(f"{code} {targets[code]}" for code in codes if code in targets)
                or "—",
                "breached": sum(breaches.get(code, 0) for code in codes),
                "status": _status(p90, main_target),
                "_links": {
                    "breached": links.timers_url(
                        scope, state=SlaTimer.State.BREACHED, rule=codes[0] if codes else ""
                    ),
                },
            }
        )
    breach_rows = [
        {
            "rule": code,
            "breached": count,
            "_links": {
                "breached": links.timers_url(scope, state=SlaTimer.State.BREACHED, rule=code)
            },
        }
        for code, count in sorted(breaches.items())
    ]
    tables = [
        Table(
            "claims-by-stage",
            _("Cases by stage"),
            [
                Column("stage", _("Stage")),
                Column("count", _("Cases"), numeric=True),
                Column("major", _("Major"), numeric=True),
            ],
            stage_rows,
        ),
        Table(
            "claims-cycle-times",
            _("Cycle times (calendar days) against CLM-10"),
            [
                Column("cycle", _("Interval")),
                Column("count", _("Cases"), numeric=True),
                Column("median", _("Median (days)"), numeric=True),
                Column("p90", _("p90 (days)"), numeric=True),
                Column("target", _("Target (working days)")),
                Column("breached", _("Breached timers"), numeric=True),
            ],
            cycle_rows,
        ),
        Table(
            "claims-breaches",
            _("Breached deadlines by rule"),
            [Column("rule", _("Rule")), Column("breached", _("Breached"), numeric=True)],
            breach_rows,
        ),
    ]
    if not scope.is_outlet:
        tables.append(_outlet_table(scope))
    chart = Chart(
        id="claims-by-stage",
        title=_("Cases by stage"),
        kind="bar",
        categories=[row["stage"] for row in stage_rows],
        series=[Series(_("Cases"), [row["count"] for row in stage_rows])],
    )
    return Section(
        id="claims",
        title=_("Claims"),
        figures=figures,
        tables=tables,
        charts=[chart],
        note=_(
            "Cases reported in the period. Cycle times are calendar days; the targets are "
            "working days and the breached timers count them exactly."
        ),
    )
