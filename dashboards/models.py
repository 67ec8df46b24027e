"""Summary tables the dashboards read where a live aggregate cannot be fast at scale
(issue 8): kept by dashboards.tasks from the business tables, never edited by hand."""

from django.db import models
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 16, "decimal_places": 2}


class IssuanceDay(models.Model):
    """UW-4 issuance of one outlet, product and day (Beijing date of `issued_at`):
    policies issued that day (surrendered ones included) and their premium split."""

    outlet = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("outlet"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))
    product = models.ForeignKey(
        "underwriting.Product",
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    count = models.PositiveIntegerField(_("policies"))
    premium = models.DecimalField(_("premium"), **MONEY)
    farmer_share = models.DecimalField(_("farmers' own share"), **MONEY)
    central = models.DecimalField(_("central subsidy"), **MONEY)
    provincial = models.DecimalField(_("provincial subsidy"), **MONEY)
    city = models.DecimalField(_("city subsidy"), **MONEY)
    county = models.DecimalField(_("county subsidy"), **MONEY)

    scope_field = "outlet"

    class Meta:
        verbose_name = _("issuance of a day")
        verbose_name_plural = _("issuance by day")
        constraints = [
            models.UniqueConstraint(
                fields=["outlet", "day", "product"], name="issuance_day_unique"
            ),
        ]

    def __str__(self):
        return f"{self.outlet_id} {self.day} {self.product_id}: {self.count}"


class SummaryState(models.Model):
    """How far a summary is complete: every day up to `through` (inclusive) is in it;
    later days are read live."""

    name = models.CharField(_("summary"), max_length=40, unique=True)
    through = models.DateField(_("complete through"))
    refreshed_at = models.DateTimeField(_("refreshed at"))

    class Meta:
        verbose_name = _("summary state")
        verbose_name_plural = _("summary states")

    def __str__(self):
        return f"{self.name} ≤ {self.through}"
