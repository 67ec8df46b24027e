"""Outlet compliance (OUT-16): the monthly scores of the unit's outlets for the month the
period ends in, with their component breakdown (points of each of the seven components,
outlets.services.compliance), and the open findings now by standard and age, overdue
ones (past their due date, their OUT-16 timer breached or running late).

Scores are the rows the nightly beat computes (ComplianceScore), read as they are; an
outlet without a score for the month shows empty cells. Three queries: scores of the
month, open findings grouped by standard and age, average score per month of the period.
"""

import datetime as dt
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Avg, Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import OrgUnit
from dashboards import links
from dashboards.sections.base import Chart, Column, Figure, Scope, Section, Series, Table
from outlets.models import ComplianceScore, Finding
from outlets.services.compliance import COMPONENT_LABELS, WEIGHTS

# Ages of open findings, in days since they were raised.
AGES = [("age_30", 0, 30), ("age_90", 31, 90), ("age_older", 91, None)]
# Below this score an outlet needs attention.
ATTENTION = Decimal("60")


def _url(name: str, *args, **params) -> str:
    query = urlencode({key: value for key, value in params.items() if value not in ("", None)})
    base = reverse(name, args=args)
    return f"{base}?{query}" if query else base


def _rule(standard: str) -> str:
    """ "OUT-6-nameplate" → "OUT-6": findings grouped by the rule of their standard."""
    parts = standard.split("-")
    return "-".join(parts[:2]) if len(parts) >= 2 and parts[1].isdigit() else standard


def _points(score: ComplianceScore) -> dict[str, Decimal | None]:
    points = {}
    for item in score.breakdown.get("components", []):
        value = item.get("points")
        points[item["code"]] = None if value is None else Decimal(value)
    return points


def _findings(scope: Scope, today: dt.date) -> list[dict]:
    open_findings = Finding.objects.filter(
        outlet_id__in=scope.unit_ids, state=Finding.State.OPEN
    ).order_by()
    aggregates = {"open": Count("pk"), "overdue": Count("pk", filter=Q(due_on__lt=today))}
    now = timezone.now()
    for key, low, high in AGES:
        since = now - dt.timedelta(days=low)
        condition = Q(raised_at__lte=since)
        if high is not None:
            condition &= Q(raised_at__gt=now - dt.timedelta(days=high + 1))
        aggregates[key] = Count("pk", filter=condition)
    return list(open_findings.values("standard").annotate(**aggregates))


def build(*, scope: Scope) -> Section:
    today = timezone.localdate()
    month = scope.period.end.replace(day=1)
    scores = list(
        ComplianceScore.objects.filter(outlet_id__in=scope.unit_ids, month=month).select_related(
            "outlet"
        )
    )
    finding_rows = _findings(scope, today)
    by_rule: dict[str, dict] = {}
    for row in finding_rows:
        target = by_rule.setdefault(
            _rule(row["standard"]), {"open": 0, "overdue": 0, **{key: 0 for key, *_r in AGES}}
        )
        for key in target:
            target[key] += row[key]
    open_total = sum(row["open"] for row in by_rule.values())
    overdue_total = sum(row["overdue"] for row in by_rule.values())
    overview_url = _url("outlets:compliance_overview", month=month.strftime("%Y-%m"))
    findings_url = links.findings_url(scope, state=Finding.State.OPEN)
    overdue_url = links.findings_url(scope, state=Finding.State.OPEN, overdue="on")
    average = (
        (sum(score.score for score in scores) / len(scores)).quantize(Decimal("0.1"))
        if scores
        else None
    )
    lowest = min(scores, key=lambda score: score.score, default=None)
    below = sum(1 for score in scores if score.score < ATTENTION)
    score_link = _url("outlets:compliance", scope.unit.pk) if scope.is_outlet else overview_url
    figures = [
        Figure(
            _("Average score of %(month)s") % {"month": month.strftime("%Y-%m")},
            average,
            link=score_link,
            status="" if average is None else ("ok" if average >= ATTENTION else "bad"),
            target=f"≥ {ATTENTION}",
        ),
        Figure(
            _("Lowest score"),
            lowest.score if lowest else None,
            link=_url("outlets:compliance", lowest.outlet_id) if lowest else score_link,
            status="" if lowest is None else ("ok" if lowest.score >= ATTENTION else "bad"),
        ),
        Figure(
            _("Outlets below %(score)s") % {"score": ATTENTION},
            below,
            link=score_link,
            status="bad" if below else "ok",
        ),
        Figure(_("Outlets without a score"), _unscored(scope, scores), link=score_link),
        Figure(_("Open findings"), open_total, link=findings_url),
        Figure(
            _("Overdue findings (OUT-16)"),
            overdue_total,
            link=overdue_url,
            status="bad" if overdue_total else "ok",
        ),
    ]
    components = list(WEIGHTS)
    score_columns = [
        Column("outlet", _("Outlet")),
        Column("score", _("Score"), numeric=True),
        *[
            Column(code, f"{COMPONENT_LABELS[code][1]} ({WEIGHTS[code]})", numeric=True)
            for code in components
        ],
        Column("open_findings", _("Open findings"), numeric=True),
    ]
    score_rows = []
    for score in sorted(scores, key=lambda score: score.score):
        detail = _url("outlets:compliance", score.outlet_id)
        row = {
            "outlet": score.outlet.name,
            "score": score.score,
            **{code: _points(score).get(code) for code in components},
            "open_findings": score.open_findings,
        }
        row["_links"] = {key: detail for key in row}
        row["_links"]["open_findings"] = links.findings_url(
            scope, outlet_pk=score.outlet_id, state=Finding.State.OPEN
        )
        score_rows.append(row)
    finding_columns = [
        Column("rule", _("Standard")),
        Column("open", _("Open"), numeric=True),
        Column("overdue", _("Overdue"), numeric=True),
        Column("age_30", _("Up to 30 days"), numeric=True),
        Column("age_90", _("31–90 days"), numeric=True),
        Column("age_older", _("Over 90 days"), numeric=True),
    ]
    finding_table = [
        {
            "rule": rule,
            **counts,
            "_links": {
                **{key: findings_url for key in ("rule", "open", "age_30", "age_90", "age_older")},
                "overdue": overdue_url,
            },
        }
        for rule, counts in sorted(by_rule.items())
    ]
    return Section(
        id="compliance",
        title=_("Outlet compliance"),
        figures=figures,
        tables=[
            Table("compliance-scores", _("Scores and their components"), score_columns, score_rows),
            Table(
                "compliance-findings",
                _("Open findings by standard and age"),
                finding_columns,
                finding_table,
            ),
        ],
        charts=[_chart(scope)],
        note=_(
            "Scores of the month the period ends in (points per component, weights in "
            "brackets); findings open now, overdue when past their due date."
        ),
    )


def _unscored(scope: Scope, scores: list[ComplianceScore]) -> int:
    outlets = OrgUnit.objects.filter(
        pk__in=scope.unit_ids, kind=OrgUnit.Kind.OUTLET, is_active=True
    ).count()
    return max(outlets - len(scores), 0)


def _chart(scope: Scope) -> Chart:
    first = scope.period.start.replace(day=1)
    rows = list(
        ComplianceScore.objects.filter(
            outlet_id__in=scope.unit_ids, month__gte=first, month__lte=scope.period.end
        )
        .order_by()
        .values("month")
        .annotate(average=Avg("score"))
        .order_by("month")
    )
    return Chart(
        id="compliance-by-month",
        title=_("Average compliance score by month"),
        kind="line",
        categories=[row["month"].strftime("%Y-%m") for row in rows],
        series=[
            Series(
                _("Average score"),
                [Decimal(row["average"]).quantize(Decimal("0.1")) for row in rows],
            )
        ],
    )
