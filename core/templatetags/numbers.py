from django import template

from core.formats import plain_decimal

register = template.Library()


@register.filter
def plain(value):
    """`{{ row.quantity|plain }}`: a quantity without the trailing zeros of its field."""
    return "" if value is None else plain_decimal(value)
