"""Outlets (OUT-2..OUT-16): the registry of each township outlet against the
standardisation guide, its inspections and findings, staffing, hours and duty roster,
the counter queue with its 30-minute wait, consultations, satisfaction and the monthly
compliance score.

Every record hangs off an outlet node of the org tree (OUT-1) through `outlet`.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.audit import audited
from core.models.timers import timer_link

MONEY = {"max_digits": 14, "decimal_places": 2}
AREA = {"max_digits": 8, "decimal_places": 2}


def _outlet_fk(related_name: str) -> models.ForeignKey:
    return models.ForeignKey(
        "core.OrgUnit",
        verbose_name=_("outlet"),
        on_delete=models.PROTECT,
        related_name=related_name,
        limit_choices_to={"kind": "outlet"},
    )


class OutletSettings(models.Model):
    """The configurable numbers of the outlet rules, per county (or the default row)."""

    county = models.OneToOneField(
        "core.OrgUnit",
        verbose_name=_("county branch"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"kind": "county"},
    )
    min_area = models.DecimalField(
        _("minimum usable area (m²)"), **AREA, default=Decimal("30"), help_text="OUT-4"
    )
    min_lease_years = models.PositiveSmallIntegerField(
        _("minimum lease term (years)"), default=3, help_text="OUT-5"
    )
    satisfaction_target = models.DecimalField(
        _("satisfaction target"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.800"),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("OUT-15: share of satisfied evaluations, e.g. 0.800."),
    )
    history = audited()

    scope_field = "county"

    class Meta:
        verbose_name = _("outlet settings")
        verbose_name_plural = _("outlet settings")

    def __str__(self):
        return str(self.county or _("Default"))


class StaffingBand(models.Model):
    """OUT-10: the minimum staff of an outlet whose annual premium is at least
    `premium_from` (the highest band reached applies); per county or the default."""

    county = models.ForeignKey(
        "core.OrgUnit",
        verbose_name=_("county branch"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"kind": "county"},
    )
    premium_from = models.DecimalField(_("annual premium from (yuan)"), **MONEY)
    minimum_staff = models.PositiveSmallIntegerField(_("minimum staff"))
    history = audited()

    scope_field = "county"

    class Meta:
        verbose_name = _("staffing band")
        verbose_name_plural = _("staffing bands")
        ordering = ["county", "premium_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["premium_from"],
                condition=Q(county__isnull=True),
                name="staffing_band_default_unique",
            ),
            models.UniqueConstraint(
                fields=["county", "premium_from"],
                condition=Q(county__isnull=False),
                name="staffing_band_county_unique",
            ),
            models.CheckConstraint(
                condition=Q(premium_from__gte=0), name="staffing_band_from_ge_0"
            ),
        ]

    def __str__(self):
        return f"≥ {self.premium_from}: {self.minimum_staff}"


class OutletProfile(models.Model):
    """The registry record of one outlet (OUT-2..OUT-9)."""

    class HeadType(models.TextChoices):
        EMPLOYEE = "employee", _("Employee with a labour contract")
        ENTRUSTED = "entrusted", _("Entrusted head from the community (委托负责人)")

    outlet = models.OneToOneField(
        "core.OrgUnit",
        verbose_name=_("outlet"),
        on_delete=models.PROTECT,
        related_name="profile",
        limit_choices_to={"kind": "outlet"},
    )
    county_label = models.CharField(
        _("county / district"), max_length=40, help_text=_("As printed: 阳山县, 清城区 …")
    )
    township = models.CharField(_("township"), max_length=40, help_text=_("阳城镇, 黎埠镇 …"))
    imposed_name = models.CharField(
        _("name imposed by the regulator"), max_length=120, blank=True, help_text="OUT-2"
    )
    imposed_name_reason = models.TextField(_("why the regulator imposed it"), blank=True)
    address = models.CharField(_("address"), max_length=200)
    phone = models.CharField(_("service phone"), max_length=40, blank=True)
    # OUT-3: site facts as recorded when the outlet was set up; inspections check them.
    ground_floor_storefront = models.BooleanField(
        _("independent ground-floor storefront"), default=False
    )
    on_main_street = models.BooleanField(_("on a township main street"), default=False)
    inside_partner_premises = models.BooleanField(
        _("inside a partner's premises"),
        default=False,
        help_text=_("A property office, village committee, car wash or repair shop."),
    )
    in_back_street = models.BooleanField(
        _("in an alley, back street or residential block"), default=False
    )
    frontage_unobstructed = models.BooleanField(_("unobstructed frontage"), default=False)
    surroundings_safe = models.BooleanField(
        _("safe surroundings"),
        default=False,
        help_text=_("No explosion, strong-magnetic, flood or fire hazard nearby."),
    )
    building_inspected = models.BooleanField(
        _("building passed quality and fire inspection"), default=False
    )
    usable_area = models.DecimalField(_("usable floor area (m²)"), **AREA, help_text="OUT-4")
    head_name = models.CharField(_("head of outlet"), max_length=60)
    head_type = models.CharField(_("head type"), max_length=10, choices=HeadType.choices)
    head_user = models.ForeignKey(
        "core.User",
        verbose_name=_("head's user account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    head_appointed_on = models.DateField(_("head appointed on"), null=True, blank=True)
    # OUT-10: the annual premium as entered, until underwriting provides the figure.
    entered_annual_premium = models.DecimalField(
        _("annual premium (entered)"), **MONEY, null=True, blank=True
    )
    history = audited()

    scope_field = "outlet"

    class Meta:
        verbose_name = _("outlet profile")
        verbose_name_plural = _("outlet profiles")
        ordering = ["outlet__path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(imposed_name="") | ~Q(imposed_name_reason=""),
                name="outlet_imposed_name_has_reason",
            ),
            models.CheckConstraint(condition=Q(usable_area__gte=0), name="outlet_area_ge_0"),
        ]

    def __str__(self):
        return self.official_name

    @property
    def standard_name(self) -> str:
        """OUT-2: the name built from the county and the township."""
        return f"PICC中国人民保险 {self.county_label}{self.township}三农营销服务部"

    @property
    def official_name(self) -> str:
        """OUT-2: a name imposed by the local regulator wins over the standard one."""
        return self.imposed_name or self.standard_name

    def clean(self):
        super().clean()
        if self.imposed_name and not self.imposed_name_reason.strip():
            raise ValidationError(
                {"imposed_name_reason": _("Say why the regulator imposed this name (OUT-2).")}
            )


class Lease(models.Model):
    """OUT-5: the lease of the outlet's premises; warned about before it ends."""

    outlet = _outlet_fk("leases")
    landlord = models.CharField(_("landlord"), max_length=120)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    short_term_reason = models.TextField(
        _("why the term is shorter than the minimum"), blank=True, help_text="OUT-5"
    )
    end_warning = timer_link(_("end warning"))
    history = audited()

    scope_field = "outlet"

    class Meta:
        verbose_name = _("lease")
        verbose_name_plural = _("leases")
        ordering = ["outlet", "-ends_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=F("starts_on")), name="lease_ends_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.landlord} {self.starts_on}–{self.ends_on}"


class FacilityItem(models.Model):
    """One item of the OUT-6 signage, OUT-7 interior or OUT-8 equipment catalogue
    (`outlets.standards`) as present at the outlet."""

    class Category(models.TextChoices):
        SIGNAGE = "signage", _("Signage (OUT-6)")
        INTERIOR = "interior", _("Interior (OUT-7)")
        EQUIPMENT = "equipment", _("Equipment (OUT-8)")

    outlet = _outlet_fk("facilities")
    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    code = models.CharField(_("item"), max_length=40)
    present = models.BooleanField(_("present"), default=False)
    # OUT-6: the nameplate's size and board.
    width_mm = models.PositiveIntegerField(_("width (mm)"), null=True, blank=True)
    height_mm = models.PositiveIntegerField(_("height (mm)"), null=True, blank=True)
    thickness_mm = models.PositiveIntegerField(_("thickness (mm)"), null=True, blank=True)
    material = models.CharField(_("material"), max_length=60, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    history = audited()

    scope_field = "outlet"

    class Meta:
        verbose_name = _("facility item")
        verbose_name_plural = _("facility items")
        ordering = ["outlet", "category", "code"]
        constraints = [
            models.UniqueConstraint(fields=["outlet", "code"], name="facility_item_unique"),
        ]

    def __str__(self):
        return self.code


class StaffMember(models.Model):
    """A person working at the outlet (OUT-9, OUT-10): staff count towards the minimum;
    sales agents must hold a qualification whose expiry is warned about."""

    class Kind(models.TextChoices):
        EMPLOYEE = "employee", _("Employee")
        AGENT = "agent", _("Sales agent")
        DISPATCHED = "dispatched", _("Dispatched worker")

    outlet = _outlet_fk("staff")
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    user = models.ForeignKey(
        "core.User",
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    qualification_number = models.CharField(_("qualification number"), max_length=40, blank=True)
    qualification_expires_on = models.DateField(
        _("qualification expires on"), null=True, blank=True
    )
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    expiry_warning = timer_link(_("expiry warning"))
    history = audited()

    scope_field = "outlet"

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")
        ordering = ["outlet", "name"]
        constraints = [
            # OUT-10: an agent holds a qualification (number and expiry).
            models.CheckConstraint(
                condition=~Q(kind="agent")
                | (~Q(qualification_number="") & Q(qualification_expires_on__isnull=False)),
                name="staff_agent_has_qualification",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("joined_on")),
                name="staff_leaves_after_joining",
            ),
        ]

    def __str__(self):
        return self.name


class BusinessHours(models.Model):
    """OUT-11: the published opening hours of a weekday (1 = Monday … 7 = Sunday)."""

    outlet = _outlet_fk("hours")
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))
    history = audited()

    scope_field = "outlet"

    class Meta:
        verbose_name = _("business hours")
        verbose_name_plural = _("business hours")
        ordering = ["outlet", "weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes__gt=F("opens")), name="hours_close_after_open"
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=1, weekday__lte=7), name="hours_weekday_1_7"
            ),
        ]

    def __str__(self):
        return f"{self.weekday} {self.opens:%H:%M}–{self.closes:%H:%M}"


class HolidayService(models.Model):
    """OUT-11: a holiday on which the outlet promises service; somebody must be on duty.
    The OUT-11-duty timer checks the roster ahead of the day."""

    outlet = _outlet_fk("holiday_services")
    day = models.DateField(_("day"))
    opens = models.TimeField(_("opens"), default=dt.time(9, 0))
    closes = models.TimeField(_("closes"), default=dt.time(16, 0))
    note = models.CharField(_("note"), max_length=200, blank=True)
    duty_check = timer_link(_("duty check"))
    history = audited()

    scope_field = "outlet"

    class Meta:
        verbose_name = _("holiday service")
        verbose_name_plural = _("holiday services")
        ordering = ["outlet", "day"]
        constraints = [
            models.UniqueConstraint(fields=["outlet", "day"], name="holiday_service_unique"),
        ]

    def __str__(self):
        return f"{self.day}"


class DutyAssignment(models.Model):
    """OUT-11: who is on duty on a promised holiday."""

    service = models.ForeignKey(
        HolidayService, verbose_name=_("holiday"), on_delete=models.CASCADE, related_name="duty"
    )
    staff = models.ForeignKey(
        StaffMember, verbose_name=_("on duty"), on_delete=models.PROTECT, related_name="+"
    )
    history = audited()

    scope_field = "service__outlet"

    class Meta:
        verbose_name = _("duty assignment")
        verbose_name_plural = _("duty roster")
        constraints = [
            models.UniqueConstraint(fields=["service", "staff"], name="duty_assignment_unique"),
        ]

    def __str__(self):
        return f"{self.service} {self.staff}"


class Inspection(models.Model):
    """An inspection of an outlet against the standards (OUT-3..OUT-9)."""

    class State(models.TextChoices):
        DRAFT = "draft", _("In progress")
        COMPLETED = "completed", _("Completed")

    outlet = _outlet_fk("outlet_inspections")
    inspector = models.ForeignKey(
        "core.User", verbose_name=_("inspector"), on_delete=models.PROTECT, related_name="+"
    )
    inspected_on = models.DateField(_("inspected on"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    note = models.TextField(_("note"), blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    history = audited()

    scope_field = "outlet"

    class Meta:
        verbose_name = _("outlet inspection")
        verbose_name_plural = _("outlet inspections")
        ordering = ["outlet", "-inspected_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="completed") | Q(completed_at__isnull=False),
                name="inspection_completed_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.outlet} {self.inspected_on}"


class InspectionResult(models.Model):
    """One standard as the inspector found it; evidence photos hang off this row."""

    class Result(models.TextChoices):
        MET = "met", _("Met")
        NOT_MET = "not_met", _("Not met")
        NOT_APPLICABLE = "na", _("Not applicable")

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="results"
    )
    standard = models.CharField(_("standard"), max_length=40)
    result = models.CharField(_("result"), max_length=8, choices=Result.choices)
    note = models.TextField(_("note"), blank=True)
    history = audited()

    scope_field = "inspection__outlet"

    class Meta:
        verbose_name = _("inspection result")
        verbose_name_plural = _("inspection results")
        ordering = ["inspection", "standard"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "standard"], name="inspection_result_unique"
            ),
        ]

    def __str__(self):
        return f"{self.standard}: {self.get_result_display()}"


class Finding(models.Model):
    """A compliance finding (OUT-16): an unmet standard, understaffing (OUT-10), a holiday
    without duty (OUT-11), or a manager's own; corrected by its owner by the due date
    (an OUT-16 timer) and closed by a re-inspection or a manager."""

    class Source(models.TextChoices):
        INSPECTION = "inspection", _("Inspection")
        STAFFING = "staffing", _("Staffing (OUT-10)")
        HOURS = "hours", _("Hours and duty (OUT-11)")
        WAITS = "waits", _("Counter waits (OUT-12)")
        SATISFACTION = "satisfaction", _("Satisfaction (OUT-15)")
        MANUAL = "manual", _("Recorded by a manager")

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    outlet = _outlet_fk("findings")
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    standard = models.CharField(_("standard"), max_length=40)
    result = models.OneToOneField(
        InspectionResult,
        verbose_name=_("inspection result"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="finding",
    )
    description = models.TextField(_("finding"))
    corrective_action = models.TextField(_("corrective action"))
    owner = models.ForeignKey(
        "core.User", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField(_("due on"))
    timer = timer_link(_("due timer"))
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.OPEN)
    raised_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    raised_by = models.ForeignKey(
        "core.User",
        verbose_name=_("raised by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty when the system raised it."),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        "core.User",
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_by_inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("closed by re-inspection"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="closed_findings",
    )
    closing_note = models.TextField(_("closing note"), blank=True)
    history = audited()

    scope_field = "outlet"

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["outlet", "state", "due_on", "pk"]
        indexes = [models.Index(fields=["outlet", "state"], name="finding_outlet_state")]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="open", closed_at__isnull=True)
                | Q(state="closed", closed_at__isnull=False),
                name="finding_closed_has_time",
            ),
            # A system check (staffing, duty) raises one open finding per standard.
            models.UniqueConstraint(
                fields=["outlet", "standard"],
                condition=Q(state="open") & ~Q(source__in=["inspection", "manual"]),
                name="finding_one_open_system_finding",
            ),
        ]

    def __str__(self):
        return f"{self.outlet} {self.standard}"


class QueueCounter(models.Model):
    """The last ticket number given at an outlet on a day: the row is locked to number
    the next ticket, so numbers are never lost or given twice (OUT-12)."""

    outlet = _outlet_fk("+")
    day = models.DateField(_("day"))
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    scope_field = "outlet"

    class Meta:
        verbose_name = _("queue counter")
        verbose_name_plural = _("queue counters")
        constraints = [
            models.UniqueConstraint(fields=["outlet", "day"], name="queue_counter_unique"),
        ]

    def __str__(self):
        return f"{self.outlet} {self.day}: {self.last_number}"


class QueueTicket(models.Model):
    """A walk-in customer's take-a-number ticket (OUT-12): issued, called, served, done;
    the 30-minute wait runs as an OUT-12 timer from issue to call."""

    class Purpose(models.TextChoices):
        CONSULTATION = "consultation", _("Consultation")
        COMPLAINT = "complaint", _("Complaint")
        ISSUANCE = "issuance", _("Policy issuance")
        CLAIM = "claim", _("Claim")
        CHANGE = "change", _("Policy change")

    # The letter printed before the number, per purpose (A012).
    PREFIX = {
        Purpose.CONSULTATION: "A",
        Purpose.COMPLAINT: "B",
        Purpose.ISSUANCE: "C",
        Purpose.CLAIM: "D",
        Purpose.CHANGE: "E",
    }

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        CALLED = "called", _("Called")
        SERVING = "serving", _("Being served")
        DONE = "done", _("Done")
        LEFT = "left", _("Left without service")

    OPEN_STATES = (State.WAITING, State.CALLED, State.SERVING)

    outlet = _outlet_fk("tickets")
    day = models.DateField(_("day"))
    number = models.PositiveIntegerField(_("number"))
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.WAITING)
    issued_at = models.DateTimeField(_("issued at"))
    called_at = models.DateTimeField(_("called at"), null=True, blank=True)
    served_at = models.DateTimeField(_("service started at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    window = models.CharField(_("counter window"), max_length=10, blank=True)
    served_by = models.ForeignKey(
        "core.User",
        verbose_name=_("served by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_by = models.ForeignKey(
        "core.User",
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The clerk or the kiosk's API account."),
    )
    told_of_wait_at = models.DateTimeField(
        _("told of a longer wait at"), null=True, blank=True, help_text="OUT-12"
    )
    wait_timer = timer_link(_("wait timer"))
    wait_breached = models.BooleanField(_("waited over the limit"), default=False)
    # The unguessable part of the rating link printed on the ticket (OUT-15).
    rating_token = models.CharField(_("rating token"), max_length=64, unique=True)

    scope_field = "outlet"

    class Meta:
        verbose_name = _("queue ticket")
        verbose_name_plural = _("queue tickets")
        ordering = ["outlet", "day", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["outlet", "day", "number"], name="ticket_unique_number"
            ),
        ]
        indexes = [
            models.Index(fields=["outlet", "day", "state"], name="ticket_outlet_day_state"),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return f"{self.PREFIX.get(self.purpose, '')}{self.number:03d}"


class Consultation(models.Model):
    """OUT-14: a question about a product, premium or service, answered the same day or
    by a promised reply time that is tracked (OUT-14 timer) to the answer."""

    class Topic(models.TextChoices):
        PRODUCT = "product", _("Product")
        PREMIUM = "premium", _("Premium")
        SERVICE = "service", _("Service")
        CLAIM = "claim", _("Claim")
        OTHER = "other", _("Other")

    class State(models.TextChoices):
        OPEN = "open", _("Awaiting an answer")
        ANSWERED = "answered", _("Answered")

    outlet = _outlet_fk("consultations")
    ticket = models.ForeignKey(
        QueueTicket,
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consultations",
    )
    customer_name = models.CharField(_("customer"), max_length=60)
    customer_phone = models.CharField(_("phone"), max_length=20, blank=True)
    topic = models.CharField(_("topic"), max_length=10, choices=Topic.choices)
    question = models.TextField(_("question"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    asked_at = models.DateTimeField(_("asked at"))
    promised_reply_at = models.DateTimeField(_("promised reply by"), null=True, blank=True)
    reply_timer = timer_link(_("reply timer"))
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        "core.User",
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        "core.User", verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    history = audited()

    scope_field = "outlet"

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["outlet", "-asked_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="open", answered_at__isnull=True)
                | Q(state="answered", answered_at__isnull=False) & ~Q(answer=""),
                name="consultation_answered_has_answer",
            ),
        ]

    def __str__(self):
        return f"{self.customer_name}: {self.get_topic_display()}"


class Evaluation(models.Model):
    """OUT-15: a customer's rating after service (on the counter tablet or through the
    ticket's QR code). Satisfied = "satisfied" or "very satisfied"."""

    class Rating(models.IntegerChoices):
        VERY_SATISFIED = 5, _("Very satisfied")
        SATISFIED = 4, _("Satisfied")
        NEUTRAL = 3, _("Neutral")
        DISSATISFIED = 2, _("Dissatisfied")
        VERY_DISSATISFIED = 1, _("Very dissatisfied")

    SATISFIED_FROM = Rating.SATISFIED

    class Channel(models.TextChoices):
        TABLET = "tablet", _("Counter tablet")
        QR = "qr", _("Ticket QR code")

    outlet = _outlet_fk("evaluations")
    ticket = models.OneToOneField(
        QueueTicket,
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="evaluation",
    )
    rating = models.PositiveSmallIntegerField(_("rating"), choices=Rating.choices)
    comment = models.CharField(_("comment"), max_length=300, blank=True)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    rated_at = models.DateTimeField(_("rated at"))
    served_by = models.ForeignKey(
        "core.User",
        verbose_name=_("served by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    scope_field = "outlet"

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["outlet", "-rated_at"]
        indexes = [models.Index(fields=["outlet", "rated_at"], name="evaluation_outlet_time")]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="evaluation_rating_1_5"
            ),
        ]

    def __str__(self):
        return f"{self.outlet} {self.get_rating_display()}"

    @property
    def satisfied(self) -> bool:
        return self.rating >= self.SATISFIED_FROM


class ComplianceScore(models.Model):
    """OUT-16: an outlet's score for one month, with the breakdown it was built from."""

    outlet = _outlet_fk("compliance_scores")
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    breakdown = models.JSONField(_("breakdown"), default=dict)
    open_findings = models.PositiveIntegerField(_("open findings"), default=0)
    computed_at = models.DateTimeField(_("computed at"))

    scope_field = "outlet"

    class Meta:
        verbose_name = _("compliance score")
        verbose_name_plural = _("compliance scores")
        ordering = ["outlet", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["outlet", "month"], name="compliance_score_unique"),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=100), name="compliance_score_0_100"
            ),
        ]

    def __str__(self):
        return f"{self.outlet} {self.month:%Y-%m}: {self.score}"
