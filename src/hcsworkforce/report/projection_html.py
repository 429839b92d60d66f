"""A projection as one self-contained HTML page: fan charts drawn as inline SVG, tables, the scenario hash.

Nothing is fetched from anywhere: no scripts, fonts or images by URL, so the file can be mailed or archived.
Every chart has its numbers in a table beside it.
"""

from __future__ import annotations

import html
from typing import Any

from hcsworkforce.model.labels import label as label_of
from hcsworkforce.report import tabular

SUPPLY_COLOUR = "#005eb8"  # NHS blue
DEMAND_COLOUR = "#da291c"  # NHS red
GAP_COLOUR = "#768692"
MAX_SMALL_MULTIPLES = 24

_CSS = (
    "body{font-family:Arial,sans-serif;margin:2rem;color:#212b32;max-width:1200px}"
    "h1{color:#005eb8}table{border-collapse:collapse;margin:0 0 2rem 0;font-size:0.9rem}"
    "th,td{border-bottom:1px solid #d8dde0;padding:3px 8px;text-align:left}td.n{text-align:right}"
    ".grid{display:flex;flex-wrap:wrap;gap:1rem}.card{border:1px solid #d8dde0;padding:0.5rem}"
    "code{background:#f0f4f5;padding:0 4px}.key span{display:inline-block;margin-right:1rem}"
    "@media print{body{margin:0}}"
)


def _scale(lo: float, hi: float, out_lo: float, out_hi: float) -> Any:
    span = (hi - lo) or 1.0

    def f(v: float) -> float:
        return out_lo + (v - lo) / span * (out_hi - out_lo)

    return f


def fan_chart(
    title: str,
    years: list[int],
    supply: list[list[float]],
    demand: list[list[float]],
    width: int = 520,
    height: int = 260,
) -> str:
    """Supply and demand bands (P10-P90 shaded, P50 line) over years. Each series: [mean, p10, p50, p90]."""
    pad_l, pad_r, pad_t, pad_b = 60, 10, 28, 30
    values = [v for s in (supply, demand) for row in s for v in row[1:]]
    lo, hi = min([*values, 0.0]), max([*values, 1.0])
    hi += (hi - lo) * 0.05
    x = _scale(years[0], years[-1] if len(years) > 1 else years[0] + 1, pad_l, width - pad_r)
    y = _scale(lo, hi, height - pad_b, pad_t)
    parts = [
        f"<svg width='{width}' height='{height}' role='img' aria-label='{html.escape(title)}'>",
        f"<text x='{pad_l}' y='16' font-size='13' font-weight='bold'>{html.escape(title)}</text>",
    ]
    for i in range(5):
        v = lo + (hi - lo) * i / 4
        parts.append(
            f"<line x1='{pad_l}' x2='{width - pad_r}' y1='{y(v):.1f}' y2='{y(v):.1f}' stroke='#e8edee'/>"
        )
        parts.append(
            f"<text x='{pad_l - 4}' y='{y(v) + 4:.1f}' font-size='10' text-anchor='end'>{v:,.0f}</text>"
        )
    for yr in years:
        if len(years) <= 12 or (yr - years[0]) % 2 == 0:
            parts.append(
                f"<text x='{x(yr):.1f}' y='{height - 10}' font-size='10' text-anchor='middle'>{yr}</text>"
            )
    for series, colour in ((supply, SUPPLY_COLOUR), (demand, DEMAND_COLOUR)):
        upper = " ".join(f"{x(yr):.1f},{y(r[3]):.1f}" for yr, r in zip(years, series, strict=True))
        lower = " ".join(
            f"{x(yr):.1f},{y(r[1]):.1f}" for yr, r in reversed(list(zip(years, series, strict=True)))
        )
        parts.append(f"<polygon points='{upper} {lower}' fill='{colour}' fill-opacity='0.18' stroke='none'/>")
        mid = " ".join(f"{x(yr):.1f},{y(r[2]):.1f}" for yr, r in zip(years, series, strict=True))
        parts.append(f"<polyline points='{mid}' fill='none' stroke='{colour}' stroke-width='2'/>")
    parts.append("</svg>")
    return "".join(parts)


def gap_bars(title: str, labels: list[str], gaps: list[list[float]], width: int = 900) -> str:
    """Horizontal bars of the P50 gap with P10-P90 whiskers, one per group."""
    row_h, pad_l, pad_r, pad_t = 18, 280, 20, 30
    height = pad_t + row_h * len(labels) + 20
    values = [v for g in gaps for v in g[1:]] + [0.0]
    lo, hi = min(values), max(values)
    x = _scale(lo, hi if hi > lo else lo + 1, pad_l, width - pad_r)
    parts = [
        f"<svg width='{width}' height='{height}' role='img' aria-label='{html.escape(title)}'>",
        f"<text x='{pad_l}' y='16' font-size='13' font-weight='bold'>{html.escape(title)}</text>",
        f"<line x1='{x(0):.1f}' x2='{x(0):.1f}' y1='{pad_t - 4}' y2='{height - 16}' stroke='#425563'/>",
    ]
    for i, (label, g) in enumerate(zip(labels, gaps, strict=True)):
        top = pad_t + i * row_h
        left, right = sorted((x(0), x(g[2])))
        colour = DEMAND_COLOUR if g[2] > 0 else SUPPLY_COLOUR
        parts.append(
            f"<text x='{pad_l - 6}' y='{top + 12}' font-size='11' text-anchor='end'>{html.escape(label)}</text>"
        )
        parts.append(
            f"<rect x='{left:.1f}' y='{top + 3}' width='{max(right - left, 0.5):.1f}' height='{row_h - 6}' "
            f"fill='{colour}' fill-opacity='0.7'/>"
        )
        parts.append(
            f"<line x1='{x(g[1]):.1f}' x2='{x(g[3]):.1f}' y1='{top + row_h / 2:.1f}' "
            f"y2='{top + row_h / 2:.1f}' stroke='#212b32'/>"
        )
    parts.append(
        f"<text x='{pad_l}' y='{height - 4}' font-size='10'>bar: P50 gap (FTE, red = shortfall); line: P10 to P90"
        "</text></svg>"
    )
    return "".join(parts)


def _table(records: list[dict[str, Any]]) -> str:
    if not records:
        return "<p>None.</p>"
    cols = tabular.columns_of(records)
    out = [
        "<table><thead><tr>",
        *(f"<th scope='col'>{html.escape(c)}</th>" for c in cols),
        "</tr></thead><tbody>",
    ]
    for r in records:
        cells = []
        for c in cols:
            v = r.get(c)
            cls = " class='n'" if isinstance(v, int | float) and not isinstance(v, bool) else ""
            cells.append(f"<td{cls}>{html.escape(tabular.fmt_cell(v, c))}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _label(key: tuple[Any, ...], dims: list[str] | tuple[str, ...] = ()) -> str:
    """Readable names (specialism, region ...) rather than ids, for chart labels."""
    names = [
        label_of(d, k) if i < len(dims) and k is not None else (str(k) if k is not None else "unknown")
        for i, (d, k) in enumerate(zip(list(dims) + [""] * len(key), key, strict=False))
    ]
    return " / ".join(names) or "All"


def render_projection(result: Any) -> str:
    """The page for a ProjectionResult (services.projection)."""
    s = result.summary
    years = [s.start_year + t for t in range(s.stats["supply_fte"].shape[0])]
    last = len(years) - 1
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Projection: {html.escape(result.name)}</title><style>{_CSS}</style></head><body>",
        f"<h1>Workforce projection: {html.escape(result.name)}</h1>",
        f"<p>Scenario hash <code>{html.escape(result.hash)}</code> (sha256 of the resolved scenario below). "
        f"{s.runs:,} Monte Carlo runs; bands show P10 to P90, lines P50. Census: "
        f"{html.escape(str(result.data.get('census_date')))}, {result.data.get('staff_rows', 0):,} staff rows.</p>",
        f"<p class='key'><span style='color:{SUPPLY_COLOUR}'>&#9632; supply FTE</span>"
        f"<span style='color:{DEMAND_COLOUR}'>&#9632; demand FTE</span></p>",
        "<h2>All groups together</h2>",
        fan_chart(
            "Supply and demand, FTE",
            years,
            s.total_stats["supply_fte"].tolist(),
            s.total_stats["demand_fte"].tolist(),
            width=760,
            height=320,
        ),
    ]
    total_rows = [
        {
            "year": yr,
            **{
                f"{m} {st}": round(float(s.total_stats[m][t, i]), 1)
                for m in ("supply_fte", "demand_fte", "gap_fte")
                for i, st in enumerate(("mean", "p10", "p50", "p90"))
            },
        }
        for t, yr in enumerate(years)
    ]
    parts.append(_table(total_rows))
    if s.by:
        labels = [_label(k, s.by) for k in s.groups]
        gaps = [s.stats["gap_fte"][last, g, :].tolist() for g in range(len(s.groups))]
        order = sorted(range(len(labels)), key=lambda g: -gaps[g][2])
        parts.append(f"<h2>Gap in {years[last]} by {html.escape(', '.join(s.by))}</h2>")
        parts.append(
            gap_bars(
                f"Gap (demand - supply) in {years[last]}, FTE",
                [labels[g] for g in order],
                [gaps[g] for g in order],
            )
        )
        parts.append(f"<h2>Supply and demand by {html.escape(', '.join(s.by))}</h2>")
        shown = order[:MAX_SMALL_MULTIPLES]
        if len(order) > len(shown):
            parts.append(
                f"<p>The {len(shown)} groups with the largest gaps; all are in the data table below.</p>"
            )
        parts.append("<div class='grid'>")
        for g in shown:
            parts.append(
                "<div class='card'>"
                + fan_chart(
                    labels[g],
                    years,
                    s.stats["supply_fte"][:, g].tolist(),
                    s.stats["demand_fte"][:, g].tolist(),
                    width=360,
                    height=200,
                )
                + "</div>"
            )
        parts.append("</div>")
    parts.append("<h2>Assumptions</h2>")
    parts.append(_table(result.assumptions))
    if result.notes:
        parts.append(
            "<h2>Notes</h2><ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in result.notes) + "</ul>"
        )
    parts.append("<h2>Data</h2>")
    parts.append(_table(s.flat_rows()))
    parts.append("<h2>Resolved scenario</h2><pre>" + html.escape(tabular.to_json(result.resolved)) + "</pre>")
    parts.append("</body></html>")
    return "".join(parts)
