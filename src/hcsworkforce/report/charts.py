"""Every chart, for the pages and the board pack: inline SVG drawn on the server with one set of scales and
colours (NHS palette; Making Data Count colours for variation); no JavaScript, nothing fetched, readable by
screen readers.

Every chart is drawn from the same records as the table printed beside it, so the two cannot disagree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from markupsafe import Markup

# The one palette of every chart (NHS identity colours).
NHS_BLUE = "#005eb8"
NHS_DARK_BLUE = "#003087"
NHS_WARM_YELLOW = "#ffb81c"
NHS_ORANGE = "#ed8b00"
NHS_RED = "#d5281b"
NHS_GREEN = "#007f3b"
NHS_PURPLE = "#330072"
NHS_MID_GREY = "#4c6272"
NHS_GREY = "#768692"
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


# -- SPC (Making Data Count) and funnel plots ----------------------------------------------------------------
# Making Data Count colours special causes by meaning, not by side: blue for improvement, orange for concern,
# purple where the metric has no good direction; common-cause points are grey. Shape and the table beside the
# chart carry the same meaning, so colour is never the only cue.
VARIATION_STYLE = {
    "special_cause_improvement": (NHS_BLUE, "improvement"),
    "special_cause_concern": (NHS_ORANGE, "concern"),
    "special_cause_neutral": (NHS_PURPLE, "special cause"),
    "common_cause": (NHS_MID_GREY, "common cause"),
}


def _value_text(v: float | None, is_rate: bool) -> str:
    if v is None:
        return "suppressed"
    return f"{100 * v:.1f}%" if is_rate else _fmt(v)


def _marker(kind: str, cx: float, cy: float, colour: str, r: float, tip: str) -> str:
    """A circle for common cause, a triangle pointing up or down for a special cause (direction of concern
    or improvement shown by colour and by the table's words)."""
    t = f"<title>{escape(tip)}</title>"
    if kind == "common_cause":
        return f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r}" fill="{colour}">{t}</circle>'
    if kind == "special_cause_concern":
        pts = f"{cx:.1f},{cy + r * 1.3:.1f} {cx - r * 1.3:.1f},{cy - r:.1f} {cx + r * 1.3:.1f},{cy - r:.1f}"
    else:
        pts = f"{cx:.1f},{cy - r * 1.3:.1f} {cx - r * 1.3:.1f},{cy + r:.1f} {cx + r * 1.3:.1f},{cy + r:.1f}"
    return f'<polygon points="{pts}" fill="{colour}" stroke="#ffffff" stroke-width="1">{t}</polygon>'


def spc_chart(
    points: Sequence[dict],  # type: ignore[type-arg]
    *,
    title: str,
    is_rate: bool,
    chart_id: str,
    width: int = 720,
    height: int = 320,
) -> Markup:
    """An XmR chart: the values joined by a line, the centre line (mean), the process limits (dashed), and each
    point marked common cause or special cause (improvement, concern, neutral), with a key."""
    left, right, top, bottom = 70, 16, 16, 64
    plot_w, plot_h = width - left - right, height - top - bottom
    vals: list[float] = []
    for p in points:
        vals += [v for k in ("value", "mean", "lower_limit", "upper_limit") if (v := p.get(k)) is not None]
    lo, hi = _nice_range(min(vals, default=0.0), max(vals, default=1.0))
    if is_rate:
        lo = max(lo, 0.0)
    n = max(len(points) - 1, 1)

    def x(i: int) -> float:
        return left + plot_w * i / n

    def y(v: float) -> float:
        return top + plot_h * (1 - (v - lo) / (hi - lo))

    out = [
        f'<svg class="hcs-chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-title" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{chart_id}-title">{escape(title)}: statistical process control chart with mean and '
        "process limits; the same figures are in the table below</title>",
    ]
    for k in range(5):
        v = lo + (hi - lo) * k / 4
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="12" fill="{TEXT}">'
            f"{_value_text(v, is_rate)}</text>"
        )
    step = max(1, -(-len(points) // 7))  # at most about 7 labels, so they never overlap
    for i, p in enumerate(points):
        if i % step == 0 or i == len(points) - 1:
            period = p["period"]
            text = period.strftime("%b %Y") if hasattr(period, "strftime") else str(period)
            out.append(
                f'<text x="{x(i):.1f}" y="{top + plot_h + 18}" text-anchor="middle" font-size="11" '
                f'fill="{TEXT}">{escape(text)}</text>'
            )

    def line(key: str, colour: str, dash: str, w: float) -> None:
        # Limits can step (rebased or fixed baselines): draw each run of known values as its own line.
        runs: list[list[str]] = [[]]
        for i, p in enumerate(points):
            v = p.get(key)
            if v is None:
                runs.append([])
            else:
                runs[-1].append(f"{x(i):.1f},{y(v):.1f}")
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        for r in runs:
            if len(r) > 1:
                out.append(
                    f'<polyline points="{" ".join(r)}" fill="none" stroke="{colour}" stroke-width="{w}"{extra}/>'
                )

    line("upper_limit", NHS_MID_GREY, "6 4", 1.5)
    line("lower_limit", NHS_MID_GREY, "6 4", 1.5)
    line("mean", TEXT, "", 1.5)
    line("value", NHS_GREY, "", 1.5)
    for i, p in enumerate(points):
        v = p.get("value")
        if v is None:
            continue
        kind = p.get("variation") or "common_cause"
        colour, word = VARIATION_STYLE.get(kind, VARIATION_STYLE["common_cause"])
        period = p["period"]
        when = period.strftime("%b %Y") if hasattr(period, "strftime") else str(period)
        tip = f"{when}: {_value_text(v, is_rate)}, {word}"
        if p.get("rules"):
            tip += " (" + ", ".join(str(r).replace("_", " ") for r in p["rules"]) + ")"
        out.append(_marker(kind, x(i), y(v), colour, 5 if kind != "common_cause" else 3.5, tip))
    ky = height - 22
    key_items = [
        ("line", TEXT, "", "Mean"),
        ("line", NHS_MID_GREY, "6 4", "Process limits"),
        ("common_cause", NHS_MID_GREY, "", "Common cause"),
        ("special_cause_improvement", NHS_BLUE, "", "Improvement"),
        ("special_cause_concern", NHS_ORANGE, "", "Concern"),
    ]
    kx = left
    for kind, colour, dash, text in key_items:
        if kind == "line":
            extra = f' stroke-dasharray="{dash}"' if dash else ""
            out.append(
                f'<line x1="{kx}" x2="{kx + 22}" y1="{ky}" y2="{ky}" stroke="{colour}" stroke-width="2"{extra}/>'
            )
        else:
            out.append(_marker(kind, kx + 11, ky, colour, 5, text))
        out.append(f'<text x="{kx + 28}" y="{ky + 4}" font-size="12" fill="{TEXT}">{escape(text)}</text>')
        kx += 40 + 7 * len(text)
    out.append("</svg>")
    return Markup("".join(out))


def funnel_chart(
    curve: Sequence[dict],  # type: ignore[type-arg]
    points: Sequence[dict],  # type: ignore[type-arg]
    *,
    pooled_rate: float | None,
    quartile_cuts: Sequence[float | None] = (),
    highlight: str | None,
    title: str,
    chart_id: str,
    width: int = 720,
    height: int = 360,
) -> Markup:
    """A funnel plot: rate against denominator (log scale), the pooled rate, 95% (dashed) and 99.8% (solid)
    limits as curves, organisations as points; flagged ones (outside 99.8%) as orange triangles, the user's own
    organisation as a large blue point with its code. Quartile cuts are drawn (dotted) when given, for views
    in which the peers' own points are not shown."""
    left, right, top, bottom = 70, 16, 16, 70
    plot_w, plot_h = width - left - right, height - top - bottom
    pts = [p for p in points if p.get("rate") is not None and p.get("denominator")]
    xs = [float(c["n"]) for c in curve] + [float(p["denominator"]) for p in pts]
    ys = [float(p["rate"]) for p in pts]
    ys += [float(c[k]) for c in curve for k in ("lower_998", "upper_998")]
    ys += [q for q in quartile_cuts if q is not None]
    if pooled_rate is not None:
        ys.append(pooled_rate)
    out = [
        f'<svg class="hcs-chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-title" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{chart_id}-title">{escape(title)}: funnel plot of each organisation\'s rate against its '
        "denominator with 95% and 99.8% limits; the same figures are in the table below</title>",
    ]
    if not xs or not ys:
        out.append(
            f'<text x="{left}" y="{top + 20}" font-size="13" fill="{TEXT}">No figures to draw.</text></svg>'
        )
        return Markup("".join(out))
    x_lo, x_hi = math.log10(max(min(xs), 1e-9)), math.log10(max(max(xs), 1e-9))
    if x_hi - x_lo < 1e-6:
        x_lo, x_hi = x_lo - 0.5, x_hi + 0.5
    lo, hi = _nice_range(min(ys), max(ys))
    lo, hi = max(lo, 0.0), min(hi, 1.0)
    if hi <= lo:
        hi = lo + 0.01

    def x(n: float) -> float:
        return left + plot_w * (math.log10(max(n, 1e-9)) - x_lo) / (x_hi - x_lo)

    def y(v: float) -> float:
        return top + plot_h * (1 - (min(max(v, lo), hi) - lo) / (hi - lo))

    for k in range(5):
        v = lo + (hi - lo) * k / 4
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="12" fill="{TEXT}">'
            f"{100 * v:.1f}%</text>"
        )
    for k in range(5):
        n = 10 ** (x_lo + (x_hi - x_lo) * k / 4)
        out.append(
            f'<text x="{x(n):.1f}" y="{top + plot_h + 18}" text-anchor="middle" font-size="11" fill="{TEXT}">'
            f"{_fmt(n)}</text>"
        )
    out.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{top + plot_h + 36}" text-anchor="middle" font-size="12" '
        f'fill="{TEXT}">Denominator (log scale)</text>'
    )
    for key, dash in (("lower_95", "6 4"), ("upper_95", "6 4"), ("lower_998", ""), ("upper_998", "")):
        line = " ".join(f"{x(float(c['n'])):.1f},{y(float(c[key])):.1f}" for c in curve)
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        if line:
            out.append(
                f'<polyline points="{line}" fill="none" stroke="{NHS_MID_GREY}" stroke-width="1.5"{extra}/>'
            )
    if pooled_rate is not None:
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(pooled_rate):.1f}" y2="{y(pooled_rate):.1f}" '
            f'stroke="{TEXT}" stroke-width="1.5"/>'
        )
    for q, name in zip(quartile_cuts, ("lower quartile", "median", "upper quartile"), strict=False):
        if q is None:
            continue
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(q):.1f}" y2="{y(q):.1f}" stroke="{NHS_PURPLE}" '
            f'stroke-dasharray="2 3"><title>Peers\' {name}: {100 * q:.1f}%</title></line>'
        )
    own = None
    for p in pts:
        if highlight and p["organisation"] == highlight:
            own = p
            continue
        cx, cy = x(float(p["denominator"])), y(float(p["rate"]))
        tip = f"{p.get('organisation_label') or p['organisation']}: {100 * float(p['rate']):.1f}%"
        if p.get("flag") in ("high", "low"):
            kind = "special_cause_concern" if p["flag"] == "high" else "special_cause_improvement"
            out.append(_marker(kind, cx, cy, NHS_ORANGE, 5, tip + f", flagged {p['flag']}"))
            out.append(
                f'<text x="{cx + 8:.1f}" y="{cy - 6:.1f}" font-size="11" fill="{TEXT}">'
                f"{escape(str(p['organisation']))}</text>"
            )
        else:
            out.append(
                f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3.5" fill="{NHS_MID_GREY}"><title>{escape(tip)}</title>'
                "</circle>"
            )
    if own is not None:
        cx, cy = x(float(own["denominator"])), y(float(own["rate"]))
        out.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="7" fill="{NHS_BLUE}" stroke="#ffffff" stroke-width="2">'
            f"<title>{escape(str(own['organisation']))}: {100 * float(own['rate']):.1f}%</title></circle>"
            f'<text x="{cx + 10:.1f}" y="{cy - 8:.1f}" font-size="13" font-weight="bold" fill="{NHS_BLUE}">'
            f"{escape(str(own['organisation']))}</text>"
        )
    ky = height - 12
    out.append(
        f'<line x1="{left}" x2="{left + 22}" y1="{ky - 4}" y2="{ky - 4}" stroke="{TEXT}" stroke-width="2"/>'
        f'<text x="{left + 28}" y="{ky}" font-size="12" fill="{TEXT}">Pooled rate</text>'
        f'<line x1="{left + 120}" x2="{left + 142}" y1="{ky - 4}" y2="{ky - 4}" stroke="{NHS_MID_GREY}" '
        'stroke-width="2"/>'
        f'<text x="{left + 148}" y="{ky}" font-size="12" fill="{TEXT}">99.8% limits</text>'
        f'<line x1="{left + 250}" x2="{left + 272}" y1="{ky - 4}" y2="{ky - 4}" stroke="{NHS_MID_GREY}" '
        'stroke-width="2" stroke-dasharray="6 4"/>'
        f'<text x="{left + 278}" y="{ky}" font-size="12" fill="{TEXT}">95% limits</text>'
        + _marker("special_cause_concern", left + 380, ky - 4, NHS_ORANGE, 5, "Flagged")
        + f'<text x="{left + 392}" y="{ky}" font-size="12" fill="{TEXT}">Flagged (outside 99.8%)</text>'
    )
    out.append("</svg>")
    return Markup("".join(out))
