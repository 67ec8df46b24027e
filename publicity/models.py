"""Publicity (PUB-1..PUB-8): public notices of group policies and claim payments, their
postings, evidence and objections, and the outlets' publicity campaigns.

One mechanism serves both kinds of notice (PUB-7): a notice is created from a source (a
group policy's household list, or a claim payment list) whose lines it copies, so that
what was shown to the village is kept exactly as it was shown. A source adapter
(publicity.sources) knows how to read lines from a source, how a correction is written
back to it and what closing the notice means for it.
"""

import secrets

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.audit import audited
from core.models.timers import timer_link
from underwriting.models import MONEY, QUANTITY, ZERO


def new_token() -> str:
    """The unguessable part of a notice's public address (PUB-2 online notice)."""
    return secrets.token_urlsafe(24)


class Notice(models.Model):
    """A public notice (公示) posted in a village for at least the PUB-4 period."""

    class Kind(models.TextChoices):
        UNDERWRITING = "underwriting", _("Underwriting notice (承保公示)")
        CLAIM_PAYMENT = "claim_payment", _("Claim payment notice (赔款公示)")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        POSTED = "posted", _("Posted")
        CLOSED = "closed", _("Closed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    OPEN_STATES = (State.DRAFT, State.POSTED)

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    org_unit = models.ForeignKey(
        "core.OrgUnit",
        verbose_name=_("outlet"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "outlet"},
    )
    # The record the notice is about: a group policy (underwriting) or, once the claims
    # app lands, its claim payment list. Empty for a claim payment list entered directly.
    source_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    source_revision = models.PositiveBigIntegerField(
        _("source revision"),
        null=True,
        blank=True,
        help_text=_("Which version of the source's list is shown (a group policy's list)."),
    )
    title = models.CharField(_("title"), max_length=200)
    county_name = models.CharField(_("county"), max_length=120)
    village = models.CharField(_("village"), max_length=100)
    product_name = models.CharField(_("product"), max_length=100, blank=True)
    season = models.CharField(_("season"), max_length=40, blank=True)
    objection_phone = models.CharField(_("phone for objections"), max_length=40, blank=True)
    objection_place = models.CharField(_("place for objections"), max_length=200, blank=True)
    channels = models.JSONField(
        _("additional channels"),
        default=list,
        blank=True,
        help_text=_("PUB-3: broadcast, TV, newspaper, web or SMS used beside the posting."),
    )
    token = models.CharField(_("public token"), max_length=64, unique=True, default=new_token)
    # Totals of the lines, kept with them (the PDF and the public page show them).
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    quantity = models.DecimalField(_("total quantity"), **QUANTITY, default=0)
    farmer_share = models.DecimalField(_("farmers' own share"), **MONEY, default=ZERO)
    central = models.DecimalField(_("central subsidy"), **MONEY, default=ZERO)
    provincial = models.DecimalField(_("provincial subsidy"), **MONEY, default=ZERO)
    city = models.DecimalField(_("city subsidy"), **MONEY, default=ZERO)
    county = models.DecimalField(_("county subsidy"), **MONEY, default=ZERO)
    amount = models.DecimalField(_("total claim payments"), **MONEY, default=ZERO)
    revision = models.PositiveIntegerField(
        _("revision"), default=1, help_text=_("Goes up each time an objection changes a line.")
    )
    responsible = models.ForeignKey(
        "core.User",
        verbose_name=_("responsible clerk"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)
    ends_at = models.DateTimeField(
        _("period ends"), null=True, blank=True, help_text=_("PUB-4: earliest close.")
    )
    period_timer = timer_link(_("notice period timer"))
    overdue_timer = timer_link(_("close-overdue timer"))
    overdue_flagged_at = models.DateTimeField(_("flagged as left open at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        "core.User",
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    close_note = models.TextField(_("closing note"), blank=True)
    withdrawn_reason = models.TextField(_("reason for withdrawal"), blank=True)
    created_by = models.ForeignKey(
        "core.User", verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = audited()

    scope_field = "org_unit"

    class Meta:
        verbose_name = _("public notice")
        verbose_name_plural = _("public notices")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["org_unit", "state"], name="notice_outlet_state"),
            models.Index(fields=["source_type", "source_id"], name="notice_source"),
        ]
        constraints = [
            # One live notice per source: a second would let two periods race.
            models.UniqueConstraint(
                fields=["source_type", "source_id"],
                condition=Q(state__in=["draft", "posted"]) & Q(source_id__isnull=False),
                name="notice_one_open_per_source",
            ),
            models.CheckConstraint(
                condition=Q(state="draft")
                | Q(state="withdrawn")
                | Q(posted_at__isnull=False, ends_at__isnull=False),
                name="notice_posted_has_period",
            ),
            models.CheckConstraint(
                condition=~Q(state="closed") | Q(closed_at__isnull=False),
                name="notice_closed_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(state="withdrawn") | ~Q(withdrawn_reason=""),
                name="notice_withdrawn_has_reason",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES


class NoticeLine(models.Model):
    """One household (or payee) as the notice shows it (PUB-2, PUB-7). The full name is
    kept for staff; every public rendering masks it (core.masking.mask_name). No ID
    number, phone or bank account is ever copied here."""

    notice = models.ForeignKey(
        Notice, verbose_name=_("notice"), on_delete=models.CASCADE, related_name="lines"
    )
    position = models.PositiveIntegerField(_("no."))
    source_row_id = models.PositiveBigIntegerField(
        _("source row"), null=True, blank=True, help_text=_("The household row it shows.")
    )
    name = models.CharField(_("name"), max_length=100)
    village_group = models.CharField(_("village / group"), max_length=100, blank=True)
    subject = models.CharField(
        _("subject"), max_length=100, blank=True, help_text=_("Subject type, or the loss.")
    )
    quantity = models.DecimalField(_("quantity"), **QUANTITY, null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=10, blank=True)
    farmer_share = models.DecimalField(_("farmer's own share"), **MONEY, default=ZERO)
    central = models.DecimalField(_("central subsidy"), **MONEY, default=ZERO)
    provincial = models.DecimalField(_("provincial subsidy"), **MONEY, default=ZERO)
    city = models.DecimalField(_("city subsidy"), **MONEY, default=ZERO)
    county = models.DecimalField(_("county subsidy"), **MONEY, default=ZERO)
    amount = models.DecimalField(_("claim payment"), **MONEY, default=ZERO)
    corrected_at = models.DateTimeField(_("corrected at"), null=True, blank=True)
    history = audited()

    scope_field = "notice__org_unit"

    class Meta:
        verbose_name = _("notice line")
        verbose_name_plural = _("notice lines")
        ordering = ["notice", "position"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "position"], name="notice_line_unique"),
        ]
        indexes = [
            models.Index(fields=["notice", "source_row_id"], name="notice_line_source_row"),
        ]

    def __str__(self):
        return f"{self.position} {self.name}"


class Channel(models.TextChoices):
    """PUB-3 additional channels and PUB-8 campaign channels."""

    LEAFLET = "leaflet", _("Leaflets")
    LETTER = "letter", _("Letter to farmers")
    POSTER = "poster", _("Posters")
    WALL = "wall", _("Wall advertisements")
    BROADCAST = "broadcast", _("Village broadcast")
    TV = "tv", _("TV")
    NEWSPAPER = "newspaper", _("Newspaper")
    WEB = "web", _("Web")
    SMS = "sms", _("SMS")


# PUB-3: what may be used in addition to the posting in the village.
NOTICE_CHANNELS = (Channel.BROADCAST, Channel.TV, Channel.NEWSPAPER, Channel.WEB, Channel.SMS)


class NoticePosting(models.Model):
    """Where a notice was put up (PUB-3); its photos and videos are the evidence of
    PUB-6 (core EvidencePhoto / EvidenceVideo with this posting as subject)."""

    class Place(models.TextChoices):
        BOARD = "board", _("Village committee notice board")
        COLUMN = "column", _("Publicity column")
        ENTRANCE = "entrance", _("Village entrance")
        OTHER = "other", _("Other conspicuous place")

    notice = models.ForeignKey(
        Notice, verbose_name=_("notice"), on_delete=models.PROTECT, related_name="postings"
    )
    place_kind = models.CharField(_("place"), max_length=10, choices=Place.choices)
    place = models.CharField(_("where exactly"), max_length=200)
    posted_at = models.DateTimeField(_("posted at"))
    posted_by = models.ForeignKey(
        "core.User", verbose_name=_("posted by"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    history = audited()

    scope_field = "notice__org_unit"

    class Meta:
        verbose_name = _("notice posting")
        verbose_name_plural = _("notice postings")
        ordering = ["notice", "posted_at", "pk"]

    def __str__(self):
        return f"{self.get_place_kind_display()}: {self.place}"


class Objection(models.Model):
    """An objection to a notice (PUB-5), from the village or online, with its outcome."""

    class Raiser(models.TextChoices):
        HOUSEHOLD = "household", _("The household itself")
        VILLAGER = "villager", _("Another villager")
        COMMITTEE = "committee", _("Village committee")
        OTHER = "other", _("Other")

    class Channel(models.TextChoices):
        PHONE = "phone", _("By phone")
        IN_PERSON = "in_person", _("In person")
        ONLINE = "online", _("Online notice page")

    class Claim(models.TextChoices):
        WRONG_QUANTITY = "wrong_quantity", _("Wrong quantity")
        WRONG_NAME = "wrong_name", _("Wrong name")
        WRONG_SUBJECT = "wrong_subject", _("Wrong subject type")
        WRONG_GROUP = "wrong_group", _("Wrong village group")
        WRONG_PREMIUM = "wrong_premium", _("Wrong premium")
        NOT_INSURED = "not_insured", _("Listed but did not insure")
        MISSING = "missing", _("Insured but not on the list")
        WRONG_PAYMENT = "wrong_payment", _("Wrong claim payment")
        OTHER = "other", _("Other")

    class State(models.TextChoices):
        OPEN = "open", _("Being verified")
        RESOLVED = "resolved", _("Resolved")

    class Outcome(models.TextChoices):
        CORRECTED = "corrected", _("Upheld: the list was corrected")
        REMOVED = "removed", _("Upheld: the household was taken off the list")
        NO_CHANGE = "no_change", _("Verified: the list was right")
        REJECTED = "rejected", _("Not upheld")
        POLICY_CHANGE = "policy_change", _("Handled as a policy change")

    notice = models.ForeignKey(
        Notice, verbose_name=_("notice"), on_delete=models.PROTECT, related_name="objections"
    )
    line = models.ForeignKey(
        NoticeLine,
        verbose_name=_("line"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="objections",
    )
    # Kept when a removal deletes the line.
    line_position = models.PositiveIntegerField(_("line no."), null=True, blank=True)
    raiser_kind = models.CharField(_("raised by"), max_length=10, choices=Raiser.choices)
    raiser_name = models.CharField(_("name of who raised it"), max_length=100)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    claim = models.CharField(_("what is claimed"), max_length=16, choices=Claim.choices)
    details = models.TextField(_("details"))
    raised_at = models.DateTimeField(_("raised at"))
    late = models.BooleanField(
        _("raised after the notice period"),
        default=False,
        help_text=_("PUB-5: a late objection is handled as a policy change."),
    )
    recorded_by = models.ForeignKey(
        "core.User",
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty when the villager filed it on the online notice."),
    )
    submitted_ip = models.GenericIPAddressField(_("submitted from"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(_("verification and outcome"), blank=True)
    change = models.JSONField(
        _("change made"), default=dict, blank=True, help_text=_("Field: [before, after].")
    )
    policy_change = models.ForeignKey(
        "underwriting.PolicyChange",
        verbose_name=_("policy change"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    timer = timer_link(_("verification timer"))
    resolved_by = models.ForeignKey(
        "core.User",
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    history = audited()

    scope_field = "notice__org_unit"

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["notice", "raised_at", "pk"]
        indexes = [models.Index(fields=["notice", "state"], name="objection_notice_state")]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="open", outcome="", resolved_at__isnull=True)
                | Q(state="resolved", resolved_at__isnull=False) & ~Q(outcome=""),
                name="objection_resolved_has_outcome",
            ),
            models.CheckConstraint(
                condition=~Q(channel="online") | Q(recorded_by__isnull=True),
                name="objection_online_has_no_recorder",
            ),
        ]

    def __str__(self):
        return f"{self.notice} · {self.get_claim_display()} · {self.raiser_name}"


class NoticeDocument(models.Model):
    """The printable PDF of a notice at one revision (PUB-2), rendered in Celery: a
    village of 2,000 households makes a long document."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RENDERING = "rendering", _("Rendering")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    notice = models.ForeignKey(
        Notice, verbose_name=_("notice"), on_delete=models.CASCADE, related_name="documents"
    )
    revision = models.PositiveIntegerField(_("revision"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    file = models.FileField(_("PDF"), upload_to="notices/%Y/%m/", blank=True)
    pages = models.PositiveIntegerField(_("pages"), default=0)
    lines_done = models.PositiveIntegerField(_("lines laid out"), default=0)
    failure = models.TextField(_("failure"), blank=True)
    requested_by = models.ForeignKey(
        "core.User", verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    scope_field = "notice__org_unit"

    class Meta:
        verbose_name = _("printed notice")
        verbose_name_plural = _("printed notices")
        ordering = ["-requested_at", "-pk"]

    def __str__(self):
        return f"{self.notice} r{self.revision}"


class Campaign(models.Model):
    """A publicity campaign (宣传) held by an outlet (PUB-8); its photos are evidence
    photos with the campaign as subject."""

    class Audience(models.TextChoices):
        FARMERS = "farmers", _("Farmers")
        GOVERNMENT = "government", _("Local government departments")
        VILLAGE_CADRES = "cadres", _("Village cadres")
        COOPERATIVES = "cooperatives", _("Cooperatives and large growers")
        OTHER = "other", _("Other")

    class Topic(models.TextChoices):
        POLICY = "policy", _("Agricultural insurance policy")
        SERVICE = "service", _("Service standards")
        REGULATION = "regulation", _("Regulation")
        HOW_TO = "how_to", _("How to insure")
        PRODUCTS = "products", _("Products")
        CLAIMS = "claims", _("How to claim")

    org_unit = models.ForeignKey(
        "core.OrgUnit",
        verbose_name=_("outlet"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "outlet"},
    )
    held_on = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=150)
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices)
    topics = models.JSONField(_("content"), default=list)
    channels = models.JSONField(_("channels"), default=list)
    place = models.CharField(_("place"), max_length=200)
    materials = models.CharField(
        _("materials"), max_length=300, blank=True, help_text=_("e.g. 500 leaflets, 20 posters")
    )
    reach = models.PositiveIntegerField(_("people reached"), default=0)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        "core.User", verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    history = audited()

    scope_field = "org_unit"

    class Meta:
        verbose_name = _("publicity campaign")
        verbose_name_plural = _("publicity campaigns")
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["org_unit", "held_on"], name="campaign_outlet_date")]

    def __str__(self):
        return f"{self.held_on} {self.title}"
