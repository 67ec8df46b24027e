"""Staffing, business hours, holiday promises and the duty roster of an outlet (OUT-10,
OUT-11).

Views read input and call outlets.services.staffing / .hours; the outlet or record is
looked up in the user's scope first (404), then writes are checked (read-only roles
and clerks 403).
"""

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.dates import WEEKDAYS as WEEKDAY_NAMES
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from core.access import check_can_write
from core.forms import DateInput, add_errors
from outlets.models import Finding, StaffMember
from outlets.selectors import outlet_get
from outlets.selectors_compliance import (
    duty_candidates,
    duty_get,
    holiday_get,
    holiday_list,
    hours_coverage,
    hours_of,
    makeup_days_uncovered,
    staff_on,
    staffing_status,
)
from outlets.services import hours as hours_service
from outlets.services.staffing import STAFFING_STANDARD, staffing_check

# Periods a day can have on the hours form (e.g. morning and afternoon).
PERIODS_PER_DAY = 2
MAKEUP_LOOKAHEAD_DAYS = 60


# --- Forms ----------------------------------------------------------------------------------
class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


class HoursForm(forms.Form):
    """OUT-11: the week's opening periods, up to PERIODS_PER_DAY a day; a day left empty
    is closed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for weekday in range(1, 8):
            for slot in range(1, PERIODS_PER_DAY + 1):
                for end in ("opens", "closes"):
                    self.fields[f"d{weekday}_{slot}_{end}"] = forms.TimeField(
                        label=_period_label(weekday, slot, end), required=False, widget=TimeInput
                    )

    @property
    def days(self):
        """Rows for the template: (weekday name, [(opens field, closes field), …])."""
        return [
            (
                WEEKDAY_NAMES[weekday - 1],
                [
                    (self[f"d{weekday}_{slot}_opens"], self[f"d{weekday}_{slot}_closes"])
                    for slot in range(1, PERIODS_PER_DAY + 1)
                ],
            )
            for weekday in range(1, 8)
        ]

    def clean(self):
        data = super().clean()
        periods = []
        for weekday in range(1, 8):
            for slot in range(1, PERIODS_PER_DAY + 1):
                opens = data.get(f"d{weekday}_{slot}_opens")
                closes = data.get(f"d{weekday}_{slot}_closes")
                if opens and closes:
                    periods.append((weekday, opens, closes))
                elif opens or closes:
                    self.add_error(
                        f"d{weekday}_{slot}_opens", _("Enter both the opening and closing time.")
                    )
        data["periods"] = periods
        return data


def _period_label(weekday: int, slot: int, end: str) -> str:
    name = WEEKDAY_NAMES[weekday - 1]
    if end == "opens":
        return _("%(day)s period %(slot)s opens") % {"day": name, "slot": slot}
    return _("%(day)s period %(slot)s closes") % {"day": name, "slot": slot}


def _hours_initial(outlet) -> dict:
    initial, slots = {}, {}
    for row in hours_of(outlet=outlet):
        slot = slots[row.weekday] = slots.get(row.weekday, 0) + 1
        if slot <= PERIODS_PER_DAY:
            initial[f"d{row.weekday}_{slot}_opens"] = row.opens
            initial[f"d{row.weekday}_{slot}_closes"] = row.closes
    return initial


class HolidayForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("Holiday"), widget=DateInput)
    opens = forms.TimeField(label=gettext_lazy("Opens"), initial=dt.time(9, 0), widget=TimeInput)
    closes = forms.TimeField(label=gettext_lazy("Closes"), initial=dt.time(16, 0), widget=TimeInput)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)


class DutyForm(forms.Form):
    staff = forms.ModelChoiceField(
        label=gettext_lazy("Put on duty"), queryset=StaffMember.objects.none()
    )

    def __init__(self, *args, service, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = duty_candidates(service=service)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why the promise is withdrawn"), max_length=200)


def _may_manage(user) -> bool:
    return not user.is_read_only and (
        user.is_superuser or user.role in hours_service.MANAGING_ROLES
    )


# --- Staffing (OUT-10) -------------------------------------------------------------------------
@login_required
@require_safe
def staffing_detail(request, pk: int):
    """OUT-10: the annual premium, its band's minimum, the staff counted and the
    understaffing finding if one is open."""
    outlet = outlet_get(user=request.user, pk=pk)
    today = timezone.localdate()
    context = {
        "outlet": outlet,
        "status": staffing_status(outlet=outlet, on=today),
        "staff": staff_on(outlet=outlet, day=today).order_by("kind", "name"),
        "finding": Finding.objects.filter(
            outlet=outlet, standard=STAFFING_STANDARD, state=Finding.State.OPEN
        ).first(),
        "may_check": not request.user.is_read_only,
    }
    return render(request, "outlets/staffing/staffing.html", context)


@login_required
@require_POST
def staffing_check_now(request, pk: int):
    """OUT-10: run the check now (it also runs daily) to raise or close the finding."""
    outlet = outlet_get(user=request.user, pk=pk)
    check_can_write(request.user, outlet)
    status = staffing_check(outlet=outlet, by=request.user)
    if status.understaffed:
        messages.warning(
            request,
            _("Understaffed: %(staff)s of at least %(minimum)s. A finding is open.")
            % {"staff": status.staff, "minimum": status.minimum},
        )
    else:
        messages.success(request, _("Staffing meets the minimum."))
    return redirect("outlets:staffing", outlet.pk)


# --- Hours, holidays and duty (OUT-11) --------------------------------------------------------
@login_required
@require_safe
def hours_detail(request, pk: int):
    outlet = outlet_get(user=request.user, pk=pk)
    today = timezone.localdate()
    rows = list(hours_of(outlet=outlet))
    coverage = hours_coverage(outlet=outlet)
    week = [
        (WEEKDAY_NAMES[weekday - 1], [row for row in rows if row.weekday == weekday])
        for weekday in range(1, 8)
    ]
    context = {
        "outlet": outlet,
        "week": week,
        "coverage": coverage,
        "gap_days": [
            (WEEKDAY_NAMES[weekday - 1], gaps) for weekday, gaps in sorted(coverage.gaps.items())
        ],
        "makeup_days": makeup_days_uncovered(
            outlet=outlet, start=today, days=MAKEUP_LOOKAHEAD_DAYS
        ),
        "holidays": holiday_list(user=request.user, outlet=outlet, upcoming_only=True),
        "may_manage": _may_manage(request.user),
    }
    return render(request, "outlets/staffing/hours.html", context)


@login_required
def hours_edit(request, pk: int):
    """OUT-11: publish the week's hours; refused unless they cover the normal hours."""
    outlet = outlet_get(user=request.user, pk=pk)
    hours_service.check_may_manage_hours(request.user, outlet)
    form = HoursForm(request.POST or None, initial=_hours_initial(outlet))
    if request.method == "POST" and form.is_valid():
        try:
            hours_service.business_hours_publish(
                outlet=outlet, periods=form.cleaned_data["periods"], by=request.user
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Business hours published."))
            return redirect("outlets:hours", outlet.pk)
    context = {"outlet": outlet, "form": form, "normal": hours_coverage(outlet=outlet).normal}
    return render(request, "outlets/staffing/hours_form.html", context)


@login_required
def holiday_create(request, pk: int):
    """OUT-11: promise service on a holiday; its duty check starts."""
    outlet = outlet_get(user=request.user, pk=pk)
    hours_service.check_may_manage_hours(request.user, outlet)
    form = HolidayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service = hours_service.holiday_service_promise(
                outlet=outlet, by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Holiday service promised. Put someone on duty."))
            return redirect("outlets:holiday_detail", service.pk)
    return render(request, "outlets/staffing/holiday_form.html", {"outlet": outlet, "form": form})


@login_required
def holiday_detail(request, pk: int):
    service = holiday_get(user=request.user, pk=pk)
    context = {
        "service": service,
        "outlet": service.outlet,
        "duty": service.duty.select_related("staff").order_by("staff__name"),
        "finding": Finding.objects.filter(
            outlet=service.outlet,
            standard=hours_service.duty_standard(service.day),
            state=Finding.State.OPEN,
        ).first(),
        "duty_form": DutyForm(service=service),
        "withdraw_form": WithdrawForm(),
        "may_manage": _may_manage(request.user),
        "upcoming": service.day >= timezone.localdate(),
    }
    return render(request, "outlets/staffing/holiday_detail.html", context)


@login_required
@require_POST
def duty_assign(request, pk: int):
    service = holiday_get(user=request.user, pk=pk)
    hours_service.check_may_manage_hours(request.user, service)
    form = DutyForm(request.POST, service=service)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.get("staff") or _("Choose a member of staff."))
        hours_service.duty_assign(
            service=service, staff=form.cleaned_data["staff"], by=request.user
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("On duty: %(name)s.") % {"name": form.cleaned_data["staff"]})
    return redirect("outlets:holiday_detail", service.pk)


@login_required
@require_POST
def duty_remove(request, pk: int):
    duty = duty_get(user=request.user, pk=pk)
    hours_service.check_may_manage_hours(request.user, duty)
    service = hours_service.duty_remove(duty=duty, by=request.user)
    messages.success(request, _("Taken off the roster."))
    return redirect("outlets:holiday_detail", service.pk)


@login_required
@require_POST
def holiday_withdraw(request, pk: int):
    service = holiday_get(user=request.user, pk=pk)
    hours_service.check_may_manage_hours(request.user, service)
    form = WithdrawForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.get("reason") or _("Enter a reason."))
        hours_service.holiday_service_withdraw(
            service=service, by=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("outlets:holiday_detail", service.pk)
    messages.success(request, _("The holiday promise is withdrawn."))
    return redirect("outlets:hours", service.outlet_id)


urlpatterns = [
    path("<int:pk>/staffing/", staffing_detail, name="staffing"),
    path("<int:pk>/staffing/check/", staffing_check_now, name="staffing_check"),
    path("<int:pk>/hours/", hours_detail, name="hours"),
    path("<int:pk>/hours/edit/", hours_edit, name="hours_edit"),
    path("<int:pk>/holidays/new/", holiday_create, name="holiday_create"),
    path("holidays/<int:pk>/", holiday_detail, name="holiday_detail"),
    path("holidays/<int:pk>/duty/", duty_assign, name="duty_assign"),
    path("holidays/<int:pk>/withdraw/", holiday_withdraw, name="holiday_withdraw"),
    path("duty/<int:pk>/remove/", duty_remove, name="duty_remove"),
]
