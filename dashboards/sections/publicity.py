"""Public notices of group policies (PUB-1..PUB-5).

- the group policies of the unit's outlets applied for in the period, by the state of
  their latest underwriting notice: no notice yet, draft, posted, closed, withdrawn;
- now: posted notices whose PUB-4 period has ended but that are not closed (of which
  flagged to the county manager after PUB-4-close), and objections still open (PUB-5);
- objections raised in the period, and of those late.
One GROUP BY over the group policies with their latest notice's state (a correlated
subquery on the notice_source index), one over the open notices, one over objections.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import OrgUnit
from dashboards import links
from dashboards.sections.base import Chart, Column, Figure, Scope, Section, Series, Table
from publicity.models import Notice, Objection
from underwriting.models import Policy

N = Notice.State
NONE = "none"
STATES = [NONE, N.DRAFT, N.POSTED, N.CLOSED, N.WITHDRAWN]


def _label(state: str) -> str:
    return _("No notice") if state == NONE else str(N(state).label)


def _state_url(scope: Scope, state: str, outlet_pk: int | None = None) -> str:
    """The group policies of the cohort whose latest underwriting notice is in `state`
    (or without one), on the group policy list."""
    return links.group_applied_url(scope, unit_pk=outlet_pk, notice=state)


def _by_state(scope: Scope) -> dict[int, dict[str, int]]:
    latest = (
        Notice.objects.filter(
            kind=Notice.Kind.UNDERWRITING,
            source_type=ContentType.objects.get_for_model(Policy),
            source_id=OuterRef("pk"),
        )
        .order_by("-created_at", "-pk")
        .values("state")[:1]
    )
    rows = (
        Policy.objects.filter(
            kind=Policy.Kind.GROUP,
            org_unit_id__in=scope.unit_ids,
            application_date__gte=scope.period.start,
            application_date__lte=scope.period.end,
        )
        .exclude(status=Policy.Status.CANCELLED)
        .order_by()
        .annotate(notice_state=Subquery(latest))
        .values("org_unit_id", "notice_state")
        .annotate(n=Count("pk"))
    )
    result: dict[int, dict[str, int]] = {}
    for row in rows:
        per_outlet = result.setdefault(row["org_unit_id"], dict.fromkeys(STATES, 0))
        per_outlet[row["notice_state"] or NONE] += row["n"]
    return result


def build(*, scope: Scope) -> Section:
    now = timezone.now()
    by_outlet = _by_state(scope)
    totals = {state: sum(row[state] for row in by_outlet.values()) for state in STATES}
    open_notices = Notice.objects.filter(
        org_unit_id__in=scope.unit_ids, state=N.POSTED, ends_at__lte=now
    ).aggregate(ended=Count("pk"), flagged=Count("pk", filter=Q(overdue_flagged_at__isnull=False)))
    objections = Objection.objects.filter(notice__org_unit_id__in=scope.unit_ids).aggregate(
        open=Count("pk", filter=Q(state=Objection.State.OPEN)),
        raised=Count(
            "pk", filter=Q(raised_at__gte=scope.period.since, raised_at__lt=scope.period.until)
        ),
        late=Count(
            "pk",
            filter=Q(
                raised_at__gte=scope.period.since, raised_at__lt=scope.period.until, late=True
            ),
        ),
    )
    ended_url = links.notices_url(scope, ended="1")
    figures = [
        Figure(
            _("Group policies applied for"),
            sum(totals.values()),
            link=links.group_applied_url(scope),
        ),
        *[Figure(_label(state), totals[state], link=_state_url(scope, state)) for state in STATES],
        Figure(
            _("Period ended, not closed"),
            open_notices["ended"],
            link=ended_url,
            status="warn" if open_notices["ended"] else "ok",
        ),
        Figure(
            _("Left open past PUB-4-close"),
            open_notices["flagged"],
            link=ended_url,
            status="bad" if open_notices["flagged"] else "ok",
        ),
        Figure(
            _("Objections open"),
            objections["open"],
            link=links.objections_url(scope, state=Objection.State.OPEN),
            status="warn" if objections["open"] else "ok",
        ),
        Figure(
            _("Objections raised in the period"),
            objections["raised"],
            link=links.objections_url(scope, in_period=True),
        ),
        Figure(
            _("of which late"),
            objections["late"],
            link=links.objections_url(scope, in_period=True, late="1"),
        ),
    ]
    names = dict(OrgUnit.objects.filter(pk__in=by_outlet).values_list("pk", "name"))
    columns = [
        Column("outlet", _("Outlet")),
        Column("total", _("Group policies"), numeric=True),
        *[Column(state, _label(state), numeric=True) for state in STATES],
    ]
    rows = []
    ordered = sorted(by_outlet.items(), key=lambda item: names.get(item[0], ""))
    for outlet_id, counts in ordered:
        rows.append(
            {
                "outlet": names.get(outlet_id, str(outlet_id)),
                "total": sum(counts.values()),
                **counts,
                "_links": {
                    "outlet": links.group_applied_url(scope, unit_pk=outlet_id),
                    "total": links.group_applied_url(scope, unit_pk=outlet_id),
                    **{state: _state_url(scope, state, outlet_id) for state in STATES},
                },
            }
        )
    chart = Chart(
        id="publicity-by-outlet",
        title=_("Group policies by notice state"),
        kind="stacked",
        categories=[names.get(outlet_id, str(outlet_id)) for outlet_id, _c in ordered],
        series=[
            Series(_label(state), [counts[state] for _o, counts in ordered]) for state in STATES
        ],
    )
    return Section(
        id="publicity",
        title=_("Public notices"),
        figures=figures,
        tables=[Table("publicity-by-outlet", _("Notices by outlet"), columns, rows)],
        charts=[chart],
        note=_(
            "Group policies applied for in the period, by the state of their latest "
            "underwriting notice; notices past their period and open objections are "
            "counted now."
        ),
    )
