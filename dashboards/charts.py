"""Charts drawn on the server as SVG: no JavaScript, no CDN, the same markup on the page
and inline in the PDF (WeasyPrint draws SVG).

`render_svg(chart)` draws a `sections.base.Chart`: "bar" (series side by side in each
category), "stacked" (series on top of each other) or "line", with a y axis of round
ticks from zero, the category labels, a legend, and an accessible <title>/<desc>. Only
presentation attributes are used (no style attributes), so the page's strict CSP
(style-src 'self') allows it. Every text is XML-escaped.
"""

import math
from decimal import Decimal
from html import escape

from dashboards.sections.base import Chart

PALETTE = ["#2f6f9f", "#d9822b", "#3c9d5d", "#c0392b", "#8e6bb8", "#7f8c8d", "#b59b2a"]
FONT = "WenQuanYi Micro Hei, Noto Sans CJK SC, Noto Sans SC, sans-serif"
LABEL_MAX_CHARS = 12
DESC_MAX_CATEGORIES = 30
TICKS = 5


def _esc(text) -> str:
    return escape(str(text), quote=True)


def _num(value) -> float:
    if value is None:
        return 0.0
    if isinstance(value, Decimal):
        return float(value)
    return float(value)


def _fmt(value: float) -> str:
    if value == int(value):
        return str(int(value))
    return f"{value:.1f}"


def nice_max(value: float) -> tuple[float, float]:
    """The top of the axis and its tick step: the smallest round step (1, 2, 2.5, 5 × a
    power of ten) whose TICKS steps reach `value`."""
    if value <= 0:
        return float(TICKS), 1.0
    raw = value / TICKS
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * magnitude
        if step * TICKS >= value:
            break
    return step * TICKS, step


def _short(label: str) -> str:
    label = str(label)
    return label if len(label) <= LABEL_MAX_CHARS else label[: LABEL_MAX_CHARS - 1] + "…"


def _description(chart: Chart) -> str:
    parts = []
    for index, category in enumerate(chart.categories[:DESC_MAX_CATEGORIES]):
        values = ", ".join(
            f"{series.name} {_fmt(_num(series.values[index]))}"
            for series in chart.series
            if index < len(series.values)
        )
        parts.append(f"{category}: {values}")
    if len(chart.categories) > DESC_MAX_CATEGORIES:
        parts.append("…")
    unit = f" ({chart.unit})" if chart.unit else ""
    return "; ".join(parts) + unit


def render_svg(chart: Chart, *, width: int = 720, height: int = 300) -> str:
    """The SVG markup of `chart` (a string to embed in HTML)."""
    left, right, top, bottom = 52, 16, 34, 64
    plot_w, plot_h = width - left - right, height - top - bottom
    base_y = top + plot_h
    cats = list(chart.categories)
    series = list(chart.series)
    n = len(cats)
    values = [[_num(s.values[i]) if i < len(s.values) else 0.0 for i in range(n)] for s in series]
    if chart.kind == "stacked":
        peak = max((sum(col) for col in zip(*values, strict=True)), default=0.0) if values else 0
    else:
        peak = max((v for row in values for v in row), default=0.0)
    axis_max, step = nice_max(peak)
    ident = _esc(chart.id)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="chart-{ident}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="chart-{ident}-title chart-{ident}-desc" '
        f'font-family="{FONT}" font-size="11">',
        f'<title id="chart-{ident}-title">{_esc(chart.title)}</title>',
        f'<desc id="chart-{ident}-desc">{_esc(_description(chart))}</desc>',
    ]
    # Legend across the top.
    x = left
    for index, s in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        out.append(
            f'<g class="legend-item"><rect x="{x}" y="8" width="12" height="12" '
            f'fill="{colour}"/><text x="{x + 16}" y="18">{_esc(s.name)}</text></g>'
        )
        x += 28 + 7 * len(str(s.name)) + (6 * sum(1 for c in str(s.name) if ord(c) > 0x2E80))
    # Y axis with its ticks and grid lines.
    out.append('<g class="axis axis-y">')
    for tick in range(TICKS + 1):
        value = step * tick
        y = base_y - plot_h * value / axis_max
        out.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
            f'stroke="#ddd" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_fmt(value)}</text>'
        )
    if chart.unit:
        out.append(f'<text x="{left}" y="{top - 6}" fill="#555">{_esc(chart.unit)}</text>')
    out.append(
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{base_y}" stroke="#333" stroke-width="1"/>'
        "</g>"
    )
    if n == 0:
        out.append(
            f'<text x="{left + plot_w / 2:.1f}" y="{top + plot_h / 2:.1f}" '
            f'text-anchor="middle" fill="#777">—</text>'
        )
    band = plot_w / n if n else plot_w
    out.append('<g class="marks">')
    if chart.kind == "line":
        out.extend(_line_marks(cats, series, values, left, band, base_y, plot_h, axis_max))
    else:
        out.extend(
            _bar_marks(cats, series, values, left, band, base_y, plot_h, axis_max, chart.kind)
        )
    out.append("</g>")
    # X axis and the category labels (slanted when they would collide).
    slant = n > 8 or any(len(str(c)) * 7 > band for c in cats)
    out.append(
        f'<g class="axis axis-x"><line x1="{left}" y1="{base_y}" x2="{left + plot_w}" '
        f'y2="{base_y}" stroke="#333" stroke-width="1"/>'
    )
    for index, category in enumerate(cats):
        cx = left + band * (index + 0.5)
        label = _esc(_short(category))
        if slant:
            out.append(
                f'<text x="{cx:.1f}" y="{base_y + 14}" text-anchor="end" '
                f'transform="rotate(-35 {cx:.1f} {base_y + 14})">{label}</text>'
            )
        else:
            out.append(f'<text x="{cx:.1f}" y="{base_y + 16}" text-anchor="middle">{label}</text>')
    out.append("</g></svg>")
    return "".join(out)


def _bar_marks(cats, series, values, left, band, base_y, plot_h, axis_max, kind):
    marks = []
    count = max(len(series), 1)
    for index, category in enumerate(cats):
        band_x = left + band * index
        stacked_top = base_y
        for s_index, s in enumerate(series):
            value = values[s_index][index]
            h = plot_h * value / axis_max
            colour = PALETTE[s_index % len(PALETTE)]
            if kind == "stacked":
                w = band * 0.6
                x = band_x + band * 0.2
                y = stacked_top - h
                stacked_top = y
            else:
                w = band * 0.8 / count
                x = band_x + band * 0.1 + w * s_index
                y = base_y - h
            tip = _esc(f"{s.name} · {category}: {_fmt(value)}")
            marks.append(
                f'<rect class="bar" x="{x:.2f}" y="{y:.2f}" width="{w:.2f}" height="{h:.2f}" '
                f'fill="{colour}" data-value="{_fmt(value)}"><title>{tip}</title></rect>'
            )
    return marks


def _line_marks(cats, series, values, left, band, base_y, plot_h, axis_max):
    marks = []
    for s_index, s in enumerate(series):
        colour = PALETTE[s_index % len(PALETTE)]
        points = [
            (left + band * (i + 0.5), base_y - plot_h * values[s_index][i] / axis_max)
            for i in range(len(cats))
        ]
        if points:
            path = " ".join(f"{x:.2f},{y:.2f}" for x, y in points)
            marks.append(
                f'<polyline class="line" points="{path}" fill="none" stroke="{colour}" '
                f'stroke-width="2"/>'
            )
        for (x, y), category, value in zip(points, cats, values[s_index], strict=True):
            tip = _esc(f"{s.name} · {category}: {_fmt(value)}")
            marks.append(
                f'<circle class="point" cx="{x:.2f}" cy="{y:.2f}" r="3" fill="{colour}" '
                f'data-value="{_fmt(value)}"><title>{tip}</title></circle>'
            )
    return marks
