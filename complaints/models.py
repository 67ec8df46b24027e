"""Complaints (CMP-1..CMP-8, CLM-12, REG-2): who owns a complaint, where it went, what
the complainant was told, and every deadline as a platform timer.

Nothing about a complaint is ever deleted (CMP-6): models protect their rows and every
change is in the history.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.audit import audited


class Channel(models.TextChoices):
    """CMP-2."""

    # Context: "Counter" and "Online" are also underwriting's sales channels (柜面出单, 网销).
    COUNTER = "counter", pgettext_lazy("complaint channel", "Counter")
    FACE_TO_FACE = "face_to_face", _("Face to face")
    LETTER = "letter", _("Letter")
    VISIT = "visit", _("Visit (上访)")
    PHONE = "phone", _("Phone or hotline")
    ONLINE = "online", pgettext_lazy("complaint channel", "Online")


class Topic(models.TextChoices):
    """CMP-3."""

    PRODUCT = "product", _("Product")
    UNDERWRITING = "underwriting", _("Underwriting")
    ENDORSEMENT = "endorsement", _("Endorsement")
    CLAIMS = "claims", _("Claims")
    FINANCE = "finance", _("Finance")
    ATTITUDE = "attitude", _("Service attitude")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    """CMP-4: assessed at intake; picks the first-response and resolution rules."""

    MINOR = "minor", _("Minor")
    GENERAL = "general", _("General")
    MAJOR = "major", _("Major")


class ComplaintSettings(models.Model):
    """Per county (or the default row): who receives letters and online complaints that
    name no department (CMP-2)."""

    county = models.OneToOneField(
        "core.OrgUnit",
        verbose_name=_("county branch"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"kind": "county"},
    )
    designated_receiver = models.ForeignKey(
        "core.User",
        verbose_name=_("designated receiver"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Receives letters and online complaints that name no department."),
    )
    history = audited()

    scope_field = "county"

    class Meta:
        verbose_name = _("complaint settings")
        verbose_name_plural = _("complaint settings")
        constraints = [
            models.UniqueConstraint(
                fields=["county"],
                condition=Q(county__isnull=True),
                name="complaint_settings_one_default",
            )
        ]

    def __str__(self):
        return str(self.county) if self.county_id else str(_("Default"))


class ComplaintCounter(models.Model):
    """CMP-7: the last sequence number used per county and day."""

    county = models.ForeignKey("core.OrgUnit", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["county", "day"], name="complaint_counter_per_day")
        ]

    def __str__(self):
        return f"{self.county_id} {self.day} {self.last}"


class Complaint(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        FORWARDED = "forwarded", _("Forwarded to the claims centre")
        IN_PROGRESS = "in_progress", _("In progress")
        RESOLVED = "resolved", _("Outcome told, awaiting follow-up")
        CLOSED = "closed", _("Closed")

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")
        UNSATISFIED = "unsatisfied", _("Unsatisfied")
        NO_ANSWER = "no_answer", _("Could not be reached")

    number = models.CharField(_("complaint number"), max_length=32, unique=True)
    county = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("county branch"), on_delete=models.PROTECT, related_name="+"
    )
    org_unit = models.ForeignKey(
        "core.OrgUnit",
        verbose_name=_("handled at"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The unit of the current first responder."),
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    named_department = models.ForeignKey(
        "core.OrgUnit",
        verbose_name=_("department named by the complainant"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    topic = models.CharField(_("topic"), max_length=16, choices=Topic.choices)
    severity = models.CharField(
        _("severity"), max_length=8, choices=Severity.choices, default=Severity.GENERAL
    )
    urgent = models.BooleanField(_("urgent"), default=False)
    complainant_name = models.CharField(_("complainant"), max_length=100)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    contact_address = models.CharField(_("contact address"), max_length=200, blank=True)
    policy = models.ForeignKey(
        "underwriting.Policy",
        verbose_name=_("policy"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    claim_reference = models.CharField(
        _("claim number"),
        max_length=40,
        blank=True,
        help_text=_("The outlet's case number or the 95518 report number."),
    )
    claim_case = models.ForeignKey(
        "claims_assist.ClaimCase",
        verbose_name=_("claim case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
        help_text=_("CLM-12: the case the complaint is about, when the number names one."),
    )
    what_happened = models.TextField(_("what happened"))
    what_is_asked = models.TextField(_("what the complainant asks for"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    received_by = models.ForeignKey(
        "core.User",
        verbose_name=_("received by"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Keeps seeing the complaint until it is closed (CMP-1)."),
    )
    first_responder = models.ForeignKey(
        "core.User",
        verbose_name=_("first responder"),
        on_delete=models.PROTECT,
        related_name="complaints_owned",
    )
    claims_owner = models.ForeignKey(
        "core.User",
        verbose_name=_("responsible at the claims centre"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("CLM-12: named when the claims centre takes the complaint."),
    )
    received_at = models.DateTimeField(_("received at"))
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    forwarded_at = models.DateTimeField(_("forwarded at"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    outcome_told_at = models.DateTimeField(_("outcome told at"), null=True, blank=True)
    satisfaction = models.CharField(
        _("satisfaction"), max_length=12, choices=Satisfaction.choices, blank=True
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    history = audited()

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False),
                name="complaint_closed_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["resolved", "closed"]) | ~Q(outcome=""),
                name="complaint_resolved_has_outcome",
            ),
        ]
        indexes = [
            models.Index(fields=["county", "received_at"], name="complaint_by_county_time"),
            models.Index(fields=["claim_reference"], name="complaint_by_claim"),
            # The dashboards (issue 8) read a unit's complaints of a period.
            models.Index(fields=["org_unit", "received_at"], name="complaint_by_unit_time"),
        ]

    def __str__(self):
        return self.number

    @property
    def is_claim_complaint(self) -> bool:
        return self.topic == Topic.CLAIMS


class HandOver(models.Model):
    """CMP-1: one link of the chain of hand-overs (from, to, when, why)."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.PROTECT, related_name="handovers"
    )
    from_user = models.ForeignKey(
        "core.User", verbose_name=_("from"), on_delete=models.PROTECT, related_name="+"
    )
    to_user = models.ForeignKey(
        "core.User", verbose_name=_("to"), on_delete=models.PROTECT, related_name="+"
    )
    to_unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("to unit"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"))
    reason = models.TextField(_("why"))

    scope_field = "complaint__org_unit"

    class Meta:
        verbose_name = _("hand-over")
        verbose_name_plural = _("hand-overs")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.complaint} {self.from_user} → {self.to_user}"


class Escalation(models.Model):
    """CMP-5: one step of the escalation chain that fired, and when someone acted."""

    complaint = models.ForeignKey(
        Complaint,
        verbose_name=_("complaint"),
        on_delete=models.PROTECT,
        related_name="escalations",
    )
    step = models.PositiveSmallIntegerField(_("step"))
    role = models.CharField(_("escalated to"), max_length=20)
    escalated_at = models.DateTimeField(_("escalated at"))
    due_at = models.DateTimeField(_("missed deadline"))
    acted_at = models.DateTimeField(_("acted at"), null=True, blank=True)
    acted_by = models.ForeignKey(
        "core.User",
        verbose_name=_("acted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    scope_field = "complaint__org_unit"

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["complaint", "step"]
        constraints = [
            # SLA-2: a step fires once however many sweeps see its timer.
            models.UniqueConstraint(fields=["complaint", "step"], name="escalation_step_once")
        ]

    def __str__(self):
        return f"{self.complaint} #{self.step}"


class ComplaintEvent(models.Model):
    """The complaint's timeline: contacts with the complainant, progress told,
    extensions (REG-2), reopenings. Read-only once written."""

    class Kind(models.TextChoices):
        NOTE = "note", _("Note")
        FIRST_RESPONSE = "first_response", _("First response")
        PROGRESS_TOLD = "progress_told", _("Progress told to the complainant")
        FORWARDED = "forwarded", _("Forwarded to the claims centre")
        CLAIMS_OWNER = "claims_owner", _("Responsible person at the claims centre named")
        EXTENDED = "extended", _("Deadline extended (REG-2)")
        OUTCOME_TOLD = "outcome_told", _("Outcome told")
        FOLLOW_UP = "follow_up", _("Follow-up call")
        REOPENED = "reopened", _("Reopened")
        CLOSED = "closed", _("Closed")

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        "core.User",
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    text = models.TextField(_("text"), blank=True)
    approved_by = models.ForeignKey(
        "core.User",
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("REG-2: the senior approval of an extension."),
    )

    scope_field = "complaint__org_unit"

    class Meta:
        verbose_name = _("complaint event")
        verbose_name_plural = _("complaint events")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.complaint} {self.get_kind_display()}"
