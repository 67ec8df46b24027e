"""SLA-1..SLA-6: durable deadlines. A deadline is a row with a due time; beat acts on it."""

import datetime as dt

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Clock(models.TextChoices):
    """SLA-3: the clock a rule's deadline runs on."""

    WALL = "wall", _("Wall clock")
    WORKING_HOURS = "working_hours", _("Working hours")
    WORKING_DAYS = "working_days", _("Working days")


class TimerRule(models.Model):
    """The duration and clock of one DOMAIN.md rule, editable by managers.

    A row without county is the default; a row with a county overrides it there.
    Changing the duration recomputes the running timers it governs (SLA-5).
    For the working-days clock the duration is a whole number of days.
    """

    code = models.CharField(_("rule ID"), max_length=32)
    county = models.ForeignKey(
        "core.OrgUnit",
        verbose_name=_("county branch"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        limit_choices_to={"kind": "county"},
    )
    name = models.CharField(_("name"), max_length=120)
    clock = models.CharField(_("clock"), max_length=16, choices=Clock.choices)
    duration = models.DurationField(_("duration"))
    minimum = models.DurationField(
        _("minimum"), null=True, blank=True, help_text=_("A floor the rule may never go below.")
    )
    on_breach = models.CharField(_("on breach"), max_length=200)
    lead_time = models.BooleanField(
        _("lead time"),
        default=False,
        help_text=_(
            "The duration is counted back from a date the timer is anchored to (a lease "
            "end, an expiry, a due date): the timer is due that long before it."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("timer rule")
        verbose_name_plural = _("timer rules")
        ordering = ["code", "county"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=Q(county__isnull=True), name="timer_rule_one_default"
            ),
            models.UniqueConstraint(
                fields=["code", "county"],
                condition=Q(county__isnull=False),
                name="timer_rule_one_per_county",
            ),
            # A lead time may be zero: due on the anchored date itself.
            models.CheckConstraint(
                condition=Q(duration__gt=dt.timedelta(0))
                | Q(lead_time=True, duration__gte=dt.timedelta(0)),
                name="timer_rule_duration_positive",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if self.county_id:
            # A county's rule overrides a default: same clock, same floor.
            default = TimerRule.objects.filter(code=self.code, county__isnull=True).first()
            if default is None:
                errors["code"] = _("There is no default rule with this ID.")
            else:
                self.clock, self.minimum = default.clock, default.minimum
        if self.minimum is not None and self.duration is not None and self.duration < self.minimum:
            errors["duration"] = _("This rule may not be shorter than %(minimum)s.") % {
                "minimum": self.minimum
            }
        if (
            self.clock == Clock.WORKING_DAYS
            and self.duration is not None
            and (self.duration.seconds or self.duration.microseconds)
        ):
            errors["duration"] = _("A working-days rule lasts a whole number of days.")
        if errors:
            raise ValidationError(errors)


class SlaTimer(models.Model):
    """One running deadline on one record (SLA-1)."""

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        PAUSED = "paused", _("Paused")
        MET = "met", _("Met")
        BREACHED = "breached", _("Breached")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATES = (State.RUNNING, State.PAUSED)

    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    rule = models.ForeignKey(TimerRule, verbose_name=_("rule"), on_delete=models.PROTECT)
    clock = models.CharField(_("clock"), max_length=16, choices=Clock.choices)
    org_unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("organisation unit"), on_delete=models.PROTECT
    )
    owner = models.ForeignKey(
        "core.User",
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="timers",
    )
    budget = models.DurationField(_("duration"))
    started_at = models.DateTimeField(_("started at"))
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    not_after = models.DateTimeField(
        _("never due after"),
        null=True,
        blank=True,
        help_text=_("An outer bound the deadline never passes (e.g. the regulator's, REG-2)."),
    )
    anchor = models.DateTimeField(
        _("anchored to"),
        null=True,
        blank=True,
        help_text=_("For a lead-time rule: the date the timer is due ahead of."),
    )
    remaining = models.DurationField(_("remaining when paused"), null=True, blank=True)
    provisional = models.BooleanField(
        _("provisional"),
        default=False,
        help_text=_("The due time crosses a year whose official calendar is not known yet."),
    )
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.RUNNING
    )
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("breach attempts"), default=0)
    retry_at = models.DateTimeField(_("retry at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("SLA timer")
        verbose_name_plural = _("SLA timers")
        ordering = ["due_at"]
        indexes = [
            # The sweep reads only running timers by due time: this index stays as small
            # as the open workload, whatever the history holds (SLA-1 bench).
            models.Index(
                fields=["due_at"], condition=Q(state="running"), name="sla_timer_running_due"
            ),
            models.Index(fields=["subject_type", "subject_id"], name="sla_timer_subject"),
            models.Index(fields=["owner", "state"], name="sla_timer_owner_state"),
            # The dashboards (issue 8) count a unit's open timers and those ended in a
            # period from this index alone (an index-only scan, no table pages).
            models.Index(
                fields=["org_unit", "state", "ended_at"],
                include=["rule", "due_at", "provisional"],
                name="sla_timer_unit_state_ended",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="running") | Q(due_at__isnull=False),
                name="sla_timer_running_has_due",
            ),
            models.CheckConstraint(
                condition=~Q(state="paused") | Q(remaining__isnull=False),
                name="sla_timer_paused_keeps_remaining",
            ),
        ]

    def __str__(self):
        return f"{self.rule.code} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES


class TimerPause(models.Model):
    """SLA-5: a pause while waiting on the customer; the paused span is kept."""

    timer = models.ForeignKey(SlaTimer, on_delete=models.CASCADE, related_name="pauses")
    paused_at = models.DateTimeField(_("paused at"))
    resumed_at = models.DateTimeField(_("resumed at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200)
    paused_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("timer pause")
        verbose_name_plural = _("timer pauses")
        ordering = ["paused_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["timer"], condition=Q(resumed_at__isnull=True), name="timer_one_open_pause"
            )
        ]

    def __str__(self):
        return f"{self.paused_at:%Y-%m-%d %H:%M} {self.reason}"


class TimerEvent(models.Model):
    """SLA-6: the visible history of a timer."""

    class Kind(models.TextChoices):
        STARTED = "started", _("Started")
        PAUSED = "paused", _("Paused")
        RESUMED = "resumed", _("Resumed")
        RECOMPUTED = "recomputed", _("Recomputed")
        MET = "met", _("Met")
        BREACHED = "breached", _("Breached")
        HANDLER_FAILED = "handler_failed", _("Breach handler failed")
        CANCELLED = "cancelled", _("Cancelled")

    timer = models.ForeignKey(SlaTimer, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    detail = models.TextField(_("detail"), blank=True)

    class Meta:
        verbose_name = _("timer event")
        verbose_name_plural = _("timer events")
        ordering = ["at", "pk"]
        constraints = [
            # SLA-2: a timer breaches at most once, whatever the sweeps do.
            models.UniqueConstraint(
                fields=["timer"], condition=Q(kind="breached"), name="timer_breaches_once"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class SweepHeartbeat(models.Model):
    """SLA-1: each beat sweep stamps its row; a stale stamp is an alarm."""

    name = models.CharField(max_length=40, primary_key=True)
    last_started_at = models.DateTimeField(null=True)
    last_finished_at = models.DateTimeField(null=True)
    last_processed = models.PositiveIntegerField(default=0)
    last_duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("sweep heartbeat")
        verbose_name_plural = _("sweep heartbeats")

    def __str__(self):
        return self.name


def timer_link(verbose_name) -> models.ForeignKey:
    """A business record's link to one of its timers (SLA-6: the record shows its
    deadline). Timers are never deleted, so the link protects its timer."""
    return models.ForeignKey(
        SlaTimer,
        verbose_name=verbose_name,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
