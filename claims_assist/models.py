"""Claims assist (CLM-1..CLM-16, REG-1).

This first part holds the adjuster authorities of CLM-6: who may assess which small
cases up to what amount, for how long, and on which approvals and evaluation. Every
assessment or one-stop settlement is checked against the holder's authority valid at
that moment (claims_assist.services.authority).
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.audit import audited
from core.models.timers import timer_link

MONEY = {"max_digits": 14, "decimal_places": 2}
# CLM-6: the per-case limit of a claims-assist adjuster, by default and at most.
AUTHORITY_CEILING = Decimal("2000.00")


class AuthorityLine(models.TextChoices):
    """The lines an adjuster may be authorised for (CLM-6: small agricultural cases)."""

    CROP = "crop", _("Agricultural crop")
    LIVESTOCK = "livestock", _("Livestock")
    FOREST = "forest", _("Forest")


class AnnualEvaluation(models.Model):
    """The yearly evaluation of a claims-assist staff member (CLM-6): an authorisation
    is renewed only after it, and one-stop service needs a good one."""

    class Grade(models.TextChoices):
        EXCELLENT = "excellent", _("Excellent")
        GOOD = "good", _("Good")
        PASS = "pass", _("Pass")
        FAIL = "fail", _("Fail")

    # Grades good enough for one-stop service (CLM-6).
    GOOD_GRADES = (Grade.EXCELLENT, Grade.GOOD)

    staff = models.ForeignKey(
        "core.User",
        verbose_name=_("staff member"),
        on_delete=models.PROTECT,
        related_name="claims_evaluations",
    )
    year = models.PositiveSmallIntegerField(_("year evaluated"))
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices)
    evaluated_on = models.DateField(_("evaluated on"))
    evaluated_by = models.ForeignKey(
        "core.User", verbose_name=_("evaluated by"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    history = audited()

    scope_field = "staff__org_unit"

    class Meta:
        verbose_name = _("annual evaluation")
        verbose_name_plural = _("annual evaluations")
        ordering = ["staff", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["staff", "year"], name="evaluation_once_a_year"),
        ]

    def __str__(self):
        return f"{self.staff} {self.year}: {self.get_grade_display()}"


class AdjusterAuthorisation(models.Model):
    """CLM-6: a claims-assist staff member's authority to assess small cases of some
    lines up to a per-case limit, for at most a year; one-stop service (survey,
    assessment and calculation by the same person) also needs the approvals of the city
    claims centre and the province claims division and a good annual evaluation."""

    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        REVOKED = "revoked", _("Revoked")

    holder = models.ForeignKey(
        "core.User",
        verbose_name=_("holder"),
        on_delete=models.PROTECT,
        related_name="adjuster_authorisations",
    )
    lines = models.JSONField(_("lines"), default=list)
    case_limit = models.DecimalField(
        _("limit per case (yuan)"),
        **MONEY,
        default=AUTHORITY_CEILING,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    evaluation = models.ForeignKey(
        AnnualEvaluation,
        verbose_name=_("evaluation it rests on"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    one_stop = models.BooleanField(_("one-stop service"), default=False)
    city_approved_by = models.ForeignKey(
        "core.User",
        verbose_name=_("approved by the city claims centre"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    city_approved_on = models.DateField(_("city approval date"), null=True, blank=True)
    province_approval = models.CharField(
        _("province claims division approval (document no.)"), max_length=60, blank=True
    )
    province_approved_on = models.DateField(_("province approval date"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.ACTIVE)
    revoked_reason = models.TextField(_("why revoked"), blank=True)
    granted_by = models.ForeignKey(
        "core.User", verbose_name=_("granted by"), on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)
    expiry_warning = timer_link(_("expiry warning"))
    history = audited()

    scope_field = "holder__org_unit"

    class Meta:
        verbose_name = _("adjuster authorisation")
        verbose_name_plural = _("adjuster authorisations")
        ordering = ["holder", "-valid_to"]
        indexes = [
            models.Index(fields=["holder", "state", "valid_to"], name="authorisation_holder_valid")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__gte=F("valid_from")), name="authorisation_period_order"
            ),
            # CLM-6: at most 2,000 yuan per case.
            models.CheckConstraint(
                condition=Q(case_limit__gt=0, case_limit__lte=AUTHORITY_CEILING),
                name="authorisation_limit_within_ceiling",
            ),
            # CLM-6: one-stop service rests on both approvals.
            models.CheckConstraint(
                condition=Q(one_stop=False)
                | Q(
                    city_approved_by__isnull=False,
                    city_approved_on__isnull=False,
                    province_approved_on__isnull=False,
                )
                & ~Q(province_approval=""),
                name="authorisation_one_stop_approved",
            ),
            models.CheckConstraint(
                condition=~Q(state="revoked") | ~Q(revoked_reason=""),
                name="authorisation_revoked_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.holder} ≤ {self.case_limit} ({self.valid_from}–{self.valid_to})"

    def clean(self):
        from claims_assist.periods import authority_ends_in_time

        super().clean()
        if (
            self.valid_from
            and self.valid_to
            and not authority_ends_in_time(valid_from=self.valid_from, valid_to=self.valid_to)
        ):
            raise ValidationError(
                {"valid_to": _("An authorisation lasts at most one year (CLM-6).")}
            )


# Cases (CLM-1..CLM-5, CLM-7..CLM-11, CLM-15, CLM-16, REG-1) -----------------------------
class ClaimsSettings(models.Model):
    """The configurable numbers of the claims rules, per county (or the default row)."""

    county = models.OneToOneField(
        "core.OrgUnit",
        verbose_name=_("county branch"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"kind": "county"},
    )
    claim_time_limit_days = models.PositiveIntegerField(
        _("claim time limit (days after the incident)"),
        default=730,
        help_text=_("CLM-3: a report later than this after the incident fails the check."),
    )
    major_amount = models.DecimalField(
        _("major case amount (yuan)"),
        **MONEY,
        default=Decimal("500000.00"),
        help_text=_("CLM-4: expected payment or sum insured over this, outcome uncertain."),
    )
    small_payment_below = models.DecimalField(
        _("small payment below (yuan)"),
        **MONEY,
        default=Decimal("5000.00"),
        help_text=_("CLM-10: payments below this are due in 3 working days, others in 7."),
    )
    repeat_claims = models.PositiveSmallIntegerField(
        _("repeat claimant from (cases)"),
        default=3,
        help_text=_("CLM-16: this many cases of one insured in the window flag the case."),
    )
    repeat_window_days = models.PositiveIntegerField(
        _("repeat claimant window (days)"), default=365
    )
    high_loss_ratio = models.DecimalField(
        _("high loss ratio from"),
        max_digits=6,
        decimal_places=3,
        default=Decimal("1.000"),
        validators=[MinValueValidator(0)],
        help_text=_("CLM-16: claims paid ÷ premium of the insured; 1.000 = 100%."),
    )
    history = audited()

    scope_field = "county"

    class Meta:
        verbose_name = _("claims settings")
        verbose_name_plural = _("claims settings")

    def __str__(self):
        return str(self.county or _("Default"))


class DocumentKind(models.Model):
    """A kind of claim document (单证), e.g. death proof; data, editable in the admin."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    history = audited()

    class Meta:
        verbose_name = _("document kind")
        verbose_name_plural = _("document kinds")
        ordering = ["position", "code"]

    def __str__(self):
        return self.name


class CaseType(models.Model):
    """A type of claim case (案件类型) with its document checklist (CLM-8)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)
    documents = models.ManyToManyField(
        DocumentKind,
        verbose_name=_("documents"),
        through="DocumentRequirement",
        related_name="case_types",
    )
    history = audited()

    class Meta:
        verbose_name = _("case type")
        verbose_name_plural = _("case types")
        ordering = ["position", "code"]

    def __str__(self):
        return self.name


class DocumentRequirement(models.Model):
    """One line of a case type's checklist (CLM-8): required lines gate completeness."""

    case_type = models.ForeignKey(
        CaseType,
        verbose_name=_("case type"),
        on_delete=models.CASCADE,
        related_name="requirements",
    )
    kind = models.ForeignKey(DocumentKind, verbose_name=_("document"), on_delete=models.PROTECT)
    required = models.BooleanField(_("required"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("document requirement")
        verbose_name_plural = _("document requirements")
        ordering = ["case_type", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case_type", "kind"], name="requirement_once_per_type")
        ]

    def __str__(self):
        return f"{self.case_type}: {self.kind}"


class ClaimCaseCounter(models.Model):
    """The last case sequence number used per county and day."""

    county = models.ForeignKey("core.OrgUnit", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["county", "day"], name="claim_counter_per_county_day")
        ]

    def __str__(self):
        return f"{self.county_id} {self.day}: {self.last}"


class ClaimCase(models.Model):
    """A claim reported at an outlet (CLM-1): not handled there, but recorded, guided to
    95518 and followed to closure. Its deadlines are SlaTimers whose subject is the case
    (company timelines of CLM-4/7/9/10 beside the legal bounds of REG-1)."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        WALK_IN = "walk_in", _("Walk-in")

    class Relation(models.TextChoices):
        SELF = "self", _("The insured")
        SPOUSE = "spouse", _("Spouse")
        CHILD = "child", _("Child")
        PARENT = "parent", _("Parent")
        RELATIVE = "relative", _("Other relative")
        VILLAGE = "village", _("Village cadre")
        OTHER = "other", _("Other")

    class Stage(models.TextChoices):
        REPORTED = "reported", _("Reported at the outlet")
        FORWARDED = "forwarded", _("Reported to 95518")
        SURVEY = "survey", _("Survey")
        ASSESSED = "assessed", _("Assessed")
        FILE_COMPLETE = "file_complete", _("File complete")
        TRANSFERRED = "transferred", _("With the claims centre")
        APPROVED = "approved", _("Approved for payment")
        PAID = "paid", _("Paid")
        CLOSED = "closed", _("Closed")
        REFUSED = "refused", _("Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # Stages after which nothing more happens to the case.
    FINAL_STAGES = (Stage.CLOSED, Stage.REFUSED, Stage.WITHDRAWN)

    class Check(models.TextChoices):
        PENDING = "pending", _("Not checked")
        PASSED = "passed", _("Passed")
        FAILED = "failed", _("Failed")

    class CheckReason(models.TextChoices):
        """CLM-3: why an initial check fails."""

        OUTSIDE_PERIOD = "outside_period", _("The incident is outside the policy period")
        NOT_COVERED = "not_covered", _("The cause is not a covered peril")
        TIME_LIMIT = "time_limit", _("The claim time limit has passed")

    class MajorReason(models.TextChoices):
        """CLM-4: what makes a case major."""

        DEATHS = "deaths", _("Two or more deaths in one incident")
        LARGE_UNCERTAIN = "large_uncertain", _("Over the major amount, outcome uncertain")
        REGULATOR_MEDIA = (
            "regulator_media",
            _("Dispute taken to regulators, the industry association or the media"),
        )
        LITIGATION = "litigation", _("Dispute heading to or in litigation")

    class Decision(models.TextChoices):
        PENDING = "pending", _("Pending")
        PAY = "pay", _("Pay")
        REFUSE = "refuse", _("Refuse")

    number = models.CharField(_("case number"), max_length=32, unique=True)
    org_unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("outlet"), on_delete=models.PROTECT, related_name="+"
    )
    owner = models.ForeignKey(
        "core.User",
        verbose_name=_("followed by"),
        on_delete=models.PROTECT,
        related_name="claim_cases",
        help_text=_("CLM-1: the outlet's staff member who follows the case."),
    )
    created_by = models.ForeignKey(
        "core.User", verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    stage = models.CharField(
        _("stage"), max_length=16, choices=Stage.choices, default=Stage.REPORTED
    )
    stage_changed_at = models.DateTimeField(_("stage since"))

    # CLM-2: the report.
    channel = models.CharField(_("reported by"), max_length=8, choices=Channel.choices)
    reported_at = models.DateTimeField(_("reported at"))
    policy = models.ForeignKey(
        "underwriting.Policy",
        verbose_name=_("policy"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claim_cases",
    )
    policy_number = models.CharField(_("policy number"), max_length=32)
    product = models.ForeignKey(
        "underwriting.Product", verbose_name=_("product"), on_delete=models.PROTECT
    )
    household_row = models.ForeignKey(
        "underwriting.HouseholdRow",
        verbose_name=_("household on the list"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    case_type = models.ForeignKey(
        CaseType,
        verbose_name=_("case type"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    insured_name = models.CharField(_("insured name"), max_length=100)
    insured_id_number = models.CharField(_("insured ID number"), max_length=18, blank=True)
    incident_at = models.DateTimeField(_("incident time"))
    incident_place = models.CharField(_("incident place"), max_length=200)
    cause = models.CharField(_("cause"), max_length=200)
    course = models.TextField(_("course of events"))
    injuries = models.TextField(_("injuries"), blank=True)
    deaths = models.PositiveSmallIntegerField(_("deaths"), default=0)
    measures = models.TextField(_("measures taken"), blank=True)
    current_state = models.TextField(_("current state"), blank=True)
    hospital = models.CharField(_("hospital"), max_length=100, blank=True)
    reporter_name = models.CharField(_("reporter"), max_length=100)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=20)
    reporter_relation = models.CharField(
        _("relation to the insured"), max_length=10, choices=Relation.choices
    )
    estimated_amount = models.DecimalField(
        _("estimated loss (yuan)"),
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    sum_insured = models.DecimalField(
        _("sum insured (yuan)"), **MONEY, null=True, blank=True, validators=[MinValueValidator(0)]
    )

    # CLM-1: the customer is guided to report to 95518; the outlet records the number.
    hotline_number = models.CharField(_("95518 report number"), max_length=40, blank=True)
    hotline_recorded_at = models.DateTimeField(_("95518 number recorded at"), null=True, blank=True)
    hotline_overdue_at = models.DateTimeField(
        _("flagged: no 95518 number since"), null=True, blank=True
    )

    # CLM-3: initial check.
    check_result = models.CharField(
        _("initial check"), max_length=8, choices=Check.choices, default=Check.PENDING
    )
    check_reasons = models.JSONField(_("why the check failed"), default=list, blank=True)
    check_note = models.TextField(_("check note"), blank=True)
    checked_by = models.ForeignKey(
        "core.User",
        verbose_name=_("checked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)

    # CLM-4: major case.
    major = models.BooleanField(_("major case"), default=False)
    major_reasons = models.JSONField(_("why major"), default=list, blank=True)
    major_flagged_at = models.DateTimeField(_("flagged major at"), null=True, blank=True)
    head_office_reported_at = models.DateTimeField(
        _("reported to head office at"), null=True, blank=True
    )
    head_office_reference = models.CharField(
        _("head office report reference"), max_length=60, blank=True
    )
    major_overdue_at = models.DateTimeField(
        _("flagged: major case not reported since"), null=True, blank=True
    )

    # CLM-5..CLM-7: survey and assessment.
    referred_at = models.DateTimeField(_("referred to the claims centre at"), null=True, blank=True)
    referral_reason = models.TextField(_("why referred"), blank=True)
    remote_upload_overdue_at = models.DateTimeField(
        _("flagged: remote materials missing since"), null=True, blank=True
    )

    # CLM-8..CLM-10: documents, transfer, review and payment.
    file_complete_at = models.DateTimeField(
        _("file accepted as complete at"), null=True, blank=True
    )
    transferred_at = models.DateTimeField(
        _("transferred to the claims centre at"), null=True, blank=True
    )
    transfer_overdue_at = models.DateTimeField(
        _("flagged: not transferred since"), null=True, blank=True
    )
    special = models.BooleanField(
        _("special or complex case"),
        default=False,
        help_text=_("CLM-10: decided within at most 30 working days."),
    )
    special_reason = models.TextField(_("why special"), blank=True)
    decision = models.CharField(
        _("decision"), max_length=8, choices=Decision.choices, default=Decision.PENDING
    )
    decision_reason = models.TextField(_("decision reason"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        "core.User",
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_amount = models.DecimalField(
        _("approved amount (yuan)"),
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    paid_amount = models.DecimalField(
        _("paid amount (yuan)"), **MONEY, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    refusal_notified_at = models.DateTimeField(_("refusal notified at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    last_progress_at = models.DateTimeField(_("last progress message"), null=True, blank=True)

    # CLM-16: what was flagged at intake (watch list, repeat claimant, high loss ratio).
    fraud_flags = models.JSONField(_("fraud flags at intake"), default=list, blank=True)
    history = audited()

    scope_field = "org_unit"

    class Meta:
        verbose_name = _("claim case")
        verbose_name_plural = _("claim cases")
        ordering = ["-reported_at", "-pk"]
        indexes = [
            # A county's first pages walk this index instead of sorting the county.
            models.Index(fields=["-reported_at", "-id"], name="case_recent"),
            models.Index(fields=["org_unit", "-reported_at"], name="case_outlet_recent"),
            models.Index(fields=["org_unit", "stage", "-reported_at"], name="case_outlet_stage"),
            models.Index(fields=["policy_number"], name="case_by_policy_number"),
            models.Index(fields=["insured_id_number"], name="case_by_insured_id"),
            models.Index(fields=["insured_name"], name="case_by_insured_name"),
            # The dashboards' claims section (issue 8) reads a county's year of cases
            # from this index alone (an index-only scan) instead of the wide table.
            models.Index(
                fields=["org_unit", "reported_at"],
                include=[
                    "stage",
                    "major",
                    "special",
                    "file_complete_at",
                    "transferred_at",
                    "decided_at",
                    "paid_at",
                ],
                name="case_dashboard",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["hotline_number"],
                condition=~Q(hotline_number=""),
                name="case_hotline_number_unique",
            ),
            models.CheckConstraint(
                condition=Q(major=False) | ~Q(major_reasons=[]), name="case_major_has_reasons"
            ),
            models.CheckConstraint(
                condition=~Q(check_result="failed") | ~Q(check_reasons=[]),
                name="case_failed_check_has_reasons",
            ),
            models.CheckConstraint(
                condition=~Q(decision="refuse") | ~Q(decision_reason=""),
                name="case_refusal_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(special=False) | ~Q(special_reason=""),
                name="case_special_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(incident_at__lte=F("reported_at")),
                name="case_incident_before_report",
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.insured_name}"

    @property
    def is_open(self) -> bool:
        return self.stage not in self.FINAL_STAGES


class CaseEvent(models.Model):
    """The case's timeline: each stage it reached, when, by whom (cycle times)."""

    case = models.ForeignKey(
        ClaimCase, verbose_name=_("case"), on_delete=models.CASCADE, related_name="events"
    )
    stage = models.CharField(_("stage"), max_length=16, choices=ClaimCase.Stage.choices)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        "core.User",
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)

    scope_field = "case__org_unit"

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["case", "at"], name="case_event_timeline")]

    def __str__(self):
        return f"{self.case.number} {self.get_stage_display()} {self.at:%Y-%m-%d %H:%M}"


class CaseMessage(models.Model):
    """A message to the customer about the case (CLM-10: progress at least every 3
    working days until closure), sent through the platform outbox."""

    class Kind(models.TextChoices):
        STAGE = "stage", _("Stage reached")
        PROGRESS = "progress", _("Regular progress")
        MANUAL = "manual", _("Written by staff")

    case = models.ForeignKey(
        ClaimCase, verbose_name=_("case"), on_delete=models.CASCADE, related_name="messages"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    phone = models.CharField(_("phone"), max_length=20)
    body = models.TextField(_("text"))
    outbox = models.ForeignKey(
        "core.OutboxMessage",
        verbose_name=_("outbox message"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("sent at"))
    sent_by = models.ForeignKey(
        "core.User",
        verbose_name=_("sent by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    scope_field = "case__org_unit"

    class Meta:
        verbose_name = _("customer message")
        verbose_name_plural = _("customer messages")
        ordering = ["sent_at", "pk"]

    def __str__(self):
        return f"{self.case.number} {self.sent_at:%Y-%m-%d %H:%M}"


class RefusalLetter(models.Model):
    """A written refusal stating its reasons (CLM-3 at the initial check; a refusal
    decision, REG-1 art. 24: notified within 3 days). The PDF is kept as issued."""

    class Kind(models.TextChoices):
        INITIAL_CHECK = "initial_check", _("Initial check failed")
        DECISION = "decision", _("Claim refused")

    case = models.ForeignKey(
        ClaimCase, verbose_name=_("case"), on_delete=models.PROTECT, related_name="refusals"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    reasons = models.TextField(_("reasons"))
    file = models.FileField(_("PDF"), upload_to="claims/refusals/%Y/%m/")
    issued_by = models.ForeignKey(
        "core.User", verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(_("issued at"))
    delivered_at = models.DateTimeField(_("handed to the customer at"), null=True, blank=True)
    delivery_note = models.CharField(_("how it was delivered"), max_length=200, blank=True)

    scope_field = "case__org_unit"

    class Meta:
        verbose_name = _("refusal letter")
        verbose_name_plural = _("refusal letters")
        ordering = ["-issued_at", "-pk"]

    def __str__(self):
        return f"{self.case.number} {self.get_kind_display()}"


class SurveyAssignment(models.Model):
    """CLM-5: the city claims centre assigns outlet staff to survey on site (never a
    motor case) or to assist (evidence, photos, claim documents)."""

    class Kind(models.TextChoices):
        SURVEY = "survey", _("On-site survey")
        ASSIST = "assist", _("Assist the survey")

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    case = models.ForeignKey(
        ClaimCase, verbose_name=_("case"), on_delete=models.PROTECT, related_name="assignments"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    assignee = models.ForeignKey(
        "core.User",
        verbose_name=_("assigned to"),
        on_delete=models.PROTECT,
        related_name="survey_assignments",
    )
    assigned_by = models.ForeignKey(
        "core.User", verbose_name=_("assigned by"), on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(_("assigned at"))
    instructions = models.TextField(_("instructions"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    findings = models.TextField(_("findings"), blank=True)
    surveyed_at = models.DateTimeField(_("surveyed at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    history = audited()

    scope_field = "case__org_unit"

    class Meta:
        verbose_name = _("survey assignment")
        verbose_name_plural = _("survey assignments")
        ordering = ["-assigned_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="done") | ~Q(findings=""), name="assignment_done_has_findings"
            )
        ]

    def __str__(self):
        return f"{self.case.number} {self.get_kind_display()} → {self.assignee}"


class Assessment(models.Model):
    """A small-claim assessment (定损, CLM-6, CLM-15), on site, remote (CLM-7: materials
    within 24 hours of the session) or one-stop (survey → assessment → calculation →
    customer signature → payment request). It records the authority it was made under;
    a newer assessment supersedes it."""

    class Mode(models.TextChoices):
        ON_SITE = "on_site", _("On site")
        REMOTE = "remote", _("Remote")
        ONE_STOP = "one_stop", _("One-stop")

    case = models.ForeignKey(
        ClaimCase, verbose_name=_("case"), on_delete=models.PROTECT, related_name="assessments"
    )
    mode = models.CharField(_("mode"), max_length=8, choices=Mode.choices)
    adjuster = models.ForeignKey(
        "core.User", verbose_name=_("adjuster"), on_delete=models.PROTECT, related_name="+"
    )
    authorisation = models.ForeignKey(
        AdjusterAuthorisation,
        verbose_name=_("under authority"),
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    loss_cause = models.CharField(_("loss cause"), max_length=200)
    quantity = models.DecimalField(
        _("quantity"), max_digits=14, decimal_places=4, validators=[MinValueValidator(0)]
    )
    unit = models.CharField(_("unit"), max_length=10)
    amount = models.DecimalField(
        _("assessed loss (yuan)"), **MONEY, validators=[MinValueValidator(0)]
    )
    exclusions = models.ManyToManyField(
        "underwriting.ProductExclusion",
        verbose_name=_("exclusions applied"),
        blank=True,
        related_name="+",
    )
    exclusion_note = models.TextField(_("how the exclusions applied"), blank=True)
    assessed_at = models.DateTimeField(_("assessed at"))
    remote_session_at = models.DateTimeField(_("remote session at"), null=True, blank=True)
    materials_uploaded_at = models.DateTimeField(
        _("remote materials uploaded at"), null=True, blank=True
    )
    calculated_amount = models.DecimalField(
        _("payable amount (yuan)"),
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    calculation_note = models.TextField(_("calculation"), blank=True)
    calculated_at = models.DateTimeField(_("calculated at"), null=True, blank=True)
    signed_by_name = models.CharField(_("signed by (customer)"), max_length=100, blank=True)
    customer_signed_at = models.DateTimeField(_("customer signed at"), null=True, blank=True)
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)
    history = audited()

    scope_field = "case__org_unit"

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-assessed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(superseded_at__isnull=True),
                name="assessment_one_current_per_case",
            ),
            models.CheckConstraint(
                condition=~Q(mode="remote") | Q(remote_session_at__isnull=False),
                name="assessment_remote_has_session",
            ),
            models.CheckConstraint(
                condition=Q(customer_signed_at__isnull=True) | Q(calculated_at__isnull=False),
                name="assessment_signed_after_calculation",
            ),
        ]

    def __str__(self):
        return f"{self.case.number} {self.amount}"


class PaymentRequest(models.Model):
    """A request to pay the case (the last step of one-stop service, or after the
    claims centre approves), to the payee's bank account."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Cancelled")

    case = models.ForeignKey(
        ClaimCase, verbose_name=_("case"), on_delete=models.PROTECT, related_name="payments"
    )
    amount = models.DecimalField(
        _("amount (yuan)"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))]
    )
    payee_name = models.CharField(_("payee"), max_length=100)
    payee_id_number = models.CharField(_("payee ID number"), max_length=18)
    bank_name = models.CharField(_("bank"), max_length=60)
    bank_account = models.CharField(_("bank account"), max_length=32)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.REQUESTED
    )
    requested_by = models.ForeignKey(
        "core.User", verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=60, blank=True)
    history = audited()

    scope_field = "case__org_unit"

    class Meta:
        verbose_name = _("payment request")
        verbose_name_plural = _("payment requests")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(state="requested") | Q(state="paid"),
                name="payment_one_live_per_case",
            ),
            models.CheckConstraint(
                condition=~Q(state="paid") | Q(paid_at__isnull=False), name="payment_paid_has_time"
            ),
        ]

    def __str__(self):
        return f"{self.case.number} {self.amount}"


def _document_path(instance, filename):
    return f"claims/documents/{instance.case.org_unit_id}/{instance.case_id}/{filename}"


class CaseDocument(models.Model):
    """A scanned claim document (PDF or image) of one kind on the case's checklist."""

    case = models.ForeignKey(
        ClaimCase, verbose_name=_("case"), on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.ForeignKey(DocumentKind, verbose_name=_("document"), on_delete=models.PROTECT)
    file = models.FileField(_("scan"), upload_to=_document_path)
    original_name = models.CharField(_("original file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    pages = models.PositiveIntegerField(_("pages"), default=1)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    note = models.CharField(_("note"), max_length=200, blank=True)
    received_by = models.ForeignKey(
        "core.User", verbose_name=_("received by"), on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(_("received at"))
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removed_reason = models.CharField(_("why removed"), max_length=200, blank=True)
    history = audited()

    scope_field = "case__org_unit"

    class Meta:
        verbose_name = _("claim document")
        verbose_name_plural = _("claim documents")
        ordering = ["kind__position", "received_at", "pk"]
        indexes = [models.Index(fields=["case", "kind"], name="case_document_by_kind")]
        constraints = [
            models.CheckConstraint(
                condition=Q(removed_at__isnull=True) | ~Q(removed_reason=""),
                name="document_removed_has_reason",
            )
        ]

    def __str__(self):
        return f"{self.case.number} {self.kind}"


class StatusQuery(models.Model):
    """CLM-11: every status query, answered only on the insured's ID (or a power of
    attorney with an ID copy) and the policy details; refusals are kept too."""

    class Channel(models.TextChoices):
        COUNTER = "counter", _("Counter")
        API = "api", _("API")

    case = models.ForeignKey(
        ClaimCase,
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="status_queries",
    )
    org_unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("asked at"), on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    asked_by = models.ForeignKey(
        "core.User", verbose_name=_("asked by"), on_delete=models.PROTECT, related_name="+"
    )
    asked_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    policy_number = models.CharField(_("policy number"), max_length=32)
    via_attorney = models.BooleanField(_("by power of attorney"), default=False)
    attorney_name = models.CharField(_("attorney"), max_length=100, blank=True)
    answered = models.BooleanField(_("answered"), default=False)
    refusal = models.CharField(_("why not answered"), max_length=200, blank=True)

    scope_field = "org_unit"

    class Meta:
        verbose_name = _("status query")
        verbose_name_plural = _("status queries")
        ordering = ["-asked_at", "-pk"]

    def __str__(self):
        return f"{self.policy_number} {self.asked_at:%Y-%m-%d %H:%M}"


class WatchListEntry(models.Model):
    """CLM-16: a person who made a proven false claim, checked at every intake."""

    county = models.ForeignKey(
        "core.OrgUnit",
        verbose_name=_("county branch"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "county"},
    )
    name = models.CharField(_("name"), max_length=100)
    id_number = models.CharField(_("ID number"), max_length=18)
    reason = models.TextField(_("reason"))
    case = models.ForeignKey(
        ClaimCase,
        verbose_name=_("false claim"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    added_by = models.ForeignKey(
        "core.User", verbose_name=_("added by"), on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removed_by = models.ForeignKey(
        "core.User",
        verbose_name=_("removed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    removed_reason = models.TextField(_("why removed"), blank=True)
    history = audited()

    scope_field = "county"

    class Meta:
        verbose_name = _("watch list entry")
        verbose_name_plural = _("watch list")
        ordering = ["-added_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "id_number"],
                condition=Q(removed_at__isnull=True),
                name="watch_list_once_per_person",
            ),
            models.CheckConstraint(
                condition=Q(removed_at__isnull=True) | ~Q(removed_reason=""),
                name="watch_list_removed_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.county})"
