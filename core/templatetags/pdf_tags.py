"""Template helpers for printed documents (templates/pdf/)."""

import base64

from django import template
from django.utils.html import format_html

from core.models import EvidencePhoto

register = template.Library()

_VARIANT_FIELDS = {"display": "display", "thumb": "thumbnail"}


@register.simple_tag
def evidence_img(photo: EvidencePhoto, variant: str = "display", css_class: str = "evidence-photo"):
    """An <img> carrying a derived copy of `photo` inline, so WeasyPrint needs no URL.

    Only derived copies are printed: they are upright and carry no EXIF.
    """
    stored = getattr(photo, _VARIANT_FIELDS[variant])
    with stored.open("rb") as file:
        encoded = base64.b64encode(file.read()).decode("ascii")
    return format_html(
        '<img class="{}" src="data:image/jpeg;base64,{}" alt="{}">',
        css_class,
        encoded,
        photo.caption or photo.original_name,
    )
