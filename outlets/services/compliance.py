"""OUT-16: the compliance score of an outlet and the findings the system checks raise.

The score (0–100) is a weighted mean of seven components, each a share between 0 and 1:

| component    | rule         | weight | value                                                  |
|--------------|--------------|-------:|--------------------------------------------------------|
| standards    | OUT-3..OUT-9 |     30 | met / (met + not met) in the latest completed          |
|              |              |        | inspection (0 when the outlet was never inspected)     |
| staffing     | OUT-10       |     15 | staff / minimum staff of the premium band, at most 1   |
| hours        | OUT-11       |     10 | share of the company's normal hours (Mon–Fri) that the |
|              |              |        | published hours cover                                  |
| duty         | OUT-11       |      5 | promised holidays of the month with someone on duty    |
| waits        | OUT-12       |     15 | tickets of the month served within 30 minutes          |
| satisfaction | OUT-15       |     15 | satisfaction rate / target, at most 1                  |
| findings     | OUT-16       |     10 | 1 − 0.1 per open finding − 0.25 per overdue one, ≥ 0   |

A component without data in the month (no holiday promised, no ticket, no evaluation)
is left out and the weights of the others are scaled up, so that a quiet outlet is
neither rewarded nor punished for it. Missing inspections are not "no data": an outlet
that was never inspected scores 0 on standards.

A month's score is computed as of the end of the month, or as of now for the current
month; the beat task recomputes the current and the previous month, so the previous
month settles on the first days of the next.
"""

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import clocks
from core.audit import save_with_reason
from core.models import OrgUnit, Role, User
from core.notifications import notify_staff, responsible_managers
from core.timers import timer_meet, timer_start
from outlets.models import (
    ComplianceScore,
    Evaluation,
    Finding,
    HolidayService,
    Inspection,
    InspectionResult,
    QueueTicket,
)
from outlets.selectors import outlet_settings_for, profile_for
from outlets.selectors_compliance import (
    hours_coverage,
    staffing_status,
    start_of_day,
)

logger = logging.getLogger(__name__)

WEIGHTS = {
    "standards": 30,
    "staffing": 15,
    "hours": 10,
    "duty": 5,
    "waits": 15,
    "satisfaction": 15,
    "findings": 10,
}
COMPONENT_LABELS = {
    "standards": (gettext_lazy("Site, signage, interior and equipment standards"), "OUT-3..OUT-9"),
    "staffing": (gettext_lazy("Minimum staff"), "OUT-10"),
    "hours": (gettext_lazy("Published business hours"), "OUT-11"),
    "duty": (gettext_lazy("Holiday duty roster"), "OUT-11"),
    "waits": (gettext_lazy("Counter waits within 30 minutes"), "OUT-12"),
    "satisfaction": (gettext_lazy("Customer satisfaction"), "OUT-15"),
    "findings": (gettext_lazy("Open and overdue findings"), "OUT-16"),
}
OPEN_FINDING_PENALTY = Decimal("0.10")
OVERDUE_FINDING_PENALTY = Decimal("0.25")
SHARE = Decimal("0.0001")
CENT = Decimal("0.01")


# --- Findings raised by the system checks ---------------------------------------------------
def finding_owner(*, outlet: OrgUnit) -> User | None:
    """Who corrects a system finding: the head named in the registry, else the outlet's
    head account, else the managers above (core.notifications.responsible_managers)."""
    profile = profile_for(outlet=outlet)
    if profile is not None and profile.head_user_id and profile.head_user.is_active:
        return profile.head_user
    heads = User.objects.filter(is_active=True, role=Role.OUTLET_HEAD, org_unit=outlet)
    return heads.order_by("pk").first() or next(iter(responsible_managers(outlet)), None)


def system_finding_raise(
    *,
    outlet: OrgUnit,
    source: str,
    standard: str,
    description: str,
    corrective_action: str,
    due_on: dt.date,
) -> Finding | None:
    """OUT-16: open the system finding `standard` of the outlet, or return the one that
    is open already (one open system finding per standard, a database constraint). Its
    due date runs as an OUT-16 timer; the outlet's managers are told. None when the
    outlet has nobody to own it (no head and no manager above).

    Runs in the caller's transaction (the sweep's when a timer raised it)."""
    open_finding = (
        Finding.objects.select_for_update()
        .filter(outlet=outlet, standard=standard, state=Finding.State.OPEN)
        .first()
    )
    if open_finding is not None:
        return open_finding
    owner = finding_owner(outlet=outlet)
    if owner is None:
        logger.warning("no owner for finding %s of outlet %s", standard, outlet.pk)
        return None
    try:
        with transaction.atomic():
            finding = Finding(
                outlet=outlet,
                source=source,
                standard=standard,
                description=description,
                corrective_action=corrective_action,
                owner=owner,
                due_on=due_on,
            )
            save_with_reason(finding, by=None, reason=_("Raised by the system check."))
    except IntegrityError:
        # A concurrent check raised it first.
        return Finding.objects.get(outlet=outlet, standard=standard, state=Finding.State.OPEN)
    finding.timer = timer_start(
        subject=finding,
        rule_code="OUT-16",
        org_unit=outlet,
        owner=owner,
        anchor=clocks.end_of_day(due_on),
    )
    finding.save(update_fields=["timer"])
    notify_staff(
        org_unit=outlet,
        recipients=_recipients(outlet, owner),
        subject=_("Compliance finding at %(outlet)s") % {"outlet": outlet.name},
        body=f"{description}\n{corrective_action}",
        dedup_key=f"outlet-finding:{finding.pk}:raised",
        link=reverse("outlets:compliance", args=[outlet.pk]),
    )
    return finding


def _recipients(outlet: OrgUnit, owner: User) -> list[User]:
    people = {user.pk: user for user in responsible_managers(outlet)}
    people.setdefault(owner.pk, owner)
    return list(people.values())


def system_finding_close(*, outlet: OrgUnit, standard: str, note: str, by=None) -> Finding | None:
    """Close the open system finding `standard` when its check passes again; its OUT-16
    timer ends as met. Locks the finding row; None when none is open."""
    finding = (
        Finding.objects.select_for_update()
        .filter(outlet=outlet, standard=standard, state=Finding.State.OPEN)
        .exclude(source__in=[Finding.Source.INSPECTION, Finding.Source.MANUAL])
        .first()
    )
    if finding is None:
        return None
    finding.state = Finding.State.CLOSED
    finding.closed_at = timezone.now()
    finding.closed_by = by
    finding.closing_note = note
    save_with_reason(finding, by=by, reason=note)
    if finding.timer_id:
        # Idempotent: a timer already breached as overdue keeps its breach.
        timer_meet(timer=finding.timer, by=by, detail=note)
    return finding


# --- The score ---------------------------------------------------------------------------------
def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def previous_month(month: dt.date) -> dt.date:
    return (month.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


@dataclass(frozen=True)
class Component:
    code: str
    value: Decimal | None
    detail: dict

    @property
    def weight(self) -> int:
        return WEIGHTS[self.code]


def _share(part, whole) -> Decimal:
    return (Decimal(part) / Decimal(whole)).quantize(SHARE, ROUND_HALF_UP)


def _standards(outlet: OrgUnit, as_of: dt.datetime) -> Component:
    inspection = (
        Inspection.objects.filter(
            outlet=outlet, state=Inspection.State.COMPLETED, completed_at__lte=as_of
        )
        .order_by("-completed_at", "-pk")
        .first()
    )
    if inspection is None:
        return Component("standards", Decimal(0), {"inspection": None})
    counts = inspection.results.aggregate(
        met=Count("pk", filter=Q(result=InspectionResult.Result.MET)),
        not_met=Count("pk", filter=Q(result=InspectionResult.Result.NOT_MET)),
        na=Count("pk", filter=Q(result=InspectionResult.Result.NOT_APPLICABLE)),
    )
    judged = counts["met"] + counts["not_met"]
    value = _share(counts["met"], judged) if judged else Decimal(1)
    detail = {"inspection": inspection.pk, "inspected_on": inspection.inspected_on.isoformat()}
    return Component("standards", value, detail | counts)


def _staffing(outlet: OrgUnit, as_of: dt.datetime) -> Component:
    status = staffing_status(outlet=outlet, on=timezone.localtime(as_of).date())
    value = min(_share(status.staff, status.minimum), Decimal(1)) if status.minimum else Decimal(1)
    detail = {
        "staff": status.staff,
        "minimum": status.minimum,
        "premium": str(status.premium.amount),
        "premium_source": status.premium.source,
    }
    return Component("staffing", value, detail)


def _hours(outlet: OrgUnit) -> Component:
    coverage = hours_coverage(outlet=outlet)
    detail = {
        "covers": coverage.covers,
        "missing_minutes": coverage.missing_minutes,
        "weekdays_short": sorted(coverage.gaps),
    }
    return Component("hours", coverage.share.quantize(SHARE, ROUND_HALF_UP), detail)


def _duty(outlet: OrgUnit, month: dt.date, as_of: dt.datetime) -> Component:
    services = HolidayService.objects.filter(
        outlet=outlet, day__gte=month, day__lte=timezone.localtime(as_of).date()
    ).annotate(on_duty=Count("duty"))
    promised = len(services)
    staffed = sum(1 for service in services if service.on_duty)
    value = _share(staffed, promised) if promised else None
    return Component("duty", value, {"promised": promised, "staffed": staffed})


def _waits(outlet: OrgUnit, month: dt.date, as_of: dt.datetime) -> Component:
    tickets = QueueTicket.objects.filter(
        outlet=outlet, day__gte=month, day__lte=timezone.localtime(as_of).date()
    )
    # A ticket still waiting within its 30 minutes has no outcome yet.
    counts = tickets.exclude(state=QueueTicket.State.WAITING, wait_breached=False).aggregate(
        total=Count("pk"), breached=Count("pk", filter=Q(wait_breached=True))
    )
    total, breached = counts["total"], counts["breached"]
    value = _share(total - breached, total) if total else None
    return Component("waits", value, {"tickets": total, "breached": breached})


def _satisfaction(outlet: OrgUnit, month: dt.date, as_of: dt.datetime) -> Component:
    since = start_of_day(month)
    counts = Evaluation.objects.filter(
        outlet=outlet, rated_at__gte=since, rated_at__lte=as_of
    ).aggregate(
        total=Count("pk"),
        satisfied=Count("pk", filter=Q(rating__gte=Evaluation.SATISFIED_FROM)),
    )
    target = satisfaction_target(outlet=outlet)
    detail = {**counts, "target": str(target)}
    if not counts["total"]:
        return Component("satisfaction", None, detail)
    rate = _share(counts["satisfied"], counts["total"])
    detail["rate"] = str(rate)
    value = min(_share(rate, target), Decimal(1)) if target else Decimal(1)
    return Component("satisfaction", value, detail)


def satisfaction_target(*, outlet: OrgUnit) -> Decimal:
    """OUT-15: the county's target, else the default (80%)."""
    return outlet_settings_for(outlet=outlet).satisfaction_target


def _findings(outlet: OrgUnit, as_of: dt.datetime) -> Component:
    counts = (
        Finding.objects.filter(outlet=outlet, raised_at__lte=as_of)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gt=as_of))
        .aggregate(
            open=Count("pk"),
            overdue=Count("pk", filter=Q(due_on__lt=timezone.localtime(as_of).date())),
        )
    )
    penalty = (counts["open"] - counts["overdue"]) * OPEN_FINDING_PENALTY + counts[
        "overdue"
    ] * OVERDUE_FINDING_PENALTY
    return Component("findings", max(Decimal(1) - penalty, Decimal(0)), counts)


def compliance_components(*, outlet: OrgUnit, month: dt.date, as_of: dt.datetime) -> list:
    return [
        _standards(outlet, as_of),
        _staffing(outlet, as_of),
        _hours(outlet),
        _duty(outlet, month, as_of),
        _waits(outlet, month, as_of),
        _satisfaction(outlet, month, as_of),
        _findings(outlet, as_of),
    ]


def score_of(components: list[Component]) -> Decimal:
    """The weighted mean of the components that have data, on 0–100."""
    counted = [c for c in components if c.value is not None]
    weight = sum(c.weight for c in counted)
    if not weight:
        return Decimal("0.00")
    points = sum(c.value * c.weight for c in counted)
    return (points * 100 / weight).quantize(CENT, ROUND_HALF_UP)


def compliance_compute(
    *, outlet: OrgUnit, month: dt.date, now: dt.datetime | None = None
) -> ComplianceScore:
    """OUT-16: compute and store the outlet's score of `month` (its first day) with the
    breakdown. A past month is computed as of its end, the current one as of now.
    Locks the outlet's score row of that month (update_or_create)."""
    now = now or timezone.now()
    month = month_start(month)
    as_of = min(now, start_of_day(next_month(month)) - dt.timedelta(microseconds=1))
    components = compliance_components(outlet=outlet, month=month, as_of=as_of)
    breakdown = {
        "as_of": as_of.isoformat(),
        "components": [
            {
                "code": c.code,
                "rule": COMPONENT_LABELS[c.code][1],
                "weight": c.weight,
                "value": None if c.value is None else str(c.value),
                "points": None if c.value is None else str((c.value * c.weight).quantize(CENT)),
                "detail": c.detail,
            }
            for c in components
        ],
        "weight_counted": sum(c.weight for c in components if c.value is not None),
    }
    open_findings = Finding.objects.filter(outlet=outlet, state=Finding.State.OPEN).count()
    with transaction.atomic():
        score, _created = ComplianceScore.objects.update_or_create(
            outlet=outlet,
            month=month,
            defaults={
                "score": score_of(components),
                "breakdown": breakdown,
                "open_findings": open_findings,
                "computed_at": now,
            },
        )
    return score


def compliance_recompute_all(*, now: dt.datetime | None = None) -> int:
    """The beat task's run: every active outlet's score of the current month and of the
    previous one (which settles on the first days of a month). Returns the rows written."""
    now = now or timezone.now()
    current = month_start(timezone.localtime(now).date())
    written = 0
    outlets = OrgUnit.objects.filter(kind=OrgUnit.Kind.OUTLET, is_active=True)
    for outlet in outlets.order_by("path"):
        for month in (previous_month(current), current):
            compliance_compute(outlet=outlet, month=month, now=now)
            written += 1
    return written


# --- Who sees the scores, and how they read ---------------------------------------------------
SCORE_ROLES = {Role.OUTLET_HEAD, Role.COUNTY_MANAGER, Role.CLAIMS_CENTRE, Role.AUDITOR}


def may_see_scores(user: User) -> bool:
    """OUT-16: the score is for the outlet head and the managers above (and auditors);
    clerks do not see it. Scope (which outlets) is checked by the caller's lookup."""
    return user.is_superuser or user.role in SCORE_ROLES


def check_may_see_scores(user: User) -> None:
    if not may_see_scores(user):
        raise PermissionDenied(_("The compliance score is for outlet heads and managers."))


@dataclass(frozen=True)
class ScoreRow:
    code: str
    label: str
    rule: str
    weight: int
    percent: Decimal | None
    points: Decimal | None
    detail: dict


def score_rows(score: ComplianceScore) -> list[ScoreRow]:
    """The stored breakdown with its labels, for pages and the API."""
    rows = []
    for item in score.breakdown.get("components", []):
        label, rule = COMPONENT_LABELS.get(item["code"], (item["code"], item.get("rule", "")))
        value = None if item["value"] is None else Decimal(item["value"])
        rows.append(
            ScoreRow(
                code=item["code"],
                label=str(label),
                rule=rule,
                weight=item["weight"],
                percent=None if value is None else (value * 100).quantize(Decimal("0.1")),
                points=None if item["points"] is None else Decimal(item["points"]),
                detail=item.get("detail", {}),
            )
        )
    return rows
