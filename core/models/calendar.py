"""SLA-3/SLA-4: the official working-day calendar and counties' published hours."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class CalendarYear(models.Model):
    """A year whose official holidays and make-up workdays are known.

    A year without a row is "unknown": deadlines in it are computed with weekends only
    and marked provisional (SLA-4).
    """

    class Source(models.TextChoices):
        LIBRARY = "library", _("chinesecalendar package")
        MANUAL = "manual", _("Entered by a manager")

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]

    def __str__(self):
        return str(self.year)


class CalendarDay(models.Model):
    """An exception to the weekend rule: a holiday on a weekday or a make-up workday (调休)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday (off)")
        WORKDAY = "workday", _("Make-up workday")

    calendar_year = models.ForeignKey(
        CalendarYear, verbose_name=_("year"), on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=60, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("calendar exception day")
        verbose_name_plural = _("calendar exception days")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} {self.name}"

    def clean(self):
        if self.date and self.calendar_year_id and self.date.year != self.calendar_year.year:
            raise ValidationError({"date": _("The date is not in this calendar year.")})


class WorkingPeriod(models.Model):
    """One published opening period of a county on working days (e.g. 08:30–12:00)."""

    county = models.ForeignKey(
        "core.OrgUnit",
        verbose_name=_("county branch"),
        on_delete=models.CASCADE,
        related_name="working_periods",
        limit_choices_to={"kind": "county"},
    )
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))
    history = HistoricalRecords()

    scope_field = "county"

    class Meta:
        verbose_name = _("working period")
        verbose_name_plural = _("working periods")
        ordering = ["county", "start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")),
                name="working_period_ends_after_start",
            )
        ]

    def __str__(self):
        return f"{self.start:%H:%M}–{self.end:%H:%M}"
