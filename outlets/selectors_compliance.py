"""Read side of staffing, hours, duty roster and the compliance score (OUT-10, OUT-11,
OUT-16). Every read that starts from a user goes through core.access (OUT-1); the
plain calculations (premium, minimum staff, hours coverage) take an outlet the caller
has already reached in scope.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from core import clocks
from core.access import get_in_scope, in_scope
from core.models import OrgUnit, User
from outlets.models import (
    BusinessHours,
    ComplianceScore,
    DutyAssignment,
    Finding,
    HolidayService,
    StaffingBand,
    StaffMember,
)
from outlets.selectors import outlet_list, profile_for
from underwriting.models import Policy

# OUT-10: the annual premium is that of the last twelve months of issued policies.
PREMIUM_MONTHS = 12


# --- Staffing (OUT-10) ---------------------------------------------------------------------
@dataclass(frozen=True)
class AnnualPremium:
    amount: Decimal
    # "underwriting": issued policies of the last 12 months; "entered": the registry's
    # figure; "none": neither is known (the lowest band applies).
    source: str
    policies: int = 0


def start_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def _year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def annual_premium(*, outlet: OrgUnit, on: dt.date | None = None) -> AnnualPremium:
    """OUT-10: the sum of the premiums of the outlet's policies issued in the twelve
    months up to `on` (still in force: surrendered and cancelled ones are left out), else
    the premium entered in the registry."""
    on = on or timezone.localdate()
    since = start_of_day(_year_before(on) + dt.timedelta(days=1))
    until = start_of_day(on + dt.timedelta(days=1))
    issued = Policy.objects.filter(
        org_unit=outlet, status=Policy.Status.ISSUED, issued_at__gte=since, issued_at__lt=until
    ).aggregate(total=Sum("premium"), count=Count("pk"))
    if issued["count"]:
        return AnnualPremium(issued["total"], "underwriting", issued["count"])
    profile = profile_for(outlet=outlet)
    if profile is not None and profile.entered_annual_premium is not None:
        return AnnualPremium(profile.entered_annual_premium, "entered")
    return AnnualPremium(Decimal("0.00"), "none")


def staffing_bands(*, outlet: OrgUnit) -> list[StaffingBand]:
    """OUT-10: the county's own bands if it has any, else the default ones, lowest first.
    A county's bands replace the default table as a whole, so that its bands never mix
    with default thresholds it did not choose."""
    county = outlet.county
    own = list(StaffingBand.objects.filter(county=county).order_by("premium_from"))
    if own:
        return own
    return list(StaffingBand.objects.filter(county__isnull=True).order_by("premium_from"))


def minimum_staff_for(*, premium: Decimal, bands: list[StaffingBand]) -> int:
    """OUT-10: the band reached by `premium` (a band applies from its `premium_from`
    inclusive); below the lowest band, the lowest band's minimum."""
    if not bands:
        return 0
    reached = [band for band in bands if premium >= band.premium_from]
    return (reached[-1] if reached else bands[0]).minimum_staff


def staff_on(*, outlet: OrgUnit, day: dt.date) -> QuerySet[StaffMember]:
    """The people working at the outlet on `day` (their leaving day is their last day,
    as in outlets.selectors.staff_active), sales agents only with a qualification still
    valid (OUT-10: an agent without one may not sell,
    so does not count)."""
    return (
        StaffMember.objects.filter(outlet=outlet, joined_on__lte=day)
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=day))
        .exclude(kind=StaffMember.Kind.AGENT, qualification_expires_on__lt=day)
    )


@dataclass(frozen=True)
class StaffingStatus:
    """OUT-10 for one outlet on one day."""

    day: dt.date
    premium: AnnualPremium
    minimum: int
    staff: int
    bands: list[StaffingBand] = field(default_factory=list)

    @property
    def short(self) -> int:
        return max(self.minimum - self.staff, 0)

    @property
    def understaffed(self) -> bool:
        return self.short > 0


def staffing_status(*, outlet: OrgUnit, on: dt.date | None = None) -> StaffingStatus:
    on = on or timezone.localdate()
    premium = annual_premium(outlet=outlet, on=on)
    bands = staffing_bands(outlet=outlet)
    return StaffingStatus(
        day=on,
        premium=premium,
        minimum=minimum_staff_for(premium=premium.amount, bands=bands),
        staff=staff_on(outlet=outlet, day=on).count(),
        bands=bands,
    )


# --- Hours (OUT-11) ------------------------------------------------------------------------
WEEKDAYS = range(1, 8)
# The company's normal hours apply on the ordinary working days Monday to Friday; make-up
# working days (调休) fall on a weekend and are checked against the weekend's hours.
NORMAL_WEEKDAYS = range(1, 6)


def hours_of(*, outlet: OrgUnit) -> QuerySet[BusinessHours]:
    return BusinessHours.objects.filter(outlet=outlet).order_by("weekday", "opens")


def _minutes(time: dt.time) -> int:
    return time.hour * 60 + time.minute


def _uncovered(
    periods: list[tuple[dt.time, dt.time]], required: list[tuple[dt.time, dt.time]]
) -> list[tuple[dt.time, dt.time]]:
    """The parts of the `required` periods that no published period covers."""
    gaps = []
    for need_from, need_to in required:
        cursor = _minutes(need_from)
        end = _minutes(need_to)
        for opens, closes in sorted(periods):
            if _minutes(opens) > cursor:
                if _minutes(opens) >= end:
                    break
                gaps.append((cursor, _minutes(opens)))
            cursor = max(cursor, _minutes(closes))
            if cursor >= end:
                break
        if cursor < end:
            gaps.append((cursor, end))
    return [(dt.time(a // 60, a % 60), dt.time(b // 60, b % 60)) for a, b in gaps]


@dataclass(frozen=True)
class HoursCoverage:
    """OUT-11: which parts of the company's normal hours the published hours miss."""

    normal: list[tuple[dt.time, dt.time]]
    gaps: dict[int, list[tuple[dt.time, dt.time]]]
    missing_minutes: int
    required_minutes: int

    @property
    def covers(self) -> bool:
        return not self.gaps

    @property
    def share(self) -> Decimal:
        if not self.required_minutes:
            return Decimal(1)
        covered = self.required_minutes - self.missing_minutes
        return Decimal(covered) / Decimal(self.required_minutes)


def hours_coverage(
    *, outlet: OrgUnit, periods: list[tuple[int, dt.time, dt.time]] | None = None
) -> HoursCoverage:
    """OUT-11: do the published hours (or `periods` about to be published, as
    (weekday, opens, closes)) cover the county's working periods on every ordinary
    working day?"""
    if periods is None:
        periods = [(row.weekday, row.opens, row.closes) for row in hours_of(outlet=outlet)]
    normal = clocks.working_periods(outlet.county)
    required = sum(_minutes(b) - _minutes(a) for a, b in normal) * len(NORMAL_WEEKDAYS)
    gaps, missing = {}, 0
    for weekday in NORMAL_WEEKDAYS:
        published = [(opens, closes) for day, opens, closes in periods if day == weekday]
        day_gaps = _uncovered(published, normal)
        if day_gaps:
            gaps[weekday] = day_gaps
            missing += sum(_minutes(b) - _minutes(a) for a, b in day_gaps)
    return HoursCoverage(normal, gaps, missing, required)


def makeup_days_uncovered(*, outlet: OrgUnit, start: dt.date, days: int = 60) -> list[dt.date]:
    """OUT-11: the make-up working days (调休, a weekend day worked) in the next `days`
    days on which the published weekend hours do not cover the normal hours."""
    calendar = clocks.Calendar.load()
    periods = [(row.weekday, row.opens, row.closes) for row in hours_of(outlet=outlet)]
    normal = clocks.working_periods(outlet.county)
    uncovered = []
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        if day.isoweekday() < 6 or not calendar.is_workday(day):
            continue
        published = [(o, c) for weekday, o, c in periods if weekday == day.isoweekday()]
        if _uncovered(published, normal):
            uncovered.append(day)
    return uncovered


# --- Holidays and duty (OUT-11) -----------------------------------------------------------
def holiday_list(*, user: User, outlet: OrgUnit, upcoming_only: bool = False) -> QuerySet:
    services = HolidayService.objects.filter(outlet=outlet)
    if upcoming_only:
        services = services.filter(day__gte=timezone.localdate())
    duty = DutyAssignment.objects.select_related("staff").order_by("staff__name")
    return (
        in_scope(services, user)
        .select_related("duty_check")
        .prefetch_related(Prefetch("duty", queryset=duty))
        .order_by("day")
    )


def holiday_get(*, user: User, pk) -> HolidayService:
    return get_in_scope(HolidayService.objects.select_related("outlet", "duty_check"), user, pk=pk)


def duty_get(*, user: User, pk) -> DutyAssignment:
    queryset = DutyAssignment.objects.select_related("service__outlet", "staff")
    return get_in_scope(queryset, user, pk=pk)


def duty_candidates(*, service: HolidayService) -> QuerySet[StaffMember]:
    """Who can be put on duty: the outlet's staff working on that day, not on it yet."""
    return (
        StaffMember.objects.filter(outlet=service.outlet_id, joined_on__lte=service.day)
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=service.day))
        .exclude(pk__in=service.duty.values("staff"))
        .order_by("name")
    )


# --- Findings and scores (OUT-16) -----------------------------------------------------------
def open_findings(*, user: User, outlet: OrgUnit) -> QuerySet[Finding]:
    """The outlet's open findings, the most urgent first."""
    findings = Finding.objects.filter(outlet=outlet, state=Finding.State.OPEN)
    return in_scope(findings, user).select_related("owner", "timer").order_by("due_on", "pk")


def score_history(*, user: User, outlet: OrgUnit, months: int = 12) -> QuerySet:
    """The outlet's monthly scores, newest first."""
    scores = ComplianceScore.objects.filter(outlet=outlet).order_by("-month")
    return in_scope(scores, user)[:months]


def score_for(*, outlet: OrgUnit, month: dt.date) -> ComplianceScore | None:
    return ComplianceScore.objects.filter(outlet=outlet, month=month).first()


def county_scores(*, user: User, month: dt.date) -> list[tuple[OrgUnit, ComplianceScore | None]]:
    """OUT-16: every outlet in the user's branch with its score of `month` (None until
    computed), lowest score first so that the outlets needing attention lead."""
    outlets = list(outlet_list(user=user))
    scores = {
        score.outlet_id: score
        for score in ComplianceScore.objects.filter(outlet__in=outlets, month=month)
    }
    rows = [(outlet, scores.get(outlet.pk)) for outlet in outlets]
    return sorted(rows, key=lambda row: (row[1] is None, row[1].score if row[1] else 0))
