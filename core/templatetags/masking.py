from django import template

from core.masking import mask

register = template.Library()


@register.filter(name="mask")
def mask_filter(value, kind: str):
    """{{ customer.id_number|mask:"id_number" }} (REG-3)."""
    return mask(str(value or ""), kind)
