"""Summary tables the dashboards read where a live aggregate cannot be fast at scale
(issue 8): kept by dashboards.tasks from the business tables, never edited by hand."""

from django.db import models
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 16, "decimal_places": 2}


class IssuanceDay(models.Model):
    """UW-4 issuance of one outlet, product and day (Beijing date of `issued_at`):
    policies issued that day (surrendered ones included) and their premium split. A row
    with `whole_month` sums the days of the (complete) month starting at `day`."""

    outlet = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("outlet"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))
    whole_month = models.BooleanField(_("whole month"), db_default=False)
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
                fields=["outlet", "day", "product", "whole_month"], name="issuance_day_unique"
            ),
        ]

    def __str__(self):
        return f"{self.outlet_id} {self.day} {self.product_id}: {self.count}"


class TimerDay(models.Model):
    """SLA timers of one unit and rule that ended on a day (Beijing date of `ended_at`),
    met or breached. An ended timer never changes again, so past days stay exact."""

    outlet = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))
    rule = models.ForeignKey(
        "core.TimerRule", verbose_name=_("rule"), on_delete=models.CASCADE, related_name="+"
    )
    subject_type = models.ForeignKey(
        "contenttypes.ContentType",
        verbose_name=_("kind of record"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    met = models.PositiveIntegerField(_("met"))
    breached = models.PositiveIntegerField(_("breached"))

    scope_field = "outlet"

    class Meta:
        verbose_name = _("timers ended on a day")
        verbose_name_plural = _("timers ended by day")
        constraints = [
            models.UniqueConstraint(
                fields=["outlet", "day", "rule", "subject_type"], name="timer_day_unique"
            ),
        ]

    def __str__(self):
        return f"{self.outlet_id} {self.day} {self.rule_id}: {self.met}/{self.breached}"


class QueueDay(models.Model):
    """The counter queue of one outlet on one day (OUT-12, OUT-15): the tickets issued
    that day and the evaluations rated that day (Beijing date of `rated_at`). Waits (issue
    to call) are a histogram {bucket: tickets}: bucket b holds the waits of at least
    b × WAIT_BUCKET_SECONDS and less than one bucket more, so medians and 90th
    percentiles of any set of days come from the sum of their histograms. A row with
    `whole_month` sums the days of the (complete) month starting at `day`, so a long
    period reads a row per month, not per day."""

    WAIT_BUCKET_SECONDS = 6

    outlet = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("outlet"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))
    whole_month = models.BooleanField(_("whole month"), db_default=False)
    issued = models.PositiveIntegerField(_("tickets issued"))
    served = models.PositiveIntegerField(_("customers served"))
    left = models.PositiveIntegerField(_("customers who left"))
    breached = models.PositiveIntegerField(_("waits over the limit"))
    told = models.PositiveIntegerField(_("of which told in advance"))
    waits = models.JSONField(_("waits by bucket"), default=dict)
    evaluations = models.PositiveIntegerField(_("evaluations"))
    satisfied = models.PositiveIntegerField(_("satisfied evaluations"))

    scope_field = "outlet"

    class Meta:
        verbose_name = _("queue of a day")
        verbose_name_plural = _("queue by day")
        constraints = [
            models.UniqueConstraint(
                fields=["outlet", "day", "whole_month"], name="queue_day_unique"
            ),
        ]

    def __str__(self):
        return f"{self.outlet_id} {self.day}: {self.issued}"


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
