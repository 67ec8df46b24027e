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
