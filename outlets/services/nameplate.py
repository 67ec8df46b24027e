"""The nameplate drawing for the sign maker (OUT-2, OUT-6).

An SVG whose viewBox is the plate in millimetres (600 × 400; the plate may be scaled,
the ratio kept), showing the outlet's official name (OUT-2: the regulator's imposed
name wins): the brand band, the county/township line in 汉仪中宋简 and
"三农营销服务部" in 汉仪大黑简, as the guide prescribes, each font followed by CJK
fallbacks. Every line is sized to fit the plate; `textLength` pins it to the width
computed here, so a fallback font with other metrics cannot overflow the board.
"""

import re
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from django.utils.translation import gettext as _

from outlets.models import OutletProfile
from outlets.standards import (
    BRAND,
    FONT_PLACE,
    FONT_TITLE,
    NAME_SUFFIX,
    NAMEPLATE_BOARD,
    NAMEPLATE_BOARD_MM,
    NAMEPLATE_DEPTH_MM,
    NAMEPLATE_HEIGHT_MM,
    NAMEPLATE_WIDTH_MM,
)

MARGIN_MM = 40
BAND_MM = 90
RED = "#c8102e"
BRAND_FONT = "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', sans-serif"
# Titles longer than this wrap onto a second line (an imposed name of another shape).
WRAP_CHARS = 10


@dataclass(frozen=True)
class PlateLine:
    text: str
    font_family: str
    # Baseline and the largest font size (mm) the line may use.
    y: float
    max_size: float
    fill: str = "#1a1a1a"
    weight: str = "normal"


def _em_width(text: str) -> float:
    """The text's width in ems: CJK glyphs are square, Latin letters and digits about
    half as wide."""
    return sum(1.0 if ord(ch) > 0x2E7F else 0.55 for ch in text)


def _split(name: str) -> tuple[str, str, str]:
    """(brand, place, title) of an official name; an imposed name of another shape
    becomes the title, brand and place empty as the regulator wrote none."""
    rest = name.strip()
    brand = ""
    if rest.startswith(BRAND):
        brand, rest = BRAND, rest[len(BRAND) :].strip()
    if rest.endswith(NAME_SUFFIX) and rest != NAME_SUFFIX:
        return brand, rest[: -len(NAME_SUFFIX)].strip(), NAME_SUFFIX
    return brand, "", rest


def _wrap(text: str) -> list[str]:
    if len(text) <= WRAP_CHARS:
        return [text]
    middle = (len(text) + 1) // 2
    return [text[:middle], text[middle:]]


def nameplate_lines(*, name: str) -> list[PlateLine]:
    """The lines of the plate for `name`, top to bottom."""
    brand, place, title = _split(name)
    lines = []
    if brand:
        lines.append(PlateLine(brand, BRAND_FONT, BAND_MM * 0.68, 52, fill="#ffffff"))
    top = BAND_MM if brand else MARGIN_MM
    body = NAMEPLATE_HEIGHT_MM - top - MARGIN_MM
    if place:
        lines.append(PlateLine(place, FONT_PLACE, top + body * 0.40, 78))
        lines.append(PlateLine(title, FONT_TITLE, top + body * 0.88, 96, weight="bold"))
    else:
        parts = _wrap(title)
        step = body / len(parts)
        for index, part in enumerate(parts):
            lines.append(
                PlateLine(part, FONT_TITLE, top + step * (index + 0.72), 90, weight="bold")
            )
    return lines


def _text(line: PlateLine) -> str:
    usable = NAMEPLATE_WIDTH_MM - 2 * MARGIN_MM
    ems = _em_width(line.text) or 1
    size = min(line.max_size, usable / ems)
    length = min(usable, size * ems)
    return (
        f'<text x="{NAMEPLATE_WIDTH_MM / 2:g}" y="{line.y:.1f}" text-anchor="middle" '
        f"font-family={quoteattr(line.font_family)} "
        f'font-size="{size:.1f}" font-weight="{line.weight}" fill="{line.fill}" '
        f'textLength="{length:.1f}" lengthAdjust="spacingAndGlyphs">{escape(line.text)}</text>'
    )


def nameplate_svg(*, profile: OutletProfile) -> str:
    """OUT-6: the plate drawing with the outlet's official name (OUT-2)."""
    name = profile.official_name
    lines = nameplate_lines(name=name)
    spec = _(
        "Nameplate %(w)s×%(h)s×%(d)s mm (may be scaled, the ratio kept), %(board)s mm %(material)s."
    ) % {
        "w": NAMEPLATE_WIDTH_MM,
        "h": NAMEPLATE_HEIGHT_MM,
        "d": NAMEPLATE_DEPTH_MM,
        "board": NAMEPLATE_BOARD_MM,
        "material": NAMEPLATE_BOARD,
    }
    band = (
        f'<rect x="0" y="0" width="{NAMEPLATE_WIDTH_MM}" height="{BAND_MM}" fill="{RED}"/>'
        if lines and lines[0].text == BRAND
        else ""
    )
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{NAMEPLATE_WIDTH_MM}mm" '
        f'height="{NAMEPLATE_HEIGHT_MM}mm" viewBox="0 0 {NAMEPLATE_WIDTH_MM} '
        f'{NAMEPLATE_HEIGHT_MM}" role="img" aria-label={quoteattr(name)}>',
        f"<title>{escape(name)}</title>",
        f"<desc>{escape(spec)}</desc>",
        f'<rect x="0.5" y="0.5" width="{NAMEPLATE_WIDTH_MM - 1}" '
        f'height="{NAMEPLATE_HEIGHT_MM - 1}" fill="#ffffff" stroke="#999999" stroke-width="1"/>',
        band,
        *(_text(line) for line in lines),
        "</svg>",
    ]
    return "\n".join(part for part in parts if part) + "\n"


def nameplate_filename(*, profile: OutletProfile) -> str:
    """A download name safe on any system: the outlet code and "nameplate"."""
    return f"nameplate-{re.sub(r'[^A-Za-z0-9_-]', '', profile.outlet.code)}.svg"
