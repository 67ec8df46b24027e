"""The counter queue of the unit's outlets over the period (OUT-12, OUT-15).

- tickets issued (by their day) and served (done), customers who left;
- waits from issue to call, median and 90th percentile, over the called tickets;
- OUT-12 breaches (tickets that waited over the 30-minute limit), of which the customer
  was told in advance and not;
- satisfaction (OUT-15): satisfied evaluations / evaluations rated in the period,
  against the county's target (OutletSettings, 80% by default).
Everything comes from the queue's rows by outlet and day (dashboards.summaries.queue_days:
the daily summary up to its last refresh, the tickets live after), waits from their
histograms (to 6 seconds), plus the target's settings row.
"""

from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from core.models import OrgUnit
from dashboards import summaries
from dashboards.aggregates import histogram_stats
from dashboards.models import QueueDay
from dashboards.sections.base import Chart, Column, Figure, Scope, Section, Series, Table
from outlets.selectors_queue import satisfaction_target_for

COUNTS = ("issued", "served", "left", "breached", "told", "evaluations", "satisfied")
# Up to this many days the chart has a bar per day, beyond it one per month.
DAILY_CHART_DAYS = 62


def _stats_url(scope: Scope, outlet_pk: int) -> str:
    """The outlet's waits and satisfaction page (outlets.views.queue.queue_stats) over
    the period: breaches per day, the satisfaction rate and the latest evaluations."""
    query = urlencode({"start": scope.period.start, "end": scope.period.end})
    return f"{reverse('outlets:queue_stats', args=[outlet_pk])}?{query}"


def _link(scope: Scope) -> str:
    """An outlet's figures open its queue stats; a county's lead to the per-outlet table
    (there is no county-wide ticket list to filter)."""
    return _stats_url(scope, scope.unit.pk) if scope.is_outlet else "#queue-by-outlet"


def _rate(satisfied: int, evaluations: int) -> Decimal | None:
    if not evaluations:
        return None
    share = Decimal(satisfied) * 100 / Decimal(evaluations)
    return share.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _minutes(stats, which: str) -> float | None:
    value = getattr(stats, which)
    return None if value is None else round(value.total_seconds() / 60, 1)


def _daily(scope: Scope) -> bool:
    return (scope.period.end - scope.period.start).days < DAILY_CHART_DAYS


def _days(scope: Scope) -> list[dict]:
    # A chart by month reads the summary's month rows where it can.
    return summaries.queue_days(
        unit_ids=scope.unit_ids, period=scope.period, months=not _daily(scope)
    )


def _add_waits(into: dict[int, int], waits: dict) -> None:
    for bucket, n in waits.items():
        bucket = int(bucket)
        into[bucket] = into.get(bucket, 0) + n


def _wait_stats(histogram: dict[int, int]):
    return histogram_stats(histogram, width_seconds=QueueDay.WAIT_BUCKET_SECONDS)


def _per_outlet(days: list[dict]) -> tuple[dict[int, dict], dict[int, int]]:
    """({outlet id: counts and wait stats}, the histogram of the whole unit's waits)."""
    rows: dict[int, dict] = {}
    histograms: dict[int, dict[int, int]] = {}
    for day in days:
        row = rows.setdefault(day["outlet_id"], dict.fromkeys(COUNTS, 0))
        for key in COUNTS:
            row[key] += day[key]
        _add_waits(histograms.setdefault(day["outlet_id"], {}), day["waits"])
    whole: dict[int, int] = {}
    for outlet_id, row in rows.items():
        row["wait"] = _wait_stats(histograms[outlet_id])
        _add_waits(whole, histograms[outlet_id])
    return rows, whole


def _chart(scope: Scope, days: list[dict]) -> Chart:
    daily = _daily(scope)
    bars: dict = {}
    for day in days:
        if not day["issued"]:
            continue  # evaluations only: no tickets that day
        key = day["day"] if daily else day["day"].replace(day=1)
        issued, breached = bars.get(key, (0, 0))
        bars[key] = (issued + day["issued"], breached + day["breached"])
    keys = sorted(bars)
    label = "%m-%d" if daily else "%Y-%m"
    return Chart(
        id="queue-by-day" if daily else "queue-by-month",
        title=_("Tickets and waits over 30 minutes by day")
        if daily
        else _("Tickets and waits over 30 minutes by month"),
        kind="bar",
        categories=[key.strftime(label) for key in keys],
        series=[
            Series(_("Tickets"), [bars[key][0] for key in keys]),
            Series(_("Waits over 30 minutes"), [bars[key][1] for key in keys]),
        ],
    )


def build(*, scope: Scope) -> Section:
    days = _days(scope)
    per_outlet, histogram = _per_outlet(days)
    whole = _wait_stats(histogram)
    totals = {
        key: sum(row[key] for row in per_outlet.values())
        for key in ("issued", "served", "left", "breached", "told", "evaluations", "satisfied")
    }
    target = satisfaction_target_for(outlet=scope.unit)
    target_percent = (target * 100).quantize(Decimal("0.1"))
    rate = _rate(totals["satisfied"], totals["evaluations"])
    link = _link(scope)
    untold = totals["breached"] - totals["told"]
    figures = [
        Figure(_("Tickets issued"), totals["issued"], link=link),
        Figure(_("Customers served"), totals["served"], link=link),
        Figure(_("Wait, median"), _minutes(whole, "median"), unit=_("min"), link=link),
        Figure(
            _("Wait, 90th percentile"),
            _minutes(whole, "p90"),
            unit=_("min"),
            link=link,
            status="" if whole.p90 is None else ("ok" if _minutes(whole, "p90") <= 30 else "warn"),
            target="30 " + _("min"),
        ),
        Figure(
            _("Waits over 30 minutes (OUT-12)"),
            totals["breached"],
            link=link,
            status="bad" if totals["breached"] else "ok",
        ),
        Figure(_("of which told in advance"), totals["told"], link=link),
        Figure(_("of which not told"), untold, link=link, status="bad" if untold else "ok"),
        Figure(
            _("Satisfaction (OUT-15)"),
            rate,
            unit="%",
            link=link,
            status="" if rate is None else ("ok" if rate >= target_percent else "bad"),
            target=f"{target_percent}%",
        ),
    ]
    names = dict(OrgUnit.objects.filter(pk__in=per_outlet).values_list("pk", "name"))
    columns = [
        Column("outlet", _("Outlet")),
        Column("issued", _("Tickets"), numeric=True),
        Column("served", _("Served"), numeric=True),
        Column("left", _("Left"), numeric=True),
        Column("wait_median", _("Wait, median (min)"), numeric=True),
        Column("wait_p90", _("Wait, p90 (min)"), numeric=True),
        Column("breached", _("Over 30 min"), numeric=True),
        Column("told", _("Told"), numeric=True),
        Column("untold", _("Not told"), numeric=True),
        Column("evaluations", _("Evaluations"), numeric=True),
        Column("rate", _("Satisfied (%)"), numeric=True),
    ]
    rows = []
    for outlet_id, row in sorted(per_outlet.items(), key=lambda item: names.get(item[0], "")):
        url = _stats_url(scope, outlet_id)
        values = {
            "outlet": names.get(outlet_id, str(outlet_id)),
            "issued": row["issued"],
            "served": row["served"],
            "left": row["left"],
            "wait_median": _minutes(row["wait"], "median"),
            "wait_p90": _minutes(row["wait"], "p90"),
            "breached": row["breached"],
            "told": row["told"],
            "untold": row["breached"] - row["told"],
            "evaluations": row["evaluations"],
            "rate": _rate(row["satisfied"], row["evaluations"]),
        }
        values["_links"] = {key: url for key in values}
        rows.append(values)
    return Section(
        id="queue",
        title=_("Counter queue"),
        figures=figures,
        tables=[Table("queue-by-outlet", _("Queue by outlet"), columns, rows)],
        charts=[_chart(scope, days)],
        note=_(
            "Tickets by the day they were issued; waits from issue to call; satisfaction "
            "from the evaluations rated in the period against the target %(target)s%%."
        )
        % {"target": target_percent},
    )
