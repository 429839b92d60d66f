"""The board pack: one self-contained HTML page (inline SVG charts, inline CSS that prints to A4) and an XLSX in
the Analysis Function style, both drawn from the same `BoardPack` result, so a chart and its table agree.

Nothing is fetched: no fonts, scripts or images from anywhere, and no web address appears in either file.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from hcsworkforce.report.tabular import fmt_cell, write_xlsx
from hcsworkforce.services.trends import METRIC_LABELS, RATE_METRICS, BoardPack, PackFunnel

# Making Data Count colours: blue improvement, orange concern, purple neutral, grey common cause.
COLOURS = {
    "special_cause_improvement": "#005eb8",
    "special_cause_concern": "#ed8b00",
    "special_cause_neutral": "#330072",
    "common_cause": "#768692",
    None: "#768692",
}
VARIATION_TEXT = {
    "special_cause_improvement": "Special cause: improvement",
    "special_cause_concern": "Special cause: concern",
    "special_cause_neutral": "Special cause: neither better nor worse",
    "common_cause": "Common cause: no significant change",
    None: "Not enough data",
}
TEXT = "#212b32"
GRID = "#d8dde0"

CSS = """
body{font-family:Arial,Helvetica,sans-serif;color:#212b32;margin:1.5rem auto;max-width:1100px;font-size:15px}
h1{color:#005eb8;margin-bottom:.2rem}h2{color:#003087;border-bottom:2px solid #005eb8;padding-bottom:.2rem}
h3{margin:.8rem 0 .3rem}
nav ol{columns:2}nav{background:#f0f4f5;padding:.5rem 1rem;margin:1rem 0}
table{border-collapse:collapse;font-size:12px;margin:.3rem 0}
th,td{border-bottom:1px solid #d8dde0;padding:2px 6px;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.pair{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:1rem;align-items:start;margin-bottom:1rem}
.tablebox{max-height:420px;overflow:auto}.tablebox td:first-child{white-space:nowrap}
.tag{display:inline-block;padding:1px 6px;border-radius:3px;color:#fff;font-size:12px}
.tag.special_cause_improvement{background:#005eb8}.tag.special_cause_concern{background:#ed8b00}
.tag.special_cause_neutral{background:#330072}.tag.common_cause,.tag.none{background:#768692}
.flag-high,.flag-low{font-weight:bold}
.meta{color:#4c6272}
figure{margin:0}figcaption{font-size:12px;color:#4c6272}
svg text{font-family:Arial,Helvetica,sans-serif}
@page{size:A4 portrait;margin:12mm}
@media print{
  body{margin:0;max-width:none;font-size:10pt}
  nav{display:none}
  section{break-before:page}
  section.first{break-before:auto}
  .pair,figure,table,.block{break-inside:avoid}
  tr{break-inside:avoid}
  .tablebox{max-height:none;overflow:visible}
  h2,h3{break-after:avoid}
  a{color:inherit;text-decoration:none}
}
"""


def _e(v: Any) -> str:
    return html.escape(str(v))


def _pct(v: float | None, digits: int = 1) -> str:
    return "–" if v is None else f"{100 * v:.{digits}f}%"


def _value(metric: str, v: float | None) -> str:
    if v is None:
        return "–"
    if metric in RATE_METRICS:
        return _pct(v)
    return f"{v:,.0f}" if metric == "headcount" else f"{v:,.1f}"


def table(records: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]], caption: str = "") -> str:
    """An HTML table of records; columns are (key, heading)."""
    out = ["<table>"]
    if caption:
        out.append(f"<caption>{_e(caption)}</caption>")
    out.append(
        "<thead><tr>" + "".join(f"<th scope='col'>{_e(h)}</th>" for _, h in columns) + "</tr></thead><tbody>"
    )
    for r in records:
        cells = []
        for k, _ in columns:
            v = r.get(k)
            num = isinstance(v, int | float) and not isinstance(v, bool)
            cells.append(f"<td{' class=n' if num else ''}>{_e(fmt_cell(v, k))}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


# -- charts -------------------------------------------------------------------------------------------------


def _nice_range(values: Sequence[float]) -> tuple[float, float]:
    lo, hi = min(values), max(values)
    if math.isclose(lo, hi):
        pad = abs(lo) * 0.1 or 1.0
        return lo - pad, hi + pad
    pad = (hi - lo) * 0.08
    return lo - pad, hi + pad


def spc_svg(metric: str, points: Sequence[dict[str, Any]], title: str) -> str:
    """An XmR chart: values joined by a line, the mean and process limits, special causes coloured."""
    w, h, left, right, top, bottom = 640, 250, 62, 12, 14, 40
    pw, ph = w - left - right, h - top - bottom
    ys = [
        float(p[k])
        for p in points
        for k in ("value", "mean", "lower_limit", "upper_limit")
        if p.get(k) is not None
    ]
    if not ys:
        return f"<p>No values to chart for {_e(title)}.</p>"
    lo, hi = _nice_range(ys)
    n = len(points)

    def x(i: int) -> float:
        return left + (pw * i / max(n - 1, 1))

    def y(v: float) -> float:
        return top + ph * (1 - (v - lo) / (hi - lo))

    parts = [
        f"<svg viewBox='0 0 {w} {h}' width='100%' role='img' "
        f"aria-label='{_e(title)}'><title>{_e(title)}</title>",
        f"<rect x='{left}' y='{top}' width='{pw}' height='{ph}' fill='#fff' stroke='{GRID}'/>",
    ]
    for k in range(5):
        v = lo + (hi - lo) * k / 4
        parts.append(
            f"<line x1='{left}' x2='{left + pw}' y1='{y(v):.1f}' y2='{y(v):.1f}' stroke='{GRID}' stroke-width='0.5'/>"
            f"<text x='{left - 4}' y='{y(v) + 4:.1f}' font-size='11' text-anchor='end' fill='{TEXT}'>"
            f"{_e(_value(metric, v))}</text>"
        )

    def line(key: str, colour: str, dash: str = "") -> None:
        run: list[str] = []
        segs: list[list[str]] = []
        for i, p in enumerate(points):
            v = p.get(key)
            if v is None:
                if run:
                    segs.append(run)
                run = []
                continue
            run.append(f"{x(i):.1f},{y(float(v)):.1f}")
        if run:
            segs.append(run)
        for s in segs:
            if len(s) == 1:
                s = [s[0], s[0]]
            extra = f" stroke-dasharray='{dash}'" if dash else ""
            parts.append(
                f"<polyline points='{' '.join(s)}' fill='none' stroke='{colour}' stroke-width='1.5'{extra}/>"
            )

    line("upper_limit", "#4c6272", "5,3")
    line("lower_limit", "#4c6272", "5,3")
    line("mean", "#212b32")
    line("value", "#aeb7bd")
    for i, p in enumerate(points):
        if p.get("value") is None:
            continue
        colour = COLOURS.get(p.get("variation"), COLOURS[None])
        label = f"{p['period']}: {_value(metric, p['value'])} ({VARIATION_TEXT.get(p.get('variation'), '')})"
        parts.append(
            f"<circle cx='{x(i):.1f}' cy='{y(float(p['value'])):.1f}' r='4' fill='{colour}'><title>{_e(label)}</title></circle>"
        )
    ticks = sorted({0, n // 2, n - 1}) if n > 2 else list(range(n))
    for i in ticks:
        period = points[i]["period"]
        text = period.strftime("%b %Y") if isinstance(period, date) else str(period)
        anchor = "start" if i == 0 else "end" if i == n - 1 else "middle"
        parts.append(
            f"<text x='{x(i):.1f}' y='{h - bottom + 16}' font-size='11' text-anchor='{anchor}' fill='{TEXT}'>"
            f"{_e(text)}</text>"
        )
    parts.append(
        f"<text x='{left}' y='{h - 6}' font-size='11' fill='{TEXT}'>Solid line: mean; dashed: process limits; "
        "orange: concern; blue: improvement; grey: common cause</text></svg>"
    )
    return "".join(parts)


def funnel_svg(f: PackFunnel, highlight: str) -> str:
    """A funnel plot: every peer's rate against its denominator, the pooled rate and the 95% / 99.8% limits."""
    w, h, left, right, top, bottom = 640, 260, 62, 12, 14, 40
    pw, ph = w - left - right, h - top - bottom
    curve = f.funnel.get("curve") or []
    pts = [p for p in f.points if p.get("rate") is not None and p.get("denominator")]
    if not curve or not pts:
        return "<p>Too few organisations with figures to draw a funnel.</p>"
    xs = [c["n"] for c in curve] + [float(p["denominator"]) for p in pts]
    ys = [float(p["rate"]) for p in pts] + [c["lower_998"] for c in curve] + [c["upper_998"] for c in curve]
    x_lo, x_hi = math.log10(max(min(xs), 1e-9)), math.log10(max(xs))
    lo, hi = _nice_range(ys)
    lo = max(lo, 0.0)
    title = f"{METRIC_LABELS[f.metric]} against {f.peers}"

    def x(n: float) -> float:
        return left + pw * (math.log10(max(n, 1e-9)) - x_lo) / max(x_hi - x_lo, 1e-9)

    def y(v: float) -> float:
        return top + ph * (1 - (min(max(v, lo), hi) - lo) / (hi - lo))

    parts = [
        f"<svg viewBox='0 0 {w} {h}' width='100%' role='img' "
        f"aria-label='{_e(title)}'><title>{_e(title)}</title>",
        f"<rect x='{left}' y='{top}' width='{pw}' height='{ph}' fill='#fff' stroke='{GRID}'/>",
    ]
    for k in range(5):
        v = lo + (hi - lo) * k / 4
        parts.append(
            f"<text x='{left - 4}' y='{y(v) + 4:.1f}' font-size='11' text-anchor='end' fill='{TEXT}'>{_pct(v)}</text>"
        )
    for key, dash in (("lower_95", "3,3"), ("upper_95", "3,3"), ("lower_998", ""), ("upper_998", "")):
        pl = " ".join(f"{x(c['n']):.1f},{y(c[key]):.1f}" for c in curve)
        extra = f" stroke-dasharray='{dash}'" if dash else ""
        parts.append(f"<polyline points='{pl}' fill='none' stroke='#4c6272' stroke-width='1.2'{extra}/>")
    p0 = f.funnel.get("pooled_rate")
    if p0 is not None:
        parts.append(
            f"<line x1='{left}' x2='{left + pw}' y1='{y(p0):.1f}' y2='{y(p0):.1f}' stroke='#212b32'/>"
        )
    own = None
    for p in pts:
        if p["organisation"] == highlight:
            own = p
            continue
        parts.append(
            f"<circle cx='{x(float(p['denominator'])):.1f}' cy='{y(float(p['rate'])):.1f}' r='3' "
            f"fill='#aeb7bd'><title>{_e(p['organisation'])}: {_pct(p['rate'])}</title></circle>"
        )
    if own is not None:
        ox, oy = x(float(own["denominator"])), y(float(own["rate"]))
        parts.append(
            f"<circle cx='{ox:.1f}' cy='{oy:.1f}' r='6' fill='#005eb8' stroke='#fff'>"
            f"<title>{_e(highlight)}: {_pct(own['rate'])}</title></circle>"
            f"<text x='{ox + 8:.1f}' y='{oy - 6:.1f}' font-size='12' font-weight='bold' fill='#005eb8'>{_e(highlight)}</text>"
        )
    parts.append(
        f"<text x='{left + pw / 2}' y='{h - 18}' font-size='11' text-anchor='middle' fill='{TEXT}'>"
        "Denominator (log scale)</text>"
        f"<text x='{left}' y='{h - 4}' font-size='11' fill='{TEXT}'>Solid: pooled rate and 99.8% limits; "
        "dashed: 95% limits; blue: this organisation</text></svg>"
    )
    return "".join(parts)


def bar_svg(items: Sequence[tuple[str, float]], title: str, unit: str = "") -> str:
    """Horizontal bars, one per (label, value)."""
    bar, gap, label_w, w = 18, 5, 190, 640
    h = 10 + len(items) * (bar + gap) + 10
    vmax = max((v for _, v in items), default=1.0) or 1.0
    pw = w - label_w - 70
    parts = [
        f"<svg viewBox='0 0 {w} {h}' width='100%' role='img' "
        f"aria-label='{_e(title)}'><title>{_e(title)}</title>"
    ]
    for i, (label, v) in enumerate(items):
        yy = 10 + i * (bar + gap)
        bw = pw * v / vmax
        parts.append(
            f"<text x='{label_w - 6}' y='{yy + 13}' font-size='12' text-anchor='end' fill='{TEXT}'>{_e(label[:32])}</text>"
            f"<rect x='{label_w}' y='{yy}' width='{bw:.1f}' height='{bar}' fill='#005eb8'/>"
            f"<text x='{label_w + bw + 4:.1f}' y='{yy + 13}' font-size='12' fill='{TEXT}'>{v:,.0f}{_e(unit)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


# -- the page -----------------------------------------------------------------------------------------------


def _pair(chart: str, table_html: str, caption: str) -> str:
    return (
        f"<div class='pair'><figure>{chart}<figcaption>{_e(caption)}</figcaption></figure>"
        f"<div class='tablebox'>{table_html}</div></div>"
    )


def trend_rows(pack: BoardPack, metric: str) -> list[dict[str, Any]]:
    s = pack.trends[metric].series[0]
    return [
        {
            "period": p["period"],
            "value": p["value"],
            "mean": p["mean"],
            "lower_limit": p["lower_limit"],
            "upper_limit": p["upper_limit"],
            "variation": p["variation"],
            "rules": ";".join(p["rules"] or []),
        }
        for p in s["points"]
    ]


def funnel_rows(f: PackFunnel) -> list[dict[str, Any]]:
    keep = (
        "organisation",
        "numerator",
        "denominator",
        "rate",
        "lower_998",
        "upper_998",
        "flag",
        "rank",
        "quartile",
    )
    return [{k: r.get(k) for k in (*keep, "suppressed")} for r in f.points]


def render_html(pack: BoardPack) -> str:
    name = f"{pack.organisation_name} ({pack.organisation})"
    region = f", {pack.region_name}" if pack.region_name else ""
    sections: list[tuple[str, str, str]] = []  # (id, heading, body)

    head_rows = []
    for r in pack.headlines:
        head_rows.append(
            f"<tr><th scope='row'>{_e(r['measure'])}</th><td class=n>{_e(_value(r['metric'], r['latest']))}</td>"
            f"<td class=n>{_e(_value(r['metric'], r['mean']))}</td>"
            f"<td><span class='tag {r['variation'] or 'none'}'>{_e(VARIATION_TEXT.get(r['variation'], ''))}</span></td>"
            f"<td>{_e(r['against_england'] or '–')}</td><td>{_e(r['against_region'] or '–')}</td></tr>"
        )
    sections.append(
        (
            "headlines",
            "Headline figures",
            "<table><thead><tr><th scope='col'>Measure</th><th scope='col'>Latest</th><th scope='col'>Mean</th>"
            "<th scope='col'>Variation (latest point)</th><th scope='col'>Against England</th>"
            "<th scope='col'>Against region</th></tr></thead><tbody>"
            + "".join(head_rows)
            + "</tbody></table><p class='meta'>Against England / region: <b>high</b> or <b>low</b> only outside "
            "the 99.8% funnel limits; <b>within</b> otherwise.</p>",
        )
    )

    blocks = []
    for m in pack.trends:
        short = {
            "special_cause_improvement": "improvement",
            "special_cause_concern": "concern",
            "special_cause_neutral": "neutral",
            "common_cause": "common",
        }
        rows = [{**r, "variation": short.get(r["variation"], r["variation"])} for r in trend_rows(pack, m)]
        cols = [
            ("period", "Period"),
            ("value", "Value"),
            ("mean", "Mean"),
            ("lower_limit", "Lower"),
            ("upper_limit", "Upper"),
            ("variation", "Variation"),
        ]
        blocks.append(
            f"<div class='block'><h3>{_e(METRIC_LABELS[m])}</h3>"
            + _pair(
                spc_svg(m, pack.trends[m].series[0]["points"], f"{METRIC_LABELS[m]}, {name}"),
                table(rows, cols),
                pack.trends[m].definition,
            )
            + "</div>"
        )
    sections.append(("trends", "Change over time (SPC charts)", "".join(blocks)))

    blocks = []
    for f in pack.funnels:
        own = f.row or {}
        cols = [
            ("organisation", "Org"),
            ("rate", "Rate"),
            ("denominator", "n"),
            ("flag", "Flag"),
            ("rank", "Rank"),
        ]
        where = (
            f"{pack.organisation}: rate {_pct(own.get('rate'))}, {own.get('flag') or 'suppressed'}, rank "
            f"{own.get('rank') or '–'} of {f.funnel.get('organisations')}, quartile {own.get('quartile') or '–'}; "
            f"pooled {_pct(f.funnel.get('pooled_rate'))}, phi {f.funnel.get('phi') or 0:.2f}"
            f"{' (overdispersion applied)' if f.funnel.get('overdispersion_applied') else ''}"
        )
        blocks.append(
            f"<div class='block'><h3>{_e(METRIC_LABELS[f.metric])} against {_e(f.peers)}</h3>"
            + _pair(funnel_svg(f, pack.organisation), table(funnel_rows(f), cols), where)
            + "</div>"
        )
    sections.append(
        (
            "benchmarks",
            "Against the region and the nation (funnel plots)",
            "".join(blocks) or "<p>No rates to compare on this census.</p>",
        )
    )

    ages = pack.age_profile
    age_body = _pair(
        bar_svg([(a["age_band"], float(a["headcount"])) for a in ages], "Headcount by age band"),
        table(ages, [("age_band", "Age band"), ("headcount", "Headcount"), ("share", "Share")]),
        "People in post by age band on the census date.",
    )
    top = pack.retirement[:15]
    risk_body = _pair(
        bar_svg(
            [(r["specialism_name"], float(r["aged_55_plus"])) for r in top],
            "Staff aged 55 and over by specialism",
        ),
        table(
            top,
            [
                ("specialism_name", "Specialism"),
                ("headcount", "Headcount"),
                ("aged_55_plus", "55+"),
                ("aged_60_plus", "60+"),
                ("share_55_plus", "Share 55+"),
            ],
        ),
        "Retirement risk: the specialisms with the largest share of people aged 55 and over (up to 15).",
    )
    sections.append(
        ("age", "Age profile and retirement risk", age_body + "<h3>Retirement risk</h3>" + risk_body)
    )

    tr = pack.trainees
    sections.append(
        (
            "trainees",
            "Trainees in the pipeline",
            _pair(
                bar_svg([(t["programme_name"], float(t["people"])) for t in tr], "Trainees by programme"),
                table(
                    tr,
                    [
                        ("programme_name", "Programme"),
                        ("people", "People"),
                        ("fte", "FTE"),
                        ("completing_within_12_months", "Completing within 12 months"),
                    ],
                ),
                "People in post on a training programme, by programme.",
            )
            if tr
            else "<p>No one in post is on a training programme.</p>",
        )
    )

    if pack.leadership:
        sections.append(
            (
                "leadership",
                "Healthcare science leadership",
                table(
                    [{**r, "where": _leadership_where(r), "lead": _lead(r)} for r in pack.leadership],
                    [
                        ("where", "Where"),
                        ("hcs_headcount", "HCS headcount"),
                        ("hcs_senior_headcount", "Band 8c and above"),
                        ("hcs_consultant_headcount", "Consultant clinical scientists"),
                        ("hcs_senior_per_100_headcount", "Senior per 100 HCS"),
                        ("lead", "HCS lead"),
                        ("nursing_senior_per_100_headcount", "Senior per 100 nurses"),
                        ("ahp_senior_per_100_headcount", "Senior per 100 AHPs"),
                    ],
                )
                + "<p>Senior: band 8c and above; bank and honorary posts not counted. Region and England "
                "are the organisations in the data; small counts there are suppressed. Nursing and AHP "
                "figures are blank where the extract carried none of those staff groups.</p>",
            )
        )

    if pack.key_people is not None:
        sections.append(
            (
                "people",
                "Key people",
                table(
                    pack.key_people,
                    [
                        ("role", "Role"),
                        ("scope_name", "For"),
                        ("status", "Status"),
                        ("holder", "Held by"),
                        ("holder_until", "Until"),
                        ("last_holder", "Last holder"),
                    ],
                ),
            )
        )
    sections.append(
        ("notes", "Notes and method", "<ol>" + "".join(f"<li>{_e(n)}</li>" for n in pack.notes) + "</ol>")
    )

    nav = (
        "<nav aria-label='Contents'><b>Contents</b><ol>"
        + "".join(f"<li><a href='#{sid}'>{_e(h)}</a></li>" for sid, h, _ in sections)
        + "</ol></nav>"
    )
    body = "".join(
        f"<section id='{sid}'{' class=first' if i == 0 else ''}><h2>{_e(h)}</h2>{b}</section>"
        for i, (sid, h, b) in enumerate(sections)
    )
    period = f"{pack.censuses[0]:%B %Y} to {pack.census_date:%B %Y}"
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>Healthcare science workforce board pack: {_e(name)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>Healthcare science workforce: {_e(name)}</h1>"
        f"<p class='meta'>Board pack for the census of {pack.census_date:%d %B %Y}{_e(region)}; trends {period} "
        f"({len(pack.censuses)} censuses). Produced by hcsworkforce.</p></header>{nav}<main>{body}</main></body></html>"
    )


def xlsx_sheets(pack: BoardPack) -> list[tuple[str, Sequence[dict[str, Any]]]]:
    sheets: list[tuple[str, Sequence[dict[str, Any]]]] = [("Headlines", pack.headlines)]
    for m in pack.trends:
        sheets.append((f"Trend {m}"[:31], trend_rows(pack, m)))
    for f in pack.funnels:
        where = "England" if f.peers == "England" else "region"
        sheets.append((f"Funnel {f.metric} {where}"[:31], funnel_rows(f)))
    sheets.append(("Age profile", pack.age_profile))
    sheets.append(("Retirement risk", pack.retirement))
    sheets.append(("Trainees", pack.trainees))
    if pack.leadership:
        sheets.append(
            (
                "Leadership",
                [{k: v for k, v in r.items() if k != "suppressed_columns"} for r in pack.leadership],
            )
        )
    if pack.key_people is not None:
        sheets.append(("Key people", pack.key_people))
    sheets.append(("Notes", [{"note": i + 1, "text": n} for i, n in enumerate(pack.notes)]))
    return sheets


def _lead(row: dict[str, Any]) -> str:
    """'yes'/'no' for an organisation; 'N of M organisations' for a region or England."""
    if row["level"] == "organisation":
        return "yes" if row["has_hcs_lead"] else "no"
    n, m = row.get("organisations_with_hcs_lead"), row.get("organisations")
    return "–" if n is None or m is None else f"{n:,} of {m:,} organisations"


def _leadership_where(row: dict[str, Any]) -> str:
    if row["level"] == "organisation":
        return str(row["organisation_name"] or row["organisation_code"]).replace("Nhs ", "NHS ")
    if row["level"] == "region":
        return f"{row['region_name']} (region)"
    return "England"


def write_pack(pack: BoardPack, out_dir: Path) -> tuple[Path, Path]:
    """Write board_pack_ODS_DATE.html and .xlsx into out_dir; returns both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"board_pack_{pack.organisation}_{pack.census_date.isoformat()}"
    page = out_dir / f"{stem}.html"
    page.write_text(render_html(pack), encoding="utf-8")
    book = out_dir / f"{stem}.xlsx"
    title = f"Healthcare science workforce board pack: {pack.organisation_name} ({pack.organisation}), census {pack.census_date.isoformat()}"
    write_xlsx(book, xlsx_sheets(pack), title, pack.notes)
    return page, book
