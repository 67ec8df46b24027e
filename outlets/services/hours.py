"""OUT-11: published business hours, holiday service promises and their duty roster.

The published hours must cover the company's normal hours (the county's working
periods on Monday to Friday). A holiday on which the outlet promises service needs at
least one person on duty: an "OUT-11-duty" timer runs from the promise, due three days
(the rule's lead time) before the holiday opens, while nobody is on duty. Putting
someone on duty meets it; taking the last one off starts a new one. If it falls due, the
handler (outlets.handlers_hours) raises a finding for that day before the day comes.
"""

import datetime as dt
import itertools

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dates import WEEKDAYS as WEEKDAY_NAMES
from django.utils.translation import gettext as _

from core import clocks
from core.access import check_can_write
from core.audit import save_with_reason
from core.models import MANAGER_ROLES, OrgUnit, Role, User
from core.timers import timer_cancel, timer_meet, timer_start
from outlets.models import BusinessHours, DutyAssignment, Finding, HolidayService, StaffMember
from outlets.selectors_compliance import WEEKDAYS, hours_coverage
from outlets.services.compliance import finding_owner, system_finding_close, system_finding_raise

DUTY_RULE = "OUT-11-duty"
# Who sets the outlet's hours and roster: its head and the managers above it.
MANAGING_ROLES = {Role.OUTLET_HEAD, *MANAGER_ROLES}

Period = tuple[int, dt.time, dt.time]


def check_may_manage_hours(user: User, obj=None) -> None:
    """OUT-11: hours, holiday promises and the duty roster are the outlet head's or a
    manager's to set; clerks read them. Scope and read-only roles via check_can_write."""
    check_can_write(user, obj)
    if not user.is_superuser and user.role not in MANAGING_ROLES:
        raise PermissionDenied(_("Only the outlet head or a manager sets hours and duty."))


def field_error(field: str, message: str, code: str) -> ValidationError:
    """A refusal of one field that keeps its code (a dict of bare messages loses it)."""
    return ValidationError({field: ValidationError(message, code=code)})


def duty_standard(day: dt.date) -> str:
    """The finding code of a promised holiday without duty: one per day."""
    return f"{DUTY_RULE}-{day:%Y%m%d}"


def opening_of(service: HolidayService) -> dt.datetime:
    return dt.datetime.combine(service.day, service.opens, tzinfo=timezone.get_current_timezone())


# --- Business hours ------------------------------------------------------------------------
def check_business_hours(*, outlet: OrgUnit, periods: list[Period]) -> None:
    """OUT-11: each period is a weekday 1–7 with its opening before its closing, periods
    of a day do not overlap, and together they cover the company's normal hours."""
    errors = []
    by_day: dict[int, list[tuple[dt.time, dt.time]]] = {}
    for weekday, opens, closes in periods:
        if weekday not in WEEKDAYS:
            errors.append(
                ValidationError(
                    _("Unknown weekday %(day)s."), code="weekday", params={"day": weekday}
                )
            )
        elif closes <= opens:
            errors.append(
                ValidationError(
                    _("%(opens)s–%(closes)s: the closing time must be after the opening time."),
                    code="closes_before_opens",
                    params={"opens": f"{opens:%H:%M}", "closes": f"{closes:%H:%M}"},
                )
            )
        else:
            by_day.setdefault(weekday, []).append((opens, closes))
    for weekday, day_periods in by_day.items():
        ordered = sorted(day_periods)
        if any(later[0] < earlier[1] for earlier, later in itertools.pairwise(ordered)):
            errors.append(
                ValidationError(
                    _("The periods of weekday %(day)s overlap."),
                    code="overlap",
                    params={"day": weekday},
                )
            )
    if errors:
        raise ValidationError(errors)
    coverage = hours_coverage(outlet=outlet, periods=periods)
    if not coverage.covers:
        missing = "; ".join(
            f"{WEEKDAY_NAMES[weekday - 1]} " + ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in gaps)
            for weekday, gaps in sorted(coverage.gaps.items())
        )
        raise ValidationError(
            _(
                "OUT-11: the hours must cover the company's normal hours on working days. "
                "Missing: %(missing)s."
            ),
            code="hours_do_not_cover",
            params={"missing": missing},
        )


@transaction.atomic
def business_hours_publish(*, outlet: OrgUnit, periods: list[Period], by: User) -> list:
    """OUT-11: replace the outlet's published week. Locks the outlet's node so that two
    editors do not interleave; nothing is saved if any period is refused."""
    check_may_manage_hours(by, outlet)
    OrgUnit.objects.select_for_update().get(pk=outlet.pk)
    check_business_hours(outlet=outlet, periods=periods)
    for row in BusinessHours.objects.filter(outlet=outlet):
        row._history_user = by
        row.delete()
    rows = []
    for weekday, opens, closes in sorted(periods):
        row = BusinessHours(outlet=outlet, weekday=weekday, opens=opens, closes=closes)
        rows.append(save_with_reason(row, by=by, reason=_("Hours published (OUT-11).")))
    return rows


# --- Holiday promises and duty ---------------------------------------------------------------
def _start_duty_check(service: HolidayService) -> None:
    service.duty_check = timer_start(
        subject=service,
        rule_code=DUTY_RULE,
        org_unit=service.outlet,
        owner=finding_owner(outlet=service.outlet),
        anchor=opening_of(service),
    )
    service.save(update_fields=["duty_check"])


def check_holiday_service(
    *, outlet: OrgUnit, day: dt.date, opens: dt.time, closes: dt.time, today: dt.date
) -> None:
    """OUT-11: a promise is for a coming non-working day, opening before closing, once."""
    if day < today:
        raise field_error("day", _("The day has passed."), "past")
    if clocks.Calendar.load().is_workday(day):
        raise field_error(
            "day", _("This is a working day: the normal hours apply (OUT-11)."), "working_day"
        )
    if closes <= opens:
        raise field_error(
            "closes", _("The closing time must be after the opening time."), "closes_before_opens"
        )
    if HolidayService.objects.filter(outlet=outlet, day=day).exists():
        raise field_error("day", _("Service on this day is promised already."), "duplicate")


@transaction.atomic
def holiday_service_promise(
    *,
    outlet: OrgUnit,
    day: dt.date,
    by: User,
    opens: dt.time = dt.time(9, 0),
    closes: dt.time = dt.time(16, 0),
    note: str = "",
) -> HolidayService:
    """OUT-11: promise service on a holiday and start its duty check (OUT-11-duty,
    due three days before the opening while nobody is on duty)."""
    check_may_manage_hours(by, outlet)
    check_holiday_service(
        outlet=outlet, day=day, opens=opens, closes=closes, today=timezone.localdate()
    )
    service = HolidayService(outlet=outlet, day=day, opens=opens, closes=closes, note=note)
    try:
        with transaction.atomic():
            save_with_reason(service, by=by, reason=_("Holiday service promised (OUT-11)."))
    except IntegrityError:
        raise field_error(
            "day", _("Service on this day is promised already."), "duplicate"
        ) from None
    _start_duty_check(service)
    return service


def _locked_service(service: HolidayService) -> HolidayService:
    return (
        HolidayService.objects.select_for_update(of=("self",))
        .select_related("outlet", "duty_check")
        .get(pk=service.pk)
    )


@transaction.atomic
def holiday_service_withdraw(*, service: HolidayService, by: User, reason: str) -> None:
    """OUT-11: withdraw a promise (with a reason, kept in the history): its duty check
    stops, its roster goes and an open finding for the day is closed. Locks the row."""
    check_may_manage_hours(by, service)
    service = _locked_service(service)
    if not reason.strip():
        raise field_error("reason", _("Say why the promise is withdrawn."), "reason")
    if service.day < timezone.localdate():
        raise ValidationError(_("A past holiday stays on record."), code="past")
    if service.duty_check_id:
        timer_cancel(timer=service.duty_check, by=by, detail=reason)
    system_finding_close(
        outlet=service.outlet, standard=duty_standard(service.day), note=reason, by=by
    )
    for duty in service.duty.all():
        duty._history_user, duty._change_reason = by, reason
        duty.delete()
    service._history_user, service._change_reason = by, reason
    service.delete()


@transaction.atomic
def duty_assign(*, service: HolidayService, staff: StaffMember, by: User) -> DutyAssignment:
    """OUT-11: put a member of the outlet's staff on duty for the promised holiday. The
    duty check is met and an open finding for the day closes. Locks the holiday row."""
    check_may_manage_hours(by, service)
    service = _locked_service(service)
    if staff.outlet_id != service.outlet_id:
        raise field_error("staff", _("Not a member of this outlet's staff."), "staff")
    if staff.joined_on > service.day or (staff.left_on and staff.left_on < service.day):
        raise field_error(
            "staff",
            _("%(name)s does not work at the outlet on that day.") % {"name": staff},
            "not_working",
        )
    if service.duty.filter(staff=staff).exists():
        raise field_error("staff", _("Already on duty that day."), "duplicate")
    duty = save_with_reason(
        DutyAssignment(service=service, staff=staff), by=by, reason=_("Put on duty (OUT-11).")
    )
    if service.duty_check_id:
        timer_meet(timer=service.duty_check, by=by, detail=str(staff))
    system_finding_close(
        outlet=service.outlet,
        standard=duty_standard(service.day),
        note=_("%(name)s is on duty (OUT-11).") % {"name": staff},
        by=by,
    )
    return duty


@transaction.atomic
def duty_remove(*, duty: DutyAssignment, by: User) -> HolidayService:
    """OUT-11: take someone off the roster. When nobody is left and the holiday is still
    to come, a new duty check starts (due at once if the lead time has begun, so the
    finding follows in the next sweep). Locks the holiday row."""
    check_may_manage_hours(by, duty)
    service = _locked_service(duty.service)
    duty._history_user = by
    duty.delete()
    still_to_come = opening_of(service) > timezone.now()
    running = service.duty_check is not None and service.duty_check.is_open
    if still_to_come and not running and not service.duty.exists():
        _start_duty_check(service)
    return service


def holiday_duty_breached(*, service_id: int) -> Finding | None:
    """OUT-11: the duty check of a promised holiday fell due. With nobody on duty a
    finding for that day is raised (to correct before the day); otherwise nothing.
    Runs in the sweep's transaction; locks the holiday row."""
    service = (
        HolidayService.objects.select_for_update()
        .select_related("outlet")
        .filter(pk=service_id)
        .first()
    )
    if service is None or service.duty.exists():
        return None
    today = timezone.localdate()
    return system_finding_raise(
        outlet=service.outlet,
        source=Finding.Source.HOURS,
        standard=duty_standard(service.day),
        description=_(
            "OUT-11: service is promised on %(day)s (%(opens)s–%(closes)s) but nobody is on duty."
        )
        % {
            "day": service.day.isoformat(),
            "opens": f"{service.opens:%H:%M}",
            "closes": f"{service.closes:%H:%M}",
        },
        corrective_action=_("Put at least one member of staff on duty, or withdraw the promise."),
        due_on=max(service.day - dt.timedelta(days=1), today),
    )
