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


NHS_ORANGE = "#ed8b00"
NHS_RED = "#d5281b"
NHS_GREEN = "#007f3b"


def _nice_range(lo: float, hi: float) -> tuple[float, float]:
    if hi == lo:
        hi = lo + 1.0
    pad = (hi - lo) * 0.05
    return lo - pad, hi + pad


def fan_chart(
    years: Sequence[int],
    series: Sequence[tuple[str, str, Sequence[tuple[float, float, float]]]],
    *,
    title: str,
    unit: str,
    chart_id: str,
    width: int = 640,
    height: int = 300,
) -> Markup:
    """Fan chart: for each (name, colour, [(p10, p50, p90) per year]) a shaded P10-P90 band and a P50 line."""
    left, right, top, bottom = 70, 150, 14, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, _, pts in series for p in pts for v in p]
    lo, hi = _nice_range(min(values, default=0.0), max(values, default=1.0))
    n = max(len(years) - 1, 1)

    def x(i: int) -> float:
        return left + plot_w * i / n

    def y(v: float) -> float:
        return top + plot_h * (1 - (v - lo) / (hi - lo))

    out = [
        f'<svg class="hcs-chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-title" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{chart_id}-title">{escape(title)} ({escape(unit)}): median line and 10th to 90th '
        "percentile band; the same figures are in the table below</title>",
    ]
    for k in range(5):  # horizontal grid with labels
        v = lo + (hi - lo) * k / 4
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="12" fill="{TEXT}">'
            f"{_fmt(v)}</text>"
        )
    step = max(1, len(years) // 6)
    for i, yr in enumerate(years):
        if i % step == 0 or i == len(years) - 1:
            out.append(
                f'<text x="{x(i):.1f}" y="{top + plot_h + 18}" text-anchor="middle" font-size="12" '
                f'fill="{TEXT}">{yr}</text>'
            )
    for si, (name, colour, pts) in enumerate(series):
        upper = " ".join(f"{x(i):.1f},{y(p[2]):.1f}" for i, p in enumerate(pts))
        lower = " ".join(f"{x(i):.1f},{y(p[0]):.1f}" for i, p in reversed(list(enumerate(pts))))
        out.append(f'<polygon points="{upper} {lower}" fill="{colour}" fill-opacity="0.2" stroke="none"/>')
        line = " ".join(f"{x(i):.1f},{y(p[1]):.1f}" for i, p in enumerate(pts))
        dash = ' stroke-dasharray="6 4"' if si % 2 else ""
        out.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2.5"{dash}/>')
        ly = top + 16 + si * 22
        out.append(
            f'<line x1="{left + plot_w + 12}" x2="{left + plot_w + 36}" y1="{ly - 4}" y2="{ly - 4}" '
            f'stroke="{colour}" stroke-width="3"{dash}/>'
            f'<text x="{left + plot_w + 42}" y="{ly}" font-size="12" fill="{TEXT}">{escape(name)}</text>'
        )
    out.append(
        f'<text x="{left + plot_w + 12}" y="{top + 16 + len(series) * 22}" font-size="11" fill="{TEXT}">'
        "band: P10 to P90</text>"
    )
    out.append("</svg>")
    return Markup("".join(out))


def diverging_bar_chart(
    items: Sequence[tuple[str, float | None]],
    *,
    title: str,
    unit: str,
    chart_id: str,
    width: int = 640,
) -> Markup:
    """Horizontal bars either side of zero (a shortfall left in red, a surplus right in green)."""
    bar_h, gap, label_w, top = 20, 5, 200, 8
    height = top + len(items) * (bar_h + gap) + 24
    values = [abs(v) for _, v in items if v is not None]
    vmax = max(values, default=1.0) or 1.0
    half = (width - label_w - 20) / 2 - 40
    zero = label_w + 20 + half + 40
    out = [
        f'<svg class="hcs-chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-title" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{chart_id}-title">{escape(title)} ({escape(unit)}); the same figures are in the table below'
        "</title>",
        f'<line x1="{zero:.1f}" x2="{zero:.1f}" y1="0" y2="{height - 20}" stroke="{TEXT}"/>',
    ]
    for i, (label, value) in enumerate(items):
        y = top + i * (bar_h + gap)
        ty = y + bar_h * 0.7
        short = label if len(label) <= 26 else label[:25] + "…"
        out.append(
            f'<text x="{label_w - 8}" y="{ty:.1f}" text-anchor="end" font-size="12" fill="{TEXT}">'
            f"{escape(short)}</text>"
        )
        if value is None:
            continue
        w = half * abs(value) / vmax
        if value < 0:
            out.append(
                f'<rect x="{zero - w:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{NHS_RED}"/>'
                f'<text x="{zero - w - 4:.1f}" y="{ty:.1f}" text-anchor="end" font-size="11" fill="{TEXT}">'
                f"{_fmt(value)}</text>"
            )
        else:
            out.append(
                f'<rect x="{zero:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{NHS_GREEN}"/>'
                f'<text x="{zero + w + 4:.1f}" y="{ty:.1f}" font-size="11" fill="{TEXT}">{_fmt(value)}</text>'
            )
    out.append("</svg>")
    return Markup("".join(out))


def stacked_bar_chart(
    items: Sequence[tuple[str, float, float]],
    *,
    names: tuple[str, str],
    title: str,
    chart_id: str,
    width: int = 640,
) -> Markup:
    """One bar per label split in two (e.g. posts filled, posts uncovered), with a key."""
    bar_h, gap, label_w, top = 22, 6, 220, 30
    height = top + len(items) * (bar_h + gap) + 10
    vmax = max((a + b for _, a, b in items), default=1.0) or 1.0
    plot_w = width - label_w - 70
    out = [
        f'<svg class="hcs-chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-title" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{chart_id}-title">{escape(title)}; the same figures are in the table below</title>',
        f'<rect x="{label_w}" y="6" width="14" height="14" fill="{NHS_BLUE}"/>'
        f'<text x="{label_w + 20}" y="18" font-size="12" fill="{TEXT}">{escape(names[0])}</text>'
        f'<rect x="{label_w + 150}" y="6" width="14" height="14" fill="{NHS_ORANGE}"/>'
        f'<text x="{label_w + 170}" y="18" font-size="12" fill="{TEXT}">{escape(names[1])}</text>',
    ]
    for i, (label, a, b) in enumerate(items):
        y = top + i * (bar_h + gap)
        ty = y + bar_h * 0.7
        short = label if len(label) <= 28 else label[:27] + "…"
        wa, wb = plot_w * a / vmax, plot_w * b / vmax
        out.append(
            f'<text x="{label_w - 8}" y="{ty:.1f}" text-anchor="end" font-size="12" fill="{TEXT}">'
            f"{escape(short)}</text>"
            f'<rect x="{label_w}" y="{y}" width="{wa:.1f}" height="{bar_h}" fill="{NHS_BLUE}"/>'
            f'<rect x="{label_w + wa:.1f}" y="{y}" width="{wb:.1f}" height="{bar_h}" fill="{NHS_ORANGE}"/>'
            f'<text x="{label_w + wa + wb + 6:.1f}" y="{ty:.1f}" font-size="11" fill="{TEXT}">'
            f"{_fmt(a)} / {_fmt(a + b)}</text>"
        )
    out.append("</svg>")
    return Markup("".join(out))
