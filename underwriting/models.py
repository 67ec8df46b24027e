"""Underwriting (UW-1..UW-13): customers, products, individual and group policies,
household lists, verification, signatures, endorsements and surrenders.

Money is Decimal to the cent. Every business record hangs off an outlet (OUT-1) through
`org_unit`, or through its policy (`scope_field`).
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.utils.translation import gettext_lazy as _

from core.audit import audited

MONEY = {"max_digits": 14, "decimal_places": 2}
QUANTITY = {"max_digits": 14, "decimal_places": 4}
RATE = {"max_digits": 7, "decimal_places": 6}
ZERO = Decimal("0.00")


class SubsidyLevel(models.TextChoices):
    """UW-4: who pays the part of the premium that the farmer does not."""

    CENTRAL = "central", _("Central finance")
    PROVINCIAL = "provincial", _("Provincial finance")
    CITY = "city", _("City finance")
    COUNTY = "county", _("County finance")


class Customer(models.Model):
    """A farmer or an agricultural organisation (UW-1), registered by an outlet.

    `id_number` is stored normalised (see underwriting.identity), so one person is one
    customer of the outlet however the number was typed.
    """

    class Kind(models.TextChoices):
        FARMER = "farmer", _("Farmer")
        ORGANISATION = "organisation", _("Organisation")

    class OrganisationType(models.TextChoices):
        VILLAGE_COMMITTEE = "village_committee", _("Village committee")
        COOPERATIVE = "cooperative", _("Farmers' cooperative")
        FAMILY_FARM = "family_farm", _("Family farm")
        LARGE_GROWER = "large_grower", _("Large grower")
        ENTERPRISE = "enterprise", _("Leading agricultural enterprise")
        OTHER = "other", _("Other agricultural organisation")

    org_unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("outlet"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    organisation_type = models.CharField(
        _("organisation type"), max_length=24, choices=OrganisationType.choices, blank=True
    )
    name = models.CharField(_("name"), max_length=100)
    id_number = models.CharField(
        _("ID number"),
        max_length=18,
        help_text=_("18-digit resident ID, or unified social credit code for organisations."),
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    village_group = models.CharField(_("village / group"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=32, blank=True)
    bank_name = models.CharField(_("bank"), max_length=60, blank=True)
    created_by = models.ForeignKey(
        "core.User", verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = audited()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "id_number"], name="customer_one_per_id_per_outlet"
            ),
            models.CheckConstraint(
                condition=Q(kind="organisation") | Q(organisation_type=""),
                name="customer_only_organisations_have_a_type",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        from underwriting.identity import IdentityError, normalise_identity

        try:
            self.id_number = normalise_identity(self.id_number, kind=self.kind)
        except IdentityError as exc:
            raise ValidationError({"id_number": exc.messages}) from None


class Product(models.Model):
    """An insurance product (险种) with its rate and, as data, its exclusions."""

    class Line(models.TextChoices):
        CROP = "crop", _("Agricultural crop")
        LIVESTOCK = "livestock", _("Livestock")
        FOREST = "forest", _("Forest")
        MOTOR = "motor", _("Motor")
        ACCIDENT = "accident", _("Accident")
        OTHER = "other", _("Other")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    line = models.CharField(_("line"), max_length=16, choices=Line.choices)
    policy_based = models.BooleanField(
        _("policy-based (政策性)"),
        default=False,
        help_text=_("Subsidised by public finance; parties must be farmers or organisations."),
    )
    rate = models.DecimalField(_("premium rate"), **RATE, validators=[MinValueValidator(0)])
    sum_insured_per_unit = models.DecimalField(
        _("sum insured per unit"), **MONEY, validators=[MinValueValidator(0)]
    )
    unit = models.CharField(_("unit"), max_length=10, help_text=_("亩, 头, 只, 株, 辆, 人 …"))
    cover_days = models.PositiveIntegerField(_("cover period (days)"), default=365)
    liability = models.TextField(_("liability summary"), blank=True)
    claim_route = models.TextField(
        _("how to report a claim"),
        default="拨打95518报案，或到当地三农营销服务部报案。",
    )
    inspection_quantity = models.DecimalField(
        _("on-site inspection from quantity"),
        **QUANTITY,
        null=True,
        blank=True,
        help_text=_("UW-5: individual policies of at least this quantity need an inspection."),
    )
    flag_quantity_over = models.DecimalField(
        _("flag household quantity over"),
        **QUANTITY,
        null=True,
        blank=True,
        help_text=_("UW-5: household rows above this quantity are flagged for verification."),
    )
    is_active = models.BooleanField(_("on sale"), default=True)
    history = audited()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rate__gte=0) & Q(rate__lte=1), name="product_rate_is_a_fraction"
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def unit_premium(self) -> Decimal:
        """The premium of one unit, unrounded."""
        return self.sum_insured_per_unit * self.rate


class ProductExclusion(models.Model):
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="exclusions"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("exclusion"), max_length=300)

    class Meta:
        verbose_name = _("exclusion")
        verbose_name_plural = _("exclusions")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.text


class SubsidyRate(models.Model):
    """UW-4: the share of the premium each level of public finance pays, per product,
    region and year. The most specific region wins (county over city over province)."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="subsidies"
    )
    region = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    central = models.DecimalField(_("central"), **RATE, default=0)
    provincial = models.DecimalField(_("provincial"), **RATE, default=0)
    city = models.DecimalField(_("city"), **RATE, default=0)
    county = models.DecimalField(_("county"), **RATE, default=0)
    history = audited()

    class Meta:
        verbose_name = _("subsidy rate")
        verbose_name_plural = _("subsidy rates")
        ordering = ["product", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "region", "year"], name="subsidy_one_per_product_region_year"
            ),
            models.CheckConstraint(
                condition=Q(central__gte=0, provincial__gte=0, city__gte=0, county__gte=0),
                name="subsidy_rates_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(central__lte=Decimal(1) - F("provincial") - F("city") - F("county")),
                name="subsidy_rates_at_most_whole_premium",
            ),
        ]

    def __str__(self):
        return f"{self.product} {self.region} {self.year}"

    def as_dict(self) -> dict[str, Decimal]:
        return {level: getattr(self, level) for level in SubsidyLevel.values}

    def clean(self):
        if sum(self.as_dict().values()) > 1:
            raise ValidationError(_("The subsidies add up to more than the whole premium."))


class UnderwritingRules(models.Model):
    """Configurable numbers of the underwriting rules; a county may override the default
    row (county empty)."""

    county = models.OneToOneField(
        "core.OrgUnit",
        verbose_name=_("county branch"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"kind": "county"},
    )
    backfill_days = models.PositiveSmallIntegerField(
        _("entry allowed up to (days after application)"), default=30
    )
    premium_tolerance = models.DecimalField(
        _("premium arithmetic tolerance (yuan)"), **MONEY, default=Decimal("0.05")
    )
    history = audited()

    scope_field = "county"

    class Meta:
        verbose_name = _("underwriting rules")
        verbose_name_plural = _("underwriting rules")
        constraints = [
            models.UniqueConstraint(
                fields=["county"],
                condition=Q(county__isnull=True),
                name="underwriting_rules_one_default",
            ),
        ]

    def __str__(self):
        return str(self.county) if self.county_id else str(_("Default"))


class Village(models.Model):
    """A village an outlet serves, with what it can hold (UW-5 capacity check) and
    whether it lies in an epidemic zone."""

    org_unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("outlet"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("village"), max_length=100)
    epidemic_zone = models.BooleanField(_("in an epidemic zone"), default=False)
    epidemic_note = models.CharField(_("epidemic note"), max_length=200, blank=True)
    history = audited()

    class Meta:
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "name"], name="village_unique_per_outlet")
        ]

    def __str__(self):
        return self.name


class VillageCapacity(models.Model):
    village = models.ForeignKey(
        Village, verbose_name=_("village"), on_delete=models.CASCADE, related_name="capacities"
    )
    unit = models.CharField(_("unit"), max_length=10)
    quantity = models.DecimalField(_("recorded capacity"), **QUANTITY)

    scope_field = "village__org_unit"

    class Meta:
        verbose_name = _("village capacity")
        verbose_name_plural = _("village capacities")
        constraints = [
            models.UniqueConstraint(fields=["village", "unit"], name="capacity_one_per_unit")
        ]

    def __str__(self):
        return f"{self.village} {self.quantity}{self.unit}"


class PremiumSplit(models.Model):
    """UW-4: total = farmer + central + provincial + city + county, to the cent."""

    premium = models.DecimalField(_("total premium"), **MONEY, default=ZERO)
    farmer_share = models.DecimalField(_("farmer's own share"), **MONEY, default=ZERO)
    central = models.DecimalField(_("central subsidy"), **MONEY, default=ZERO)
    provincial = models.DecimalField(_("provincial subsidy"), **MONEY, default=ZERO)
    city = models.DecimalField(_("city subsidy"), **MONEY, default=ZERO)
    county = models.DecimalField(_("county subsidy"), **MONEY, default=ZERO)

    class Meta:
        abstract = True

    @property
    def subsidy_total(self) -> Decimal:
        return self.central + self.provincial + self.city + self.county

    def split_adds_up(self) -> bool:
        return self.premium == self.farmer_share + self.subsidy_total


def _split_adds_up(name: str) -> models.CheckConstraint:
    # Rounded to the cent because SQLite (the embedded dev default) adds decimals as
    # floats; on PostgreSQL the sum of numeric(14,2) values is exact and ROUND changes
    # nothing.
    parts = F("farmer_share") + F("central") + F("provincial") + F("city") + F("county")
    return models.CheckConstraint(condition=Q(premium=Round(parts, 2)), name=name)


class Policy(PremiumSplit):
    """A policy: individual (one insured) or group (an organiser and a household list).

    Life: a quote is issued at the counter, or arrives from telesales/online as pending
    payment (UW-11) and is issued when paid; a group policy is listed, noticed (PUB-1)
    and then finalised. Issued policies change only through PolicyChange (UW-12).
    """

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("Individual")
        GROUP = "group", _("Group (village)")

    class Channel(models.TextChoices):
        COUNTER = "counter", _("Counter")
        TELESALES = "telesales", _("Telesales")
        ONLINE = "online", _("Online")

    class Status(models.TextChoices):
        QUOTED = "quoted", _("Quoted")
        PENDING_PAYMENT = "pending_payment", _("Pending payment")
        LISTED = "listed", _("Household list accepted")
        ISSUED = "issued", _("Issued")
        SURRENDERED = "surrendered", _("Surrendered")
        CANCELLED = "cancelled", _("Cancelled")

    class PaymentMethod(models.TextChoices):
        CASH = "cash", _("Cash")
        CARD = "card", _("Bank card")
        POS = "pos", _("POS")

    # NULL until issued: unique numbers, and many quotes without one.
    number = models.CharField(_("policy number"), max_length=32, unique=True, null=True)  # noqa: DJ001
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.COUNTER
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    org_unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("outlet"), on_delete=models.PROTECT, related_name="+"
    )
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT)
    applicant = models.ForeignKey(
        Customer,
        verbose_name=_("applicant"),
        on_delete=models.PROTECT,
        related_name="applied_policies",
        null=True,
        blank=True,
    )
    insured = models.ForeignKey(
        Customer,
        verbose_name=_("insured"),
        on_delete=models.PROTECT,
        related_name="insured_policies",
        null=True,
        blank=True,
    )
    organiser = models.ForeignKey(
        Customer,
        verbose_name=_("organiser"),
        on_delete=models.PROTECT,
        related_name="organised_policies",
        null=True,
        blank=True,
    )
    applicant_label = models.CharField(
        _("applicant as printed"), max_length=120, blank=True, help_text=_("UW-2: 张三等N户")
    )
    season = models.CharField(_("season"), max_length=40, blank=True)
    subject = models.CharField(_("subject"), max_length=100, blank=True)
    quantity = models.DecimalField(_("quantity"), **QUANTITY, default=0)
    unit = models.CharField(_("unit"), max_length=10, blank=True)
    sum_insured = models.DecimalField(_("sum insured"), **MONEY, default=ZERO)
    application_date = models.DateField(_("application date"))
    starts_on = models.DateField(_("cover starts"), null=True, blank=True)
    ends_on = models.DateField(_("cover ends"), null=True, blank=True)
    # UW-8: what the clerk explained before the customer signed.
    explained_at = models.DateTimeField(_("terms explained at"), null=True, blank=True)
    explained_by = models.ForeignKey(
        "core.User",
        verbose_name=_("terms explained by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    payment_method = models.CharField(
        _("payment method"), max_length=8, choices=PaymentMethod.choices, blank=True
    )
    payment_reference = models.CharField(_("payment reference"), max_length=64, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    printed_at = models.DateTimeField(_("first printed at"), null=True, blank=True)
    expected_minutes = models.PositiveSmallIntegerField(
        _("expected time stated to the customer (minutes)"), null=True, blank=True
    )
    external_reference = models.CharField(_("telesales / online order"), max_length=64, blank=True)
    # Group policies: the organiser's seal on the list (UW-7) and the notice (PUB-1).
    seal = models.CharField(
        _("organiser seal"),
        max_length=16,
        blank=True,
        choices=[("official", _("Official seal")), ("seam", _("Seam seal"))],
    )
    notice_completed_at = models.DateTimeField(
        _("public notice completed at"),
        null=True,
        blank=True,
        help_text=_("PUB-1: set by the publicity app when the notice has run its course."),
    )
    verification_code = models.CharField(
        _("verification code"), max_length=16, unique=True, null=True, blank=True
    )
    entered_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    entered_by = models.ForeignKey(
        "core.User", verbose_name=_("entered by"), on_delete=models.PROTECT, related_name="+"
    )
    history = audited()

    class Meta:
        verbose_name = _("policy")
        verbose_name_plural = _("policies")
        ordering = ["-entered_at", "-pk"]
        constraints = [
            _split_adds_up("policy_premium_split_adds_up"),
            models.CheckConstraint(
                condition=Q(kind="group", organiser__isnull=False, insured__isnull=True)
                | Q(kind="individual", insured__isnull=False, organiser__isnull=True),
                name="policy_parties_match_kind",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["quoted", "pending_payment", "listed", "cancelled"])
                | Q(number__isnull=False, issued_at__isnull=False),
                name="policy_issued_has_number",
            ),
            models.CheckConstraint(
                condition=Q(kind="group")
                | Q(status__in=["quoted", "cancelled"])
                | Q(explained_at__isnull=False)
                | Q(channel__in=["telesales", "online"]),
                name="policy_counter_terms_explained",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="policy_period_in_order",
            ),
            models.UniqueConstraint(
                fields=["channel", "external_reference"],
                condition=~Q(external_reference=""),
                name="policy_one_per_external_order",
            ),
        ]
        indexes = [
            models.Index(fields=["product", "season", "status"], name="policy_product_season"),
            # Dashboards (issue 8): issuance of a county's outlets in a period, and its
            # group policies by application date.
            models.Index(fields=["org_unit", "issued_at"], name="policy_outlet_issued"),
            models.Index(
                fields=["org_unit", "application_date"],
                condition=Q(kind="group"),
                name="policy_group_outlet_applied",
            ),
        ]

    def __str__(self):
        return self.number or str(_("Quote %(pk)s") % {"pk": self.pk})

    @property
    def is_live(self) -> bool:
        return self.status in {self.Status.LISTED, self.Status.ISSUED}


class HouseholdList(models.Model):
    """One import of a group policy's household list (分户标的投保清单), UW-10.

    An import validates the file in Celery; a list with blocking errors is rejected and
    keeps only its issues (the rows are not saved); a list with at most warnings is
    accepted and becomes the policy's current list, replacing the previous one.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Validating")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        SUPERSEDED = "superseded", _("Superseded")
        FAILED = "failed", _("Failed")

    policy = models.ForeignKey(
        Policy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="lists"
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.QUEUED)
    source = models.FileField(_("uploaded file"), upload_to="household-lists/%Y/%m/")
    source_name = models.CharField(_("file name"), max_length=255)
    report = models.FileField(
        _("validation report"), upload_to="household-reports/%Y/%m/", blank=True
    )
    rows_total = models.PositiveIntegerField(_("rows read"), default=0)
    rows_done = models.PositiveIntegerField(_("rows checked"), default=0)
    error_count = models.PositiveIntegerField(_("blocking errors"), default=0)
    warning_count = models.PositiveIntegerField(_("warnings"), default=0)
    household_count = models.PositiveIntegerField(_("households"), default=0)
    quantity = models.DecimalField(_("total quantity"), **QUANTITY, default=0)
    premium = models.DecimalField(_("total premium"), **MONEY, default=ZERO)
    failure = models.TextField(_("failure"), blank=True)
    uploaded_by = models.ForeignKey(
        "core.User", verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    scope_field = "policy__org_unit"

    class Meta:
        verbose_name = _("household list import")
        verbose_name_plural = _("household list imports")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self):
        return self.source_name

    @property
    def progress_percent(self) -> int:
        if self.state == self.State.QUEUED:
            return 0
        if self.state != self.State.RUNNING:
            return 100
        if self.rows_total == 0:  # the sheet does not say how many rows it has
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)


class ImportIssue(models.Model):
    """One finding of a list validation: a row's (or the whole list's) error or warning."""

    class Severity(models.TextChoices):
        ERROR = "error", _("Error")
        WARNING = "warning", _("Warning")

    household_list = models.ForeignKey(
        HouseholdList, on_delete=models.CASCADE, related_name="issues"
    )
    row_number = models.PositiveIntegerField(
        _("row"), null=True, blank=True, help_text=_("Line in the sheet; empty for the list.")
    )
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    code = models.CharField(_("code"), max_length=40)
    column = models.CharField(_("column"), max_length=40, blank=True)
    message = models.CharField(_("message"), max_length=300)

    scope_field = "household_list__policy__org_unit"

    class Meta:
        verbose_name = _("import issue")
        verbose_name_plural = _("import issues")
        ordering = ["row_number", "pk"]
        indexes = [models.Index(fields=["household_list", "row_number"], name="issue_by_row")]

    def __str__(self):
        return self.message


class HouseholdRow(PremiumSplit):
    """One insured household of a group policy (UW-3), with its share of the split."""

    class IdKind(models.TextChoices):
        RESIDENT = "resident", _("Resident ID")
        USCC = "uscc", _("Unified social credit code")

    class Signature(models.TextChoices):
        SIGNED = "signed", _("Signed")
        PROXY = "proxy", _("Proxy-signed")
        UNSIGNED = "unsigned", _("Unsigned")

    household_list = models.ForeignKey(HouseholdList, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField(_("row"))
    name = models.CharField(_("name"), max_length=100)
    id_kind = models.CharField(_("ID kind"), max_length=8, choices=IdKind.choices)
    id_number = models.CharField(_("ID number"), max_length=18)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    subject_type = models.CharField(_("subject type"), max_length=60, blank=True)
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    unit = models.CharField(_("unit"), max_length=10)
    village_group = models.CharField(_("village / group"), max_length=100, blank=True)
    plot = models.CharField(_("plot"), max_length=100, blank=True)
    forest_certificate = models.CharField(_("forest-rights certificate"), max_length=60, blank=True)
    subject_tag = models.CharField(_("ear tag / batch number"), max_length=60, blank=True)
    condition = models.CharField(_("subject condition"), max_length=40, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=32, blank=True)
    bank_name = models.CharField(_("bank"), max_length=60, blank=True)
    signature = models.CharField(
        _("signature"), max_length=10, choices=Signature.choices, default=Signature.UNSIGNED
    )
    proxy_name = models.CharField(_("signed by (proxy)"), max_length=100, blank=True)
    proxy_authorisation = models.CharField(_("proxy authorisation"), max_length=200, blank=True)
    flags = models.JSONField(_("verification flags"), default=list, blank=True)
    history = audited()

    scope_field = "household_list__policy__org_unit"

    class Meta:
        verbose_name = _("household row")
        verbose_name_plural = _("household rows")
        ordering = ["household_list", "row_number"]
        constraints = [
            _split_adds_up("household_premium_split_adds_up"),
            models.UniqueConstraint(
                fields=["household_list", "row_number"], name="household_row_unique_line"
            ),
            models.CheckConstraint(
                condition=~Q(signature="proxy") | ~Q(proxy_authorisation=""),
                name="household_proxy_needs_authorisation",
            ),
        ]
        indexes = [
            models.Index(fields=["id_number"], name="household_by_id"),
            models.Index(fields=["subject_tag"], name="household_by_tag"),
        ]

    def __str__(self):
        return f"{self.row_number} {self.name}"

    @property
    def signature_display(self) -> str:
        """UW-7: a proxy signature is shown as "{name}代"."""
        if self.signature == self.Signature.PROXY:
            return f"{self.proxy_name}代"
        return str(self.get_signature_display())


class Inspection(models.Model):
    """An on-site verification (验标, UW-5) of a policy or of one household; its photos
    (inspector, insured and subject) are EvidencePhotos of this record."""

    policy = models.ForeignKey(
        Policy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="inspections"
    )
    household = models.ForeignKey(
        HouseholdRow,
        verbose_name=_("household"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inspections",
    )
    inspector = models.ForeignKey(
        "core.User", verbose_name=_("inspector"), on_delete=models.PROTECT, related_name="+"
    )
    inspected_on = models.DateField(_("inspected on"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    findings = models.TextField(_("findings"))
    confirmed = models.BooleanField(_("subject confirmed as declared"), default=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    history = audited()

    scope_field = "policy__org_unit"

    class Meta:
        verbose_name = _("on-site inspection")
        verbose_name_plural = _("on-site inspections")
        ordering = ["-inspected_on", "-pk"]

    def __str__(self):
        return f"{self.policy} {self.inspected_on}"


class PolicyChange(models.Model):
    """An endorsement (批改) or surrender (退保) of an issued policy, UW-12."""

    class Kind(models.TextChoices):
        ENDORSEMENT = "endorsement", _("Endorsement")
        SURRENDER = "surrender", _("Surrender")

    class State(models.TextChoices):
        DRAFT = "draft", _("Awaiting confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Retention(models.TextChoices):
        NOT_TRIED = "", _("Not recorded")
        RETAINED = "retained", _("Customer stayed")
        DECLINED = "declined", _("Customer still surrenders")

    policy = models.ForeignKey(
        Policy, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="changes"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    reason = models.CharField(_("reason"), max_length=300)
    true_reason = models.CharField(_("true reason (surrender)"), max_length=300, blank=True)
    retention = models.CharField(
        _("retention attempt"), max_length=10, choices=Retention.choices, blank=True
    )
    retention_note = models.CharField(_("retention note"), max_length=300, blank=True)
    changes = models.JSONField(_("changed fields"), default=dict, blank=True)
    effective_on = models.DateField(_("effective on"))
    refund = models.DecimalField(_("refund to the customer"), **MONEY, default=ZERO)
    subsidy_returned = models.DecimalField(_("subsidies returned"), **MONEY, default=ZERO)
    premium_delta = models.DecimalField(_("premium change"), **MONEY, default=ZERO)
    requested_by = models.ForeignKey(
        "core.User", verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    confirmed_by = models.ForeignKey(
        "core.User",
        verbose_name=_("confirmed by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    history = audited()

    scope_field = "policy__org_unit"

    class Meta:
        verbose_name = _("policy change")
        verbose_name_plural = _("policy changes")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="endorsement") | (~Q(true_reason="") & ~Q(retention="")),
                name="surrender_records_true_reason_and_retention",
            ),
            models.UniqueConstraint(
                fields=["policy"],
                condition=Q(state="draft"),
                name="policy_change_one_open_per_policy",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.policy}"


def default_cover_end(start: dt.date, days: int) -> dt.date:
    """A cover of `days` days starting on `start` ends the day before the anniversary."""
    return start + dt.timedelta(days=days - 1)


class PolicyDocument(models.Model):
    """A printed policy rendered in the background (UW-13): a group policy with a long
    household annex takes long enough that the clerk watches a progress bar instead."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RENDERING = "rendering", _("Rendering")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    policy = models.ForeignKey(
        Policy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="documents"
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    file = models.FileField(_("PDF"), upload_to="policies/%Y/%m/", blank=True)
    pages = models.PositiveIntegerField(_("pages"), default=0)
    annex_rows = models.PositiveIntegerField(_("annex rows"), default=0)
    failure = models.TextField(_("failure"), blank=True)
    requested_by = models.ForeignKey(
        "core.User", verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    scope_field = "policy__org_unit"

    class Meta:
        verbose_name = _("printed policy")
        verbose_name_plural = _("printed policies")
        ordering = ["-requested_at", "-pk"]

    def __str__(self):
        return f"{self.policy} {self.requested_at:%Y-%m-%d %H:%M}"
