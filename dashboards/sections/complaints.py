"""Complaints received in the period and handled in the unit's subtree (CMP-1..CMP-8,
REG-2): the same cohort as the CMP-8 report of that unit and period (complaints.reports),
which the figures link to.

- Counts by channel and topic, and per outlet on a county page.
- First response (received → first response) and resolution (received → outcome told)
  in wall-clock hours, median and p90 per severity, beside the severity's rules
  (CMP-4-response-*, CMP-6-resolution-*, whose clocks are working hours or days) and
  the timers of those rules that breached: the timers are exact on the rule's clock.
- Escalations: the CMP-5 steps that fired and those acted on.
- Satisfaction: satisfied / (satisfied + unsatisfied) of the follow-up calls.
- REG-2 breaches: the regulator's bound (and its extensions) breached.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from complaints.models import Channel, Complaint, Escalation, Severity, Topic
from core.models import Clock, OrgUnit, SlaTimer, TimerRule
from dashboards import links
from dashboards.aggregates import EMPTY, interval_stats_sets
from dashboards.sections import shared
from dashboards.sections.base import Chart, Column, Figure, Scope, Section, Series, Table

INTERVALS = {
    "first_response": ("received_at", "first_response_at"),
    "resolution": ("received_at", "outcome_told_at"),
}
RULE_OF = {
    "first_response": "CMP-4-response-{severity}",
    "resolution": "CMP-6-resolution-{severity}",
}
SATISFACTION_TARGET = 80.0


def cohort(scope: Scope):
    return Complaint.objects.filter(
        org_unit_id__in=scope.unit_ids,
        received_at__gte=scope.period.since,
        received_at__lt=scope.period.until,
    ).order_by()


def _county_id(scope: Scope) -> int | None:
    return scope.unit.pk if scope.unit.kind == OrgUnit.Kind.COUNTY else scope.unit.parent_id


def _rules(scope: Scope) -> dict[str, TimerRule]:
    codes = [pattern.format(severity=s) for pattern in RULE_OF.values() for s in Severity.values]
    rules: dict[str, TimerRule] = {}
    rows = TimerRule.objects.filter(
        Q(county_id=_county_id(scope)) | Q(county__isnull=True), code__in=codes
    )
    for rule in sorted(rows, key=lambda r: r.county_id is not None):
        rules[rule.code] = rule  # the county's override comes last and wins
    return rules


def _rule_text(rule: TimerRule | None) -> str:
    if rule is None:
        return "—"
    hours = rule.duration.total_seconds() / 3600
    if rule.clock == Clock.WORKING_DAYS:
        amount = _("%(n)s working days") % {"n": rule.duration.days}
    elif rule.clock == Clock.WORKING_HOURS:
        amount = _("%(n)s working hours") % {"n": f"{hours:g}"}
    else:
        amount = _("%(n)s hours") % {"n": f"{hours:g}"}
    return f"{rule.code}: {amount}"


def _timers(scope: Scope) -> dict[str, dict[str, int]]:
    """Timers of the cohort's complaints by rule: breached and met."""
    rows = (
        SlaTimer.objects.filter(
            subject_type=ContentType.objects.get_for_model(Complaint),
            subject_id__in=cohort(scope).values("pk"),
        )
        .order_by()
        .values("rule__code")
        .annotate(
            breached=Count("pk", filter=Q(state=SlaTimer.State.BREACHED)),
            met=Count("pk", filter=Q(state=SlaTimer.State.MET)),
        )
    )
    return {row["rule__code"]: row for row in rows}


def _rate(satisfied: int, evaluated: int) -> float | None:
    return round(100 * satisfied / evaluated, 1) if evaluated else None


def _outlet_table(scope: Scope, report_url: str, stats: dict) -> Table:
    counts = shared.complaint_counts(scope)
    units = OrgUnit.objects.filter(pk__in=counts).order_by("code").values_list("pk", "code", "name")
    rows = [
        {"org_unit_id": pk, "code": code, "name": name, **counts[pk]} for pk, code, name in units
    ]
    table_rows = []
    for row in rows:
        unit_stats = stats.get(row["org_unit_id"], {})
        table_rows.append(
            {
                "unit": f"{row['code']} {row['name']}",
                "received": row["received"],
                "waiting": row["waiting"],
                "unresolved": row["unresolved"],
                "first_median": unit_stats.get("first_response", EMPTY).hours("median"),
                "resolution_median": unit_stats.get("resolution", EMPTY).hours("median"),
                "satisfaction": _rate(row["satisfied"], row["evaluated"]),
                "_links": {
                    "unit": links.outlet_url(row["org_unit_id"], scope.period.query)
                    if row["org_unit_id"] != scope.unit.pk
                    else report_url,
                    "received": links.complaint_report_url(scope, unit_pk=row["org_unit_id"]),
                },
            }
        )
    columns = [
        Column("unit", _("Unit")),
        Column("received", _("Received"), numeric=True),
        Column("waiting", _("Awaiting first response"), numeric=True),
        Column("unresolved", _("Outcome not told"), numeric=True),
        Column("first_median", _("First response, median (h)"), numeric=True),
        Column("resolution_median", _("Resolution, median (h)"), numeric=True),
        Column("satisfaction", _("Satisfied (%)"), numeric=True),
    ]
    return Table("complaints-by-unit", _("Complaints by unit"), columns, table_rows)


def build(*, scope: Scope) -> Section:
    complaints = cohort(scope)
    # Totals and counts by channel and topic from the rows the outlets table shares.
    by_kind = shared.complaint_rows(scope)
    totals = {key: sum(row[key] for row in by_kind) for key in shared.COMPLAINT_COUNTS}
    by_channel = {value: 0 for value in Channel.values}
    by_topic = {value: 0 for value in Topic.values}
    for row in by_kind:
        by_channel[row["channel"]] = by_channel.get(row["channel"], 0) + row["received"]
        by_topic[row["topic"]] = by_topic.get(row["topic"], 0) + row["received"]
    # By severity, over the whole cohort and by unit (county page) in one scan.
    groups = ["severity", None] + ([] if scope.is_outlet else ["org_unit_id"])
    stat_sets = interval_stats_sets(complaints, intervals=INTERVALS, group_bys=groups)
    stats = stat_sets["severity"]
    overall = stat_sets[None].get(None, {})
    rules = _rules(scope)
    timers = _timers(scope)
    steps = list(
        Escalation.objects.filter(complaint__in=complaints.values("pk"))
        .order_by("step")
        .values("step")
        .annotate(fired=Count("pk"), acted=Count("pk", filter=Q(acted_at__isnull=False)))
    )
    reg2 = sum(row["breached"] for code, row in timers.items() if code.startswith("REG-2"))
    satisfaction = _rate(totals["satisfied"], totals["evaluated"])
    report_url = links.complaint_report_url(scope)
    first = overall.get("first_response", EMPTY)
    resolution = overall.get("resolution", EMPTY)
    figures = [
        Figure(_("Received"), totals["received"], link=links.complaints_url(scope)),
        Figure(
            _("Awaiting first response"),
            totals["waiting"],
            link=links.complaints_url(scope, awaiting_response="1"),
            status="warn" if totals["waiting"] else "",
        ),
        Figure(_("First response, median"), first.hours("median"), unit="h", link=report_url),
        Figure(_("Resolution, median"), resolution.hours("median"), unit="h", link=report_url),
        Figure(
            _("Escalations (CMP-5)"),
            sum(row["fired"] for row in steps),
            link=links.complaints_url(scope, topic=Topic.CLAIMS),
            status="warn" if steps else "",
        ),
        Figure(
            _("Satisfied"),
            satisfaction,
            unit="%",
            link=links.complaints_url(scope, status=Complaint.Status.CLOSED),
            status=""
            if satisfaction is None
            else ("ok" if satisfaction >= SATISFACTION_TARGET else "bad"),
            target=f"{SATISFACTION_TARGET:g}%",
        ),
        Figure(
            _("REG-2 breaches"),
            reg2,
            link=links.timers_url(scope, state=SlaTimer.State.BREACHED, rule="REG-2"),
            status="bad" if reg2 else "ok",
        ),
    ]
    channel_rows = [
        {
            "channel": str(label),
            "count": by_channel.get(value, 0),
            "_links": {"count": links.complaints_url(scope, channel=value)},
        }
        for value, label in Channel.choices
    ]
    topic_rows = [
        {
            "topic": str(label),
            "count": by_topic.get(value, 0),
            "_links": {"count": links.complaints_url(scope, topic=value)},
        }
        for value, label in Topic.choices
    ]
    time_rows = []
    for value, label in Severity.choices:
        row_stats = stats.get(value, {})
        row = {"severity": str(label), "_links": {}}
        for name, pattern in RULE_OF.items():
            code = pattern.format(severity=value)
            interval = row_stats.get(name, EMPTY)
            row[f"{name}_n"] = interval.count
            row[f"{name}_median"] = interval.hours("median")
            row[f"{name}_p90"] = interval.hours("p90")
            row[f"{name}_rule"] = _rule_text(rules.get(code))
            row[f"{name}_breached"] = timers.get(code, {}).get("breached", 0)
            row["_links"][f"{name}_breached"] = links.timers_url(
                scope, state=SlaTimer.State.BREACHED, rule=code
            )
        time_rows.append(row)
    time_columns = [Column("severity", _("Severity"))]
    for name, label in (("first_response", _("First response")), ("resolution", _("Resolution"))):
        time_columns += [
            Column(f"{name}_n", f"{label}: " + _("count"), numeric=True),
            Column(f"{name}_median", f"{label}: " + _("median (h)"), numeric=True),
            Column(f"{name}_p90", f"{label}: " + _("p90 (h)"), numeric=True),
            Column(f"{name}_rule", f"{label}: " + _("rule")),
            Column(f"{name}_breached", f"{label}: " + _("breached"), numeric=True),
        ]
    step_rows = [
        {
            "step": row["step"],
            "fired": row["fired"],
            "acted": row["acted"],
            "_links": {"fired": links.timers_url(scope, rule=f"CMP-5-{row['step']}")},
        }
        for row in steps
    ]
    tables = [
        Table(
            "complaints-by-channel",
            _("Complaints by channel"),
            [Column("channel", _("Channel")), Column("count", _("Received"), numeric=True)],
            channel_rows,
        ),
        Table(
            "complaints-by-topic",
            _("Complaints by topic"),
            [Column("topic", _("Topic")), Column("count", _("Received"), numeric=True)],
            topic_rows,
        ),
        Table("complaints-times", _("Response and resolution times"), time_columns, time_rows),
        Table(
            "complaints-escalations",
            _("Escalation steps (CMP-5)"),
            [
                Column("step", _("Step"), numeric=True),
                Column("fired", _("Escalated"), numeric=True),
                Column("acted", _("Acted on"), numeric=True),
            ],
            step_rows,
        ),
    ]
    if not scope.is_outlet:
        tables.append(_outlet_table(scope, report_url, stat_sets["org_unit_id"]))
    chart = Chart(
        id="complaints-by-topic",
        title=_("Complaints by topic"),
        kind="bar",
        categories=[row["topic"] for row in topic_rows],
        series=[Series(_("Received"), [row["count"] for row in topic_rows])],
    )
    return Section(
        id="complaints",
        title=_("Complaints"),
        figures=figures,
        tables=tables,
        charts=[chart],
        note=_(
            "Complaints received in the period and handled in this unit's branch; times "
            "are wall-clock hours, the rules' own clocks are counted by their timers."
        ),
    )
