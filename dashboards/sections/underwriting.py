"""Issuance in the period (UW-4): the policies of the unit's outlets issued in the period
(by `issued_at`, surrendered ones included: they were issued), by product and line,
with count, premium, the farmers' own share and the subsidy split central / provincial
/ city / county; by outlet on a county's page; premium by month.

Read from the daily issuance summary (dashboards.summaries) for the days it covers and
live for the rest, so that a year of a county's million policies is a few thousand
summary rows.
"""

from decimal import Decimal

from django.utils.translation import gettext as _

from core.models import OrgUnit
from dashboards import links, summaries
from dashboards.sections.base import Chart, Column, Figure, Scope, Section, Series, Table
from underwriting.models import Product

PARTS = ("farmer_share", "central", "provincial", "city", "county")


def build(*, scope: Scope) -> Section:
    rows = summaries.issuance(unit_ids=scope.unit_ids, period=scope.period)
    zero = Decimal("0.00")
    totals = {"count": 0, "premium": zero, **dict.fromkeys(PARTS, zero)}
    by_product: dict[int, dict] = {}
    by_outlet: dict[int, dict] = {}
    by_month: dict[str, dict] = {}
    for row in rows:
        for bucket, key in (
            (by_product, row["product_id"]),
            (by_outlet, row["outlet_id"]),
            (by_month, row["day"].strftime("%Y-%m")),
        ):
            target = bucket.setdefault(
                key, {"count": 0, "premium": zero, **dict.fromkeys(PARTS, zero)}
            )
            for field in ("count", "premium", *PARTS):
                target[field] += row[field]
        for field in ("count", "premium", *PARTS):
            totals[field] += row[field]
    subsidy = sum((totals[part] for part in PARTS[1:]), zero)
    link = links.policies_url(scope)
    figures = [
        Figure(_("Policies issued"), totals["count"], link=link),
        Figure(_("Premium"), totals["premium"], unit=_("yuan"), link=link),
        Figure(_("Farmers' own share"), totals["farmer_share"], unit=_("yuan"), link=link),
        Figure(_("Subsidies"), subsidy, unit=_("yuan"), link=link),
        Figure(_("Central subsidy"), totals["central"], unit=_("yuan"), link=link),
        Figure(_("Provincial subsidy"), totals["provincial"], unit=_("yuan"), link=link),
        Figure(_("City subsidy"), totals["city"], unit=_("yuan"), link=link),
        Figure(_("County subsidy"), totals["county"], unit=_("yuan"), link=link),
    ]
    money_columns = [
        Column("count", _("Policies"), numeric=True),
        Column("premium", _("Premium"), numeric=True),
        Column("farmer_share", _("Farmers' share"), numeric=True),
        Column("central", _("Central"), numeric=True),
        Column("provincial", _("Provincial"), numeric=True),
        Column("city", _("City"), numeric=True),
        Column("county", _("County"), numeric=True),
    ]
    products = {
        product.pk: product
        for product in Product.objects.filter(pk__in=by_product).only("pk", "code", "name", "line")
    }
    product_rows = []
    for product_id, values in sorted(
        by_product.items(), key=lambda item: (products[item[0]].line, products[item[0]].code)
    ):
        product = products[product_id]
        url = links.policies_url(scope, product=product_id)
        product_rows.append(
            {
                "product": product.name,
                "line": product.get_line_display(),
                **values,
                "_links": {key: url for key in ("product", "count", "premium", *PARTS)},
            }
        )
    tables = [
        Table(
            "underwriting-by-product",
            _("Issued by product"),
            [Column("product", _("Product")), Column("line", _("Line")), *money_columns],
            product_rows,
        )
    ]
    if not scope.is_outlet:
        names = dict(OrgUnit.objects.filter(pk__in=by_outlet).values_list("pk", "name"))
        outlet_rows = []
        for outlet_id, values in sorted(by_outlet.items(), key=lambda item: names.get(item[0], "")):
            url = links.policies_url(scope, unit_pk=outlet_id)
            outlet_rows.append(
                {
                    "outlet": names.get(outlet_id, str(outlet_id)),
                    **values,
                    "_links": {key: url for key in ("outlet", "count", "premium", *PARTS)},
                }
            )
        tables.append(
            Table(
                "underwriting-by-outlet",
                _("Issued by outlet"),
                [Column("outlet", _("Outlet")), *money_columns],
                outlet_rows,
            )
        )
    months = sorted(by_month)
    chart = Chart(
        id="underwriting-by-month",
        title=_("Premium issued by month"),
        kind="stacked",
        categories=months,
        series=[
            Series(_("Farmers' share"), [by_month[m]["farmer_share"] for m in months]),
            Series(
                _("Subsidies"),
                [sum((by_month[m][part] for part in PARTS[1:]), zero) for m in months],
            ),
        ],
        unit=_("yuan"),
    )
    return Section(
        id="underwriting",
        title=_("Issuance"),
        figures=figures,
        tables=tables,
        charts=[chart],
        note=_(
            "Policies issued in the period (surrendered ones included), individual and "
            "group; premium = farmers' own share + central + provincial + city + county "
            "subsidies (UW-4)."
        ),
    )
