"""Charts drawn on the server as inline SVG: no JavaScript, nothing fetched, readable by screen readers.

Every chart is drawn from the same records as the table printed beside it, so the two cannot disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

NHS_BLUE = "#005eb8"
NHS_DARK_BLUE = "#003087"
NHS_WARM_YELLOW = "#ffb81c"
TEXT = "#212b32"
GRID = "#d8dde0"


def _fmt(v: float | None) -> str:
    if v is None:
        return "suppressed"
    return f"{v:,.0f}" if abs(v) >= 10 or float(v).is_integer() else f"{v:,.1f}"


def bar_chart(
    items: Sequence[tuple[str, float | None]],
    *,
    title: str,
    unit: str,
    chart_id: str,
    width: int = 640,
) -> Markup:
    """Horizontal bars, one per (label, value); None (suppressed) is drawn as an empty bar marked so."""
    bar_h, gap, label_w, top = 22, 6, 190, 8
    height = top + len(items) * (bar_h + gap) + 24
    values = [v for _, v in items if v is not None]
    vmax = max(values) if values else 1.0
    vmax = vmax or 1.0
    plot_w = width - label_w - 70
    out = [
        f'<svg class="hcs-chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-title" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{chart_id}-title">{escape(title)} ({escape(unit)}); the same figures are in the table below</title>',
    ]
    for i, (label, value) in enumerate(items):
        y = top + i * (bar_h + gap)
        short = label if len(label) <= 24 else label[:23] + "…"
        out.append(
            f'<text x="{label_w - 8}" y="{y + bar_h * 0.7:.1f}" text-anchor="end" font-size="13" fill="{TEXT}">'
            f"{escape(short)}</text>"
        )
        if value is None:
            out.append(
                f'<rect x="{label_w}" y="{y}" width="{plot_w}" height="{bar_h}" fill="none" stroke="{GRID}" '
                f'stroke-dasharray="4 3"/>'
                f'<text x="{label_w + 6}" y="{y + bar_h * 0.7:.1f}" font-size="12" fill="{TEXT}">suppressed</text>'
            )
            continue
        w = max(0.0, plot_w * value / vmax)
        out.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{NHS_BLUE}"/>')
        out.append(
            f'<text x="{label_w + w + 6:.1f}" y="{y + bar_h * 0.7:.1f}" font-size="12" fill="{TEXT}">{_fmt(value)}</text>'
        )
    out.append("</svg>")
    return Markup("".join(out))


def pyramid(
    bands: Sequence[str],
    left: dict[str, float | None],
    right: dict[str, float | None],
    *,
    left_label: str,
    right_label: str,
    title: str,
    chart_id: str,
    width: int = 640,
) -> Markup:
    """An age pyramid: bands bottom (youngest) to top (oldest), ``left`` and ``right`` series either side."""
    bar_h, gap, top, mid_w = 22, 4, 28, 70
    height = top + len(bands) * (bar_h + gap) + 10
    values = [v for v in [*left.values(), *right.values()] if v is not None]
    vmax = max(values) if values else 1.0
    vmax = vmax or 1.0
    half = (width - mid_w) / 2 - 50
    cx_left = (width - mid_w) / 2
    cx_right = cx_left + mid_w
    out = [
        f'<svg class="hcs-chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-title" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{chart_id}-title">{escape(title)}; the same figures are in the table below</title>',
        f'<text x="{cx_left - 4}" y="16" text-anchor="end" font-size="13" font-weight="bold" fill="{TEXT}">'
        f"{escape(left_label)}</text>",
        f'<text x="{cx_right + 4}" y="16" font-size="13" font-weight="bold" fill="{TEXT}">{escape(right_label)}</text>',
    ]
    for i, band in enumerate(reversed(list(bands))):
        y = top + i * (bar_h + gap)
        ty = y + bar_h * 0.7
        out.append(
            f'<text x="{cx_left + mid_w / 2:.1f}" y="{ty:.1f}" text-anchor="middle" font-size="13" fill="{TEXT}">'
            f"{escape(band)}</text>"
        )
        lv, rv = left.get(band), right.get(band)
        if lv is not None:
            w = half * lv / vmax
            out.append(
                f'<rect x="{cx_left - w:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{NHS_BLUE}"/>'
                f'<text x="{cx_left - w - 4:.1f}" y="{ty:.1f}" text-anchor="end" font-size="12" fill="{TEXT}">'
                f"{_fmt(lv)}</text>"
            )
        else:
            out.append(
                f'<text x="{cx_left - 4}" y="{ty:.1f}" text-anchor="end" font-size="12" fill="{TEXT}">–</text>'
            )
        if rv is not None:
            w = half * rv / vmax
            out.append(
                f'<rect x="{cx_right}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{NHS_DARK_BLUE}"/>'
                f'<text x="{cx_right + w + 4:.1f}" y="{ty:.1f}" font-size="12" fill="{TEXT}">{_fmt(rv)}</text>'
            )
        else:
            out.append(f'<text x="{cx_right + 4}" y="{ty:.1f}" font-size="12" fill="{TEXT}">–</text>')
    out.append("</svg>")
    return Markup("".join(out))
