"""Template helpers of the dashboard pages and their PDF."""

from decimal import Decimal

from django import template
from django.utils.safestring import mark_safe

from dashboards.charts import render_svg

register = template.Library()


@register.simple_tag
def chart_svg(chart, width: int = 720, height: int = 300):
    # render_svg escapes every text it draws.
    return mark_safe(render_svg(chart, width=width, height=height))


@register.filter
def num(value):
    """A figure for reading: '—' when unknown, money with two decimals, thousands
    separated."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return value


@register.filter
def sort_value(value):
    """The raw value the table sorter compares (empty for unknown)."""
    return "" if value is None else value


@register.filter
def cell(row: dict, key: str):
    return row.get(key)


@register.filter
def cell_link(row: dict, key: str) -> str:
    return row.get("_links", {}).get(key, "")
